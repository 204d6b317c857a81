package rollup

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

func TestBlockers(t *testing.T) {
	d := smallWorld()
	// PAY-2 (open, Checkout) is blocked by OPS-1 (open, in Platform's milestone), by PAY-1
	// (done: resolved) and by XYZ-9 (not synced: assumed open). PAY-3 is flagged.
	d.Links = []cairn.IssueLink{
		{ID: 1, Type: "Blocks", FromKey: "OPS-1", ToKey: "PAY-2"},
		{ID: 2, Type: "Blocks", FromKey: "PAY-1", ToKey: "PAY-2"},
		{ID: 3, Type: "Blocks", FromKey: "XYZ-9", ToKey: "PAY-2"},
	}
	d.Issues[2].Flagged = true
	spec := smallSpec()
	spec.Programs = append(spec.Programs, ProgramSpec{Name: "Platform", Milestones: []MilestoneSpec{
		{Name: "Infra", Labels: []string{"infra"}, Due: at("2026-12-01")}}})
	d.Issues[6].Labels = []string{"infra"}
	r := Compute(Input{Data: d}, spec, testAsOf)
	m := r.Program("Payments").Milestone("Checkout")
	type row struct{ blocked, blocking, team, program, reason string }
	var got []row
	for _, b := range m.Blockers {
		x := row{blocked: b.Blocked.Key, team: b.BlockingTeam, program: b.OtherProgram, reason: b.Reason}
		if b.Blocking != nil {
			x.blocking = b.Blocking.Key
		}
		got = append(got, x)
	}
	want := []row{
		{"PAY-2", "OPS-1", "OPS", "Platform", BlockedByLink},
		{"PAY-2", "XYZ-9", "XYZ", "", BlockedByLink},
		{"PAY-3", "", "", "", BlockedByFlag},
	}
	if len(got) != len(want) {
		t.Fatalf("blockers: got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("blocker %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	var keys []string
	for _, it := range m.Evidence.Items {
		keys = append(keys, it.Key)
	}
	// In progress PAY-2 and acme/web#2, blocked to-do PAY-3, blocking OPS-1 and XYZ-9.
	if want := []string{"OPS-1", "PAY-2", "PAY-3", "XYZ-9", "acme/web#2"}; !slices.Equal(keys, want) {
		t.Errorf("evidence items: got %v, want %v", keys, want)
	}
	if deps := r.Program("Payments").Dependencies; len(deps) != 2 {
		t.Errorf("dependencies: got %d, want 2 (OPS-1, XYZ-9)", len(deps))
	}
}

func TestScopeChangeFromSnapshots(t *testing.T) {
	// Baseline snapshot on 2026-11-01 held 5 items; 4 are there now, 3 of them created after
	// 11-01 (PAY-2 on 11-01 itself is not "after"): PAY-3, acme/web#2 → A = 2... see below.
	hist := []Snapshot{
		{Program: "Payments", Milestone: "Checkout", Day: at("2026-11-01"), Scope: 5},
		{Program: "Payments", Milestone: "Checkout", Day: at("2026-11-18"), Scope: 3},
	}
	r := Compute(Input{Data: smallWorld(), History: hist}, smallSpec(), testAsOf)
	m := r.Program("Payments").Milestone("Checkout")
	// Since baseline 11-01: created after 11-01 (from 11-02): PAY-3, acme/web#2 → A = 2;
	// net = 4 − 5 = −1; added = max(2, −1) = 2, removed = 2 − (−1) = 3.
	// Week (snapshot 11-18, 3 items): A = 2, net = 1; added = 2, removed = 1.
	for _, tt := range []struct {
		name      string
		got, want int
	}{
		{"added since baseline", m.ScopeAddedSinceBaseline, 2},
		{"removed since baseline", m.ScopeRemovedSinceBaseline, 3},
		{"added week", m.ScopeAddedWeek, 2},
		{"removed week", m.ScopeRemovedWeek, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
	if !m.Baseline.Equal(at("2026-11-01")) {
		t.Errorf("baseline: got %v, want the first snapshot day 2026-11-01", m.Baseline)
	}
}

func TestBackfill(t *testing.T) {
	snaps := Backfill(Input{Data: smallWorld()}, smallSpec(), testAsOf, 30)
	byDay := map[string]Snapshot{}
	for _, s := range snaps {
		if s.Milestone == "Checkout" {
			byDay[s.Day.Format(time.DateOnly)] = s
		}
	}
	if len(byDay) != 30 {
		t.Fatalf("days: got %d, want 30", len(byDay))
	}
	// End of 10-30: PAY-1 created that day (new). End of 11-02: PAY-1 in progress (09:00),
	// PAY-2 created 11-01 (new). End of 11-04: PAY-1 done. End of 11-23: + PAY-3 (11-22),
	// acme/web#2 (11-23, open PR: in progress), PAY-2 in progress since 11-20.
	for _, tt := range []struct {
		day                   string
		scope, done, progress int
	}{
		{"2026-10-29", 0, 0, 0},
		{"2026-10-30", 1, 0, 0},
		{"2026-11-02", 2, 0, 1},
		{"2026-11-04", 2, 1, 0},
		{"2026-11-24", 4, 1, 2},
	} {
		t.Run(tt.day, func(t *testing.T) {
			s := byDay[tt.day]
			if s.Scope != tt.scope || s.Done != tt.done || s.InProgress != tt.progress || !s.Backfilled {
				t.Errorf("got scope %d done %d in progress %d backfilled %v, want %d %d %d true",
					s.Scope, s.Done, s.InProgress, s.Backfilled, tt.scope, tt.done, tt.progress)
			}
		})
	}
}

// TestFixtureCycleTimes reads the real Jira search response with changelogs from go-jira's
// mocks. Hand computation: its one issue, AR-86 (created 2015-12-02T07:39:15-08:00, status
// "Ready", category new, resolutiondate 2015-12-07T14:19:13-08:00), has two changelog
// histories, both on 2016-02-01T08:17:04-08:00, changing "summary" and "priority": no status
// change at all. So it never entered in progress and is not done (the status category wins
// over a stray resolution date): no cycle time, no lead time, zero throughput, one to-do item.
func TestFixtureCycleTimes(t *testing.T) {
	body, err := os.ReadFile("../../shared/fixtures/go-jira/mocks/issues_in_sprint_with_changelog.json")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixture: %v", err)
		}
		t.Skipf("fixture: %v", err)
	}
	var resp struct {
		Issues []struct {
			ID     string `json:"id"`
			Key    string `json:"key"`
			Fields struct {
				Created  string `json:"created"`
				Resolved string `json:"resolutiondate"`
				Status   struct {
					Name     string `json:"name"`
					Category struct {
						Key string `json:"key"`
					} `json:"statusCategory"`
				} `json:"status"`
			} `json:"fields"`
			Changelog struct {
				Histories []struct {
					ID      string `json:"id"`
					Created string `json:"created"`
					Items   []struct {
						Field, FromString, ToString string
					} `json:"items"`
				} `json:"histories"`
			} `json:"changelog"`
		} `json:"issues"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	const layout = "2006-01-02T15:04:05.000-0700"
	var d store.RollupData
	for n, is := range resp.Issues {
		created, _ := time.Parse(layout, is.Fields.Created)
		resolved, _ := time.Parse(layout, is.Fields.Resolved)
		ri := store.RollupIssue{ID: int64(n + 1), Key: is.Key, Project: "AR", Status: is.Fields.Status.Name,
			Category: cairn.StatusCategory(is.Fields.Status.Category.Key), Created: created.UTC(),
			Updated: created.UTC(), Resolved: resolved.UTC(), VersionIDs: []int64{1}}
		for _, h := range is.Changelog.Histories {
			for _, it := range h.Items {
				if it.Field == "status" {
					when, _ := time.Parse(layout, h.Created)
					ri.Transitions = append(ri.Transitions, store.RollupTransition{At: when.UTC()})
				}
			}
		}
		d.Issues = append(d.Issues, ri)
	}
	d.Versions = []store.RollupVersion{{ID: 1, Project: "AR", Name: "R1"}}
	asOf := time.Date(2016, 2, 10, 0, 0, 0, 0, time.UTC)
	r := Compute(Input{Data: d}, Spec{Programs: []ProgramSpec{{Name: "AR", Milestones: []MilestoneSpec{
		{Name: "R1", FixVersions: []string{"R1"}}}}}, Trials: 100}, asOf)
	f := r.Teams[0].Flow
	if len(d.Issues) != 1 || len(d.Issues[0].Transitions) != 0 {
		t.Fatalf("fixture: got %d issues, %d status changes; want 1 and 0", len(d.Issues), len(d.Issues[0].Transitions))
	}
	if f.CycleTime.Count != 0 || f.LeadTime.Count != 0 || f.CompletedTotal != 0 {
		t.Errorf("got cycle %d lead %d completed %d, want 0 0 0", f.CycleTime.Count, f.LeadTime.Count, f.CompletedTotal)
	}
	m := r.Programs[0].Milestones[0]
	if m.Scope.Todo != 1 || m.Scope.Total != 1 || m.Status != StatusGrey {
		t.Errorf("got todo %d total %d status %s, want 1 1 grey (no due date)", m.Scope.Todo, m.Scope.Total, m.Status)
	}
}
