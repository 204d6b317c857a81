package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cairn-dev/cairn"
)

// RollupData is what the rollup reads from the synced tables: only the columns it needs, deleted
// rows left out. LoadRollup fills it in one pass per table.
type RollupData struct {
	// Issues are the Jira issues, sorted by id: Table in compact form when set (LoadRollup),
	// else Issues (LoadRollupData, and data built by hand).
	Table        *IssueTable
	Issues       []RollupIssue
	Links        []cairn.IssueLink // from_key blocks to_key
	Versions     []RollupVersion
	Sprints      []RollupSprint
	PRs          []RollupPR
	GitHubIssues []RollupGitHubIssue
	Milestones   []RollupMilestone
	PRLinks      []cairn.PRIssueLink // Source left empty
	// DataAsOf is the last successful sync per connector.
	DataAsOf map[string]time.Time

	// ghIDs are the ids of GitHubIssues (LoadRollup), which PatchRollup keeps them in order by.
	ghIDs []int64
}

// IssueTable returns the issues in compact form: Table, else Issues converted.
func (d *RollupData) IssueTable() *IssueTable {
	if d.Table != nil {
		return d.Table
	}
	return NewIssueTable(d.Issues)
}

// RollupIssue is a Jira issue as the rollup sees it.
type RollupIssue struct {
	ID                 int64
	Key, Project, Type string
	Subtask            bool
	Summary, Status    string
	Category           cairn.StatusCategory
	Assignee, Priority string
	Labels, Components []string
	Points             float64
	Estimated          bool // Points is set
	EpicKey, ParentKey string
	Flagged            bool
	Created, Updated   time.Time
	Resolved           time.Time
	VersionIDs         []int64
	SprintIDs          []int64
	Transitions        []RollupTransition // oldest first
}

// RollupTransition is one status change.
type RollupTransition struct {
	At       time.Time
	From, To cairn.StatusCategory
}

// RollupVersion is a Jira version.
type RollupVersion struct {
	ID          int64
	Project     string
	Name        string
	ReleaseDate time.Time
	Released    bool
}

// RollupSprint is a Jira sprint.
type RollupSprint struct {
	ID                       int64
	Name, State              string
	StartAt, EndAt, Complete time.Time
}

// RollupPR is a GitHub pull request with the time of its first submitted review.
type RollupPR struct {
	Repo                     string
	Number                   int
	Title, State, Author     string
	Draft                    bool
	Milestone                string
	Labels                   []string
	Created, Updated, Closed time.Time
	Merged, FirstReview      time.Time
}

// RollupGitHubIssue is a GitHub issue.
type RollupGitHubIssue struct {
	Repo                     string
	Number                   int
	Title, State, Author     string
	Milestone                string
	Labels                   []string
	Created, Updated, Closed time.Time
}

// RollupMilestone is a GitHub milestone.
type RollupMilestone struct {
	Repo, Title, State string
	DueOn              time.Time
}

// LoadRollupData is LoadRollup with the issues expanded into Issues (Table nil).
func (db *DB) LoadRollupData(ctx context.Context) (*RollupData, error) {
	d, err := db.LoadRollup(ctx)
	if err != nil {
		return nil, err
	}
	d.Issues, d.Table = d.Table.Expand(), nil
	return d, nil
}

// LoadRollup reads everything the rollup needs, streaming each table once. Two read
// transactions (one per core), begun together, take the load's tasks off one list, largest
// first, so that they end about together (the Jira issues' packed rows on one, pull requests
// and the rest on the other). A sync page committed between the two transactions' starts can
// leave one a page behind the other, which the next rollup corrects.
func (db *DB) LoadRollup(ctx context.Context) (*RollupData, error) {
	d := &RollupData{DataAsOf: map[string]time.Time{}}
	var issues *IssueTable
	type task struct {
		name string
		fn   func(context.Context, *sql.Tx) error
	}
	tasks := []task{
		{"jira issues", func(ctx context.Context, tx *sql.Tx) (err error) {
			issues, err = loadIssues(ctx, tx)
			return err
		}},
		{"github pull requests", func(ctx context.Context, tx *sql.Tx) error {
			if err := loadPRs(ctx, tx, d); err != nil {
				return err
			}
			return loadReviews(ctx, tx, d)
		}},
		{"jira and github tables", func(ctx context.Context, tx *sql.Tx) error {
			for _, fn := range []func(context.Context, *sql.Tx, *RollupData) error{loadVersions, loadSprints,
				loadLinks, loadGitHubIssues, loadMilestones, loadPRLinks, loadDataAsOf} {
				if err := fn(ctx, tx, d); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	var next atomic.Int32
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.View(ctx, func(tx *sql.Tx) error {
				for k := int(next.Add(1)) - 1; k < len(tasks); k = int(next.Add(1)) - 1 {
					if err := tasks[k].fn(ctx, tx); err != nil {
						next.Store(int32(len(tasks))) // the other reader stops too
						return fmt.Errorf("load %s: %w", tasks[k].name, err)
					}
				}
				return nil
			})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	d.Table = issues
	return d, nil
}

// rowCount counts a table's rows (deleted ones too: a capacity, not a result); SQLite answers
// an unfiltered count(*) from the b-tree without reading the rows.
func rowCount(ctx context.Context, tx *sql.Tx, table string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n)
	return n, err
}

// each runs query and calls scan for every row.
func each(ctx context.Context, tx *sql.Tx, query string, scan func(*sql.Rows) error, args ...any) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// interner makes one copy of each distinct string (project keys, types, statuses, priorities,
// assignees, epic keys repeat across a million rows) and one slice per distinct JSON list
// (labels, components). The shared slices are clipped (cap = len), so an append by a reader
// copies instead of writing into another issue's list.
type interner struct {
	strs  map[string]string
	lists map[string][]string
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, lists: map[string][]string{}}
}

func (in *interner) str(b string) string {
	if len(b) == 0 {
		return ""
	}
	if v, ok := in.strs[b]; ok {
		return v
	}
	v := strings.Clone(b) // b may be a substring of a packed row
	in.strs[v] = v
	return v
}

// list parses a JSON list column; "[]" is nil.
func (in *interner) list(b string) []string {
	if b == "[]" || len(b) == 0 {
		return nil
	}
	if v, ok := in.lists[b]; ok {
		return v
	}
	v := ParseJSONList(b)
	for i, e := range v {
		v[i] = in.str(e)
	}
	v = slices.Clip(v)
	in.lists[strings.Clone(b)] = v
	return v
}

// clone2 copies a and b into one allocation (two fields kept from a packed row, which would
// otherwise keep the whole row alive).
func clone2(a, b string) (string, string) {
	var sb strings.Builder
	sb.Grow(len(a) + len(b))
	sb.WriteString(a)
	sb.WriteString(b)
	s := sb.String()
	return s[:len(a)], s[len(a):]
}

// category interns a status category.
func category(b string) cairn.StatusCategory {
	switch string(b) {
	case "new":
		return cairn.CategoryNew
	case "indeterminate":
		return cairn.CategoryIndeterminate
	case "done":
		return cairn.CategoryDone
	}
	return cairn.StatusCategory(b)
}

// parseBytes parses a time column without allocating for the common layouts
// (YYYY-MM-DDTHH:MM:SS[.fraction]Z and YYYY-MM-DD), falling back to ParseTime.
func parseBytes[T string | []byte](b T) time.Time {
	num := func(s T) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	if len(b) == 10 || (len(b) >= 20 && b[10] == 'T' && b[len(b)-1] == 'Z') {
		y, ok1 := num(b[0:4])
		mo, ok2 := num(b[5:7])
		d, ok3 := num(b[8:10])
		if ok1 && ok2 && ok3 && b[4] == '-' && b[7] == '-' {
			if len(b) == 10 {
				return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
			}
			h, ok4 := num(b[11:13])
			mi, ok5 := num(b[14:16])
			sec, ok6 := num(b[17:19])
			ns, ok7 := 0, true
			if frac := b[19 : len(b)-1]; len(frac) > 0 {
				if frac[0] != '.' || len(frac) > 10 {
					ok7 = false
				} else {
					ns, ok7 = num(frac[1:])
					for range 10 - len(frac) {
						ns *= 10
					}
				}
			}
			if ok4 && ok5 && ok6 && ok7 {
				return time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
			}
		}
	}
	if len(b) == 0 {
		return time.Time{}
	}
	return ParseTime(sql.NullString{String: string(b), Valid: true})
}

func loadLinks(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	return each(ctx, tx, `SELECT id, type, from_key, to_key FROM jira_issue_links ORDER BY id`, func(r *sql.Rows) error {
		var l cairn.IssueLink
		if err := r.Scan(&l.ID, &l.Type, &l.FromKey, &l.ToKey); err != nil {
			return err
		}
		d.Links = append(d.Links, l)
		return nil
	})
}

func loadVersions(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	return each(ctx, tx, `SELECT id, project_key, name, release_date, released FROM jira_versions`, func(r *sql.Rows) error {
		var v RollupVersion
		var rel sql.NullString
		if err := r.Scan(&v.ID, &v.Project, &v.Name, &rel, &v.Released); err != nil {
			return err
		}
		v.ReleaseDate = ParseTime(rel)
		d.Versions = append(d.Versions, v)
		return nil
	})
}

func loadSprints(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	return each(ctx, tx, `SELECT id, name, state, start_at, end_at, complete_at FROM jira_sprints`, func(r *sql.Rows) error {
		var s RollupSprint
		var start, end, complete sql.NullString
		if err := r.Scan(&s.ID, &s.Name, &s.State, &start, &end, &complete); err != nil {
			return err
		}
		s.StartAt, s.EndAt, s.Complete = ParseTime(start), ParseTime(end), ParseTime(complete)
		d.Sprints = append(d.Sprints, s)
		return nil
	})
}

func loadPRs(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	n, err := rowCount(ctx, tx, "github_pull_requests")
	if err != nil {
		return err
	}
	d.PRs = make([]RollupPR, 0, n)
	// A table scan sorted here: ORDER BY repo, number would walk the (repo, number) index and
	// look every row up in the table, a b-tree descent per PR.
	err = scanPRs(ctx, tx, newInterner(), `deleted_at IS NULL`, nil, func(p RollupPR) { d.PRs = append(d.PRs, p) })
	if err != nil {
		return err
	}
	sortPRs(d.PRs)
	return nil
}

// sortPRs sorts PRs by repo and number; (repo, number) is unique, so any sort gives the order
// the index would have.
func sortPRs(prs []RollupPR) {
	slices.SortFunc(prs, comparePRs)
}

func comparePRs(a, b RollupPR) int {
	if c := strings.Compare(a.Repo, b.Repo); c != 0 {
		return c
	}
	return cmp.Compare(a.Number, b.Number)
}

// scanPRs reads the pull requests matching cond (a WHERE clause with args), in table order.
func scanPRs(ctx context.Context, tx *sql.Tx, in *interner, cond string, args []any, fn func(RollupPR)) error {
	var row string // reused: see loadIssues; the columns packed (see packSQL)
	dest := []any{&row}
	return each(ctx, tx, `SELECT `+packSQL("repo", "number", "title", "state", "draft", "author",
		"milestone", "labels", "created_at", "updated_at", "closed_at", "merged_at")+`
		FROM github_pull_requests WHERE `+cond, func(r *sql.Rows) error {
		if err := r.Scan(dest...); err != nil {
			return err
		}
		f := fields{s: row}
		p := RollupPR{Repo: in.str(f.next()), Number: int(f.int())}
		p.Title = strings.Clone(f.next())
		p.State, p.Draft, p.Author, p.Milestone = in.str(f.next()), f.bool(), in.str(f.next()), in.str(f.next())
		p.Labels = in.list(f.next())
		p.Created, p.Updated = parseBytes(f.next()), parseBytes(f.next())
		p.Closed, p.Merged = parseBytes(f.next()), parseBytes(f.next())
		if err := f.done(); err != nil {
			return fmt.Errorf("pull request %s#%d: %w", p.Repo, p.Number, err)
		}
		fn(p)
		return nil
	}, args...)
}

// PRIndex finds a PR in d.PRs by repo and number, or -1.
func (d *RollupData) PRIndex(repo string, number int) int { return d.prIndex(repo, number) }

// GitHubIssueIndex finds a GitHub issue in d.GitHubIssues by id (data loaded by LoadRollup),
// or -1.
func (d *RollupData) GitHubIssueIndex(id int64) int {
	if k, ok := slices.BinarySearch(d.ghIDs, id); ok {
		return k
	}
	return -1
}

// prIndex finds a PR in d.PRs, which is sorted by repo and number.
func (d *RollupData) prIndex(repo string, number int) int {
	lo, hi := 0, len(d.PRs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		p := &d.PRs[m]
		if p.Repo < repo || (p.Repo == repo && p.Number < number) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(d.PRs) && d.PRs[lo].Repo == repo && d.PRs[lo].Number == number {
		return lo
	}
	return -1
}

// loadReviews sets each PR's first submitted review. A table scan, the earliest kept here:
// grouping by (repo, number) in SQL walks that index with a table lookup per review.
func loadReviews(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	var row string // repo, number, submitted_at, packed (see packSQL)
	dest := []any{&row}
	last, idx := "", -1
	return each(ctx, tx, `SELECT `+packSQL("repo", "number", "submitted_at")+` FROM github_reviews
		WHERE submitted_at IS NOT NULL AND state != 'PENDING'`, func(r *sql.Rows) error {
		if err := r.Scan(dest...); err != nil {
			return err
		}
		f := fields{s: row}
		repo, number, at := f.next(), int(f.int()), parseBytes(f.next())
		if err := f.done(); err != nil {
			return fmt.Errorf("review: %w", err)
		}
		if idx < 0 || repo != last || d.PRs[idx].Number != number {
			if idx = d.prIndex(repo, number); idx >= 0 {
				last = d.PRs[idx].Repo
			}
		}
		if idx >= 0 && !at.IsZero() {
			if p := &d.PRs[idx]; p.FirstReview.IsZero() || at.Before(p.FirstReview) {
				p.FirstReview = at
			}
		}
		return nil
	})
}

func loadGitHubIssues(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	d.ghIDs = d.ghIDs[:0]
	return scanGitHubIssues(ctx, tx, `deleted_at IS NULL`, nil, func(id int64, g RollupGitHubIssue) {
		d.GitHubIssues = append(d.GitHubIssues, g)
		d.ghIDs = append(d.ghIDs, id)
	})
}

// scanGitHubIssues reads the GitHub issues matching cond (a WHERE clause with args) in id order.
func scanGitHubIssues(ctx context.Context, tx *sql.Tx, cond string, args []any, fn func(int64, RollupGitHubIssue)) error {
	return each(ctx, tx, `SELECT id, repo, number, title, state, author, milestone, labels,
		created_at, updated_at, closed_at FROM github_issues WHERE `+cond+` ORDER BY id`, func(r *sql.Rows) error {
		var g RollupGitHubIssue
		var id int64
		var author, ms, closed sql.NullString
		var labels, created, updated string
		if err := r.Scan(&id, &g.Repo, &g.Number, &g.Title, &g.State, &author, &ms, &labels,
			&created, &updated, &closed); err != nil {
			return err
		}
		g.Author, g.Milestone = author.String, ms.String
		if labels != "[]" {
			g.Labels = ParseJSONList(labels)
		}
		g.Created, g.Updated, g.Closed = parseText(created), parseText(updated), ParseTime(closed)
		fn(id, g)
		return nil
	}, args...)
}

func loadMilestones(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	return each(ctx, tx, `SELECT repo, title, state, due_on FROM github_milestones WHERE deleted_at IS NULL`, func(r *sql.Rows) error {
		var m RollupMilestone
		var due sql.NullString
		if err := r.Scan(&m.Repo, &m.Title, &m.State, &due); err != nil {
			return err
		}
		m.DueOn = ParseTime(due)
		d.Milestones = append(d.Milestones, m)
		return nil
	})
}

func loadPRLinks(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	return each(ctx, tx, `SELECT DISTINCT repo, number, issue_key FROM pr_issue_links`, func(r *sql.Rows) error {
		var l cairn.PRIssueLink
		if err := r.Scan(&l.Repo, &l.Number, &l.IssueKey); err != nil {
			return err
		}
		d.PRLinks = append(d.PRLinks, l)
		return nil
	})
}

func loadDataAsOf(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	return each(ctx, tx, `SELECT connector, max(finished_at) FROM sync_runs WHERE status = 'ok'
		GROUP BY connector`, func(r *sql.Rows) error {
		var c string
		var at sql.NullString
		if err := r.Scan(&c, &at); err != nil {
			return err
		}
		if t := ParseTime(at); !t.IsZero() {
			d.DataAsOf[c] = t
		}
		return nil
	})
}

func parseText(s string) time.Time {
	return ParseTime(sql.NullString{String: s, Valid: true})
}

// sortableTime is RFC 3339 with fixed-width nanoseconds, so that as_of sorts as text.
const sortableTime = "2006-01-02T15:04:05.000000000Z07:00"

// StoredReport is a rollup report as stored: its JSON and when it was computed for.
type StoredReport struct {
	ID      int64
	AsOf    time.Time
	ISOWeek string
	JSON    []byte
	Version string // as LatestReportVersion gives it
}

// SaveReport stores one rollup report (JSON) with its as-of time and ISO week. Reports are large
// and a rollup runs after every sync, so only the last report of each ISO week is kept: the one
// LatestReport and ReportForWeek return. Saving deletes the week's reports with an earlier (or
// equal) as-of time, in the same transaction.
func (db *DB) SaveReport(ctx context.Context, asOf time.Time, isoWeek string, reportJSON []byte) (int64, error) {
	var id int64
	at := asOf.UTC().Format(sortableTime)
	err := db.Update(ctx, func(tx *sql.Tx) error {
		// The JSON is bound as text without a Go copy (a report reaches 100 MB at a million
		// issues; the driver copies it once more for SQLite): the bytes are not modified while
		// the statement runs, and the string does not outlive it.
		var text string
		if len(reportJSON) > 0 {
			text = unsafe.String(&reportJSON[0], len(reportJSON))
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO rollup_reports (as_of, iso_week, created_at, report_json)
			VALUES (?, ?, ?, ?)`, at, isoWeek, FormatTime(db.Now()), text)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return deleteOlderReports(ctx, tx, isoWeek, at, id)
	})
	if err != nil {
		return 0, fmt.Errorf("save report: %w", err)
	}
	return id, nil
}

// LatestReport returns the report with the latest as-of time (the last saved on a tie), or
// cairn.ErrNotFound.
func (db *DB) LatestReport(ctx context.Context) (StoredReport, error) {
	return db.oneReport(ctx, `SELECT id, as_of, iso_week, report_json FROM rollup_reports
		ORDER BY as_of DESC, id DESC LIMIT 1`)
}

// ReportForWeek returns the last report of an ISO week ("2026-W48"), or cairn.ErrNotFound.
func (db *DB) ReportForWeek(ctx context.Context, isoWeek string) (StoredReport, error) {
	return db.oneReport(ctx, `SELECT id, as_of, iso_week, report_json FROM rollup_reports
		WHERE iso_week = ? ORDER BY as_of DESC, id DESC LIMIT 1`, isoWeek)
}

// LatestReportVersion identifies the latest report (its id and as-of time) from one row,
// without reading the report: whoever keeps a report it decoded can tell whether a newer one
// was stored. It wraps cairn.ErrNotFound when there is none.
func (db *DB) LatestReportVersion(ctx context.Context) (string, error) {
	var id int64
	var asOf string
	err := db.read.QueryRowContext(ctx, `SELECT id, as_of FROM rollup_reports
		ORDER BY as_of DESC, id DESC LIMIT 1`).Scan(&id, &asOf)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read report version: %w", cairn.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read report version: %w", err)
	}
	return reportVersion(id, asOf), nil
}

func reportVersion(id int64, asOf string) string { return strconv.FormatInt(id, 10) + "@" + asOf }

func (db *DB) oneReport(ctx context.Context, query string, args ...any) (StoredReport, error) {
	var r StoredReport
	// One read transaction: the skeleton and its parts of the same report (see SaveReportParts).
	err := db.View(ctx, func(tx *sql.Tx) error {
		var asOf, body string
		if err := tx.QueryRowContext(ctx, query, args...).Scan(&r.ID, &asOf, &r.ISOWeek, &body); err != nil {
			return err
		}
		r.AsOf, r.Version = parseText(asOf), reportVersion(r.ID, asOf)
		var err error
		r.JSON, err = assembleReport(ctx, tx, r.ID, body)
		return err
	})
	if err == sql.ErrNoRows {
		return r, fmt.Errorf("read report: %w", cairn.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read report: %w", err)
	}
	return r, nil
}

// SnapshotRow is one milestone on one day (see rollup.Snapshot). OnTime is NaN-free: -1 means
// undefined and is stored as NULL.
type SnapshotRow struct {
	Program, Milestone      string
	Day                     time.Time
	Scope, Done, InProgress int
	ScopePoints, DonePoints float64
	P50, P85, P95           time.Time
	OnTime                  float64
	Status                  string
	Backfilled              bool
}

// SaveSnapshots upserts snapshots, one per program, milestone and day.
func (db *DB) SaveSnapshots(ctx context.Context, rows []SnapshotRow) error {
	err := db.Update(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO rollup_snapshots (program, milestone, day,
			scope, done, in_progress, scope_points, done_points, p50, p85, p95, on_time, status, backfilled)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (program, milestone, day) DO UPDATE SET scope = excluded.scope,
			done = excluded.done, in_progress = excluded.in_progress, scope_points = excluded.scope_points,
			done_points = excluded.done_points, p50 = excluded.p50, p85 = excluded.p85, p95 = excluded.p95,
			on_time = excluded.on_time, status = excluded.status, backfilled = excluded.backfilled`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, s := range rows {
			var onTime any
			if s.OnTime >= 0 {
				onTime = s.OnTime
			}
			if _, err := stmt.ExecContext(ctx, s.Program, s.Milestone, s.Day.UTC().Format(time.DateOnly),
				s.Scope, s.Done, s.InProgress, s.ScopePoints, s.DonePoints,
				NullTime(s.P50), NullTime(s.P85), NullTime(s.P95), onTime, s.Status, boolInt(s.Backfilled)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save snapshots: %w", err)
	}
	return nil
}

// Snapshots returns the snapshots of the days from..to (inclusive, UTC dates), oldest first;
// empty program or milestone match all.
func (db *DB) Snapshots(ctx context.Context, program, milestone string, from, to time.Time) ([]SnapshotRow, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT program, milestone, day, scope, done, in_progress,
		scope_points, done_points, p50, p85, p95, on_time, status, backfilled FROM rollup_snapshots
		WHERE (? = '' OR program = ?) AND (? = '' OR milestone = ?) AND day >= ? AND day <= ?
		ORDER BY program, milestone, day`, program, program, milestone, milestone,
		from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("read snapshots: %w", err)
	}
	defer rows.Close()
	var out []SnapshotRow
	for rows.Next() {
		var s SnapshotRow
		var day string
		var p50, p85, p95 sql.NullString
		var onTime sql.NullFloat64
		if err := rows.Scan(&s.Program, &s.Milestone, &day, &s.Scope, &s.Done, &s.InProgress,
			&s.ScopePoints, &s.DonePoints, &p50, &p85, &p95, &onTime, &s.Status, &s.Backfilled); err != nil {
			return nil, fmt.Errorf("read snapshots: %w", err)
		}
		s.Day = parseText(day)
		s.P50, s.P85, s.P95 = ParseTime(p50), ParseTime(p85), ParseTime(p95)
		s.OnTime = -1
		if onTime.Valid {
			s.OnTime = onTime.Float64
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read snapshots: %w", err)
	}
	return out, nil
}
