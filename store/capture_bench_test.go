package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
)

// BenchmarkCapture measures what the rollup's change capture costs a page write, in the same
// run: pages of 100 Jira issues (new and updated; four status changes, a fix version, a
// sprint, two links and 2 KB of raw JSON each) and of 100 pull requests (two reviews and a
// Jira key each), with capture off and on.
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
			for _, capture := range []string{"off", "on"} {
				b.Run(kind+"/"+mode+"/capture="+capture, func(b *testing.B) {
					ctx := context.Background()
					db, err := Open(ctx, filepath.Join(b.TempDir(), "cairn.db"))
					if err != nil {
						b.Fatal(err)
					}
					defer db.Close()
					captureOff.Store(capture == "off")
					defer captureOff.Store(false)
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
					for p := range b.N {
						save(p, time.Hour)
					}
				})
			}
		}
	}
}
