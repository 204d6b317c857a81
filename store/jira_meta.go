package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/cairn-dev/cairn"
)

// SaveJiraVersions upserts the complete version list of a project; versions no longer listed
// were deleted in Jira (archived ones stay listed) and are removed.
func (db *DB) SaveJiraVersions(ctx context.Context, project string, versions []cairn.Version) error {
	err := db.Update(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO jira_versions (id, project_key, name, description, start_date,
			release_date, released, archived, raw_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET project_key = excluded.project_key, name = excluded.name,
			description = excluded.description, start_date = excluded.start_date, release_date = excluded.release_date,
			released = excluded.released, archived = excluded.archived, raw_json = excluded.raw_json`)
		if err != nil {
			return err
		}
		defer st.Close()
		args := []any{project}
		for _, v := range versions {
			pk := v.ProjectKey
			if pk == "" {
				pk = project
			}
			if _, err := st.ExecContext(ctx, v.ID, pk, v.Name, v.Description, NullDate(v.StartDate),
				NullDate(v.ReleaseDate), boolInt(v.Released), boolInt(v.Archived), rawText(v.Raw)); err != nil {
				return fmt.Errorf("upsert version %d: %w", v.ID, err)
			}
			args = append(args, v.ID)
		}
		q := `DELETE FROM jira_versions WHERE project_key = ?`
		if len(versions) > 0 {
			q += ` AND id NOT IN (` + placeholders(len(versions)) + `)`
		}
		_, err = tx.ExecContext(ctx, q, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("save jira versions of %s: %w", project, err)
	}
	return nil
}

// SaveJiraBoards upserts the complete board list of a project; boards no longer listed are
// removed (their sprints stay: issues keep their sprint membership).
func (db *DB) SaveJiraBoards(ctx context.Context, project string, boards []cairn.Board) error {
	err := db.Update(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO jira_boards (id, name, type, project_key) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type, project_key = excluded.project_key`)
		if err != nil {
			return err
		}
		defer st.Close()
		args := []any{project}
		for _, b := range boards {
			pk := b.ProjectKey
			if pk == "" {
				pk = project
			}
			if _, err := st.ExecContext(ctx, b.ID, b.Name, b.Type, pk); err != nil {
				return fmt.Errorf("upsert board %d: %w", b.ID, err)
			}
			args = append(args, b.ID)
		}
		q := `DELETE FROM jira_boards WHERE project_key = ?`
		if len(boards) > 0 {
			q += ` AND id NOT IN (` + placeholders(len(boards)) + `)`
		}
		_, err = tx.ExecContext(ctx, q, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("save jira boards of %s: %w", project, err)
	}
	return nil
}

// JiraBoards returns the stored boards of a project, by id.
func (db *DB) JiraBoards(ctx context.Context, project string) ([]cairn.Board, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, type, coalesce(project_key, '') FROM jira_boards
		WHERE project_key = ? ORDER BY id`, project)
	if err != nil {
		return nil, fmt.Errorf("list jira boards of %s: %w", project, err)
	}
	defer rows.Close()
	var out []cairn.Board
	for rows.Next() {
		var b cairn.Board
		if err := rows.Scan(&b.ID, &b.Name, &b.Type, &b.ProjectKey); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// SaveJiraSprints upserts the complete sprint list of a board. A sprint shared by several
// boards is one row; sprints of this board no longer listed (deleted future sprints) are
// removed.
func (db *DB) SaveJiraSprints(ctx context.Context, boardID int64, sprints []cairn.Sprint) error {
	err := db.Update(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO jira_sprints (id, board_id, name, state, goal, start_at, end_at,
			complete_at, raw_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET board_id = excluded.board_id, name = excluded.name, state = excluded.state,
			goal = excluded.goal, start_at = excluded.start_at, end_at = excluded.end_at,
			complete_at = excluded.complete_at, raw_json = excluded.raw_json`)
		if err != nil {
			return err
		}
		defer st.Close()
		args := []any{boardID}
		for _, s := range sprints {
			b := s.BoardID
			if b == 0 {
				b = boardID
			}
			if _, err := st.ExecContext(ctx, s.ID, b, s.Name, s.State, s.Goal, NullTime(s.StartAt), NullTime(s.EndAt),
				NullTime(s.CompleteAt), rawText(s.Raw)); err != nil {
				return fmt.Errorf("upsert sprint %d: %w", s.ID, err)
			}
			args = append(args, s.ID)
		}
		q := `DELETE FROM jira_sprints WHERE board_id = ?`
		if len(sprints) > 0 {
			q += ` AND id NOT IN (` + placeholders(len(sprints)) + `)`
		}
		_, err = tx.ExecContext(ctx, q, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("save jira sprints of board %d: %w", boardID, err)
	}
	return nil
}

// JiraOpenSprintBoards returns the project's boards that have an active or future sprint: the
// only ones whose sprints change between reconciles, short of a new sprint.
func (db *DB) JiraOpenSprintBoards(ctx context.Context, project string) ([]int64, error) {
	ids, err := db.ids(ctx, db.read, `SELECT b.id FROM jira_boards b WHERE b.project_key = ?
		AND EXISTS (SELECT 1 FROM jira_sprints s WHERE s.board_id = b.id AND s.state IN ('active', 'future'))
		ORDER BY b.id`, project)
	if err != nil {
		return nil, fmt.Errorf("list open sprint boards of %s: %w", project, err)
	}
	return ids, nil
}

// JiraUnknownSprints returns those of ids that are not stored sprints, ascending.
func (db *DB) JiraUnknownSprints(ctx context.Context, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	known := map[int64]bool{}
	err := db.View(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `SELECT 1 FROM jira_sprints WHERE id = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range ids {
			var one int
			switch err := st.QueryRowContext(ctx, id).Scan(&one); {
			case err == nil:
				known[id] = true
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up sprints: %w", err)
	}
	var out []int64
	for _, id := range ids {
		if !known[id] {
			out = append(out, id)
			known[id] = true // once
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// SaveJiraFields replaces the concept-to-field mapping and reports whether it changed.
func (db *DB) SaveJiraFields(ctx context.Context, fields []cairn.JiraField) (changed bool, err error) {
	before, err := db.JiraFields(ctx)
	if err != nil {
		return false, err
	}
	err = db.Update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM jira_fields`); err != nil {
			return err
		}
		for _, f := range fields {
			if _, err := tx.ExecContext(ctx, `INSERT INTO jira_fields (concept, field_id, source) VALUES (?, ?, ?)
				ON CONFLICT (concept) DO UPDATE SET field_id = excluded.field_id, source = excluded.source`,
				f.Concept, f.FieldID, f.Source); err != nil {
				return fmt.Errorf("field %s: %w", f.Concept, err)
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("save jira fields: %w", err)
	}
	after, err := db.JiraFields(ctx)
	if err != nil {
		return false, err
	}
	if len(before) != len(after) {
		return true, nil
	}
	for i := range before {
		if before[i].Concept != after[i].Concept || before[i].FieldID != after[i].FieldID {
			return true, nil
		}
	}
	return false, nil
}

// JiraFields returns the stored concept-to-field mapping, by concept.
func (db *DB) JiraFields(ctx context.Context) ([]cairn.JiraField, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT concept, field_id, source FROM jira_fields ORDER BY concept`)
	if err != nil {
		return nil, fmt.Errorf("list jira fields: %w", err)
	}
	defer rows.Close()
	var out []cairn.JiraField
	for rows.Next() {
		var f cairn.JiraField
		if err := rows.Scan(&f.Concept, &f.FieldID, &f.Source); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// JiraSiteValue is a stored fact about the Jira site and when it was read.
type JiraSiteValue struct {
	Value  string
	ReadAt time.Time
}

// JiraSite returns the stored facts about the Jira site by name.
func (db *DB) JiraSite(ctx context.Context) (map[string]JiraSiteValue, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT name, value, fetched_at FROM jira_site`)
	if err != nil {
		return nil, fmt.Errorf("read jira site: %w", err)
	}
	defer rows.Close()
	out := map[string]JiraSiteValue{}
	for rows.Next() {
		var name, value, at string
		if err := rows.Scan(&name, &value, &at); err != nil {
			return nil, fmt.Errorf("read jira site: %w", err)
		}
		out[name] = JiraSiteValue{Value: value, ReadAt: ParseTime(sql.NullString{String: at, Valid: true})}
	}
	return out, rows.Err()
}

// SaveJiraSite stores facts about the Jira site, read at the given time.
func (db *DB) SaveJiraSite(ctx context.Context, values map[string]string, at time.Time) error {
	if len(values) == 0 {
		return nil
	}
	return db.Update(ctx, func(tx *sql.Tx) error {
		for name, v := range values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO jira_site (name, value, fetched_at) VALUES (?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value, fetched_at = excluded.fetched_at`,
				name, v, FormatTime(at)); err != nil {
				return fmt.Errorf("save jira site %s: %w", name, err)
			}
		}
		return nil
	})
}
