package rollup

import (
	"slices"
	"testing"
	"time"
)

func TestRubric(t *testing.T) {
	due := at("2026-12-15")
	p := func(v float64) *float64 { return &v }
	// weeksP85 w from Start 2026-11-25 gives P85 = Start + 7w, shown as the day before.
	fc := func(onTime float64, weeksP85 int) ForecastSummary {
		start := dayStart(testAsOf)
		return ForecastSummary{Status: ForecastOK, OnTime: p(onTime), WeeksP85: weeksP85,
			P85: start.AddDate(0, 0, 7*weeksP85)}
	}
	scope := func(total, done int) ScopeCounts { return ScopeCounts{Total: total, Done: done} }
	recent := testAsOf.Add(-24 * time.Hour)
	blocker := Blocker{Blocked: ItemRef{Key: "PAY-2", Team: "PAY"}, Blocking: &ItemRef{Key: "OPS-9", Team: "OPS"},
		BlockingTeam: "OPS", OtherProgram: "Platform", Reason: BlockedByLink}
	tests := []struct {
		name     string
		m        MilestoneReport
		last     time.Time
		dataAsOf map[string]time.Time
		want     Status
		reasons  []string
	}{
		{"empty is grey", MilestoneReport{Due: due}, recent, nil, StatusGrey,
			[]string{"No work items found: check the milestone's sources in the config"}},
		{"all done", MilestoneReport{Due: due, Scope: scope(3, 3), LastProgress: at("2026-11-20")}, recent, nil, StatusDone,
			[]string{"All 3 items are done (last on 2026-11-20)"}},
		{"no due date is grey", MilestoneReport{Scope: scope(4, 1)}, recent, nil, StatusGrey,
			[]string{"No due date: 3 of 4 items not done; set a due date in the config or on the Jira version or GitHub milestone"}},
		{"stalled without a due date is grey and says so", MilestoneReport{Scope: scope(4, 1)}, at("2026-11-16T12:00:00Z"), nil, StatusGrey,
			[]string{"No due date: 3 of 4 items not done; set a due date in the config or on the Jira version or GitHub milestone",
				"Stalled: no item has changed status for 9 days (last change 2026-11-16) with 3 items not done"}},
		{"past due is red", MilestoneReport{Due: at("2026-11-20"), Scope: scope(4, 1), Forecast: fc(0, 1)}, recent, nil, StatusRed,
			[]string{"Due date 2026-11-20 has passed with 3 of 4 items not done",
				"P(on time) is 0%: forecast P85 is 2026-12-01, 11 days after the due date 2026-11-20"}},
		{"low P(on time) is red", MilestoneReport{Due: due, Scope: scope(4, 1), Forecast: fc(0.32, 7)}, recent, nil, StatusRed,
			[]string{"P(on time) is 32%: forecast P85 is 2027-01-12, 4 weeks after the due date 2026-12-15"}},
		{"stalled is red", MilestoneReport{Due: due, Scope: scope(4, 1), Forecast: fc(0.9, 2)}, at("2026-11-16T12:00:00Z"), nil, StatusRed,
			[]string{"Stalled: no item has changed status for 9 days (last change 2026-11-16) with 3 items not done"}},
		{"middling P(on time) is amber", MilestoneReport{Due: due, Scope: scope(4, 1), Forecast: fc(0.7, 3)}, recent, nil, StatusAmber,
			[]string{"P(on time) is 70%: forecast P85 is 2026-12-15, on the due date 2026-12-15"}},
		{"blocker is amber", MilestoneReport{Due: due, Scope: scope(4, 1), Forecast: fc(0.95, 2), Blockers: []Blocker{blocker}}, recent, nil, StatusAmber,
			[]string{"1 open blocker: PAY-2 is blocked by OPS-9 (OPS, program Platform)"}},
		{"scope growth is amber", MilestoneReport{Due: due, Scope: scope(12, 1), ScopeAddedWeek: 2, Forecast: fc(0.95, 2)}, recent, nil, StatusAmber,
			[]string{"Scope grew 20% in the last 7 days (from 10 to 12 items)"}},
		{"stale data is amber", MilestoneReport{Due: due, Scope: scope(4, 1), Forecast: fc(0.95, 2)}, recent,
			map[string]time.Time{"jira": testAsOf.Add(-30 * time.Hour), "github": testAsOf}, StatusAmber,
			[]string{"Jira data is 30 hours old (last successful sync 2026-11-24 06:00 UTC)"}},
		{"no forecast is amber", MilestoneReport{Due: due, Scope: scope(4, 1),
			Forecast: ForecastSummary{Status: ForecastNone, Reason: "no throughput history"}}, recent, nil, StatusAmber,
			[]string{"No forecast: no throughput history"}},
		{"green", MilestoneReport{Due: due, Scope: scope(4, 1), Forecast: fc(0.92, 2)}, recent, nil, StatusGreen,
			[]string{"P(on time) is 92%: forecast P85 is 2026-12-08, 1 week before the due date 2026-12-15"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &computer{spec: withDefaults(Spec{}), asOf: testAsOf, dataAge: tt.dataAsOf}
			m := tt.m
			m.LastActivity = tt.last
			c.rubric(&m)
			if m.Status != tt.want {
				t.Errorf("status: got %s, want %s (reasons %q)", m.Status, tt.want, m.Reasons)
			}
			if !slices.Equal(m.Reasons, tt.reasons) {
				t.Errorf("reasons:\n got %q\nwant %q", m.Reasons, tt.reasons)
			}
		})
	}
}

func TestProgramStatusIsWorstMilestone(t *testing.T) {
	p := ProgramReport{Milestones: []MilestoneReport{
		{Name: "A", Status: StatusDone}, {Name: "B", Status: StatusAmber, Reasons: []string{"x"}},
		{Name: "C", Status: StatusGreen}, {Name: "D", Status: StatusGrey}}}
	programStatus(&p)
	if p.Status != StatusAmber || !slices.Equal(p.Reasons, []string{"B: x"}) {
		t.Errorf("got %s %q, want amber [B: x]", p.Status, p.Reasons)
	}
}
