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
	"time"

	"github.com/cairn-dev/cairn"
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

// PatchRollup brings d, loaded by LoadRollup, up to date with the rows named by c, and reads
// the small tables (versions, sprints, GitHub milestones, last syncs) whole. Afterwards d
// equals what LoadRollup would return now, order included (PRLinks, which LoadRollup reads in
// no particular order, keep theirs and get new links appended), except that the issue table
// keeps the replaced rows' status changes and ids as unreferenced entries of its flat arrays.
// Rows are replaced in place, and new ones appended (Jira issues with the highest ids) or
// merged in from the end (pull requests), when none is gone: an update then copies no table.
func (db *DB) PatchRollup(ctx context.Context, d *RollupData, c RollupChanges) error {
	if d.Table == nil || len(d.ghIDs) != len(d.GitHubIssues) {
		return errors.New("patch rollup: data not loaded by LoadRollup")
	}
	next := RollupData{DataAsOf: map[string]time.Time{}}
	err := db.View(ctx, func(tx *sql.Tx) error {
		for _, fn := range []func(context.Context, *sql.Tx, *RollupData) error{loadVersions, loadSprints,
			loadMilestones, loadDataAsOf} {
			if err := fn(ctx, tx, &next); err != nil {
				return err
			}
		}
		if err := patchIssues(ctx, tx, d.Table, c.Issues); err != nil {
			return fmt.Errorf("jira issues: %w", err)
		}
		if err := patchLinks(ctx, tx, d, c.Links); err != nil {
			return fmt.Errorf("jira issue links: %w", err)
		}
		if err := patchPRs(ctx, tx, d, c.PRs); err != nil {
			return fmt.Errorf("github pull requests: %w", err)
		}
		if err := patchGitHubIssues(ctx, tx, d, c.GitHubIssues); err != nil {
			return fmt.Errorf("github issues: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("patch rollup: %w", err)
	}
	d.Versions, d.Sprints, d.Milestones, d.DataAsOf = next.Versions, next.Sprints, next.Milestones, next.DataAsOf
	return nil
}

// patchIssues replaces the rows of ids in t by what is stored now (none for a deleted issue).
func patchIssues(ctx context.Context, tx *sql.Tx, t *IssueTable, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	arg := []any{jsonInts(ids)}
	var fresh []IssueRow
	if err := t.scanIssues(ctx, tx, `deleted_at IS NULL AND id `+inIDs, arg, func(r IssueRow) { fresh = append(fresh, r) }); err != nil {
		return err
	}
	// Status changes in the order a full load attaches them: by time, ties in table order.
	var changes []pendingTransition
	codes := newIssueTable()
	var row string
	err := each(ctx, tx, `SELECT `+packSQL("issue_id", "at", "from_category", "to_category")+`
		FROM jira_status_changes WHERE issue_id `+inIDs+` ORDER BY issue_id, rowid`, func(r *sql.Rows) error {
		if err := r.Scan(&row); err != nil {
			return err
		}
		f := fields{s: row}
		p := pendingTransition{issueID: f.int(), at: StampOf(parseBytes(f.next())),
			from: codes.cat(category(f.next())), to: codes.cat(category(f.next()))}
		if err := f.done(); err != nil {
			return fmt.Errorf("status change: %w", err)
		}
		changes = append(changes, p)
		return nil
	}, arg...)
	if err != nil {
		return err
	}
	pairs := func(col, table string) ([][2]int64, error) {
		var out [][2]int64
		var id, v int64
		err := each(ctx, tx, `SELECT issue_id, `+col+` FROM `+table+` WHERE issue_id `+inIDs+` ORDER BY issue_id, `+col,
			func(r *sql.Rows) error {
				if err := r.Scan(&id, &v); err != nil {
					return err
				}
				out = append(out, [2]int64{id, v})
				return nil
			}, arg...)
		return out, err
	}
	versions, err := pairs("version_id", "jira_issue_versions")
	if err != nil {
		return err
	}
	sprints, err := pairs("sprint_id", "jira_issue_sprints")
	if err != nil {
		return err
	}
	// The fresh rows' lists go at the end of the flat arrays.
	sub := &IssueTable{Rows: fresh, Cats: t.Cats}
	remap := make([]uint8, len(codes.Cats))
	for i, c := range codes.Cats {
		remap[i] = t.cat(c)
	}
	k := 0
	for i := range fresh {
		r := &fresh[i]
		r.Transitions = Span{Off: uint32(len(t.Trans))}
		for k < len(changes) && changes[k].issueID < r.ID {
			k++
		}
		for ; k < len(changes) && changes[k].issueID == r.ID; k++ {
			p := changes[k]
			t.Trans = append(t.Trans, IssueTransition{At: p.at, From: remap[p.from], To: remap[p.to]})
			r.Transitions.N++
		}
		if tr := t.Transitions(r); len(tr) > 1 {
			slices.SortStableFunc(tr, func(a, b IssueTransition) int {
				if c := cmpInt(a.At.Sec, b.At.Sec); c != 0 {
					return c
				}
				return cmpInt(a.At.Nsec, b.At.Nsec)
			})
		}
	}
	sub.IDs = t.IDs
	sub.attachIDs(versions, func(r *IssueRow) *Span { return &r.Versions })
	sub.attachIDs(sprints, func(r *IssueRow) *Span { return &r.Sprints })
	t.IDs = sub.IDs
	// When no named issue is gone, each row is replaced where it is (edits, the usual case)
	// and new issues whose ids are the highest are appended (new issues, the next most usual);
	// else the rows not named and the fresh ones are merged in id order.
	if len(fresh) == len(ids) {
		at := make([]int, len(fresh))
		inPlace := true
		last := int64(-1 << 63)
		if n := len(t.Rows); n > 0 {
			last = t.Rows[n-1].ID
		}
		appended := len(fresh)
		for i := range fresh {
			if at[i] = t.index(fresh[i].ID); at[i] < 0 {
				if fresh[i].ID <= last {
					inPlace = false
					break
				}
				appended = min(appended, i)
			} else if appended < len(fresh) {
				inPlace = false // an existing row after a new one: cannot happen in id order
				break
			}
		}
		if inPlace {
			for i := range appended {
				t.Rows[at[i]] = fresh[i]
			}
			t.Rows = append(t.Rows, fresh[appended:]...)
			return nil
		}
	}
	gone := make(map[int64]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
	}
	out := make([]IssueRow, 0, len(t.Rows)+len(fresh))
	j := 0
	for i := range t.Rows {
		r := &t.Rows[i]
		for j < len(fresh) && fresh[j].ID < r.ID {
			out = append(out, fresh[j])
			j++
		}
		if !gone[r.ID] {
			out = append(out, *r)
		}
	}
	out = append(out, fresh[j:]...)
	t.Rows = out
	return nil
}

// patchLinks replaces the links of ids by what is stored now, keeping d.Links in id order.
func patchLinks(ctx context.Context, tx *sql.Tx, d *RollupData, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var fresh []cairn.IssueLink
	err := each(ctx, tx, `SELECT id, type, from_key, to_key FROM jira_issue_links WHERE id `+inIDs+` ORDER BY id`, func(r *sql.Rows) error {
		var l cairn.IssueLink
		if err := r.Scan(&l.ID, &l.Type, &l.FromKey, &l.ToKey); err != nil {
			return err
		}
		fresh = append(fresh, l)
		return nil
	}, jsonInts(ids))
	if err != nil {
		return err
	}
	gone := make(map[int64]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
	}
	out := make([]cairn.IssueLink, 0, len(d.Links)+len(fresh))
	j := 0
	for _, l := range d.Links {
		for j < len(fresh) && fresh[j].ID < l.ID {
			out = append(out, fresh[j])
			j++
		}
		if !gone[l.ID] {
			out = append(out, l)
		}
	}
	d.Links = append(out, fresh[j:]...)
	return nil
}

// patchPRs replaces the pull requests of refs (row, first review, Jira keys) by what is stored now.
func patchPRs(ctx context.Context, tx *sql.Tx, d *RollupData, refs []PRRef) error {
	if len(refs) == 0 {
		return nil
	}
	arg, err := jsonRefs(refs)
	if err != nil {
		return err
	}
	var fresh []RollupPR
	if err := scanPRs(ctx, tx, newInterner(), `deleted_at IS NULL AND `+inRefs, []any{arg}, func(p RollupPR) { fresh = append(fresh, p) }); err != nil {
		return err
	}
	sortPRs(fresh)
	var row string
	err = each(ctx, tx, `SELECT `+packSQL("repo", "number", "submitted_at")+` FROM github_reviews
		WHERE submitted_at IS NOT NULL AND state != 'PENDING' AND `+inRefs, func(r *sql.Rows) error {
		if err := r.Scan(&row); err != nil {
			return err
		}
		f := fields{s: row}
		repo, number, at := f.next(), int(f.int()), parseBytes(f.next())
		if err := f.done(); err != nil {
			return fmt.Errorf("review: %w", err)
		}
		k, ok := slices.BinarySearchFunc(fresh, RollupPR{Repo: repo, Number: number}, comparePRs)
		if ok && !at.IsZero() {
			if p := &fresh[k]; p.FirstReview.IsZero() || at.Before(p.FirstReview) {
				p.FirstReview = at
			}
		}
		return nil
	}, arg)
	if err != nil {
		return err
	}
	placePRs(d, refs, fresh)

	// The Jira keys: distinct (repo, number, key) triples, as LoadRollup reads them (in no
	// particular order). Those of refs that are still stored stay where they are; the others
	// are dropped, and new ones appended.
	var now []cairn.PRIssueLink
	err = each(ctx, tx, `SELECT DISTINCT repo, number, issue_key FROM pr_issue_links WHERE `+inRefs, func(r *sql.Rows) error {
		var l cairn.PRIssueLink
		if err := r.Scan(&l.Repo, &l.Number, &l.IssueKey); err != nil {
			return err
		}
		now = append(now, l)
		return nil
	}, arg)
	if err != nil {
		return err
	}
	d.PRLinks = patchPRLinks(d.PRLinks, refs, now)
	return nil
}

// placePRs puts the fresh rows of refs (sorted) into d.PRs, in order: each over its old row,
// new ones inserted in place (the slice grows by their number), when none of refs is gone (the
// usual case: edits and new pull requests); else the rows not named and the fresh ones are
// merged into a new slice.
func placePRs(d *RollupData, refs []PRRef, fresh []RollupPR) {
	if len(fresh) == len(refs) {
		n, k := len(d.PRs), 0
		at := make([]int, len(fresh))
		for i := range fresh {
			if at[i] = d.prIndex(fresh[i].Repo, fresh[i].Number); at[i] < 0 {
				k++
			} else {
				d.PRs[at[i]] = fresh[i]
			}
		}
		if k == 0 {
			return
		}
		// Merge the new rows in from the end: each old row moves up by the new rows after it.
		d.PRs = slices.Grow(d.PRs, k)[:n+k]
		src, j := n-1, len(fresh)-1
		for dst := n + k - 1; k > 0; dst-- {
			for j >= 0 && at[j] >= 0 {
				j--
			}
			if src >= 0 && comparePRs(d.PRs[src], fresh[j]) > 0 {
				d.PRs[dst] = d.PRs[src]
				src--
				continue
			}
			d.PRs[dst] = fresh[j]
			j--
			k--
		}
		return
	}
	gone := make(map[PRRef]bool, len(refs))
	for _, r := range refs {
		gone[r] = true
	}
	out := make([]RollupPR, 0, len(d.PRs)+len(fresh))
	j := 0
	for i := range d.PRs {
		p := &d.PRs[i]
		for j < len(fresh) && comparePRs(fresh[j], *p) < 0 {
			out = append(out, fresh[j])
			j++
		}
		if !gone[PRRef{p.Repo, p.Number}] {
			out = append(out, *p)
		}
	}
	d.PRs = append(out, fresh[j:]...)
}

// patchPRLinks brings links up to date for refs, whose links are now: it keeps those still
// stored where they are, drops the others (compacting the slice in place) and appends the new.
func patchPRLinks(links []cairn.PRIssueLink, refs []PRRef, now []cairn.PRIssueLink) []cairn.PRIssueLink {
	numbers := make(map[int]bool, len(refs)) // a cheap first test: most links are of other PRs
	named := make(map[PRRef]bool, len(refs))
	for _, r := range refs {
		numbers[r.Number], named[r] = true, true
	}
	want := make(map[cairn.PRIssueLink]bool, len(now))
	for _, l := range now {
		want[l] = true
	}
	kept := map[cairn.PRIssueLink]bool{}
	out := links[:0]
	for _, l := range links {
		if numbers[l.Number] && named[PRRef{l.Repo, l.Number}] {
			if !want[l] || kept[l] {
				continue
			}
			kept[l] = true
		}
		out = append(out, l)
	}
	clear(links[len(out):]) // no strings held past the end
	for _, l := range now {
		if !kept[l] {
			out = append(out, l)
			kept[l] = true
		}
	}
	return out
}

// patchGitHubIssues replaces the GitHub issues of ids by what is stored now, in id order.
func patchGitHubIssues(ctx context.Context, tx *sql.Tx, d *RollupData, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var freshIDs []int64
	var fresh []RollupGitHubIssue
	err := scanGitHubIssues(ctx, tx, `deleted_at IS NULL AND id `+inIDs, []any{jsonInts(ids)}, func(id int64, g RollupGitHubIssue) {
		freshIDs = append(freshIDs, id)
		fresh = append(fresh, g)
	})
	if err != nil {
		return err
	}
	gone := make(map[int64]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
	}
	out := make([]RollupGitHubIssue, 0, len(d.GitHubIssues)+len(fresh))
	outIDs := make([]int64, 0, cap(out))
	j := 0
	for i, id := range d.ghIDs {
		for j < len(fresh) && freshIDs[j] < id {
			out, outIDs = append(out, fresh[j]), append(outIDs, freshIDs[j])
			j++
		}
		if !gone[id] {
			out, outIDs = append(out, d.GitHubIssues[i]), append(outIDs, id)
		}
	}
	d.GitHubIssues, d.ghIDs = append(out, fresh[j:]...), append(outIDs, freshIDs[j:]...)
	return nil
}
