package rollup

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// BenchmarkIncremental measures Engine.Update after one milestone's data changed: on
// BenchmarkRun's world (CAIRN_BENCH_ISSUES, CAIRN_BENCH_PRS; with CAIRN_BENCH_DB the seeded
// database is copied, never changed), the engine is primed with a full run, then each iteration
// writes, through the store's write paths as a sync would, three issues of milestone M000 moved
// to done and a review on a PR, advances asOf by a minute (a sync interval), and times Update
// until the report and snapshots are stored. It reports CPU seconds per update, the peak RSS of
// the priming full update (with the setup before it) and of the timed updates, and the heap the
// engine keeps between them. CAIRN_BENCH_NEW_ISSUE=1 adds a new Jira issue to each update,
// CAIRN_BENCH_NEW_PR=1 a new pull request (see benchChanger).
func BenchmarkIncremental(b *testing.B) {
	ctx := context.Background()
	db, spec, asOf := benchIncrementalDB(b)
	defer db.Close()
	e := NewEngine(db, spec)
	if _, info, err := e.Update(ctx, asOf); err != nil || !info.Full {
		b.Fatal(info, err)
	}
	fullPeak := peakRSS() // the priming full update's (and the benchmark's setup)
	ch := newBenchChanger(b, db, asOf)
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap := float64(ms.HeapAlloc) / (1 << 20)
	baseRSS := rss()                                        // the kept heap and everything outside it (SQLite's caches, stacks)
	if p := os.Getenv("CAIRN_BENCH_HEAPPROFILE"); p != "" { // what the engine keeps
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	resetPeakRSS := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	full, parts := 0, 0
	var phases [4]time.Duration
	recomputed, flows := 0, 0
	for b.Loop() {
		b.StopTimer()
		asOf = asOf.Add(time.Minute)
		ch.change(asOf)
		cpu0 := cpuTime()
		b.StartTimer()
		_, info, err := e.Update(ctx, asOf)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - cpu0
		if info.Full {
			full++
		}
		parts += info.Parts
		recomputed += info.Recomputed
		flows += info.Flows
		for k, d := range [...]time.Duration{info.Load, info.Compute, info.Encode, info.Save} {
			phases[k] += d
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(heap, "engine-heap-MB")
	b.ReportMetric(float64(full), "full-runs")
	b.ReportMetric(float64(parts)/float64(b.N), "parts-encoded/op")
	b.ReportMetric(float64(recomputed)/float64(b.N), "milestones-recomputed/op")
	b.ReportMetric(float64(flows)/float64(b.N), "flows-recomputed/op")
	b.ReportMetric(float64(baseRSS)/(1<<20), "kept-RSS-MB")
	if fullPeak > 0 {
		b.ReportMetric(float64(fullPeak)/(1<<20), "full-peak-RSS-MB")
	}
	for k, name := range []string{"patch", "compute", "encode", "save"} {
		b.ReportMetric(phases[k].Seconds()/float64(b.N), name+"-s/op")
	}
	if hwm := peakRSS(); resetPeakRSS && hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MB")
	}
}

// benchIncrementalDB is benchRunDB on a copy of the kept database (when CAIRN_BENCH_DB is set).
func benchIncrementalDB(b *testing.B) (*store.DB, Spec, time.Time) {
	p := os.Getenv("CAIRN_BENCH_DB")
	if p == "" {
		return benchRunDB(b)
	}
	issues, prs := benchSize("CAIRN_BENCH_ISSUES", 50_000), benchSize("CAIRN_BENCH_PRS", 10_000)
	src := fmt.Sprintf("%s-%d-%d.db", p, issues, prs)
	if _, err := os.Stat(src); err != nil {
		// Seed it once (benchRunDB keeps it), then copy.
		db, _, _ := benchRunDB(b)
		db.Close()
	}
	dst := filepath.Join(b.TempDir(), "incremental.db")
	if err := copyFile(src, dst); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(context.Background(), dst)
	if err != nil {
		b.Fatal(err)
	}
	return db, runWorldSpec(), time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// benchChanger rewrites issues of version V000 (milestone M000) and a PR as a sync would.
type benchChanger struct {
	b      *testing.B
	db     *store.DB
	issues []cairn.Issue
	pr     cairn.PullRequest
	next   int
	review int64
	// created adds a new issue to the milestone each time too (CAIRN_BENCH_NEW_ISSUE=1): the
	// engine's fallback, a world rebuilt from the patched data.
	created bool
	newID   int64
	// newPRs adds a new pull request each time too (CAIRN_BENCH_NEW_PR=1): the highest number
	// of its repo (acme/r01, in the middle of the PR table), reviewed, every other one carrying
	// the key of an issue of the milestone.
	newPRs bool
	newPR  int
}

func newBenchChanger(b *testing.B, db *store.DB, asOf time.Time) *benchChanger {
	ctx := context.Background()
	c := &benchChanger{b: b, db: db, review: 1 << 40, created: os.Getenv("CAIRN_BENCH_NEW_ISSUE") == "1",
		newPRs: os.Getenv("CAIRN_BENCH_NEW_PR") == "1"}
	err := db.View(ctx, func(tx *sql.Tx) error {
		// The issues in progress (the seed leaves a few per milestone), with what a sync would
		// send again: their history, fix version and sprint.
		rows, err := tx.QueryContext(ctx, `SELECT i.id, i.key, i.project_key, i.created_at, s.sprint_id FROM jira_issues i
			JOIN jira_issue_versions v ON v.issue_id = i.id JOIN jira_issue_sprints s ON s.issue_id = i.id
			WHERE v.version_id = 0 AND i.deleted_at IS NULL AND i.status_category = 'indeterminate' ORDER BY i.id LIMIT 300`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var is cairn.Issue
			var created string
			var sprint int64
			if err := rows.Scan(&is.ID, &is.Key, &is.ProjectKey, &created, &sprint); err != nil {
				return err
			}
			is.Created = store.ParseTime(sql.NullString{String: created, Valid: true})
			is.Updated = is.Created
			is.IssueType, is.Summary, is.Labels, is.FixVersionIDs = "Story", "a summary of some length", []string{"x"}, []int64{0}
			is.SprintIDs, is.Status, is.StatusCategory = []int64{sprint}, "In Progress", cairn.CategoryIndeterminate
			p := 3.0
			is.StoryPoints = &p
			c.issues = append(c.issues, is)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range c.issues {
			is := &c.issues[i]
			trs, err := tx.QueryContext(ctx, `SELECT history_id, at, to_status, from_category, to_category
				FROM jira_status_changes WHERE issue_id = ? ORDER BY rowid`, is.ID)
			if err != nil {
				return err
			}
			for trs.Next() {
				var t cairn.Transition
				var at string
				var from, to sql.NullString
				if err := trs.Scan(&t.HistoryID, &at, &t.ToStatus, &from, &to); err != nil {
					trs.Close()
					return err
				}
				t.At = store.ParseTime(sql.NullString{String: at, Valid: true})
				t.FromCategory, t.ToCategory = cairn.StatusCategory(from.String), cairn.StatusCategory(to.String)
				is.Transitions = append(is.Transitions, t)
			}
			trs.Close()
		}
		var created string
		c.pr = cairn.PullRequest{ID: 1, Repo: "acme/r01", Number: 1, Title: "a title", State: "closed"}
		if err := tx.QueryRowContext(ctx, `SELECT created_at FROM github_pull_requests WHERE id = 1`).Scan(&created); err != nil {
			return err
		}
		c.pr.Created = store.ParseTime(sql.NullString{String: created, Valid: true})
		c.pr.Merged = c.pr.Created.Add(30 * time.Hour)
		return nil
	})
	if err != nil || len(c.issues) < 3 {
		b.Fatal(len(c.issues), err)
	}
	return c
}

// change moves the next three issues to a new status at asOf (done, or back in progress: within
// the current week, so the teams' weekly throughput, and with it every forecast, stays) and adds a
// review to the PR.
func (c *benchChanger) change(asOf time.Time) {
	ctx := context.Background()
	var page []cairn.Issue
	for range 3 {
		is := &c.issues[c.next%len(c.issues)]
		c.next++
		from, to := cairn.CategoryIndeterminate, cairn.CategoryDone
		status := "Done"
		if is.StatusCategory == cairn.CategoryDone {
			from, to, status = cairn.CategoryDone, cairn.CategoryIndeterminate, "In Progress"
		}
		is.Transitions = append(is.Transitions, cairn.Transition{HistoryID: fmt.Sprint(10 + len(is.Transitions)),
			At: asOf.Add(-time.Second), FromStatus: is.Status, ToStatus: status, FromCategory: from, ToCategory: to})
		is.Status, is.StatusCategory, is.Updated = status, to, asOf.Add(-time.Second)
		is.Raw = []byte(fmt.Sprintf(`{"id":%d,"n":%d}`, is.ID, c.next))
		page = append(page, *is)
	}
	if c.created {
		// A new issue in the milestone: a row added, so the engine rebuilds its world.
		c.newID++
		p := 1.0
		page = append(page, cairn.Issue{ID: 1<<40 + c.newID, Key: fmt.Sprintf("%s-%d", page[0].ProjectKey, 1<<30+c.newID),
			ProjectKey: page[0].ProjectKey, IssueType: "Story", Summary: "a new issue", Status: "To Do",
			StatusCategory: cairn.CategoryNew, Created: asOf.Add(-time.Second), Updated: asOf.Add(-time.Second),
			FixVersionIDs: []int64{0}, StoryPoints: &p, Raw: []byte(`{}`)})
	}
	if _, _, err := c.db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: page[0].ProjectKey, Issues: page}); err != nil {
		c.b.Fatal(err)
	}
	c.review++
	c.pr.Updated = asOf.Add(-time.Second)
	c.pr.Raw = []byte(fmt.Sprintf(`{"n":%d}`, c.review))
	rv := cairn.Review{ID: c.review, Repo: c.pr.Repo, Number: c.pr.Number, State: "COMMENTED", SubmittedAt: asOf.Add(-time.Second)}
	prs := store.GitHubPRPage{Repo: c.pr.Repo, PRs: []cairn.PullRequest{c.pr}, Reviews: []cairn.Review{rv}}
	if c.newPRs {
		c.newPR++
		n := 1<<30 + c.newPR
		p := cairn.PullRequest{ID: 1<<40 + int64(n), Repo: c.pr.Repo, Number: n, Title: "a new change", State: "open",
			Author: "dev", Created: asOf.Add(-time.Hour), Updated: asOf.Add(-time.Second), Raw: []byte(`{}`)}
		c.review++
		prs.PRs = append(prs.PRs, p)
		prs.Reviews = append(prs.Reviews, cairn.Review{ID: c.review, Repo: p.Repo, Number: n, State: "APPROVED",
			SubmittedAt: asOf.Add(-time.Second)})
		if c.newPR%2 == 0 {
			prs.Links = append(prs.Links, cairn.PRIssueLink{Repo: p.Repo, Number: n,
				IssueKey: c.issues[c.newPR%len(c.issues)].Key, Source: "title"})
		}
	}
	if _, _, err := c.db.SaveGitHubPullRequests(ctx, prs); err != nil {
		c.b.Fatal(err)
	}
}

// rss is the process's resident set size now (/proc/self/status VmRSS), or 0.
func rss() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
