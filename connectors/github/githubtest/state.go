package githubtest

import (
	"sort"
	"time"
)

// repoState is a repository inside the server, guarded by Server.mu.
type repoState struct {
	Repo
	prs        map[int]*PR
	issues     map[int]*Issue
	milestones map[int]*Milestone
	labels     map[string]*Label
	deleted    map[int]bool   // issue numbers answered with 410 Gone
	moved      map[int]string // issue numbers transferred: the new issue's path

	// Caches, dropped on any change.
	prOrder    []*PR
	prSort     string
	issueOrder []issueEntry
	issueSort  string
	msCounts   map[int][2]int
	rendered   map[string][]byte
	pages      map[string]cachedPage // whole 200 answers by host and request URI
	pageBytes  int
}

// cachedPage is a rendered 200 answer with the headers that depend on its content.
type cachedPage struct {
	body        []byte
	etag, route string
	link        string
}

// maxPageBytes bounds a repo's cache of whole answers; past it, answers are rendered from the
// cached items each time, as before the page cache.
const maxPageBytes = 128 << 20

func (r *repoState) keepPage(key string, c cachedPage) {
	if r.pageBytes+len(c.body) > maxPageBytes {
		return
	}
	if r.pages == nil {
		r.pages = map[string]cachedPage{}
	}
	r.pages[key] = c
	r.pageBytes += len(c.body) + len(key)
}

type issueEntry struct {
	number           int
	pr               bool
	created, updated time.Time
}

func newRepoState(r Repo) *repoState {
	s := &repoState{Repo: r, prs: map[int]*PR{}, issues: map[int]*Issue{}, milestones: map[int]*Milestone{},
		labels: map[string]*Label{}, deleted: map[int]bool{}, moved: map[int]string{}}
	for i := range r.PRs {
		p := r.PRs[i]
		s.prs[p.Number] = &p
	}
	for i := range r.Issues {
		is := r.Issues[i]
		s.issues[is.Number] = &is
	}
	for i := range r.Milestones {
		m := r.Milestones[i]
		s.milestones[m.Number] = &m
	}
	for i := range r.Labels {
		l := r.Labels[i]
		s.labels[l.Name] = &l
	}
	s.Repo.PRs, s.Repo.Issues, s.Repo.Milestones, s.Repo.Labels = nil, nil, nil, nil
	return s
}

func (r *repoState) changed() {
	r.prOrder, r.issueOrder, r.rendered, r.msCounts = nil, nil, nil, nil
	r.pages, r.pageBytes = nil, 0
	r.prSort, r.issueSort = "", ""
}

func (r *repoState) cached(key string, render func() []byte) []byte {
	if r.rendered == nil {
		r.rendered = map[string][]byte{}
	}
	if b, ok := r.rendered[key]; ok {
		return b
	}
	b := render()
	r.rendered[key] = b
	return b
}

// sortedPRs returns the PRs ordered by sort (created|updated) and direction.
func (r *repoState) sortedPRs(by string, asc bool) []*PR {
	if r.prOrder == nil {
		r.prOrder = make([]*PR, 0, len(r.prs))
		for _, p := range r.prs {
			r.prOrder = append(r.prOrder, p)
		}
	}
	if r.prSort == by+boolKey(asc) {
		return r.prOrder
	}
	r.prSort = by + boolKey(asc)
	key := func(p *PR) time.Time {
		if by == "updated" {
			return p.Updated
		}
		return p.Created
	}
	sort.Slice(r.prOrder, func(i, j int) bool {
		a, b := r.prOrder[i], r.prOrder[j]
		if !key(a).Equal(key(b)) {
			return key(a).Before(key(b)) == asc
		}
		return (a.Number < b.Number) == asc
	})
	return r.prOrder
}

func (r *repoState) sortedIssues(by string, asc bool) []issueEntry {
	if r.issueOrder == nil {
		for _, p := range r.prs {
			r.issueOrder = append(r.issueOrder, issueEntry{p.Number, true, p.Created, p.Updated})
		}
		for _, is := range r.issues {
			r.issueOrder = append(r.issueOrder, issueEntry{is.Number, false, is.Created, is.Updated})
		}
	}
	if r.issueSort == by+boolKey(asc) {
		return r.issueOrder
	}
	r.issueSort = by + boolKey(asc)
	key := func(e issueEntry) time.Time {
		if by == "updated" {
			return e.updated
		}
		return e.created
	}
	sort.Slice(r.issueOrder, func(i, j int) bool {
		a, b := r.issueOrder[i], r.issueOrder[j]
		if !key(a).Equal(key(b)) {
			return key(a).Before(key(b)) == asc
		}
		return (a.number < b.number) == asc
	})
	return r.issueOrder
}

// counts returns a milestone's open and closed issue counts (PRs count, as on GitHub).
func (r *repoState) counts(number int) (open, closed int) {
	if r.msCounts == nil {
		r.msCounts = map[int][2]int{}
		add := func(ms int, state string) {
			if ms == 0 {
				return
			}
			c := r.msCounts[ms]
			if state == "open" {
				c[0]++
			} else {
				c[1]++
			}
			r.msCounts[ms] = c
		}
		for _, p := range r.prs {
			add(p.Milestone, p.State)
		}
		for _, is := range r.issues {
			add(is.Milestone, is.State)
		}
	}
	c := r.msCounts[number]
	return c[0], c[1]
}

func boolKey(b bool) string {
	if b {
		return "+asc"
	}
	return "+desc"
}
