package syncer_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-dev/cairn"
	ghc "github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// fakeClock is shared by the fake server, the client and the store: waits advance it.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

type env struct {
	srv      *githubtest.Server
	client   *ghc.Client
	db       *store.DB
	clock    *fakeClock
	projects []string
	commits  bool
}

type envOptions struct {
	srv     githubtest.Options
	client  ghc.Options
	baseURL func(*githubtest.Server) string
}

func newEnv(t testing.TB, data []githubtest.Repo, o envOptions) *env {
	t.Helper()
	clock := newClock()
	o.srv.Now = clock.Now
	srv := githubtest.New(o.srv)
	t.Cleanup(srv.Close)
	srv.Load(data)
	co := o.client
	if co.Token == "" && co.AppID == 0 {
		co.Token = "ghp_secret_token_123"
	}
	co.BaseURL = srv.BaseURL()
	if o.baseURL != nil {
		co.BaseURL = o.baseURL(srv)
	}
	if co.JiraProjects == nil {
		co.JiraProjects = []string{"PAY", "WEB"}
	}
	co.Now, co.Sleep = clock.Now, clock.Sleep
	client, err := ghc.New(co)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return &env{srv: srv, client: client, db: openDB(t, clock), clock: clock, projects: co.JiraProjects, commits: co.LinkCommits}
}

func openDB(t testing.TB, clock *fakeClock) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = clock.Now
	return db
}

func (e *env) runner(repos ...string) *syncer.GitHub {
	return syncer.NewGitHub(e.db, e.client, syncer.GitHubOptions{Repos: repos}, nil, nil)
}

func (e *env) run(t *testing.T, full bool, repos ...string) syncer.Result {
	t.Helper()
	res, err := e.runner(repos...).Run(context.Background(), full)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

// dump renders the synced GitHub tables as sorted lines.
func dump(t *testing.T, db *store.DB) []string {
	t.Helper()
	queries := []string{
		`SELECT 'pr', repo, number, id, title, state, draft, author, head_ref, base_ref, created_at, updated_at,
			coalesce(closed_at,''), coalesce(merged_at,''), coalesce(milestone,''), labels, requested_reviewers,
			coalesce(deleted_at,''), length(raw_json) FROM github_pull_requests`,
		`SELECT 'review', repo, number, id, author, state, coalesce(submitted_at,''), '', '', '', '', '', '', '', '', '', '', '', length(raw_json) FROM github_reviews`,
		`SELECT 'issue', repo, number, id, title, state, author, coalesce(milestone,''), labels, created_at, updated_at,
			coalesce(closed_at,''), coalesce(deleted_at,''), '', '', '', '', '', length(raw_json) FROM github_issues`,
		`SELECT 'milestone', repo, number, id, title, state, coalesce(due_on,''), coalesce(closed_at,''), open_issues, closed_issues,
			coalesce(deleted_at,''), '', '', '', '', '', '', '', length(raw_json) FROM github_milestones`,
		`SELECT 'label', repo, name, color, description, '', '', '', '', '', '', '', '', '', '', '', '', '', 0 FROM github_labels`,
		`SELECT 'link', repo, number, issue_key, source, '', '', '', '', '', '', '', '', '', '', '', '', '', 0 FROM pr_issue_links`,
	}
	var out []string
	for _, q := range queries {
		rows, err := db.ReadDB().Query(q)
		if err != nil {
			t.Fatalf("dump: %v", err)
		}
		for rows.Next() {
			vals := make([]sql.NullString, 19)
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("dump scan: %v", err)
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = v.String
			}
			out = append(out, strings.Join(parts, "|"))
		}
		rows.Close()
	}
	sort.Strings(out)
	return out
}

// want renders what the fake holds in the shape dump compares, for the fields both know.
func (e *env) check(t *testing.T, repos ...string) {
	t.Helper()
	var want, got []string
	for _, name := range repos {
		r, ok := e.srv.Snapshot(name)
		if !ok {
			t.Fatalf("fake has no repo %s", name)
		}
		ms := map[int]string{}
		for _, m := range r.Milestones {
			ms[m.Number] = m.Title
			want = append(want, fmt.Sprintf("milestone|%s|%d|%s|%s", name, m.Number, m.Title, m.State))
		}
		for _, l := range r.Labels {
			want = append(want, fmt.Sprintf("label|%s|%s|%s", name, l.Name, l.Color))
		}
		for _, p := range r.PRs {
			want = append(want, fmt.Sprintf("pr|%s|%d|%d|%s|%s|%s|%s|%s", name, p.Number, p.ID, p.Title, p.State, p.Head, ms[p.Milestone], p.Updated.Format(time.RFC3339)))
			for _, rv := range p.Reviews {
				want = append(want, fmt.Sprintf("review|%s|%d|%d|%s|%s", name, p.Number, rv.ID, rv.Author, rv.State))
			}
			m := ghc.NewMatcher(e.projects, false)
			sources := []struct{ text, source string }{{p.Title, "title"}, {p.Head, "branch"}, {p.Body, "body"}}
			if e.commits {
				sources = append(sources, struct{ text, source string }{strings.Join(p.Commits, "\n"), "commit"})
			}
			for _, src := range sources {
				for _, k := range m.Keys(src.text) {
					want = append(want, fmt.Sprintf("link|%s|%d|%s|%s", name, p.Number, k, src.source))
				}
			}
		}
		for _, is := range r.Issues {
			want = append(want, fmt.Sprintf("issue|%s|%d|%d|%s|%s|%s", name, is.Number, is.ID, is.Title, is.State, is.Updated.Format(time.RFC3339)))
		}
	}
	q := func(query string) {
		rows, err := e.db.ReadDB().Query(query)
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
	}
	q(`SELECT 'milestone|' || repo || '|' || number || '|' || title || '|' || state FROM github_milestones WHERE deleted_at IS NULL`)
	q(`SELECT 'label|' || repo || '|' || name || '|' || color FROM github_labels`)
	q(`SELECT 'pr|' || repo || '|' || number || '|' || id || '|' || title || '|' || state || '|' || head_ref || '|' || coalesce(milestone,'') || '|' || replace(updated_at, '.000000000', '') FROM github_pull_requests WHERE deleted_at IS NULL`)
	q(`SELECT 'review|' || repo || '|' || number || '|' || id || '|' || author || '|' || state FROM github_reviews`)
	q(`SELECT 'link|' || repo || '|' || number || '|' || issue_key || '|' || source FROM pr_issue_links`)
	q(`SELECT 'issue|' || repo || '|' || number || '|' || id || '|' || title || '|' || state || '|' || updated_at FROM github_issues WHERE deleted_at IS NULL`)
	sort.Strings(want)
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("store differs from the fake (-want +got):\n%s", diff)
	}
}

func small(seed int64) []githubtest.Repo {
	return githubtest.Generate(githubtest.GenOptions{Repos: 2, PRsPerRepo: 230, IssuesPerRepo: 60, Seed: seed})
}

func TestGitHubFullThenIncremental(t *testing.T) {
	e := newEnv(t, small(1), envOptions{})
	res := e.run(t, false, "acme/repo00", "acme/repo01")
	if res.Counts.New != 2*(230+60) {
		t.Errorf("new = %d, want %d", res.Counts.New, 2*(230+60))
	}
	e.check(t, "acme/repo00", "acme/repo01")

	e.clock.Advance(time.Hour)
	e.srv.ResetStats()
	mustDo(t, e.srv.UpdatePR("acme/repo00", 5, func(p *githubtest.PR) { p.Title = "PAY-77 retitled"; p.State = "closed" }))
	mustDo(t, e.srv.AddReview("acme/repo00", 7, githubtest.Review{Author: "hubot", State: "CHANGES_REQUESTED"}))
	mustDo(t, e.srv.AddPR("acme/repo01", githubtest.PR{Title: "New thing", Head: "feature/WEB-9-new"}))
	mustDo(t, e.srv.AddIssue("acme/repo01", githubtest.Issue{Title: "A new bug", Author: "monalisa"}))
	mustDo(t, e.srv.SetLabel("acme/repo00", githubtest.Label{Name: "p1", Color: "ff0000"}))
	res = e.run(t, false, "acme/repo00", "acme/repo01")
	e.check(t, "acme/repo00", "acme/repo01")
	if res.Counts.New != 2 || res.Counts.Updated != 2 {
		t.Errorf("incremental counts = %+v, want 2 new, 2 updated", res.Counts)
	}
	st := e.srv.Stats()
	if st.ByRoute["reviews"] != 3 {
		t.Errorf("incremental review requests = %d, want 3 (only changed PRs)", st.ByRoute["reviews"])
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestGitHubIdleSyncIsAll304(t *testing.T) {
	e := newEnv(t, small(2), envOptions{})
	e.run(t, false, "acme/*")
	e.clock.Advance(time.Hour)
	e.srv.ResetStats()
	before := e.srv.RateRemaining()
	res := e.run(t, false, "acme/*")
	st := e.srv.Stats()
	t.Logf("idle sync: %d requests, %d answered 304", st.Requests, st.NotModified)
	if st.Requests == 0 || st.NotModified != st.Requests || st.Charged != 0 {
		t.Errorf("idle sync: %d requests, %d answered 304, %d charged; want all 304 and none charged", st.Requests, st.NotModified, st.Charged)
	}
	if after := e.srv.RateRemaining(); after != before {
		t.Errorf("idle sync spent %d of the rate limit", before-after)
	}
	if res.Requests != st.Requests {
		t.Errorf("result requests = %d, server saw %d", res.Requests, st.Requests)
	}
	e.check(t, "acme/repo00", "acme/repo01")
}

func TestGitHubIncrementalTouchingFivePRs(t *testing.T) {
	e := newEnv(t, githubtest.Generate(githubtest.GenOptions{PRsPerRepo: 1000, Seed: 3}), envOptions{})
	e.run(t, false, "acme/repo00")
	e.clock.Advance(time.Hour)
	for _, n := range []int{3, 50, 400, 777, 999} {
		mustDo(t, e.srv.UpdatePR("acme/repo00", n, func(p *githubtest.PR) { p.Title += " (edited)" }))
	}
	e.srv.ResetStats()
	e.run(t, false, "acme/repo00")
	st := e.srv.Stats()
	t.Logf("incremental sync of 5 changed PRs: %d requests, %d charged, %v", st.Requests, st.Charged, st.ByRoute)
	if st.Requests > 10 {
		t.Errorf("incremental sync of 5 changed PRs sent %d requests (%v), want <= 10", st.Requests, st.ByRoute)
	}
	e.check(t, "acme/repo00")
}

func TestGitHubRateLimitsAreWaitedOut(t *testing.T) {
	tests := []struct {
		name       string
		fault      githubtest.Fault
		retryAfter int
		minWait    time.Duration
	}{
		{"primary 403", githubtest.FaultPrimary, 0, 30 * time.Minute},
		{"primary 429", githubtest.FaultPrimary429, 0, 30 * time.Minute},
		{"secondary with Retry-After", githubtest.FaultSecondary, 7, 7 * time.Second},
		{"secondary without Retry-After", githubtest.FaultSecondaryNoRetry, 0, time.Minute},
		{"429 with Retry-After", githubtest.Fault429, 3, 3 * time.Second},
		{"5xx", githubtest.Fault5xx, 0, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, githubtest.Generate(githubtest.GenOptions{PRsPerRepo: 150, IssuesPerRepo: 10, Seed: 4}), envOptions{})
			e.srv.Inject(tt.fault, "/pulls", 2, tt.retryAfter)
			start := time.Now()
			e.run(t, false, "acme/repo00")
			if real := time.Since(start); real > 20*time.Second {
				t.Errorf("took %v of real time; waits must use the injected sleep", real)
			}
			var total time.Duration
			for _, d := range e.clock.Slept() {
				total += d
			}
			if total < tt.minWait {
				t.Errorf("waited %v in total, want >= %v (%v)", total, tt.minWait, e.clock.Slept())
			}
			if e.srv.Stats().Faults != 2 {
				t.Errorf("faults served = %d, want 2", e.srv.Stats().Faults)
			}
			e.check(t, "acme/repo00")
		})
	}
}

func TestGitHubResumesAfterCancel(t *testing.T) {
	data := githubtest.Generate(githubtest.GenOptions{Repos: 2, PRsPerRepo: 320, IssuesPerRepo: 40, Seed: 5})
	clean := newEnv(t, data, envOptions{})
	clean.run(t, false, "acme/repo00", "acme/repo01")
	want := dump(t, clean.db)

	for _, stopAt := range []int32{2, 37, 150, 400, 655} {
		t.Run(fmt.Sprint(stopAt), func(t *testing.T) {
			var cancel atomic.Pointer[context.CancelFunc]
			var n atomic.Int32
			e := newEnv(t, data, envOptions{srv: githubtest.Options{OnRequest: func(*http.Request) {
				if n.Add(1) == stopAt {
					if c := cancel.Load(); c != nil {
						(*c)()
					}
				}
			}}})
			ctx, c := context.WithCancel(context.Background())
			cancel.Store(&c)
			_, err := e.runner("acme/repo00", "acme/repo01").Run(ctx, false)
			if err == nil {
				t.Fatalf("first run finished; want it cancelled at request %d", stopAt)
			}
			e.clock.Advance(time.Minute)
			e.run(t, false, "acme/repo00", "acme/repo01")
			if diff := cmp.Diff(want, dump(t, e.db)); diff != "" {
				t.Errorf("resumed store differs from a clean run (-clean +resumed):\n%s", diff)
			}
		})
	}
}

func TestGitHubReconcilesDeletedIssues(t *testing.T) {
	e := newEnv(t, small(6), envOptions{})
	e.run(t, false, "acme/repo00", "acme/repo01")
	r, _ := e.srv.Snapshot("acme/repo00")
	victim, moved := r.Issues[3].Number, r.Issues[5].Number
	mustDo(t, e.srv.DeleteIssue("acme/repo00", victim))
	if _, err := e.srv.TransferIssue("acme/repo00", moved, "acme/repo01"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	res := e.run(t, true, "acme/repo00", "acme/repo01")
	if res.Counts.Deleted != 2 {
		t.Errorf("deleted = %d, want 2 (one deleted, one transferred)", res.Counts.Deleted)
	}
	var deletedAt sql.NullString
	if err := e.db.ReadDB().QueryRow(`SELECT deleted_at FROM github_issues WHERE repo = ? AND number = ?`, "acme/repo00", victim).Scan(&deletedAt); err != nil {
		t.Fatal(err)
	}
	if !deletedAt.Valid {
		t.Errorf("issue %d: deleted_at is NULL, want set", victim)
	}
	e.check(t, "acme/repo00", "acme/repo01")
}

func TestGitHubLinksFromCommits(t *testing.T) {
	e := newEnv(t, small(9), envOptions{client: ghc.Options{LinkCommits: true}})
	res := e.run(t, false, "acme/repo00")
	e.check(t, "acme/repo00")
	var n int
	if err := e.db.ReadDB().QueryRow(`SELECT count(*) FROM pr_issue_links WHERE source = 'commit'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no links from commit messages")
	}
	if st := e.srv.Stats(); st.ByRoute["commits"] != 230 {
		t.Errorf("commit requests = %d, want one per PR (230); result %+v", st.ByRoute["commits"], res.Counts)
	}
}

func TestGitHubEnterpriseAndApp(t *testing.T) {
	key := testKey(t)
	e := newEnv(t, small(7), envOptions{
		srv:     githubtest.Options{Tokens: []string{"not-used"}, AppKey: &key.PublicKey},
		client:  ghc.Options{AppID: 42, InstallationID: 7, PrivateKeyPEM: pemOf(key)},
		baseURL: func(s *githubtest.Server) string { return s.URL + "/" }, // /api/v3/ is added
	})
	e.run(t, false, "acme/repo00")
	e.check(t, "acme/repo00")
	if n := e.srv.TokensMinted(); n != 1 {
		t.Errorf("tokens minted = %d, want 1", n)
	}
	e.clock.Advance(58 * time.Minute) // within five minutes of expiry: refreshed
	e.run(t, false, "acme/repo00")
	if n := e.srv.TokensMinted(); n != 2 {
		t.Errorf("tokens minted after 58 minutes = %d, want 2", n)
	}
}

func TestGitHubErrorsNameRequestNotToken(t *testing.T) {
	e := newEnv(t, small(8), envOptions{client: ghc.Options{MaxRetries: -1}})
	e.srv.Inject(githubtest.FaultMalformed, "/pulls", 1, 0)
	_, err := e.runner("acme/repo00").Run(context.Background(), false)
	if err == nil {
		t.Fatal("want an error for a malformed page")
	}
	if !errorsIs(err, cairn.ErrMalformed) {
		t.Errorf("error %v does not wrap cairn.ErrMalformed", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "GET /repos/acme/repo00/pulls") || strings.Contains(msg, "ghp_secret") {
		t.Errorf("error %q: want the request named and no token", msg)
	}
	st, _ := e.db.State(context.Background(), cairn.ConnectorGitHub, "acme/repo00")
	if !st.Watermark.IsZero() {
		t.Errorf("watermark advanced to %v after a failed run", st.Watermark)
	}
	e.run(t, false, "acme/repo00")
	e.check(t, "acme/repo00")
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func testKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func pemOf(key *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

func benchEnv(b *testing.B, data []githubtest.Repo, latency time.Duration) *env {
	b.Helper()
	return newEnv(b, data, envOptions{srv: githubtest.Options{RateLimit: 1 << 30, Latency: latency}})
}

// BenchmarkGitHubFullSync syncs one repo of 10,000 PRs (with reviews) into a fresh database.
func BenchmarkGitHubFullSync(b *testing.B) {
	const prs = 10000
	data := githubtest.Generate(githubtest.GenOptions{PRsPerRepo: prs, IssuesPerRepo: 500, Seed: 9})
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := benchEnv(b, data, 0)
		b.StartTimer()
		start := time.Now()
		res, err := e.runner("acme/repo00").Run(context.Background(), true)
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		st := e.srv.Stats()
		b.ReportMetric(float64(prs)/el.Seconds(), "prs/s")
		b.ReportMetric(float64(st.ByRoute["pulls"])/(prs/100), "pull_list_req/100prs")
		b.ReportMetric(float64(st.ByRoute["issues"]), "issue_list_req")
		b.ReportMetric(float64(st.ByRoute["reviews"])/prs, "review_req/pr")
		b.ReportMetric(float64(st.Requests), "requests")
		b.ReportMetric(float64(res.Counts.Reviews), "reviews")
	}
}

// BenchmarkGitHubIncremental5PRs touches 5 PRs of a 10,000-PR repo and syncs again.
func BenchmarkGitHubIncremental5PRs(b *testing.B) {
	data := githubtest.Generate(githubtest.GenOptions{PRsPerRepo: 10000, Seed: 10})
	e := benchEnv(b, data, 0)
	if _, err := e.runner("acme/repo00").Run(context.Background(), false); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.clock.Advance(time.Hour)
		for _, n := range []int{1, 2000, 4000, 6000, 8000} {
			if err := e.srv.UpdatePR("acme/repo00", n, nil); err != nil {
				b.Fatal(err)
			}
		}
		e.srv.ResetStats()
		if _, err := e.runner("acme/repo00").Run(context.Background(), false); err != nil {
			b.Fatal(err)
		}
		st := e.srv.Stats()
		b.ReportMetric(float64(st.Requests), "requests")
		b.ReportMetric(float64(st.Charged), "charged_requests")
	}
}

// BenchmarkGitHubIdle syncs an unchanged 10,000-PR repo.
func BenchmarkGitHubIdle(b *testing.B) {
	e := benchEnv(b, githubtest.Generate(githubtest.GenOptions{PRsPerRepo: 10000, Seed: 11}), 0)
	if _, err := e.runner("acme/repo00").Run(context.Background(), false); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.srv.ResetStats()
		if _, err := e.runner("acme/repo00").Run(context.Background(), false); err != nil {
			b.Fatal(err)
		}
		st := e.srv.Stats()
		b.ReportMetric(float64(st.Requests), "requests")
		b.ReportMetric(float64(st.Charged), "charged_requests")
	}
}

// BenchmarkGitHubConcurrentRepos syncs 40 small repos with 100 ms of latency per request,
// one repo at a time and four at a time, and reports the ratio.
func BenchmarkGitHubConcurrentRepos(b *testing.B) {
	data := githubtest.Generate(githubtest.GenOptions{Repos: 40, PRsPerRepo: 2, IssuesPerRepo: 1, Seed: 12})
	for i := 0; i < b.N; i++ {
		var took [2]time.Duration
		for k, conc := range []int{1, 4} {
			e := benchEnv(b, data, 100*time.Millisecond)
			g := syncer.NewGitHub(e.db, e.client, syncer.GitHubOptions{Repos: []string{"acme/*"}, Concurrency: conc}, nil, nil)
			start := time.Now()
			if _, err := g.Run(context.Background(), false); err != nil {
				b.Fatal(err)
			}
			took[k] = time.Since(start)
		}
		b.ReportMetric(took[0].Seconds(), "sequential_s")
		b.ReportMetric(took[1].Seconds(), "concurrent4_s")
		b.ReportMetric(took[1].Seconds()/took[0].Seconds(), "ratio")
	}
}

// BenchmarkGitHubFullSyncMemory reports the peak live heap (sampled after a forced GC every
// 50 ms) that a full sync adds above a warmed fake server, for two repo sizes: it should stay
// flat as the repo grows.
func BenchmarkGitHubFullSyncMemory(b *testing.B) {
	for _, prs := range []int{2000, 10000} {
		b.Run(fmt.Sprint(prs), func(b *testing.B) {
			data := githubtest.Generate(githubtest.GenOptions{PRsPerRepo: prs, Seed: 13})
			e := benchEnv(b, data, 0)
			if _, err := e.runner("acme/repo00").Run(context.Background(), true); err != nil {
				b.Fatal(err) // warms the fake's rendered pages
			}
			for i := 0; i < b.N; i++ {
				e.db = openDB(b, e.clock)
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
				if _, err := e.runner("acme/repo00").Run(context.Background(), true); err != nil {
					b.Fatal(err)
				}
				close(done)
				wg.Wait()
				b.ReportMetric(float64(peak.Load()-min(base, peak.Load()))/(1<<20), "peak_live_heap_above_base_MB")
			}
		})
	}
}

func TestGitHubOwnerWildcardSkipsArchived(t *testing.T) {
	data := githubtest.Generate(githubtest.GenOptions{Repos: 3, PRsPerRepo: 3, IssuesPerRepo: 1, Seed: 14})
	data[1].Archived = true
	tests := []struct {
		name  string
		repos []string
		want  []string
	}{
		{"wildcard", []string{"acme/*"}, []string{"acme/repo00", "acme/repo02"}},
		{"wildcard and named archived", []string{"acme/*", "acme/repo01"}, []string{"acme/repo00", "acme/repo01", "acme/repo02"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, data, envOptions{})
			e.run(t, false, tt.repos...)
			var got []string
			rows, err := e.db.ReadDB().Query(`SELECT DISTINCT repo FROM github_pull_requests ORDER BY repo`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var r string
				if err := rows.Scan(&r); err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("synced repos (-want +got):\n%s", diff)
			}
		})
	}
}

// A failed review fetch cancels its siblings; the run reports the failure, not a sibling's
// cancellation.
func TestGitHubDetailsReportTheCause(t *testing.T) {
	for range 5 {
		e := newEnv(t, small(40), envOptions{client: ghc.Options{MaxRetries: -1}})
		e.srv.Inject(githubtest.FaultMalformed, "/reviews", 1, 0)
		_, err := e.runner("acme/repo00").Run(context.Background(), false)
		if !errorsIs(err, cairn.ErrMalformed) || errorsIs(err, context.Canceled) {
			t.Fatalf("got %v, want the malformed review page as the cause", err)
		}
	}
}

// When one repo fails, the others it cancels are not reported as failures of their own.
func TestGitHubRunErrorNamesTheFailingRepo(t *testing.T) {
	data := githubtest.Generate(githubtest.GenOptions{Repos: 3, PRsPerRepo: 230, IssuesPerRepo: 60, Seed: 40})
	e := newEnv(t, data, envOptions{client: ghc.Options{MaxRetries: -1}})
	e.srv.Inject(githubtest.FaultMalformed, "/repos/acme/repo01/pulls", 1, 0)
	_, err := e.runner("acme/repo00", "acme/repo01", "acme/repo02").Run(context.Background(), false)
	if !errorsIs(err, cairn.ErrMalformed) || strings.Contains(err.Error(), "canceled") || !strings.Contains(err.Error(), "repo acme/repo01") {
		t.Fatalf("got %v, want only acme/repo01's malformed page", err)
	}
}
