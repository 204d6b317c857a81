package metrics

import (
	"math"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-dev/cairn/rollup"
)

// The label values of the enumerations: every value is always emitted, so that a state set or
// a category never disappears and alerts never see a missing series.
var (
	statuses   = []rollup.Status{rollup.StatusDone, rollup.StatusGrey, rollup.StatusGreen, rollup.StatusAmber, rollup.StatusRed}
	categories = []string{"todo", "in_progress", "done"}
)

// Confidence label values of the forecast percentiles.
const (
	confidence50 = "0.5"
	confidence85 = "0.85"
	confidence95 = "0.95"
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("cairn_"+name, help, labels, nil)
}

var (
	ms = []string{"program", "milestone"}
	pt = []string{"program", "team"}

	descUp = desc("rollup_up",
		"1 if the latest rollup report could be read during this scrape, 0 if none is stored yet or reading failed (the last report read is then still served).")
	descReadDuration = desc("rollup_read_duration_seconds",
		"Time this scrape spent reading and decoding the rollup report; 0 when it was served from the cache.")
	descAsOf = desc("rollup_last_success_timestamp_seconds",
		"As-of time of the latest stored rollup report (Unix seconds): when the numbers below were computed.")
	descDataAsOf = desc("rollup_data_timestamp_seconds",
		"Last successful sync of the connector the latest report was computed from (Unix seconds).", "connector")

	descProgramStatus = desc("program_status",
		"Program status as a state set: 1 for the current status (its worst milestone's), 0 for the others.", "program", "status")

	descInfo = desc("milestone_info",
		"Milestone metadata, value always 1: join with group_left on (program, milestone).",
		"program", "milestone", "due_source", "status", "forecast_status")
	descStatus = desc("milestone_status",
		"Milestone status as a state set: 1 for the current status, 0 for the others.", "program", "milestone", "status")
	descItems = desc("milestone_items",
		"Work items in the milestone by status category (todo, in_progress, done); the sum is the scope.", "program", "milestone", "status_category")
	descPoints = desc("milestone_points",
		"Story points in the milestone by status category; only for milestones with estimated items.", "program", "milestone", "status_category")
	descUnestimated = desc("milestone_unestimated_items",
		"Open work items in the milestone without story points.", ms...)
	descDue = desc("milestone_due_timestamp_seconds",
		"Due day of the milestone (00:00 UTC, Unix seconds); absent when unknown.", ms...)
	descBaseline = desc("milestone_baseline_timestamp_seconds",
		"Baseline day scope change is measured from (00:00 UTC, Unix seconds); absent when unknown.", ms...)
	descForecast = desc("milestone_forecast_completion_timestamp_seconds",
		"Monte Carlo forecast completion day at the given confidence (Unix seconds), computed at the last rollup.", "program", "milestone", "confidence")
	descOnTime = desc("milestone_forecast_on_time_ratio",
		"Fraction of Monte Carlo trials done by the due date; absent without a due date or forecast.", ms...)
	descAddedBaseline = desc("milestone_scope_added_since_baseline",
		"Work items added to the milestone since its baseline.", ms...)
	descRemovedBaseline = desc("milestone_scope_removed_since_baseline",
		"Work items removed from the milestone since its baseline.", ms...)
	descAddedWeek = desc("milestone_scope_added_week",
		"Work items added to the milestone in the last 7 days.", ms...)
	descRemovedWeek = desc("milestone_scope_removed_week",
		"Work items removed from the milestone in the last 7 days.", ms...)
	descBlockers = desc("milestone_open_blockers",
		"Open work items of the milestone that are blocked: an unresolved 'is blocked by' link, flagged, or priority Blocker.", ms...)
	descStale = desc("milestone_stale_items",
		"In-progress work items of the milestone with no change for the configured stale days.", ms...)
	descWaiting = desc("milestone_prs_waiting_review",
		"Open, non-draft pull requests of the milestone without a review after the configured wait.", ms...)
	descLastProgress = desc("milestone_last_progress_timestamp_seconds",
		"Latest time an item of the milestone reached done (Unix seconds); absent when none has.", ms...)
	descLastActivity = desc("milestone_last_activity_timestamp_seconds",
		"Latest status change or creation among the milestone's work items (Unix seconds): the clock of the stalled rule.", ms...)

	descCompleted = desc("items_completed_total",
		"Completions of the team's work items of all time (a reopened item keeps its completion, so the counter never falls); the teams of a program are those feeding its forecasts.", pt...)
	descCycle = desc("cycle_time_seconds",
		"Cycle time, first entry into in progress to done: quantiles over the trailing history window, count and sum over all time.", pt...)
	descLead = desc("lead_time_seconds",
		"Lead time, created to done: quantiles over the trailing history window, count and sum over all time.", pt...)
	descReview = desc("pr_review_time_seconds",
		"Pull request opened to its first review: quantiles over the trailing history window, count and sum over all time.", pt...)
	descMerge = desc("pr_merge_time_seconds",
		"Pull request opened to merged: quantiles over the trailing history window, count and sum over all time.", pt...)

	allDescs = []*prometheus.Desc{descUp, descReadDuration, descAsOf, descDataAsOf, descProgramStatus,
		descInfo, descStatus, descItems, descPoints, descUnestimated, descDue, descBaseline,
		descForecast, descOnTime, descAddedBaseline, descRemovedBaseline, descAddedWeek,
		descRemovedWeek, descBlockers, descStale, descWaiting, descLastProgress, descLastActivity,
		descCompleted, descCycle, descLead, descReview, descMerge}
)

// emitter builds const metrics into a slice, rendered once per report; an invalid label value
// (not UTF-8) becomes an invalid metric that fails only its own series.
type emitter struct {
	out *[]prometheus.Metric
}

// render returns the metrics of r.
func render(r *rollup.Report) []prometheus.Metric {
	n := 8
	for _, p := range r.Programs {
		n += 5 + 32*len(p.Milestones) + 5*len(r.Teams)
	}
	out := make([]prometheus.Metric, 0, n)
	emitter{&out}.report(r)
	return out
}

func (e emitter) send(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
	m, err := prometheus.NewConstMetric(d, t, v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err)
	}
	*e.out = append(*e.out, m)
}

func (e emitter) gauge(d *prometheus.Desc, v float64, labels ...string) {
	e.send(d, prometheus.GaugeValue, v, labels...)
}

// timestamp emits t in Unix seconds, nothing for the zero time.
func (e emitter) timestamp(d *prometheus.Desc, t time.Time, labels ...string) {
	if !t.IsZero() {
		e.gauge(d, float64(t.UnixNano())/1e9, labels...)
	}
}

func (e emitter) summary(d *prometheus.Desc, p rollup.Percentiles, program, team string) {
	q := map[float64]float64{0.5: p.P50, 0.85: p.P85, 0.95: p.P95}
	if p.N == 0 { // no durations in the window: the percentiles are unknown, not zero
		q = map[float64]float64{0.5: math.NaN(), 0.85: math.NaN(), 0.95: math.NaN()}
	}
	m, err := prometheus.NewConstSummary(d, uint64(max(p.Count, 0)), p.Sum, q, program, team)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err)
	}
	*e.out = append(*e.out, m)
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// report emits everything the report holds.
func (e emitter) report(r *rollup.Report) {
	e.timestamp(descAsOf, r.AsOf)
	for _, c := range sortedKeys(r.DataAsOf) {
		e.timestamp(descDataAsOf, r.DataAsOf[c], c)
	}
	teams := make(map[string]*rollup.TeamFlow, len(r.Teams))
	for i := range r.Teams {
		teams[r.Teams[i].Team] = &r.Teams[i]
	}
	for i := range r.Programs {
		p := &r.Programs[i]
		for _, s := range statuses {
			e.gauge(descProgramStatus, boolf(p.Status == s), p.Name, string(s))
		}
		var fed []string // the teams feeding the program's forecasts
		for j := range p.Milestones {
			e.milestone(&p.Milestones[j])
			fed = append(fed, p.Milestones[j].Teams...)
		}
		slices.Sort(fed)
		for _, t := range slices.Compact(fed) {
			if tf := teams[t]; tf != nil {
				e.team(p.Name, tf)
			}
		}
	}
}

func (e emitter) milestone(m *rollup.MilestoneReport) {
	p, n := m.Program, m.Name
	fs := m.Forecast.Status
	if fs == "" {
		fs = rollup.ForecastNone
	}
	e.gauge(descInfo, 1, p, n, m.DueSource, string(m.Status), string(fs))
	for _, s := range statuses {
		e.gauge(descStatus, boolf(m.Status == s), p, n, string(s))
	}
	sc := m.Scope
	for i, v := range [3]int{sc.Todo, sc.InProgress, sc.Done} {
		e.gauge(descItems, float64(v), p, n, categories[i])
	}
	if sc.TotalPoints > 0 {
		for i, v := range [3]float64{sc.TodoPoints, sc.InProgressPoints, sc.DonePoints} {
			e.gauge(descPoints, v, p, n, categories[i])
		}
	}
	e.gauge(descUnestimated, float64(m.Unestimated), p, n)
	e.timestamp(descDue, m.Due, p, n)
	e.timestamp(descBaseline, m.Baseline, p, n)
	f := &m.Forecast
	e.timestamp(descForecast, f.P50, p, n, confidence50)
	e.timestamp(descForecast, f.P85, p, n, confidence85)
	e.timestamp(descForecast, f.P95, p, n, confidence95)
	if f.OnTime != nil {
		e.gauge(descOnTime, *f.OnTime, p, n)
	}
	e.gauge(descAddedBaseline, float64(m.ScopeAddedSinceBaseline), p, n)
	e.gauge(descRemovedBaseline, float64(m.ScopeRemovedSinceBaseline), p, n)
	e.gauge(descAddedWeek, float64(m.ScopeAddedWeek), p, n)
	e.gauge(descRemovedWeek, float64(m.ScopeRemovedWeek), p, n)
	e.gauge(descBlockers, float64(blockedItems(m.Blockers)), p, n)
	e.gauge(descStale, float64(len(m.Stale)), p, n)
	e.gauge(descWaiting, float64(len(m.WaitingReview)), p, n)
	e.timestamp(descLastProgress, m.LastProgress, p, n)
	e.timestamp(descLastActivity, m.LastActivity, p, n)
}

func (e emitter) team(program string, t *rollup.TeamFlow) {
	e.send(descCompleted, prometheus.CounterValue, float64(t.CompletedTotal), program, t.Team)
	e.summary(descCycle, t.CycleTime, program, t.Team)
	e.summary(descLead, t.LeadTime, program, t.Team)
	e.summary(descReview, t.PRFirstReview, program, t.Team)
	e.summary(descMerge, t.PRMerge, program, t.Team)
}

// blockedItems counts the distinct blocked items: one item can be both flagged and linked.
func blockedItems(bs []rollup.Blocker) int {
	switch len(bs) {
	case 0, 1:
		return len(bs)
	}
	seen := make(map[string]struct{}, len(bs))
	for _, b := range bs {
		seen[b.Blocked.Key] = struct{}{}
	}
	return len(seen)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
