package rollup

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
)

// computer holds what every milestone of one Compute call shares.
type computer struct {
	w         *world
	spec      Spec
	asOf      time.Time
	win       window
	history   map[[2]string][]Snapshot // by program and milestone, oldest first
	teamTP    map[string][]int         // weekly throughput per team
	teamFirst map[string]time.Time     // creation of each team's first item
	dataAge   map[string]time.Time

	msProgram []string          // global milestone id → program
	msName    []string          // global milestone id → milestone
	firstMs   []int32           // item → its first global milestone id + 1 (0: none)
	moreMs    map[int32][]int32 // item → its other milestone ids (items in several)

	fm *forecastMemo // forecasts of earlier runs (Engine), or nil
}

// milestone computes one milestone's report from its members. Every comparison it makes with
// asOf tells clk (nil: none) the instant it would come out otherwise, and every blocking item
// it reads is listed there (see clock).
func (c *computer) milestone(program string, ms *MilestoneSpec, members []int32, clk *clock) MilestoneReport {
	w := c.w
	m := MilestoneReport{Program: program, Name: ms.Name, Baseline: ms.Baseline}
	m.Due, m.DueSource = w.due(ms)
	ev := &m.Evidence
	refs := map[int32]bool{}
	var stale []int32 // members in progress without a change for StaleDays
	staleBefore := c.asOf.AddDate(0, 0, -c.spec.StaleDays)
	weekAgo := c.asOf.AddDate(0, 0, -7)
	reviewBefore := c.asOf.Add(-time.Duration(c.spec.ReviewWaitHours) * time.Hour)
	teams := map[string]bool{}
	var counts [256]int // by category code: the evidence lists are sized once
	for _, i := range members {
		counts[w.items[i].cat]++
	}
	ev.Done = sized(counts[codeDone])
	ev.InProgress = sized(counts[codeIndeterminate])
	ev.Todo = sized(len(members) - counts[codeDone] - counts[codeIndeterminate])
	for _, i := range members {
		it := &w.items[i]
		teams[it.team] = true
		s := &m.Scope
		s.Total++
		if it.estimated {
			s.TotalPoints += it.points
		}
		switch w.category(it) {
		case cairn.CategoryDone:
			done := it.done()
			s.Done++
			ev.Done = append(ev.Done, it.key)
			if it.estimated {
				s.DonePoints += it.points
			}
			clk.edge(done)                  // done.After(c.asOf) flips there
			clk.edge(done.AddDate(0, 0, 7)) // and done.After(weekAgo) there
			if !done.After(c.asOf) && done.After(m.LastProgress) {
				m.LastProgress = done
			}
			if done.After(weekAgo) && !done.After(c.asOf) {
				m.CompletedWeek++
				ev.CompletedWeek = append(ev.CompletedWeek, it.key)
			}
		case cairn.CategoryIndeterminate:
			s.InProgress++
			ev.InProgress = append(ev.InProgress, it.key)
			refs[i] = true
			if it.estimated {
				s.InProgressPoints += it.points
			}
			updated := w.updated(it)
			clk.edge(updated.AddDate(0, 0, c.spec.StaleDays).Add(1)) // the first asOf it is stale at
			if updated.Before(staleBefore) {
				stale = append(stale, i) // refs made below, in one allocation
				ev.Stale = append(ev.Stale, it.key)
			}
		default:
			s.Todo++
			ev.Todo = append(ev.Todo, it.key)
			if it.estimated {
				s.TodoPoints += it.points
			}
		}
		if !it.isDone() && !it.estimated {
			m.Unestimated++
		}
		if since := it.since(); since.After(m.LastActivity) {
			m.LastActivity = since
		}
		if it.kind() == KindPR {
			m.PRsWithoutKey++
			ev.PRsWithoutKey = append(ev.PRsWithoutKey, it.key)
		}
		if !it.isDone() {
			m.Blockers = append(m.Blockers, c.blockers(program, i, clk)...)
		}
		c.waitingReview(&m, i, reviewBefore, clk)
	}
	if len(stale) > 0 {
		m.Stale = make([]ItemRef, len(stale))
		for k, i := range stale {
			m.Stale[k] = w.ref(i)
			m.Stale[k].Since = w.updated(&w.items[i])
		}
	}
	m.InProgress = m.Scope.InProgress
	if m.Scope.Total > 0 {
		m.Scope.DoneRatio = float64(m.Scope.Done) / float64(m.Scope.Total)
	}
	for _, b := range m.Blockers {
		ev.Blockers = append(ev.Blockers, b.Blocked.Key)
	}
	ev.Blockers = uniqueSorted(ev.Blockers)

	for _, i := range c.scopeChange(&m, ms, members, clk) {
		refs[i] = true
	}

	// Forecast over the teams' summed throughput.
	m.Teams = ms.Teams
	if len(m.Teams) == 0 {
		for t := range teams {
			m.Teams = append(m.Teams, t)
		}
		sort.Strings(m.Teams)
	}
	tp := make([]int, len(c.win.weeks))
	var first time.Time // the teams' first item: weeks that ended before it are not history
	for _, t := range m.Teams {
		for k, n := range c.teamTP[t] {
			tp[k] += n
		}
		if f := c.teamFirst[t]; !f.IsZero() && (first.IsZero() || f.Before(first)) {
			first = f
		}
	}
	k0 := 0
	for k0 < len(tp) && !first.IsZero() && !c.win.weeks[k0].AddDate(0, 0, 7).After(first) {
		k0++
	}
	tp = tp[k0:]
	growth := c.scopeGrowth(program, ms.Name)
	if growth != nil {
		growth = growth[k0:]
	}
	y, wk := c.asOf.UTC().ISOWeek()
	in := ForecastInput{Remaining: m.Scope.Remaining(), WeeklyThroughput: tp,
		ScopeGrowth: growth, Start: dayStart(c.asOf), Due: m.Due,
		Trials: c.spec.Trials, Seed: ForecastSeed(program, ms.Name, y, wk)}
	if in.Remaining == 0 && !m.LastProgress.IsZero() {
		// Finished work "completes" on the day its last item was done, not today: the page
		// shows that date, and P(on time) says whether it beat the due date.
		in.Start = dayStart(m.LastProgress)
	}
	m.Forecast = Summarize(c.fm.run(in), in)
	if clk != nil && c.fm != nil {
		clk.forecast = forecastKey(in)
	}

	order := make([]int32, 0, len(refs))
	for i := range refs {
		order = append(order, i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(w.items[a].key, w.items[b].key) })
	n := len(order) + len(m.WaitingReview)
	for _, b := range m.Blockers {
		n++
		if b.Blocking != nil {
			n++
		}
	}
	ev.Items = make([]ItemRef, 0, n) // exactly: a large milestone's would be regrown twice
	for _, i := range order {
		ev.Items = append(ev.Items, w.ref(i))
	}
	extra := len(ev.Items)
	for _, r := range m.WaitingReview {
		ev.Items = append(ev.Items, r)
	}
	for _, b := range m.Blockers {
		ev.Items = append(ev.Items, b.Blocked)
		if b.Blocking != nil {
			ev.Items = append(ev.Items, *b.Blocking)
		}
	}
	if len(ev.Items) > extra { // merge the few extra refs into the sorted list
		slices.SortStableFunc(ev.Items, func(a, b ItemRef) int { return strings.Compare(a.Key, b.Key) })
		ev.Items = slices.CompactFunc(ev.Items, func(a, b ItemRef) bool { return a.Key == b.Key })
	}
	return m
}

// waitingReview adds the open, non-draft PRs of item i with no review since before.
func (c *computer) waitingReview(m *MilestoneReport, i int32, before time.Time, clk *clock) {
	it := &c.w.items[i]
	wait := time.Duration(c.spec.ReviewWaitHours) * time.Hour
	check := func(p int32) {
		pr := &c.w.data.PRs[p]
		if pr.State != "open" || pr.Draft {
			return
		}
		clk.edge(pr.Created.Add(wait)) // pr.Created.After(before) flips there
		if pr.Created.After(before) {
			return
		}
		if !pr.FirstReview.IsZero() {
			clk.edge(pr.FirstReview)
		}
		if !pr.FirstReview.IsZero() && !pr.FirstReview.After(c.asOf) {
			return
		}
		r := ItemRef{Kind: KindPR, Key: prKey(pr), Title: pr.Title, Team: c.w.repoTeam(pr.Repo),
			Status: pr.State, Category: cairn.CategoryIndeterminate, Assignee: pr.Author, Since: pr.Created}
		m.WaitingReview = append(m.WaitingReview, r)
		m.Evidence.WaitingReview = append(m.Evidence.WaitingReview, r.Key)
	}
	if it.pr >= 0 {
		check(it.pr)
	}
	for _, p := range it.prs {
		check(p)
	}
}

// blockers lists why open item i is blocked: unresolved "is blocked by" links (the blocking
// item not done), the Flagged field, priority Blocker.
func (c *computer) blockers(program string, i int32, clk *clock) []Blocker {
	w := c.w
	it := &w.items[i]
	if it.kind() != KindJira {
		return nil
	}
	var out []Blocker
	for _, l := range w.blockedBy[it.key] {
		from := w.data.Links[l].FromKey
		b := Blocker{Blocked: w.ref(i), Reason: BlockedByLink, Since: it.since()}
		if j, ok := w.byKey[from]; ok {
			clk.read(j)
			if j == i || w.items[j].isDone() {
				continue
			}
			r := w.ref(j)
			b.Blocking = &r
			b.BlockingTeam = r.Team
			for _, g := range c.milestonesOf(j) {
				if c.msProgram[g] != program {
					b.OtherProgram, b.OtherMilestone = c.msProgram[g], c.msName[g]
					break
				}
			}
		} else {
			// Not synced (another project): assume open.
			project, _, _ := strings.Cut(from, "-")
			b.Blocking = &ItemRef{Kind: KindJira, Key: from, Team: w.projectTeam(project)}
			b.BlockingTeam = b.Blocking.Team
		}
		out = append(out, b)
	}
	is := w.jira(it)
	if is.Flagged {
		out = append(out, Blocker{Blocked: w.ref(i), Reason: BlockedByFlag, Since: it.since()})
	}
	if strings.EqualFold(w.iss.Str(is.Priority), "blocker") {
		out = append(out, Blocker{Blocked: w.ref(i), Reason: BlockedByPriority, Since: it.since()})
	}
	return out
}

func uniqueSorted(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// milestonesOf returns the global ids of the milestones item i belongs to.
func (c *computer) milestonesOf(i int32) []int32 {
	if c.firstMs[i] == 0 {
		return nil
	}
	return append([]int32{c.firstMs[i] - 1}, c.moreMs[i]...)
}

// sized returns an empty list with room for n, or nil for none (an empty list is JSON null).
func sized(n int) []string {
	if n == 0 {
		return nil
	}
	return make([]string, 0, n)
}
