package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/demo"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
)

// The hostile summary the world carries, raw and as HTML-escaped text.
const (
	hostileRaw     = `<script>alert(1)</script>`
	hostileEscaped = `&lt;script&gt;alert(1)&lt;/script&gt;`
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

const demoChildEnv = "CAIRN_TEST_DEMO_CHILD_ARGS"

// TestDemoChildProcess is the `cairn demo` that TestDemoCommand runs in a child process, through
// main itself (signals, exit code); on its own it skips.
func TestDemoChildProcess(t *testing.T) {
	args := os.Getenv(demoChildEnv)
	if args == "" {
		t.Skip("run by TestDemoCommand")
	}
	os.Args = append([]string{"cairn"}, strings.Fields(args)...)
	main()
}

// TestDemoCommand runs `cairn demo` as a process on a free port, reads the banner, visits what
// it points at, then interrupts it (SIGINT, as Ctrl-C does) and checks the clean exit, that its
// temporary files are gone and that the --db file stays.
func TestDemoCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT")
	}
	db := filepath.Join(t.TempDir(), "kept.db")
	cmd, tmp, cwd := demoChild(t, "demo --addr 127.0.0.1:0 --seed 3 --db "+db)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() // only if the test fails before the interrupt
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var banner []string
	for l := range lines {
		banner = append(banner, l)
		if strings.Contains(l, "Ctrl-C to stop") {
			break
		}
	}
	out := strings.Join(banner, "\n")
	if !strings.Contains(out, "Ctrl-C to stop") {
		t.Fatalf("the demo ended before it was ready (%v):\n%s\n%s", cmd.Wait(), out, stderr.String())
	}
	base := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`).FindString(out)
	configPath := regexp.MustCompile(`Config: +(\S+)`).FindStringSubmatch(out)
	if base == "" || configPath == nil {
		t.Fatalf("the banner lacks the address or the config path:\n%s", out)
	}
	for _, want := range []string{"/programs/checkout-v2", "/programs/platform-2027", "/metrics", "/api/v1/runs",
		"on track:", "Checkout v2 / GA (green)", "stalled:", "Database:       " + db} {
		if !strings.Contains(out, want) {
			t.Errorf("the banner lacks %q:\n%s", want, out)
		}
	}
	// The fakes' tokens are 32 hex digits: nothing like them may be printed.
	if tok := regexp.MustCompile(`\b[0-9a-f]{32}\b`).FindString(out + stderr.String()); tok != "" {
		t.Errorf("a token-like value %s was printed", tok)
	}

	// Each program's page: its milestones, and the hostile summary as text only.
	named := map[string][]string{"checkout-v2": {"Mobile launch", "GA", "Beta"}, "platform-2027": {"API v3", "Infra migration"}}
	hostileSeen := false
	for slug, milestones := range named {
		code, body := get(t, base+"/programs/"+slug)
		if code != http.StatusOK {
			t.Fatalf("GET /programs/%s: %d\n%s", slug, code, body)
		}
		for _, m := range milestones {
			if !strings.Contains(body, m) {
				t.Errorf("/programs/%s does not name milestone %q", slug, m)
			}
		}
		if strings.Contains(body, hostileRaw) {
			t.Errorf("/programs/%s carries the hostile summary unescaped", slug)
		}
		hostileSeen = hostileSeen || strings.Contains(body, hostileEscaped)
	}
	if !hostileSeen {
		t.Error("no page shows the hostile summary (escaped)")
	}
	demoPagesShowEveryCase(t, base)

	code, body := get(t, base+"/metrics")
	red := regexp.MustCompile(`(?m)^cairn_milestone_status\{[^}]*status="red"[^}]*\} 1$`)
	if code != http.StatusOK || !red.MatchString(body) {
		t.Errorf("/metrics: %d, no red milestone in cairn_milestone_status", code)
	}
	promtoolCheck(t, body)
	code, body = get(t, base+"/api/v1/runs")
	var runs []cairn.SyncRun
	if err := json.Unmarshal([]byte(body), &runs); code != http.StatusOK || err != nil {
		t.Fatalf("/api/v1/runs: %d %v\n%s", code, err, body)
	}
	ok := map[string]bool{}
	for _, r := range runs {
		ok[r.Connector] = ok[r.Connector] || r.Status == cairn.RunOK
	}
	if !ok[cairn.ConnectorJira] || !ok[cairn.ConnectorGitHub] {
		t.Errorf("/api/v1/runs: want an ok run of each connector, got %+v", runs)
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for range lines { // drain: "stopping the demo"
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGINT: %v, want exit 0\n%s", err, stderr.String())
	}
	if _, err := os.Stat(filepath.Dir(configPath[1])); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the demo's directory %s is still there after exit (%v)", filepath.Dir(configPath[1]), err)
	}
	if !strings.HasPrefix(configPath[1], tmp) {
		t.Errorf("the demo's config %s is not under TMPDIR %s", configPath[1], tmp)
	}
	assertEmpty(t, tmp, cwd)
	kept, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatalf("--db %s: %v", db, err)
	}
	defer kept.Close()
	if err := kept.IntegrityCheck(context.Background()); err != nil {
		t.Errorf("--db after exit: %v", err)
	}
}

// demoChild prepares `cairn demo args` as a child process with a TMPDIR and a working
// directory of its own, both empty, which it returns.
func demoChild(t *testing.T, args string) (cmd *exec.Cmd, tmp, cwd string) {
	t.Helper()
	tmp, cwd = t.TempDir(), t.TempDir()
	cmd = exec.Command(os.Args[0], "-test.run=^TestDemoChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), demoChildEnv+"="+args, envDemoTick+"=1h", "TMPDIR="+tmp)
	cmd.Dir = cwd
	return cmd, tmp, cwd
}

// assertEmpty fails for every file left in dirs: the demo writes nothing outside its temporary
// directory, which it removes.
func assertEmpty(t *testing.T, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			t.Errorf("the demo left %s in %s", e.Name(), dir)
		}
	}
}

// TestDemoInterruptedAtStart interrupts a demo during its first sync: it stops cleanly, with
// exit code 0, and leaves nothing behind.
func TestDemoInterruptedAtStart(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT")
	}
	cmd, tmp, cwd := demoChild(t, "demo --addr 127.0.0.1:0 --scale 20")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout lockedBuffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var logs strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		logs.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "sync progress") { // the first full sync is under way
			break
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, stderr)
	if err := cmd.Wait(); err != nil {
		t.Errorf("interrupted at start: %v, want exit 0\n%s", err, logs.String())
	}
	if strings.Contains(stdout.String(), "Ctrl-C to stop") {
		t.Log("the demo was ready before the interrupt arrived")
	}
	assertEmpty(t, tmp, cwd)
}

// promtoolCheck lints an exposition with promtool check metrics, when promtool is installed
// (CI installs it).
func promtoolCheck(t *testing.T, exposition string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found: .ci/run must install it")
		}
		t.Log("promtool not installed: /metrics not linted")
		return
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestDemoWorld starts the demo's parts in-process and checks, from the stored rollup report,
// that the real service shows every case of the world, then moves the world, syncs
// incrementally and checks that the change is in the store and the report.
func TestDemoWorld(t *testing.T) {
	ctx := context.Background()
	var stderr lockedBuffer
	env := Env{Stdout: io.Discard, Stderr: &stderr, LookupEnv: func(string) (string, bool) { return "", false }}
	o := &options{addr: "127.0.0.1:0", seed: 7, scale: 1, logLevel: "info", logFormat: "text"}
	began := time.Now()
	d, err := startDemo(ctx, env, o)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	}()
	rep, err := d.waitReady(ctx, began)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	stored, err := rollup.Reports{DB: d.db}.LatestReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.CheckReport(stored); err != nil {
		t.Fatalf("the stored report does not show every case of the world:\n%v", err)
	}
	growth := scopeOf(rep, "Platform 2027", "Observability")

	changes, err := d.motion.Step(4) // the fourth step adds an issue to the growing milestone
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now()
	for {
		_, err := d.main.Service.Sync(ctx, "all", false)
		if err == nil {
			break
		}
		if !errors.Is(err, cairn.ErrRunning) { // a scheduled sync may be running: wait for it
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rep, err = d.waitReady(ctx, since); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, tok := range []string{d.fakes.JiraToken, d.fakes.GitHubToken, d.cfg.APIToken.Reveal()} {
		if strings.Contains(stderr.String(), tok) {
			t.Error("a token was logged")
		}
	}
	data, err := d.db.LoadRollupData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, is := range data.Issues {
		status[is.Key] = is.Status
	}
	added := 0
	for _, c := range changes {
		switch c.Kind {
		case demo.ChangeStatus:
			if is, _ := d.fakes.Jira.Issue(c.Item); status[c.Item] != is.Status {
				t.Errorf("%s: stored status %q after the incremental sync, want %q", c, status[c.Item], is.Status)
			}
		case demo.ChangeAdded:
			added++
			if status[c.Item] == "" {
				t.Errorf("%s: the new issue is not stored", c)
			}
		}
	}
	if added == 0 {
		t.Fatalf("four steps added no issue: %v", changes)
	}
	if got := scopeOf(rep, "Platform 2027", "Observability"); got != growth+added {
		t.Errorf("Observability scope %d after %d issues were added to %d", got, added, growth)
	}
	runs, err := d.db.Runs(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) < 2 || runs[0].Mode != "incremental" || runs[1].Mode != "incremental" {
		t.Errorf("the latest runs are not incremental: %+v", runs[:min(2, len(runs))])
	}
}

func scopeOf(r *rollup.Report, program, milestone string) int {
	if p := r.Program(program); p != nil {
		if m := p.Milestone(milestone); m != nil {
			return m.Scope.Total
		}
	}
	return -1
}

func TestDemoUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		out  string
	}{
		{"scale 0", nil, []string{"demo", "--scale", "0"}, "--scale: must be 1..100"},
		{"scale too big", nil, []string{"demo", "--scale", "101"}, "--scale: must be 1..100"},
		{"negative seed", nil, []string{"demo", "--seed", "-1"}, "--seed: must not be negative"},
		{"bad tick", map[string]string{envDemoTick: "soon"}, []string{"demo"}, envDemoTick + ": must be a positive duration"},
		{"arguments", nil, []string{"demo", "extra"}, "unexpected arguments"},
		{"bad log level", nil, []string{"demo", "--log-level", "loud"}, "--log-level"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.env, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.out) {
				t.Errorf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", code, exitUsage, tt.out, stdout, stderr)
			}
		})
	}
}

// demoPagesShowEveryCase reads the status pages as a TPM would: each case of the world with
// its status lozenge, the reasons behind the red ones, and the work blocked across programs.
func demoPagesShowEveryCase(t *testing.T, base string) {
	t.Helper()
	body := map[string]string{}
	for _, slug := range []string{"checkout-v2", "platform-2027"} {
		_, body[slug] = get(t, base+"/programs/"+slug)
	}
	want := map[string][]string{ // case -> acceptable lozenge classes
		"done": {"done"}, "on track": {"green"}, "slipping": {"red", "amber"}, "overdue": {"red"},
		"scope growth": {"amber", "red"}, "stalled": {"red"}, "no due date": {"none", "grey"},
	}
	for _, c := range demo.CaseList() {
		page := body[pages.Slug(c.Program)]
		got := lozengeOf(page, c.Milestone)
		if !slices.Contains(want[c.Shows], got) {
			t.Errorf("%s: %s / %s shows %q on its page, want one of %v", c.Shows, c.Program, c.Milestone, got, want[c.Shows])
		}
	}
	for slug, texts := range map[string][]string{
		"checkout-v2":   {"after the due date", "blocked by", "program Platform 2027"},
		"platform-2027": {"has passed with", "Stalled:", "Scope grew"},
	} {
		for _, text := range texts {
			if !strings.Contains(body[slug], text) {
				t.Errorf("/programs/%s does not say %q", slug, text)
			}
		}
	}
}

// lozengeOf returns the class of the first status lozenge after a milestone's linked name.
func lozengeOf(page, milestone string) string {
	i := strings.Index(page, ">"+html.EscapeString(milestone)+"</a>")
	if i < 0 {
		return "(milestone not on the page)"
	}
	m := regexp.MustCompile(`class="lozenge (\w+)"`).FindStringSubmatch(page[i:min(len(page), i+300)])
	if m == nil {
		return "(no status next to it)"
	}
	return m[1]
}

func TestDemoAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, stderr := runCLI(t, nil, "demo", "--addr", ln.Addr().String())
	if code != exitFailure || !strings.Contains(stderr, "--addr 127.0.0.1:0 takes a free port") {
		t.Errorf("exit %d, want %d with a hint to pick another address\n%s", code, exitFailure, stderr)
	}
}
