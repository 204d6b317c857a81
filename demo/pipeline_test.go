package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/connectors/jira"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// TestPipelineShowsEveryCase serves a world from the fakes, syncs it with the real connectors
// and syncer over HTTP into a real store, runs the stored rollup and checks every case; then
// moves the world, syncs incrementally and checks that the change arrived.
func TestPipelineShowsEveryCase(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	f := Start(Generate(11, 1, now), nil)
	defer f.Close()
	w := f.World
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	noSleep := func(context.Context, time.Duration) error { return nil }
	jc, err := jira.New(jira.Options{BaseURL: f.Jira.BaseURL(), Deployment: "cloud", Email: JiraEmail, Token: f.JiraToken, Sleep: noSleep})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := github.New(github.Options{BaseURL: f.GitHub.EnterpriseURL(), Token: f.GitHubToken, JiraProjects: w.Projects, Sleep: noSleep})
	if err != nil {
		t.Fatal(err)
	}
	runners := []syncer.Runner{
		syncer.NewJira(db, jc, syncer.JiraOptions{Projects: w.Projects}, nil, nil),
		syncer.NewGitHub(db, gc, syncer.GitHubOptions{Repos: []string{"acme/*"}}, nil, nil),
	}
	spec := specOf(t, w)
	syncAll := func(full bool) *rollup.Report {
		t.Helper()
		for _, r := range runners {
			if _, err := r.Run(ctx, full); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := rollup.Run(ctx, db, spec, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := syncAll(true)
	if err := CheckReport(rep); err != nil {
		t.Fatalf("after a full sync:\n%v", err)
	}

	changes, err := NewMotion(f, 3, nil).Step(12)
	if err != nil {
		t.Fatal(err)
	}
	syncAll(false)
	data, err := db.LoadRollupData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, is := range data.Issues {
		status[is.Key] = is.Status
	}
	merged, stored := map[string]bool{}, map[string]bool{}
	for _, p := range data.PRs {
		merged[prKey(p.Repo, p.Number)] = !p.Merged.IsZero()
		stored[prKey(p.Repo, p.Number)] = true
	}
	for _, c := range changes {
		switch c.Kind {
		case ChangeStatus:
			// A later change of the same issue wins; compare with the fake's final status.
			is, _ := f.Jira.Issue(c.Item)
			if status[c.Item] != is.Status {
				t.Errorf("%s: stored status %q after an incremental sync, want %q", c, status[c.Item], is.Status)
			}
		case ChangeAdded:
			if status[c.Item] != statusToDo {
				t.Errorf("%s: not stored as to do (got %q)", c, status[c.Item])
			}
		case ChangePROpened:
			if !stored[c.Item] {
				t.Errorf("%s: the new pull request is not stored", c)
			}
		case ChangeMerged:
			if !merged[c.Item] {
				t.Errorf("%s: not merged in the store", c)
			}
		}
	}
	kinds := map[string]int{}
	for _, c := range changes {
		kinds[c.Kind]++
	}
	if kinds[ChangeStatus] == 0 || kinds[ChangePROpened] == 0 || kinds[ChangeMerged] == 0 {
		t.Fatalf("twelve steps did not change statuses, open and merge pull requests: %v", changes)
	}
	runs, err := db.Runs(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	incremental := 0
	for _, r := range runs {
		if r.Mode == syncer.ModeIncremental && r.Status == cairn.RunOK {
			incremental++
		}
	}
	if incremental != 2 {
		t.Errorf("%d ok incremental runs, want one per connector", incremental)
	}
}
