package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenMigratesFromEmpty(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}
	for _, table := range []string{"jira_issues", "jira_status_changes", "jira_issue_links", "jira_versions",
		"jira_issue_versions", "jira_sprints", "jira_issue_sprints", "github_issues", "github_pull_requests",
		"github_reviews", "github_milestones", "pr_issue_links", "sync_runs", "sync_state"} {
		var n int
		if err := db.ReadDB().QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("table %s: got %d, want 1", table, n)
		}
	}
	var mode string
	if err := db.ReadDB().QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode: got %q, want wal", mode)
	}
	var fk int
	if err := db.write.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if fk != 1 {
		t.Errorf("foreign_keys: got %d, want 1", fk)
	}
}

func TestReopenIsNoOp(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cairn.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var first []string
	rows, err := db.ReadDB().QueryContext(ctx, `SELECT name || applied_at FROM schema_migrations ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		first = append(first, s)
	}
	rows.Close()
	db.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	var second []string
	rows, err = db.ReadDB().QueryContext(ctx, `SELECT name || applied_at FROM schema_migrations ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		second = append(second, s)
	}
	rows.Close()
	if len(first) == 0 || len(first) != len(second) {
		t.Fatalf("migrations: got %v after reopen, want %v", second, first)
	}
	for i := range first {
		if first[i] != second[i] {
			t.Errorf("migration %d: got %q, want %q (re-applied?)", i, second[i], first[i])
		}
	}
}

func TestConcurrentReadersDuringWrite(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if _, err := db.StartRun(ctx, "jira", "full", time.Now()); err != nil {
		t.Fatal(err)
	}
	// A long write transaction holds the write lock while readers keep reading the last
	// committed snapshot: WAL lets them through instead of waiting.
	inTx := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var writeErr error
	go func() {
		defer wg.Done()
		writeErr = db.Update(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sync_runs (connector, started_at, status) VALUES ('github', '2026-01-01T00:00:00Z', 'running')`); err != nil {
				return err
			}
			close(inTx)
			<-release
			return nil
		})
	}()
	<-inTx
	var readers sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			runs, err := db.Runs(ctx, "", 10)
			if err != nil {
				errs <- err
				return
			}
			if len(runs) != 1 {
				errs <- errors.New("reader saw uncommitted data")
			}
		}()
	}
	readers.Wait()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if writeErr != nil {
		t.Fatalf("write: %v", writeErr)
	}
	runs, err := db.Runs(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Errorf("after commit: got %d runs, want 2", len(runs))
	}
}

func TestRunLifecycle(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	okID, err := db.StartRun(ctx, "jira", "full", start)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FinishRun(ctx, okID, start.Add(time.Minute), cairn.Counts{New: 3, Pages: 1}, 4, nil); err != nil {
		t.Fatal(err)
	}
	failID, _ := db.StartRun(ctx, "jira", "incremental", start.Add(2*time.Minute))
	if err := db.FinishRun(ctx, failID, start.Add(3*time.Minute), cairn.Counts{}, 1, errors.New("search jira page 1: 500")); err != nil {
		t.Fatal(err)
	}
	hungID, _ := db.StartRun(ctx, "github", "incremental", start.Add(4*time.Minute))

	runs, err := db.Runs(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 || runs[0].ID != hungID || runs[2].ID != okID {
		t.Fatalf("runs: got %+v, want newest first", runs)
	}
	if runs[1].Status != cairn.RunFailed || runs[1].Error == "" {
		t.Errorf("failed run: got status %q error %q", runs[1].Status, runs[1].Error)
	}
	if runs[2].Counts.New != 3 || runs[2].Requests != 4 || !runs[2].FinishedAt.Equal(start.Add(time.Minute)) {
		t.Errorf("ok run: got %+v", runs[2])
	}
	last, err := db.LastSuccess(ctx, "jira")
	if err != nil || !last.Equal(start.Add(time.Minute)) {
		t.Errorf("last success: got %v %v, want %v", last, err, start.Add(time.Minute))
	}
	n, err := db.AbandonRuns(ctx, start.Add(time.Hour))
	if err != nil || n != 1 {
		t.Errorf("abandon: got %d %v, want 1", n, err)
	}
	r, err := db.Run(ctx, hungID)
	if err != nil || r.Status != cairn.RunFailed {
		t.Errorf("abandoned run: got %+v %v", r, err)
	}
	if _, err := db.Run(ctx, 999); !errors.Is(err, cairn.ErrNotFound) {
		t.Errorf("missing run: got %v, want ErrNotFound", err)
	}
}

func TestStateUpsertIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	empty, err := db.Empty(ctx)
	if err != nil || !empty {
		t.Fatalf("new database: empty=%v err=%v", empty, err)
	}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for range 3 {
		if err := db.Update(ctx, func(tx *sql.Tx) error { return SetCursor(ctx, tx, "jira", "PAY", "200", now) }); err != nil {
			t.Fatal(err)
		}
	}
	st, err := db.State(ctx, "jira", "PAY")
	if err != nil || st.Cursor != "200" || !st.Watermark.IsZero() {
		t.Fatalf("state: got %+v %v", st, err)
	}
	for range 2 {
		if err := db.CompleteScope(ctx, "jira", "PAY", now); err != nil {
			t.Fatal(err)
		}
	}
	st, _ = db.State(ctx, "jira", "PAY")
	if st.Cursor != "" || !st.Watermark.Equal(now) {
		t.Errorf("after complete: got %+v", st)
	}
	var rows int
	db.ReadDB().QueryRowContext(ctx, `SELECT count(*) FROM sync_state`).Scan(&rows)
	if rows != 1 {
		t.Errorf("sync_state rows: got %d, want 1", rows)
	}
	if empty, _ := db.Empty(ctx); empty {
		t.Error("empty after a completed scope")
	}
}

func TestReadPoolIsReadOnly(t *testing.T) {
	db := openTest(t)
	_, err := db.ReadDB().Exec(`INSERT INTO sync_state (connector, scope, updated_at) VALUES ('x', 'y', 'z')`)
	if err == nil {
		t.Fatal("write through the read pool succeeded, want an error")
	}
}

// A panic inside Update (which the sync runners recover) rolls its transaction back: what it
// wrote is gone and the one write connection is free for the next write.
func TestUpdateRollsBackOnPanic(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not reach the caller")
			}
		}()
		_ = db.Update(ctx, func(tx *sql.Tx) error {
			if _, err := tx.Exec(`INSERT INTO jira_site (name, value, fetched_at) VALUES ('x', 'lost', '2026-11-30T00:00:00Z')`); err != nil {
				t.Fatal(err)
			}
			panic("boom")
		})
	}()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.SaveJiraSite(wctx, map[string]string{"y": "kept"}, time.Now()); err != nil {
		t.Fatalf("write after a recovered panic: %v", err)
	}
	site, err := db.JiraSite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := site["x"]; ok || site["y"].Value != "kept" {
		t.Errorf("site facts = %v, want only y (the panicking transaction rolled back)", site)
	}
}
