package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/config"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/publish/pages/confluence"
	"github.com/cairn-dev/cairn/publish/pages/confluence/confluencetest"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
)

const reportConfig = `
database: cairn.db
jira:
  url: https://acme.atlassian.net/
  email: tpm@acme.test
  token: ${JIRA_API_TOKEN}
  projects: [PAY]
github:
  token: ${GITHUB_TOKEN}
  repos: [acme/checkout]
pages:
  out_dir: pages
programs:
  - name: Checkout v2
    milestones:
      - name: Card vault
        due: 2026-12-18
        jira:
          fix_versions: [V1]
  - name: Platform
    milestones:
      - name: Cells
        jira:
          labels: [cells]
`

var reportEnv = map[string]string{"JIRA_API_TOKEN": "secret-jira", "GITHUB_TOKEN": "secret-gh"}

var reportAsOf = time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)

// reportSetup writes the config into a temporary directory and, when rollups is set, fills its
// database through the store and runs the rollup once per as-of time in it, as cairn sync does.
func reportSetup(t *testing.T, rollups ...time.Time) string {
	t.Helper()
	path := writeConfig(t, reportConfig)
	if len(rollups) == 0 {
		return path
	}
	ctx := context.Background()
	cfg, err := config.LoadEnv(path, func(k string) (string, bool) { v, ok := reportEnv[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`INSERT INTO jira_issues (id, key, project_key, summary, status, status_category, assignee, labels, flagged, created_at, updated_at, resolved_at, synced_at, raw_json) VALUES
			 (1, 'PAY-1', 'PAY', 'Tokenise cards', 'Done', 'done', 'J. Doe', '[]', 0, '2026-09-01T00:00:00Z', '2026-11-20T00:00:00Z', '2026-11-20T00:00:00Z', '2026-11-27T00:00:00Z', '{}'),
			 (2, 'PAY-2', 'PAY', '</td><script>alert(1)</script> & ]]>', 'In Progress', 'indeterminate', 'A. Lee', '[]', 1, '2026-09-01T00:00:00Z', '2026-11-25T00:00:00Z', NULL, '2026-11-27T00:00:00Z', '{}'),
			 (3, 'PAY-3', 'PAY', 'Vault | audit', 'To Do', 'new', NULL, '["cells"]', 0, '2026-11-24T00:00:00Z', '2026-11-24T00:00:00Z', NULL, '2026-11-27T00:00:00Z', '{}'),
			 (4, 'PAY-4', 'PAY', 'Rotate keys', 'Done', 'done', NULL, '[]', 0, '2026-09-01T00:00:00Z', '2026-10-20T00:00:00Z', '2026-10-20T00:00:00Z', '2026-11-27T00:00:00Z', '{}')`,
			`INSERT INTO jira_status_changes (issue_id, history_id, at, to_status, from_category, to_category) VALUES
			 (1, 'h1', '2026-11-02T00:00:00Z', 'In Progress', 'new', 'indeterminate'),
			 (1, 'h2', '2026-11-20T00:00:00Z', 'Done', 'indeterminate', 'done'),
			 (2, 'h3', '2026-11-25T00:00:00Z', 'In Progress', 'new', 'indeterminate'),
			 (4, 'h4', '2026-10-05T00:00:00Z', 'In Progress', 'new', 'indeterminate'),
			 (4, 'h5', '2026-10-20T00:00:00Z', 'Done', 'indeterminate', 'done')`,
			`INSERT INTO jira_versions (id, project_key, name, release_date) VALUES (10, 'PAY', 'V1', '2026-12-18')`,
			`INSERT INTO jira_issue_versions (issue_id, version_id) VALUES (1, 10), (2, 10), (3, 10), (4, 10)`,
		} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = db.RepackJiraRollupRows(ctx) // written by SQL, not the store's writer
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range rollups {
		if _, err := rollup.Run(ctx, db, rollupSpec(cfg), at); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestReport(t *testing.T) {
	path := reportSetup(t, reportAsOf.AddDate(0, 0, -7), reportAsOf)
	dir := filepath.Dir(path)
	evilEscaped := map[string]string{
		"html":       "&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;",
		"markdown":   `&lt;/td&gt;&lt;script&gt;alert\(1\)&lt;/script&gt; &amp; \]\]&gt;`,
		"confluence": "&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;",
	}
	for format, evil := range evilEscaped {
		t.Run("stdout "+format, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, reportEnv, "report", "--config", path, "--program", "checkout-v2", "--format", format, "--out", "-")
			if code != exitOK {
				t.Fatalf("exit code %d: %s", code, stderr)
			}
			for _, want := range []string{"2026-W48", "Card vault", "https://acme.atlassian.net/browse/PAY-2", evil} {
				if !strings.Contains(stdout, want) {
					t.Errorf("%s page lacks %q", format, want)
				}
			}
			if strings.Contains(stdout, "<script>") {
				t.Errorf("%s page carries a raw script tag", format)
			}
			if format == "confluence" {
				if err := confluence.ValidateStorage(stdout); err != nil {
					t.Errorf("storage format: %v", err)
				}
			}
			if strings.Contains(stdout+stderr, "secret-") {
				t.Errorf("a token leaked into the output")
			}
		})
	}

	t.Run("files", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, reportEnv, "report", "--config", path)
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, stderr)
		}
		for _, name := range []string{"checkout-v2-2026-W48.html", "platform-2026-W48.html"} {
			p := filepath.Join(dir, "pages", name)
			if !strings.Contains(stdout, p) {
				t.Errorf("stdout lacks %s:\n%s", p, stdout)
			}
			if b, err := os.ReadFile(p); err != nil || !strings.Contains(string(b), "<!DOCTYPE html>") {
				t.Errorf("%s: %v", p, err)
			}
		}
	})

	t.Run("past week, markdown, own dir", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "md")
		code, stdout, stderr := runCLI(t, reportEnv, "report", "--config", path, "--week", "2026-W47", "--format", "markdown", "--program", "Platform", "--out", out)
		if code != exitOK {
			t.Fatalf("exit code %d: %s", code, stderr)
		}
		b, err := os.ReadFile(filepath.Join(out, "platform-2026-W47.md"))
		if err != nil || !strings.HasPrefix(string(b), "# Platform — status 2026-W47") {
			t.Errorf("week 47 page: %v\n%.200s\nstdout: %s", err, b, stdout)
		}
	})

	// The week-48 page compares with week 47: a change since last week, not "no report".
	_, md, _ := runCLI(t, reportEnv, "report", "--config", path, "--program", "Checkout v2", "--format", "md", "--out", "-")
	if strings.Contains(md, "no report for last week") || !strings.Contains(md, "Card vault") {
		t.Errorf("week 48 does not compare with week 47:\n%s", md)
	}
}

func TestReportErrors(t *testing.T) {
	synced := reportSetup(t, reportAsOf)
	fresh := reportSetup(t)
	empty := reportSetup(t)
	// A database that exists but holds no report yet (the first sync has not finished).
	db, err := store.Open(context.Background(), filepath.Join(filepath.Dir(empty), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	tests := []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"no database", []string{"--config", fresh}, exitFailure, "run cairn sync first"},
		{"no report yet", []string{"--config", empty}, exitFailure, "run cairn sync first"},
		{"unknown program", []string{"--config", synced, "--program", "Nope"}, exitFailure, `unknown program "Nope": the report for 2026-W48 has "Checkout v2", "Platform"`},
		{"unknown week", []string{"--config", synced, "--week", "2026-W30"}, exitFailure, "no report stored for week 2026-W30"},
		{"bad format", []string{"--config", synced, "--format", "pdf"}, exitUsage, `unknown format "pdf"`},
		{"malformed week", []string{"--config", synced, "--week", "2026-48"}, exitUsage, "ISO week such as 2026-W48"},
		{"no such week number", []string{"--config", synced, "--week", "2026-W54"}, exitUsage, "ISO week"},
		{"stdout needs one program", []string{"--config", synced, "--out", "-"}, exitUsage, "--program"},
		{"extra args", []string{"--config", synced, "extra"}, exitUsage, "unexpected arguments"},
		{"bad config", []string{"--config", filepath.Join(t.TempDir(), "missing.yaml")}, exitFailure, "missing.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, reportEnv, append([]string{"report"}, tt.args...)...)
			if code != tt.want {
				t.Errorf("exit code: got %d, want %d\nstdout: %s\nstderr: %s", code, tt.want, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, tt.out) {
				t.Errorf("output lacks %q:\n%s%s", tt.out, stdout, stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(fresh), "cairn.db")); !os.IsNotExist(err) {
		t.Errorf("report created a database where there was none: %v", err)
	}
}

func TestGitHubWebURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.github.com/":         "https://github.com",
		"https://ghe.example.com/api/v3/": "https://ghe.example.com",
		"http://127.0.0.1:8080/api/v3":    "http://127.0.0.1:8080",
		"::":                              "",
	} {
		if got := githubWebURL(in); got != want {
			t.Errorf("githubWebURL(%q): got %q, want %q", in, got, want)
		}
	}
}

// TestPublishOptions wires the pages section of a config to a fake Confluence Data Center and
// runs the scheduled publish on a synced database.
func TestPublishOptions(t *testing.T) {
	srv := confluencetest.NewServer(confluencetest.DataCenter)
	defer srv.Close()
	path := reportSetup(t, reportAsOf)
	body := strings.Replace(reportConfig, "  out_dir: pages\n", "  out_dir: pages\n  confluence:\n    url: "+srv.BaseURL()+
		"\n    space: "+confluencetest.SpaceKey+"\n    parent_id: \""+confluencetest.ParentID+"\"\n    token: ${CONFLUENCE_TOKEN}\n", 1)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CONFLUENCE_TOKEN": confluencetest.Token}
	for k, v := range reportEnv {
		env[k] = v
	}
	cfg, err := config.LoadEnv(path, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	o, err := publishOptions(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := pages.Publish(context.Background(), rollup.Reports{DB: db}, o)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if len(got.Confluence) != 4 || len(got.Files) != 12 {
		t.Errorf("published %d Confluence pages and %d files, want 4 and 12", len(got.Confluence), len(got.Files))
	}
	if pg, ok := srv.PageByTitle("Platform status — latest"); !ok || pg.ParentID != confluencetest.ParentID || confluence.ValidateStorage(pg.Body) != nil {
		t.Errorf("latest Platform page: found %v, parent %q", ok, pg.ParentID)
	}
}
