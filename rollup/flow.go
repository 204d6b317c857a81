package rollup

import (
	"math"
	"slices"
	"time"
)

// window is the flow history: the last n complete ISO weeks before asOf's week.
type window struct {
	asOf  time.Time
	weeks []time.Time // Monday 00:00 UTC of each complete week, oldest first
	end   time.Time   // Monday 00:00 UTC of asOf's week: the end of the last complete week
	from  time.Time   // asOf minus n weeks: the start of the trailing percentile window
}

// weekStart returns the Monday 00:00 UTC of t's ISO week.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	off := (int(day.Weekday()) + 6) % 7 // Monday 0
	return day.AddDate(0, 0, -off)
}

// dayStart returns 00:00 UTC of t's day.
func dayStart(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func newWindow(asOf time.Time, n int) window {
	w := window{asOf: asOf, end: weekStart(asOf), from: asOf.AddDate(0, 0, -7*n)}
	for i := n; i >= 1; i-- {
		w.weeks = append(w.weeks, w.end.AddDate(0, 0, -7*i))
	}
	return w
}

// week returns the index in weeks of the complete week holding t, or -1.
func (w *window) week(t time.Time) int {
	if len(w.weeks) == 0 || t.Before(w.weeks[0]) || !t.Before(w.end) {
		return -1
	}
	return int(t.Sub(w.weeks[0]) / (7 * 24 * time.Hour))
}

// throughput counts the items done in each complete week of the window.
func (wd *world) throughput(items []int32, win *window) []int {
	out := make([]int, len(win.weeks))
	for _, i := range items {
		it := &wd.items[i]
		if it.isDone() {
			if k := win.week(it.done()); k >= 0 {
				out[k]++
			}
		}
	}
	return out
}

func weekCounts(counts []int, win *window) []WeekCount {
	out := make([]WeekCount, len(counts))
	for i, n := range counts {
		out[i] = WeekCount{Week: ISOWeek(win.weeks[i]), Start: win.weeks[i], Count: n}
	}
	return out
}

// durations collects durations (end-start) and summarises them: percentiles over the ends in
// the trailing window, count and sum over all ends not after asOf.
type durations struct {
	window []float64
	count  int
	sum    float64
}

func (d *durations) add(start, end time.Time, win *window) {
	if start.IsZero() || end.IsZero() || end.Before(start) || end.After(win.asOf) {
		return
	}
	s := end.Sub(start).Seconds()
	d.count++
	d.sum += s
	if !end.Before(win.from) {
		d.window = append(d.window, s)
	}
}

func (d *durations) percentiles() Percentiles {
	p := Percentiles{N: len(d.window), Count: d.count, Sum: d.sum}
	if len(d.window) == 0 {
		return p
	}
	slices.Sort(d.window)
	rank := func(q float64) float64 {
		k := int(math.Ceil(q*float64(len(d.window)))) - 1
		return d.window[max(k, 0)]
	}
	p.P50, p.P85, p.P95 = rank(0.50), rank(0.85), rank(0.95)
	return p
}

// flow computes the flow of a group of items and PRs (PR indexes into Data.PRs).
func (wd *world) flow(items []int32, prs []int32, win *window) Flow {
	var f Flow
	f.Throughput = weekCounts(wd.throughput(items, win), win)
	var cycle, lead, review, merge durations
	// One allocation each at the most the windows can hold, not a run of doublings: the
	// program and team flows of a million items would leave 80 MB of outgrown slices.
	cycle.window, lead.window = make([]float64, 0, len(items)), make([]float64, 0, len(items))
	review.window, merge.window = make([]float64, 0, len(prs)), make([]float64, 0, len(prs))
	for _, i := range items {
		it := &wd.items[i]
		f.CompletedTotal += int(it.reopened)
		if !it.isDone() {
			continue
		}
		done := it.done()
		if !done.After(win.asOf) {
			f.CompletedTotal++
		}
		cycle.add(it.started(), done, win)
		lead.add(it.created(), done, win)
	}
	for _, p := range prs {
		pr := &wd.data.PRs[p]
		review.add(pr.Created, pr.FirstReview, win)
		merge.add(pr.Created, pr.Merged, win)
	}
	f.CycleTime, f.LeadTime = cycle.percentiles(), lead.percentiles()
	f.PRFirstReview, f.PRMerge = review.percentiles(), merge.percentiles()
	f.Velocity = wd.velocity(items, win)
	return f
}

// velocity sums, per closed sprint that ended in the window, the story points of the group's
// items in the sprint (committed: current sprint membership) and of those done by the sprint's
// end (completed).
func (wd *world) velocity(items []int32, win *window) []SprintVelocity {
	if len(wd.data.Sprints) == 0 {
		return nil
	}
	idx := wd.sprintIndex
	acc := map[int]*SprintVelocity{}
	for _, i := range items {
		it := &wd.items[i]
		if it.issue < 0 {
			continue
		}
		for _, sid := range wd.iss.SprintIDs(&wd.iss.Rows[it.issue]) {
			k, ok := idx[sid]
			if !ok {
				continue
			}
			s := &wd.data.Sprints[k]
			end := s.Complete
			if end.IsZero() {
				end = s.EndAt
			}
			if s.State != "closed" || end.IsZero() || end.Before(win.from) || end.After(win.asOf) {
				continue
			}
			v := acc[k]
			if v == nil {
				v = &SprintVelocity{Sprint: s.Name, EndedAt: end}
				acc[k] = v
			}
			v.Committed += it.points
			if it.isDone() && !it.done().After(end) {
				v.Completed += it.points
			}
		}
	}
	out := make([]SprintVelocity, 0, len(acc))
	for _, v := range acc {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b SprintVelocity) int {
		if c := a.EndedAt.Compare(b.EndedAt); c != 0 {
			return c
		}
		return compareStrings(a.Sprint, b.Sprint)
	})
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
