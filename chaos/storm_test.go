//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	ghc "github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	jc "github.com/cairn-dev/cairn/connectors/jira"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// storm sits in front of a fake and answers a seeded share of requests with a fault.
type storm struct {
	inner http.Handler
	// Shares of requests: 429 with Retry-After, 500, a cut connection, a slow body.
	p429, p500, pCut, pSlow float64

	mu         sync.Mutex
	on         bool // off: every request passes through
	rng        *rand.Rand
	counts     map[string]int
	retryAfter time.Duration // sum of the Retry-After values sent
}

func (s *storm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	x := s.rng.Float64()
	if !s.on {
		x = 1
	}
	ra := 1 + s.rng.Intn(3)
	kind := "ok"
	switch {
	case x < s.p429:
		kind = "429"
		s.retryAfter += time.Duration(ra) * time.Second
	case x < s.p429+s.p500:
		kind = "500"
	case x < s.p429+s.p500+s.pCut:
		kind = "cut"
	case x < s.p429+s.p500+s.pCut+s.pSlow:
		kind = "slow"
	}
	s.counts[kind]++
	s.counts["total"]++
	s.mu.Unlock()
	switch kind {
	case "429":
		w.Header().Set("Retry-After", fmt.Sprint(ra))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"message":"Too Many Requests"}`))
	case "500":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"message":"Server Error"}`))
	case "cut":
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case "slow":
		// The real answer, dribbled out in three parts with pauses between them.
		rec := httptest.NewRecorder()
		s.inner.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		body := rec.Body.Bytes()
		f, _ := w.(http.Flusher)
		for i := 0; i < 3; i++ {
			_, _ = w.Write(body[i*len(body)/3 : (i+1)*len(body)/3])
			if f != nil {
				f.Flush()
			}
			time.Sleep(15 * time.Millisecond)
		}
	default:
		s.inner.ServeHTTP(w, r)
	}
}

func (s *storm) snapshot() (map[string]int, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.counts {
		out[k] = v
	}
	return out, s.retryAfter
}

// sleepRecorder stands in for the client's timer: it records each wait and returns at once.
type sleepRecorder struct {
	mu    sync.Mutex
	total time.Duration
	n     int
}

func (s *sleepRecorder) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.total += d
	s.n++
	s.mu.Unlock()
	return ctx.Err()
}

// syncInProcess runs full GitHub syncs of repos from url into db until one succeeds (at most
// tries), as the scheduler would, and returns the failed runs' errors.
func syncInProcess(t *testing.T, ctx context.Context, url, dbPath string, repos []string, sleep func(context.Context, time.Duration) error, tries int, hook func(*store.DB)) []error {
	t.Helper()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if hook != nil {
		hook(db)
	}
	client, err := ghc.New(ghc.Options{BaseURL: url, Token: githubToken, JiraProjects: []string{"PAY", "WEB"}, Sleep: sleep})
	if err != nil {
		t.Fatal(err)
	}
	var failed []error
	for range tries {
		_, err := syncer.NewGitHub(db, client, syncer.GitHubOptions{Repos: repos}, nil, nil).Run(ctx, true)
		if err == nil {
			return failed
		}
		failed = append(failed, err)
	}
	t.Fatalf("no sync succeeded in %d tries: %v", tries, failed)
	return nil
}

// stormTarget is one connector under the storm.
type stormTarget struct {
	name   string
	inner  http.Handler
	served func() int // requests the fake served
	// run is one full sync into db from the fake at url, with the client's timer replaced.
	run func(ctx context.Context, db *store.DB, url string, sleep func(context.Context, time.Duration) error) error
}

// TestFaultStorm syncs GitHub and Jira through a storm (30% 429 with Retry-After 1-3 s, 5%
// 500, 1% cut connections, 5% slow bodies), rerunning a failed run as the scheduler would, and
// proves for each: the database equals a clean run's; every Retry-After was honoured (the
// client's waits add up to at least their sum); and the requests sent stay within 1.8× the
// clean run's plus 600 per failed run. (With 36% of answers failing, each request takes
// 1/(1-0.36) = 1.56 tries on average; a run fails only after 7 failures in a row of one
// request, p ≈ 0.36^7, and its rerun resumes from the last stored page, so it repeats at
// most one page, with a GitHub page's reviews, per scope in flight.)
func TestFaultStorm(t *testing.T) {
	sc := chaosScale()
	data := world(sc)
	repos := repoNames(data)
	ctx := withTimeout(t, 5*time.Minute)
	gh := githubtest.New(githubtest.Options{RateLimit: 1 << 30})
	defer gh.Close()
	gh.Load(data)
	// Small search pages, so that the Jira sync makes enough requests for a storm to matter.
	jira := jiratest.New(jiratest.Options{Email: jiraEmail, Token: jiraToken, MaxResults: 10})
	defer jira.Close()
	jira.Generate(jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: sc.jiraIssues, Seed: 5, Versions: 4})
	seed := chaosSeed(t)
	for i, tg := range []stormTarget{
		{name: "github", inner: gh.Config.Handler, served: func() int { return gh.Stats().Requests },
			run: func(ctx context.Context, db *store.DB, url string, sleep func(context.Context, time.Duration) error) error {
				client, err := ghc.New(ghc.Options{BaseURL: url + "/", Token: githubToken, JiraProjects: []string{"PAY", "WEB"}, Sleep: sleep})
				if err != nil {
					return err
				}
				_, err = syncer.NewGitHub(db, client, syncer.GitHubOptions{Repos: repos}, nil, nil).Run(ctx, true)
				return err
			}},
		{name: "jira", inner: jira.Config.Handler, served: func() int { return jira.Stats().Requests },
			run: func(ctx context.Context, db *store.DB, url string, sleep func(context.Context, time.Duration) error) error {
				client, err := jc.New(jc.Options{BaseURL: url, Deployment: jc.DeploymentCloud, Email: jiraEmail, Token: jiraToken, Sleep: sleep})
				if err != nil {
					return err
				}
				_, err = syncer.NewJira(db, client, syncer.JiraOptions{Projects: []string{"PAY", "WEB"}}, nil, nil).Run(ctx, true)
				return err
			}},
	} {
		t.Run(tg.name, func(t *testing.T) {
			// The clean run goes through the same front, calm, so stored URLs (ETags) agree.
			s := &storm{inner: tg.inner, p429: 0.30, p500: 0.05, pCut: 0.01, pSlow: 0.05,
				rng: rand.New(rand.NewSource(seed + int64(i))), counts: map[string]int{}}
			front := httptest.NewServer(s)
			defer front.Close()
			before := tg.served()
			cleanDB := filepath.Join(t.TempDir(), "clean.db")
			if failed := syncUntilOK(t, ctx, cleanDB, 1, func(db *store.DB) error { return tg.run(ctx, db, front.URL, nil) }); len(failed) > 0 {
				t.Fatalf("clean run: %v", failed)
			}
			want := digest(t, cleanDB)
			clean := tg.served() - before
			s.mu.Lock()
			s.on, s.counts = true, map[string]int{}
			s.mu.Unlock()
			var slept sleepRecorder
			stormDB := filepath.Join(t.TempDir(), "storm.db")
			failed := syncUntilOK(t, ctx, stormDB, 10, func(db *store.DB) error { return tg.run(ctx, db, front.URL, slept.Sleep) })
			for _, err := range failed {
				t.Logf("failed run (rerun follows): %v", err)
				noSecret(t, "a failed run's error", []byte(err.Error()))
			}
			sameDigest(t, "after the storm", want, digest(t, stormDB))
			counts, retryAfter := s.snapshot()
			bound := int(1.8*float64(clean)) + 600*len(failed)
			t.Logf("clean run: %d requests; storm: %d requests (%v), %d failed runs; bound %d; client waited %v in %d waits, Retry-After asked %v",
				clean, counts["total"], counts, len(failed), bound, slept.total, slept.n, retryAfter)
			if counts["total"] > bound {
				t.Errorf("the storm took %d requests, more than the bound %d (1.8 × %d + 600 × %d failed runs)", counts["total"], bound, clean, len(failed))
			}
			if counts["429"] == 0 || counts["500"]+counts["cut"]+counts["slow"] == 0 {
				t.Errorf("the storm served too few faults to mean anything: %v", counts)
			}
			if slept.total < retryAfter {
				t.Errorf("the client waited %v in all, less than the %v that Retry-After asked", slept.total, retryAfter)
			}
		})
	}
}

// syncUntilOK runs a sync into a database until one succeeds (at most tries), as the
// scheduler would, and returns the failed runs' errors.
func syncUntilOK(t *testing.T, ctx context.Context, path string, tries int, run func(*store.DB) error) []error {
	t.Helper()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var failed []error
	for range tries {
		if err := run(db); err == nil {
			return failed
		} else {
			failed = append(failed, err)
		}
	}
	t.Fatalf("no sync succeeded in %d tries: %v", tries, failed)
	return nil
}
