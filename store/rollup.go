package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cairn-dev/cairn"
)

// RollupData is what the rollup reads from the synced tables: only the columns it needs, deleted
// rows left out. LoadRollupData fills it in one pass per table.
type RollupData struct {
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
	ToStatus string
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

// LoadRollupData reads everything the rollup needs in one read transaction (a consistent
// snapshot), streaming each table once.
func (db *DB) LoadRollupData(ctx context.Context) (*RollupData, error) {
	d := &RollupData{DataAsOf: map[string]time.Time{}}
	err := db.View(ctx, func(tx *sql.Tx) error {
		for _, step := range []struct {
			name string
			fn   func(context.Context, *sql.Tx, *RollupData) error
		}{
			{"jira issues", loadIssues},
			{"jira status changes", loadTransitions},
			{"jira issue versions", loadIssueVersions},
			{"jira issue sprints", loadIssueSprints},
			{"jira links", loadLinks},
			{"jira versions", loadVersions},
			{"jira sprints", loadSprints},
			{"github pull requests", loadPRs},
			{"github reviews", loadReviews},
			{"github issues", loadGitHubIssues},
			{"github milestones", loadMilestones},
			{"pr issue links", loadPRLinks},
			{"sync runs", loadDataAsOf},
		} {
			if err := step.fn(ctx, tx, d); err != nil {
				return fmt.Errorf("load %s: %w", step.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// each runs query and calls scan for every row.
func each(ctx context.Context, tx *sql.Tx, query string, scan func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query)
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

func loadIssues(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	return each(ctx, tx, `SELECT id, key, project_key, issue_type, subtask, summary, status,
		status_category, assignee, priority, labels, components, story_points, epic_key, parent_key,
		flagged, created_at, updated_at, resolved_at
		FROM jira_issues WHERE deleted_at IS NULL ORDER BY id`, func(r *sql.Rows) error {
		var is RollupIssue
		var cat, labels, comps, created, updated string
		var assignee, priority, epic, parent, resolved sql.NullString
		var points sql.NullFloat64
		if err := r.Scan(&is.ID, &is.Key, &is.Project, &is.Type, &is.Subtask, &is.Summary, &is.Status,
			&cat, &assignee, &priority, &labels, &comps, &points, &epic, &parent, &is.Flagged,
			&created, &updated, &resolved); err != nil {
			return err
		}
		is.Category = cairn.StatusCategory(cat)
		is.Assignee, is.Priority = assignee.String, priority.String
		is.EpicKey, is.ParentKey = epic.String, parent.String
		is.Points, is.Estimated = points.Float64, points.Valid
		if labels != "[]" {
			is.Labels = ParseJSONList(labels)
		}
		if comps != "[]" {
			is.Components = ParseJSONList(comps)
		}
		is.Created = parseText(created)
		is.Updated = parseText(updated)
		is.Resolved = ParseTime(resolved)
		d.Issues = append(d.Issues, is)
		return nil
	})
}

// issueIndex finds an issue by id in d.Issues, which is sorted by id.
func (d *RollupData) issueIndex(id int64) int {
	lo, hi := 0, len(d.Issues)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if d.Issues[m].ID < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(d.Issues) && d.Issues[lo].ID == id {
		return lo
	}
	return -1
}

func loadTransitions(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	last, idx := int64(-1), -1
	return each(ctx, tx, `SELECT issue_id, at, to_status, from_category, to_category
		FROM jira_status_changes ORDER BY issue_id, at, history_id`, func(r *sql.Rows) error {
		var id int64
		var at, to string
		var from, toCat sql.NullString
		if err := r.Scan(&id, &at, &to, &from, &toCat); err != nil {
			return err
		}
		if id != last {
			last, idx = id, d.issueIndex(id)
		}
		if idx < 0 {
			return nil
		}
		is := &d.Issues[idx]
		is.Transitions = append(is.Transitions, RollupTransition{At: parseText(at), ToStatus: to,
			From: cairn.StatusCategory(from.String), To: cairn.StatusCategory(toCat.String)})
		return nil
	})
}

func loadIssueVersions(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	last, idx := int64(-1), -1
	return each(ctx, tx, `SELECT issue_id, version_id FROM jira_issue_versions ORDER BY issue_id`, func(r *sql.Rows) error {
		var id, v int64
		if err := r.Scan(&id, &v); err != nil {
			return err
		}
		if id != last {
			last, idx = id, d.issueIndex(id)
		}
		if idx >= 0 {
			d.Issues[idx].VersionIDs = append(d.Issues[idx].VersionIDs, v)
		}
		return nil
	})
}

func loadIssueSprints(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	last, idx := int64(-1), -1
	return each(ctx, tx, `SELECT issue_id, sprint_id FROM jira_issue_sprints ORDER BY issue_id`, func(r *sql.Rows) error {
		var id, s int64
		if err := r.Scan(&id, &s); err != nil {
			return err
		}
		if id != last {
			last, idx = id, d.issueIndex(id)
		}
		if idx >= 0 {
			d.Issues[idx].SprintIDs = append(d.Issues[idx].SprintIDs, s)
		}
		return nil
	})
}

func loadLinks(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	return each(ctx, tx, `SELECT id, type, from_key, to_key FROM jira_issue_links`, func(r *sql.Rows) error {
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
	return each(ctx, tx, `SELECT repo, number, title, state, draft, author, milestone, labels,
		created_at, updated_at, closed_at, merged_at
		FROM github_pull_requests WHERE deleted_at IS NULL ORDER BY repo, number`, func(r *sql.Rows) error {
		var p RollupPR
		var author, ms, closed, merged sql.NullString
		var labels, created, updated string
		if err := r.Scan(&p.Repo, &p.Number, &p.Title, &p.State, &p.Draft, &author, &ms, &labels,
			&created, &updated, &closed, &merged); err != nil {
			return err
		}
		p.Author, p.Milestone = author.String, ms.String
		if labels != "[]" {
			p.Labels = ParseJSONList(labels)
		}
		p.Created, p.Updated = parseText(created), parseText(updated)
		p.Closed, p.Merged = ParseTime(closed), ParseTime(merged)
		d.PRs = append(d.PRs, p)
		return nil
	})
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

func loadReviews(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	return each(ctx, tx, `SELECT repo, number, min(submitted_at) FROM github_reviews
		WHERE submitted_at IS NOT NULL AND state != 'PENDING' GROUP BY repo, number`, func(r *sql.Rows) error {
		var repo string
		var number int
		var at sql.NullString
		if err := r.Scan(&repo, &number, &at); err != nil {
			return err
		}
		if i := d.prIndex(repo, number); i >= 0 {
			d.PRs[i].FirstReview = ParseTime(at)
		}
		return nil
	})
}

func loadGitHubIssues(ctx context.Context, tx *sql.Tx, d *RollupData) error {
	return each(ctx, tx, `SELECT repo, number, title, state, author, milestone, labels,
		created_at, updated_at, closed_at FROM github_issues WHERE deleted_at IS NULL`, func(r *sql.Rows) error {
		var g RollupGitHubIssue
		var author, ms, closed sql.NullString
		var labels, created, updated string
		if err := r.Scan(&g.Repo, &g.Number, &g.Title, &g.State, &author, &ms, &labels,
			&created, &updated, &closed); err != nil {
			return err
		}
		g.Author, g.Milestone = author.String, ms.String
		if labels != "[]" {
			g.Labels = ParseJSONList(labels)
		}
		g.Created, g.Updated, g.Closed = parseText(created), parseText(updated), ParseTime(closed)
		d.GitHubIssues = append(d.GitHubIssues, g)
		return nil
	})
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
}

// SaveReport stores one rollup report (JSON) with its as-of time and ISO week.
func (db *DB) SaveReport(ctx context.Context, asOf time.Time, isoWeek string, reportJSON []byte) (int64, error) {
	var id int64
	err := db.Update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO rollup_reports (as_of, iso_week, created_at, report_json)
			VALUES (?, ?, ?, ?)`, asOf.UTC().Format(sortableTime), isoWeek, FormatTime(db.Now()), string(reportJSON))
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
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

func (db *DB) oneReport(ctx context.Context, query string, args ...any) (StoredReport, error) {
	var r StoredReport
	var asOf, body string
	err := db.read.QueryRowContext(ctx, query, args...).Scan(&r.ID, &asOf, &r.ISOWeek, &body)
	if err == sql.ErrNoRows {
		return r, fmt.Errorf("read report: %w", cairn.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read report: %w", err)
	}
	r.AsOf, r.JSON = parseText(asOf), []byte(body)
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
