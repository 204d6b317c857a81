package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
	"github.com/cairn-dev/cairn/store"
)

const childConfigEnv = "CAIRN_TEST_SYNC_CHILD_CONFIG"

// TestSyncChildProcess is the `cairn sync` that TestSyncSurvivesSIGKILL starts in a child
// process and kills; on its own it skips.
func TestSyncChildProcess(t *testing.T) {
	cfg := os.Getenv(childConfigEnv)
	if cfg == "" {
		t.Skip("run by TestSyncSurvivesSIGKILL")
	}
	os.Exit(Run(context.Background(), []string{"sync", "--config", cfg, "--only", "jira"},
		Env{Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv}))
}

func TestSyncSurvivesSIGKILL(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL")
	}
	var (
		mu     sync.Mutex
		onPage func()
		pages  atomic.Int32
	)
	s := newSyncSetup(t, jiratest.DataCenter, func(r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/rest/api/2/search") {
			return
		}
		pages.Add(1)
		mu.Lock()
		f := onPage
		mu.Unlock()
		if f != nil {
			f()
		}
	})
	config := func(db string) string {
		body, err := os.ReadFile(s.config)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Replace(string(body), s.db, db, 1)
		text = strings.Replace(text, "projects: [PAY, WEB]", "projects: [PAY, WEB]\n  page_size: 4", 1)
		return writeConfig(t, text)
	}

	cleanDB := filepath.Join(t.TempDir(), "clean.db")
	if code, stdout, stderr := runCLI(t, s.env, "sync", "--config", config(cleanDB), "--only", "jira"); code != exitOK {
		t.Fatalf("clean sync: exit %d\n%s%s", code, stdout, stderr)
	}
	want := jiraRows(t, cleanDB)
	total := pages.Load()

	for _, killAt := range []int32{2, total / 2, total - 1} {
		t.Run(fmt.Sprintf("page %d of %d", killAt, total), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "killed.db")
			cfg := config(db)
			cmd := exec.Command(os.Args[0], "-test.run=^TestSyncChildProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), childConfigEnv+"="+cfg, "JIRA_TOKEN="+syncJiraToken, "GITHUB_TOKEN="+syncGitHubToken)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			var killed atomic.Bool
			var proc atomic.Pointer[os.Process]
			pages.Store(0)
			mu.Lock()
			onPage = func() {
				if pages.Load() == killAt && killed.CompareAndSwap(false, true) {
					for proc.Load() == nil { // Start has not returned yet
						runtime.Gosched()
					}
					proc.Load().Kill() // SIGKILL: no deferred function, no rollback by us
				}
			}
			mu.Unlock()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			proc.Store(cmd.Process)
			err := cmd.Wait()
			mu.Lock()
			onPage = nil
			mu.Unlock()
			if !killed.Load() || err == nil {
				t.Fatalf("child was not killed at search page %d (err %v):\n%s", killAt, err, out.String())
			}
			if code, stdout, stderr := runCLI(t, s.env, "sync", "--config", cfg, "--only", "jira"); code != exitOK {
				t.Fatalf("sync after SIGKILL: exit %d\n%s%s", code, stdout, stderr)
			}
			if diff := cmp.Diff(want, jiraRows(t, db)); diff != "" {
				t.Errorf("killed at search page %d, then synced again: store differs from a clean run (-clean +resumed):\n%s", killAt, diff)
			}
		})
	}
}

// jiraRows renders the Jira tables of a database file as sorted lines (without synced_at).
func jiraRows(t *testing.T, path string) []string {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustDo(t, db.IntegrityCheck(context.Background()))
	var out []string
	for _, q := range []string{
		`SELECT id, key, project_key, issue_type, summary, status, status_category, assignee, priority, labels, components,
			story_points, epic_key, parent_key, flagged, created_at, updated_at, resolved_at, due_date, deleted_at, raw_json FROM jira_issues`,
		`SELECT * FROM jira_status_changes`, `SELECT * FROM jira_issue_links`, `SELECT * FROM jira_issue_versions`,
		`SELECT * FROM jira_issue_sprints`, `SELECT * FROM jira_versions`, `SELECT * FROM jira_boards`,
		`SELECT * FROM jira_sprints`, `SELECT * FROM jira_fields`,
	} {
		rows, err := db.ReadDB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			mustDo(t, rows.Scan(ptrs...))
			parts := []string{q[:min(len(q), 40)]}
			for _, v := range vals {
				parts = append(parts, v.String)
			}
			out = append(out, strings.Join(parts, "|"))
		}
		rows.Close()
	}
	sort.Strings(out)
	return out
}
