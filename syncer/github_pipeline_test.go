package syncer_test

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"testing"

	"github.com/cairn-dev/cairn"
)

// A page that fails to store (here: a stored row holds the (repo, number) of a PR on the
// second page under another id) fails the run with the store's error, not the fetcher's
// cancellation; the first page stays committed with its cursor, nothing after it is stored,
// and once the conflict is gone the rerun resumes from there and equals the fake.
func TestGitHubStoreFailureStopsThePipeline(t *testing.T) {
	e := newEnv(t, small(42), envOptions{})
	const repo = "acme/repo00"
	snap, _ := e.srv.Snapshot(repo)
	prs := snap.PRs
	sort.Slice(prs, func(i, j int) bool { return prs[i].Updated.After(prs[j].Updated) })
	victim := prs[150] // on the second page of 100, newest first
	err := e.db.Update(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO github_pull_requests (id, repo, number, state, created_at, updated_at, raw_json)
			VALUES (1, ?, ?, 'open', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', '{}')`, repo, victim.Number)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.runner(repo).Run(context.Background(), false)
	if err == nil || !strings.Contains(err.Error(), "save github pull requests") || strings.Contains(err.Error(), "canceled") {
		t.Fatalf("run error = %v, want the store's failure alone", err)
	}
	st, err := e.db.State(context.Background(), cairn.ConnectorGitHub, repo)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Watermark.IsZero() || !strings.Contains(st.Cursor, `"phase":"pulls","page":1`) {
		t.Errorf("state after the failure: watermark %v, cursor %s; want none and pulls page 1", st.Watermark, st.Cursor)
	}
	var stored, issues int
	if err := e.db.ReadDB().QueryRow(`SELECT count(*) FROM github_pull_requests WHERE repo = ? AND id != 1`, repo).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if err := e.db.ReadDB().QueryRow(`SELECT count(*) FROM github_issues WHERE repo = ?`, repo).Scan(&issues); err != nil {
		t.Fatal(err)
	}
	if stored != 100 || issues != 0 {
		t.Errorf("stored %d PRs and %d issues after the failure; want page 1's 100 PRs and no issues", stored, issues)
	}
	if err := e.db.Update(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM github_pull_requests WHERE id = 1`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e.srv.ResetStats()
	e.run(t, false, repo)
	if n := e.srv.Stats().ByRoute["pulls"]; n != 2 {
		t.Errorf("the rerun listed %d pull request pages, want 2 (it resumes at page 2 of 3)", n)
	}
	e.check(t, repo)
}
