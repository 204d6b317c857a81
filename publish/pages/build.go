package pages

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/rollup"
)

// Build makes the view-model of one program's page. report is the week's stored report,
// previous the week before's (nil when there is none), snapshots the program's daily
// milestone snapshots (others are ignored). It reads nothing else, so a stored week builds
// the same page every time. program is the program's name or slug.
func Build(report, previous *rollup.Report, snapshots []rollup.Snapshot, program string, opts Options) (*Page, error) {
	if report == nil {
		return nil, fmt.Errorf("build page for %s: no report", program)
	}
	opts = opts.withDefaults()
	cur, ok := findProgram(report, program)
	if !ok {
		return nil, fmt.Errorf("build page for %s: program not in the report for %s: %w", program, report.Week, cairn.ErrNotFound)
	}
	var prev *prog
	if previous != nil {
		for _, p := range previous.Programs {
			if clean(p.Name) == cur.Name {
				pp := adaptProgram(previous, p)
				prev = &pp
			}
		}
	}
	// Burn-up points by milestone (the cleaned name the page uses), from the raw names the
	// snapshots carry.
	names := make(map[string]string, len(cur.Milestones))
	for _, m := range cur.Milestones {
		names[m.Raw] = m.Name
	}
	points := map[string][]BurnPoint{}
	from := report.AsOf.AddDate(0, 0, -opts.HistoryDays)
	for _, s := range snapshots {
		name, ok := names[s.Milestone]
		if ok && s.Program == cur.Raw && !s.Day.After(report.AsOf) && !s.Day.Before(from) {
			points[name] = append(points[name], BurnPoint{Day: s.Day, Scope: s.Scope, Done: s.Done})
		}
	}
	return build(cur, prev, report.Week, report.AsOf, points, opts), nil
}

// build makes the page from the adapted program.
func build(cur prog, prev *prog, week string, asOf time.Time, points map[string][]BurnPoint, opts Options) *Page {
	b := builder{l: newLinker(opts), opts: opts, asOf: asOf.UTC(), cur: cur, prev: prev}
	page := &Page{
		Program: cur.Name,
		Slug:    Slug(cur.Name),
		Title:   Title(cur.Name, week),
		Week:    week,
		AsOf:    b.asOf.Format("2006-01-02 15:04 UTC"),
		Status:  statusOf(cur.Status),
		Reasons: cur.Reasons,
	}
	page.Milestones = b.milestones()
	page.Changes = b.changes()
	page.Blockers = b.blockers()
	page.Dependencies = b.dependencies()
	page.Upcoming = b.upcoming()
	page.Flow, page.Throughput = b.flow()
	page.ThroughputSVG = ThroughputSVG(page.Slug+"-throughput", page.Throughput)
	page.BurnUps = b.burnUps(points)
	page.DataQuality = b.dataQuality()
	page.Method = b.method()
	page.Summary, page.Decision = b.summary()
	return page
}

// Title is the page title for a program's week, as published to Confluence.
func Title(program, week string) string {
	return clean(program) + " status — " + week
}

// LatestTitle is the title of the program's "latest" page, updated in place every week.
func LatestTitle(program string) string {
	return clean(program) + " status — latest"
}

type builder struct {
	l    linker
	opts Options
	asOf time.Time
	cur  prog
	prev *prog
}

func (b *builder) prevMilestone(name string) (ms, bool) {
	if b.prev == nil {
		return ms{}, false
	}
	for _, m := range b.prev.Milestones {
		if m.Name == name {
			return m, true
		}
	}
	return ms{}, false
}

// count is a count linked to the items behind it.
func (b *builder) count(n int, refs []string) Text {
	return link(fmt.Sprint(n), b.l.items(refs))
}

// countOf is "N things" with N linked; c.N may exceed the keys known (see counted).
func (b *builder) countOf(c counted, one, many string) Text {
	noun := many
	if c.N == 1 {
		noun = one
	}
	t := join(b.count(c.N, c.Refs), plain(" "+noun))
	if c.N > len(c.Refs) {
		t = join(t, plain(fmt.Sprintf(" (%d known by key)", len(c.Refs))))
	}
	return t
}

func refs(keys []string) counted { return counted{len(keys), keys} }

func (b *builder) milestones() []MilestoneRow {
	var rows []MilestoneRow
	for _, m := range b.cur.Milestones {
		row := MilestoneRow{
			Name:    link(m.Name, b.l.items(m.ScopeRefs)),
			Status:  statusOf(m.Status),
			Due:     day(m.Due),
			P50:     forecastDay(m.Forecast.P50),
			P85:     forecastDay(m.Forecast.P85),
			OnTime:  percent(m.OnTime),
			Reasons: m.Reasons,
		}
		row.Progress = join(b.count(m.Scope.Done, m.DoneRefs), plain(" / "), b.count(m.Scope.Total, m.ScopeRefs),
			plain(fmt.Sprintf(" (%s)", ratio(m.Scope.Done, m.Scope.Total))))
		switch m.Forecast.Status {
		case rollup.ForecastLowConfidence, rollup.ForecastNotConverging:
			row.P85 += " (" + strings.ReplaceAll(string(m.Forecast.Status), "_", " ") + ")"
		}
		row.Change = b.delta(m)
		rows = append(rows, row)
	}
	return rows
}

// delta describes a milestone's change since last week.
func (b *builder) delta(m ms) string {
	p, ok := b.prevMilestone(m.Name)
	if !ok {
		if b.prev == nil {
			return "no report for last week"
		}
		return "new this week"
	}
	var parts []string
	parts = append(parts, signed(m.Scope.Done-p.Scope.Done)+" done")
	if d := m.Scope.Total - p.Scope.Total; d != 0 {
		parts = append(parts, signed(d)+" scope")
	} else {
		parts = append(parts, "scope unchanged")
	}
	if d, ok := dayShift(p.Forecast.P85, m.Forecast.P85); ok && d != 0 {
		parts = append(parts, "P85 "+signed(d)+"d")
	}
	if !p.Due.Equal(m.Due) {
		parts = append(parts, "re-dated from "+day(p.Due))
	}
	if p.Status != m.Status {
		parts = append(parts, "was "+statusOf(p.Status).Label)
	}
	return strings.Join(parts, ", ")
}

func (b *builder) changes() []Text {
	var out []Text
	for _, m := range b.cur.Milestones {
		name := plain(m.Name + ": ")
		if m.CompletedWeek.N > 0 {
			out = append(out, join(name, b.countOf(m.CompletedWeek, "item completed", "items completed")))
		}
		if m.AddedWeek.N > 0 {
			out = append(out, join(name, b.countOf(m.AddedWeek, "item added to scope", "items added to scope")))
		}
		if m.RemovedWeek.N > 0 {
			out = append(out, join(name, b.countOf(m.RemovedWeek, "item removed from scope", "items removed from scope")))
		}
		p, ok := b.prevMilestone(m.Name)
		if !ok {
			if b.prev != nil {
				out = append(out, join(name, plain("new milestone this week")))
			}
			continue
		}
		if !p.Due.Equal(m.Due) {
			out = append(out, join(name, plain(fmt.Sprintf("re-dated from %s to %s", day(p.Due), day(m.Due)))))
		}
		switch {
		case m.Status == string(rollup.StatusDone) && p.Status != m.Status:
			out = append(out, join(name, plain("completed: every item is done")))
		case severity(m.Status) > severity(p.Status):
			out = append(out, join(name, plain(fmt.Sprintf("slipped from %s to %s", statusOf(p.Status).Label, statusOf(m.Status).Label))))
		case severity(m.Status) < severity(p.Status):
			out = append(out, join(name, plain(fmt.Sprintf("recovered from %s to %s", statusOf(p.Status).Label, statusOf(m.Status).Label))))
		}
		if d, ok := dayShift(p.Forecast.P85, m.Forecast.P85); ok && d != 0 {
			dir := "later"
			if d < 0 {
				dir, d = "earlier", -d
			}
			out = append(out, join(name, plain(fmt.Sprintf("P85 forecast moved %d days %s, to %s", d, dir, forecastDay(m.Forecast.P85)))))
		}
		newB, resolved := diffBlockers(p.Blockers, m.Blockers)
		if len(newB) > 0 {
			out = append(out, join(name, plain("new blockers: "), b.keyList(newB)))
		}
		if len(resolved) > 0 {
			out = append(out, join(name, plain("resolved blockers: "), b.keyList(resolved)))
		}
	}
	return out
}

// keyList is "A-1, A-2", each linked.
func (b *builder) keyList(keys []string) Text {
	var t Text
	for i, k := range keys {
		if i > 0 {
			t = append(t, Span{Text: ", "})
		}
		t = append(t, link(k, b.l.item(k))...)
	}
	return t
}

func diffBlockers(before, after []blocker) (added, resolved []string) {
	was, is := map[string]bool{}, map[string]bool{}
	for _, x := range before {
		was[x.Item.Key] = true
	}
	for _, x := range after {
		is[x.Item.Key] = true
		if !was[x.Item.Key] {
			added = append(added, x.Item.Key)
		}
	}
	for _, x := range before {
		if !is[x.Item.Key] {
			resolved = append(resolved, x.Item.Key)
		}
	}
	return uniq(added), uniq(resolved)
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// itemText is the key (linked) followed by the title.
func (b *builder) itemText(it item) Text {
	t := link(it.Key, b.l.item(it.Key))
	if it.Title != "" {
		t = join(t, plain(" "+it.Title))
	}
	return t
}

// milestonesOf names the milestones whose blockers include key.
func (b *builder) milestonesOf(key string) string {
	var names []string
	for _, m := range b.cur.Milestones {
		for _, x := range m.Blockers {
			if x.Item.Key == key {
				names = append(names, m.Name)
				break
			}
		}
	}
	return orDash(strings.Join(names, ", "))
}

// blockerReason says why an item is blocked: "blocked by OPS-1 Title (OPS, program X)".
func (b *builder) blockerReason(x blocker) Text {
	switch x.Reason {
	case rollup.BlockedByFlag:
		return plain("flagged")
	case rollup.BlockedByPriority:
		return plain("priority Blocker")
	}
	if x.Blocking == nil {
		return plain(orDash(x.Reason))
	}
	t := join(plain("blocked by "), b.itemText(*x.Blocking))
	where := x.Team
	if x.OtherProgram != "" {
		where += ", program " + x.OtherProgram
	}
	if where != "" {
		t = join(t, plain(" ("+where+")"))
	}
	return t
}

func (b *builder) blockers() []BlockerRow {
	var rows []BlockerRow
	for _, x := range b.cur.Blockers {
		rows = append(rows, BlockerRow{
			Item:      b.itemText(x.Item),
			Reason:    b.blockerReason(x),
			Milestone: b.milestonesOf(x.Item.Key),
			Owner:     orDash(x.Item.Owner),
			Age:       age(b.asOf, x.Since),
		})
	}
	return rows
}

func (b *builder) dependencies() []DependencyRow {
	var rows []DependencyRow
	for _, d := range b.cur.Dependencies {
		row := DependencyRow{
			Item:     b.itemText(d.Item),
			Owner:    "—",
			Kind:     "cross-team: " + orDash(d.Team),
			State:    "—",
			NeededBy: "—",
		}
		if d.OtherProgram != "" {
			row.Kind = "cross-program: " + d.OtherProgram
			if d.OtherMilestone != "" {
				row.Kind += " / " + d.OtherMilestone
			}
		}
		if d.Blocking != nil {
			row.DependsOn = b.itemText(*d.Blocking)
			row.Owner = orDash(d.Blocking.Owner)
			row.State = orDash(d.Blocking.Status)
		} else {
			row.DependsOn = plain("—")
		}
		// Needed by the earliest due date among the milestones the waiting item holds up.
		var due time.Time
		for _, m := range b.cur.Milestones {
			for _, x := range m.Blockers {
				if x.Item.Key == d.Item.Key && !m.Due.IsZero() && (due.IsZero() || m.Due.Before(due)) {
					due = m.Due
				}
			}
		}
		row.NeededBy = day(due)
		rows = append(rows, row)
	}
	return rows
}

func (b *builder) upcoming() []UpcomingRow {
	horizon := b.asOf.AddDate(0, 0, 7*b.opts.UpcomingWeeks)
	var rows []UpcomingRow
	list := append([]ms(nil), b.cur.Milestones...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Due.Before(list[j].Due) })
	for _, m := range list {
		if m.Due.IsZero() || m.Status == string(rollup.StatusDone) || m.Due.After(horizon) {
			continue
		}
		days := int(math.Round(m.Due.Sub(b.asOf).Hours() / 24))
		var when string
		switch {
		case days < 0:
			when = fmt.Sprintf("%d days overdue", -days)
		case days == 0:
			when = "due today"
		default:
			when = fmt.Sprintf("in %d days", days)
		}
		rows = append(rows, UpcomingRow{Due: day(m.Due), Name: m.Name, Status: statusOf(m.Status), InWeeks: when})
	}
	return rows
}
