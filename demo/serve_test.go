package demo

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

func TestFakesRequireTheirTokens(t *testing.T) {
	f := startFakes(t, 1)
	for _, u := range []string{f.GitHub.EnterpriseURL() + "repos/acme/web/pulls", f.Jira.BaseURL() + "/rest/api/2/myself"} {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %d, want 401", u, res.StatusCode)
		}
	}
	if f.JiraToken == f.GitHubToken || len(f.JiraToken) != 32 {
		t.Errorf("tokens are not fresh random values")
	}
}

// TestGitHubSyncOfTheWorld syncs the fake GitHub with the real connector and syncer and checks
// that the store holds the world's pull requests, reviews, milestones and Jira links.
func TestGitHubSyncOfTheWorld(t *testing.T) {
	f := startFakes(t, 4)
	w := f.World
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	client, err := github.New(github.Options{BaseURL: f.GitHub.EnterpriseURL(), Token: f.GitHubToken,
		JiraProjects: w.Projects, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	runner := syncer.NewGitHub(db, client, syncer.GitHubOptions{Repos: []string{"acme/*"}}, nil, nil)
	if _, err := runner.Run(ctx, true); err != nil {
		t.Fatal(err)
	}
	data, err := db.LoadRollupData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := rollupData(w)
	if len(data.PRs) != len(want.PRs) || len(data.Milestones) != len(want.Milestones) {
		t.Errorf("stored %d PRs and %d milestones, want %d and %d", len(data.PRs), len(data.Milestones), len(want.PRs), len(want.Milestones))
	}
	links := map[string]bool{}
	for _, l := range data.PRLinks {
		links[prKey(l.Repo, l.Number)+" "+l.IssueKey] = true
	}
	for _, l := range want.PRLinks {
		if !links[prKey(l.Repo, l.Number)+" "+l.IssueKey] {
			t.Errorf("%s#%d carries %s, not linked in the store", l.Repo, l.Number, l.IssueKey)
		}
	}
	reviewed := 0
	for _, p := range data.PRs {
		if !p.FirstReview.IsZero() {
			reviewed++
		}
	}
	wantReviewed := 0
	for _, p := range want.PRs {
		if !p.FirstReview.IsZero() {
			wantReviewed++
		}
	}
	if reviewed != wantReviewed {
		t.Errorf("%d PRs reviewed in the store, want %d", reviewed, wantReviewed)
	}
}
