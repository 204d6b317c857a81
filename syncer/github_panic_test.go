package syncer_test

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	ghc "github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/syncer"
)

// panickyClient panics inside the runner's goroutines for one repo: in the repo's worker
// (listing pull requests) or in a review fetcher.
type panickyClient struct {
	*ghc.Client
	repo, in string
}

func (c panickyClient) PullRequests(ctx context.Context, repo string, page int, etags func(string) string) ([]cairn.PullRequest, cairn.GitHubPage, error) {
	if repo == c.repo && c.in == "pulls" {
		panic("boom in pulls")
	}
	return c.Client.PullRequests(ctx, repo, page, etags)
}

func (c panickyClient) Reviews(ctx context.Context, repo string, number int) ([]cairn.Review, error) {
	if repo == c.repo && c.in == "reviews" && number%7 == 3 {
		var m map[string]int
		m["nil map"]++ // a runtime error, not a string
	}
	return c.Client.Reviews(ctx, repo, number)
}

// syncBuffer is a log sink safe for the runner's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A panic in a repo's worker or in a review fetcher fails the run with an error naming the
// repo, logs the stack, leaves the other repos' data and the failing repo's watermark alone, and
// does not take the process down (the test binary would die if it did); the next run, without
// the panic, completes.
func TestGitHubPanicFailsTheRunNotTheProcess(t *testing.T) {
	data := githubtest.Generate(githubtest.GenOptions{Repos: 3, PRsPerRepo: 120, IssuesPerRepo: 10, Seed: 41})
	for _, in := range []string{"pulls", "reviews"} {
		t.Run(in, func(t *testing.T) {
			e := newEnv(t, data, envOptions{})
			var logs syncBuffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			repos := []string{"acme/repo00", "acme/repo01", "acme/repo02"}
			g := syncer.NewGitHub(e.db, panickyClient{e.client, "acme/repo01", in}, syncer.GitHubOptions{Repos: repos}, log, nil)
			_, err := g.Run(context.Background(), false)
			if err == nil || !strings.Contains(err.Error(), "repo acme/repo01") || !strings.Contains(err.Error(), "panic") {
				t.Fatalf("run error = %v, want a panic in repo acme/repo01", err)
			}
			if strings.Contains(err.Error(), "repo acme/repo00") || strings.Contains(err.Error(), "repo acme/repo02") {
				t.Errorf("run error %q names repos that did not panic", err)
			}
			if l := logs.String(); !strings.Contains(l, "panic recovered") || !strings.Contains(l, "goroutine") || !strings.Contains(l, "repo=acme/repo01") {
				t.Errorf("log has no stack for the panic:\n%s", l)
			}
			st, serr := e.db.State(context.Background(), cairn.ConnectorGitHub, "acme/repo01")
			if serr != nil {
				t.Fatal(serr)
			}
			if !st.Watermark.IsZero() {
				t.Errorf("acme/repo01 watermark advanced to %v after its panic", st.Watermark)
			}
			// No goroutine of the failed run is left behind (a repo's page writer included).
			if n := leakedGoroutines("syncer.(*repoRun)"); n > 0 {
				t.Errorf("%d goroutines of the failed run still running", n)
			}
			// The process is still here, and a run without the panic completes.
			e.run(t, false, repos...)
			e.check(t, repos...)
		})
	}
}

// leakedGoroutines counts the goroutines whose stack mentions fn, after giving finished ones a
// moment to exit.
func leakedGoroutines(fn string) int {
	n := 0
	for range 50 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		n = strings.Count(string(buf), fn)
		if n == 0 {
			return 0
		}
		time.Sleep(10 * time.Millisecond)
	}
	return n
}
