package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
)

func exec(t *testing.T, db *DB, query string, args ...any) {
	t.Helper()
	if err := db.Update(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(query, args...)
		return err
	}); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestLoadRollupData(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	exec(t, db, `INSERT INTO jira_issues (id, key, project_key, issue_type, subtask, summary, status,
		status_category, assignee, priority, labels, components, story_points, epic_key, parent_key,
		flagged, created_at, updated_at, resolved_at, synced_at, deleted_at, raw_json) VALUES
		(2, 'PAY-2', 'PAY', 'Story', 0, 'Two', 'In Progress', 'indeterminate', 'Ann', 'Blocker', '["a","b"]', '["api"]', 3, 'PAY-100', NULL, 1, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', NULL, '2026-11-02T00:00:00Z', NULL, '{}'),
		(1, 'PAY-1', 'PAY', 'Story', 0, 'One', 'Done', 'done', NULL, NULL, '[]', '[]', NULL, NULL, NULL, 0, '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z', '2026-10-05T00:00:00Z', '2026-11-02T00:00:00Z', NULL, '{}'),
		(3, 'PAY-3', 'PAY', 'Story', 0, 'Gone', 'To Do', 'new', NULL, NULL, '[]', '[]', NULL, NULL, NULL, 0, '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z', NULL, '2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z', '{}')`)
	exec(t, db, `INSERT INTO jira_status_changes (issue_id, history_id, at, from_status, to_status, from_category, to_category) VALUES
		(1, 'h2', '2026-10-05T00:00:00Z', 'In Progress', 'Done', 'indeterminate', 'done'),
		(1, 'h1', '2026-10-02T00:00:00Z', 'To Do', 'In Progress', 'new', 'indeterminate'),
		(3, 'h3', '2026-10-02T00:00:00Z', 'To Do', 'In Progress', 'new', 'indeterminate')`)
	exec(t, db, `INSERT INTO jira_versions (id, project_key, name, release_date, released) VALUES (10, 'PAY', 'V1', '2026-12-15', 0), (11, 'PAY', 'V2', NULL, 0)`)
	exec(t, db, `INSERT INTO jira_issue_versions (issue_id, version_id) VALUES (1, 10), (2, 10), (2, 11)`)
	exec(t, db, `INSERT INTO jira_sprints (id, name, state, start_at, end_at, complete_at) VALUES (5, 'S1', 'closed', '2026-10-01T00:00:00Z', '2026-10-14T00:00:00Z', '2026-10-14T01:00:00Z')`)
	exec(t, db, `INSERT INTO jira_issue_sprints (issue_id, sprint_id) VALUES (1, 5)`)
	exec(t, db, `INSERT INTO jira_issue_links (id, type, from_key, to_key) VALUES (1, 'Blocks', 'OPS-1', 'PAY-2')`)
	exec(t, db, `INSERT INTO github_pull_requests (id, repo, number, title, state, draft, created_at, updated_at, merged_at, milestone, labels, deleted_at, raw_json) VALUES
		(100, 'acme/web', 7, 'PAY-1 fix', 'closed', 0, '2026-10-03T00:00:00Z', '2026-10-04T00:00:00Z', '2026-10-04T00:00:00Z', 'v1', '["x"]', NULL, '{}'),
		(101, 'acme/web', 8, 'gone', 'open', 0, '2026-10-03T00:00:00Z', '2026-10-04T00:00:00Z', NULL, NULL, '[]', '2026-10-05T00:00:00Z', '{}')`)
	exec(t, db, `INSERT INTO github_reviews (id, repo, number, author, state, submitted_at) VALUES
		(1, 'acme/web', 7, 'bo', 'COMMENTED', '2026-10-03T05:00:00Z'), (2, 'acme/web', 7, 'cy', 'APPROVED', '2026-10-03T02:00:00Z'),
		(3, 'acme/web', 7, 'dee', 'PENDING', '2026-10-03T01:00:00Z')`)
	exec(t, db, `INSERT INTO pr_issue_links (repo, number, issue_key, source) VALUES ('acme/web', 7, 'PAY-1', 'title'), ('acme/web', 7, 'PAY-1', 'branch')`)
	exec(t, db, `INSERT INTO github_milestones (repo, number, title, state, due_on) VALUES ('acme/web', 1, 'v1', 'open', '2026-12-20T00:00:00Z')`)
	exec(t, db, `INSERT INTO github_issues (id, repo, number, title, state, created_at, updated_at, raw_json) VALUES (200, 'acme/web', 9, 'bug', 'open', '2026-10-03T00:00:00Z', '2026-10-03T00:00:00Z', '{}')`)
	exec(t, db, `INSERT INTO sync_runs (connector, started_at, finished_at, status) VALUES
		('jira', '2026-11-02T00:00:00Z', '2026-11-02T00:05:00Z', 'ok'), ('jira', '2026-11-03T00:00:00Z', '2026-11-03T00:05:00Z', 'failed')`)
	if err := db.RepackJiraRollupRows(ctx); err != nil { // written by SQL, not the store's writer
		t.Fatal(err)
	}

	d, err := db.LoadRollupData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Issues) != 2 || d.Issues[0].Key != "PAY-1" || d.Issues[1].Key != "PAY-2" {
		t.Fatalf("issues: got %+v, want PAY-1, PAY-2 (deleted PAY-3 left out)", d.Issues)
	}
	p1, p2 := d.Issues[0], d.Issues[1]
	if len(p1.Transitions) != 2 || p1.Transitions[0].To != cairn.CategoryIndeterminate || p1.Transitions[1].To != cairn.CategoryDone {
		t.Errorf("PAY-1 transitions: got %+v, want in progress then done, oldest first", p1.Transitions)
	}
	if !p1.Resolved.Equal(time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)) || p1.Estimated || !slices.Equal(p1.SprintIDs, []int64{5}) {
		t.Errorf("PAY-1: got resolved %v estimated %v sprints %v", p1.Resolved, p1.Estimated, p1.SprintIDs)
	}
	if !p2.Estimated || p2.Points != 3 || !p2.Flagged || p2.Priority != "Blocker" || p2.Assignee != "Ann" ||
		p2.EpicKey != "PAY-100" || !slices.Equal(p2.Labels, []string{"a", "b"}) || !slices.Equal(p2.Components, []string{"api"}) ||
		!slices.Equal(p2.VersionIDs, []int64{10, 11}) {
		t.Errorf("PAY-2: got %+v", p2)
	}
	if len(d.Versions) != 2 || !d.Versions[1].ReleaseDate.IsZero() || d.Versions[0].ReleaseDate.Format(time.DateOnly) != "2026-12-15" {
		t.Errorf("versions: got %+v", d.Versions)
	}
	if len(d.PRs) != 1 || !d.PRs[0].FirstReview.Equal(time.Date(2026, 10, 3, 2, 0, 0, 0, time.UTC)) || d.PRs[0].Milestone != "v1" {
		t.Errorf("PRs: got %+v, want #7 with first review 02:00 (pending ignored), deleted #8 left out", d.PRs)
	}
	if len(d.PRLinks) != 1 || len(d.Links) != 1 || len(d.Sprints) != 1 || len(d.Milestones) != 1 || len(d.GitHubIssues) != 1 {
		t.Errorf("got %d pr links, %d links, %d sprints, %d milestones, %d github issues; want 1 each",
			len(d.PRLinks), len(d.Links), len(d.Sprints), len(d.Milestones), len(d.GitHubIssues))
	}
	if got := d.DataAsOf["jira"]; !got.Equal(time.Date(2026, 11, 2, 0, 5, 0, 0, time.UTC)) {
		t.Errorf("jira data as of: got %v, want the last ok run 2026-11-02T00:05", got)
	}
}

func TestReportsRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, err := db.LatestReport(ctx); !errors.Is(err, cairn.ErrNotFound) {
		t.Fatalf("empty: got %v, want ErrNotFound", err)
	}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
	for _, r := range []struct {
		at   time.Time
		week string
		body string
	}{
		{day(17), "2026-W47", `{"n":1}`}, {day(19), "2026-W47", `{"n":2}`}, {day(24), "2026-W48", `{"n":3}`},
	} {
		if _, err := db.SaveReport(ctx, r.at, r.week, []byte(r.body)); err != nil {
			t.Fatal(err)
		}
	}
	latest, err := db.LatestReport(ctx)
	if err != nil || string(latest.JSON) != `{"n":3}` || latest.ISOWeek != "2026-W48" || !latest.AsOf.Equal(day(24)) {
		t.Errorf("latest: got %+v, %v; want n 3 of 2026-W48", latest, err)
	}
	w47, err := db.ReportForWeek(ctx, "2026-W47")
	if err != nil || string(w47.JSON) != `{"n":2}` {
		t.Errorf("week 47: got %s, %v; want the last of the week, n 2", w47.JSON, err)
	}
	var n int
	if err := db.ReadDB().QueryRow(`SELECT count(*) FROM rollup_reports`).Scan(&n); err != nil || n != 2 {
		t.Errorf("stored reports: got %d, %v; want 2, the last of each week", n, err)
	}
	if _, err := db.ReportForWeek(ctx, "2026-W01"); !errors.Is(err, cairn.ErrNotFound) {
		t.Errorf("unknown week: got %v, want ErrNotFound", err)
	}
}

func TestSnapshots(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	d := func(n int) time.Time { return time.Date(2026, 11, n, 0, 0, 0, 0, time.UTC) }
	rows := []SnapshotRow{
		{Program: "P", Milestone: "M", Day: d(1), Scope: 5, Done: 1, OnTime: -1, Status: "", Backfilled: true},
		{Program: "P", Milestone: "M", Day: d(2), Scope: 6, Done: 2, InProgress: 1, ScopePoints: 8, DonePoints: 3,
			P50: d(20), P85: d(27), P95: d(30), OnTime: 0.75, Status: "amber"},
		{Program: "P", Milestone: "N", Day: d(2), Scope: 1, OnTime: -1, Status: "grey"},
	}
	if err := db.SaveSnapshots(ctx, rows); err != nil {
		t.Fatal(err)
	}
	// Upsert: a second rollup on the same day replaces the row.
	rows[1].Done = 4
	if err := db.SaveSnapshots(ctx, rows[1:2]); err != nil {
		t.Fatal(err)
	}
	got, err := db.Snapshots(ctx, "P", "M", d(1), d(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d snapshots, want 2", len(got))
	}
	want := rows[1]
	if g := got[1]; g.Done != 4 || g.OnTime != 0.75 || !g.P85.Equal(want.P85) || g.Status != "amber" || g.ScopePoints != 8 || !g.Day.Equal(d(2)) {
		t.Errorf("day 2: got %+v, want %+v", g, want)
	}
	if g := got[0]; g.OnTime != -1 || !g.Backfilled || !g.P50.IsZero() {
		t.Errorf("day 1: got %+v, want on time -1, backfilled, no forecast", g)
	}
	all, err := db.Snapshots(ctx, "", "", d(1), d(30))
	if err != nil || len(all) != 3 {
		t.Errorf("all: got %d, %v; want 3", len(all), err)
	}
}

func TestParseBytes(t *testing.T) {
	for _, s := range []string{"2026-11-25T12:03:04Z", "2026-11-25T12:03:04.5Z", "2026-11-25T12:03:04.123456789Z",
		"2026-11-25", "2026-11-25T12:03:04+02:00", "", "garbage"} {
		t.Run(s, func(t *testing.T) {
			want := ParseTime(sql.NullString{String: s, Valid: s != ""})
			if got := parseBytes([]byte(s)); !got.Equal(want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

// TestSaveReportPartsWithoutBody: a part given by hash alone is the stored one; once no report
// uses it (another report of the week replaced them all), it is ErrPartMissing.
func TestSaveReportPartsWithoutBody(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"m":1}`)
	part := ReportPart{Offset: 1, Body: body, Hash: PartHash(body)}
	if _, err := db.SaveReportParts(ctx, at, "2026-W48", []byte(`[]`), []ReportPart{part}); err != nil {
		t.Fatal(err)
	}
	part.Body = nil
	if _, err := db.SaveReportParts(ctx, at.Add(time.Minute), "2026-W48", []byte(`[,{"x":2}]`), []ReportPart{part, {Offset: 1, Body: []byte(`{"m":3}`), Hash: PartHash([]byte(`{"m":3}`))}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.LatestReport(ctx)
	if err != nil || string(got.JSON) != `[{"m":1}{"m":3},{"x":2}]` {
		t.Fatalf("latest: %s, %v", got.JSON, err)
	}
	if _, err := db.SaveReport(ctx, at.Add(2*time.Minute), "2026-W48", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveReportParts(ctx, at.Add(3*time.Minute), "2026-W48", []byte(`[]`), []ReportPart{part}); !errors.Is(err, ErrPartMissing) {
		t.Fatalf("a part no report uses, without its body: got %v, want ErrPartMissing", err)
	}
	if got, err := db.LatestReport(ctx); err != nil || string(got.JSON) != `{}` {
		t.Errorf("the failed save left %s, %v; want the last report", got.JSON, err)
	}
}
