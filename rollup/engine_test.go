package rollup

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// engineWorld is a small synced world kept as the connectors' values, so that every change
// goes through the store's real write paths (SaveJiraIssues, MarkJiraDeleted,
// SaveGitHubPullRequests, SaveGitHubIssues, ...), as the syncers write them.
type engineWorld struct {
	t       *testing.T
	db      *store.DB
	rng     *SplitMix64
	asOf    time.Time
	issues  map[int64]*cairn.Issue
	prs     map[int64]*cairn.PullRequest
	reviews map[int64][]cairn.Review // by PR id
	prKeys  map[int64][]string       // Jira keys a PR carries, by PR id
	ghIss   map[int64]*cairn.GitHubIssue
	nextID  int64
	nextKey map[string]int
	syncs   []time.Time // the syncs' finish times
	// crossBlocker is the issue (program Beta) that blocks one of program Alpha's.
	crossBlocker int64
}

var engineRepos = []string{"acme/api", "acme/web"}

func (w *engineWorld) pick(n int) int { return w.rng.IntN(n) }

// nearEdge is a time just inside one of the windows that move with asOf (the 7 days of
// "completed this week" and of stalled, the stale-item days, the review wait, the 12-week
// flow window), so that advancing asOf by hours crosses some of them; or any time in the
// last 20 weeks.
func (w *engineWorld) nearEdge() time.Time {
	edges := []time.Duration{7 * 24 * time.Hour, 5 * 24 * time.Hour, 24 * time.Hour, 84 * 24 * time.Hour}
	if w.pick(2) == 0 {
		return w.asOf.Add(-edges[w.pick(len(edges))] + time.Duration(1+w.pick(6*60))*time.Minute)
	}
	return w.asOf.Add(-time.Duration(1+w.pick(20*7*24*60)) * time.Minute)
}

func (w *engineWorld) newKey(project string) string {
	w.nextKey[project]++
	return fmt.Sprintf("%s-%d", project, w.nextKey[project])
}

func (w *engineWorld) keys() []string {
	var out []string
	for _, is := range w.issues {
		out = append(out, is.Key)
	}
	slices.Sort(out)
	return out
}

func (w *engineWorld) sortedIssues() []*cairn.Issue {
	ids := slices.Sorted(mapsKeysInt(w.issues))
	out := make([]*cairn.Issue, len(ids))
	for i, id := range ids {
		out[i] = w.issues[id]
	}
	return out
}

func mapsKeysInt[V any](m map[int64]V) func(func(int64) bool) {
	return func(yield func(int64) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// nextEdge returns the first instant after asOf (on asOf's day) at which one of the time
// windows the report reads moves past something in the world: an in-progress issue turning
// stale (updated + StaleDays), a completion leaving the last 7 days or the 12-week flow window,
// a milestone stalling (a status change + 7 days), an open PR waiting too long for review
// (created + 24 h), a review in the future, a sync's data turning stale (+5 h); the zero time
// when none is left today. exact says whether to return the edge itself or 1 ns after it.
func (w *engineWorld) nextEdge(exact bool) time.Time {
	var best time.Time
	end := dayStart(w.asOf).AddDate(0, 0, 1)
	try := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if !exact {
			t = t.Add(1)
		}
		if t.After(w.asOf) && t.Before(end) && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	day := 24 * time.Hour
	for _, is := range w.issues {
		try(is.Updated.Add(5 * day))
		for _, tr := range is.Transitions {
			try(tr.At.Add(7 * day))
			try(tr.At.Add(84 * day))
		}
	}
	for _, p := range w.prs {
		try(p.Created.Add(24 * time.Hour))
		try(p.Created.Add(84 * day))
		if !p.Merged.IsZero() {
			try(p.Merged.Add(7 * day))
			try(p.Merged.Add(84 * day))
		}
		for _, r := range w.reviews[p.ID] {
			try(r.SubmittedAt)
			try(r.SubmittedAt.Add(84 * day))
		}
	}
	for _, t := range w.syncs {
		try(t.Add(5 * time.Hour))
	}
	return best
}

func (w *engineWorld) anyIssue() *cairn.Issue {
	ids := make([]int64, 0, len(w.issues))
	for id := range w.issues {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return w.issues[ids[w.pick(len(ids))]]
}

// setStatus moves an issue to a category at t, appending to its history.
func (w *engineWorld) setStatus(is *cairn.Issue, cat cairn.StatusCategory, t time.Time) {
	names := map[cairn.StatusCategory]string{cairn.CategoryNew: "To Do", cairn.CategoryIndeterminate: "In Progress", cairn.CategoryDone: "Done"}
	if t.Before(is.Created) {
		t = is.Created.Add(time.Minute)
	}
	is.Transitions = append(is.Transitions, cairn.Transition{HistoryID: fmt.Sprint(len(is.Transitions) + 1), At: t,
		FromStatus: is.Status, ToStatus: names[cat], FromCategory: is.StatusCategory, ToCategory: cat})
	is.Status, is.StatusCategory = names[cat], cat
	is.Resolved = time.Time{}
	if cat == cairn.CategoryDone {
		is.Resolved = t
	}
	if t.After(is.Updated) {
		is.Updated = t
	}
}

func (w *engineWorld) newIssue(project string) *cairn.Issue {
	w.nextID++
	created := w.nearEdge().Add(-time.Duration(w.pick(30*24)) * time.Hour)
	is := &cairn.Issue{ID: w.nextID, Key: w.newKey(project), ProjectKey: project, IssueType: "Story",
		Summary: fmt.Sprintf("work %d", w.nextID), Status: "To Do", StatusCategory: cairn.CategoryNew,
		Created: created, Updated: created, Raw: []byte(fmt.Sprintf(`{"id":%d}`, w.nextID))}
	if w.pick(4) > 0 {
		p := float64(1 + w.pick(8))
		is.StoryPoints = &p
	}
	if w.pick(3) == 0 {
		is.Assignee = fmt.Sprintf("dev %d", w.pick(5))
	}
	is.Priority = []string{"", "High", "Blocker", "Low"}[w.pick(4)]
	is.Flagged = w.pick(15) == 0
	if w.pick(3) == 0 {
		is.Labels = []string{[]string{"ux", "infra", "perf"}[w.pick(3)]}
	}
	if w.pick(4) == 0 {
		is.Components = []string{[]string{"api", "ui"}[w.pick(2)]}
	}
	pi := int(project[1] - '0')
	is.FixVersionIDs = []int64{int64(10 + 2*pi + w.pick(2))}
	if w.pick(2) == 0 {
		is.SprintIDs = []int64{int64(100 + w.pick(4))}
	}
	switch w.pick(3) {
	case 1:
		w.setStatus(is, cairn.CategoryIndeterminate, w.nearEdge())
	case 2:
		w.setStatus(is, cairn.CategoryIndeterminate, created.Add(time.Hour))
		w.setStatus(is, cairn.CategoryDone, w.nearEdge())
	}
	return is
}

func (w *engineWorld) saveIssues(list ...*cairn.Issue) {
	w.t.Helper()
	byProject := map[string][]cairn.Issue{}
	for _, is := range list {
		is.Raw = []byte(fmt.Sprintf(`{"id":%d,"v":%d}`, is.ID, w.rng.Next()))
		byProject[is.ProjectKey] = append(byProject[is.ProjectKey], *is)
	}
	for _, p := range slices.Sorted(mapsKeys(byProject)) {
		if _, _, err := w.db.SaveJiraIssues(context.Background(), store.JiraIssuePage{Scope: p, Issues: byProject[p]}); err != nil {
			w.t.Fatal(err)
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (w *engineWorld) savePR(p *cairn.PullRequest) {
	w.t.Helper()
	p.Raw = []byte(fmt.Sprintf(`{"id":%d,"v":%d}`, p.ID, w.rng.Next()))
	var links []cairn.PRIssueLink
	for _, k := range w.prKeys[p.ID] {
		links = append(links, cairn.PRIssueLink{Repo: p.Repo, Number: p.Number, IssueKey: k, Source: "title"})
	}
	if _, _, err := w.db.SaveGitHubPullRequests(context.Background(), store.GitHubPRPage{Repo: p.Repo,
		PRs: []cairn.PullRequest{*p}, Reviews: w.reviews[p.ID], Links: links}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *engineWorld) newPR() *cairn.PullRequest {
	w.nextID++
	repo := engineRepos[w.pick(2)]
	created := w.nearEdge()
	p := &cairn.PullRequest{ID: w.nextID, Repo: repo, Number: int(w.nextID), Title: fmt.Sprintf("change %d", w.nextID),
		State: "open", Author: "dev", Created: created, Updated: created, Draft: w.pick(8) == 0}
	if w.pick(3) == 0 {
		p.Milestone = "1.0"
	}
	if w.pick(3) == 0 {
		p.Labels = []string{"bug"}
	}
	switch w.pick(4) {
	case 1:
		p.State, p.Merged, p.Closed = "closed", created.Add(time.Duration(1+w.pick(100))*time.Hour), created.Add(time.Hour)
	case 2:
		p.State, p.Closed = "closed", created.Add(time.Hour)
	}
	if w.pick(2) == 0 {
		w.reviews[p.ID] = []cairn.Review{{ID: w.nextID*10 + 1, Repo: repo, Number: p.Number, State: "APPROVED",
			SubmittedAt: created.Add(time.Duration(1+w.pick(50)) * time.Hour)}}
	}
	if w.pick(2) == 0 {
		keys := w.keys()
		w.prKeys[p.ID] = []string{keys[w.pick(len(keys))]}
	}
	return p
}

func (w *engineWorld) newGitHubIssue() *cairn.GitHubIssue {
	w.nextID++
	repo := engineRepos[w.pick(2)]
	created := w.nearEdge()
	g := &cairn.GitHubIssue{ID: w.nextID, Repo: repo, Number: int(w.nextID), Title: fmt.Sprintf("issue %d", w.nextID),
		State: "open", Author: "user", Created: created, Updated: created}
	if w.pick(2) == 0 {
		g.Milestone = "1.0"
	}
	if w.pick(2) == 0 {
		g.Labels = []string{"bug"}
	}
	if w.pick(3) == 0 {
		g.State, g.Closed = "closed", w.nearEdge()
	}
	return g
}

func (w *engineWorld) saveGitHubIssue(g *cairn.GitHubIssue) {
	w.t.Helper()
	g.Raw = []byte(fmt.Sprintf(`{"id":%d,"v":%d}`, g.ID, w.rng.Next()))
	if _, _, err := w.db.SaveGitHubIssues(context.Background(), store.GitHubIssuePage{Repo: g.Repo, Issues: []cairn.GitHubIssue{*g}}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *engineWorld) syncRun(connector string, at time.Time) {
	w.t.Helper()
	ctx := context.Background()
	id, err := w.db.StartRun(ctx, connector, "incremental", at.Add(-time.Minute))
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.db.FinishRun(ctx, id, at, cairn.Counts{}, 1, nil); err != nil {
		w.t.Fatal(err)
	}
	w.syncs = append(w.syncs, at)
}

// newEngineWorld stores a world of n issues, n/4 PRs and n/10 GitHub issues, and returns it
// with its spec.
func newEngineWorld(t *testing.T, db *store.DB, seed uint64, n int, asOf time.Time) (*engineWorld, Spec) {
	ctx := context.Background()
	w := &engineWorld{t: t, db: db, rng: NewSplitMix64(seed), asOf: asOf, issues: map[int64]*cairn.Issue{},
		prs: map[int64]*cairn.PullRequest{}, reviews: map[int64][]cairn.Review{}, prKeys: map[int64][]string{},
		ghIss: map[int64]*cairn.GitHubIssue{}, nextID: 1000, nextKey: map[string]int{}}
	projects := []string{"P0", "P1", "P2"}
	for pi, p := range projects {
		var vs []cairn.Version
		for k := range 2 {
			v := cairn.Version{ID: int64(10 + 2*pi + k), ProjectKey: p, Name: fmt.Sprintf("%s-v%d", p, k)}
			if k == 0 {
				v.ReleaseDate = asOf.AddDate(0, 0, 10+w.pick(40)).Truncate(24 * time.Hour)
			}
			vs = append(vs, v)
		}
		if err := db.SaveJiraVersions(ctx, p, vs); err != nil {
			t.Fatal(err)
		}
	}
	var sprints []cairn.Sprint
	for s := range 4 {
		end := asOf.AddDate(0, 0, -7*(s+1)+1)
		sprints = append(sprints, cairn.Sprint{ID: int64(100 + s), BoardID: 1, Name: fmt.Sprintf("S%d", s), State: "closed",
			StartAt: end.AddDate(0, 0, -14), EndAt: end, CompleteAt: end})
	}
	if err := db.SaveJiraSprints(ctx, 1, sprints); err != nil {
		t.Fatal(err)
	}
	for _, r := range engineRepos {
		if err := db.SaveGitHubMilestones(ctx, r, []cairn.Milestone{{ID: 1, Repo: r, Number: 1, Title: "1.0", State: "open",
			DueOn: asOf.AddDate(0, 0, 30)}}, true, nil); err != nil {
			t.Fatal(err)
		}
	}
	var all []*cairn.Issue
	var epics []string
	for i := range n {
		is := w.newIssue(projects[i%3])
		if i%25 == 0 {
			is.IssueType = "Epic"
			epics = append(epics, is.Key)
		} else if len(epics) > 0 && w.pick(4) == 0 {
			is.EpicKey = epics[w.pick(len(epics))]
		}
		w.issues[is.ID] = is
		all = append(all, is)
	}
	// Sub-tasks of some stories, and blocker links.
	for i := range n / 10 {
		parent := all[w.pick(len(all))]
		is := w.newIssue(parent.ProjectKey)
		is.Subtask, is.IssueType, is.ParentKey = true, "Sub-task", parent.Key
		w.issues[is.ID] = is
		all = append(all, is)
		_ = i
	}
	for range n / 8 {
		w.addLink()
	}
	// A blocker across programs: Y (milestone B1, program Beta) blocks the open X (A1, Alpha),
	// and nothing else puts either in another milestone.
	x, y := w.newIssue("P0"), w.newIssue("P1")
	for _, is := range []*cairn.Issue{x, y} {
		is.Transitions, is.Status, is.StatusCategory, is.Resolved = nil, "To Do", cairn.CategoryNew, time.Time{}
		is.Labels, is.Components = nil, nil
		w.issues[is.ID] = is
		all = append(all, is)
	}
	x.FixVersionIDs, y.FixVersionIDs = []int64{10}, []int64{12}
	w.nextID++
	l := cairn.IssueLink{ID: w.nextID, Type: "Blocks", FromKey: y.Key, ToKey: x.Key}
	x.Links, y.Links = append(x.Links, l), append(y.Links, l)
	w.crossBlocker = y.ID
	w.saveIssues(all...)
	for range n / 4 {
		p := w.newPR()
		w.prs[p.ID] = p
		w.savePR(p)
	}
	for range n / 10 {
		g := w.newGitHubIssue()
		w.ghIss[g.ID] = g
		w.saveGitHubIssue(g)
	}
	w.syncRun(cairn.ConnectorJira, asOf.Add(-time.Hour))
	w.syncRun(cairn.ConnectorGitHub, asOf.Add(-3*time.Hour))

	spec := Spec{StaleDays: 5, ReviewWaitHours: 24, Trials: 500,
		Thresholds: Thresholds{StaleDataHours: 5, StalledDays: 7},
		Teams:      []TeamSpec{{Name: "platform", JiraProjects: []string{"P0"}, Repos: []string{"acme/api"}}},
		Programs: []ProgramSpec{
			{Name: "Alpha", Milestones: []MilestoneSpec{
				{Name: "A1", FixVersions: []string{"P0-v0"}},
				{Name: "A2", FixVersions: []string{"P0-v1", "P1-v1"}, Baseline: asOf.Truncate(24 * time.Hour)},
				{Name: "A3", Epics: epics[:min(2, len(epics))]},
				{Name: "A4", Labels: []string{"ux"}, Components: []string{"api"}},
			}},
			{Name: "Beta", Milestones: []MilestoneSpec{
				{Name: "B1", FixVersions: []string{"P1-v0"}, GitHubMilestones: []string{"acme/web:1.0"}},
				{Name: "B2", GitHubLabels: []string{"acme/api:bug"}, Due: asOf.AddDate(0, 0, 20).Truncate(24 * time.Hour)},
				{Name: "B3", Repos: []string{"acme/web"}},
				{Name: "B4", FixVersions: []string{"P2-v0", "P2-v1"}, Teams: []string{"P2", "platform"}},
			}},
			{Name: "Gamma"},
		},
	}
	return w, spec
}

// addLink adds a "blocks" link between two issues, on both (Jira reports it on both).
func (w *engineWorld) addLink() []*cairn.Issue {
	a, b := w.anyIssue(), w.anyIssue()
	w.nextID++
	l := cairn.IssueLink{ID: w.nextID, Type: "Blocks", FromKey: a.Key, ToKey: b.Key}
	a.Links = append(a.Links, l)
	if a != b {
		b.Links = append(b.Links, l)
	}
	return []*cairn.Issue{a, b}
}

// changeCrossBlocker moves the issue that blocks another program's issue to another status
// and assignee: only the blocked issue's milestone reads it.
func (w *engineWorld) changeCrossBlocker() string {
	is := w.issues[w.crossBlocker]
	if is == nil {
		return "no cross-program blocker"
	}
	cat := []cairn.StatusCategory{cairn.CategoryNew, cairn.CategoryIndeterminate, cairn.CategoryDone}[w.pick(3)]
	w.setStatus(is, cat, w.asOf.Add(-time.Duration(w.pick(60))*time.Minute))
	is.Assignee = fmt.Sprintf("dev %d", w.pick(5))
	w.saveIssues(is)
	return "cross-program blocker " + is.Key + " to " + string(cat)
}

// change applies one random change through the store's write paths and says what it was.
func (w *engineWorld) change() string {
	ctx := context.Background()
	switch k := w.pick(20); k {
	case 16: // the blocking side of a link changes (status, assignee): the blocked item's milestones read it
		var from []string
		for _, is := range w.issues {
			for _, l := range is.Links {
				from = append(from, l.FromKey)
			}
		}
		if len(from) == 0 {
			return "no link"
		}
		slices.Sort(from)
		key := from[w.pick(len(from))]
		for _, is := range w.issues {
			if is.Key == key {
				cat := []cairn.StatusCategory{cairn.CategoryNew, cairn.CategoryIndeterminate, cairn.CategoryDone}[w.pick(3)]
				w.setStatus(is, cat, w.asOf.Add(-time.Duration(w.pick(60))*time.Minute))
				is.Assignee = fmt.Sprintf("dev %d", w.pick(5))
				w.saveIssues(is)
				return "blocking item " + key + " to " + string(cat)
			}
		}
		return "blocking item not synced"
	case 17: // a sub-task's status or summary
		for _, is := range w.sortedIssues() {
			if is.Subtask && w.pick(3) == 0 {
				w.setStatus(is, []cairn.StatusCategory{cairn.CategoryIndeterminate, cairn.CategoryDone}[w.pick(2)], w.asOf.Add(-time.Minute))
				is.Summary = fmt.Sprintf("sub %d", w.rng.Next()%100)
				w.saveIssues(is)
				return "sub-task " + is.Key
			}
		}
		return "no sub-task"
	case 18: // a PR that carries a Jira key is merged, reviewed or made a draft
		for _, id := range slices.Sorted(mapsKeysInt(w.prKeys)) {
			p := w.prs[id]
			if p == nil || p.State != "open" || w.pick(2) == 0 {
				continue
			}
			switch w.pick(3) {
			case 0:
				p.State, p.Closed, p.Merged = "closed", w.asOf.Add(-time.Minute), w.asOf.Add(-time.Minute)
			case 1:
				w.reviews[p.ID] = append(w.reviews[p.ID], cairn.Review{ID: p.ID*10 + int64(len(w.reviews[p.ID])) + 2, Repo: p.Repo,
					Number: p.Number, State: "APPROVED", SubmittedAt: w.asOf.Add(-time.Minute)})
			default:
				p.Draft = !p.Draft
			}
			p.Updated = w.asOf.Add(-time.Minute)
			w.savePR(p)
			return fmt.Sprintf("PR %s#%d of %s changed", p.Repo, p.Number, w.prKeys[id][0])
		}
		return "no open PR with a key"
	case 19: // an in-progress issue's title and assignee (its update time moves: no longer stale)
		for _, is := range w.sortedIssues() {
			if is.StatusCategory == cairn.CategoryIndeterminate && w.pick(4) == 0 {
				is.Summary, is.Assignee = fmt.Sprintf("retitled %d", w.rng.Next()%100), "dev 9"
				is.Updated = w.asOf.Add(-time.Duration(w.pick(30)) * time.Minute)
				w.saveIssues(is)
				return "edited " + is.Key
			}
		}
		return "none in progress"
	case 0, 1: // a status change
		is := w.anyIssue()
		cat := []cairn.StatusCategory{cairn.CategoryNew, cairn.CategoryIndeterminate, cairn.CategoryDone}[w.pick(3)]
		w.setStatus(is, cat, w.asOf.Add(-time.Duration(w.pick(120))*time.Minute))
		w.saveIssues(is)
		return "status of " + is.Key
	case 2: // fix version
		is := w.anyIssue()
		pi := int(is.ProjectKey[1] - '0')
		is.FixVersionIDs = []int64{int64(10 + 2*pi + w.pick(2))}
		if w.pick(3) == 0 {
			is.FixVersionIDs = nil
		}
		is.Updated = w.asOf.Add(-time.Minute)
		w.saveIssues(is)
		return "fix version of " + is.Key
	case 3: // epic or parent
		is, ep := w.anyIssue(), w.anyIssue()
		if is.Subtask {
			is.ParentKey = ep.Key
		} else if w.pick(2) == 0 {
			is.EpicKey = ep.Key
		} else {
			is.EpicKey = ""
		}
		is.Updated = w.asOf.Add(-time.Minute)
		w.saveIssues(is)
		return "epic or parent of " + is.Key
	case 4: // labels, points, flag, priority
		is := w.anyIssue()
		is.Labels = [][]string{nil, {"ux"}, {"perf", "ux"}}[w.pick(3)]
		is.Flagged = !is.Flagged
		is.Priority = []string{"", "Blocker"}[w.pick(2)]
		p := float64(w.pick(5))
		is.StoryPoints = &p
		w.saveIssues(is)
		return "fields of " + is.Key
	case 5: // a new issue
		is := w.newIssue([]string{"P0", "P1", "P2"}[w.pick(3)])
		w.issues[is.ID] = is
		w.saveIssues(is)
		return "new " + is.Key
	case 6: // a deleted issue
		is := w.anyIssue()
		delete(w.issues, is.ID)
		if _, err := w.db.MarkJiraDeleted(ctx, is.ProjectKey, []int64{is.ID}, w.asOf); err != nil {
			w.t.Fatal(err)
		}
		return "deleted " + is.Key
	case 7: // a moved issue: new key (and project)
		is := w.anyIssue()
		old := is.Key
		is.ProjectKey = []string{"P0", "P1", "P2"}[w.pick(3)]
		is.Key = w.newKey(is.ProjectKey)
		is.Updated = w.asOf.Add(-time.Minute)
		for _, o := range w.issues { // Jira reports the link with the new key on the other side too
			for i := range o.Links {
				if l := &o.Links[i]; l.FromKey == old {
					l.FromKey = is.Key
				} else if l.ToKey == old {
					l.ToKey = is.Key
				}
			}
		}
		w.saveIssues(is)
		return "moved to " + is.Key
	case 8: // a link added
		list := w.addLink()
		w.saveIssues(list...)
		return "link " + list[0].Key + " blocks " + list[1].Key
	case 9: // a link removed
		is := w.anyIssue()
		if len(is.Links) == 0 {
			return "no link to remove"
		}
		is.Links = is.Links[1:]
		w.saveIssues(is)
		return "link removed from " + is.Key
	case 10: // a PR opened
		p := w.newPR()
		w.prs[p.ID] = p
		w.savePR(p)
		return fmt.Sprintf("PR %s#%d opened", p.Repo, p.Number)
	case 11: // a PR merged or closed
		for _, p := range w.prs {
			if p.State == "open" {
				p.State, p.Closed = "closed", w.asOf.Add(-time.Minute)
				if w.pick(3) > 0 {
					p.Merged = p.Closed
				}
				p.Updated = p.Closed
				w.savePR(p)
				return fmt.Sprintf("PR %s#%d closed", p.Repo, p.Number)
			}
		}
		return "no open PR"
	case 12: // a PR reviewed
		for _, p := range w.prs {
			w.reviews[p.ID] = append(w.reviews[p.ID], cairn.Review{ID: p.ID*10 + int64(len(w.reviews[p.ID])) + 2, Repo: p.Repo,
				Number: p.Number, State: "COMMENTED", SubmittedAt: w.asOf.Add(-time.Duration(w.pick(300)) * time.Minute)})
			w.savePR(p)
			return fmt.Sprintf("PR %s#%d reviewed", p.Repo, p.Number)
		}
		return "no PR"
	case 13: // a PR's Jira key changes (or it gains one)
		for _, p := range w.prs {
			keys := w.keys()
			w.prKeys[p.ID] = []string{keys[w.pick(len(keys))]}
			w.savePR(p)
			return fmt.Sprintf("PR %s#%d carries %s", p.Repo, p.Number, w.prKeys[p.ID][0])
		}
		return "no PR"
	case 14: // a GitHub issue opened, closed or deleted
		if w.pick(3) == 0 {
			for _, g := range w.ghIss {
				delete(w.ghIss, g.ID)
				if _, err := w.db.MarkGitHubDeleted(ctx, g.Repo, store.GitHubIssues, []int{g.Number}, w.asOf); err != nil {
					w.t.Fatal(err)
				}
				return fmt.Sprintf("GitHub issue %s#%d deleted", g.Repo, g.Number)
			}
		}
		g := w.newGitHubIssue()
		w.ghIss[g.ID] = g
		w.saveGitHubIssue(g)
		return fmt.Sprintf("GitHub issue %s#%d", g.Repo, g.Number)
	default: // a sync finished (the data's age)
		w.syncRun([]string{cairn.ConnectorJira, cairn.ConnectorGitHub}[w.pick(2)], w.asOf.Add(-time.Duration(w.pick(60))*time.Minute))
		return "sync run"
	}
}

// TestEngineMatchesRun is the incremental rollup's proof: after random changes written through
// the store's write paths, and as-of times moved by minutes to hours (across the windows'
// edges, and once into the next day), each Engine.Update stores the very report (byte for
// byte) and snapshots that a full Run at the same as-of time stores on a copy of the database
// taken just before.
func TestEngineMatchesRun(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { testEngineMatchesRun(t, seed) })
	}
}

func testEngineMatchesRun(t *testing.T, seed uint64) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "engine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	asOf := time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)
	w, spec := newEngineWorld(t, db, seed, 160, asOf)
	e := NewEngine(db, spec)
	incremental, patched := 0, 0
	for step := range 36 {
		var what []string
		switch {
		case step > 0 && step%4 == 3:
			// Only time passes, to the next edge of a window (exactly on it, or just past it):
			// what changes is what the milestones' and flows' expiry instants must catch.
			if next := w.nextEdge(step%8 == 3); !next.IsZero() {
				what = append(what, "time to an edge")
				w.asOf = next
				break
			}
			w.asOf = w.asOf.Add(time.Duration(1+w.pick(150)) * time.Minute)
		case step > 0 && step%8 == 2:
			// Only new issues arrive (inserted into the world in place): a story, which may
			// block an existing issue, and a sub-task of an existing one.
			is := w.newIssue([]string{"P0", "P1", "P2"}[w.pick(3)])
			w.issues[is.ID] = is
			saved := []*cairn.Issue{is}
			if w.pick(2) == 0 {
				other := w.anyIssue()
				w.nextID++
				l := cairn.IssueLink{ID: w.nextID, Type: "Blocks", FromKey: is.Key, ToKey: other.Key}
				is.Links, other.Links = append(is.Links, l), append(other.Links, l)
				saved = append(saved, other)
			}
			sub := w.newIssue(is.ProjectKey)
			sub.Subtask, sub.IssueType, sub.ParentKey = true, "Sub-task", w.anyIssue().Key
			w.issues[sub.ID] = sub
			w.saveIssues(append(saved, sub)...)
			what = append(what, "new "+is.Key+" and sub-task "+sub.Key)
			w.asOf = w.asOf.Add(time.Duration(1+w.pick(30)) * time.Minute)
		case step > 0 && step%4 == 1:
			// Only the blocking side of a link across programs changes, a minute later.
			what = append(what, w.changeCrossBlocker())
			w.asOf = w.asOf.Add(time.Minute)
		case step > 0:
			for range w.pick(4) {
				what = append(what, w.change())
			}
			w.asOf = w.asOf.Add(time.Duration(1+w.pick(150)) * time.Minute)
			if step == 30 { // into the next day: a full run
				w.asOf = w.asOf.Add(18 * time.Hour)
			}
		}
		copyPath := filepath.Join(dir, fmt.Sprintf("copy-%d.db", step))
		vac, err := sql.Open("sqlite", filepath.Join(dir, "engine.db")) // the store's pools cannot VACUUM
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vac.ExecContext(ctx, `VACUUM INTO ?`, copyPath); err != nil {
			t.Fatal(err)
		}
		vac.Close()
		got, info, err := e.Update(ctx, w.asOf)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if !info.Full {
			incremental++
		}
		if !info.Full && info.Rebuilt == "" {
			patched++
		}
		t.Logf("step %d: full %v (%s) rebuilt %q recomputed %d parts %d after %q", step, info.Full, info.Why, info.Rebuilt, info.Recomputed, info.Parts, what)
		ref, err := store.Open(ctx, copyPath)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Run(ctx, ref, spec, w.asOf)
		if err != nil {
			t.Fatal(err)
		}
		compareStores(t, fmt.Sprintf("step %d (%+v) after %q", step, info, what), db, ref, got, want)
		ref.Close()
	}
	if incremental < 24 || patched < 12 {
		t.Errorf("only %d of 36 updates were incremental, %d patched the world in place", incremental, patched)
	}
}

// compareStores checks the two databases' latest report (whole JSON), the report of its week,
// the reports returned, and every snapshot.
func compareStores(t *testing.T, step string, db, ref *store.DB, got, want *Report) {
	t.Helper()
	ctx := context.Background()
	a, err := db.LatestReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ref.LatestReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.JSON, b.JSON) {
		t.Fatalf("%s: stored reports differ:\n%s", step, firstDiff(a.JSON, b.JSON))
	}
	wk, err := db.ReportForWeek(ctx, a.ISOWeek)
	if err != nil || !bytes.Equal(wk.JSON, b.JSON) {
		t.Fatalf("%s: the week's report is not the latest (%v)", step, err)
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) || !bytes.Equal(gj, a.JSON) {
		t.Fatalf("%s: returned reports differ:\n%s", step, firstDiff(gj, wj))
	}
	sa, err := db.Snapshots(ctx, "", "", time.Time{}, got.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := ref.Snapshots(ctx, "", "", time.Time{}, got.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(sa)
	jb, _ := json.Marshal(sb)
	if !bytes.Equal(ja, jb) {
		t.Fatalf("%s: snapshots differ:\n%s", step, firstDiff(ja, jb))
	}
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(i-300, 0)
	return fmt.Sprintf("at byte %d:\n got  %s\n want %s", i, a[lo:min(i+300, len(a))], b[lo:min(i+300, len(b))])
}

// TestEngineStoresPartsAgain: when another writer's report replaced the engine's (and its
// parts went with it), the next incremental Update stores every part again, and the stored
// report is still Run's.
func TestEngineStoresPartsAgain(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "engine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	asOf := time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)
	w, spec := newEngineWorld(t, db, 5, 60, asOf)
	e := NewEngine(db, spec)
	for k := range 3 { // the last of these reuses parts
		if _, info, err := e.Update(ctx, asOf.Add(time.Duration(k)*time.Second)); err != nil || (k == 2 && info.Parts == len(e.st.em.ms)) {
			t.Fatalf("update %d: %+v, %v", k, info, err)
		}
	}
	if _, err := db.SaveReport(ctx, asOf.Add(time.Minute), ISOWeek(asOf), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	w.asOf = asOf.Add(2 * time.Minute)
	copyPath := filepath.Join(dir, "copy.db")
	vac, err := sql.Open("sqlite", filepath.Join(dir, "engine.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vac.ExecContext(ctx, `VACUUM INTO ?`, copyPath); err != nil {
		t.Fatal(err)
	}
	vac.Close()
	got, info, err := e.Update(ctx, w.asOf)
	if err != nil || info.Full {
		t.Fatalf("update: %+v, %v; want an incremental update", info, err)
	}
	ref, err := store.Open(ctx, copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	want, err := Run(ctx, ref, spec, w.asOf)
	if err != nil {
		t.Fatal(err)
	}
	compareStores(t, "after another report", db, ref, got, want)
}
