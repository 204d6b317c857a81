package rollup

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/store"
)

// The golden hashes pin the whole report (every number, list and evidence item) of two
// generated worlds, so that speed and memory work on the loader and Compute cannot change what
// a report says. A change that is meant to change reports updates them: run with
// CAIRN_GOLDEN_OUT=dir to get the new reports and hashes, and diff the JSON against the old.
const (
	goldenCompute = "6d2c89e8095fbbb5e214c7c94a1e12887725be2281ad7638b8dc3af64bfcf52e"
	goldenRun     = "12dc9b13a8d8a8d1a7f137950a65c0a7a7f0b471f0c1c665649177ff83642b8a"
)

func checkGolden(t *testing.T, name, want string, r *Report) {
	t.Helper()
	body, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	got := hex.EncodeToString(sum[:])
	if dir := os.Getenv("CAIRN_GOLDEN_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".json"), body, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s", name, got)
	}
	if got != want {
		t.Errorf("%s report: sha256 %s, want %s (CAIRN_GOLDEN_OUT=dir writes the report to diff)", name, got, want)
	}
}

func TestComputeGolden(t *testing.T) {
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	in, spec := genWorld(4000, 800, 20, asOf)
	in.History = Backfill(in, spec, asOf.AddDate(0, 0, -1), BackfillDays)
	checkGolden(t, "compute", goldenCompute, Compute(in, spec, asOf))
}

// TestRunGolden goes through the store: a generated world with every column the loader reads
// (assignees, priorities, labels, components, epics, sub-tasks, links, drafts, reviews, GitHub
// issues and milestones) is written to SQLite, then Run backfills and runs twice.
func TestRunGolden(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "golden.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	in, spec := genWorld(3000, 600, 20, asOf)
	if err := db.Update(ctx, func(tx *sql.Tx) error { return writeWorld(ctx, tx, &in.Data) }); err != nil {
		t.Fatal(err)
	}
	if err := db.RepackJiraRollupRows(ctx); err != nil { // written by SQL, not the store's writer
		t.Fatal(err)
	}
	spec.Programs[0].Milestones[1].Labels = []string{"l3"}
	spec.Programs[0].Milestones[2].Epics = []string{"P05-5"}
	spec.Programs[1].Milestones[0].GitHubLabels = []string{"acme/g1:bug"}
	spec.Programs[1].Milestones[1].Repos = []string{"acme/r03"}
	spec.Programs[1].Milestones[2].Components = []string{"api"}
	if _, err := Run(ctx, db, spec, asOf.Add(-26*time.Hour)); err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, db, spec, asOf)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "run", goldenRun, r)
}

// writeWorld stores d (a genWorld world) in the synced tables, with the columns genWorld leaves
// empty filled from the issue number.
func writeWorld(ctx context.Context, tx *sql.Tx, d *store.RollupData) error {
	exec := func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	for _, v := range d.Versions {
		if err := exec(`INSERT INTO jira_versions (id, project_key, name, release_date) VALUES (?, ?, ?, ?)`,
			v.ID, v.Project, v.Name, v.ReleaseDate.Format(time.DateOnly)); err != nil {
			return err
		}
	}
	for _, s := range d.Sprints {
		if err := exec(`INSERT INTO jira_sprints (id, name, state, start_at, end_at, complete_at) VALUES (?, ?, ?, ?, ?, ?)`,
			s.ID, s.Name, s.State, store.FormatTime(s.StartAt), store.FormatTime(s.EndAt), store.FormatTime(s.Complete)); err != nil {
			return err
		}
	}
	for i, is := range d.Issues {
		n := int(is.ID)
		var assignee, priority, epic, parent string
		labels, comps := "[]", "[]"
		if n%3 == 0 {
			assignee = fmt.Sprintf("user %d", n%17)
		}
		if n%5 == 0 {
			priority = []string{"High", "Blocker", "Low"}[n%3]
		}
		if n%4 == 0 {
			labels = fmt.Sprintf(`["l%d","shared"]`, n%7)
		}
		if n%9 == 0 {
			comps = `["api"]`
		}
		if n%6 == 0 {
			epic = fmt.Sprintf("P%02d-%d", n%20, n%120)
		}
		subtask := n%25 == 0 && i > 0
		if subtask {
			parent = d.Issues[i-1].Key
		}
		var points any
		if is.Estimated {
			points = is.Points
		}
		summary := fmt.Sprintf("%s: %s %d", is.Summary, strings.Repeat("x", n%13), n)
		if err := exec(`INSERT INTO jira_issues (id, key, project_key, issue_type, subtask, summary, status,
			status_category, assignee, priority, labels, components, story_points, epic_key, parent_key,
			flagged, created_at, updated_at, resolved_at, synced_at, raw_json)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')`,
			is.ID, is.Key, is.Project, is.Type, subtask, summary, "S-"+string(is.Category), string(is.Category),
			null(assignee), null(priority), labels, comps, points, null(epic), null(parent), is.Flagged,
			store.FormatTime(is.Created), store.FormatTime(is.Updated), store.NullTime(is.Resolved),
			store.FormatTime(is.Updated)); err != nil {
			return err
		}
		for _, v := range is.VersionIDs {
			if err := exec(`INSERT INTO jira_issue_versions (issue_id, version_id) VALUES (?, ?)`, is.ID, v); err != nil {
				return err
			}
		}
		for _, s := range is.SprintIDs {
			if err := exec(`INSERT INTO jira_issue_sprints (issue_id, sprint_id) VALUES (?, ?)`, is.ID, s); err != nil {
				return err
			}
		}
		for k, tr := range is.Transitions {
			if err := exec(`INSERT INTO jira_status_changes (issue_id, history_id, at, to_status, from_category, to_category)
				VALUES (?, ?, ?, 'S', ?, ?)`, is.ID, fmt.Sprint(k), store.FormatTime(tr.At), string(tr.From), string(tr.To)); err != nil {
				return err
			}
		}
	}
	for _, l := range d.Links {
		if err := exec(`INSERT INTO jira_issue_links (id, type, from_key, to_key) VALUES (?, ?, ?, ?)`, l.ID, l.Type, l.FromKey, l.ToKey); err != nil {
			return err
		}
	}
	for k, p := range d.PRs {
		labels := "[]"
		if k%7 == 0 {
			labels = `["bug"]`
		}
		if err := exec(`INSERT INTO github_pull_requests (id, repo, number, title, state, draft, author, milestone, labels,
			created_at, updated_at, closed_at, merged_at, raw_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')`,
			k+1, p.Repo, p.Number, fmt.Sprintf("%s %d", p.Title, k), p.State, k%11 == 0, null(fmt.Sprintf("dev%d", k%9)),
			null(p.Milestone), labels, store.FormatTime(p.Created), store.FormatTime(p.Updated),
			store.NullTime(p.Closed), store.NullTime(p.Merged)); err != nil {
			return err
		}
		if !p.FirstReview.IsZero() {
			if err := exec(`INSERT INTO github_reviews (id, repo, number, state, submitted_at) VALUES (?, ?, ?, 'APPROVED', ?)`,
				k+1, p.Repo, p.Number, store.FormatTime(p.FirstReview)); err != nil {
				return err
			}
		}
	}
	for _, l := range d.PRLinks {
		if err := exec(`INSERT INTO pr_issue_links (repo, number, issue_key, source) VALUES (?, ?, ?, 'title')`,
			l.Repo, l.Number, l.IssueKey); err != nil {
			return err
		}
	}
	base := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for n := range 300 {
		state, closed := "open", any(nil)
		created := base.Add(time.Duration(n) * 7 * time.Hour)
		if n%3 == 0 {
			state, closed = "closed", store.FormatTime(created.Add(50*time.Hour))
		}
		labels := "[]"
		if n%2 == 0 {
			labels = `["bug"]`
		}
		if err := exec(`INSERT INTO github_issues (id, repo, number, title, state, author, milestone, labels,
			created_at, updated_at, closed_at, raw_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')`,
			n+1, fmt.Sprintf("acme/g%d", n%3), n+1, fmt.Sprintf("issue %d", n), state, "gh-user", null(fmt.Sprintf("m%d", n%10)),
			labels, store.FormatTime(created), store.FormatTime(created), closed); err != nil {
			return err
		}
	}
	for r := range 20 {
		for m := range 10 {
			if err := exec(`INSERT INTO github_milestones (repo, number, title, state, due_on) VALUES (?, ?, ?, 'open', ?)`,
				fmt.Sprintf("acme/r%02d", r), m+1, fmt.Sprintf("m%d", m), store.FormatTime(base.AddDate(0, 4, m))); err != nil {
				return err
			}
		}
	}
	return exec(`INSERT INTO sync_runs (connector, started_at, finished_at, status) VALUES
		('jira', '2026-11-25T10:00:00Z', '2026-11-25T10:05:00Z', 'ok'), ('github', '2026-11-24T10:00:00Z', '2026-11-24T10:05:00Z', 'ok')`)
}
