package rollup

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/cairn-dev/cairn/store"
)

func TestRunStoresReportAndSnapshots(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`INSERT INTO jira_issues (id, key, project_key, status, status_category, created_at, updated_at, synced_at, raw_json)
			 VALUES (1, 'PAY-1', 'PAY', 'Done', 'done', '2026-10-01T00:00:00Z', '2026-10-06T00:00:00Z', '2026-11-01T00:00:00Z', '{}'),
			        (2, 'PAY-2', 'PAY', 'To Do', 'new', '2026-10-01T00:00:00Z', '2026-10-06T00:00:00Z', '2026-11-01T00:00:00Z', '{}')`,
			`INSERT INTO jira_status_changes (issue_id, history_id, at, to_status, from_category, to_category)
			 VALUES (1, 'h1', '2026-10-06T00:00:00Z', 'Done', 'new', 'done')`,
			`INSERT INTO jira_versions (id, project_key, name, release_date) VALUES (10, 'PAY', 'V1', '2026-12-15')`,
			`INSERT INTO jira_issue_versions (issue_id, version_id) VALUES (1, 10), (2, 10)`,
		} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.RepackJiraRollupRows(ctx); err != nil { // written by SQL, not the store's writer
		t.Fatal(err)
	}
	spec := Spec{Programs: []ProgramSpec{{Name: "Payments", Milestones: []MilestoneSpec{{Name: "V1", FixVersions: []string{"V1"}}}}}, Trials: 500}
	r, err := Run(ctx, db, spec, testAsOf)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Program("Payments").Milestone("V1")
	if m.Scope.Total != 2 || m.Scope.Done != 1 || m.DueSource != DueFromJiraVersion {
		t.Errorf("report: got total %d done %d due source %s, want 2 1 jira_version", m.Scope.Total, m.Scope.Done, m.DueSource)
	}
	snaps, err := Reports{DB: db}.Snapshots(ctx, "Payments", "V1", testAsOf.AddDate(0, 0, -200), testAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(snaps), BackfillDays+1; got != want {
		t.Fatalf("snapshots: got %d, want %d (backfill plus today)", got, want)
	}
	// Both created 10-01, PAY-1 done 10-06: 2026-10-01 is snapshot 29 (from 09-02).
	if s := snaps[29]; !s.Backfilled || s.Day.Format("2006-01-02") != "2026-10-01" || s.Scope != 2 || s.Done != 0 {
		t.Errorf("backfilled %s: got %+v, want 2026-10-01 scope 2, done 0", s.Day, s)
	}
	if s := snaps[34]; s.Day.Format("2006-01-02") != "2026-10-06" || s.Done != 1 {
		t.Errorf("backfilled %s: got %+v, want 2026-10-06 done 1", s.Day, s)
	}
	if last := snaps[len(snaps)-1]; last.Backfilled || last.Status != m.Status || last.Done != 1 {
		t.Errorf("today: got %+v, want the report's status %s and done 1", last, m.Status)
	}
	// A second run the same day does not backfill again and replaces today's snapshot.
	if _, err := Run(ctx, db, spec, testAsOf.Add(1)); err != nil {
		t.Fatal(err)
	}
	latest, err := Reports{DB: db}.LatestReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	week, err := Reports{DB: db}.ReportForWeek(ctx, "2026-W48")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(latest)
	b, _ := json.Marshal(week)
	if string(a) != string(b) || !latest.AsOf.Equal(testAsOf.Add(1)) {
		t.Errorf("latest and week 48 differ or as-of wrong: %s", latest.AsOf)
	}
	// The stored report decodes to what Compute returned (JSON round trip).
	c, _ := json.Marshal(r)
	var back Report
	if err := json.Unmarshal(c, &back); err != nil {
		t.Fatal(err)
	}
	d, _ := json.Marshal(back)
	if string(c) != string(d) {
		t.Errorf("report JSON does not round-trip")
	}
}

func TestMissingHistoryBackfillsOnlyNewMilestones(t *testing.T) {
	spec := smallSpec()
	in := Input{Data: smallWorld(), History: []Snapshot{{Program: "Payments", Milestone: "Checkout", Day: at("2026-11-20"), Scope: 4}}}
	back := missingHistory(in, spec, testAsOf)
	if len(back) != BackfillDays {
		t.Fatalf("got %d snapshots, want %d (Empty only)", len(back), BackfillDays)
	}
	for _, s := range back {
		if s.Milestone != "Empty" {
			t.Fatalf("backfilled %s, which has history", s.Milestone)
		}
	}
	in.History = append(in.History, Snapshot{Program: "Payments", Milestone: "Empty", Day: at("2026-11-20")})
	if got := missingHistory(in, spec, testAsOf); got != nil {
		t.Errorf("got %d snapshots, want none when every milestone has history", len(got))
	}
}

// TestWithGCPercent: the collector's headroom is at most the one asked for while fn runs, a
// tighter setting (or collection off) is kept, and the setting is put back afterwards.
func TestWithGCPercent(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	for _, c := range []struct{ before, during int }{{100, 25}, {10, 10}, {-1, -1}} {
		debug.SetGCPercent(c.before)
		var got int
		withGCPercent(25, func() {
			got = debug.SetGCPercent(c.during) // reads it (and writes it back)
		})
		if got != c.during {
			t.Errorf("GOGC %d: %d while computing, want %d", c.before, got, c.during)
		}
		if after := debug.SetGCPercent(100); after != c.before {
			t.Errorf("GOGC %d: %d afterwards, want it back", c.before, after)
		}
	}
}
