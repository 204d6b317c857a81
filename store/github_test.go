package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

func openGitHubDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "gh.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func column(t *testing.T, db *store.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.ReadDB().Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestSaveGitHubPullRequests(t *testing.T) {
	ctx := context.Background()
	db := openGitHubDB(t)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	pr := func(n int, title string, updated time.Time) cairn.PullRequest {
		return cairn.PullRequest{ID: int64(100 + n), Repo: "o/r", Number: n, Title: title, State: "open", Author: "a",
			HeadRef: "feature/PAY-1", BaseRef: "main", Created: t0, Updated: updated, Labels: []string{"bug"}, Raw: []byte(`{"n":1}`)}
	}
	page1 := store.GitHubPRPage{Repo: "o/r",
		PRs:     []cairn.PullRequest{pr(1, "PAY-1 a", t0), pr(2, "b", t0)},
		Reviews: []cairn.Review{{ID: 9, Repo: "o/r", Number: 1, Author: "x", State: "APPROVED", SubmittedAt: t0}, {ID: 10, Repo: "o/r", Number: 1, State: "PENDING"}},
		Links:   []cairn.PRIssueLink{{Repo: "o/r", Number: 1, IssueKey: "PAY-1", Source: "title"}, {Repo: "o/r", Number: 1, IssueKey: "PAY-1", Source: "branch"}},
		ETags:   []store.ETag{{URL: "http://x/repos/o/r/pulls", ETag: `W/"1"`}},
		Cursor:  `{"phase":"pulls","page":1}`,
	}
	created, updated, err := db.SaveGitHubPullRequests(ctx, page1)
	if err != nil || created != 2 || updated != 0 {
		t.Fatalf("first save: %d new, %d updated, %v; want 2, 0", created, updated, err)
	}
	if tag, _ := db.GitHubETag(ctx, "http://x/repos/o/r/pulls"); tag != `W/"1"` {
		t.Errorf("etag = %q", tag)
	}
	if st, _ := db.State(ctx, cairn.ConnectorGitHub, "o/r"); st.Cursor != page1.Cursor {
		t.Errorf("cursor = %q, want %q", st.Cursor, page1.Cursor)
	}
	// Re-sync PR 1: its reviews and links are replaced, PR 2 is untouched.
	page2 := store.GitHubPRPage{Repo: "o/r", PRs: []cairn.PullRequest{pr(1, "retitled", t0.Add(time.Hour))},
		Reviews: []cairn.Review{{ID: 9, Repo: "o/r", Number: 1, Author: "x", State: "DISMISSED", SubmittedAt: t0}},
		Links:   []cairn.PRIssueLink{{Repo: "o/r", Number: 1, IssueKey: "PAY-1", Source: "branch"}}}
	created, updated, err = db.SaveGitHubPullRequests(ctx, page2)
	if err != nil || created != 0 || updated != 1 {
		t.Fatalf("second save: %d new, %d updated, %v; want 0, 1", created, updated, err)
	}
	if got, want := column(t, db, `SELECT id || ':' || state FROM github_reviews ORDER BY id`), []string{"9:DISMISSED"}; !cmp.Equal(got, want) {
		t.Errorf("reviews = %v, want %v", got, want)
	}
	if got, want := column(t, db, `SELECT issue_key || ':' || source FROM pr_issue_links`), []string{"PAY-1:branch"}; !cmp.Equal(got, want) {
		t.Errorf("links = %v, want %v", got, want)
	}
	if got := column(t, db, `SELECT title || '|' || labels || '|' || updated_at FROM github_pull_requests WHERE number = 1`); got[0] != `retitled|["bug"]|2026-01-02T04:04:05Z` {
		t.Errorf("pr 1 = %v", got)
	}
	n, err := db.MarkGitHubDeleted(ctx, "o/r", store.GitHubPulls, []int{2, 3}, t0)
	if err != nil || n != 1 {
		t.Errorf("mark deleted: %d, %v; want 1", n, err)
	}
	if nums, _ := db.GitHubNumbers(ctx, "o/r", store.GitHubPulls); !cmp.Equal(nums, []int{1}) {
		t.Errorf("live numbers = %v, want [1]", nums)
	}
	// A deleted PR that shows up again is live again.
	if _, _, err := db.SaveGitHubPullRequests(ctx, store.GitHubPRPage{Repo: "o/r", PRs: []cairn.PullRequest{pr(2, "b", t0)}}); err != nil {
		t.Fatal(err)
	}
	if nums, _ := db.GitHubNumbers(ctx, "o/r", store.GitHubPulls); !cmp.Equal(nums, []int{1, 2}) {
		t.Errorf("live numbers = %v, want [1 2]", nums)
	}
}

func TestSaveGitHubIssuesMilestonesLabels(t *testing.T) {
	ctx := context.Background()
	db := openGitHubDB(t)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	created, _, err := db.SaveGitHubIssues(ctx, store.GitHubIssuePage{Repo: "o/r", Issues: []cairn.GitHubIssue{
		{ID: 1, Repo: "o/r", Number: 4, Title: "bug", State: "open", Created: t0, Updated: t0}}})
	if err != nil || created != 1 {
		t.Fatalf("save issues: %d, %v", created, err)
	}
	ms := []cairn.Milestone{{ID: 1, Number: 1, Title: "v1", State: "open", DueOn: t0}, {ID: 2, Number: 2, Title: "v2", State: "closed"}}
	if err := db.SaveGitHubMilestones(ctx, "o/r", ms, true, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveGitHubMilestones(ctx, "o/r", ms[:1], true, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := column(t, db, `SELECT title || ':' || (deleted_at IS NOT NULL) FROM github_milestones ORDER BY number`), []string{"v1:0", "v2:1"}; !cmp.Equal(got, want) {
		t.Errorf("milestones = %v, want %v", got, want)
	}
	if err := db.SaveGitHubLabels(ctx, "o/r", []cairn.Label{{Name: "bug", Color: "f00"}, {Name: "ui"}}, true, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveGitHubLabels(ctx, "o/r", []cairn.Label{{Name: "bug", Color: "0f0"}}, true, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := column(t, db, `SELECT name || ':' || color FROM github_labels`), []string{"bug:0f0"}; !cmp.Equal(got, want) {
		t.Errorf("labels = %v, want %v", got, want)
	}
	if err := db.SaveGitHubOwnerRepos(ctx, "o", []string{"o/a", "o/b"}, []bool{false, true}, nil); err != nil {
		t.Fatal(err)
	}
	repos, archived, err := db.GitHubOwnerRepos(ctx, "o")
	if err != nil || !cmp.Equal(repos, []string{"o/a", "o/b"}) || !cmp.Equal(archived, []bool{false, true}) {
		t.Errorf("owner repos = %v %v %v", repos, archived, err)
	}
}

// Pages of every size up to past two full statements store every row once (the rows go in
// multi-row statements of 128, 64, ..., 1 rows, prepared once per database), from writers on
// two databases at once; a rewrite of a page replaces its reviews and links and counts updates.
func TestSaveGitHubPageSizes(t *testing.T) {
	ctx := context.Background()
	dbs := []*store.DB{openGitHubDB(t), openGitHubDB(t)}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	page := func(repo string, n int) store.GitHubPRPage {
		p := store.GitHubPRPage{Repo: repo}
		for i := 1; i <= n; i++ {
			id := int64(n*1000 + i) // ids are unique across repos
			p.PRs = append(p.PRs, cairn.PullRequest{ID: id, Repo: repo, Number: i, Title: "t", State: "open", Created: at, Updated: at})
			p.Reviews = append(p.Reviews, cairn.Review{ID: id, Repo: repo, Number: i, State: "APPROVED"})
			p.Links = append(p.Links, cairn.PRIssueLink{Repo: repo, Number: i, IssueKey: "PAY-1", Source: cairn.LinkSourceTitle})
		}
		return p
	}
	errs := make(chan error, len(dbs))
	for k, db := range dbs {
		go func() {
			for n := 0; n <= 300; n += 1 + n/10 {
				repo := "o/r" + string(rune('a'+k)) + time.Duration(n).String()
				if created, _, err := db.SaveGitHubPullRequests(ctx, page(repo, n)); err != nil || created != n {
					errs <- fmt.Errorf("page of %d: created %d, %v", n, created, err)
					return
				}
				var prs, reviews, links int
				_ = db.ReadDB().QueryRow(`SELECT (SELECT count(*) FROM github_pull_requests WHERE repo = ?),
					(SELECT count(*) FROM github_reviews WHERE repo = ?), (SELECT count(*) FROM pr_issue_links WHERE repo = ?)`,
					repo, repo, repo).Scan(&prs, &reviews, &links)
				if prs != n || reviews != n || links != n {
					errs <- &sizeError{n, prs, reviews, links}
					return
				}
			}
			errs <- nil
		}()
	}
	for range dbs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// Rewriting a page of 200 with one review each and no links: counts and replacements.
	p := page("o/again", 200)
	if _, _, err := dbs[0].SaveGitHubPullRequests(ctx, p); err != nil {
		t.Fatal(err)
	}
	for i := range p.PRs {
		p.PRs[i].Updated = at.Add(time.Hour)
		p.Reviews[i].ID += 1_000_000
	}
	p.Links = nil
	created, updated, err := dbs[0].SaveGitHubPullRequests(ctx, p)
	if err != nil || created != 0 || updated != 200 {
		t.Fatalf("rewrite: created %d, updated %d, %v; want 0, 200", created, updated, err)
	}
	if got := column(t, dbs[0], `SELECT count(*) || '/' || min(id) FROM github_reviews WHERE repo = 'o/again'`); got[0] != "200/1200001" {
		t.Errorf("reviews after the rewrite: %s, want 200/1200001", got[0])
	}
	if got := column(t, dbs[0], `SELECT count(*) FROM pr_issue_links WHERE repo = 'o/again'`); got[0] != "0" {
		t.Errorf("links after the rewrite: %s, want 0", got[0])
	}
}

type sizeError struct{ n, prs, reviews, links int }

func (e *sizeError) Error() string {
	return fmt.Sprintf("page of %d: stored %d PRs, %d reviews, %d links", e.n, e.prs, e.reviews, e.links)
}
