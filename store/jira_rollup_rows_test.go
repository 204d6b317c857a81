package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-dev/cairn"
)

// TestRollupRowsMigration: a database from before migration 0008 gets a rollup row for each
// live issue, the same bytes the page writer packs, and the rollup loads the same issues.
func TestRollupRowsMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cairn.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var issues []cairn.Issue
	for n := 1; n <= 30; n++ {
		is := capIssue("PAY", n, at.Add(time.Duration(n)*time.Hour))
		if n%3 == 0 {
			points := float64(n) / 4
			is.StoryPoints, is.Resolved, is.Labels = &points, is.Updated, []string{"x", "ä:1"}
		}
		if n%4 == 0 {
			is.FixVersionIDs, is.SprintIDs, is.Transitions = []int64{9, 2, 9}, nil, nil
		}
		issues = append(issues, is)
	}
	if _, _, err := db.SaveJiraIssues(ctx, JiraIssuePage{Scope: "PAY", Issues: issues}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkJiraDeleted(ctx, "PAY", []int64{issues[4].ID}, at); err != nil {
		t.Fatal(err)
	}
	written := rollupRows(t, db, "jira_rollup_rows")
	before, err := db.LoadRollupData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	execAll(t, db, `DROP VIEW jira_rollup_packed`, `DROP TABLE jira_rollup_rows`,
		`DELETE FROM schema_migrations WHERE name = '0008_jira_rollup_rows.sql'`)
	db.Close()

	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if len(written) != len(issues)-1 {
		t.Errorf("rows written: %d, want %d (one issue deleted)", len(written), len(issues)-1)
	}
	if diff := cmp.Diff(written, rollupRows(t, db, "jira_rollup_rows")); diff != "" {
		t.Errorf("rows after the migration differ from the writer's (-writer +migration):\n%s", diff)
	}
	after, err := db.LoadRollupData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before.Issues, after.Issues); diff != "" {
		t.Errorf("issues loaded after the migration (-before +after):\n%s", diff)
	}
}

// checkRollupRows holds jira_rollup_rows, which the store's writes keep, to its definition,
// the view jira_rollup_packed over the stored rows (migration 0008).
func checkRollupRows(t *testing.T, db *DB, what string) {
	t.Helper()
	if diff := cmp.Diff(rollupRows(t, db, "jira_rollup_packed"), rollupRows(t, db, "jira_rollup_rows")); diff != "" {
		t.Errorf("%s: jira_rollup_rows differ from jira_rollup_packed (-view +table):\n%s", what, diff)
	}
}

// rollupRows reads the rollup rows of table (or view) from: each row's packed text and points.
func rollupRows(t *testing.T, db *DB, from string) map[int64]string {
	t.Helper()
	rows, err := db.write.Query(`SELECT issue_id, packed, story_points FROM ` + from)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var packed string
		var points sql.NullFloat64
		if err := rows.Scan(&id, &packed, &points); err != nil {
			t.Fatal(err)
		}
		out[id] = fmt.Sprintf("%s points %v", packed, points)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRollupRowMalformed: a damaged rollup row fails the load with the issue's id, instead of
// giving the rollup a wrong issue.
func TestRollupRowMalformed(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	if _, _, err := db.SaveJiraIssues(ctx, JiraIssuePage{Scope: "PAY", Issues: []cairn.Issue{capIssue("PAY", 1, at)}}); err != nil {
		t.Fatal(err)
	}
	for _, packed := range []string{"", "5:PAY-1", "x", "3:PAY"} {
		execAll(t, db, `UPDATE jira_rollup_rows SET packed = '`+packed+`'`)
		if _, err := db.LoadRollup(ctx); err == nil {
			t.Errorf("packed %q: loaded, want an error", packed)
		}
	}
}
