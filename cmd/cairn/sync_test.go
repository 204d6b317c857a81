package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
	"github.com/cairn-dev/cairn/store"
)

const (
	syncJiraToken   = "jira-token-never-printed"
	syncGitHubToken = "ghp_token_never_printed"
)

// syncSetup starts a fake Jira of deployment d and a fake GitHub, and writes a config that
// points at them; secrets come from the environment it returns.
type syncSetup struct {
	jira   *jiratest.Server
	gh     *githubtest.Server
	config string
	db     string
	env    map[string]string
}

func newSyncSetup(t *testing.T, d string, onJira func(*http.Request)) *syncSetup {
	t.Helper()
	so := jiratest.Options{Deployment: d, Token: syncJiraToken, TimeZone: "America/Los_Angeles", OnRequest: onJira}
	email := ""
	if d == jiratest.Cloud {
		so.Email, email = "bot@example.com", "bot@example.com"
	}
	js := jiratest.New(so)
	t.Cleanup(js.Close)
	js.Generate(jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: 30, Seed: 1})
	gs := githubtest.New(githubtest.Options{Tokens: []string{syncGitHubToken}})
	t.Cleanup(gs.Close)
	gs.Load(githubtest.Generate(githubtest.GenOptions{Repos: 1, PRsPerRepo: 12, IssuesPerRepo: 5, JiraProjects: []string{"PAY", "WEB"}, Seed: 2}))
	db := filepath.Join(t.TempDir(), "cairn.db")
	cfg := fmt.Sprintf(`database: %s
jira:
  url: %s
  email: %q
  token: ${JIRA_TOKEN}
  projects: [PAY, WEB]
github:
  url: %s
  token: ${GITHUB_TOKEN}
  repos: [acme/repo00]
programs:
  - name: Checkout v2
    milestones:
      - name: Beta
        due: 2027-01-15
        jira: {epics: [PAY-1]}
        github: {repos: [acme/repo00]}
`, db, js.BaseURL(), email, gs.BaseURL())
	return &syncSetup{jira: js, gh: gs, config: writeConfig(t, cfg), db: db,
		env: map[string]string{"JIRA_TOKEN": syncJiraToken, "GITHUB_TOKEN": syncGitHubToken}}
}

func (s *syncSetup) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, s.env, append([]string{"sync", "--config", s.config}, args...)...)
}

var resultLine = regexp.MustCompile(`^(jira|github): (full|incremental) run \d+: (\d+) new, (\d+) updated, (\d+) deleted, .* requests, [0-9.]+s$`)

// lines parses sync's stdout into connector -> "mode new updated deleted".
func lines(t *testing.T, stdout string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if m := resultLine.FindStringSubmatch(l); m != nil {
			out[m[1]] = strings.Join(m[2:], " ")
		} else if strings.HasPrefix(l, "rollup: ") {
			out["rollup"] = l
		} else {
			out["other"] += l + "\n"
		}
	}
	return out
}

func noSecrets(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, secret := range []string{syncJiraToken, syncGitHubToken} {
			if strings.Contains(s, secret) {
				t.Errorf("output shows a secret:\n%s", s)
			}
		}
	}
}

func TestSyncEndToEnd(t *testing.T) {
	for _, d := range []string{jiratest.Cloud, jiratest.DataCenter} {
		t.Run(d, func(t *testing.T) {
			s := newSyncSetup(t, d, nil)
			code, stdout, stderr := s.run(t)
			if code != exitOK {
				t.Fatalf("first sync: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			got := lines(t, stdout)
			// The GitHub runner calls its first run incremental (it lists everything all the same).
			want := map[string]string{"jira": "full 60 0 0", "github": "incremental 17 0 0", "rollup": "rollup: 1 programs, 1 milestones"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("first sync printed:\n%s\n(-want +got):\n%s", stdout, diff)
			}
			noSecrets(t, stdout, stderr)

			mustDo(t, s.jira.UpdateIssue("PAY-4", func(is *cairn.Issue) { is.Summary = "changed between syncs" }))
			code, stdout, stderr = s.run(t)
			if code != exitOK {
				t.Fatalf("second sync: exit %d\n%s%s", code, stdout, stderr)
			}
			got = lines(t, stdout)
			if got["jira"] != "incremental 0 1 0" || !strings.HasPrefix(got["github"], "incremental 0 ") {
				t.Errorf("second sync printed:\n%s\nwant an incremental jira run with 1 updated and an incremental github run", stdout)
			}

			code, stdout, _ = s.run(t, "--only", "jira", "--full")
			if got := lines(t, stdout); code != exitOK || got["jira"] != "full 0 0 0" || got["github"] != "" {
				t.Errorf("--only jira --full: exit %d\n%s", code, stdout)
			}
		})
	}
}

func TestSyncFailureOfOneConnector(t *testing.T) {
	s := newSyncSetup(t, jiratest.Cloud, nil)
	s.env["JIRA_TOKEN"] = "wrong-" + syncJiraToken // answered 401
	code, stdout, stderr := s.run(t)
	if code != exitFailure {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	got := lines(t, stdout)
	if got["github"] != "incremental 17 0 0" || got["rollup"] != "" || !strings.Contains(got["other"], "jira: ") ||
		!strings.Contains(got["other"], "(failed)") {
		t.Errorf("stdout:\n%s\nwant the github line, a failed jira line and no rollup", stdout)
	}
	if !strings.Contains(stderr, "401") {
		t.Errorf("stderr does not say why:\n%s", stderr)
	}
	noSecrets(t, stdout, stderr)
	db, err := store.Open(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, _ := db.Runs(context.Background(), cairn.ConnectorJira, 1)
	if len(runs) != 1 || runs[0].Status != cairn.RunFailed || strings.Contains(runs[0].Error, syncJiraToken) {
		t.Errorf("jira run recorded as %+v, want failed without the token", runs)
	}
}

func TestSyncUsageErrors(t *testing.T) {
	s := newSyncSetup(t, jiratest.Cloud, nil)
	for _, args := range [][]string{{"--only", "confluence"}, {"--bogus"}, {"extra"}} {
		if code, stdout, stderr := s.run(t, args...); code != exitUsage {
			t.Errorf("sync %v: exit %d, want 2\n%s%s", args, code, stdout, stderr)
		}
	}
	noJira := writeConfig(t, "database: "+filepath.Join(t.TempDir(), "x.db")+"\n")
	if code, _, stderr := runCLI(t, nil, "sync", "--config", noJira, "--only", "jira"); code != exitFailure || !strings.Contains(stderr, "no jira section") {
		t.Errorf("--only jira without a jira section: exit %d, stderr %s", code, stderr)
	}
}

func TestSyncInterruptedResumes(t *testing.T) {
	var n atomic.Int32
	var cancel atomic.Pointer[context.CancelFunc]
	s := newSyncSetup(t, jiratest.DataCenter, func(r *http.Request) {
		if strings.Contains(r.URL.Path, "/search") && n.Add(1) == 2 {
			if c := cancel.Load(); c != nil {
				(*c)()
			}
		}
	})
	ctx, c := context.WithCancel(context.Background())
	cancel.Store(&c)
	var stdout, stderr bytes.Buffer
	env := Env{Stdout: &stdout, Stderr: &stderr, LookupEnv: func(k string) (string, bool) { v, ok := s.env[k]; return v, ok }}
	if code := Run(ctx, []string{"sync", "--config", s.config, "--only", "jira"}, env); code != exitFailure {
		t.Fatalf("interrupted sync: exit %d, want 1\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not say it was interrupted:\n%s", stderr.String())
	}
	code, out, errOut := s.run(t, "--only", "jira")
	if code != exitOK {
		t.Fatalf("sync after the interruption: exit %d\n%s%s", code, out, errOut)
	}
	db, err := store.Open(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustDo(t, db.IntegrityCheck(context.Background()))
	var issues int
	db.ReadDB().QueryRow(`SELECT count(*) FROM jira_issues WHERE deleted_at IS NULL`).Scan(&issues)
	if issues != 60 {
		t.Errorf("%d issues stored after resuming, want 60", issues)
	}
	runs, _ := db.Runs(context.Background(), cairn.ConnectorJira, 2)
	if len(runs) != 2 || runs[0].Status != cairn.RunOK || runs[1].Status != cairn.RunFailed {
		t.Errorf("runs = %+v, want the interrupted one failed and the next ok", runs)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
