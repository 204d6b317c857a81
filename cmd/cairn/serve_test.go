package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/config"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
	"github.com/cairn-dev/cairn/service"
	"github.com/cairn-dev/cairn/store"
)

const serveAPIToken = "api-token-never-printed"

// holdGate holds the fake GitHub's requests while closed.
type holdGate struct {
	mu       sync.Mutex
	closed   bool
	open     chan struct{}
	inFlight chan struct{}
}

func newHoldGate() *holdGate { return &holdGate{inFlight: make(chan struct{}, 1000)} }

func (g *holdGate) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed, g.open = true, make(chan struct{})
}

func (g *holdGate) Open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		g.closed = false
		close(g.open)
	}
}

func (g *holdGate) wait(r *http.Request) {
	g.mu.Lock()
	closed, open := g.closed, g.open
	g.mu.Unlock()
	if closed {
		g.inFlight <- struct{}{}
		select {
		case <-open:
		case <-r.Context().Done():
		}
	}
}

type serveSetup struct {
	gate   *holdGate
	config string
	db     string
	env    map[string]string
}

func newServeSetup(t *testing.T) *serveSetup {
	t.Helper()
	s := &serveSetup{gate: newHoldGate()}
	js := jiratest.New(jiratest.Options{Deployment: jiratest.Cloud, Email: "bot@example.com", Token: syncJiraToken})
	t.Cleanup(js.Close)
	js.Generate(jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: 40, Seed: 3})
	gs := githubtest.New(githubtest.Options{Tokens: []string{syncGitHubToken}, OnRequest: s.gate.wait})
	t.Cleanup(func() { s.gate.Open(); gs.Close() })
	gs.Load(githubtest.Generate(githubtest.GenOptions{Repos: 2, PRsPerRepo: 40, IssuesPerRepo: 10,
		JiraProjects: []string{"PAY", "WEB"}, Seed: 4}))
	dir := t.TempDir()
	s.db = filepath.Join(dir, "cairn.db")
	s.config = writeConfig(t, fmt.Sprintf(`database: %s
listen: 127.0.0.1:0
api_token: ${CAIRN_API_TOKEN}
timezone: Europe/Berlin
jira:
  url: %s
  email: bot@example.com
  token: ${JIRA_TOKEN}
  projects: [PAY, WEB]
github:
  url: %s
  token: ${GITHUB_TOKEN}
  repos: [acme/*]
pages:
  out_dir: %s
programs:
  - name: Checkout <v2>
    milestones:
      - name: Beta
        due: 2027-01-15
        jira: {epics: [PAY-1]}
        github: {repos: [acme/repo00]}
`, s.db, js.BaseURL(), gs.BaseURL(), filepath.Join(dir, "pages")))
	s.env = map[string]string{"JIRA_TOKEN": syncJiraToken, "GITHUB_TOKEN": syncGitHubToken, "CAIRN_API_TOKEN": serveAPIToken}
	return s
}

func (s *serveSetup) main(t *testing.T, grace time.Duration) *Main {
	t.Helper()
	cfg, err := config.LoadEnv(s.config, func(k string) (string, bool) { v, ok := s.env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.ShutdownGrace = grace
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func call(t *testing.T, m *Main, method, path, auth, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+m.Addr()+path, strings.NewReader(body))
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
	return resp.StatusCode, string(b)
}

// eventually polls cond (a real server runs on its own time) and fails after a generous bound.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 6000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func runsOf(t *testing.T, m *Main) []cairn.SyncRun {
	t.Helper()
	code, body := call(t, m, "GET", "/api/v1/runs", "", "")
	var runs []cairn.SyncRun
	if code != 200 || json.Unmarshal([]byte(body), &runs) != nil {
		t.Fatalf("GET /api/v1/runs: %d %s", code, body)
	}
	return runs
}

func TestServeEndToEnd(t *testing.T) {
	s := newServeSetup(t)
	m := s.main(t, 20*time.Millisecond)
	ctx := context.Background()

	// The database is empty: both connectors sync in full at start, then the rollup runs.
	eventually(t, "the boot syncs", func() bool {
		runs := runsOf(t, m)
		return len(runs) == 2 && runs[0].Status == cairn.RunOK && runs[1].Status == cairn.RunOK
	})
	for _, r := range runsOf(t, m) {
		if r.Mode != "full" || r.Counts.New == 0 {
			t.Errorf("boot run %+v: want full with items", r)
		}
	}
	eventually(t, "the first rollup", func() bool {
		code, _ := call(t, m, "GET", "/api/v1/programs", "", "")
		return code == 200
	})
	for path, want := range map[string]string{
		"/readyz":              "ok",
		"/healthz":             "ok",
		"/programs":            "Checkout &lt;v2&gt;",
		"/api/v1/programs":     `"name":"Checkout \u003cv2\u003e"`,
		"/":                    `href="/programs"`,
		"/api/v1/runs?limit=1": `"status": "ok"`,
	} {
		if code, body := call(t, m, "GET", path, "", ""); code != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: got %d, want 200 containing %q:\n%.600s", path, code, want, body)
		}
	}
	var scrape string
	eventually(t, "the health series", func() bool {
		_, scrape = call(t, m, "GET", "/metrics", "", "")
		return strings.Contains(scrape, `cairn_sync_runs_total{connector="github",outcome="ok"} 1`) &&
			strings.Contains(scrape, `cairn_sync_runs_total{connector="jira",outcome="ok"} 1`) &&
			strings.Contains(scrape, `cairn_job_runs_total{outcome="ok",task="rollup"}`)
	})
	for _, want := range []string{
		`cairn_build_info{goversion="`,
		`cairn_sync_last_success_timestamp_seconds{connector="jira"} `,
		`cairn_sync_last_run_duration_seconds{connector="github"} `,
		`cairn_api_requests_total{code="200",connector="jira"} `,
		`cairn_api_rate_limit_remaining{connector="github"} `,
		`cairn_sync_running{connector="github"} 0`,
		`cairn_job_skipped_total{task="pages"} 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(scrape, want) {
			t.Errorf("scrape has no %q", want)
		}
	}
	promtoolCheck(t, scrape)

	// The sync API: auth, then a run held in flight by the fake GitHub, and a conflict.
	for _, auth := range []string{"", "Bearer wrong", "Basic " + serveAPIToken} {
		if code, body := call(t, m, "POST", "/api/v1/sync", auth, `{"connector":"github"}`); code != 401 {
			t.Errorf("POST with %q: got %d %s, want 401", auth, code, body)
		}
	}
	s.gate.Close()
	code, body := call(t, m, "POST", "/api/v1/sync", "Bearer "+serveAPIToken, `{"connector":"github"}`)
	var resp service.SyncResponse
	if code != 202 || json.Unmarshal([]byte(body), &resp) != nil || len(resp.IDs) != 1 {
		t.Fatalf("POST: got %d %s, want 202 with an id", code, body)
	}
	<-s.gate.inFlight
	if code, body := call(t, m, "POST", "/api/v1/sync", "Bearer "+serveAPIToken, `{"connector":"all"}`); code != 409 {
		t.Errorf("POST while running: got %d %s, want 409", code, body)
	}
	if code, body := call(t, m, "GET", "/metrics", "", ""); code != 200 || !strings.Contains(body, `cairn_sync_running{connector="github"} 1`) {
		t.Errorf("cairn_sync_running while running: %d", code)
	}

	// Shut down mid-sync: the held run is cancelled after the grace period and recorded.
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
	held, err := db.Run(ctx, resp.IDs[0])
	if err != nil || held.Status != cairn.RunFailed {
		t.Errorf("run cut by the shutdown: %+v %v, want failed", held, err)
	}
	db.Close()

	// The next process resumes: no boot sync (both succeeded before), and a run completes.
	s.gate.Open()
	m2 := s.main(t, time.Minute)
	code, body = call(t, m2, "POST", "/api/v1/sync", "Bearer "+serveAPIToken, `{"connector":"all","full":true}`)
	if code != 202 || json.Unmarshal([]byte(body), &resp) != nil || len(resp.IDs) != 2 {
		t.Fatalf("POST after restart: got %d %s", code, body)
	}
	eventually(t, "the runs after restart", func() bool {
		runs := runsOf(t, m2)
		return runs[0].Status != cairn.RunRunning && runs[1].Status != cairn.RunRunning
	})
	for _, r := range runsOf(t, m2)[:2] {
		if r.Status != cairn.RunOK {
			t.Errorf("run after restart: %+v, want ok", r)
		}
	}
	if runs := runsOf(t, m2); len(runs) != 5 {
		t.Errorf("runs: got %d, want 5 (2 boot, 1 cut, 2 after restart)", len(runs))
	}
	if err := m2.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestServeCommandRunsUntilCancelled(t *testing.T) {
	s := newServeSetup(t)
	var stdout, stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- Run(ctx, []string{"serve", "--config", s.config, "--grace", "30s"}, Env{Stdout: &stdout, Stderr: &stderr,
			LookupEnv: func(k string) (string, bool) { v, ok := s.env[k]; return v, ok }})
	}()
	eventually(t, "the boot syncs to finish", func() bool {
		return strings.Count(stderr.String(), `msg="sync done"`) == 2
	})
	cancel()
	if got := <-code; got != exitOK {
		t.Errorf("exit code: got %d, want 0\nstderr:\n%s", got, stderr.String())
	}
	for _, want := range []string{"msg=listening", `msg=scheduled job=github_sync schedule="*/10 * * * *" time_zone=Europe/Berlin`,
		`msg=scheduled job=pages`, "msg=stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr has no %q:\n%s", want, stderr.String())
		}
	}
	noSecrets(t, stdout.String(), stderr.String())
	if strings.Contains(stderr.String(), serveAPIToken) {
		t.Error("stderr shows the API token")
	}

	if got, _, errOut := runCLI(t, s.env, "serve", "--config", s.config, "extra"); got != exitUsage {
		t.Errorf("serve with an argument: exit %d, want 2\n%s", got, errOut)
	}
}
