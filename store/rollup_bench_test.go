package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// seedRollupTables fills the synced tables with issues issues (two status changes and one
// version each) and prs pull requests (a review and a key link each).
func seedRollupTables(b *testing.B, db *DB, issues, prs int) {
	b.Helper()
	ctx := context.Background()
	base := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	err := db.Update(ctx, func(tx *sql.Tx) error {
		is, err := tx.PrepareContext(ctx, `INSERT INTO jira_issues (id, key, project_key, issue_type, summary, status,
			status_category, labels, components, story_points, created_at, updated_at, synced_at, raw_json)
			VALUES (?, ?, ?, 'Story', 'summary text', 'Done', 'done', '["a"]', '[]', 3, ?, ?, ?, '{}')`)
		if err != nil {
			return err
		}
		sc, err := tx.PrepareContext(ctx, `INSERT INTO jira_status_changes (issue_id, history_id, at, from_status, to_status, from_category, to_category) VALUES (?, ?, ?, 'A', 'B', 'new', 'indeterminate')`)
		if err != nil {
			return err
		}
		iv, err := tx.PrepareContext(ctx, `INSERT INTO jira_issue_versions (issue_id, version_id) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		for i := 1; i <= issues; i++ {
			t := FormatTime(base.Add(time.Duration(i) * time.Minute))
			if _, err := is.ExecContext(ctx, i, fmt.Sprintf("P%02d-%d", i%20, i), fmt.Sprintf("P%02d", i%20), t, t, t); err != nil {
				return err
			}
			for h := range 2 {
				if _, err := sc.ExecContext(ctx, i, strconv.Itoa(h), t); err != nil {
					return err
				}
			}
			if _, err := iv.ExecContext(ctx, i, i%200); err != nil {
				return err
			}
		}
		pr, err := tx.PrepareContext(ctx, `INSERT INTO github_pull_requests (id, repo, number, title, state, created_at, updated_at, merged_at, raw_json) VALUES (?, ?, ?, 'title', 'closed', ?, ?, ?, '{}')`)
		if err != nil {
			return err
		}
		rv, err := tx.PrepareContext(ctx, `INSERT INTO github_reviews (id, repo, number, state, submitted_at) VALUES (?, ?, ?, 'APPROVED', ?)`)
		if err != nil {
			return err
		}
		ln, err := tx.PrepareContext(ctx, `INSERT INTO pr_issue_links (repo, number, issue_key, source) VALUES (?, ?, ?, 'title')`)
		if err != nil {
			return err
		}
		for n := 1; n <= prs; n++ {
			repo := fmt.Sprintf("acme/r%02d", n%20)
			t := FormatTime(base.Add(time.Duration(n) * time.Minute))
			if _, err := pr.ExecContext(ctx, n, repo, n, t, t, t); err != nil {
				return err
			}
			if _, err := rv.ExecContext(ctx, n, repo, n, t); err != nil {
				return err
			}
			if _, err := ln.ExecContext(ctx, repo, n, fmt.Sprintf("P%02d-%d", n%20, n)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = db.RepackJiraRollupRows(ctx) // written by SQL, not the store's writer
	}
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLoadRollupData loads a seeded database; CAIRN_BENCH_ISSUES and CAIRN_BENCH_PRS
// set its size (default 100 000 and 20 000; the target is 1 000 000 and 200 000).
func BenchmarkLoadRollupData(b *testing.B) {
	size := func(env string, def int) int {
		if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
			return n
		}
		return def
	}
	issues, prs := size("CAIRN_BENCH_ISSUES", 100_000), size("CAIRN_BENCH_PRS", 20_000)
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	seedRollupTables(b, db, issues, prs)
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var ms runtime.MemStats
	for b.Loop() {
		d, err := db.LoadRollupData(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(d.Issues) != issues || len(d.PRs) != prs {
			b.Fatalf("got %d issues %d prs, want %d %d", len(d.Issues), len(d.PRs), issues, prs)
		}
		runtime.ReadMemStats(&ms)
		runtime.KeepAlive(d)
	}
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
}
