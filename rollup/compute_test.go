package rollup

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// asOf of the small worlds: Wednesday of ISO week 2026-W48. The complete weeks are the 12
// Mondays from 2026-08-31 to 2026-11-16; the current week starts Monday 2026-11-23.
var testAsOf = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, err = time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
	}
	return t.UTC()
}

func pts(p float64) (float64, bool) { return p, true }

func tr(when string, from, to cairn.StatusCategory) store.RollupTransition {
	return store.RollupTransition{At: at(when), From: from, To: to}
}

const (
	catNew  = cairn.CategoryNew
	catProg = cairn.CategoryIndeterminate
	catDone = cairn.CategoryDone
)

// smallWorld is the mapping world: a fix version without a release date, an epic, a sub-task,
// a PR carrying a Jira key, a PR without a key, an abandoned PR, a reopened issue and an idle
// team.
func smallWorld() store.RollupData {
	issue := func(id int64, key string, cat cairn.StatusCategory, created string) store.RollupIssue {
		return store.RollupIssue{ID: id, Key: key, Project: key[:3], Type: "Story", Summary: key,
			Status: string(cat), Category: cat, Created: at(created), Updated: at(created)}
	}
	p1 := issue(1, "PAY-1", catDone, "2026-10-30T00:00:00Z")
	p1.Points, p1.Estimated = pts(2)
	p1.VersionIDs = []int64{10}
	p1.Transitions = []store.RollupTransition{
		tr("2026-11-02T09:00:00Z", catNew, catProg), tr("2026-11-04T09:00:00Z", catProg, catDone)}
	p2 := issue(2, "PAY-2", catProg, "2026-11-01T00:00:00Z")
	p2.Points, p2.Estimated = pts(3)
	p2.VersionIDs = []int64{10}
	p2.Updated = at("2026-11-24T00:00:00Z")
	p2.Transitions = []store.RollupTransition{tr("2026-11-20T00:00:00Z", catNew, catProg)}
	p3 := issue(3, "PAY-3", catNew, "2026-11-22T00:00:00Z")
	p3.EpicKey = "PAY-100"
	epic := issue(4, "PAY-100", catProg, "2026-09-01T00:00:00Z")
	epic.Type = "Epic"
	sub := issue(5, "PAY-4", catDone, "2026-11-01T00:00:00Z")
	sub.Subtask, sub.ParentKey, sub.VersionIDs = true, "PAY-2", []int64{10}
	// PAY-6: done, reopened, done again; not in the milestone.
	p6 := issue(6, "PAY-6", catDone, "2026-10-01T00:00:00Z")
	p6.Transitions = []store.RollupTransition{
		tr("2026-10-05T00:00:00Z", catNew, catProg), tr("2026-10-07T00:00:00Z", catProg, catDone),
		tr("2026-10-08T00:00:00Z", catDone, catProg), tr("2026-10-12T00:00:00Z", catProg, catDone)}
	ops := issue(7, "OPS-1", catNew, "2026-09-01T00:00:00Z")
	return store.RollupData{
		Issues:   []store.RollupIssue{p1, p2, p3, epic, sub, p6, ops},
		Versions: []store.RollupVersion{{ID: 10, Project: "PAY", Name: "V1"}},
		PRs: []store.RollupPR{
			{Repo: "acme/web", Number: 1, Title: "PAY-1 fix", State: "closed", Milestone: "v1",
				Created: at("2026-11-03T00:00:00Z"), Merged: at("2026-11-04T00:00:00Z"),
				FirstReview: at("2026-11-03T06:00:00Z")},
			{Repo: "acme/web", Number: 2, Title: "chore", State: "open", Milestone: "v1",
				Created: at("2026-11-23T00:00:00Z"), Updated: at("2026-11-23T00:00:00Z")},
			{Repo: "acme/web", Number: 3, Title: "abandoned", State: "closed", Milestone: "v1",
				Created: at("2026-11-10T00:00:00Z"), Closed: at("2026-11-11T00:00:00Z")},
		},
		Milestones: []store.RollupMilestone{{Repo: "acme/web", Title: "v1", State: "open", DueOn: at("2026-12-15")}},
		PRLinks:    []cairn.PRIssueLink{{Repo: "acme/web", Number: 1, IssueKey: "PAY-1"}},
	}
}

func smallSpec() Spec {
	return Spec{Programs: []ProgramSpec{{Name: "Payments", Milestones: []MilestoneSpec{
		{Name: "Checkout", FixVersions: []string{"V1"}, Epics: []string{"PAY-100"}, GitHubMilestones: []string{"acme/web:v1"}},
		{Name: "Empty", FixVersions: []string{"nope"}},
	}}}, Trials: 1000}
}

func TestComputeMapping(t *testing.T) {
	r := Compute(Input{Data: smallWorld()}, smallSpec(), testAsOf)
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("report does not encode as JSON: %v", err)
	}
	m := r.Program("Payments").Milestone("Checkout")
	want := ScopeCounts{Todo: 1, InProgress: 2, Done: 1, Total: 4, DoneRatio: 0.25,
		InProgressPoints: 3, DonePoints: 2, TotalPoints: 5}
	if m.Scope != want {
		t.Errorf("scope: got %+v, want %+v", m.Scope, want)
	}
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"done keys", m.Evidence.Done, []string{"PAY-1"}},
		{"in progress keys", m.Evidence.InProgress, []string{"PAY-2", "acme/web#2"}},
		{"todo keys", m.Evidence.Todo, []string{"PAY-3"}},
		{"prs without key", m.PRsWithoutKey, 1},
		{"completed week", m.CompletedWeek, 0}, // PAY-1 was done 11-04, before 11-18 12:00
		{"unestimated", m.Unestimated, 2},
		{"in progress", m.InProgress, 2},
		{"due source", m.DueSource, DueFromGitHubMilestone},
		{"due", m.Due, at("2026-12-15")},
		{"last progress", m.LastProgress, at("2026-11-04T09:00:00Z")},
		{"teams", m.Teams, []string{"PAY", "acme/web"}},
		{"added week", m.ScopeAddedWeek, 2}, // PAY-3 (11-22) and acme/web#2 (11-23), created after 11-18
		{"added week keys", m.Evidence.AddedWeek, []string{"PAY-3", "acme/web#2"}},
		{"forecast remaining", m.Forecast.Remaining, 3},
		{"forecast seed", m.Forecast.Seed, ForecastSeed("Payments", "Checkout", 2026, 48)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !equal(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	var prs []string
	for _, it := range m.Evidence.Items {
		if it.Key == "PAY-1" {
			t.Errorf("done item PAY-1 in evidence details; only open and added items are detailed")
		}
		if it.Key == "PAY-2" {
			prs = it.PRs
		}
	}
	if len(prs) != 0 {
		t.Errorf("PAY-2 prs: got %v, want none", prs)
	}
	e := r.Program("Payments").Milestone("Empty")
	if e.Scope.Total != 0 || e.Status != StatusGrey || e.DueSource != DueNone {
		t.Errorf("empty milestone: got total %d status %s due source %s, want 0 grey none", e.Scope.Total, e.Status, e.DueSource)
	}
}

func equal(a, b any) bool {
	switch x := a.(type) {
	case []string:
		return slices.Equal(x, b.([]string))
	case time.Time:
		return x.Equal(b.(time.Time))
	}
	return a == b
}

func TestComputeFlow(t *testing.T) {
	r := Compute(Input{Data: smallWorld()}, smallSpec(), testAsOf)
	team := func(name string) Flow {
		for _, tf := range r.Teams {
			if tf.Team == name {
				return tf.Flow
			}
		}
		t.Fatalf("team %s missing", name)
		return Flow{}
	}
	day := 24 * time.Hour
	pay := team("PAY")
	// Weeks (Monday starts): 2026-10-05 is index 5 (08-31 + 5w), 11-02 is index 9.
	// PAY-6 done 10-12 (last entry into done) → week of 10-12, index 6. PAY-1 done 11-04 → 9.
	wantTP := make([]int, 12)
	wantTP[6], wantTP[9] = 1, 1
	if got := counts(pay.Throughput); !slices.Equal(got, wantTP) {
		t.Errorf("PAY throughput: got %v, want %v", got, wantTP)
	}
	if pay.Throughput[0].Week != "2026-W36" || pay.Throughput[11].Week != "2026-W47" {
		t.Errorf("weeks: got %s..%s, want 2026-W36..2026-W47", pay.Throughput[0].Week, pay.Throughput[11].Week)
	}
	// Cycle times: PAY-1 11-02 09:00 → 11-04 09:00 = 2 d; PAY-6 (reopened) first in progress
	// 10-05 → last done 10-12 = 7 d. Nearest rank over [2d, 7d]: P50 = 2d, P85 = P95 = 7d.
	wantCycle := Percentiles{P50: (2 * day).Seconds(), P85: (7 * day).Seconds(), P95: (7 * day).Seconds(),
		N: 2, Count: 2, Sum: (9 * day).Seconds()}
	if pay.CycleTime != wantCycle {
		t.Errorf("PAY cycle time: got %+v, want %+v", pay.CycleTime, wantCycle)
	}
	// Lead: PAY-1 10-30 → 11-04 09:00 = 5d9h; PAY-6 10-01 → 10-12 = 11 d.
	if got, want := pay.LeadTime.Sum, (5*day + 9*time.Hour + 11*day).Seconds(); got != want {
		t.Errorf("PAY lead time sum: got %v, want %v", got, want)
	}
	// Completions: PAY-1 once, PAY-6 twice (done, reopened, done again).
	if pay.CompletedTotal != 3 {
		t.Errorf("PAY completed total: got %d, want 3", pay.CompletedTotal)
	}
	if got := team("OPS").Throughput; !slices.Equal(counts(got), make([]int, 12)) {
		t.Errorf("OPS throughput: got %v, want all zero", counts(got))
	}
	web := team("acme/web")
	// PR #1: created 11-03, first review 6 h later, merged after 1 d. PR #2 open, #3 abandoned.
	if web.PRFirstReview.Count != 1 || web.PRFirstReview.P50 != (6*time.Hour).Seconds() {
		t.Errorf("first review: got %+v, want one of 6h", web.PRFirstReview)
	}
	if web.PRMerge.Count != 1 || web.PRMerge.P50 != day.Seconds() {
		t.Errorf("merge: got %+v, want one of 1d", web.PRMerge)
	}
	// Program flow: items PAY-1, PAY-2, PAY-3, acme/web#2; PR #1 through PAY-1, PR #2 itself.
	p := r.Program("Payments").Flow
	if p.CompletedTotal != 1 || p.CycleTime.Count != 1 || p.PRMerge.Count != 1 {
		t.Errorf("program flow: got completed %d cycle %d merge %d, want 1 1 1", p.CompletedTotal, p.CycleTime.Count, p.PRMerge.Count)
	}
}

func counts(ws []WeekCount) []int {
	out := make([]int, len(ws))
	for i, w := range ws {
		out[i] = w.Count
	}
	return out
}

func TestComputeForecastUsesTeamThroughput(t *testing.T) {
	r := Compute(Input{Data: smallWorld()}, smallSpec(), testAsOf)
	f := r.Program("Payments").Milestone("Checkout").Forecast
	// Teams PAY and acme/web: PAY has weeks 6 and 9 at 1; acme/web's only done item is
	// merged through PAY-1, so adds nothing.
	want := make([]int, 12)
	want[6], want[9] = 1, 1
	if !slices.Equal(f.Throughput, want) {
		t.Errorf("throughput: got %v, want %v", f.Throughput, want)
	}
	if f.Status != ForecastOK || f.OnTime == nil || f.Trials != 1000 {
		t.Errorf("forecast: got status %s on time %v trials %d, want ok, defined, 1000", f.Status, f.OnTime, f.Trials)
	}
	// 3 items at 2 per 12 weeks cannot be done in 3 weeks: P(on time) is small.
	if *f.OnTime > 0.2 || math.IsNaN(*f.OnTime) {
		t.Errorf("on time: got %v, want < 0.2", *f.OnTime)
	}
}

func TestCompletedWeek(t *testing.T) {
	d := smallWorld()
	d.Issues[0].Transitions[1].At = at("2026-11-24T10:00:00Z") // PAY-1 done yesterday
	m := Compute(Input{Data: d}, smallSpec(), testAsOf).Program("Payments").Milestone("Checkout")
	if m.CompletedWeek != 1 || !slices.Equal(m.Evidence.CompletedWeek, []string{"PAY-1"}) || !m.LastProgress.Equal(at("2026-11-24T10:00:00Z")) {
		t.Errorf("got %d %v last %v, want 1 [PAY-1] 2026-11-24T10:00", m.CompletedWeek, m.Evidence.CompletedWeek, m.LastProgress)
	}
}

func TestVelocityTeamsStaleAndReview(t *testing.T) {
	d := smallWorld()
	// Sprint S1 closed 2026-11-10: PAY-1 (2 points, done 11-04) and PAY-2 (3 points, open).
	d.Sprints = []store.RollupSprint{
		{ID: 1, Name: "S1", State: "closed", StartAt: at("2026-10-27"), EndAt: at("2026-11-10"), Complete: at("2026-11-10T12:00:00Z")},
		{ID: 2, Name: "S2", State: "active", StartAt: at("2026-11-10"), EndAt: at("2026-11-24")},
	}
	d.Issues[0].SprintIDs = []int64{1}
	d.Issues[1].SprintIDs = []int64{1, 2}
	spec := smallSpec()
	spec.Teams = []TeamSpec{{Name: "Payments team", JiraProjects: []string{"PAY"}, Repos: []string{"acme/web"}}}
	spec.StaleDays = 1
	r := Compute(Input{Data: d}, spec, testAsOf)
	p := r.Program("Payments")
	want := []SprintVelocity{{Sprint: "S1", Committed: 5, Completed: 2, EndedAt: at("2026-11-10T12:00:00Z")}}
	if got := p.Flow.Velocity; len(got) != 1 || got[0] != want[0] {
		t.Errorf("velocity: got %+v, want %+v", got, want)
	}
	var names []string
	for _, tf := range r.Teams {
		names = append(names, tf.Team)
	}
	if !slices.Equal(names, []string{"OPS", "Payments team"}) {
		t.Errorf("teams: got %v, want [OPS Payments team]", names)
	}
	m := p.Milestone("Checkout")
	if !slices.Equal(m.Teams, []string{"Payments team"}) {
		t.Errorf("milestone teams: got %v, want [Payments team]", m.Teams)
	}
	// Stale after 1 day: PAY-2 (updated 11-24 00:00) and acme/web#2 (updated 11-23).
	if !slices.Equal(m.Evidence.Stale, []string{"PAY-2", "acme/web#2"}) {
		t.Errorf("stale: got %v, want [PAY-2 acme/web#2]", m.Evidence.Stale)
	}
	// acme/web#2 opened 11-23 00:00, no review, 60 h before asOf (> 24 h).
	if !slices.Equal(m.Evidence.WaitingReview, []string{"acme/web#2"}) || m.WaitingReview[0].Since != at("2026-11-23T00:00:00Z") {
		t.Errorf("waiting review: got %v, want [acme/web#2] since 11-23", m.WaitingReview)
	}
}

func TestNewTeamForecastIsLowConfidence(t *testing.T) {
	d := store.RollupData{Versions: []store.RollupVersion{{ID: 1, Name: "V1"}}}
	// NEW-1 created Sunday 2026-11-01, done 11-10; NEW-2 open. History: the complete weeks
	// ending after 11-01, i.e. starting 10-26, 11-02, 11-09, 11-16: 4 weeks, [0 0 1 0].
	for i, cat := range []cairn.StatusCategory{catDone, catNew} {
		is := store.RollupIssue{ID: int64(i + 1), Key: fmt.Sprintf("NEW-%d", i+1), Project: "NEW", Category: cat,
			Created: at("2026-11-01T10:00:00Z"), Updated: at("2026-11-01T10:00:00Z"), VersionIDs: []int64{1}}
		if cat == catDone {
			is.Transitions = []store.RollupTransition{tr("2026-11-10T00:00:00Z", catNew, catDone)}
		}
		d.Issues = append(d.Issues, is)
	}
	spec := Spec{Programs: []ProgramSpec{{Name: "P", Milestones: []MilestoneSpec{{Name: "M", FixVersions: []string{"V1"}, Due: at("2027-03-01")}}}}, Trials: 500}
	f := Compute(Input{Data: d}, spec, testAsOf).Programs[0].Milestones[0].Forecast
	if !slices.Equal(f.Throughput, []int{0, 0, 1, 0}) || f.Status != ForecastLowConfidence || f.HistoryWeeks != 4 {
		t.Errorf("got throughput %v status %s history %d, want [0 0 1 0] low_confidence 4", f.Throughput, f.Status, f.HistoryWeeks)
	}
}

// A finished milestone "completes" on the day of its last done item: its forecast dates are
// that day, and P(on time) says whether that beat the due date.
func TestComputeDoneMilestoneForecast(t *testing.T) {
	data := smallWorld()
	data.Issues[5].Labels = []string{"early"} // PAY-6, last done on 2026-10-12
	for _, tt := range []struct {
		due    string
		onTime float64
	}{{"2026-10-20", 1}, {"2026-10-09", 0}} {
		spec := Spec{Programs: []ProgramSpec{{Name: "P", Milestones: []MilestoneSpec{
			{Name: "Early", Labels: []string{"early"}, Due: at(tt.due)}}}}, Trials: 100}
		m := Compute(Input{Data: data}, spec, testAsOf).Program("P").Milestone("Early")
		f := m.Forecast
		if m.Status != StatusDone || !f.P50.Equal(at("2026-10-12")) || f.OnTime == nil || *f.OnTime != tt.onTime {
			t.Errorf("due %s: got status %s, P50 %v, on time %v; want done, 2026-10-12, %v", tt.due, m.Status, f.P50, f.OnTime, tt.onTime)
		}
	}
}

// TestCompletedTotalNeverFalls reopens a done issue: the team's completions stay where they were,
// since cairn_items_completed_total is a counter and a drop would read as a reset.
func TestCompletedTotalNeverFalls(t *testing.T) {
	completed := func(d store.RollupData) int {
		r := Compute(Input{Data: d}, smallSpec(), testAsOf)
		for _, tf := range r.Teams {
			if tf.Team == "PAY" {
				return tf.Flow.CompletedTotal
			}
		}
		t.Fatal("no PAY team in the report")
		return 0
	}
	d := smallWorld()
	before := completed(d)
	p6 := &d.Issues[5]
	p6.Category, p6.Status = catProg, string(catProg)
	p6.Transitions = append(slices.Clone(p6.Transitions), tr("2026-11-20T00:00:00Z", catDone, catProg))
	if after := completed(d); after != before || before != 3 {
		t.Errorf("completed total: %d before PAY-6 was reopened, %d after; want 3 both", before, after)
	}
}
