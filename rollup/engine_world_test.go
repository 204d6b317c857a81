package rollup

import (
	"context"
	"fmt"
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
