//go:build chaos

package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
)

// wrkScript spreads 200 requests/s over the connections (wrk 4 has no rate option: delay()
// paces each connection), alternates /metrics and a status page, and prints the outcome as
// one JSON line.
const wrkScript = `
local paths = {"/metrics", "%s"}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% 2) + 1])
end
delay = function() return %d end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%%d,"p50_us":%%d,"p99_us":%%d,"max_us":%%d,"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d}\n',
    summary.requests, latency:percentile(50), latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
`

type wrkResult struct {
	Requests                              int
	P50us                                 int `json:"p50_us"`
	P99us                                 int `json:"p99_us"`
	MaxUs                                 int `json:"max_us"`
	Connect, Read, Write, Status, Timeout int
}

// The load test's world: 40 Jira projects of 5 versions (200 milestones in 20 programs) and
// the repos, 50 teams: the shape of the metrics goal.
const loadProjects = 40

func loadProject(i int) string {
	switch i {
	case 0:
		return "PAY"
	case 1:
		return "WEB"
	}
	return fmt.Sprintf("P%02d", i)
}

// loadConfig writes the config of the load test: both fakes, 50 teams, 200 milestones, and
// schedules that never fire during the test (syncs are triggered over the API).
func loadConfig(t *testing.T, dir, ghURL, jiraURL, db, listen string, repos []string) string {
	t.Helper()
	var b strings.Builder
	projects := make([]string, loadProjects)
	for i := range projects {
		projects[i] = loadProject(i)
	}
	fmt.Fprintf(&b, "database: %s\nlisten: %s\napi_token: %s\n", db, listen, apiToken)
	fmt.Fprintf(&b, "jira:\n  url: %s\n  deployment: cloud\n  email: %s\n  token: %s\n  projects: [%s]\n  schedule: \"0 0 1 1 *\"\n  reconcile: \"0 0 1 1 *\"\n",
		jiraURL, jiraEmail, jiraToken, strings.Join(projects, ", "))
	fmt.Fprintf(&b, "github:\n  url: %s\n  token: %s\n  repos: [%s]\n  schedule: \"0 0 1 1 *\"\n  reconcile: \"0 0 1 1 *\"\n",
		ghURL, githubToken, strings.Join(repos, ", "))
	b.WriteString("teams:\n")
	for _, p := range projects {
		fmt.Fprintf(&b, "  - {name: Team %s, jira_projects: [%s]}\n", p, p)
	}
	for _, r := range repos {
		fmt.Fprintf(&b, "  - {name: Team %s, repos: [%s]}\n", r, r)
	}
	b.WriteString("programs:\n")
	for m := range loadProjects * 5 {
		if m%10 == 0 {
			fmt.Fprintf(&b, "  - name: Program %02d\n    milestones:\n", m/10)
		}
		fmt.Fprintf(&b, "      - {name: M%03d, jira: {fix_versions: [\"%s 1.%d\"]}}\n", m, loadProject(m/5), m%5)
	}
	path := filepath.Join(dir, "cairn.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadDuringSync runs the real `cairn serve` against fakes served by the test and loads
// /metrics and a status page with wrk at 200 requests/s for 30 s (CHAOS_WRK_SECONDS; 10 s at
// CI scale) while full syncs of Jira and GitHub run back to back through POST /api/v1/sync:
// no errors, every sync ok and the database then equal to a quiet `cairn sync --full`'s, and
// no token in the answers or the service's output. The p99 < 100 ms goal is logged, and fails
// the test only with CHAOS_STRICT_LATENCY=1 (see BENCHMARKS.md: the endpoints miss it today).
func TestLoadDuringSync(t *testing.T) {
	if raceEnabled {
		t.Skip("latency under the race detector means nothing: .ci/run runs this test without -race")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Skip("wrk is not installed (Debian package wrk; .ci/run installs it)")
	}
	bin, real := syncBinary(t)
	if !real || exec.Command(bin, "serve", "--help").Run() != nil {
		t.Skip("needs the real cairn binary with its serve command")
	}
	seconds := 10
	if os.Getenv("CHAOS_SCALE") == "full" {
		seconds = 30
	}
	if s := os.Getenv("CHAOS_WRK_SECONDS"); s != "" {
		if seconds, err = strconv.Atoi(s); err != nil {
			t.Fatalf("CHAOS_WRK_SECONDS=%q: %v", s, err)
		}
	}
	sc := chaosScale()
	data := world(sc)
	repos := repoNames(data)
	ctx := withTimeout(t, 10*time.Minute)
	gh := githubtest.New(githubtest.Options{RateLimit: 1 << 30, OnRequest: func(*http.Request) { time.Sleep(sc.latency) }})
	defer gh.Close()
	gh.Load(data)
	jira := jiratest.New(jiratest.Options{Email: jiraEmail, Token: jiraToken})
	defer jira.Close()
	projects := make([]string, loadProjects)
	for i := range projects {
		projects[i] = loadProject(i)
	}
	jira.Generate(jiratest.GenOptions{Projects: projects, IssuesPerProject: sc.jiraIssues / 8, Seed: 11, Versions: 5})

	// The reference: a quiet `cairn sync --full`.
	cleanDir := t.TempDir()
	cleanDB := filepath.Join(cleanDir, "cairn.db")
	cleanCfg := loadConfig(t, cleanDir, gh.BaseURL(), jira.URL, cleanDB, "127.0.0.1:0", repos)
	start := time.Now()
	if out, err := exec.CommandContext(ctx, bin, "sync", "--config", cleanCfg, "--full").CombinedOutput(); err != nil {
		t.Fatalf("cairn sync: %v\n%s", err, out)
	}
	quiet := time.Since(start)
	want := syncedTables(digest(t, cleanDB))

	// The service.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "cairn.db")
	cfg := loadConfig(t, dir, gh.BaseURL(), jira.URL, db, addr, repos)
	serve := exec.CommandContext(ctx, bin, "serve", "--config", cfg)
	var serveOut bytes.Buffer
	serve.Stdout, serve.Stderr = &syncWriter{w: &serveOut}, &syncWriter{w: &serveOut}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = serve.Process.Signal(syscall.SIGTERM)
			_ = serve.Wait()
		}
	}
	defer stop()
	base := "http://" + addr
	page := "/programs/program-00"
	// The boot sync (full, both connectors) and its rollup make the page answer.
	waitFor(t, ctx, 3*time.Minute, func() bool {
		resp, err := http.Get(base + page)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "the status page after the boot sync", &serveOut)
	for _, p := range []string{"/metrics", page} {
		var took []time.Duration
		var body []byte
		for range 3 {
			start := time.Now()
			body = get(t, base+p)
			took = append(took, time.Since(start).Round(time.Millisecond/10))
		}
		t.Logf("GET %s without load: %v, %d KB", p, took, len(body)>>10)
		noSecret(t, p, body)
	}

	// Full syncs back to back through the API while wrk runs.
	loadCtx, stopLoad := context.WithCancel(ctx)
	syncsDone := make(chan []cairn.SyncRun, 1)
	go func() {
		var ids []int64
		for loadCtx.Err() == nil {
			id := postSync(t, base)
			if id == nil {
				time.Sleep(100 * time.Millisecond) // a run is in progress
				continue
			}
			ids = append(ids, id...)
			for loadCtx.Err() == nil && !finished(base, id) {
				time.Sleep(100 * time.Millisecond)
			}
		}
		syncsDone <- runsOf(base, ids)
	}()

	// Enough connections that the per-connection delay, not the answer time, sets the rate.
	const conns = 24
	script := filepath.Join(t.TempDir(), "load.lua")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(wrkScript, page, 1000*conns/200)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, wrk, "-t2", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(seconds)+"s",
		"--timeout", "5s", "-s", script, base).CombinedOutput()
	stopLoad()
	runs := <-syncsDone
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	var res wrkResult
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("wrk output: %v\n%s", err, out)
	}
	rate := float64(res.Requests) / float64(seconds)
	t.Logf("wrk: %d requests in %d s (%.0f/s): p50 %.1f ms, p99 %.1f ms, max %.1f ms; errors: connect %d read %d write %d status %d timeout %d",
		res.Requests, seconds, rate, float64(res.P50us)/1000, float64(res.P99us)/1000, float64(res.MaxUs)/1000,
		res.Connect, res.Read, res.Write, res.Status, res.Timeout)
	if n := res.Connect + res.Read + res.Write + res.Status + res.Timeout; n > 0 {
		t.Errorf("wrk saw %d errors", n)
	}

	// Let the last sync finish, then stop the service and compare.
	waitFor(t, ctx, 3*time.Minute, func() bool { return idle(base) }, "the last sync to finish", &serveOut)
	var took []string
	for _, r := range runsOf(base, nil) {
		if r.Status != cairn.RunOK {
			t.Errorf("run %d (%s, %s) under load: %s %s", r.ID, r.Connector, r.Mode, r.Status, r.Error)
		}
	}
	for _, r := range runs {
		took = append(took, fmt.Sprintf("%s %.1fs", r.Connector, r.FinishedAt.Sub(r.StartedAt).Seconds()))
	}
	t.Logf("syncs under load: %s; a quiet cairn sync --full of both took %.1fs", strings.Join(took, ", "), quiet.Seconds())
	stop()
	sameDigest(t, "after syncs under load", want, syncedTables(digest(t, db)))
	noSecret(t, "the output of cairn serve", serveOut.Bytes())
	noSecretInFiles(t, dir)

	// The latency goal: strict only on request.
	miss := func(format string, args ...any) {
		if os.Getenv("CHAOS_STRICT_LATENCY") == "1" {
			t.Errorf(format, args...)
		} else {
			t.Logf("GOAL NOT MET (CHAOS_STRICT_LATENCY=1 fails on it): "+format, args...)
		}
	}
	if res.P99us >= 100_000 {
		miss("p99 latency %.1f ms, want under 100 ms", float64(res.P99us)/1000)
	}
	if rate < 150 {
		miss("wrk sent %.0f requests/s, want about 200", rate)
	}
	if len(runs) == 0 {
		miss("no sync finished during %d s of load (a quiet one takes %.1fs)", seconds, quiet.Seconds())
	}
}

// syncedTables keeps the tables a sync writes (the rollup's are bookkeeping already).
func syncedTables(d map[string]tableDigest) map[string]tableDigest {
	out := map[string]tableDigest{}
	for k, v := range d {
		if strings.HasPrefix(k, "github_") || strings.HasPrefix(k, "jira_") || k == "pr_issue_links" {
			out[k] = v
		}
	}
	return out
}

// postSync asks for a full sync of every connector; nil when one is already running.
func postSync(t *testing.T, base string) []int64 {
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/sync", strings.NewReader(`{"full":true}`))
	req.Header.Set("Authorization", "Bearer "+apiToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var body struct{ IDs []int64 }
	if resp.StatusCode != http.StatusAccepted || json.NewDecoder(resp.Body).Decode(&body) != nil {
		return nil
	}
	return body.IDs
}

func runsOf(base string, ids []int64) []cairn.SyncRun {
	resp, err := http.Get(base + "/api/v1/runs?limit=1000")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var runs []cairn.SyncRun
	if json.NewDecoder(resp.Body).Decode(&runs) != nil {
		return nil
	}
	if ids == nil {
		return runs
	}
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []cairn.SyncRun
	for _, r := range runs {
		if want[r.ID] && r.Status != cairn.RunRunning {
			out = append(out, r)
		}
	}
	return out
}

func finished(base string, ids []int64) bool { return len(runsOf(base, ids)) == len(ids) }

func idle(base string) bool {
	runs := runsOf(base, nil)
	for _, r := range runs {
		if r.Status == cairn.RunRunning {
			return false
		}
	}
	return len(runs) > 0
}

func waitFor(t *testing.T, ctx context.Context, d time.Duration, ok func() bool, what string, out *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waited %v for %s; the service said:\n%s", d, what, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	return b
}
