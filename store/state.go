package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// State is the sync position of one connector scope (a Jira project, a GitHub repo).
type State struct {
	// Watermark is the server time at the start of the last successful run (zero: never).
	Watermark time.Time
	// Cursor is the position of a run in flight, committed with each page ("" when idle).
	Cursor string
}

// State returns the sync state of a connector scope; a scope never synced has a zero State.
func (db *DB) State(ctx context.Context, connector, scope string) (State, error) {
	var wm sql.NullString
	var st State
	err := db.read.QueryRowContext(ctx, `SELECT watermark, cursor FROM sync_state WHERE connector = ? AND scope = ?`,
		connector, scope).Scan(&wm, &st.Cursor)
	if errors.Is(err, sql.ErrNoRows) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("read sync state %s/%s: %w", connector, scope, err)
	}
	st.Watermark = ParseTime(wm)
	return st, nil
}

// SetCursor records the position of a run in flight inside tx, so a page and its cursor commit
// together.
func SetCursor(ctx context.Context, tx *sql.Tx, connector, scope, cursor string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sync_state (connector, scope, cursor, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (connector, scope) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
		connector, scope, cursor, FormatTime(now))
	if err != nil {
		return fmt.Errorf("set cursor %s/%s: %w", connector, scope, err)
	}
	return nil
}

// CompleteScope advances the watermark of a scope and clears its cursor: called once, after
// every page of a successful run has committed.
func (db *DB) CompleteScope(ctx context.Context, connector, scope string, watermark time.Time) error {
	return db.Update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sync_state (connector, scope, watermark, cursor, updated_at) VALUES (?, ?, ?, '', ?)
			ON CONFLICT (connector, scope) DO UPDATE SET watermark = excluded.watermark, cursor = '',
			updated_at = excluded.updated_at`,
			connector, scope, FormatTime(watermark), FormatTime(db.Now()))
		if err != nil {
			return fmt.Errorf("complete scope %s/%s: %w", connector, scope, err)
		}
		return nil
	})
}

// Empty reports whether nothing has ever been synced: no sync state and no runs.
func (db *DB) Empty(ctx context.Context) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM sync_state WHERE watermark IS NOT NULL)
		+ (SELECT count(*) FROM sync_runs WHERE status = 'ok')`).Scan(&n)
	return n == 0, err
}
