package pages_test

import (
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/rollup"
)

func fixtureInputs() *pages.Inputs {
	tokenise := rollup.ItemRef{Kind: rollup.KindJira, Key: "PAY-12", Title: evil, Team: "PAY", Status: "In Progress",
		Category: cairn.CategoryIndeterminate, Assignee: "J. Doe | Payments", Since: fixtureAsOf.AddDate(0, 0, -16)}
	sso := rollup.ItemRef{Kind: rollup.KindJira, Key: "IDN-7", Title: "SSO token exchange | phase 2", Team: "IDN", Status: "In Review",
		Category: cairn.CategoryIndeterminate, Assignee: "A. Lee"}
	flagged := rollup.ItemRef{Kind: rollup.KindJira, Key: "PAY-3", Title: "Card BIN table [draft](javascript:alert(1))", Team: "PAY",
		Status: "To Do", Category: cairn.CategoryNew, Since: fixtureAsOf.AddDate(0, 0, -3)}
	crossProgram := rollup.Blocker{Blocked: tokenise, Blocking: &sso, BlockingTeam: "IDN", OtherProgram: "Identity <b>2027</b>",
		OtherMilestone: "SSO GA", Reason: rollup.BlockedByLink, Since: tokenise.Since}
	flag := rollup.Blocker{Blocked: flagged, Reason: rollup.BlockedByFlag, Since: flagged.Since}

	card := rollup.MilestoneReport{
		Program: fixtureProgram, Name: "Card vault", Due: date(2026, 12, 18), DueSource: rollup.DueFromJiraVersion,
		Status: rollup.StatusAmber, Reasons: []string{"P(on time) is 62%: forecast P85 is 2026-12-28, 10 days after the due date 2026-12-18", "2 open blockers: PAY-12 is blocked by IDN-7 (IDN, program Identity <b>2027</b>); PAY-3 is flagged"},
		Teams: []string{"PAY", "acme/checkout"}, Scope: scope(8, 4, 28), Unestimated: 3, InProgress: 4,
		ScopeAddedSinceBaseline: 6, ScopeRemovedSinceBaseline: 1, ScopeAddedWeek: 3, ScopeRemovedWeek: 0, CompletedWeek: 2,
		Blockers:      []rollup.Blocker{crossProgram, flag},
		Stale:         []rollup.ItemRef{{Kind: rollup.KindJira, Key: "PAY-20", Title: "Retry `webhooks`", Status: "In Progress", Since: fixtureAsOf.AddDate(0, 0, -9)}},
		WaitingReview: []rollup.ItemRef{{Kind: rollup.KindPR, Key: "acme/checkout#420", Title: "Add vault client", Status: "open", Assignee: "octocat"}},
		LastProgress:  fixtureAsOf.AddDate(0, 0, -1), PRsWithoutKey: 2,
		Forecast: forecast(date(2026, 12, 15), date(2026, 12, 29), 0.62, 1111, 12),
		Evidence: rollup.Evidence{
			Done:          []string{"PAY-1", "PAY-9", "acme/checkout#412"},
			CompletedWeek: []string{"PAY-1", "PAY-9"},
			InProgress:    []string{"PAY-12", "PAY-20"},
			Todo:          []string{"PAY-3", "PAY-40", "PAY-41"},
			Added:         []string{"PAY-40", "PAY-41"},
			AddedWeek:     []string{"PAY-40", "PAY-41"},
			Blockers:      []string{"PAY-12", "PAY-3"},
			Stale:         []string{"PAY-20"},
			WaitingReview: []string{"acme/checkout#420"},
			PRsWithoutKey: []string{"acme/checkout#412", "acme/checkout#415"},
		},
	}
	wallet := rollup.MilestoneReport{
		Program: fixtureProgram, Name: "Wallet " + evil, Due: date(2027, 1, 29), DueSource: rollup.DueFromConfig,
		Status: rollup.StatusGreen, Reasons: []string{"P(on time) is 91%: forecast P85 is 2027-01-24, 5 days before the due date 2027-01-29"},
		Teams: []string{"PAY"}, Scope: scope(14, 2, 6), CompletedWeek: 1,
		Forecast: forecast(date(2027, 1, 11), date(2027, 1, 25), 0.91, 2222, 16),
		Evidence: rollup.Evidence{Done: []string{"PAY-50"}, CompletedWeek: []string{"PAY-50"}, Todo: []string{"PAY-51"}},
	}
	fraud := rollup.MilestoneReport{
		Program: fixtureProgram, Name: "Fraud rules", Due: date(2026, 12, 4), DueSource: rollup.DueFromGitHubMilestone,
		Status: rollup.StatusRed, Reasons: []string{"P(on time) is 12%: forecast P85 is 2027-01-03, 30 days after the due date 2026-12-04"},
		Teams: []string{"acme/checkout"}, Scope: scope(5, 2, 5), ScopeRemovedWeek: 1,
		Forecast: forecast(date(2026, 12, 21), date(2027, 1, 4), 0.12, 3333, 7),
		Evidence: rollup.Evidence{Done: []string{"acme/checkout#390"}, Todo: []string{"acme/checkout#401"}, RemovedWeek: []string{"acme/checkout#399"}},
	}
	lowConf := forecast(time.Time{}, time.Time{}, 0, 0, 4)
	lowConf.Status, lowConf.Reason, lowConf.OnTime, lowConf.Method, lowConf.Trials = rollup.ForecastNone, "no completed work in the throughput history", nil, "", 0
	audit := rollup.MilestoneReport{
		Program: fixtureProgram, Name: "Audit export", DueSource: rollup.DueNone, Status: rollup.StatusGrey,
		Reasons: []string{"No due date: 4 of 4 items not done; set a due date in the config or on the Jira version or GitHub milestone"},
		Scope:   scope(4, 0, 0), Forecast: lowConf,
		Evidence: rollup.Evidence{Todo: []string{"PAY-60", "PAY-61", "PAY-62", "PAY-63"}},
	}
	cur := rollup.ProgramReport{
		Name: fixtureProgram, Status: rollup.StatusRed, Reasons: []string{"Fraud rules: " + fraud.Reasons[0]},
		Milestones: []rollup.MilestoneReport{card, wallet, fraud, audit},
		Blockers:   []rollup.Blocker{crossProgram, flag}, Dependencies: []rollup.Blocker{crossProgram},
		Flow: rollup.Flow{
			Throughput:    weeks(4, 6, 3, 7, 5, 0, 6, 5),
			CycleTime:     rollup.Percentiles{P50: 3 * 86400, P85: 9 * 86400, P95: 14 * 86400, N: 36, Count: 120, Sum: 400 * 86400},
			LeadTime:      rollup.Percentiles{P50: 8 * 86400, P85: 20 * 86400, P95: 31 * 86400, N: 36, Count: 120},
			PRFirstReview: rollup.Percentiles{P50: 5 * 3600, P85: 30 * 3600, P95: 50 * 3600, N: 20, Count: 80},
			PRMerge:       rollup.Percentiles{P50: 20 * 3600, P85: 70 * 3600, P95: 96 * 3600, N: 18, Count: 75},
			Velocity: []rollup.SprintVelocity{{Sprint: "PAY Sprint 22", Committed: 25, Completed: 21, EndedAt: date(2026, 11, 13)},
				{Sprint: "PAY Sprint 23 <i>", Committed: 24, Completed: 24.5, EndedAt: date(2026, 11, 27)}},
			CompletedTotal: 164,
		},
	}

	prevCard := card
	prevCard.Scope, prevCard.Status = scope(8, 3, 26), rollup.StatusGreen
	prevCard.Blockers = []rollup.Blocker{{Blocked: rollup.ItemRef{Key: "PAY-5", Title: "Old blocker"}, Reason: rollup.BlockedByPriority}}
	prevCard.Forecast = forecast(date(2026, 12, 8), date(2026, 12, 22), 0.88, 1110, 11)
	prevFraud := fraud
	prevFraud.Due, prevFraud.Scope = date(2026, 11, 27), scope(6, 2, 5)
	prev := cur
	prev.Status = rollup.StatusRed
	prev.Milestones = []rollup.MilestoneReport{prevCard, wallet, prevFraud}

	hostile := rollup.ProgramReport{Name: "../../etc/passwd", Status: rollup.StatusDone,
		Milestones: []rollup.MilestoneReport{{Name: "M1", Status: rollup.StatusDone, Scope: scope(0, 0, 1)}}}

	dataAsOf := map[string]time.Time{"jira": fixtureAsOf.Add(-15 * time.Minute), "github": fixtureAsOf.Add(-40 * time.Hour)}
	report := &rollup.Report{AsOf: fixtureAsOf, Week: "2026-W48", Programs: []rollup.ProgramReport{cur, hostile}, DataAsOf: dataAsOf}
	previous := &rollup.Report{AsOf: fixtureAsOf.AddDate(0, 0, -7), Week: "2026-W47", Programs: []rollup.ProgramReport{prev}, DataAsOf: dataAsOf}
	var snaps []rollup.Snapshot
	for i := 0; i <= 56; i++ {
		snaps = append(snaps, rollup.Snapshot{Program: fixtureProgram, Milestone: "Card vault", Day: date(2026, 10, 2).AddDate(0, 0, i),
			Scope: 31 + i/6, Done: i / 2, Status: rollup.StatusGreen, OnTime: -1})
	}
	return &pages.Inputs{Report: report, Previous: previous, Snapshots: snaps}
}

// weeks makes a throughput history ending with 2026-W47.
func weeks(counts ...int) []rollup.WeekCount {
	out := make([]rollup.WeekCount, len(counts))
	for i, n := range counts {
		start := date(2026, 11, 16).AddDate(0, 0, -7*(len(counts)-1-i))
		out[i] = rollup.WeekCount{Week: rollup.ISOWeek(start), Start: start, Count: n}
	}
	return out
}
