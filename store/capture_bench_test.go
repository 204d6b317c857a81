package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
)

// BenchmarkCapture measures what the rollup's change capture costs a page write, in the same
// run: pages of 100 Jira issues (new and updated; four status changes, a fix version, a
// sprint, two links and 2 KB of raw JSON each) and of 100 pull requests (two reviews and a
// Jira key each): capture off, on, and by the triggers migration 0007 first had (one per
// table and event, each row testing rollup_dirty before inserting into it), capture off. It
// reports the process's CPU time per page (cpu-ns/op), which stays comparable on a busy machine.
func BenchmarkCapture(b *testing.B) {
	raw := []byte(`{"fields":{"description":"` + strings.Repeat("x", 2000) + `"}}`)
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	jiraPage := func(p int, shift time.Duration) []cairn.Issue {
		page := make([]cairn.Issue, 100)
		for i := range page {
			n := p*100 + i + 1
			is := capIssue("PAY", n, at.Add(shift))
			for k := range 3 {
				tr := is.Transitions[0]
				tr.HistoryID = fmt.Sprint(tr.HistoryID, "-", k)
				is.Transitions = append(is.Transitions, tr)
			}
			if n > 1 {
				is.Links = append(is.Links, cairn.IssueLink{ID: (is.ID - 1) * 10, Type: "Blocks",
					FromKey: fmt.Sprintf("PAY-%d", n-1), ToKey: is.Key})
			}
			is.Raw = raw
			page[i] = is
		}
		return page
	}
	prPage := func(p int, shift time.Duration) GitHubPRPage {
		pg := GitHubPRPage{Repo: "acme/web"}
		for i := range 100 {
			n := p*100 + i + 1
			pr := capPR("acme/web", n, at.Add(shift))
			pr.Raw = raw
			pg.PRs = append(pg.PRs, pr)
			for k := range 2 {
				pg.Reviews = append(pg.Reviews, cairn.Review{ID: int64(n*2 + k), Repo: "acme/web", Number: n,
					State: "APPROVED", SubmittedAt: at, Raw: raw[:200]})
			}
			pg.Links = append(pg.Links, cairn.PRIssueLink{Repo: "acme/web", Number: n, IssueKey: fmt.Sprint("PAY-", n), Source: "title"})
		}
		return pg
	}
	for _, kind := range []string{"jira", "github"} {
		for _, mode := range []string{"new", "update"} {
			for _, capture := range []string{"off", "on", "triggers"} {
				b.Run(kind+"/"+mode+"/capture="+capture, func(b *testing.B) {
					ctx := context.Background()
					db, err := Open(ctx, filepath.Join(b.TempDir(), "cairn.db"))
					if err != nil {
						b.Fatal(err)
					}
					defer db.Close()
					captureOff.Store(capture != "on")
					defer captureOff.Store(false)
					if capture == "triggers" {
						for _, q := range append([]string{`CREATE TABLE rollup_dirty_keys (kind TEXT NOT NULL,
							repo TEXT NOT NULL DEFAULT '', id INTEGER NOT NULL, PRIMARY KEY (kind, repo, id)) WITHOUT ROWID`},
							captureTriggers()...) {
							if _, err := db.write.Exec(q); err != nil {
								b.Fatal(err)
							}
						}
					}
					save := func(p int, shift time.Duration) {
						var err error
						if kind == "jira" {
							_, _, err = db.SaveJiraIssues(ctx, JiraIssuePage{Scope: "PAY", Issues: jiraPage(p, shift), Cursor: "c"})
						} else {
							_, _, err = db.SaveGitHubPullRequests(ctx, prPage(p, shift))
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					if mode == "update" {
						for p := range b.N {
							save(p, 0)
						}
					}
					b.ResetTimer()
					cpu0 := cpuTime()
					for p := range b.N {
						save(p, time.Hour)
					}
					b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
				})
			}
		}
	}
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// captureTriggers are migration 0007's first change capture, for comparison: a trigger per
// patched table and event that lists the row's key in a table keyed by it (rollup_dirty_keys,
// the first rollup_dirty) unless listed (NOT EXISTS, since a trigger's INSERT OR IGNORE takes
// the conflict clause of the upsert firing it).
func captureTriggers() []string {
	var out []string
	for _, t := range patchedTables {
		key := func(row string) string {
			repo := t.repo
			if repo != "''" {
				repo = row + "." + repo
			}
			return fmt.Sprintf(`INSERT INTO rollup_dirty_keys (kind, repo, id) SELECT '%[1]s', %[2]s, %[3]s.%[4]s
				WHERE NOT EXISTS (SELECT 1 FROM rollup_dirty_keys WHERE kind = '%[1]s' AND repo = %[2]s AND id = %[3]s.%[4]s);`,
				t.kind, repo, row, t.id)
		}
		for _, ev := range []struct{ on, body string }{
			{"INSERT", key("NEW")}, {"UPDATE", key("NEW") + key("OLD")}, {"DELETE", key("OLD")},
		} {
			out = append(out, fmt.Sprintf(`CREATE TRIGGER capture_%s_%s AFTER %s ON %s BEGIN %s END`,
				t.table, strings.ToLower(ev.on), ev.on, t.table, ev.body))
		}
	}
	return out
}
