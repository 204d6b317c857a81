package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-dev/cairn"
)

// patchedTables are the tables whose rows PatchRollup re-reads by key, with the change-list
// key of a row (kind, repo, id as SQL over the row): a write to one of them must be listed.
// The other tables the rollup reads (versions, sprints, GitHub milestones, sync runs) are read
// whole on every patch.
var patchedTables = []struct{ table, kind, repo, id string }{
	{"jira_issues", "jira_issue", "''", "id"},
	{"jira_status_changes", "jira_issue", "''", "issue_id"},
	{"jira_issue_versions", "jira_issue", "''", "issue_id"},
	{"jira_issue_sprints", "jira_issue", "''", "issue_id"},
	{"jira_issue_links", "jira_link", "''", "id"},
	{"github_pull_requests", "pr", "repo", "number"},
	{"github_reviews", "pr", "repo", "number"},
	{"pr_issue_links", "pr", "repo", "number"},
	{"github_issues", "github_issue", "''", "id"},
}

// auditTriggers makes every insert, update (old and new row) and delete on the patched tables
// list its key in rollup_audit: the reference the explicit capture is checked against. (These
// are the triggers migration 0007 first used; BenchmarkCapture measures them too.)
func auditTriggers(table string) []string {
	out := []string{`CREATE TABLE IF NOT EXISTS ` + table + ` (kind TEXT, repo TEXT, id INTEGER)`}
	for _, t := range patchedTables {
		key := func(row string) string {
			repo := t.repo
			if repo != "''" {
				repo = row + "." + repo
			}
			return fmt.Sprintf(`INSERT INTO %s (kind, repo, id) VALUES ('%s', %s, %s.%s);`, table, t.kind, repo, row, t.id)
		}
		for _, ev := range []struct{ on, body string }{
			{"INSERT", key("NEW")}, {"UPDATE", key("NEW") + key("OLD")}, {"DELETE", key("OLD")},
		} {
			out = append(out, fmt.Sprintf(`CREATE TRIGGER %s_%s_%s AFTER %s ON %s BEGIN %s END`,
				table, t.table, strings.ToLower(ev.on), ev.on, t.table, ev.body))
		}
	}
	return out
}

func execAll(t testing.TB, db *DB, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if _, err := db.write.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func keySet(t testing.TB, db *DB, table string) map[string]bool {
	t.Helper()
	rows, err := db.write.Query(`SELECT DISTINCT kind, repo, id FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var kind, repo string
		var id int64
		if err := rows.Scan(&kind, &repo, &id); err != nil {
			t.Fatal(err)
		}
		out[kind+" "+repo+" "+strconv.FormatInt(id, 10)] = true
	}
	return out
}

// dirtySet is the change list's keys as keySet writes them.
func dirtySet(t testing.TB, db *DB) map[string]bool {
	t.Helper()
	var c RollupChanges
	err := db.Update(context.Background(), func(tx *sql.Tx) error {
		var ok bool
		var err error
		if c, ok, err = pendingChanges(context.Background(), tx, 1<<30); err == nil && !ok {
			err = fmt.Errorf("change list over its limit")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, k := range []struct {
		kind string
		ids  []int64
	}{{"jira_issue", c.Issues}, {"jira_link", c.Links}, {"github_issue", c.GitHubIssues}} {
		for _, id := range k.ids {
			out[k.kind+"  "+strconv.FormatInt(id, 10)] = true
		}
	}
	for _, r := range c.PRs {
		out["pr "+r.Repo+" "+strconv.Itoa(r.Number)] = true
	}
	return out
}

func capIssue(p string, n int, at time.Time) cairn.Issue {
	id := int64(100 + n)
	key := fmt.Sprintf("%s-%d", p, n)
	return cairn.Issue{ID: id, Key: key, ProjectKey: p, IssueType: "Story", Summary: key, Status: "In Progress",
		StatusCategory: cairn.CategoryIndeterminate, Created: at, Updated: at, EpicKey: p + "-1",
		FixVersionIDs: []int64{7}, SprintIDs: []int64{9},
		Links: []cairn.IssueLink{{ID: id * 10, Type: "Blocks", FromKey: key, ToKey: fmt.Sprintf("%s-%d", p, n+1)}},
		Transitions: []cairn.Transition{{HistoryID: strconv.FormatInt(id, 10), At: at, FromStatus: "To Do",
			ToStatus: "In Progress", FromCategory: cairn.CategoryNew, ToCategory: cairn.CategoryIndeterminate}},
		Raw: []byte(`{"key":"` + key + `"}`)}
}

func capPR(repo string, n int, at time.Time) cairn.PullRequest {
	return cairn.PullRequest{ID: int64(5000 + n), Repo: repo, Number: n, Title: fmt.Sprint("PR ", n), State: "open",
		Created: at, Updated: at, Raw: []byte(`{}`)}
}

// TestCaptureCoversEveryWrite writes through every store method that writes a table
// PatchRollup re-reads by key, in the ways a sync does (new, changed, unchanged, moved,
// relinked, deleted, restored rows), and checks after each that every key a trigger saw
// written is in the change list (rollup_dirty), and that the change list names nothing
// unwritten. TestCaptureKnowsEveryWriteStatement makes sure no write statement escapes it.
func TestCaptureCoversEveryWrite(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	execAll(t, db, auditTriggers("rollup_audit")...)
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	issues := []cairn.Issue{capIssue("PAY", 1, at), capIssue("PAY", 2, at), capIssue("PAY", 3, at)}
	issues[2].ParentKey = "PAY-2"
	prs := []cairn.PullRequest{capPR("acme/web", 1, at), capPR("acme/web", 2, at)}
	reviews := []cairn.Review{{ID: 1, Repo: "acme/web", Number: 1, State: "APPROVED", SubmittedAt: at, Raw: []byte(`{}`)},
		{ID: 2, Repo: "acme/web", Number: 2, State: "COMMENTED", SubmittedAt: at, Raw: []byte(`{}`)}}
	links := []cairn.PRIssueLink{{Repo: "acme/web", Number: 1, IssueKey: "PAY-1", Source: "title"}}
	ghIssues := []cairn.GitHubIssue{{ID: 900, Repo: "acme/web", Number: 10, Title: "bug", State: "open", Created: at,
		Updated: at, Raw: []byte(`{}`)}}
	later := func(is *cairn.Issue) { is.Updated = is.Updated.Add(time.Hour); is.Raw = append(is.Raw, ' ') }

	steps := []struct {
		what   string
		writes bool // whether the step changes rows of the patched tables
		do     func() error
	}{
		{"new jira issues", true, func() error {
			_, err := db.SaveJiraIssuePages(ctx, []JiraIssuePage{{Scope: "PAY", Issues: issues[:2]}, {Scope: "PAY", Issues: issues[2:]}})
			return err
		}},
		{"unchanged jira issues", false, func() error {
			_, _, err := db.SaveJiraIssues(ctx, JiraIssuePage{Scope: "PAY", Issues: issues, Cursor: "c"})
			return err
		}},
		{"rewritten jira issues", true, func() error {
			_, _, err := db.SaveJiraIssues(ctx, JiraIssuePage{Scope: "PAY", Issues: issues[:1], Rewrite: true})
			return err
		}},
		{"changed status, versions, sprints; a link removed", true, func() error {
			is := &issues[1]
			later(is)
			is.Status, is.StatusCategory = "Done", cairn.CategoryDone
			is.Transitions = append(is.Transitions, cairn.Transition{HistoryID: "x", At: is.Updated, ToStatus: "Done",
				FromCategory: cairn.CategoryIndeterminate, ToCategory: cairn.CategoryDone})
			is.FixVersionIDs, is.SprintIDs, is.Links = []int64{8, 3, 8}, nil, nil
			// What the rollup rows pack: set fields, text to escape, a repeated history id
			// (the table keeps its first place and last values).
			points := 2.5
			is.StoryPoints, is.Resolved, is.Flagged, is.Subtask = &points, is.Updated, true, true
			is.Summary, is.Labels, is.Components = "Ünïcode: 12:34 | \"q\"", []string{"b", "a:1"}, []string{"api"}
			is.Assignee, is.Priority = "Ann", "Blocker"
			is.Transitions = append(is.Transitions, cairn.Transition{HistoryID: strconv.FormatInt(is.ID, 10),
				At: is.Updated.Add(-time.Minute), ToStatus: "Review", FromCategory: cairn.CategoryNew,
				ToCategory: cairn.CategoryIndeterminate})
			_, _, err := db.SaveJiraIssues(ctx, JiraIssuePage{Scope: "PAY", Issues: issues[1:2]})
			return err
		}},
		{"moved issue (its children's parent and epic, links from the other side)", true, func() error {
			is := &issues[0] // PAY-1: epic of all three; PAY-2 is the parent of PAY-3
			later(is)
			is.Key, is.ProjectKey = "OPS-1", "OPS"
			is.Links = nil
			_, _, err := db.SaveJiraIssues(ctx, JiraIssuePage{Scope: "OPS", Issues: issues[:1]})
			return err
		}},
		{"moved parent", true, func() error {
			is := &issues[1]
			later(is)
			is.Key = "PAY-20"
			_, _, err := db.SaveJiraIssues(ctx, JiraIssuePage{Scope: "PAY", Issues: issues[1:2]})
			return err
		}},
		{"deleted jira issue", true, func() error {
			_, err := db.MarkJiraDeleted(ctx, "PAY", []int64{issues[2].ID, 999}, at)
			return err
		}},
		{"deleted again (nothing changes)", false, func() error {
			_, err := db.MarkJiraDeleted(ctx, "PAY", []int64{issues[2].ID}, at)
			return err
		}},
		{"restored jira issue", true, func() error {
			_, _, err := db.SaveJiraIssues(ctx, JiraIssuePage{Scope: "PAY", Issues: issues[2:]})
			return err
		}},
		{"new pull requests", true, func() error {
			_, _, err := db.SaveGitHubPullRequests(ctx, GitHubPRPage{Repo: "acme/web", PRs: prs, Reviews: reviews, Links: links})
			return err
		}},
		{"pull request with its reviews and links gone", true, func() error {
			prs[0].Updated = prs[0].Updated.Add(time.Hour)
			_, _, err := db.SaveGitHubPullRequests(ctx, GitHubPRPage{Repo: "acme/web", PRs: prs[:1]})
			return err
		}},
		{"a review moved to another pull request", true, func() error {
			r := reviews[1]
			r.Number = 1
			_, _, err := db.SaveGitHubPullRequests(ctx, GitHubPRPage{Repo: "acme/web", PRs: prs[:1], Reviews: []cairn.Review{r}})
			return err
		}},
		{"pull request of a transferred repo", true, func() error {
			p := prs[1]
			p.Repo, p.Number = "acme/app", 7
			_, _, err := db.SaveGitHubPullRequests(ctx, GitHubPRPage{Repo: "acme/app", PRs: []cairn.PullRequest{p}})
			return err
		}},
		{"deleted pull request", true, func() error {
			_, err := db.MarkGitHubDeleted(ctx, "acme/web", GitHubPulls, []int{1, 99}, at)
			return err
		}},
		{"github issues", true, func() error {
			_, _, err := db.SaveGitHubIssues(ctx, GitHubIssuePage{Repo: "acme/web", Issues: ghIssues})
			return err
		}},
		{"transferred github issue", true, func() error {
			g := ghIssues[0]
			g.Repo, g.Number = "acme/app", 3
			_, _, err := db.SaveGitHubIssues(ctx, GitHubIssuePage{Repo: "acme/app", Issues: []cairn.GitHubIssue{g}})
			return err
		}},
		{"deleted github issue", true, func() error {
			_, err := db.MarkGitHubDeleted(ctx, "acme/app", GitHubIssues, []int{3}, at)
			return err
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.what, err)
		}
		audit, dirty := keySet(t, db, "rollup_audit"), dirtySet(t, db)
		for k := range audit {
			if !dirty[k] {
				t.Errorf("%s: %s was written but is not in the change list", s.what, k)
			}
		}
		for k := range dirty {
			if !audit[k] {
				t.Errorf("%s: %s is in the change list but was not written", s.what, k)
			}
		}
		if s.writes != (len(audit) > 0) {
			t.Errorf("%s: the step wrote %d keys, want writes = %v", s.what, len(audit), s.writes)
		}
		checkRollupRows(t, db, s.what)
		execAll(t, db, `DELETE FROM rollup_audit`, `DELETE FROM rollup_dirty`)
	}
}

// TestCaptureOnlyCommitted: the change list is written in the transaction of the write, so a
// page that fails after its keys were listed (here its reviews are refused) lists nothing.
func TestCaptureOnlyCommitted(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	execAll(t, db, `CREATE TRIGGER refuse BEFORE INSERT ON github_reviews BEGIN SELECT RAISE(ABORT, 'refused'); END`)
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	_, _, err := db.SaveGitHubPullRequests(ctx, GitHubPRPage{Repo: "acme/web", PRs: []cairn.PullRequest{capPR("acme/web", 1, at)},
		Reviews: []cairn.Review{{ID: 1, Repo: "acme/web", Number: 1, State: "APPROVED", SubmittedAt: at}}})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("save: %v, want the trigger's refusal", err)
	}
	if got := dirtySet(t, db); len(got) != 0 {
		t.Errorf("change list after a failed transaction: %v, want empty", got)
	}
}

// writeStmt finds a write to a table at the start of an SQL fragment; a table name left to a
// concatenation (`UPDATE ` + table) matches with an empty name.
var writeStmt = regexp.MustCompile(`(?is)\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s*(\w*)`)

// captureCovered names each declaration (function or statement variable) of the module's
// non-test code that writes a patched table, with the step of TestCaptureCoversEveryWrite
// that exercises it. A new one fails TestCaptureKnowsEveryWriteStatement until it records
// what it writes (RollupChanges.record, in its transaction), keeps the Jira rollup rows
// (jira_rollup_rows, which checkRollupRows holds to their view after every step) and a step
// here checks it.
var captureCovered = map[string]string{
	"store/jira.go newJiraWriter":       "new jira issues, changed status ...",
	"store/jira.go save":                "changed status, versions, sprints; a link removed",
	"store/jira.go rename":              "moved issue, moved parent",
	"store/jira.go MarkJiraDeleted":     "deleted jira issue",
	"store/github.go prUpsert":          "new pull requests, transferred repo",
	"store/github.go reviewsClear":      "pull request with its reviews and links gone",
	"store/github.go linksClear":        "pull request with its reviews and links gone",
	"store/github.go reviewUpsert":      "a review moved to another pull request",
	"store/github.go linkInsert":        "new pull requests",
	"store/github.go issueUpsert":       "github issues, transferred github issue",
	"store/github.go MarkGitHubDeleted": "deleted pull request, deleted github issue (table chosen at run time)",
}

// TestCaptureKnowsEveryWriteStatement scans the module's Go code (tests aside) for SQL that
// writes a patched table, or writes a table named at run time, and fails on one that
// TestCaptureCoversEveryWrite does not cover.
func TestCaptureKnowsEveryWriteStatement(t *testing.T) {
	patched := map[string]bool{}
	for _, p := range patchedTables {
		patched[p.table] = true
	}
	found := map[string]bool{}
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, decl := range f.Decls {
			name := ""
			switch d := decl.(type) {
			case *ast.FuncDecl:
				name = d.Name.Name
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if v, ok := s.(*ast.ValueSpec); ok && len(v.Names) > 0 {
						name = v.Names[0].Name
						inspectWrites(v, patched, func() { found[filepath.ToSlash(rel)+" "+name] = true })
					}
				}
				continue
			}
			inspectWrites(decl, patched, func() { found[filepath.ToSlash(rel)+" "+name] = true })
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing, stale []string
	for k := range found {
		if _, ok := captureCovered[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range captureCovered {
		if !found[k] {
			stale = append(stale, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(stale)
	for _, k := range missing {
		t.Errorf("%s writes a table the incremental rollup patches: list its keys (RollupChanges.record, same transaction) "+
			"and cover it in TestCaptureCoversEveryWrite and captureCovered", k)
	}
	for _, k := range stale {
		t.Errorf("captureCovered names %s, which no longer writes a patched table", k)
	}
}

func inspectWrites(n ast.Node, patched map[string]bool, hit func()) {
	ast.Inspect(n, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		for _, m := range writeStmt.FindAllStringSubmatchIndex(s, -1) {
			table := strings.ToLower(s[m[2]:m[3]])
			// A name left to a concatenation: the literal ends at the keyword.
			dynamic := table == "" && strings.TrimSpace(s[m[1]:]) == ""
			if patched[table] || dynamic {
				hit()
			}
		}
		return true
	})
}

// TestTakeRollupChanges: keys listed by several transactions come back once each, sorted; a
// list over the limit is left in place; a cleared list is refused to the old generation.
func TestTakeRollupChanges(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	gen, err := db.ClearRollupChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	a, b := capIssue("PAY", 2, at), capIssue("PAY", 1, at)
	for _, is := range []cairn.Issue{a, b, a} {
		is.Updated = is.Updated.Add(time.Duration(len(dirtySet(t, db))) * time.Minute) // a change each time
		if _, _, err := db.SaveJiraIssues(ctx, JiraIssuePage{Scope: "PAY", Issues: []cairn.Issue{is}}); err != nil {
			t.Fatal(err)
		}
	}
	prs := []cairn.PullRequest{capPR("b/r", 3, at), capPR("a/r", 9, at)}
	if _, _, err := db.SaveGitHubPullRequests(ctx, GitHubPRPage{Repo: "a/r", PRs: prs}); err != nil {
		t.Fatal(err)
	}
	want := RollupChanges{Issues: []int64{101, 102}, Links: []int64{1010, 1020},
		PRs: []PRRef{{"a/r", 9}, {"b/r", 3}}}
	if _, ok, err := db.TakeRollupChanges(ctx, gen, want.Len()-1); err != nil || ok {
		t.Fatalf("take over the limit: ok %v, %v; want not ok", ok, err)
	}
	got, ok, err := db.TakeRollupChanges(ctx, gen, want.Len())
	if err != nil || !ok {
		t.Fatalf("take: ok %v, %v", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if got, ok, err := db.TakeRollupChanges(ctx, gen, 10); err != nil || !ok || got.Len() != 0 {
		t.Errorf("second take: %+v, ok %v, %v; want nothing", got, ok, err)
	}
	if _, err := db.ClearRollupChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.TakeRollupChanges(ctx, gen, 10); !errors.Is(err, ErrChangesCleared) {
		t.Errorf("take after a clear: %v, want ErrChangesCleared", err)
	}
}
