package syncer_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	jc "github.com/cairn-dev/cairn/connectors/jira"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// benchIssues is the size of the Jira benchmarks' data set: CAIRN_BENCH_JIRA_ISSUES, else 20,000.
func benchIssues(b *testing.B) int {
	if v, err := strconv.Atoi(os.Getenv("CAIRN_BENCH_JIRA_ISSUES")); err == nil && v > 0 {
		return v
	}
	return 20000
}

func benchSite(b *testing.B, d string, projects []string, perProject int, latency time.Duration) *jiraSite {
	b.Helper()
	clock := newClock()
	so := jiratest.Options{Deployment: d, Now: clock.Now, Token: e2eToken, Latency: latency}
	co := jc.Options{Deployment: jc.DeploymentAuto, Token: e2eToken, Sleep: clock.Sleep, Now: clock.Now}
	if d == jiratest.Cloud {
		so.Email, co.Email = e2eEmail, e2eEmail
	}
	srv := jiratest.New(so)
	b.Cleanup(srv.Close)
	srv.Generate(jiratest.GenOptions{Projects: projects, IssuesPerProject: perProject, Seed: 1})
	co.BaseURL = srv.BaseURL()
	client, err := jc.New(co)
	if err != nil {
		b.Fatal(err)
	}
	return &jiraSite{srv: srv, client: client, clock: clock}
}

// BenchmarkJiraFullSync measures a full sync of one project from the fake into a fresh
// database, beside its two halves measured in the same run: fetch and decode only (the
// client paging through the search) and store only (the same pages saved again).
func BenchmarkJiraFullSync(b *testing.B) {
	n := benchIssues(b)
	for _, d := range deployments {
		b.Run(d, func(b *testing.B) {
			s := benchSite(b, d, []string{"PAY"}, n, 0)
			ctx := context.Background()
			var fetch, save, total time.Duration
			var requests int
			onlySync := os.Getenv("CAIRN_BENCH_JIRA_ONLY_SYNC") != "" // for profiling the whole sync
			for i := 0; i < b.N; i++ {
				// Fetch and decode only.
				start := time.Now()
				var pages []cairn.JiraPage
				for cursor := ""; !onlySync; {
					p, err := s.client.Search(ctx, `project in ("PAY") ORDER BY created ASC, key ASC`, cursor)
					if err != nil {
						b.Fatal(err)
					}
					pages = append(pages, p)
					if cursor = p.Next; cursor == "" {
						break
					}
				}
				fetch += time.Since(start)

				// Store only.
				db := openBenchDB(b, s.clock)
				start = time.Now()
				for _, p := range pages {
					if _, _, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "PAY", Issues: p.Issues, Cursor: "c"}); err != nil {
						b.Fatal(err)
					}
				}
				save += time.Since(start)
				pages = nil

				// The whole sync.
				db = openBenchDB(b, s.clock)
				start = time.Now()
				res, err := s.runner(db, "PAY").Run(ctx, true)
				if err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
				requests += res.Requests
				if res.Counts.New != n {
					b.Fatalf("synced %d new issues, want %d", res.Counts.New, n)
				}
			}
			per := func(d time.Duration) float64 { return float64(n*b.N) / d.Seconds() }
			b.ReportMetric(per(total), "issues/s")
			b.ReportMetric(per(fetch), "fetch-issues/s")
			b.ReportMetric(per(save), "store-issues/s")
			b.ReportMetric(total.Seconds()/max(fetch, save).Seconds(), "x-slower-half")
			b.ReportMetric(float64(requests)/float64(b.N)/float64(n)*1000, "requests/1k-issues")
		})
	}
}

// BenchmarkJiraConcurrentProjects syncs four projects with 100 ms of latency per request, one
// at a time and four at once.
func BenchmarkJiraConcurrentProjects(b *testing.B) {
	projects := []string{"PAY", "WEB", "CORE", "OPS"}
	per := benchIssues(b) / 4
	for _, conc := range []int{1, 4} {
		b.Run("concurrency="+strconv.Itoa(conc), func(b *testing.B) {
			s := benchSite(b, jiratest.Cloud, projects, per, 100*time.Millisecond)
			for i := 0; i < b.N; i++ {
				db := openBenchDB(b, s.clock)
				res, err := syncer.NewJira(db, s.client, syncer.JiraOptions{Projects: projects, Concurrency: conc}, nil, nil).
					Run(context.Background(), true)
				if err != nil {
					b.Fatal(err)
				}
				if res.Counts.New != per*4 {
					b.Fatalf("synced %d, want %d", res.Counts.New, per*4)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/sync")
		})
	}
}

func openBenchDB(b *testing.B, clock *fakeClock) *store.DB {
	b.Helper()
	db, err := store.Open(context.Background(), b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.Now = clock.Now
	return db
}

// BenchmarkJiraFullSyncMemory reports the peak live heap of a full sync at two sizes (a tenth
// of the benchmark size and the size): streaming keeps it nearly flat.
func BenchmarkJiraFullSyncMemory(b *testing.B) {
	n := benchIssues(b)
	for _, size := range []int{n / 10, n} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			s := benchSite(b, jiratest.Cloud, []string{"PAY"}, size, 0)
			for i := 0; i < b.N; i++ {
				db := openBenchDB(b, s.clock)
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				base := ms.HeapAlloc
				var peak atomic.Uint64
				done := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-done:
							return
						case <-time.After(50 * time.Millisecond):
						}
						runtime.GC()
						var m runtime.MemStats
						runtime.ReadMemStats(&m)
						if m.HeapAlloc > peak.Load() {
							peak.Store(m.HeapAlloc)
						}
					}
				}()
				_, err := s.runner(db, "PAY").Run(context.Background(), true)
				close(done)
				wg.Wait()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(peak.Load()-min(base, peak.Load()))/(1<<20), "peak_live_heap_above_base_MB")
			}
		})
	}
}
