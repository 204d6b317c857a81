//go:build chaos

package chaos

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
)

// killer is a fake GitHub and a fake Jira that SIGKILL the sync process when they receive
// their n-th request (counted over both).
type killer struct {
	srv    *githubtest.Server
	jira   *jiratest.Server
	front  *httptest.Server // the fake Jira behind the request counter
	count  atomic.Int64
	target atomic.Int64
	victim atomic.Pointer[os.Process]
	fired  atomic.Bool
}

func newKiller(sc scale, data []githubtest.Repo) *killer {
	k := &killer{}
	hit := func() {
		time.Sleep(sc.latency)
		if n := k.count.Add(1); n == k.target.Load() {
			k.kill()
		}
	}
	k.srv = githubtest.New(githubtest.Options{RateLimit: 1 << 30, OnRequest: func(*http.Request) { hit() }})
	k.srv.Load(data)
	k.jira = jiratest.New(jiratest.Options{Email: jiraEmail, Token: jiraToken})
	k.jira.Generate(jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: sc.jiraIssues, Seed: 7, Versions: 4})
	k.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit()
		k.jira.Config.Handler.ServeHTTP(w, r)
	}))
	return k
}

func (k *killer) Close() {
	k.front.Close()
	k.jira.Close()
	k.srv.Close()
}

func (k *killer) kill() {
	if p := k.victim.Load(); p != nil && k.fired.CompareAndSwap(false, true) {
		_ = p.Signal(syscall.SIGKILL)
	}
}

// jiraURL is the fake Jira's address for the real binary; the stand-in syncs GitHub only.
func (k *killer) jiraURL(real bool) string {
	if !real {
		return ""
	}
	return k.front.URL
}

// syncRun is one finished sync process.
type syncRun struct {
	stdout, stderr []byte
	err            error
	killed         bool
	took           time.Duration
	requests       int64
}

// run starts `cairn sync --config cfg --full` and waits; after, when positive, kills it that
// long after its start, and atRequest, when positive, at that request (counted from now).
func (k *killer) run(ctx context.Context, bin, cfg string, after time.Duration, atRequest int64) syncRun {
	cmd := exec.CommandContext(ctx, bin, "sync", "--config", cfg, "--full")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	k.fired.Store(false)
	k.target.Store(-1)
	before := k.count.Load()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return syncRun{err: err}
	}
	k.victim.Store(cmd.Process)
	if atRequest > 0 {
		k.target.Store(before + atRequest)
	}
	if after > 0 {
		tm := time.AfterFunc(after, k.kill)
		defer tm.Stop()
	}
	err := cmd.Wait()
	k.victim.Store(nil)
	r := syncRun{stdout: out.Bytes(), stderr: errb.Bytes(), err: err, took: time.Since(start), requests: k.count.Load() - before}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			r.killed = true
		}
	}
	return r
}

// TestKillSync SIGKILLs a real `cairn sync --full` of Jira and GitHub at 20 seeded random
// moments (half at a random request, half at a random time, so some land inside SQLite
// writes), reruns it each time, and proves the database then equals a clean run's: same
// rows, same content hash of every table without the bookkeeping columns, integrity_check
// ok, no duplicate rows, no run left "running", and the fake tokens nowhere in the output or
// the files.
func TestKillSync(t *testing.T) {
	if raceEnabled {
		t.Skip("the process under test is a separate binary; the race detector would only slow the fakes: .ci/run runs this test without -race")
	}
	bin, real := syncBinary(t)
	sc := chaosScale()
	data := world(sc)
	k := newKiller(sc, data)
	defer k.Close()
	ctx := withTimeout(t, 10*time.Minute)
	repos := repoNames(data)

	cleanDir := filepath.Join(t.TempDir(), "clean")
	if err := os.MkdirAll(cleanDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cleanDB := filepath.Join(cleanDir, "cairn.db")
	clean := k.run(ctx, bin, writeConfig(t, cleanDir, k.srv.BaseURL(), cleanDB, repos, k.jiraURL(real)), 0, 0)
	if clean.err != nil {
		t.Fatalf("clean run: %v\n%s", clean.err, clean.stderr)
	}
	want := digest(t, cleanDB)
	if got, n := want["github_pull_requests"].Rows, sc.repos*sc.prs; got != n {
		t.Fatalf("clean run stored %d pull requests, the fake has %d", got, n)
	}
	if real {
		if got, n := want["jira_issues"].Rows, 2*sc.jiraIssues; got != n {
			t.Fatalf("clean run stored %d Jira issues, the fake has %d", got, n)
		}
	}
	t.Logf("clean run (real binary: %v): %v, %d requests", real, clean.took.Round(time.Millisecond), clean.requests)

	rng := rand.New(rand.NewSource(chaosSeed(t)))
	kills := 0
	for i := range 20 {
		dir := filepath.Join(t.TempDir(), "trial")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		db := filepath.Join(dir, "cairn.db")
		cfg := writeConfig(t, dir, k.srv.BaseURL(), db, repos, k.jiraURL(real))
		var r syncRun
		for attempt := 0; attempt < 6; attempt++ {
			frac := (0.02 + 0.93*rng.Float64()) / float64(int(1)<<attempt)
			var after time.Duration
			var at int64
			if i%2 == 0 {
				at = max(1, int64(frac*float64(clean.requests)))
			} else {
				after = time.Duration(frac * float64(clean.took))
			}
			r = k.run(ctx, bin, cfg, after, at)
			if r.killed {
				t.Logf("kill %2d: after %v, %d requests", i+1, r.took.Round(time.Millisecond), r.requests)
				break
			}
			if r.err != nil {
				t.Fatalf("kill %d: the run failed before it was killed: %v\n%s", i+1, r.err, r.stderr)
			}
			// It finished first: start again on a fresh database, earlier.
			for _, p := range []string{db, db + "-wal", db + "-shm"} {
				os.Remove(p)
			}
		}
		if !r.killed {
			t.Fatalf("kill %d: the run always finished before the kill", i+1)
		}
		kills++
		noSecret(t, "killed run's output", append(r.stdout, r.stderr...))
		digest(t, db) // integrity and no duplicates right after the kill
		re := k.run(ctx, bin, cfg, 0, 0)
		if re.err != nil {
			t.Fatalf("rerun after kill %d: %v\n%s", i+1, re.err, re.stderr)
		}
		noSecret(t, "rerun's output", append(re.stdout, re.stderr...))
		sameDigest(t, "after kill "+itoa(i+1), want, digest(t, db))
		if st := runStatuses(t, db); st["running"] > 0 || st["ok"] < 1 {
			t.Errorf("after kill %d: sync_runs by status %v: want none running and the rerun ok", i+1, st)
		}
		noSecretInFiles(t, dir)
		if t.Failed() {
			t.FailNow()
		}
	}
	t.Logf("%d kills, each followed by a rerun that ended equal to the clean run", kills)
}
