package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/cairn-dev/cairn"
)

// JiraIssuePage is one page of a Jira search to store in one transaction together with the
// position of the run that fetched it.
type JiraIssuePage struct {
	Scope  string // the sync_state scope, a project key
	Issues []cairn.Issue
	// Cursor is the scope's position after this page; "" leaves the stored cursor alone.
	Cursor string
	// Rewrite stores every issue even when unchanged (same updated time, key and raw JSON),
	// for when the same payload now derives other values (a changed field mapping).
	Rewrite bool
}

// JiraScope is the sync state of one Jira scope.
type JiraScope struct {
	State
	// Query is the scope's query (project clause and jql filter) at its last successful run;
	// "" when it never completed.
	Query string
}

// JiraScope returns the sync state of a Jira scope; a scope never synced has a zero JiraScope.
func (db *DB) JiraScope(ctx context.Context, scope string) (JiraScope, error) {
	var wm sql.NullString
	var st JiraScope
	err := db.read.QueryRowContext(ctx, `SELECT watermark, cursor, scope_query FROM sync_state
		WHERE connector = ? AND scope = ?`, cairn.ConnectorJira, scope).Scan(&wm, &st.Cursor, &st.Query)
	if errors.Is(err, sql.ErrNoRows) {
		return JiraScope{}, nil
	}
	if err != nil {
		return JiraScope{}, fmt.Errorf("read jira sync state %s: %w", scope, err)
	}
	st.Watermark = ParseTime(wm)
	return st, nil
}

// CompleteJiraScope records a successful run of a scope: the new watermark and the query that
// defined the scope, and clears the cursor. Called once, after every page has committed.
func (db *DB) CompleteJiraScope(ctx context.Context, scope string, watermark time.Time, query string) error {
	return db.Update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sync_state (connector, scope, watermark, cursor, scope_query, updated_at)
			VALUES (?, ?, ?, '', ?, ?) ON CONFLICT (connector, scope) DO UPDATE SET watermark = excluded.watermark,
			cursor = '', scope_query = excluded.scope_query, updated_at = excluded.updated_at`,
			cairn.ConnectorJira, scope, NullTime(watermark), query, FormatTime(db.Now()))
		if err != nil {
			return fmt.Errorf("complete jira scope %s: %w", scope, err)
		}
		return nil
	})
}

// batch inserts rows of n columns with multi-row statements, chunk rows at a time: one
// statement per chunk instead of one per row is what makes a page of issues cheap to store.
type batch struct {
	head, tail string // INSERT INTO t (cols) VALUES | ON CONFLICT ...
	cols       int
	args       []any
	full       string // the statement of batchRows rows, built once
}

const batchRows = 100

func (b *batch) add(vals ...any) { b.args = append(b.args, vals...) }

func (b *batch) exec(ctx context.Context, tx *sql.Tx, stmts stmtCache) error {
	row := "(" + placeholders(b.cols) + ")"
	per := batchRows * b.cols
	defer func() { clear(b.args); b.args = b.args[:0] }()
	for args := b.args; len(args) > 0; {
		n := min(per, len(args))
		chunk := args[:n]
		args = args[n:]
		var q string
		if n == per {
			if b.full == "" {
				b.full = b.head + repeatJoin(row, batchRows) + b.tail
			}
			q = b.full
		} else {
			// A shorter last chunk: pages of one transaction often repeat its length.
			q = b.head + repeatJoin(row, n/b.cols) + b.tail
		}
		st, err := stmts.get(ctx, tx, q)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, chunk...); err != nil {
			return err
		}
	}
	return nil
}

// stmtCache keeps the batch statements of one transaction prepared: a transaction storing
// several pages parses each statement (100 rows of up to 22 columns) once, not once per page.
type stmtCache map[string]*sql.Stmt

func (c stmtCache) get(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	if st, ok := c[q]; ok {
		return st, nil
	}
	st, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c[q] = st
	return st, nil
}

func (c stmtCache) close() {
	for _, st := range c {
		st.Close()
	}
}

func repeatJoin(s string, n int) string {
	return strings.TrimSuffix(strings.Repeat(s+",", n), ",")
}

// execIn runs q, whose one "(?)" stands for a list, over ids in chunks.
func execIn(ctx context.Context, tx *sql.Tx, q string, ids []any) error {
	for len(ids) > 0 {
		n := min(500, len(ids))
		if _, err := tx.ExecContext(ctx, strings.Replace(q, "(?)", "("+placeholders(n)+")", -1), ids[:n]...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// queryIn is execIn for a statement that returns one integer column (UPDATE or DELETE with
// RETURNING): what it returns is appended to out.
func queryIn(ctx context.Context, tx *sql.Tx, q string, ids []any, out []int64) ([]int64, error) {
	for len(ids) > 0 {
		n := min(500, len(ids))
		rows, err := tx.QueryContext(ctx, strings.Replace(q, "(?)", "("+placeholders(n)+")", -1), ids[:n]...)
		if err != nil {
			return out, err
		}
		if out, err = scanIDs(rows, out); err != nil {
			return out, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// scanIDs appends the integer column of rows to out and closes rows.
func scanIDs(rows *sql.Rows, out []int64) ([]int64, error) {
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return out, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// rawView is rawText without the copy: the driver copies bound text into SQLite before the
// statement returns, and nothing writes to an issue's raw bytes meanwhile, so a page of
// issues is not duplicated (500 KB a page) only to be copied again.
func rawView(b []byte) string {
	if len(b) == 0 {
		return "{}"
	}
	return unsafe.String(&b[0], len(b))
}

// storedIssue is what SaveJiraIssues needs to know of an issue already stored.
type storedIssue struct {
	key, updated, raw string
	deleted           bool
}

func storedIssues(ctx context.Context, tx *sql.Tx, issues []cairn.Issue) (map[int64]storedIssue, error) {
	out := make(map[int64]storedIssue, len(issues))
	for lo := 0; lo < len(issues); lo += 500 {
		part := issues[lo:min(lo+500, len(issues))]
		args := make([]any, len(part))
		for i := range part {
			args[i] = part[i].ID
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, key, updated_at, raw_json, deleted_at IS NOT NULL FROM jira_issues
			WHERE id IN (`+placeholders(len(args))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var s storedIssue
			if err := rows.Scan(&id, &s.key, &s.updated, &s.raw, &s.deleted); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// rename points what other rows say about an issue's old key at its new one: links stored
// from the other side and the epic and parent of its children, none of which changes their
// own updated time in Jira when the issue moves. The rows it changes go to changed.
func rename(ctx context.Context, tx *sql.Tx, from, to string, changed *RollupChanges) error {
	var children []int64 // whose epic or parent moved: their rollup rows are packed again
	for _, q := range []struct {
		sql string
		ids *[]int64
	}{
		{`UPDATE jira_issue_links SET from_key = ? WHERE from_key = ? RETURNING id`, &changed.Links},
		{`UPDATE jira_issue_links SET to_key = ? WHERE to_key = ? RETURNING id`, &changed.Links},
		{`UPDATE jira_issues SET epic_key = ? WHERE epic_key = ? RETURNING id`, &children},
		{`UPDATE jira_issues SET parent_key = ? WHERE parent_key = ? RETURNING id`, &children},
	} {
		rows, err := tx.QueryContext(ctx, q.sql, to, from)
		if err == nil {
			*q.ids, err = scanIDs(rows, *q.ids)
		}
		if err != nil {
			return fmt.Errorf("rename %s to %s: %w", from, to, err)
		}
	}
	changed.Issues = append(changed.Issues, children...)
	if err := repackRollupRows(ctx, tx, children); err != nil {
		return fmt.Errorf("rename %s to %s: %w", from, to, err)
	}
	return nil
}

// SaveJiraIssues upserts a page of issues and the scope's cursor in one transaction. Issues
// are keyed on their immutable id, so a moved issue (new key, new project) updates its row,
// and one seen again after being marked deleted is restored. Each issue's status changes,
// fix versions, sprints and links are replaced by the page's (Jira reports a link on both of
// its issues, so the links touching an issue are exactly those in its payload). It returns how
// many issues were new and how many changed (a newer updated time, a new key, or restored).
// An issue stored exactly as it comes (same updated time, key and raw JSON, not deleted) is
// left untouched unless the page asks for a rewrite: overlapping and full runs re-read many
// issues that did not change, and skipping them keeps those runs as fast as their fetching.
func (db *DB) SaveJiraIssues(ctx context.Context, page JiraIssuePage) (created, updated int, err error) {
	saved, err := db.SaveJiraIssuePages(ctx, []JiraIssuePage{page})
	if err != nil {
		return 0, 0, err
	}
	return saved[0].Created, saved[0].Updated, nil
}

// JiraSaved is what storing one page did: how many of its issues were new and how many changed.
type JiraSaved struct{ Created, Updated int }

// SaveJiraIssuePages stores several pages, in order, in one transaction, each as
// SaveJiraIssues would, each with its cursor (pages of one scope leave the last one's). A
// transaction per page rewrites the same index pages and WAL frames once per page; one per
// group of pages writes them once. Either every page commits or none does.
func (db *DB) SaveJiraIssuePages(ctx context.Context, pages []JiraIssuePage) ([]JiraSaved, error) {
	now := db.Now()
	saved := make([]JiraSaved, len(pages))
	var failed string
	err := db.Update(ctx, func(tx *sql.Tx) error {
		stmts := stmtCache{}
		defer stmts.close()
		w := newJiraWriter()
		for i, page := range pages {
			var err error
			if saved[i], err = w.save(ctx, tx, stmts, page, now); err != nil {
				failed = page.Scope
				return err
			}
		}
		return w.changed.record(ctx, tx)
	})
	if err != nil {
		if failed == "" && len(pages) > 0 {
			failed = pages[0].Scope
		}
		return nil, fmt.Errorf("save jira issues of %s: %w", failed, err)
	}
	return saved, nil
}

// jiraWriter holds the batches of one transaction, reused from page to page, and the keys of
// the rows it wrote, listed for the incremental rollup when its pages are stored.
type jiraWriter struct {
	issues, changes, versions, sprints, links, rollupRows batch
	changed                                               RollupChanges
	packed                                                []byte // packRollupRow's buffer
}

func newJiraWriter() *jiraWriter {
	return &jiraWriter{
		issues: batch{head: `INSERT INTO jira_issues (id, key, project_key, issue_type, subtask, summary, status,
			status_category, assignee, priority, labels, components, story_points, epic_key, parent_key, flagged,
			created_at, updated_at, resolved_at, due_date, synced_at, raw_json) VALUES `,
			tail: ` ON CONFLICT (id) DO UPDATE SET key = excluded.key, project_key = excluded.project_key,
			issue_type = excluded.issue_type, subtask = excluded.subtask, summary = excluded.summary,
			status = excluded.status, status_category = excluded.status_category, assignee = excluded.assignee,
			priority = excluded.priority, labels = excluded.labels, components = excluded.components,
			story_points = excluded.story_points, epic_key = excluded.epic_key, parent_key = excluded.parent_key,
			flagged = excluded.flagged, created_at = excluded.created_at, updated_at = excluded.updated_at,
			resolved_at = excluded.resolved_at, due_date = excluded.due_date, synced_at = excluded.synced_at,
			deleted_at = NULL, raw_json = excluded.raw_json`, cols: 22},
		changes: batch{head: `INSERT INTO jira_status_changes (issue_id, history_id, at, from_status, to_status,
			from_category, to_category) VALUES `, tail: ` ON CONFLICT (issue_id, history_id) DO UPDATE SET
			at = excluded.at, from_status = excluded.from_status, to_status = excluded.to_status,
			from_category = excluded.from_category, to_category = excluded.to_category`, cols: 7},
		versions: batch{head: `INSERT INTO jira_issue_versions (issue_id, version_id) VALUES `, tail: ` ON CONFLICT DO NOTHING`, cols: 2},
		sprints:  batch{head: `INSERT INTO jira_issue_sprints (issue_id, sprint_id) VALUES `, tail: ` ON CONFLICT DO NOTHING`, cols: 2},
		links: batch{head: `INSERT INTO jira_issue_links (id, type, from_key, to_key) VALUES `, tail: ` ON CONFLICT (id)
			DO UPDATE SET type = excluded.type, from_key = excluded.from_key, to_key = excluded.to_key`, cols: 4},
		rollupRows: batch{head: rollupRowsUpsert, tail: ` ON CONFLICT (issue_id) DO UPDATE SET packed = excluded.packed,
			story_points = excluded.story_points`, cols: 3},
	}
}

// save stores one page inside tx.
func (w *jiraWriter) save(ctx context.Context, tx *sql.Tx, stmts stmtCache, page JiraIssuePage, now time.Time) (JiraSaved, error) {
	var res JiraSaved
	stored, err := storedIssues(ctx, tx, page.Issues)
	if err != nil {
		return res, err
	}
	var existing, keys []any
	skip := make([]bool, len(page.Issues))
	for i := range page.Issues {
		is := &page.Issues[i]
		old, ok := stored[is.ID]
		if !ok {
			res.Created++
			continue
		}
		if old.updated != FormatTime(is.Updated) || old.key != is.Key || old.deleted {
			res.Updated++
		} else if !page.Rewrite && old.raw == rawView(is.Raw) {
			skip[i] = true
			continue
		}
		if old.key != is.Key {
			if err := rename(ctx, tx, old.key, is.Key, &w.changed); err != nil {
				return res, err
			}
		}
		existing = append(existing, is.ID)
		keys = append(keys, is.Key)
	}
	// A new issue has nothing to replace: its links stored from the other side are
	// upserted by link id below.
	for _, q := range []string{`DELETE FROM jira_status_changes WHERE issue_id IN (?)`,
		`DELETE FROM jira_issue_versions WHERE issue_id IN (?)`, `DELETE FROM jira_issue_sprints WHERE issue_id IN (?)`} {
		if err := execIn(ctx, tx, q, existing); err != nil {
			return res, err
		}
	}
	// The links removed are listed for the rollup, as are those the page stores below.
	for _, q := range []string{`DELETE FROM jira_issue_links WHERE from_key IN (?) RETURNING id`,
		`DELETE FROM jira_issue_links WHERE to_key IN (?) RETURNING id`} {
		if w.changed.Links, err = queryIn(ctx, tx, q, keys, w.changed.Links); err != nil {
			return res, err
		}
	}
	synced := FormatTime(now)
	for i := range page.Issues {
		if skip[i] {
			continue
		}
		is := &page.Issues[i]
		w.changed.Issues = append(w.changed.Issues, is.ID)
		var points any
		if is.StoryPoints != nil {
			points = *is.StoryPoints
		}
		created, updated := FormatTime(is.Created), FormatTime(is.Updated)
		w.issues.add(is.ID, is.Key, is.ProjectKey, is.IssueType, boolInt(is.Subtask), is.Summary, is.Status,
			jiraCategory(is.StatusCategory), NullString(is.Assignee), NullString(is.Priority), JSONList(is.Labels),
			JSONList(is.Components), points, NullString(is.EpicKey), NullString(is.ParentKey), boolInt(is.Flagged),
			created, updated, NullTime(is.Resolved), NullDate(is.DueDate), synced, rawView(is.Raw))
		w.packed = packRollupRow(w.packed[:0], is, created, updated)
		w.rollupRows.add(is.ID, string(w.packed), points)
		for _, t := range is.Transitions {
			w.changes.add(is.ID, t.HistoryID, FormatTime(t.At), NullString(t.FromStatus), t.ToStatus,
				NullString(string(t.FromCategory)), NullString(string(t.ToCategory)))
		}
		for _, v := range is.FixVersionIDs {
			w.versions.add(is.ID, v)
		}
		for _, sp := range is.SprintIDs {
			w.sprints.add(is.ID, sp)
		}
		for _, l := range is.Links {
			w.links.add(l.ID, l.Type, l.FromKey, l.ToKey)
			w.changed.Links = append(w.changed.Links, l.ID)
		}
	}
	for _, b := range []struct {
		what string
		b    *batch
	}{{"issues", &w.issues}, {"status changes", &w.changes}, {"fix versions", &w.versions}, {"sprints", &w.sprints}, {"links", &w.links},
		{"rollup rows", &w.rollupRows}} {
		if err := b.b.exec(ctx, tx, stmts); err != nil {
			return res, fmt.Errorf("upsert %s: %w", b.what, err)
		}
	}
	if page.Cursor != "" {
		return res, SetCursor(ctx, tx, cairn.ConnectorJira, page.Scope, page.Cursor, now)
	}
	return res, nil
}

// jiraCategory keeps the status_category column within its three values: Jira's "undefined"
// category (statuses without one) counts as to do.
func jiraCategory(c cairn.StatusCategory) string {
	if c.Valid() {
		return string(c)
	}
	return string(cairn.CategoryNew)
}

// JiraIssueIDs returns the ids of a project's stored, not deleted issues, ascending.
//
// It reads on the write connection, like JiraMaxUpdated, although it writes nothing: both
// visit every row of the project (deleted_at and updated_at are in the table, not in an
// index), and on the read pool the four projects a sync finishes at once each took a
// connection and filled its 2 MB page cache. That memory belongs to modernc's C allocator,
// which keeps what SQLite frees, so the process kept about 16 MB more after a 200,000-issue
// sync's reconcile (10 MB after 20,000 issues, whose projects are smaller than the cache):
// the largest part of why its peak RSS grew with the number of issues. The writer's cache is
// bounded and already paid for; the run's page writes are done when these run, and a query
// holds the connection for milliseconds. Not to be called inside Update (one connection).
func (db *DB) JiraIssueIDs(ctx context.Context, project string) ([]int64, error) {
	ids, err := db.ids(ctx, db.write, `SELECT id FROM jira_issues WHERE project_key = ? AND deleted_at IS NULL
		ORDER BY id`, project)
	if err != nil {
		return nil, fmt.Errorf("list jira issues of %s: %w", project, err)
	}
	return ids, nil
}

// ids runs a query of one integer column on pool and returns its values.
func (db *DB) ids(ctx context.Context, pool *sql.DB, query string, args ...any) ([]int64, error) {
	rows, err := pool.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// MarkJiraDeleted soft-deletes issues of a project (deleted_at = at) and returns how many rows
// changed. An issue that meanwhile moved to another project is left alone.
func (db *DB) MarkJiraDeleted(ctx context.Context, project string, ids []int64, at time.Time) (int, error) {
	n, err := db.markDeleted(ctx, `UPDATE jira_issues SET deleted_at = ?
			WHERE id = ? AND project_key = ? AND deleted_at IS NULL RETURNING id`, at, len(ids),
		func(i int) []any { return []any{ids[i], project} },
		func(c *RollupChanges, id int64) { c.Issues = append(c.Issues, id) },
		func(ctx context.Context, tx *sql.Tx, ids []int64) error {
			// Only live issues have a rollup row; a restored one gets it back from the writer.
			return execIn(ctx, tx, `DELETE FROM jira_rollup_rows WHERE issue_id IN (?)`, anyIDs(ids))
		})
	if err != nil {
		return 0, fmt.Errorf("mark jira issues of %s deleted: %w", project, err)
	}
	return n, nil
}

// JiraMaxUpdated returns the latest updated time of a project's stored issues (zero when it
// has none): Jira's own clock, so it never runs ahead of the server. It reads on the write
// connection, for the reason JiraIssueIDs gives.
func (db *DB) JiraMaxUpdated(ctx context.Context, project string) (time.Time, error) {
	var s sql.NullString
	if err := db.write.QueryRowContext(ctx, `SELECT max(updated_at) FROM jira_issues WHERE project_key = ?`,
		project).Scan(&s); err != nil {
		return time.Time{}, fmt.Errorf("read latest update of %s: %w", project, err)
	}
	return ParseTime(s), nil
}
