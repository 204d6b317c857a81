package rollup

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// Input is everything Compute reads: the synced data and the stored snapshot history.
type Input struct {
	Data store.RollupData
	// History holds earlier snapshots (any order); scope change and forecast scope growth
	// come from it.
	History []Snapshot
}

// item is one unit of work: a Jira issue (with the PRs that carry its key), a PR without a
// Jira key, or a GitHub issue. Sub-tasks are not items: they roll into their parent.
//
// A million items are held at once, so the struct is kept small (128 bytes): the kind and the
// update time are read from the source row, the category is a code (cats), and the times,
// which are only compared and subtracted, are kept as Unix seconds and nanoseconds (see stamp).
type item struct {
	key                      string
	team                     string
	prs                      []int32 // PRs carrying a Jira item's key
	points                   float64
	doneSec, sinceSec        int64 // last entry into done, when done; entry into the current status (created when never moved)
	createdSec, startedSec   int64 // created; first entry into in progress (zero time if never)
	doneNsec, sinceNsec      int32
	createdNsec, startedNsec int32
	issue                    int32 // index in Data.Issues, or -1
	pr                       int32 // index in Data.PRs for a PR item, or -1
	gh                       int32 // index in Data.GitHubIssues for a GitHub issue item, or -1
	cat                      uint8 // index in cats
	estimated                bool
	// reopened counts the item's entries into done before its current state: completions
	// that were reopened. They still count in CompletedTotal, which must never fall when an
	// item is reopened (Prometheus would read the drop as a counter reset).
	reopened uint16
}

// cats are the item category codes: the three Jira categories, then any other a Jira status
// carries (a code is a byte; an item whose category would be the 256th keeps code 0, "").
var baseCats = []cairn.StatusCategory{"", cairn.CategoryNew, cairn.CategoryIndeterminate, cairn.CategoryDone}

const (
	codeNew, codeIndeterminate, codeDone uint8 = 1, 2, 3
)

// catCode returns the code of category c, adding it to w.cats when new.
func (w *world) catCode(c cairn.StatusCategory) uint8 {
	for i, k := range w.cats {
		if k == c {
			return uint8(i)
		}
	}
	if len(w.cats) == 256 {
		return 0
	}
	w.cats = append(w.cats, c)
	return uint8(len(w.cats) - 1)
}

func (w *world) category(it *item) cairn.StatusCategory { return w.cats[it.cat] }

func (it *item) done() time.Time  { return unstamp(it.doneSec, it.doneNsec) }
func (it *item) since() time.Time { return unstamp(it.sinceSec, it.sinceNsec) }

func (it *item) setDone(t time.Time)  { it.doneSec, it.doneNsec = stamp(t) }
func (it *item) setSince(t time.Time) { it.sinceSec, it.sinceNsec = stamp(t) }

// stamp splits t into Unix seconds and nanoseconds; unstamp gives back the same instant in
// UTC (the zero time stays zero), which is all comparisons and durations need.
func stamp(t time.Time) (int64, int32) { return t.Unix(), int32(t.Nanosecond()) }

func unstamp(sec int64, nsec int32) time.Time { return time.Unix(sec, int64(nsec)).UTC() }

func (it *item) created() time.Time { return unstamp(it.createdSec, it.createdNsec) }
func (it *item) started() time.Time { return unstamp(it.startedSec, it.startedNsec) }

func (it *item) setCreated(t time.Time) { it.createdSec, it.createdNsec = stamp(t) }
func (it *item) setStarted(t time.Time) { it.startedSec, it.startedNsec = stamp(t) }

// kind is the item's kind, from the row it comes from.
func (it *item) kind() string {
	switch {
	case it.issue >= 0:
		return KindJira
	case it.pr >= 0:
		return KindPR
	}
	return KindGitHubIssue
}

// updated is the source row's last update.
func (w *world) updated(it *item) time.Time {
	switch {
	case it.issue >= 0:
		return w.iss.Rows[it.issue].Updated.Time()
	case it.pr >= 0:
		return w.data.PRs[it.pr].Updated
	}
	return w.data.GitHubIssues[it.gh].Updated
}

// jira returns the item's Jira issue, or nil.
func (w *world) jira(it *item) *store.IssueRow {
	if it.issue < 0 {
		return nil
	}
	return &w.iss.Rows[it.issue]
}

func (it *item) isDone() bool { return it.cat == codeDone }

// ref renders it for a report.
func (w *world) ref(i int32) ItemRef {
	it := &w.items[i]
	r := ItemRef{Kind: it.kind(), Key: it.key, Team: it.team, Category: w.category(it), Since: it.since()}
	switch {
	case it.issue >= 0:
		is := &w.iss.Rows[it.issue]
		r.Title, r.Status, r.Assignee = is.Summary, w.iss.Str(is.Status), w.iss.Str(is.Assignee)
	case it.pr >= 0:
		p := &w.data.PRs[it.pr]
		r.Title, r.Status, r.Assignee = p.Title, p.State, p.Author
		if !p.Merged.IsZero() {
			r.Status = "merged"
		} else if p.Draft {
			r.Status = "draft"
		}
	case it.gh >= 0:
		g := &w.data.GitHubIssues[it.gh]
		r.Title, r.Status, r.Assignee = g.Title, g.State, g.Author
	}
	for _, p := range it.prs {
		r.PRs = append(r.PRs, prKey(&w.data.PRs[p]))
	}
	return r
}

func prKey(p *store.RollupPR) string { return p.Repo + "#" + strconv.Itoa(p.Number) }

// world indexes the input once for every milestone and group.
type world struct {
	data   *store.RollupData
	iss    *store.IssueTable      // data's issues, compact
	cats   []cairn.StatusCategory // item category codes
	items  []item
	byKey  map[string]int32 // Jira key (also of sub-tasks, mapped to the parent) → item
	prItem []int32          // PR index → item (-1: abandoned, closed without merge)

	teamOfProject map[string]string
	teamOfRepo    map[string]string

	versionItems map[int64][]int32
	epicItems    map[string][]int32
	ghMilestone  map[string][]int32 // "repo:title" → items
	ghLabel      map[string][]int32 // "repo:label" → items
	repoItems    map[string][]int32 // repo → items of its PRs
	blockedBy    map[string][]int32 // blocked key → link indexes
	sprintIndex  map[int64]int      // sprint id → index in Data.Sprints
}

func newWorld(d *store.RollupData, spec *Spec) *world {
	iss := d.IssueTable()
	w := &world{data: d, iss: iss, cats: slices.Clone(baseCats), byKey: make(map[string]int32, len(iss.Rows)),
		teamOfProject: map[string]string{}, teamOfRepo: map[string]string{},
		versionItems: map[int64][]int32{}, epicItems: map[string][]int32{},
		ghMilestone: map[string][]int32{}, ghLabel: map[string][]int32{},
		repoItems: map[string][]int32{}, blockedBy: map[string][]int32{}}
	for _, t := range spec.Teams {
		for _, p := range t.JiraProjects {
			w.teamOfProject[p] = t.Name
		}
		for _, r := range t.Repos {
			w.teamOfRepo[r] = t.Name
		}
	}
	n := len(iss.Rows) + len(d.PRs) + len(d.GitHubIssues)
	w.items = make([]item, 0, n+n/128+16) // never regrown; the Engine inserts new issues' into the slack
	// The key index (a million map inserts, the slowest part here) is built beside the items:
	// the same rows in the same order, so the same index.
	keyed := make(chan struct{})
	go func() {
		defer close(keyed)
		n := int32(0)
		for i := range iss.Rows {
			if is := &iss.Rows[i]; !is.Subtask {
				w.byKey[is.Key] = n
				n++
			}
		}
	}()
	parentOf := map[string]string{}
	for i := range iss.Rows {
		is := &iss.Rows[i]
		if is.Subtask {
			parentOf[is.Key] = iss.Str(is.ParentKey)
			continue
		}
		w.items = append(w.items, w.jiraItem(is, int32(i)))
	}
	for i := range w.items {
		it := &w.items[i]
		is := &iss.Rows[it.issue]
		for _, v := range iss.VersionIDs(is) {
			w.versionItems[v] = append(w.versionItems[v], int32(i))
		}
		epic, parent := iss.Str(is.EpicKey), iss.Str(is.ParentKey)
		if epic != "" {
			w.epicItems[epic] = append(w.epicItems[epic], int32(i))
		}
		if parent != "" && parent != epic {
			w.epicItems[parent] = append(w.epicItems[parent], int32(i))
		}
	}
	<-keyed
	// A sub-task maps to the item its parent chain ends at: a sub-task of a sub-task (Jira
	// forbids it, data may still hold it) to the top one's parent. Resolved before any is
	// added, so that the map's order cannot decide it.
	resolved := make(map[string]int32, len(parentOf))
	for k, p := range parentOf {
		for range 16 { // a cycle of sub-tasks maps nowhere
			if j, ok := w.byKey[p]; ok {
				resolved[k] = j
				break
			}
			next, ok := parentOf[p]
			if !ok {
				break
			}
			p = next
		}
	}
	for k, j := range resolved {
		w.byKey[k] = j
	}
	w.addPRs()
	for i := range d.GitHubIssues {
		g := &d.GitHubIssues[i]
		it := item{key: g.Repo + "#" + strconv.Itoa(g.Number),
			team: w.repoTeam(g.Repo), issue: -1, pr: -1, gh: int32(i)}
		setGitHubItem(&it, g)
		j := int32(len(w.items))
		w.items = append(w.items, it)
		if g.Milestone != "" {
			k := g.Repo + ":" + g.Milestone
			w.ghMilestone[k] = append(w.ghMilestone[k], j)
		}
		for _, l := range g.Labels {
			k := g.Repo + ":" + l
			w.ghLabel[k] = append(w.ghLabel[k], j)
		}
	}
	w.sprintIndex = make(map[int64]int, len(d.Sprints))
	for i, s := range d.Sprints {
		w.sprintIndex[s.ID] = i
	}
	for i, l := range d.Links {
		w.blockedBy[l.ToKey] = append(w.blockedBy[l.ToKey], int32(i))
	}
	return w
}

func (w *world) jiraItem(is *store.IssueRow, i int32) item {
	created := is.Created.Time()
	it := item{key: is.Key, team: w.projectTeam(w.iss.Str(is.Project)), cat: w.catCode(w.iss.Cats[is.Category]),
		points: is.Points, estimated: is.Estimated, issue: i, pr: -1, gh: -1}
	it.setCreated(created)
	since := created
	var lastDone, started, done time.Time
	entries := 0 // entries into done from another category
	for _, t := range w.iss.Transitions(is) {
		to := w.iss.Cats[t.To]
		if to == cairn.CategoryIndeterminate && started.IsZero() {
			started = t.At.Time()
		}
		if to == cairn.CategoryDone {
			lastDone = t.At.Time()
			if w.iss.Cats[t.From] != cairn.CategoryDone {
				entries++
			}
		}
		since = t.At.Time()
	}
	it.setSince(since)
	it.setStarted(started)
	if it.isDone() {
		switch {
		case !lastDone.IsZero():
			done = lastDone
		case !is.Resolved.IsZero():
			done = is.Resolved.Time()
		default:
			done = is.Updated.Time()
		}
		entries-- // the current completion is counted from the done time
	}
	it.reopened = uint16(min(max(entries, 0), math.MaxUint16))
	it.setDone(done)
	return it
}

// addPRs merges each PR into the Jira item whose key it carries, or makes it an item of its own.
func (w *world) addPRs() {
	d := w.data
	type ref struct {
		repo   string
		number int
	}
	byRef := make(map[ref]int, len(d.PRs))
	for i := range d.PRs {
		byRef[ref{d.PRs[i].Repo, d.PRs[i].Number}] = i
	}
	keys := make([][]string, len(d.PRs))
	for _, l := range d.PRLinks {
		if i, ok := byRef[ref{l.Repo, l.Number}]; ok {
			keys[i] = append(keys[i], l.IssueKey)
		}
	}
	w.prItem = make([]int32, len(d.PRs))
	for i := range d.PRs {
		p := &d.PRs[i]
		w.prItem[i] = -1
		target := int32(-1)
		slices.Sort(keys[i])
		for _, k := range keys[i] {
			if j, ok := w.byKey[k]; ok {
				target = j
				w.items[j].prs = append(w.items[j].prs, int32(i))
				break
			}
		}
		if target < 0 {
			if p.Merged.IsZero() && p.State == "closed" {
				continue // abandoned: no work delivered, no scope
			}
			it := item{key: prKey(p), team: w.repoTeam(p.Repo),
				issue: -1, pr: int32(i), gh: -1}
			setPRItem(&it, p)
			target = int32(len(w.items))
			w.items = append(w.items, it)
		}
		w.prItem[i] = target
		w.repoItems[p.Repo] = append(w.repoItems[p.Repo], target)
		if p.Milestone != "" {
			k := p.Repo + ":" + p.Milestone
			w.ghMilestone[k] = append(w.ghMilestone[k], target)
		}
		for _, l := range p.Labels {
			k := p.Repo + ":" + l
			w.ghLabel[k] = append(w.ghLabel[k], target)
		}
	}
}

func (w *world) projectTeam(p string) string {
	if t, ok := w.teamOfProject[p]; ok {
		return t
	}
	return p
}

func (w *world) repoTeam(r string) string {
	if t, ok := w.teamOfRepo[r]; ok {
		return t
	}
	return r
}
