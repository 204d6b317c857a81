package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

var jiraT0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func openJiraDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "jira.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return jiraT0.Add(24 * time.Hour) }
	return db
}

func points(f float64) *float64 { return &f }

// jiraIssue builds issue n of project p with two status changes, a fix version, a sprint and,
// as Jira reports them, both its links: it blocks the next issue and the previous one blocks it.
func jiraIssue(p string, n int) cairn.Issue {
	id := int64(10000 + n)
	key := fmt.Sprintf("%s-%d", p, n)
	links := []cairn.IssueLink{{ID: id * 10, Type: "Blocks", FromKey: key, ToKey: fmt.Sprintf("%s-%d", p, n+1)}}
	if n > 1 {
		links = append(links, cairn.IssueLink{ID: (id - 1) * 10, Type: "Blocks", FromKey: fmt.Sprintf("%s-%d", p, n-1), ToKey: key})
	}
	return cairn.Issue{
		ID: id, Key: key, ProjectKey: p, IssueType: "Story", Summary: "Issue " + key,
		Status: "In Progress", StatusCategory: cairn.CategoryIndeterminate, Assignee: "Ada", Priority: "High",
		Labels: []string{"api"}, Components: []string{"core"}, StoryPoints: points(3), EpicKey: p + "-1",
		ParentKey: p + "-1", Created: jiraT0, Updated: jiraT0.Add(time.Duration(n) * time.Minute),
		DueDate: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), FixVersionIDs: []int64{500}, SprintIDs: []int64{70},
		Links: links,
		Transitions: []cairn.Transition{
			{HistoryID: fmt.Sprint(id*100 + 1), At: jiraT0.Add(time.Minute), FromStatus: "To Do", ToStatus: "In Progress",
				FromCategory: cairn.CategoryNew, ToCategory: cairn.CategoryIndeterminate},
			{HistoryID: fmt.Sprint(id*100 + 2), At: jiraT0.Add(2 * time.Minute), FromStatus: "In Progress", ToStatus: "Review",
				FromCategory: cairn.CategoryIndeterminate, ToCategory: cairn.CategoryIndeterminate},
		},
		Raw: []byte(fmt.Sprintf(`{"id":"%d","key":%q}`, id, key)),
	}
}

// dumpJira renders the Jira tables as sorted lines (synced_at left out: it is the only column
// that differs between two runs that stored the same data).
func dumpJira(t testing.TB, db *store.DB) []string {
	t.Helper()
	queries := []string{
		`SELECT 'issue', id, key, project_key, issue_type, subtask, summary, status, status_category,
			coalesce(assignee, '-'), coalesce(priority, '-'), labels, components, coalesce(story_points, '-'),
			coalesce(epic_key, '-'), coalesce(parent_key, '-'), flagged, created_at, updated_at,
			coalesce(resolved_at, '-'), coalesce(due_date, '-'), coalesce(deleted_at, '-'), raw_json FROM jira_issues`,
		`SELECT 'change', issue_id, history_id, at, coalesce(from_status, '-'), to_status, coalesce(from_category, '-'),
			coalesce(to_category, '-') FROM jira_status_changes`,
		`SELECT 'link', id, type, from_key, to_key FROM jira_issue_links`,
		`SELECT 'iv', issue_id, version_id FROM jira_issue_versions`,
		`SELECT 'is', issue_id, sprint_id FROM jira_issue_sprints`,
		`SELECT 'version', id, project_key, name, description, coalesce(start_date, '-'), coalesce(release_date, '-'),
			released, archived, raw_json FROM jira_versions`,
		`SELECT 'board', id, name, type, coalesce(project_key, '-') FROM jira_boards`,
		`SELECT 'sprint', id, coalesce(board_id, '-'), name, state, goal, coalesce(start_at, '-'), coalesce(end_at, '-'),
			coalesce(complete_at, '-'), raw_json FROM jira_sprints`,
		`SELECT 'field', concept, field_id, source FROM jira_fields`,
	}
	var out []string
	for _, q := range queries {
		rows, err := db.ReadDB().Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = v.String
			}
			out = append(out, strings.Join(parts, "|"))
		}
		rows.Close()
	}
	return out
}

func TestSaveJiraIssuesCountsAndCursor(t *testing.T) {
	ctx := context.Background()
	db := openJiraDB(t)
	page := store.JiraIssuePage{Scope: "PAY", Issues: []cairn.Issue{jiraIssue("PAY", 1), jiraIssue("PAY", 2)}, Cursor: `{"next":"100"}`}
	n, u, err := db.SaveJiraIssues(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || u != 0 {
		t.Errorf("first save: new %d updated %d, want 2, 0", n, u)
	}
	st, err := db.JiraScope(ctx, "PAY")
	if err != nil {
		t.Fatal(err)
	}
	if st.Cursor != `{"next":"100"}` || !st.Watermark.IsZero() {
		t.Errorf("state = %+v, want the page's cursor and no watermark", st)
	}
	first := dumpJira(t, db)

	// The same page again changes nothing and counts nothing.
	if n, u, err = db.SaveJiraIssues(ctx, page); err != nil || n != 0 || u != 0 {
		t.Errorf("same page again: new %d updated %d err %v, want 0, 0, nil", n, u, err)
	}
	if diff := cmp.Diff(first, dumpJira(t, db)); diff != "" {
		t.Errorf("saving the same page twice changed rows (-first +second):\n%s", diff)
	}

	// An update replaces the issue's children: one status change more, another sprint, and the
	// link to PAY-3 removed (on both sides, as Jira does).
	is := jiraIssue("PAY", 2)
	is.Updated = is.Updated.Add(time.Hour)
	is.Status, is.StatusCategory, is.Resolved = "Done", cairn.CategoryDone, is.Updated
	is.Transitions = append(is.Transitions, cairn.Transition{HistoryID: "x3", At: is.Updated, FromStatus: "Review",
		ToStatus: "Done", FromCategory: cairn.CategoryIndeterminate, ToCategory: cairn.CategoryDone})
	is.SprintIDs, is.Links, is.FixVersionIDs, is.StoryPoints = []int64{71}, is.Links[1:], nil, nil
	if n, u, err = db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "PAY", Issues: []cairn.Issue{is}}); err != nil || n != 0 || u != 1 {
		t.Fatalf("update: new %d updated %d err %v, want 0, 1, nil", n, u, err)
	}
	if st, _ := db.JiraScope(ctx, "PAY"); st.Cursor != `{"next":"100"}` {
		t.Errorf("a page without cursor changed it to %q", st.Cursor)
	}
	got := column(t, db, `SELECT to_status FROM jira_status_changes WHERE issue_id = 10002 ORDER BY at`)
	if diff := cmp.Diff([]string{"In Progress", "Review", "Done"}, got); diff != "" {
		t.Errorf("status changes (-want +got):\n%s", diff)
	}
	got = column(t, db, `SELECT sprint_id || '/' || coalesce((SELECT group_concat(version_id) FROM jira_issue_versions WHERE issue_id = 10002), '-')
		|| '/' || coalesce((SELECT story_points FROM jira_issues WHERE id = 10002), '-') || '/' || (SELECT status_category FROM jira_issues WHERE id = 10002)
		FROM jira_issue_sprints WHERE issue_id = 10002`)
	if diff := cmp.Diff([]string{"71/-/-/done"}, got); diff != "" {
		t.Errorf("sprint/versions/points/category (-want +got):\n%s", diff)
	}
	// PAY-1 blocks PAY-2 stays; PAY-2 blocks PAY-3 is gone.
	got = column(t, db, `SELECT from_key || '>' || to_key FROM jira_issue_links ORDER BY id`)
	if diff := cmp.Diff([]string{"PAY-1>PAY-2"}, got); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	if got := column(t, db, `SELECT raw_json FROM jira_issues WHERE id = 10001`); got[0] != `{"id":"10001","key":"PAY-1"}` {
		t.Errorf("raw_json = %s", got[0])
	}
}

func TestSaveJiraIssuesSkipsUnchangedUnlessRewrite(t *testing.T) {
	ctx := context.Background()
	db := openJiraDB(t)
	is := jiraIssue("PAY", 1)
	if _, _, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "PAY", Issues: []cairn.Issue{is}}); err != nil {
		t.Fatal(err)
	}
	// The same payload decoded differently (a new story point field): left alone, then
	// rewritten when asked.
	is.Summary, is.StoryPoints = "derived anew", points(8)
	for _, rewrite := range []bool{false, true} {
		n, u, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "PAY", Issues: []cairn.Issue{is}, Rewrite: rewrite})
		if err != nil || n != 0 || u != 0 {
			t.Errorf("rewrite %v: new %d updated %d err %v, want 0, 0, nil", rewrite, n, u, err)
		}
		want := "Issue PAY-1 3.0"
		if rewrite {
			want = "derived anew 8.0"
		}
		if got := column(t, db, `SELECT summary || ' ' || story_points FROM jira_issues WHERE id = 10001`); got[0] != want {
			t.Errorf("rewrite %v: stored %q, want %q", rewrite, got[0], want)
		}
	}
	// A changed payload with the same updated time is stored.
	is.Raw, is.Summary = []byte(`{"id":"10001","key":"PAY-1","changed":true}`), "new payload"
	if _, _, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "PAY", Issues: []cairn.Issue{is}}); err != nil {
		t.Fatal(err)
	}
	if got := column(t, db, `SELECT summary FROM jira_issues WHERE id = 10001`); got[0] != "new payload" {
		t.Errorf("changed raw JSON not stored: summary %q", got[0])
	}
}

func TestSaveJiraIssuesMovedKey(t *testing.T) {
	ctx := context.Background()
	db := openJiraDB(t)
	epic := jiraIssue("OPS", 1) // OPS-1 is the epic and parent of OPS-2, and blocks it
	child := jiraIssue("OPS", 2)
	other := jiraIssue("CORE", 7)
	other.Links = []cairn.IssueLink{{ID: 999, Type: "Blocks", FromKey: "CORE-7", ToKey: "OPS-1"}}
	epic.Links = append(epic.Links, other.Links[0])
	if _, _, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "OPS", Issues: []cairn.Issue{epic, child, other}}); err != nil {
		t.Fatal(err)
	}
	moved := epic
	moved.Key, moved.ProjectKey = "SEED-5", "SEED"
	moved.Updated = moved.Updated.Add(time.Hour)
	moved.Links = []cairn.IssueLink{{ID: epic.Links[0].ID, Type: "Blocks", FromKey: "SEED-5", ToKey: "OPS-2"},
		{ID: 999, Type: "Blocks", FromKey: "CORE-7", ToKey: "SEED-5"}}
	n, u, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "SEED", Issues: []cairn.Issue{moved}})
	if err != nil || n != 0 || u != 1 {
		t.Fatalf("moved: new %d updated %d err %v, want 0, 1, nil", n, u, err)
	}
	got := column(t, db, `SELECT id || ' ' || key || ' ' || project_key || ' ' || epic_key || ' ' || parent_key FROM jira_issues ORDER BY id`)
	want := []string{"10001 SEED-5 SEED OPS-1 OPS-1", "10002 OPS-2 OPS SEED-5 SEED-5", "10007 CORE-7 CORE CORE-1 CORE-1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issues after the move (-want +got):\n%s", diff)
	}
	got = column(t, db, `SELECT id || ' ' || from_key || '>' || to_key FROM jira_issue_links ORDER BY id`)
	// CORE-7 (not re-read) and OPS-2 still link to the moved issue, by its new key.
	want = []string{"999 CORE-7>SEED-5", "100010 SEED-5>OPS-2", "100020 OPS-2>OPS-3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("links after the move (-want +got):\n%s", diff)
	}
	if ids, _ := db.JiraIssueIDs(ctx, "OPS"); !cmp.Equal(ids, []int64{10002}) {
		t.Errorf("OPS ids = %v, want [10002]", ids)
	}
}

func TestMarkJiraDeletedAndRestore(t *testing.T) {
	ctx := context.Background()
	db := openJiraDB(t)
	issues := []cairn.Issue{jiraIssue("PAY", 1), jiraIssue("PAY", 2), jiraIssue("PAY", 3)}
	if _, _, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "PAY", Issues: issues}); err != nil {
		t.Fatal(err)
	}
	// 10003 moved to another project meanwhile: not deleted through PAY.
	if n, err := db.MarkJiraDeleted(ctx, "CORE", []int64{10003}, jiraT0); err != nil || n != 0 {
		t.Errorf("delete through another project: %d, %v; want 0, nil", n, err)
	}
	n, err := db.MarkJiraDeleted(ctx, "PAY", []int64{10002, 10003, 10009}, jiraT0)
	if err != nil || n != 2 {
		t.Fatalf("MarkJiraDeleted = %d, %v; want 2, nil", n, err)
	}
	if n, _ := db.MarkJiraDeleted(ctx, "PAY", []int64{10002}, jiraT0.Add(time.Hour)); n != 0 {
		t.Errorf("deleting twice changed %d rows, want 0 (the first deleted_at stays)", n)
	}
	if ids, _ := db.JiraIssueIDs(ctx, "PAY"); !cmp.Equal(ids, []int64{10001}) {
		t.Errorf("ids = %v, want [10001]", ids)
	}
	if got := column(t, db, `SELECT deleted_at FROM jira_issues WHERE id = 10002`); got[0] != store.FormatTime(jiraT0) {
		t.Errorf("deleted_at = %s", got[0])
	}
	// Seen again, unchanged: restored and counted as updated.
	created, updated, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "PAY", Issues: issues[1:2]})
	if err != nil || created != 0 || updated != 1 {
		t.Errorf("restore: new %d updated %d err %v, want 0, 1, nil", created, updated, err)
	}
	if ids, _ := db.JiraIssueIDs(ctx, "PAY"); !cmp.Equal(ids, []int64{10001, 10002}) {
		t.Errorf("ids after restore = %v, want [10001 10002]", ids)
	}
	max, err := db.JiraMaxUpdated(ctx, "PAY")
	if err != nil || !max.Equal(jiraT0.Add(3*time.Minute)) {
		t.Errorf("JiraMaxUpdated = %v, %v; want %v (deleted rows count: they were seen)", max, err, jiraT0.Add(3*time.Minute))
	}
	if max, _ := db.JiraMaxUpdated(ctx, "NONE"); !max.IsZero() {
		t.Errorf("JiraMaxUpdated of an empty project = %v, want zero", max)
	}
}

func TestJiraScopeLifecycle(t *testing.T) {
	ctx := context.Background()
	db := openJiraDB(t)
	if st, err := db.JiraScope(ctx, "PAY"); err != nil || st != (store.JiraScope{}) {
		t.Fatalf("new scope = %+v, %v; want zero", st, err)
	}
	if _, _, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "PAY", Issues: []cairn.Issue{jiraIssue("PAY", 1)}, Cursor: "c1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.CompleteJiraScope(ctx, "PAY", jiraT0, `project in (PAY)`); err != nil {
		t.Fatal(err)
	}
	st, err := db.JiraScope(ctx, "PAY")
	if err != nil {
		t.Fatal(err)
	}
	want := store.JiraScope{State: store.State{Watermark: jiraT0}, Query: `project in (PAY)`}
	if !cmp.Equal(want, st) {
		t.Errorf("completed scope = %+v, want %+v", st, want)
	}
	// The shared State reader sees the same watermark.
	if s, _ := db.State(ctx, cairn.ConnectorJira, "PAY"); !s.Watermark.Equal(jiraT0) || s.Cursor != "" {
		t.Errorf("State = %+v", s)
	}
}

func TestSaveJiraVersionsBoardsSprintsFields(t *testing.T) {
	ctx := context.Background()
	db := openJiraDB(t)
	day := func(d int) time.Time { return time.Date(2026, 5, d, 0, 0, 0, 0, time.UTC) }
	vs := []cairn.Version{{ID: 1, Name: "PAY 1.0", ReleaseDate: day(1), Released: true},
		{ID: 2, Name: "PAY 2.0", StartDate: day(2), ReleaseDate: day(20)}, {ID: 3, Name: "PAY 3.0", Archived: true}}
	mustDo(t, db.SaveJiraVersions(ctx, "PAY", vs))
	mustDo(t, db.SaveJiraVersions(ctx, "CORE", []cairn.Version{{ID: 9, Name: "CORE 1"}}))
	vs[1].Released = true
	mustDo(t, db.SaveJiraVersions(ctx, "PAY", vs[1:])) // 1 was deleted in Jira
	got := column(t, db, `SELECT id || ' ' || project_key || ' ' || name || ' ' || coalesce(release_date, '-') || ' ' || released || archived FROM jira_versions ORDER BY id`)
	want := []string{"2 PAY PAY 2.0 2026-05-20 10", "3 PAY PAY 3.0 - 01", "9 CORE CORE 1 - 00"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	mustDo(t, db.SaveJiraVersions(ctx, "CORE", nil))
	if got := column(t, db, `SELECT id FROM jira_versions WHERE project_key = 'CORE'`); len(got) != 0 {
		t.Errorf("CORE versions after an empty list: %v", got)
	}

	mustDo(t, db.SaveJiraBoards(ctx, "PAY", []cairn.Board{{ID: 1, Name: "PAY board", Type: "scrum"}, {ID: 2, Name: "PAY flow", Type: "kanban"}}))
	mustDo(t, db.SaveJiraSprints(ctx, 1, []cairn.Sprint{
		{ID: 70, Name: "S1", State: "closed", StartAt: day(1), EndAt: day(14), CompleteAt: day(14)},
		{ID: 71, Name: "S2", State: "active", StartAt: day(15), EndAt: day(28)},
		{ID: 72, Name: "S3", State: "future"}}))
	mustDo(t, db.SaveJiraSprints(ctx, 2, nil))
	if ids, err := db.JiraOpenSprintBoards(ctx, "PAY"); err != nil || !cmp.Equal(ids, []int64{1}) {
		t.Errorf("open sprint boards = %v, %v; want [1]", ids, err)
	}
	mustDo(t, db.SaveJiraSprints(ctx, 1, []cairn.Sprint{
		{ID: 70, Name: "S1", State: "closed"}, {ID: 71, Name: "S2", State: "closed"}}))
	if ids, _ := db.JiraOpenSprintBoards(ctx, "PAY"); len(ids) != 0 {
		t.Errorf("open sprint boards after closing = %v, want none", ids)
	}
	if ids, err := db.JiraUnknownSprints(ctx, []int64{73, 70, 72, 73}); err != nil || !cmp.Equal(ids, []int64{72, 73}) {
		t.Errorf("unknown sprints = %v, %v; want [72 73] (72 was deleted)", ids, err)
	}
	mustDo(t, db.SaveJiraBoards(ctx, "PAY", []cairn.Board{{ID: 2, Name: "PAY flow", Type: "kanban"}}))
	if bs, _ := db.JiraBoards(ctx, "PAY"); !cmp.Equal(bs, []cairn.Board{{ID: 2, Name: "PAY flow", Type: "kanban", ProjectKey: "PAY"}}) {
		t.Errorf("boards = %+v", bs)
	}

	fields := []cairn.JiraField{{Concept: cairn.JiraConceptStoryPoints, FieldID: "customfield_10016", Source: "schema"},
		{Concept: cairn.JiraConceptSprint, FieldID: "customfield_10020", Source: "config"}}
	for i, step := range []struct {
		fields  []cairn.JiraField
		changed bool
	}{{fields, true}, {fields, false}, {fields[1:], true}} {
		changed, err := db.SaveJiraFields(ctx, step.fields)
		if err != nil || changed != step.changed {
			t.Errorf("fields step %d: changed %v, %v; want %v", i, changed, err, step.changed)
		}
	}
	if got, err := db.JiraFields(ctx); err != nil || !cmp.Equal(got, fields[1:]) {
		t.Errorf("fields = %+v, %v; want %+v", got, err, fields[1:])
	}
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSaveJiraIssues stores pages of 100 issues (each with four status changes, a fix
// version, a sprint, two links and 2 KB of raw JSON): new, updated, and unchanged (re-read by
// an overlap or a full run).
func BenchmarkSaveJiraIssues(b *testing.B) {
	for _, mode := range []string{"new", "update", "unchanged"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			db := openJiraDB(b)
			raw := []byte(`{"fields":{"description":"` + strings.Repeat("x", 2000) + `"}}`)
			page := make([]cairn.Issue, 100)
			fill := func(base int, shift time.Duration) {
				for i := range page {
					is := jiraIssue("PAY", base+i)
					is.Updated = is.Updated.Add(shift)
					is.Transitions = append(is.Transitions, is.Transitions...)
					is.Transitions[2].HistoryID += "b"
					is.Transitions[3].HistoryID += "b"
					is.Raw = raw
					page[i] = is
				}
			}
			shift := time.Hour
			if mode == "unchanged" {
				shift = 0
			}
			if mode != "new" {
				for p := 0; p < b.N; p++ {
					fill(p*100, 0)
					if _, _, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "PAY", Issues: page, Cursor: "c"}); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ResetTimer()
			for p := 0; p < b.N; p++ {
				fill(p*100, shift)
				if _, _, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: "PAY", Issues: page, Cursor: fmt.Sprint(p)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "issues/s")
		})
	}
}

// A database path with URI characters ('#', '?', '%') opens that file, not a truncated name.
func TestOpenPathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c%20d")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cairn.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveJiraFields(context.Background(), []cairn.JiraField{{Concept: "sprint", FieldID: "customfield_1", Source: "schema"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at its path: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Errorf("files beside the database's directory: %v, want only the directory", entries)
	}
}
