package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cairn-dev/cairn"
)

// StartRun records a new running sync run and returns its id.
func (db *DB) StartRun(ctx context.Context, connector, mode string, at time.Time) (int64, error) {
	var id int64
	err := db.Update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO sync_runs (connector, mode, started_at, status) VALUES (?, ?, ?, ?)`,
			connector, mode, FormatTime(at), cairn.RunRunning)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	return id, nil
}

// FinishRun records how a run ended: ok when runErr is nil, else failed with its message.
func (db *DB) FinishRun(ctx context.Context, id int64, at time.Time, counts cairn.Counts, requests int, runErr error) error {
	status, msg := cairn.RunOK, ""
	if runErr != nil {
		status, msg = cairn.RunFailed, runErr.Error()
	}
	err := db.Update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sync_runs SET finished_at = ?, status = ?, error = ?,
			items_new = ?, items_updated = ?, items_deleted = ?, versions = ?, sprints = ?, reviews = ?,
			pages = ?, requests = ? WHERE id = ?`,
			FormatTime(at), status, msg, counts.New, counts.Updated, counts.Deleted, counts.Versions,
			counts.Sprints, counts.Reviews, counts.Pages, requests, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish run %d: %w", id, err)
	}
	return nil
}

// AbandonRuns marks runs left "running" by a process that died as failed, so the history
// tells the truth; it is called at start-up before any new run.
func (db *DB) AbandonRuns(ctx context.Context, at time.Time) (int, error) {
	var n int64
	err := db.Update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sync_runs SET status = ?, finished_at = ?,
			error = 'interrupted: the process stopped before the run finished' WHERE status = ?`,
			cairn.RunFailed, FormatTime(at), cairn.RunRunning)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

const runColumns = `id, connector, mode, started_at, finished_at, status, error, items_new, items_updated,
	items_deleted, versions, sprints, reviews, pages, requests`

func scanRun(row interface{ Scan(...any) error }) (cairn.SyncRun, error) {
	var r cairn.SyncRun
	var started string
	var finished sql.NullString
	err := row.Scan(&r.ID, &r.Connector, &r.Mode, &started, &finished, &r.Status, &r.Error,
		&r.Counts.New, &r.Counts.Updated, &r.Counts.Deleted, &r.Counts.Versions, &r.Counts.Sprints,
		&r.Counts.Reviews, &r.Counts.Pages, &r.Requests)
	r.StartedAt = ParseTime(sql.NullString{String: started, Valid: true})
	r.FinishedAt = ParseTime(finished)
	return r, err
}

// Runs returns up to limit recent runs, newest first; connector "" means all.
func (db *DB) Runs(ctx context.Context, connector string, limit int) ([]cairn.SyncRun, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+runColumns+` FROM sync_runs
		WHERE ? = '' OR connector = ? ORDER BY id DESC LIMIT ?`, connector, connector, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []cairn.SyncRun
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Run returns one run by id, or cairn.ErrNotFound.
func (db *DB) Run(ctx context.Context, id int64) (cairn.SyncRun, error) {
	r, err := scanRun(db.read.QueryRowContext(ctx, `SELECT `+runColumns+` FROM sync_runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, cairn.ErrNotFound
	}
	return r, err
}

// LastSuccess returns when the connector last finished a run without error (zero if never).
func (db *DB) LastSuccess(ctx context.Context, connector string) (time.Time, error) {
	var s sql.NullString
	err := db.read.QueryRowContext(ctx, `SELECT max(finished_at) FROM sync_runs WHERE connector = ? AND status = ?`,
		connector, cairn.RunOK).Scan(&s)
	return ParseTime(s), err
}
