package rollup

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/store"
)

// BenchmarkRun measures a full rollup (load, compute, store report and snapshots) on a database
// seeded with CAIRN_BENCH_ISSUES issues (default 50 000; two status changes, one of 200
// versions and one of 40 sprints each) and CAIRN_BENCH_PRS PRs (default 10 000; a review each,
// half carrying a key), 200 milestones. The first (backfilling) run is outside the timing.
func BenchmarkRun(b *testing.B) {
	ctx := context.Background()
	db, spec, asOf := benchRunDB(b)
	defer db.Close()
	// Peak RSS of the timed runs alone: the seeding and the backfill are freed and the
	// high-water mark reset (Linux clear_refs 5) before the loop.
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := Run(ctx, db, spec, asOf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// CPU seconds (user + system) per run: on a shared machine wall time grows with other
	// work, CPU time much less.
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	}
	if hwm := peakRSS(); resetPeakRSS && hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MB")
	}
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRunDB opens BenchmarkRun's seeded database and runs the first (backfilling) rollup. With
// CAIRN_BENCH_DB=path the database is kept there and reused by later runs of the same size
// (seeding a million issues takes minutes).
func benchRunDB(b *testing.B) (*store.DB, Spec, time.Time) {
	ctx := context.Background()
	issues, prs := benchSize("CAIRN_BENCH_ISSUES", 50_000), benchSize("CAIRN_BENCH_PRS", 10_000)
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(b.TempDir(), "bench.db")
	reuse := false
	if p := os.Getenv("CAIRN_BENCH_DB"); p != "" {
		path = fmt.Sprintf("%s-%d-%d.db", p, issues, prs)
		_, err := os.Stat(path)
		reuse = err == nil
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	spec := runWorldSpec()
	if !reuse {
		seedRunWorld(b, db, issues, prs, asOf)
		if _, err := Run(ctx, db, spec, asOf.Add(-time.Hour)); err != nil { // backfill
			b.Fatal(err)
		}
	}
	return db, spec, asOf
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes, or 0 where unknown.
func peakRSS() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// seedRunWorld fills db with BenchmarkRun's world (see there) and returns its spec: one
// milestone per version, 10 per program.
func seedRunWorld(tb testing.TB, db *store.DB, issues, prs int, asOf time.Time) Spec {
	tb.Helper()
	ctx := context.Background()
	rng := NewSplitMix64(7)
	err := db.Update(ctx, func(tx *sql.Tx) error {
		exec := func(q string, args ...any) error { _, err := tx.ExecContext(ctx, q, args...); return err }
		var spec []string
		for v := range 200 {
			if err := exec(`INSERT INTO jira_versions (id, project_key, name, release_date) VALUES (?, ?, ?, ?)`,
				v, fmt.Sprintf("P%02d", v%20), fmt.Sprintf("V%03d", v), asOf.AddDate(0, 0, 14+v%60).Format(time.DateOnly)); err != nil {
				return err
			}
			spec = append(spec, fmt.Sprintf("V%03d", v))
		}
		for s := range 40 {
			end := asOf.AddDate(0, 0, -7*(s%12+1))
			if err := exec(`INSERT INTO jira_sprints (id, name, state, start_at, end_at, complete_at) VALUES (?, ?, 'closed', ?, ?, ?)`,
				s, fmt.Sprintf("S%02d", s), store.FormatTime(end.AddDate(0, 0, -14)), store.FormatTime(end), store.FormatTime(end)); err != nil {
				return err
			}
		}
		is, err := tx.PrepareContext(ctx, `INSERT INTO jira_issues (id, key, project_key, issue_type, summary, status,
			status_category, labels, story_points, created_at, updated_at, synced_at, raw_json)
			VALUES (?, ?, ?, 'Story', 'a summary of some length', ?, ?, '["x"]', 3, ?, ?, ?, '{}')`)
		if err != nil {
			return err
		}
		sc, err := tx.PrepareContext(ctx, `INSERT INTO jira_status_changes (issue_id, history_id, at, to_status, from_category, to_category) VALUES (?, ?, ?, 'S', ?, ?)`)
		if err != nil {
			return err
		}
		for i := 1; i <= issues; i++ {
			created := asOf.Add(-time.Duration(rng.IntN(26*7*24)) * time.Hour)
			start := created.Add(time.Duration(rng.IntN(100)) * time.Hour)
			end := start.Add(time.Duration(1+rng.IntN(300)) * time.Hour)
			cat, status := "done", "Done"
			if end.After(asOf) {
				cat, status = "indeterminate", "In Progress"
			}
			key := fmt.Sprintf("P%02d-%d", i%20, i)
			if _, err := is.ExecContext(ctx, i, key, fmt.Sprintf("P%02d", i%20), status, cat,
				store.FormatTime(created), store.FormatTime(created), store.FormatTime(asOf)); err != nil {
				return err
			}
			if err := exec(`INSERT INTO jira_issue_versions (issue_id, version_id) VALUES (?, ?)`, i, rng.IntN(200)); err != nil {
				return err
			}
			if _, err := sc.ExecContext(ctx, i, "1", store.FormatTime(start), "new", "indeterminate"); err != nil {
				return err
			}
			if cat == "done" {
				if _, err := sc.ExecContext(ctx, i, "2", store.FormatTime(end), "indeterminate", "done"); err != nil {
					return err
				}
			}
			if err := exec(`INSERT INTO jira_issue_sprints (issue_id, sprint_id) VALUES (?, ?)`, i, rng.IntN(40)); err != nil {
				return err
			}
		}
		for n := 1; n <= prs; n++ {
			repo := fmt.Sprintf("acme/r%02d", n%20)
			created := asOf.Add(-time.Duration(rng.IntN(26*7*24)) * time.Hour)
			if err := exec(`INSERT INTO github_pull_requests (id, repo, number, title, state, created_at, updated_at, merged_at, raw_json)
				VALUES (?, ?, ?, 'a title', 'closed', ?, ?, ?, '{}')`, n, repo, n, store.FormatTime(created),
				store.FormatTime(created), store.FormatTime(created.Add(30*time.Hour))); err != nil {
				return err
			}
			if err := exec(`INSERT INTO github_reviews (id, repo, number, state, submitted_at) VALUES (?, ?, ?, 'APPROVED', ?)`,
				n, repo, n, store.FormatTime(created.Add(5*time.Hour))); err != nil {
				return err
			}
			if n%2 == 0 {
				if err := exec(`INSERT INTO pr_issue_links (repo, number, issue_key, source) VALUES (?, ?, ?, 'title')`,
					repo, n, fmt.Sprintf("P%02d-%d", n%20, 1+rng.IntN(issues))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		err = db.RepackJiraRollupRows(ctx) // written by SQL, not the store's writer
	}
	if err != nil {
		tb.Fatal(err)
	}
	return runWorldSpec()
}

// runWorldSpec is the spec of seedRunWorld's world.
func runWorldSpec() Spec {
	var spec Spec
	for v := range 200 {
		if v%10 == 0 {
			spec.Programs = append(spec.Programs, ProgramSpec{Name: fmt.Sprintf("Program %d", v/10)})
		}
		p := &spec.Programs[len(spec.Programs)-1]
		p.Milestones = append(p.Milestones, MilestoneSpec{Name: fmt.Sprintf("M%03d", v), FixVersions: []string{fmt.Sprintf("V%03d", v)}})
	}
	return spec
}
