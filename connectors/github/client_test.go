package github_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	ghc "github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return ctx.Err()
}

type observer struct {
	mu        sync.Mutex
	requests  map[int]int
	remaining []int
}

func (o *observer) ObserveRequest(conn string, code int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if conn == cairn.ConnectorGitHub {
		o.requests[code]++
	}
}

func (o *observer) ObserveRateLimit(conn string, remaining int, _ time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.remaining = append(o.remaining, remaining)
}

func setup(t *testing.T, so githubtest.Options, co ghc.Options) (*githubtest.Server, *ghc.Client, *clock) {
	t.Helper()
	c := &clock{now: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	so.Now = c.Now
	srv := githubtest.New(so)
	t.Cleanup(srv.Close)
	srv.Load(githubtest.Generate(githubtest.GenOptions{PRsPerRepo: 250, IssuesPerRepo: 20, Seed: 1}))
	if co.BaseURL == "" {
		co.BaseURL = srv.EnterpriseURL()
	}
	if co.Token == "" {
		co.Token = "ghp_topsecret"
	}
	co.Now, co.Sleep = c.Now, c.Sleep
	client, err := ghc.New(co)
	if err != nil {
		t.Fatal(err)
	}
	return srv, client, c
}

func TestPagesConditionalAndObserved(t *testing.T) {
	obs := &observer{requests: map[int]int{}}
	srv, client, _ := setup(t, githubtest.Options{}, ghc.Options{Observer: obs})
	ctx := context.Background()
	var all int
	var first cairn.GitHubPage
	for page := 1; page > 0; {
		prs, pg, err := client.PullRequests(ctx, "acme/repo00", page, nil)
		if err != nil {
			t.Fatal(err)
		}
		if page == 1 {
			first = pg
		}
		for i := 1; i < len(prs); i++ {
			if prs[i].Updated.After(prs[i-1].Updated) {
				t.Fatalf("page %d not sorted by updated desc", page)
			}
		}
		all += len(prs)
		page = pg.Next
	}
	if all != 250 || first.ETag == "" || first.ServerTime.IsZero() || !strings.Contains(first.URL, "/api/v3/repos/acme/repo00/pulls") {
		t.Fatalf("listed %d PRs, first page %+v", all, first)
	}
	_, pg, err := client.PullRequests(ctx, "acme/repo00", 1, func(url string) string {
		if url != first.URL {
			t.Errorf("etag asked for %q, want %q", url, first.URL)
		}
		return first.ETag
	})
	if err != nil || !pg.NotModified {
		t.Fatalf("conditional page: %+v, %v; want not modified", pg, err)
	}
	if obs.requests[200] != 3 || obs.requests[304] != 1 || len(obs.remaining) != 4 {
		t.Errorf("observed %v, remaining %v", obs.requests, obs.remaining)
	}
	if st := srv.Stats(); st.Charged != 3 {
		t.Errorf("charged %d, want 3 (a 304 is free)", st.Charged)
	}
}

func TestBudgetRunsOutWithoutA403(t *testing.T) {
	srv, client, c := setup(t, githubtest.Options{RateLimit: 60}, ghc.Options{})
	start := c.Now()
	ctx := context.Background()
	for i := 1; i <= 130; i++ {
		if _, err := client.Reviews(ctx, "acme/repo00", 1+i%200); err != nil && !errors.Is(err, cairn.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if st := srv.Stats(); st.Requests != 130 {
		t.Errorf("server saw %d requests, want 130 (no 403 retried)", st.Requests)
	}
	if waited := c.Now().Sub(start); waited < 2*time.Hour {
		t.Errorf("waited %v for 130 requests at 60 an hour, want >= 2h", waited)
	}
}

func TestErrorsNameRequestWithoutToken(t *testing.T) {
	srv, client, _ := setup(t, githubtest.Options{Tokens: []string{"other"}}, ghc.Options{MaxRetries: -1})
	_ = srv
	_, _, err := client.PullRequests(context.Background(), "acme/repo00", 1, nil)
	var apiErr *ghc.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 401 || !errors.Is(err, cairn.ErrUnauthorized) {
		t.Fatalf("err = %v, want a 401 APIError wrapping ErrUnauthorized", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "GET /repos/acme/repo00/pulls") || strings.Contains(msg, "topsecret") {
		t.Errorf("error %q: want the request and no token", msg)
	}
}

func TestNewRejectsMissingAuthAndBadURL(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts ghc.Options
	}{
		{"no auth", ghc.Options{}},
		{"bad url", ghc.Options{Token: "t", BaseURL: "ghe.local"}},
		{"bad key", ghc.Options{AppID: 1, InstallationID: 2, PrivateKeyPEM: []byte("nope")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ghc.New(tt.opts); err == nil {
				t.Error("New succeeded; want an error")
			}
		})
	}
}

// The per-request timeout bounds each attempt, never the wait for a rate limit: a Retry-After
// longer than the timeout is waited out, and the call succeeds.
func TestTimeoutDoesNotCoverRateLimitWaits(t *testing.T) {
	srv := githubtest.New(githubtest.Options{})
	t.Cleanup(srv.Close)
	srv.Load(githubtest.Generate(githubtest.GenOptions{PRsPerRepo: 3, Seed: 1}))
	srv.Inject(githubtest.Fault429, "/pulls", 1, 1)
	var waited time.Duration
	client, err := ghc.New(ghc.Options{
		BaseURL:    srv.EnterpriseURL(),
		Token:      "ghp_topsecret",
		HTTPClient: &http.Client{Timeout: 200 * time.Millisecond},
		MaxRetries: 2,
		// Each wait really sleeps longer than the per-request timeout.
		Sleep: func(ctx context.Context, d time.Duration) error {
			waited += d
			select {
			case <-time.After(400 * time.Millisecond):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	repo := githubtest.Generate(githubtest.GenOptions{PRsPerRepo: 3, Seed: 1})[0].FullName()
	prs, _, err := client.PullRequests(context.Background(), repo, 1, nil)
	if err != nil {
		t.Fatalf("got %v, want the 429 waited out", err)
	}
	if len(prs) == 0 || waited == 0 {
		t.Errorf("got %d PRs after waiting %v, want PRs after a wait", len(prs), waited)
	}
}
