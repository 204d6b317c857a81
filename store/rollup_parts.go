package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unsafe"
)

// A report of a million items is about 100 MB of JSON, and the incremental rollup stores one
// after every sync: written whole, that alone would take half a second. SaveReportParts stores
// a report as a skeleton (rollup_reports.report_json) and content-addressed parts
// (rollup_parts, one per milestone in practice) inserted into it at given offsets: a part
// already stored (an unchanged milestone) is not written again. Readers get the whole JSON,
// byte for byte, from LatestReport and ReportForWeek as before.

// ReportPart is a piece of a report's JSON inserted into its skeleton at Offset (a byte offset
// in the skeleton; parts in offset order).
type ReportPart struct {
	Offset int
	// Body is the part's JSON; nil for a part the caller knows is stored already (an earlier
	// report it saved used it): SaveReportParts then fails with ErrPartMissing if it is not.
	Body []byte
	// Hash is the hex SHA-256 of Body; PartHash computes it.
	Hash string
}

// ErrPartMissing is SaveReportParts' error for a part given without its body that is not
// stored (another run's report replaced the one that used it): save it again with its body.
var ErrPartMissing = errors.New("report part without its body is not stored")

// PartHash is the content address of a part's body.
func PartHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// SaveReportParts is SaveReport for a report given as a skeleton and parts: the report's JSON
// is the skeleton with each part's body inserted at its offset. Only parts not stored yet are
// written; parts no report uses any more are deleted with the reports SaveReport deletes.
func (db *DB) SaveReportParts(ctx context.Context, asOf time.Time, isoWeek string, skeleton []byte, parts []ReportPart) (int64, error) {
	var id int64
	at := asOf.UTC().Format(sortableTime)
	err := db.Update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO rollup_reports (as_of, iso_week, created_at, report_json)
			VALUES (?, ?, ?, ?)`, at, isoWeek, FormatTime(db.Now()), string(skeleton))
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		find, err := tx.PrepareContext(ctx, `SELECT id FROM rollup_parts WHERE hash = ?`)
		if err != nil {
			return err
		}
		defer find.Close()
		add, err := tx.PrepareContext(ctx, `INSERT INTO rollup_parts (hash, body) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer add.Close()
		use, err := tx.PrepareContext(ctx, `INSERT INTO rollup_report_parts (report_id, seq, offset, part_id) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer use.Close()
		last := 0
		for seq, p := range parts {
			if p.Offset < last || p.Offset > len(skeleton) {
				return fmt.Errorf("part %d at offset %d: out of order or past the skeleton's %d bytes", seq, p.Offset, len(skeleton))
			}
			last = p.Offset
			var pid int64
			switch err := find.QueryRowContext(ctx, p.Hash).Scan(&pid); err {
			case nil:
			case sql.ErrNoRows:
				if p.Body == nil {
					return fmt.Errorf("part %d (%s): %w", seq, p.Hash, ErrPartMissing)
				}
				// Bound as text without a Go copy, as SaveReport does.
				var text string
				if len(p.Body) > 0 {
					text = unsafe.String(&p.Body[0], len(p.Body))
				}
				r, err := add.ExecContext(ctx, p.Hash, text)
				if err != nil {
					return err
				}
				if pid, err = r.LastInsertId(); err != nil {
					return err
				}
			default:
				return err
			}
			if _, err := use.ExecContext(ctx, id, seq, p.Offset, pid); err != nil {
				return err
			}
		}
		return deleteOlderReports(ctx, tx, isoWeek, at, id)
	})
	if err != nil {
		return 0, fmt.Errorf("save report: %w", err)
	}
	return id, nil
}

// deleteOlderReports deletes the week's reports up to at other than keep (see SaveReport), and
// the parts no report uses any more.
func deleteOlderReports(ctx context.Context, tx *sql.Tx, isoWeek, at string, keep int64) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM rollup_reports WHERE iso_week = ? AND as_of <= ? AND id != ?`,
		isoWeek, at, keep)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	// The deleted reports' rows of rollup_report_parts went with them (ON DELETE CASCADE).
	_, err = tx.ExecContext(ctx, `DELETE FROM rollup_parts WHERE NOT EXISTS
		(SELECT 1 FROM rollup_report_parts u WHERE u.part_id = rollup_parts.id)`)
	return err
}

// assembleReport inserts the report's parts, if any, into its skeleton.
func assembleReport(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, id int64, skeleton string) ([]byte, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.offset, p.body FROM rollup_report_parts u
		JOIN rollup_parts p ON p.id = u.part_id WHERE u.report_id = ? ORDER BY u.seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type part struct {
		off  int
		body string
	}
	var parts []part
	n := len(skeleton)
	for rows.Next() {
		var p part
		if err := rows.Scan(&p.off, &p.body); err != nil {
			return nil, err
		}
		if p.off < 0 || p.off > len(skeleton) || (len(parts) > 0 && p.off < parts[len(parts)-1].off) {
			return nil, fmt.Errorf("report %d: part at offset %d out of order", id, p.off)
		}
		parts = append(parts, p)
		n += len(p.body)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return []byte(skeleton), nil
	}
	out := make([]byte, 0, n)
	last := 0
	for _, p := range parts {
		out = append(out, skeleton[last:p.off]...)
		out = append(out, p.body...)
		last = p.off
	}
	return append(out, skeleton[last:]...), nil
}
