package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
)

// The incremental rollup (rollup.Engine) keeps the loaded RollupData between runs and brings it
// up to date from the change list (rollup_dirty): every store method that inserts, updates or
// deletes a row the rollup reads lists the keys of its Jira issues, links, pull requests and
// GitHub issues there, in its own transaction, as one row per transaction
// (RollupChanges.record): a committed write is always listed, a rolled-back one never is, and
// listing a page of a hundred issues costs one small insert, not one per key or per row
// written (the triggers this replaced made a Jira page write 1.6 times slower).
// TestCaptureCoversEveryWrite checks each write path against triggers that list every row they
// touch, and TestCaptureKnowsEveryWriteStatement fails on a write statement to one of those
// tables that it does not cover. TakeRollupChanges takes the list (reading and deleting it in
// one transaction, so a write committed meanwhile stays listed for the next run); PatchRollup
// re-reads exactly those rows, and the small tables whole, into the data. The result equals
// what LoadRollup would read now, in the same order.

// PRRef names a pull request.
type PRRef struct {
	Repo   string
	Number int
}

// RollupChanges are the keys of the synced rows written since the change list was last taken.
type RollupChanges struct {
	Issues       []int64 // Jira issue ids (the row, its status changes, fix versions, sprints)
	Links        []int64 // Jira issue link ids
	PRs          []PRRef // pull requests (the row, its reviews, its Jira keys)
	GitHubIssues []int64 // GitHub issue ids
}

// addPR lists a pull request, once when it repeats the last one listed (a page's reviews and
// links come grouped by pull request).
func (c *RollupChanges) addPR(repo string, number int) {
	if n := len(c.PRs); n > 0 && c.PRs[n-1] == (PRRef{repo, number}) {
		return
	}
	c.PRs = append(c.PRs, PRRef{repo, number})
}

// Len is the number of keys.
func (c RollupChanges) Len() int {
	return len(c.Issues) + len(c.Links) + len(c.PRs) + len(c.GitHubIssues)
}

// normalize sorts each list and drops repeated keys.
func (c *RollupChanges) normalize() {
	c.normalizeIDs()
	slices.SortFunc(c.PRs, func(a, b PRRef) int {
		return cmp.Or(cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.Number, b.Number))
	})
	c.PRs = slices.Compact(c.PRs)
}

// normalizeIDs is normalize of the id lists only: pull requests, compared by string, cost
// more to sort than to list twice.
func (c *RollupChanges) normalizeIDs() {
	for _, ids := range []*[]int64{&c.Issues, &c.Links, &c.GitHubIssues} {
		slices.Sort(*ids)
		*ids = slices.Compact(*ids)
	}
}

// captureOff turns the change capture off, for benchmarks that measure its cost (tests only).
var captureOff atomic.Bool

// record adds c's keys to the change list inside tx, the transaction of the write that
// changed them: one row of JSON lists, whatever their number (its id lists are left sorted
// and distinct; a key repeated stays harmless, the reader merges).
func (c *RollupChanges) record(ctx context.Context, tx *sql.Tx) error {
	if captureOff.Load() || c.Len() == 0 {
		return nil
	}
	c.normalizeIDs()
	list := func(ids []int64) any {
		if len(ids) == 0 {
			return nil
		}
		return jsonInts(ids)
	}
	var prs any
	if len(c.PRs) > 0 {
		s, err := jsonRefs(c.PRs)
		if err != nil {
			return err
		}
		prs = s
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO rollup_dirty (issues, links, prs, github_issues)
		VALUES (?, ?, ?, ?)`, list(c.Issues), list(c.Links), prs, list(c.GitHubIssues)); err != nil {
		return fmt.Errorf("list rollup changes: %w", err)
	}
	return nil
}

// pendingChanges reads the change list as it stands in tx, each key once, sorted; it stops
// with ok false as soon as it holds more than limit distinct keys.
func pendingChanges(ctx context.Context, tx *sql.Tx, limit int) (c RollupChanges, ok bool, err error) {
	seenIDs := [3]map[int64]bool{{}, {}, {}}
	seenPRs := map[PRRef]bool{}
	n := 0
	add := func(k int, list *[]int64, raw sql.NullString) error {
		if !raw.Valid {
			return nil
		}
		var ids []int64
		if err := json.Unmarshal([]byte(raw.String), &ids); err != nil {
			return err
		}
		for _, id := range ids {
			if !seenIDs[k][id] {
				seenIDs[k][id] = true
				*list = append(*list, id)
				n++
			}
		}
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT issues, links, prs, github_issues FROM rollup_dirty ORDER BY seq`)
	if err != nil {
		return c, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var issues, links, prs, gh sql.NullString
		if err := rows.Scan(&issues, &links, &prs, &gh); err != nil {
			return c, false, err
		}
		if err := add(0, &c.Issues, issues); err != nil {
			return c, false, fmt.Errorf("issues: %w", err)
		}
		if err := add(1, &c.Links, links); err != nil {
			return c, false, fmt.Errorf("links: %w", err)
		}
		if err := add(2, &c.GitHubIssues, gh); err != nil {
			return c, false, fmt.Errorf("github issues: %w", err)
		}
		if prs.Valid {
			var refs [][2]any
			if err := json.Unmarshal([]byte(prs.String), &refs); err != nil {
				return c, false, fmt.Errorf("pull requests: %w", err)
			}
			for _, v := range refs {
				repo, ok1 := v[0].(string)
				num, ok2 := v[1].(float64)
				if !ok1 || !ok2 {
					return c, false, fmt.Errorf("pull request %v: not [repo, number]", v)
				}
				if r := (PRRef{repo, int(num)}); !seenPRs[r] {
					seenPRs[r] = true
					c.PRs = append(c.PRs, r)
					n++
				}
			}
		}
		if n > limit {
			return RollupChanges{}, false, nil
		}
	}
	if err := rows.Err(); err != nil {
		return c, false, err
	}
	c.normalize()
	return c, true, nil
}

// ErrChangesCleared is TakeRollupChanges's answer when the change list was cleared since the
// caller's generation: changes were dropped unread, only a full load is right.
var ErrChangesCleared = errors.New("rollup change list was cleared by another run")

// ClearRollupChanges empties the change list and starts a new generation, which it returns: a
// full rollup calls it before it loads, so every write it may not see stays listed.
func (db *DB) ClearRollupChanges(ctx context.Context) (int64, error) {
	var gen int64
	err := db.Update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM rollup_dirty`); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `UPDATE rollup_capture SET generation = generation + 1
			WHERE id = 1 RETURNING generation`).Scan(&gen)
	})
	if err != nil {
		return 0, fmt.Errorf("clear rollup changes: %w", err)
	}
	return gen, nil
}

// TakeRollupChanges reads and deletes the change list in one transaction, when its generation
// is still gen (else ErrChangesCleared) and it holds at most limit keys (else ok is false and
// nothing is taken: a full load is cheaper). Each key is listed once, each list sorted.
func (db *DB) TakeRollupChanges(ctx context.Context, gen int64, limit int) (c RollupChanges, ok bool, err error) {
	err = db.Update(ctx, func(tx *sql.Tx) error {
		var now int64
		if err := tx.QueryRowContext(ctx, `SELECT generation FROM rollup_capture WHERE id = 1`).Scan(&now); err != nil {
			return err
		}
		if now != gen {
			return ErrChangesCleared
		}
		var err error
		if c, ok, err = pendingChanges(ctx, tx, limit); err != nil || !ok {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM rollup_dirty`)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrChangesCleared) {
			return RollupChanges{}, false, err
		}
		return RollupChanges{}, false, fmt.Errorf("take rollup changes: %w", err)
	}
	return c, ok, nil
}

// jsonInts is ids as a JSON array, for `IN (SELECT value FROM json_each(?))`: one statement
// for any number of keys.
func jsonInts(ids []int64) string {
	b := make([]byte, 0, 12*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

func jsonRefs(refs []PRRef) (string, error) {
	v := make([][2]any, len(refs))
	for i, r := range refs {
		v[i] = [2]any{r.Repo, r.Number}
	}
	b, err := json.Marshal(v)
	return string(b), err
}

const (
	inIDs  = `IN (SELECT value FROM json_each(?))`
	inRefs = `(repo, number) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))`
)
