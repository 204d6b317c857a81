package syncer_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	ghc "github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// BenchmarkGitHubWorld syncs the bench harness's 10k world (10 repos of 200 PRs and 100
// issues, acme/*) into a fresh database with the default concurrency, the fake warmed first.
// Run with -benchtime 5x or more: each iteration is one full sync.
func BenchmarkGitHubWorld(b *testing.B) {
	const repos, prsPerRepo = 10, 200
	data := githubtest.Generate(githubtest.GenOptions{Owner: "acme", Repos: repos, PRsPerRepo: prsPerRepo,
		IssuesPerRepo: prsPerRepo / 2, Seed: 10000, Start: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)})
	srv := githubtest.New(githubtest.Options{RateLimit: 1 << 40})
	b.Cleanup(srv.Close)
	srv.Load(data)
	client, err := ghc.New(ghc.Options{BaseURL: srv.BaseURL(), Token: "ghp_bench", JiraProjects: []string{"PAY", "WEB"}})
	if err != nil {
		b.Fatal(err)
	}
	run := func() time.Duration {
		db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "cairn.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		g := syncer.NewGitHub(db, client, syncer.GitHubOptions{Repos: []string{"acme/*"}}, nil, nil)
		start := time.Now()
		if _, err := g.Run(context.Background(), true); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	run() // warms the fake's rendered pages, as the harness does
	b.ResetTimer()
	var took time.Duration
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		took += run()
	}
	b.ReportMetric(float64(repos*prsPerRepo*b.N)/took.Seconds(), "prs/s")
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu_s/op") // client, fake and store together
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
