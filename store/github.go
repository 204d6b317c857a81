package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cairn-dev/cairn"
)

// ETag is the validator of a conditional GET, remembered per request URL.
type ETag struct {
	URL  string
	ETag string
}

// GitHubPRPage is one page of pull requests to store in one transaction: the PRs, the complete
// review list and Jira links of each (they replace what was stored for those PRs), the ETags of
// the requests the page came from, and the run's cursor.
type GitHubPRPage struct {
	Repo    string
	PRs     []cairn.PullRequest
	Reviews []cairn.Review
	Links   []cairn.PRIssueLink
	ETags   []ETag
	Cursor  string
}

// GitHubIssuePage is one page of issues to store in one transaction.
type GitHubIssuePage struct {
	Repo   string
	Issues []cairn.GitHubIssue
	ETags  []ETag
	Cursor string
}

// GitHubETag returns the ETag remembered for url, "" when none.
func (db *DB) GitHubETag(ctx context.Context, url string) (string, error) {
	var tag string
	err := db.read.QueryRowContext(ctx, `SELECT etag FROM http_etags WHERE url = ?`, url).Scan(&tag)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read etag: %w", err)
	}
	return tag, nil
}

// PutGitHubETags remembers ETags outside a page (a 304 refreshes nothing, so this is rare).
func (db *DB) PutGitHubETags(ctx context.Context, tags []ETag) error {
	return db.Update(ctx, func(tx *sql.Tx) error { return putETags(ctx, tx, tags, db.Now()) })
}

func putETags(ctx context.Context, tx *sql.Tx, tags []ETag, now time.Time) error {
	for _, t := range tags {
		if t.URL == "" || t.ETag == "" {
			continue
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO http_etags (url, etag, fetched_at) VALUES (?, ?, ?)
			ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, fetched_at = excluded.fetched_at`,
			t.URL, t.ETag, FormatTime(now))
		if err != nil {
			return fmt.Errorf("put etag: %w", err)
		}
	}
	return nil
}

// SaveGitHubPullRequests upserts a page of pull requests with their reviews and links, the
// page's ETags and the cursor, in one transaction. It returns how many PRs were new and how
// many changed (a newer updated_at). Each kind of row is written with a few multi-row
// statements rather than one statement per row: per-statement overhead was most of the cost.
func (db *DB) SaveGitHubPullRequests(ctx context.Context, page GitHubPRPage) (created, updated int, err error) {
	now := db.Now()
	for _, r := range []struct {
		s *rowsStmt
		n int
	}{{&prUpsert, len(page.PRs)}, {&reviewsClear, len(page.PRs)}, {&linksClear, len(page.PRs)},
		{&reviewUpsert, len(page.Reviews)}, {&linkInsert, len(page.Links)}} {
		if err := db.prepareRows(ctx, r.s, r.n); err != nil {
			return 0, 0, fmt.Errorf("save github pull requests of %s: %w", page.Repo, err)
		}
	}
	err = db.Update(ctx, func(tx *sql.Tx) error {
		// Every pull request the page writes is listed for the rollup, and so is the key a
		// stored one leaves (a transferred or renamed repo: same id, new repo and number).
		var changed RollupChanges
		ids := make([]int64, len(page.PRs))
		onPage := make(map[int]bool, len(page.PRs)) // numbers of the page's PRs in page.Repo
		for i, p := range page.PRs {
			ids[i] = p.ID
			changed.addPR(p.Repo, p.Number)
			if p.Repo == page.Repo {
				onPage[p.Number] = true
			}
		}
		mark := func(repo string, number int) {
			if repo != page.Repo || !onPage[number] {
				changed.addPR(repo, number)
			}
		}
		prev, err := updatedAts(ctx, tx, "github_pull_requests", ids, mark)
		if err != nil {
			return err
		}
		created, updated = countChanges(prev, len(page.PRs), func(i int) (int64, time.Time) { return page.PRs[i].ID, page.PRs[i].Updated })
		if err := db.execRows(ctx, tx, &prUpsert, len(page.PRs), func(i int, args []any) []any {
			p := &page.PRs[i]
			return append(args, p.ID, p.Repo, p.Number, p.Title, p.State, boolInt(p.Draft),
				NullString(p.Author), NullString(p.HeadRef), NullString(p.BaseRef), FormatTime(p.Created),
				FormatTime(p.Updated), NullTime(p.Closed), NullTime(p.Merged), NullString(p.Milestone),
				JSONList(p.Labels), JSONList(p.RequestedReviewers), rawView(p.Raw))
		}); err != nil {
			return fmt.Errorf("upsert pull requests: %w", err)
		}
		// The page's reviews and links replace what was stored for its PRs.
		for _, del := range []*rowsStmt{&reviewsClear, &linksClear} {
			if err := db.execRows(ctx, tx, del, len(page.PRs), func(i int, args []any) []any {
				return append(args, page.PRs[i].Repo, page.PRs[i].Number)
			}); err != nil {
				return fmt.Errorf("clear reviews and links: %w", err)
			}
		}
		// A review the upsert takes from a pull request not on the page (its conflict path,
		// since the clear removed the page's own) lists the one it left by trigger (migration
		// 0007): that never happens in a sync, and looking for it cost 2% of a page.
		for i := range page.Reviews {
			mark(page.Reviews[i].Repo, page.Reviews[i].Number)
		}
		for i := range page.Links {
			mark(page.Links[i].Repo, page.Links[i].Number)
		}
		if err := changed.record(ctx, tx); err != nil {
			return err
		}
		if err := db.execRows(ctx, tx, &reviewUpsert, len(page.Reviews), func(i int, args []any) []any {
			r := &page.Reviews[i]
			return append(args, r.ID, r.Repo, r.Number, NullString(r.Author), r.State, NullTime(r.SubmittedAt), rawView(r.Raw))
		}); err != nil {
			return fmt.Errorf("upsert reviews: %w", err)
		}
		if err := db.execRows(ctx, tx, &linkInsert, len(page.Links), func(i int, args []any) []any {
			l := &page.Links[i]
			return append(args, l.Repo, l.Number, l.IssueKey, l.Source)
		}); err != nil {
			return fmt.Errorf("insert links: %w", err)
		}
		if err := putETags(ctx, tx, page.ETags, now); err != nil {
			return err
		}
		if page.Cursor != "" {
			return SetCursor(ctx, tx, cairn.ConnectorGitHub, page.Repo, page.Cursor, now)
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("save github pull requests of %s: %w", page.Repo, err)
	}
	return created, updated, nil
}

// updatedAts returns the stored updated_at of those ids that table has, and passes each stored
// row's repo and number to ref (when not nil).
func updatedAts(ctx context.Context, tx *sql.Tx, table string, ids []int64, ref func(repo string, number int)) (map[int64]string, error) {
	prev := make(map[int64]string, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), maxRowsPerStatement)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, updated_at, repo, number FROM `+table+` WHERE id IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var at sql.NullString
			var repo string
			var number int
			if err := rows.Scan(&id, &at, &repo, &number); err != nil {
				rows.Close()
				return nil, err
			}
			prev[id] = at.String
			if ref != nil {
				ref(repo, number)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return prev, nil
}

// countChanges counts the rows new to prev and those whose updated_at differs from it; a row
// repeated within the page counts once.
func countChanges(prev map[int64]string, n int, row func(i int) (int64, time.Time)) (created, updated int) {
	for i := range n {
		id, at := row(i)
		old, ok := prev[id]
		switch {
		case !ok:
			created++
		case old != FormatTime(at):
			updated++
		}
		prev[id] = FormatTime(at)
	}
	return created, updated
}

// The multi-row statements of the GitHub page writes.
var (
	prUpsert = rowsStmt{`INSERT INTO github_pull_requests (id, repo, number, title, state, draft, author, head_ref,
		base_ref, created_at, updated_at, closed_at, merged_at, milestone, labels, requested_reviewers, deleted_at,
		raw_json) VALUES `, `(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,?)`, ` ON CONFLICT (id) DO UPDATE SET
		repo = excluded.repo, number = excluded.number, title = excluded.title, state = excluded.state,
		draft = excluded.draft, author = excluded.author, head_ref = excluded.head_ref, base_ref = excluded.base_ref,
		created_at = excluded.created_at, updated_at = excluded.updated_at, closed_at = excluded.closed_at,
		merged_at = excluded.merged_at, milestone = excluded.milestone, labels = excluded.labels,
		requested_reviewers = excluded.requested_reviewers, deleted_at = NULL, raw_json = excluded.raw_json`, 17}
	reviewsClear = rowsStmt{`DELETE FROM github_reviews WHERE (repo, number) IN (VALUES `, `(?,?)`, `)`, 2}
	linksClear   = rowsStmt{`DELETE FROM pr_issue_links WHERE (repo, number) IN (VALUES `, `(?,?)`, `)`, 2}
	reviewUpsert = rowsStmt{`INSERT INTO github_reviews (id, repo, number, author, state, submitted_at, raw_json) VALUES `,
		`(?,?,?,?,?,?,?)`, ` ON CONFLICT (id) DO UPDATE SET repo = excluded.repo, number = excluded.number,
		author = excluded.author, state = excluded.state, submitted_at = excluded.submitted_at, raw_json = excluded.raw_json`, 7}
	linkInsert = rowsStmt{`INSERT INTO pr_issue_links (repo, number, issue_key, source) VALUES `, `(?,?,?,?)`,
		` ON CONFLICT DO NOTHING`, 4}
	issueUpsert = rowsStmt{`INSERT INTO github_issues (id, repo, number, title, state, author, milestone, labels,
		created_at, updated_at, closed_at, deleted_at, raw_json) VALUES `, `(?,?,?,?,?,?,?,?,?,?,?,NULL,?)`,
		` ON CONFLICT (id) DO UPDATE SET repo = excluded.repo, number = excluded.number, title = excluded.title,
		state = excluded.state, author = excluded.author, milestone = excluded.milestone, labels = excluded.labels,
		created_at = excluded.created_at, updated_at = excluded.updated_at, closed_at = excluded.closed_at,
		deleted_at = NULL, raw_json = excluded.raw_json`, 12}
)

// rowsStmt is a multi-row statement: head, then row once per row (comma-separated), then tail.
type rowsStmt struct {
	head, row, tail string
	cols            int // parameters per row
}

// maxRowsPerStatement bounds a multi-row statement (SQLite allows 32,766 parameters).
const maxRowsPerStatement = 128

// chunks splits n rows into statements of 128 rows, then of falling powers of two, so that a
// few statement shapes serve every page size and each can be prepared once per database:
// parsing a statement of a hundred rows cost about as much as running it.
func chunks(n int) []int {
	var out []int
	for n > 0 {
		k := maxRowsPerStatement
		for k > n {
			k /= 2
		}
		out = append(out, k)
		n -= k
	}
	return out
}

func (s *rowsStmt) query(k int) string {
	var b strings.Builder
	b.Grow(len(s.head) + k*(len(s.row)+1) + len(s.tail))
	b.WriteString(s.head)
	for i := range k {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s.row)
	}
	b.WriteString(s.tail)
	return b.String()
}

// ghStmtCache keeps a database's prepared multi-row statements (prepared on its one write
// connection, outside any transaction) for the GitHub page writes; DB.Close closes them.
type ghStmtCache struct {
	mu    sync.Mutex
	stmts map[stmtShape]*sql.Stmt
}

type stmtShape struct {
	s    *rowsStmt
	rows int
}

func (c *ghStmtCache) get(sh stmtShape) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[sh]
}

func (c *ghStmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
}

// prepareRows prepares the statements that n rows of s need. It must run outside a
// transaction: the write pool has one connection, which a transaction holds.
func (db *DB) prepareRows(ctx context.Context, s *rowsStmt, n int) error {
	c := &db.ghStmts
	for _, k := range chunks(n) {
		sh := stmtShape{s, k}
		if c.get(sh) != nil {
			continue
		}
		st, err := db.write.PrepareContext(ctx, s.query(k))
		if err != nil {
			return err
		}
		c.mu.Lock()
		if c.stmts == nil {
			c.stmts = map[stmtShape]*sql.Stmt{}
		}
		if c.stmts[sh] == nil {
			c.stmts[sh], st = st, nil
		}
		c.mu.Unlock()
		if st != nil {
			st.Close() // another writer prepared it meanwhile
		}
	}
	return nil
}

// execRows writes n rows of s in tx, args(i, dst) appending row i's parameters to dst, with
// the statements prepareRows readied (or, failing that, statements prepared in tx).
func (db *DB) execRows(ctx context.Context, tx *sql.Tx, s *rowsStmt, n int, args func(i int, dst []any) []any) error {
	c := &db.ghStmts
	buf := make([]any, 0, min(n, maxRowsPerStatement)*s.cols)
	from := 0
	for _, k := range chunks(n) {
		var st *sql.Stmt
		if cached := c.get(stmtShape{s, k}); cached != nil {
			st = tx.StmtContext(ctx, cached)
		} else {
			var err error
			if st, err = tx.PrepareContext(ctx, s.query(k)); err != nil {
				return err
			}
		}
		buf = buf[:0]
		for i := from; i < from+k; i++ {
			buf = args(i, buf)
		}
		if _, err := st.ExecContext(ctx, buf...); err != nil {
			return err
		}
		from += k
	}
	return nil
}

func rawText(b []byte) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

// SaveGitHubIssues upserts a page of issues with the page's ETags and the cursor, in one
// transaction, and returns how many were new and how many changed.
func (db *DB) SaveGitHubIssues(ctx context.Context, page GitHubIssuePage) (created, updated int, err error) {
	now := db.Now()
	if err := db.prepareRows(ctx, &issueUpsert, len(page.Issues)); err != nil {
		return 0, 0, fmt.Errorf("save github issues of %s: %w", page.Repo, err)
	}
	err = db.Update(ctx, func(tx *sql.Tx) error {
		ids := make([]int64, len(page.Issues))
		for i, is := range page.Issues {
			ids[i] = is.ID
		}
		prev, err := updatedAts(ctx, tx, "github_issues", ids, nil)
		if err != nil {
			return err
		}
		// GitHub issues are listed for the rollup by id, which a transfer keeps.
		changed := RollupChanges{GitHubIssues: ids}
		if err := changed.record(ctx, tx); err != nil {
			return err
		}
		created, updated = countChanges(prev, len(page.Issues), func(i int) (int64, time.Time) { return page.Issues[i].ID, page.Issues[i].Updated })
		if err := db.execRows(ctx, tx, &issueUpsert, len(page.Issues), func(i int, args []any) []any {
			is := &page.Issues[i]
			return append(args, is.ID, is.Repo, is.Number, is.Title, is.State, NullString(is.Author),
				NullString(is.Milestone), JSONList(is.Labels), FormatTime(is.Created), FormatTime(is.Updated),
				NullTime(is.Closed), rawView(is.Raw))
		}); err != nil {
			return fmt.Errorf("upsert issues: %w", err)
		}
		if err := putETags(ctx, tx, page.ETags, now); err != nil {
			return err
		}
		if page.Cursor != "" {
			return SetCursor(ctx, tx, cairn.ConnectorGitHub, page.Repo, page.Cursor, now)
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("save github issues of %s: %w", page.Repo, err)
	}
	return created, updated, nil
}

// SaveGitHubMilestones upserts a repo's milestones; when complete (the whole list was read),
// milestones missing from it are soft-deleted.
func (db *DB) SaveGitHubMilestones(ctx context.Context, repo string, ms []cairn.Milestone, complete bool, etags []ETag) error {
	now := db.Now()
	err := db.Update(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO github_milestones (repo, number, id, title, state, due_on,
			closed_at, open_issues, closed_issues, deleted_at, raw_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
			ON CONFLICT (repo, number) DO UPDATE SET id = excluded.id, title = excluded.title, state = excluded.state,
			due_on = excluded.due_on, closed_at = excluded.closed_at, open_issues = excluded.open_issues,
			closed_issues = excluded.closed_issues, deleted_at = NULL, raw_json = excluded.raw_json`)
		if err != nil {
			return err
		}
		defer st.Close()
		numbers := make([]any, 0, len(ms)+2)
		numbers = append(numbers, FormatTime(now), repo)
		for _, m := range ms {
			if _, err := st.ExecContext(ctx, repo, m.Number, m.ID, m.Title, m.State, NullTime(m.DueOn),
				NullTime(m.ClosedAt), m.OpenIssues, m.ClosedIssues, rawText(m.Raw)); err != nil {
				return fmt.Errorf("upsert milestone %d: %w", m.Number, err)
			}
			numbers = append(numbers, m.Number)
		}
		if complete {
			q := `UPDATE github_milestones SET deleted_at = ? WHERE repo = ? AND deleted_at IS NULL`
			if len(ms) > 0 {
				q += ` AND number NOT IN (` + placeholders(len(ms)) + `)`
			}
			if _, err := tx.ExecContext(ctx, q, numbers...); err != nil {
				return err
			}
		}
		return putETags(ctx, tx, etags, now)
	})
	if err != nil {
		return fmt.Errorf("save github milestones of %s: %w", repo, err)
	}
	return nil
}

// SaveGitHubLabels upserts a repo's labels; when complete, labels missing from the list are
// removed (labels carry no history; PRs and issues keep their label names).
func (db *DB) SaveGitHubLabels(ctx context.Context, repo string, labels []cairn.Label, complete bool, etags []ETag) error {
	err := db.Update(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO github_labels (repo, name, color, description) VALUES (?, ?, ?, ?)
			ON CONFLICT (repo, name) DO UPDATE SET color = excluded.color, description = excluded.description`)
		if err != nil {
			return err
		}
		defer st.Close()
		names := []any{repo}
		for _, l := range labels {
			if _, err := st.ExecContext(ctx, repo, l.Name, l.Color, l.Description); err != nil {
				return fmt.Errorf("upsert label %q: %w", l.Name, err)
			}
			names = append(names, l.Name)
		}
		if complete {
			q := `DELETE FROM github_labels WHERE repo = ?`
			if len(labels) > 0 {
				q += ` AND name NOT IN (` + placeholders(len(labels)) + `)`
			}
			if _, err := tx.ExecContext(ctx, q, names...); err != nil {
				return err
			}
		}
		return putETags(ctx, tx, etags, db.Now())
	})
	if err != nil {
		return fmt.Errorf("save github labels of %s: %w", repo, err)
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// GitHub item kinds for GitHubNumbers and MarkGitHubDeleted.
const (
	GitHubIssues = "issues"
	GitHubPulls  = "pulls"
)

func githubTable(kind string) (string, error) {
	switch kind {
	case GitHubIssues:
		return "github_issues", nil
	case GitHubPulls:
		return "github_pull_requests", nil
	}
	return "", fmt.Errorf("unknown github kind %q", kind)
}

// GitHubNumbers returns the numbers of a repo's stored, not deleted, issues or pull requests.
func (db *DB) GitHubNumbers(ctx context.Context, repo, kind string) ([]int, error) {
	table, err := githubTable(kind)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT number FROM `+table+` WHERE repo = ? AND deleted_at IS NULL ORDER BY number`, repo)
	if err != nil {
		return nil, fmt.Errorf("list github %s of %s: %w", kind, repo, err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// markDeleted runs a soft-delete UPDATE (its first parameter deleted_at = at, the rest from
// args(i)) for n rows in one transaction and returns how many rows changed. The query returns
// one integer of each row it changes (RETURNING), which mark adds to the rollup's change list;
// gone, when set, runs in the same transaction with those integers.
func (db *DB) markDeleted(ctx context.Context, query string, at time.Time, n int, args func(i int) []any,
	mark func(c *RollupChanges, key int64), gone func(context.Context, *sql.Tx, []int64) error) (int, error) {
	changed := 0
	err := db.Update(ctx, func(tx *sql.Tx) error {
		changed = 0
		st, err := tx.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		defer st.Close()
		var keys []int64
		for i := range n {
			rows, err := st.QueryContext(ctx, append([]any{FormatTime(at)}, args(i)...)...)
			if err != nil {
				return err
			}
			if keys, err = scanIDs(rows, keys); err != nil {
				return err
			}
		}
		changed = len(keys)
		if gone != nil {
			if err := gone(ctx, tx, keys); err != nil {
				return err
			}
		}
		var c RollupChanges
		for _, k := range keys {
			mark(&c, k)
		}
		return c.record(ctx, tx)
	})
	return changed, err
}

// MarkGitHubDeleted soft-deletes issues or pull requests (deleted_at = at) and returns how
// many rows changed.
func (db *DB) MarkGitHubDeleted(ctx context.Context, repo, kind string, numbers []int, at time.Time) (int, error) {
	table, err := githubTable(kind)
	if err != nil {
		return 0, err
	}
	// A pull request is listed for the rollup by repo and number, a GitHub issue by id.
	ret, mark := "number", func(c *RollupChanges, n int64) { c.addPR(repo, int(n)) }
	if kind == GitHubIssues {
		ret, mark = "id", func(c *RollupChanges, id int64) { c.GitHubIssues = append(c.GitHubIssues, id) }
	}
	n, err := db.markDeleted(ctx, `UPDATE `+table+` SET deleted_at = ? WHERE repo = ? AND number = ? AND deleted_at IS NULL RETURNING `+ret,
		at, len(numbers), func(i int) []any { return []any{repo, numbers[i]} }, mark, nil)
	if err != nil {
		return 0, fmt.Errorf("mark github %s of %s deleted: %w", kind, repo, err)
	}
	return n, nil
}

// SaveGitHubOwnerRepos replaces the remembered repositories of an owner ("owner/*").
func (db *DB) SaveGitHubOwnerRepos(ctx context.Context, owner string, repos []string, archived []bool, etags []ETag) error {
	now := db.Now()
	err := db.Update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM github_repos WHERE owner = ?`, owner); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO github_repos (repo, owner, archived, seen_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (repo) DO UPDATE SET owner = excluded.owner, archived = excluded.archived, seen_at = excluded.seen_at`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i, r := range repos {
			if _, err := st.ExecContext(ctx, r, owner, boolInt(i < len(archived) && archived[i]), FormatTime(now)); err != nil {
				return err
			}
		}
		return putETags(ctx, tx, etags, now)
	})
	if err != nil {
		return fmt.Errorf("save github repos of %s: %w", owner, err)
	}
	return nil
}

// GitHubOwnerRepos returns the remembered repositories of an owner.
func (db *DB) GitHubOwnerRepos(ctx context.Context, owner string) (repos []string, archived []bool, err error) {
	rows, err := db.read.QueryContext(ctx, `SELECT repo, archived FROM github_repos WHERE owner = ? ORDER BY repo`, owner)
	if err != nil {
		return nil, nil, fmt.Errorf("list github repos of %s: %w", owner, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		var a bool
		if err := rows.Scan(&r, &a); err != nil {
			return nil, nil, err
		}
		repos = append(repos, r)
		archived = append(archived, a)
	}
	return repos, archived, rows.Err()
}
