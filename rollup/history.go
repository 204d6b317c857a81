package rollup

import (
	"slices"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// scopeChange fills the scope added and removed since the baseline and in the last 7 days, and
// returns the items known to be added. Method (see doc.go): membership history is not synced,
// so an item counts as added when it was created after the reference day; the net change
// comes from the snapshot of the reference day (the latest at or before it). With N items now,
// S in the snapshot and A created since: added = max(A, N−S) (items moved in are added too),
// removed = added − (N−S). Without a snapshot: added = A, removed = 0.
func (c *computer) scopeChange(m *MilestoneReport, ms *MilestoneSpec, members []int32, clk *clock) []int32 {
	snaps := c.history[[2]string{m.Program, ms.Name}]
	base := dayStart(ms.Baseline)
	if ms.Baseline.IsZero() && len(snaps) > 0 {
		base = snaps[0].Day
		m.Baseline = base
	}
	var addedItems []int32
	if !base.IsZero() {
		var keys []string
		addedItems, keys = c.createdAfter(members, base.AddDate(0, 0, 1), clk)
		m.Evidence.Added = keys
		m.ScopeAddedSinceBaseline, m.ScopeRemovedSinceBaseline = netChange(len(members), len(keys), snapshotAt(snaps, base))
	}
	weekAgo := dayStart(c.asOf).AddDate(0, 0, -7)
	_, keys := c.createdAfter(members, weekAgo.AddDate(0, 0, 1), clk)
	m.Evidence.AddedWeek = keys
	m.ScopeAddedWeek, m.ScopeRemovedWeek = netChange(len(members), len(keys), snapshotAt(snaps, weekAgo))
	return addedItems
}

func (c *computer) createdAfter(members []int32, t time.Time, clk *clock) ([]int32, []string) {
	in := func(it *item) bool {
		cr := it.created()
		if cr.Before(t) {
			return false
		}
		clk.edge(cr) // !cr.After(c.asOf) flips there
		return !cr.After(c.asOf)
	}
	n := 0 // counted first: the lists are the report's, sized once
	for _, i := range members {
		if in(&c.w.items[i]) {
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	items, keys := make([]int32, 0, n), make([]string, 0, n)
	for _, i := range members {
		if it := &c.w.items[i]; in(it) {
			items = append(items, i)
			keys = append(keys, it.key)
		}
	}
	return items, keys
}

func netChange(now, created int, snap *Snapshot) (added, removed int) {
	if snap == nil {
		return created, 0
	}
	net := now - snap.Scope
	added = max(created, net)
	return added, added - net
}

// snapshotAt returns the latest snapshot of a day at or before day, or nil.
func snapshotAt(snaps []Snapshot, day time.Time) *Snapshot {
	k, found := slices.BinarySearchFunc(snaps, day, func(s Snapshot, d time.Time) int { return s.Day.Compare(d) })
	if found {
		return &snaps[k]
	}
	if k == 0 {
		return nil
	}
	return &snaps[k-1]
}

// scopeGrowth returns the scope added per complete week of the window, from the snapshots on
// the Sunday before each week and the Sunday that ends it (the state at the week's start and
// end), or nil when a snapshot is missing: then the forecast models no growth.
func (c *computer) scopeGrowth(program, milestone string) []int {
	snaps := c.history[[2]string{program, milestone}]
	if len(snaps) == 0 {
		return nil
	}
	out := make([]int, len(c.win.weeks))
	for k, start := range c.win.weeks {
		a, b := exactSnapshot(snaps, start.AddDate(0, 0, -1)), exactSnapshot(snaps, start.AddDate(0, 0, 6))
		if a == nil || b == nil {
			return nil
		}
		out[k] = b.Scope - a.Scope
	}
	return out
}

func exactSnapshot(snaps []Snapshot, day time.Time) *Snapshot {
	k, found := slices.BinarySearchFunc(snaps, day, func(s Snapshot, d time.Time) int { return s.Day.Compare(d) })
	if !found {
		return nil
	}
	return &snaps[k]
}

// indexHistory groups snapshots by milestone, oldest first, one per day (the last given wins).
func indexHistory(snaps []Snapshot) map[[2]string][]Snapshot {
	out := map[[2]string][]Snapshot{}
	for _, s := range snaps {
		s.Day = dayStart(s.Day)
		k := [2]string{s.Program, s.Milestone}
		out[k] = append(out[k], s)
	}
	for k, list := range out {
		slices.SortStableFunc(list, func(a, b Snapshot) int { return a.Day.Compare(b.Day) })
		// keep the last of each day
		dedup := list[:0]
		for i, s := range list {
			if i+1 < len(list) && list[i+1].Day.Equal(s.Day) {
				continue
			}
			dedup = append(dedup, s)
		}
		out[k] = dedup
	}
	return out
}

// categoryAt returns item i's status category at the end of the instant t, from its status
// history: the target of the last transition before t; before the first transition, that
// transition's source; without history, done after its done time, in progress after its start,
// else new.
func (w *world) categoryAt(i int32, t time.Time) cairn.StatusCategory {
	it := &w.items[i]
	if is := w.jira(it); is != nil && is.Transitions.N > 0 {
		trs := w.iss.Transitions(is)
		cat := w.iss.Cats[trs[0].From]
		ts := store.StampOf(t)
		for _, tr := range trs {
			if !stampBefore(tr.At, ts) {
				break
			}
			cat = w.iss.Cats[tr.To]
		}
		if !cat.Valid() {
			cat = cairn.CategoryNew
		}
		return cat
	}
	switch {
	case it.isDone() && it.done().Before(t):
		return cairn.CategoryDone
	case !it.started().IsZero() && it.started().Before(t):
		return cairn.CategoryIndeterminate
	}
	return cairn.CategoryNew
}

// backfill reconstructs a milestone's snapshot for each of the days before asOf's day from
// created dates and status history: its current members that existed at the end of each day,
// by their category then.
func (c *computer) backfill(program, milestone string, members []int32, days int) []Snapshot {
	today := dayStart(c.asOf)
	out := make([]Snapshot, 0, days)
	for d := days; d >= 1; d-- {
		day := today.AddDate(0, 0, -d)
		end := day.AddDate(0, 0, 1)
		s := Snapshot{Program: program, Milestone: milestone, Day: day, OnTime: -1, Backfilled: true}
		for _, i := range members {
			it := &c.w.items[i]
			if !it.created().Before(end) {
				continue
			}
			s.Scope++
			if it.estimated {
				s.ScopePoints += it.points
			}
			switch c.w.categoryAt(i, end) {
			case cairn.CategoryDone:
				s.Done++
				if it.estimated {
					s.DonePoints += it.points
				}
			case cairn.CategoryIndeterminate:
				s.InProgress++
			}
		}
		out = append(out, s)
	}
	return out
}

// stampBefore reports whether a is before b.
func stampBefore(a, b store.Stamp) bool {
	return a.Sec < b.Sec || (a.Sec == b.Sec && a.Nsec < b.Nsec)
}
