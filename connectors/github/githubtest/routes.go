package githubtest

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const notFound = `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`

// route serves a GET. s.mu is held.
func (s *Server) route(h http.Header, r *http.Request, path string) (int, []byte, string) {
	if r.Method != http.MethodGet {
		return http.StatusNotFound, []byte(notFound), "other"
	}
	seg := strings.Split(strings.Trim(path, "/"), "/")
	q := r.URL.Query()
	if len(seg) == 3 && (seg[0] == "orgs" || seg[0] == "users") && seg[2] == "repos" {
		return s.ownerRepos(h, r, seg[1])
	}
	if len(seg) < 4 || seg[0] != "repos" {
		return http.StatusNotFound, []byte(notFound), "other"
	}
	repo := s.repos[seg[1]+"/"+seg[2]]
	if repo == nil {
		return http.StatusNotFound, []byte(notFound), "other"
	}
	perPage, page := paging(q)
	switch {
	case len(seg) == 4 && seg[3] == "pulls":
		return s.pulls(h, r, repo, q, perPage, page)
	case len(seg) == 4 && seg[3] == "issues":
		return s.issueList(h, r, repo, q, perPage, page)
	case len(seg) == 4 && seg[3] == "milestones":
		return s.milestoneList(h, r, repo, q, perPage, page)
	case len(seg) == 4 && seg[3] == "labels":
		names := make([]string, 0, len(repo.labels))
		for n := range repo.labels {
			names = append(names, n)
		}
		sort.Strings(names)
		return http.StatusOK, pageOf(h, r, perPage, page, len(names), func(i int) []byte {
			w := repo.wireLabels(names[i : i+1])
			return mustJSON(w[0])
		}), "labels"
	}
	n, err := strconv.Atoi(seg[4])
	if err != nil {
		return http.StatusNotFound, []byte(notFound), "other"
	}
	switch {
	case len(seg) == 5 && seg[3] == "issues":
		if to := repo.moved[n]; to != "" {
			return http.StatusMovedPermanently, []byte(strings.TrimSuffix(r.URL.Path, "/repos/"+repo.FullName()+"/issues/"+strconv.Itoa(n)) + to), "issue"
		}
		if repo.deleted[n] {
			return http.StatusGone, []byte(`{"message":"This issue was deleted","documentation_url":"https://docs.github.com/rest/issues/issues#get-an-issue"}`), "issue"
		}
		if p := repo.prs[n]; p != nil {
			return http.StatusOK, repo.renderPRIssue(p), "issue"
		}
		if is := repo.issues[n]; is != nil {
			return http.StatusOK, repo.renderIssue(is), "issue"
		}
	case len(seg) == 5 && seg[3] == "pulls":
		if p := repo.prs[n]; p != nil {
			return http.StatusOK, repo.renderPR(p), "pull"
		}
	case len(seg) == 6 && seg[3] == "pulls" && seg[5] == "reviews":
		p := repo.prs[n]
		if p == nil {
			break
		}
		return http.StatusOK, pageOf(h, r, perPage, page, len(p.Reviews), func(i int) []byte {
			return repo.cached("review:"+strconv.FormatInt(p.Reviews[i].ID, 10), func() []byte { return repo.renderReview(p, &p.Reviews[i]) })
		}), "reviews"
	case len(seg) == 6 && seg[3] == "pulls" && seg[5] == "commits":
		p := repo.prs[n]
		if p == nil {
			break
		}
		return http.StatusOK, pageOf(h, r, perPage, page, len(p.Commits), func(i int) []byte {
			id := sha(repo.FullName() + strconv.Itoa(n) + "c" + strconv.Itoa(i))
			return mustJSON(map[string]any{"sha": id, "node_id": "C_" + id,
				"commit": map[string]any{"message": p.Commits[i], "author": map[string]any{"name": p.Author, "date": ts(p.Created)}},
				"author": user(p.Author), "url": apiHost + "/repos/" + repo.FullName() + "/commits/" + id})
		}), "commits"
	}
	return http.StatusNotFound, []byte(notFound), "other"
}

// pageOf renders page of a list of n items and sets the Link header.
func pageOf(h http.Header, r *http.Request, perPage, page, n int, item func(i int) []byte) []byte {
	last := max((n+perPage-1)/perPage, 1)
	link(h, r, page, last)
	from := min((page-1)*perPage, n)
	to := min(from+perPage, n)
	items := make([][]byte, 0, to-from)
	for i := from; i < to; i++ {
		items = append(items, item(i))
	}
	return joinPage(items)
}

func stateMatch(want, state string) bool {
	return want == "all" || want == state || (want == "" && state == "open")
}

func (s *Server) pulls(h http.Header, r *http.Request, repo *repoState, q url.Values, perPage, page int) (int, []byte, string) {
	by := q.Get("sort")
	if by != "updated" {
		by = "created"
	}
	asc := q.Get("direction") == "asc" || (q.Get("direction") == "" && by != "created")
	list := repo.sortedPRs(by, asc)
	if q.Get("state") != "all" {
		var filtered []*PR
		for _, p := range list {
			if stateMatch(q.Get("state"), p.State) {
				filtered = append(filtered, p)
			}
		}
		list = filtered
	}
	return http.StatusOK, pageOf(h, r, perPage, page, len(list), func(i int) []byte {
		p := list[i]
		return repo.cached("pr:"+strconv.Itoa(p.Number), func() []byte { return repo.renderPR(p) })
	}), "pulls"
}

func (s *Server) issueList(h http.Header, r *http.Request, repo *repoState, q url.Values, perPage, page int) (int, []byte, string) {
	by := q.Get("sort")
	if by != "updated" {
		by = "created"
	}
	asc := q.Get("direction") == "asc"
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return http.StatusUnprocessableEntity, []byte(`{"message":"Validation Failed","errors":[{"resource":"Issue","field":"since","code":"invalid"}]}`), "issues"
		}
		since = t
	}
	list := repo.sortedIssues(by, asc)
	if q.Get("state") == "all" && since.IsZero() && len(repo.deleted) == 0 {
		return http.StatusOK, pageOf(h, r, perPage, page, len(list), func(i int) []byte { return repo.renderEntry(list[i]) }), "issues"
	}
	var filtered []issueEntry
	for _, e := range list {
		if repo.deleted[e.number] || e.updated.Before(since) {
			continue
		}
		state := ""
		if e.pr {
			state = repo.prs[e.number].State
		} else {
			state = repo.issues[e.number].State
		}
		if stateMatch(q.Get("state"), state) {
			filtered = append(filtered, e)
		}
	}
	return http.StatusOK, pageOf(h, r, perPage, page, len(filtered), func(i int) []byte { return repo.renderEntry(filtered[i]) }), "issues"
}

func (r *repoState) renderEntry(e issueEntry) []byte {
	if e.pr {
		return r.cached("pri:"+strconv.Itoa(e.number), func() []byte { return r.renderPRIssue(r.prs[e.number]) })
	}
	return r.cached("issue:"+strconv.Itoa(e.number), func() []byte { return r.renderIssue(r.issues[e.number]) })
}

func (s *Server) milestoneList(h http.Header, r *http.Request, repo *repoState, q url.Values, perPage, page int) (int, []byte, string) {
	var list []*Milestone
	for _, m := range repo.milestones {
		if stateMatch(q.Get("state"), m.State) {
			list = append(list, m)
		}
	}
	// GitHub's default order: due_on ascending (no due date last), then number.
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.DueOn.IsZero() != b.DueOn.IsZero() {
			return !a.DueOn.IsZero()
		}
		if !a.DueOn.Equal(b.DueOn) {
			return a.DueOn.Before(b.DueOn)
		}
		return a.Number < b.Number
	})
	return http.StatusOK, pageOf(h, r, perPage, page, len(list), func(i int) []byte {
		return mustJSON(repo.wireMilestone(list[i].Number))
	}), "milestones"
}

func (s *Server) ownerRepos(h http.Header, r *http.Request, owner string) (int, []byte, string) {
	var list []*repoState
	for _, rs := range s.repos {
		if strings.EqualFold(rs.Owner, owner) {
			list = append(list, rs)
		}
	}
	if len(list) == 0 {
		return http.StatusNotFound, []byte(notFound), "repos"
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	perPage, page := paging(r.URL.Query())
	return http.StatusOK, pageOf(h, r, perPage, page, len(list), func(i int) []byte {
		return mustJSON(list[i].wireRepo())
	}), "repos"
}
