package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cairn-dev/cairn"
	ghc "github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/service"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

const token = "s3cret-api-token"

// gate holds the fake GitHub's requests while closed, so a test can keep a sync in flight.
type gate struct {
	mu       sync.Mutex
	closed   bool
	after    int // CloseAfter: requests still let through before the gate closes
	open     chan struct{}
	inFlight chan struct{} // one send per request that reached the closed gate
}

func newGate() *gate {
	return &gate{open: make(chan struct{}), inFlight: make(chan struct{}, 1000)}
}

func (g *gate) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed, g.open = true, make(chan struct{})
	}
}

func (g *gate) Open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		g.closed = false
		close(g.open)
	}
}

// CloseAfter lets n more requests through, then closes the gate.
func (g *gate) CloseAfter(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.after = n
}

func (g *gate) wait(r *http.Request) {
	g.mu.Lock()
	if g.after > 0 {
		if g.after--; g.after == 0 {
			g.closed, g.open = true, make(chan struct{})
		}
		g.mu.Unlock()
		return
	}
	closed, open := g.closed, g.open
	g.mu.Unlock()
	if !closed {
		return
	}
	g.inFlight <- struct{}{}
	select {
	case <-open:
	case <-r.Context().Done():
	}
}

type fixture struct {
	gh      *githubtest.Server
	gate    *gate
	db      *store.DB
	dbPath  string
	health  *service.Health
	svc     *service.Service
	url     string
	rollups int
	mu      sync.Mutex
}

type setupOptions struct {
	token string
	grace time.Duration
	dir   string // database directory (default a new temp dir)
	route *service.Route
}

func setup(t *testing.T, o setupOptions) *fixture {
	t.Helper()
	f := &fixture{gate: newGate()}
	f.gh = githubtest.New(githubtest.Options{OnRequest: f.gate.wait})
	t.Cleanup(func() { f.gate.Open(); f.gh.Close() })
	f.gh.Load(githubtest.Generate(githubtest.GenOptions{Repos: 2, PRsPerRepo: 60, IssuesPerRepo: 20, Seed: 7}))
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	f.dbPath = filepath.Join(o.dir, "cairn.db")
	var err error
	if f.db, err = store.Open(context.Background(), f.dbPath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.db.Close() })
	f.health = service.NewHealth(service.BuildInfo{Version: "1.2.3", Revision: "abc123"})
	client, err := ghc.New(ghc.Options{BaseURL: f.gh.BaseURL(), Token: "ghp_test", JiraProjects: []string{"PAY", "WEB"},
		Observer: f.health, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	runner := syncer.NewGitHub(f.db, client, syncer.GitHubOptions{Repos: []string{"acme/*"}, Concurrency: 1}, nil, nil)
	opts := service.Options{
		DB:         f.db,
		Connectors: []service.Connector{{Runner: runner, Schedule: "*/10 * * * *", Reconcile: "37 3 * * *"}},
		AfterSync: func(context.Context) error {
			f.mu.Lock()
			f.rollups++
			f.mu.Unlock()
			return nil
		},
		Listen:        "127.0.0.1:0",
		APIToken:      o.token,
		Health:        f.health,
		NoBootSync:    true,
		ShutdownGrace: o.grace,
		Log:           slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if o.route != nil {
		opts.Routes = []service.Route{*o.route}
	}
	if f.svc, err = service.New(opts); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.svc.Close() })
	f.url = "http://" + f.svc.Addr().String()
	return f
}

func (f *fixture) do(t *testing.T, method, path, auth, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// waitRun polls GET /api/v1/runs/{id} until the run is no longer running.
func (f *fixture) waitRun(t *testing.T, id int64) cairn.SyncRun {
	t.Helper()
	for i := 0; ; i++ {
		code, _, body := f.do(t, "GET", fmt.Sprintf("/api/v1/runs/%d", id), "", "")
		var run cairn.SyncRun
		if code != http.StatusOK || json.Unmarshal(body, &run) != nil {
			t.Fatalf("GET run %d: %d %s", id, code, body)
		}
		if run.Status != cairn.RunRunning {
			return run
		}
		if i > 3000 {
			t.Fatalf("run %d still running", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHealthAndIndex(t *testing.T) {
	f := setup(t, setupOptions{route: &service.Route{Pattern: "GET /programs/", Title: "Programs <b>&</b>",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "pages") })}})
	tests := []struct {
		path     string
		code     int
		contains string
	}{
		{"/healthz", 200, "ok"},
		{"/readyz", 200, "ok"},
		{"/programs/", 200, "pages"},
		{"/", 200, `<a href="/programs/">Programs &lt;b&gt;&amp;&lt;/b&gt;</a>`},
		{"/", 200, `<a href="/metrics">`},
		{"/", 200, `cairn 1.2.3`},
		{"/nope", 404, ""},
		{"/api/v1/runs", 200, "[]"},
		{"/api/v1/runs?limit=0", 400, "limit"},
		{"/api/v1/runs?limit=x", 400, "limit"},
		{"/api/v1/runs?connector=gitlab", 400, "connector"},
		{"/api/v1/runs/12", 404, "no run 12"},
		{"/api/v1/runs/x", 400, "id"},
		{"/metrics", 200, `cairn_build_info{goversion="` + runtime.Version() + `",revision="abc123",version="1.2.3"} 1`},
	}
	for _, tt := range tests {
		code, _, body := f.do(t, "GET", tt.path, "", "")
		if code != tt.code || !strings.Contains(string(body), tt.contains) {
			t.Errorf("GET %s: got %d %q, want %d containing %q", tt.path, code, body, tt.code, tt.contains)
		}
	}
	if code, _, _ := f.do(t, "POST", "/healthz", "", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz: got %d, want 405", code)
	}
}

func TestSyncAPIAuth(t *testing.T) {
	t.Run("disabled without a token", func(t *testing.T) {
		f := setup(t, setupOptions{})
		if code, _, body := f.do(t, "POST", "/api/v1/sync", "Bearer anything", `{"connector":"github"}`); code != 404 {
			t.Errorf("got %d %s, want 404", code, body)
		}
	})
	f := setup(t, setupOptions{token: token})
	tests := []struct {
		name, auth, body string
		code             int
		contains         string
	}{
		{"no header", "", `{"connector":"github"}`, 401, "bearer"},
		{"wrong token", "Bearer nope", `{"connector":"github"}`, 401, "bearer"},
		{"token prefix", "Bearer " + token[:5], `{"connector":"github"}`, 401, "bearer"},
		{"basic scheme", "Basic " + token, `{"connector":"github"}`, 401, "bearer"},
		{"malformed body", "Bearer " + token, `{"connector":`, 400, "body"},
		{"unknown field", "Bearer " + token, `{"connector":"github","fast":true}`, 400, "fast"},
		{"two objects", "Bearer " + token, `{"connector":"github"}{}`, 400, "one JSON object"},
		{"unknown connector", "Bearer " + token, `{"connector":"gitlab"}`, 400, `must be github or all (got \"gitlab\")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := f.do(t, "POST", "/api/v1/sync", tt.auth, tt.body)
			if code != tt.code || !strings.Contains(string(body), tt.contains) {
				t.Errorf("got %d %s, want %d containing %q", code, body, tt.code, tt.contains)
			}
			if code == 401 && h.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if strings.Contains(string(body), token) {
				t.Error("the answer contains the token")
			}
		})
	}
	if runs, _ := f.db.Runs(context.Background(), "", 10); len(runs) != 0 {
		t.Errorf("refused requests started %d runs", len(runs))
	}
}

func TestSyncAPIStartsRunAndConflicts(t *testing.T) {
	f := setup(t, setupOptions{token: token})
	f.gate.Close()
	code, _, body := f.do(t, "POST", "/api/v1/sync", "bearer "+token, `{"connector":"all","full":true}`)
	if code != http.StatusAccepted {
		t.Fatalf("POST: got %d %s, want 202", code, body)
	}
	var resp service.SyncResponse
	if err := json.Unmarshal(body, &resp); err != nil || len(resp.IDs) != 1 || resp.Runs[0].Mode != "full" {
		t.Fatalf("POST answer: %s (%v)", body, err)
	}
	<-f.gate.inFlight // the run waits on its first request
	code, _, body = f.do(t, "POST", "/api/v1/sync", "Bearer "+token, `{"connector":"github"}`)
	if code != http.StatusConflict {
		t.Errorf("second POST: got %d %s, want 409", code, body)
	}
	code, _, body = f.do(t, "GET", "/api/v1/runs", "", "")
	var runs []map[string]any
	if err := json.Unmarshal(body, &runs); code != 200 || err != nil || len(runs) != 1 || runs[0]["status"] != "running" {
		t.Errorf("runs while running: %d %s", code, body)
	}
	if got := metricValue(t, f.health, "cairn_sync_running", "github"); got != 1 {
		t.Errorf("cairn_sync_running: got %v, want 1", got)
	}
	f.gate.Open()
	run := f.waitRun(t, resp.IDs[0])
	if run.Status != cairn.RunOK || run.Mode != "full" || run.Counts.New == 0 || run.Requests == 0 {
		t.Errorf("run: %+v, want ok, full, with items and requests", run)
	}

	// A second, incremental run; the listing is newest first and honours limit.
	code, _, body = f.do(t, "POST", "/api/v1/sync", "Bearer "+token, `{}`)
	if code != http.StatusAccepted || json.Unmarshal(body, &resp) != nil {
		t.Fatalf("third POST: %d %s", code, body)
	}
	f.waitRun(t, resp.IDs[0])
	code, _, body = f.do(t, "GET", "/api/v1/runs?limit=5", "", "")
	runs = nil
	if err := json.Unmarshal(body, &runs); code != 200 || err != nil || len(runs) != 2 {
		t.Fatalf("runs: %d %s", code, body)
	}
	for _, k := range []string{"id", "connector", "mode", "started_at", "finished_at", "status", "counts", "requests"} {
		if _, ok := runs[0][k]; !ok {
			t.Errorf("run JSON has no %q: %v", k, runs[0])
		}
	}
	if runs[0]["id"].(float64) <= runs[1]["id"].(float64) || runs[0]["mode"] != "incremental" {
		t.Errorf("runs not newest first: %v", runs)
	}
	code, _, body = f.do(t, "GET", "/api/v1/runs?limit=1&connector=github", "", "")
	runs = nil
	if err := json.Unmarshal(body, &runs); code != 200 || err != nil || len(runs) != 1 {
		t.Errorf("runs?limit=1: %d %s", code, body)
	}
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rollups != 2 {
		t.Errorf("rollups: got %d, want 2", f.rollups)
	}
}

// metricValue returns the value of one series of a collector, found by name and connector.
func metricValue(t *testing.T, c prometheus.Collector, name, connector string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "connector" && l.GetValue() == connector {
					if m.GetCounter() != nil {
						return m.GetCounter().GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{connector=%q}", name, connector)
	return 0
}

func TestReadyzOnClosedStore(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(service.Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 {
		t.Errorf("open store: got %d, want 200", rec.Code)
	}
	db.Close()
	rec = httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("closed store: got %d %s, want 503", rec.Code, rec.Body)
	}
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMetricsAfterSync(t *testing.T) {
	f := setup(t, setupOptions{token: token})
	code, _, body := f.do(t, "POST", "/api/v1/sync", "Bearer "+token, `{"connector":"github","full":true}`)
	var resp service.SyncResponse
	if code != 202 || json.Unmarshal(body, &resp) != nil {
		t.Fatalf("POST: %d %s", code, body)
	}
	run := f.waitRun(t, resp.IDs[0])
	if err := f.svc.Close(); err != nil { // the run's bookkeeping is done once Close returns
		t.Fatal(err)
	}
	scrape := scrapeHandler(t, f.svc)
	for _, want := range []string{
		`cairn_sync_runs_total{connector="github",outcome="ok"} 1`,
		`cairn_sync_runs_total{connector="github",outcome="failed"} 0`,
		`cairn_sync_running{connector="github"} 0`,
		fmt.Sprintf(`cairn_sync_items_total{connector="github",kind="new"} %d`, run.Counts.New),
		fmt.Sprintf(`cairn_api_requests_total{code="200",connector="github"} %d`, run.Requests),
		`cairn_api_rate_limit_remaining{connector="github"} `,
		`cairn_sync_last_success_timestamp_seconds{connector="github"} `,
		`cairn_sync_last_run_duration_seconds{connector="github"} `,
		`cairn_job_skipped_total{task="github_sync"} 0`,
		`cairn_job_panics_total{task="github_reconcile"} 0`,
		`cairn_job_runs_total{outcome="ok",task="rollup"} 1`,
	} {
		if !strings.Contains(scrape, want) {
			t.Errorf("scrape has no %q", want)
		}
	}
	if problems, err := testutil.CollectAndLint(f.health); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %+v", err, problems)
	}
	promtool(t, scrape)
}

func scrapeHandler(t *testing.T, svc *service.Service) string {
	t.Helper()
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

// promtool runs `promtool check metrics` on a scrape when promtool is installed.
func promtool(t *testing.T, scrape string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool not on PATH: skipping promtool check metrics")
		return
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(scrape)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out.String())
	}
}

func TestHealthObserverSeries(t *testing.T) {
	h := service.NewHealth(service.BuildInfo{Version: "v1", Revision: "r1", GoVersion: "go1.26"})
	h.ObserveRequest("github", 200, time.Second)
	h.ObserveRequest("github", 200, time.Second)
	h.ObserveRequest("github", 403, time.Second)
	h.ObserveRequest("jira", 0, time.Second)
	h.ObserveRateLimit("github", 4998, time.Unix(1767225600, 0))
	want := `
# HELP cairn_api_rate_limit_remaining Requests left in the upstream rate-limit budget, as last reported.
# TYPE cairn_api_rate_limit_remaining gauge
cairn_api_rate_limit_remaining{connector="github"} 4998
# HELP cairn_api_rate_limit_reset_timestamp_seconds Unix time when the upstream rate-limit budget resets, as last reported.
# TYPE cairn_api_rate_limit_reset_timestamp_seconds gauge
cairn_api_rate_limit_reset_timestamp_seconds{connector="github"} 1.7672256e+09
# HELP cairn_api_requests_total HTTP requests to the upstream API by connector and status code (0 when no response arrived).
# TYPE cairn_api_requests_total counter
cairn_api_requests_total{code="0",connector="jira"} 1
cairn_api_requests_total{code="200",connector="github"} 2
cairn_api_requests_total{code="403",connector="github"} 1
# HELP cairn_build_info A metric with a constant value of 1, labelled with the version, revision and Go version of cairn.
# TYPE cairn_build_info gauge
cairn_build_info{goversion="go1.26",revision="r1",version="v1"} 1
`
	if err := testutil.CollectAndCompare(h, strings.NewReader(want), "cairn_api_rate_limit_remaining",
		"cairn_api_rate_limit_reset_timestamp_seconds", "cairn_api_requests_total", "cairn_build_info"); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.CollectAndLint(h); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %+v", err, problems)
	}
}

// A route of the caller's for GET /metrics replaces the registry's handler (cairn serve's
// metrics.Handler sends the registry and the rollup's series itself).
func TestMetricsRouteOverride(t *testing.T) {
	f := setup(t, setupOptions{route: &service.Route{Pattern: "GET /metrics", Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "replaced\n")
	})}})
	code, _, body := f.do(t, "GET", "/metrics", "", "")
	if code != 200 || string(body) != "replaced\n" {
		t.Errorf("GET /metrics with a route for it: %d %q", code, body)
	}
}
