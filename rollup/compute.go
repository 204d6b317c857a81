package rollup

import (
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// withDefaults fills the zero fields of spec.
func withDefaults(spec Spec) Spec {
	if spec.Trials <= 0 {
		spec.Trials = DefaultForecastTrials
	}
	if spec.HistoryWeeks <= 0 {
		spec.HistoryWeeks = DefaultHistoryWeeks
	}
	if spec.StaleDays <= 0 {
		spec.StaleDays = DefaultStaleDays
	}
	if spec.ReviewWaitHours <= 0 {
		spec.ReviewWaitHours = DefaultReviewWaitHours
	}
	d := DefaultThresholds()
	t := &spec.Thresholds
	if t.RedOnTime == 0 {
		t.RedOnTime = d.RedOnTime
	}
	if t.AmberOnTime == 0 {
		t.AmberOnTime = d.AmberOnTime
	}
	if t.StalledDays == 0 {
		t.StalledDays = d.StalledDays
	}
	if t.ScopeGrowthWeek == 0 {
		t.ScopeGrowthWeek = d.ScopeGrowthWeek
	}
	if t.StaleDataHours == 0 {
		t.StaleDataHours = d.StaleDataHours
	}
	return spec
}

// newComputer indexes the input and maps every milestone onto its items.
func newComputer(in *Input, spec Spec, asOf time.Time) (*computer, [][]int32) {
	spec = withDefaults(spec)
	w := newWorld(&in.Data, &spec)
	c := &computer{w: w, spec: spec, asOf: asOf, win: newWindow(asOf, spec.HistoryWeeks),
		history: indexHistory(in.History), dataAge: in.Data.DataAsOf, firstMs: make([]int32, len(w.items)), moreMs: map[int32][]int32{}}
	stamp := make([]int32, len(w.items))
	var members [][]int32
	for _, p := range spec.Programs {
		for k := range p.Milestones {
			id := int32(len(members))
			list := w.members(&p.Milestones[k], stamp, id+1)
			members = append(members, list)
			c.msProgram = append(c.msProgram, p.Name)
			c.msName = append(c.msName, p.Milestones[k].Name)
			for _, i := range list {
				if c.firstMs[i] == 0 {
					c.firstMs[i] = id + 1
				} else {
					c.moreMs[i] = append(c.moreMs[i], id)
				}
			}
		}
	}
	return c, members
}

// Compute rolls the input up into a report as of asOf. It is pure: the same input, spec and
// asOf give the same report (forecasts are seeded per milestone and ISO week).
func Compute(in Input, spec Spec, asOf time.Time) *Report {
	return compute(&in, spec, asOf, false)
}

// compute is Compute. With own set, the caller hands the input over (Run, which loaded it):
// the issues' status histories are released once the items are built from them (only
// Backfill reads them again).
func compute(in *Input, spec Spec, asOf time.Time, own bool) *Report {
	asOf = asOf.UTC()
	c, members := newComputer(in, spec, asOf)
	if own && in.Data.Table != nil {
		in.Data.Table.Trans = nil // the status changes; the rows' ranges are not read again
	}
	w := c.w
	r := &Report{AsOf: asOf, Week: ISOWeek(asOf), DataAsOf: in.Data.DataAsOf}
	if r.DataAsOf == nil {
		r.DataAsOf = map[string]time.Time{}
	}

	// Team throughput and flow: every item and PR of the team.
	teams, teamItems, teamPRs := c.teamGroups()
	c.teamTP = make(map[string][]int, len(teams))
	r.Teams = make([]TeamFlow, len(teams))
	parallel(len(teams), func(k int) {
		t := teams[k]
		r.Teams[k] = TeamFlow{Team: t, Flow: w.flow(teamItems[t], teamPRs[t], &c.win)}
	})
	for _, tf := range r.Teams {
		tp := make([]int, len(tf.Throughput))
		for k, wc := range tf.Throughput {
			tp[k] = wc.Count
		}
		c.teamTP[tf.Team] = tp
	}

	// Milestones are independent: compute them on every core, each into its own slot.
	specs := make([]*MilestoneSpec, 0, len(members))
	for _, ps := range c.spec.Programs {
		for k := range ps.Milestones {
			specs = append(specs, &ps.Milestones[k])
		}
	}
	// Program flows first: their item groups and duration windows (tens of MB at a million
	// items) are garbage before the milestones' reports, the last to grow the heap, are built.
	if len(c.spec.Programs) > 0 { // none stays nil (JSON null), as it always was
		r.Programs = make([]ProgramReport, len(c.spec.Programs))
	}
	progItems, progPRs := c.programGroups(members)
	parallel(len(r.Programs), func(pi int) {
		r.Programs[pi].Flow = w.flow(progItems[pi], progPRs[pi], &c.win)
	})
	progItems, progPRs = nil, nil

	reports := make([]MilestoneReport, len(members))
	parallel(len(members), func(g int) {
		m := c.milestone(c.msProgram[g], specs[g], members[g], nil)
		c.rubric(&m)
		reports[g] = m
	})
	g := 0
	for pi, ps := range c.spec.Programs {
		pr := &r.Programs[pi]
		pr.Name = ps.Name
		for range ps.Milestones {
			m := reports[g]
			g++
			pr.Milestones = append(pr.Milestones, m)
			pr.Blockers = append(pr.Blockers, m.Blockers...)
		}
	}
	for pi := range r.Programs {
		pr := &r.Programs[pi]
		pr.Blockers, pr.Dependencies = programBlockers(pr.Blockers)
		programStatus(pr)
	}
	return r
}

// teamGroups returns the teams (sorted) and each one's items and PRs (every item of the team,
// every PR of its repos), and sets c.teamFirst.
func (c *computer) teamGroups() ([]string, map[string][]int32, map[string][]int32) {
	w := c.w
	teamItems := map[string][]int32{}
	for i := range w.items {
		teamItems[w.items[i].team] = append(teamItems[w.items[i].team], int32(i))
	}
	teamPRs := map[string][]int32{}
	for p := range w.data.PRs {
		t := w.repoTeam(w.data.PRs[p].Repo)
		teamPRs[t] = append(teamPRs[t], int32(p))
		if _, ok := teamItems[t]; !ok {
			teamItems[t] = nil
		}
	}
	for _, t := range c.spec.Teams {
		if _, ok := teamItems[t.Name]; !ok {
			teamItems[t.Name] = nil
		}
	}
	teams := make([]string, 0, len(teamItems))
	for t := range teamItems {
		teams = append(teams, t)
	}
	sort.Strings(teams)
	c.teamFirst = make(map[string]time.Time, len(teams))
	for t, items := range teamItems {
		var first time.Time
		for _, i := range items {
			if cr := w.items[i].created(); !cr.IsZero() && (first.IsZero() || cr.Before(first)) {
				first = cr
			}
		}
		c.teamFirst[t] = first
	}
	return teams, teamItems, teamPRs
}

// programGroups returns each program's items (sorted) and PRs, in the order of their first
// milestone (the flow sums durations in this order).
func (c *computer) programGroups(members [][]int32) (progItems, progPRs [][]int32) {
	progStamp := make([]int32, len(c.w.items))
	progItems = make([][]int32, len(c.spec.Programs))
	progPRs = make([][]int32, len(c.spec.Programs))
	g := 0
	for pi, ps := range c.spec.Programs {
		progItems[pi], progPRs[pi] = c.programGroup(members[g:g+len(ps.Milestones)], progStamp, int32(pi+1))
		g += len(ps.Milestones)
	}
	return progItems, progPRs
}

// programGroup returns one program's items and PRs (see programGroups) from its milestones'
// members; stamp (one per item) marks the items taken with id.
func (c *computer) programGroup(members [][]int32, stamp []int32, id int32) (items, prs []int32) {
	w := c.w
	for _, list := range members {
		for _, i := range list {
			if stamp[i] != id {
				stamp[i] = id
				items = append(items, i)
				it := &w.items[i]
				if it.pr >= 0 {
					prs = append(prs, it.pr)
				}
				prs = append(prs, it.prs...)
			}
		}
	}
	slices.Sort(items)
	return items, prs
}

// programBlockers returns a program's blockers (its milestones', without repeats) and the
// dependencies among them: links to another program's or another team's item.
func programBlockers(all []Blocker) (blockers, deps []Blocker) {
	blockers = uniqueBlockers(all)
	for _, b := range blockers {
		if b.Reason == BlockedByLink && (b.OtherProgram != "" || b.BlockingTeam != b.Blocked.Team) {
			deps = append(deps, b)
		}
	}
	return blockers, deps
}

func uniqueBlockers(bs []Blocker) []Blocker {
	key := func(b Blocker) string {
		k := b.Blocked.Key + "\x00" + b.Reason
		if b.Blocking != nil {
			k += "\x00" + b.Blocking.Key
		}
		return k
	}
	slices.SortStableFunc(bs, func(a, b Blocker) int { return compareStrings(key(a), key(b)) })
	return slices.CompactFunc(bs, func(a, b Blocker) bool { return key(a) == key(b) })
}

// Backfill reconstructs, for a new install, each milestone's snapshots of the days days before
// asOf's day from the status history (see computer.backfill).
func Backfill(in Input, spec Spec, asOf time.Time, days int) []Snapshot {
	c, members := newComputer(&in, spec, asOf.UTC())
	var out []Snapshot
	g := 0
	for _, p := range c.spec.Programs {
		for _, ms := range p.Milestones {
			out = append(out, c.backfill(p.Name, ms.Name, members[g], days)...)
			g++
		}
	}
	return out
}

// Snapshots returns the report's snapshot of each milestone, dated asOf's day.
func Snapshots(r *Report) []Snapshot {
	var out []Snapshot
	for _, p := range r.Programs {
		for _, m := range p.Milestones {
			s := Snapshot{Program: p.Name, Milestone: m.Name, Day: dayStart(r.AsOf),
				Scope: m.Scope.Total, Done: m.Scope.Done, InProgress: m.Scope.InProgress,
				ScopePoints: m.Scope.TotalPoints, DonePoints: m.Scope.DonePoints,
				P50: m.Forecast.P50, P85: m.Forecast.P85, P95: m.Forecast.P95, OnTime: -1, Status: m.Status}
			if m.Forecast.OnTime != nil {
				s.OnTime = *m.Forecast.OnTime
			}
			out = append(out, s)
		}
	}
	return out
}

// parallel calls fn(0..n-1) on GOMAXPROCS goroutines and waits for them all.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}
