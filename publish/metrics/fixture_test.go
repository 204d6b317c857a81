package metrics

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/rollup"
)

// goldenNow is the as-of time of the golden report.
var goldenNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func day(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

func ptr[T any](v T) *T { return &v }

// testReport is a hand-built report as of now. Program checkout has a slipping milestone
// (v2-launch: P85 three weeks after its due date, far below the straight burn-up line, no
// progress for 9 days, scope grown by a third since the baseline), a healthy one
// (payments-api), an overdue one (legacy-sunset), a done one and a grey one without items or
// due date; program platform has one green milestone without story points. The alert rules
// in deploy/prometheus are expected to fire for v2-launch and legacy-sunset only.
func testReport(now time.Time) *rollup.Report {
	now = now.UTC().Truncate(time.Second)
	today := day(now)
	due := today.AddDate(0, 0, 14)
	blocked := rollup.ItemRef{Kind: rollup.KindJira, Key: "PAY-12", Team: "payments", Category: cairn.CategoryIndeterminate}
	slipping := rollup.MilestoneReport{
		Program: "checkout", Name: "v2-launch", Due: due, DueSource: rollup.DueFromConfig,
		Baseline: today.AddDate(0, 0, -42), Status: rollup.StatusRed, Teams: []string{"payments", "web"},
		Scope: rollup.ScopeCounts{Todo: 30, InProgress: 10, Done: 20, Total: 60, DoneRatio: 1.0 / 3,
			TodoPoints: 50, InProgressPoints: 20, DonePoints: 30.5, TotalPoints: 100.5},
		Unestimated: 3, InProgress: 10,
		ScopeAddedSinceBaseline: 18, ScopeRemovedSinceBaseline: 2, ScopeAddedWeek: 4, ScopeRemovedWeek: 1,
		Blockers: []rollup.Blocker{
			{Blocked: blocked, Reason: rollup.BlockedByLink},
			{Blocked: blocked, Reason: rollup.BlockedByFlag},
			{Blocked: rollup.ItemRef{Kind: rollup.KindJira, Key: "WEB-3", Team: "web"}, Reason: rollup.BlockedByPriority},
		},
		Stale:         []rollup.ItemRef{{Key: "PAY-14"}},
		WaitingReview: []rollup.ItemRef{{Key: "acme/web#7"}, {Key: "acme/web#9"}},
		LastProgress:  now.Add(-9 * 24 * time.Hour),
		LastActivity:  now.Add(-8 * 24 * time.Hour),
		Forecast: rollup.ForecastSummary{Status: rollup.ForecastOK, Remaining: 40,
			P50: due.AddDate(0, 0, 7), P85: due.AddDate(0, 0, 21), P95: due.AddDate(0, 0, 35), OnTime: ptr(0.125)},
	}
	healthy := rollup.MilestoneReport{
		Program: "checkout", Name: "payments-api", Due: today.AddDate(0, 0, 60), DueSource: rollup.DueFromJiraVersion,
		Baseline: today.AddDate(0, 0, -30), Status: rollup.StatusGreen, Teams: []string{"payments"},
		Scope:                   rollup.ScopeCounts{Todo: 6, InProgress: 4, Done: 40, Total: 50, DoneRatio: 0.8, TodoPoints: 8, InProgressPoints: 5, DonePoints: 60, TotalPoints: 73},
		ScopeAddedSinceBaseline: 2, ScopeRemovedSinceBaseline: 1,
		LastProgress: now.Add(-20 * time.Hour),
		LastActivity: now.Add(-2 * time.Hour),
		Forecast: rollup.ForecastSummary{Status: rollup.ForecastOK, Remaining: 10,
			P50: today.AddDate(0, 0, 21), P85: today.AddDate(0, 0, 35), P95: today.AddDate(0, 0, 42), OnTime: ptr(0.96875)},
	}
	overdue := rollup.MilestoneReport{
		Program: "checkout", Name: "legacy-sunset", Due: today.AddDate(0, 0, -3), DueSource: rollup.DueFromGitHubMilestone,
		Baseline: today.AddDate(0, 0, -60), Status: rollup.StatusRed, Teams: []string{"web"},
		Scope:        rollup.ScopeCounts{Todo: 1, InProgress: 4, Done: 45, Total: 50, DoneRatio: 0.9},
		LastProgress: now.Add(-2 * 24 * time.Hour),
		LastActivity: now.Add(-24 * time.Hour),
		Forecast: rollup.ForecastSummary{Status: rollup.ForecastOK, Remaining: 5,
			P50: today.AddDate(0, 0, 7), P85: today.AddDate(0, 0, 7), P95: today.AddDate(0, 0, 14), OnTime: ptr(0.0)},
	}
	done := rollup.MilestoneReport{
		Program: "checkout", Name: "mobile-beta", Due: today.AddDate(0, 0, -20), DueSource: rollup.DueFromConfig,
		Baseline: today.AddDate(0, 0, -90), Status: rollup.StatusDone, Teams: []string{"web"},
		Scope:        rollup.ScopeCounts{Done: 12, Total: 12, DoneRatio: 1},
		LastProgress: now.Add(-25 * 24 * time.Hour),
		LastActivity: now.Add(-25 * 24 * time.Hour),
	}
	grey := rollup.MilestoneReport{Program: "checkout", Name: "search", DueSource: rollup.DueNone, Status: rollup.StatusGrey}
	platform := rollup.MilestoneReport{
		Program: "platform", Name: "k8s-migration", Due: today.AddDate(0, 0, 30), DueSource: rollup.DueFromConfig,
		Baseline: today.AddDate(0, 0, -10), Status: rollup.StatusGreen, Teams: []string{"infra", "ghost"},
		Scope:        rollup.ScopeCounts{Todo: 3, InProgress: 2, Done: 5, Total: 10, DoneRatio: 0.5},
		Unestimated:  5,
		LastProgress: now.Add(-3 * time.Hour),
		LastActivity: now.Add(-time.Hour),
		Forecast: rollup.ForecastSummary{Status: rollup.ForecastOK, Remaining: 5,
			P50: today.AddDate(0, 0, 10), P85: today.AddDate(0, 0, 14), P95: today.AddDate(0, 0, 17), OnTime: ptr(1.0)},
	}
	pct := func(p50, p85, p95 float64, n, count int, sum float64) rollup.Percentiles {
		return rollup.Percentiles{P50: p50, P85: p85, P95: p95, N: n, Count: count, Sum: sum}
	}
	const dayS = 86400.0
	return &rollup.Report{
		AsOf: now, Week: rollup.ISOWeek(now),
		DataAsOf: map[string]time.Time{"jira": now.Add(-10 * time.Minute), "github": now.Add(-12 * time.Minute)},
		Programs: []rollup.ProgramReport{
			{Name: "checkout", Status: rollup.StatusRed, Milestones: []rollup.MilestoneReport{slipping, healthy, overdue, done, grey}},
			{Name: "platform", Status: rollup.StatusGreen, Milestones: []rollup.MilestoneReport{platform}},
		},
		Teams: []rollup.TeamFlow{
			{Team: "payments", Flow: rollup.Flow{CompletedTotal: 412,
				CycleTime: pct(2*dayS, 6*dayS, 9*dayS, 48, 412, 1.2e8), LeadTime: pct(5*dayS, 15*dayS, 21*dayS, 48, 412, 3.1e8),
				PRFirstReview: pct(3600, 14400, 86400, 30, 280, 4.5e6), PRMerge: pct(dayS, 3*dayS, 5*dayS, 30, 275, 4.4e7)}},
			{Team: "web", Flow: rollup.Flow{CompletedTotal: 97, // nothing finished in the window
				CycleTime: pct(0, 0, 0, 0, 97, 5e7), LeadTime: pct(0, 0, 0, 0, 97, 9e7)}},
			{Team: "infra", Flow: rollup.Flow{CompletedTotal: 31,
				CycleTime: pct(dayS, 2*dayS, 4*dayS, 9, 31, 6.1e6), LeadTime: pct(2*dayS, 4*dayS, 8*dayS, 9, 31, 1.4e7)}},
			{Team: "unused", Flow: rollup.Flow{CompletedTotal: 5}}, // feeds no program: not exported
		},
	}
}

// fixedSource serves a report (nil: none stored) and counts reads.
type fixedSource struct {
	r     atomic.Pointer[rollup.Report]
	err   error
	reads atomic.Int64
}

func newFixed(r *rollup.Report) *fixedSource {
	s := &fixedSource{}
	s.r.Store(r)
	return s
}

func (s *fixedSource) LatestReport(context.Context) (*rollup.Report, error) {
	s.reads.Add(1)
	if s.err != nil {
		return nil, s.err
	}
	r := s.r.Load()
	if r == nil {
		return nil, cairn.ErrNotFound
	}
	return r, nil
}

// fixedClock is a clock tests move by hand.
type fixedClock struct{ t atomic.Int64 }

func newClock(t time.Time) *fixedClock {
	c := &fixedClock{}
	c.t.Store(t.UnixNano())
	return c
}

func (c *fixedClock) Now() time.Time          { return time.Unix(0, c.t.Load()).UTC() }
func (c *fixedClock) Advance(d time.Duration) { c.t.Add(int64(d)) }
