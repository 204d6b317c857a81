package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cairn-dev/cairn"
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
	// The fresh rows' status changes and ids go at the end of the flat arrays.
	var fresh []IssueRow
	if err := t.scanIssues(ctx, tx, `issue_id `+inIDs, []any{jsonInts(ids)}, func(r IssueRow) { fresh = append(fresh, r) }); err != nil {
		return err
	}
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
	gone := setOf(ids)
	t.Rows = mergeFresh(t.Rows, fresh, func(r *IssueRow) bool { return gone[r.ID] },
		func(a, b *IssueRow) bool { return a.ID < b.ID })
	return nil
}

// mergeFresh returns rows without those gone, with fresh (in the rows' order, which before
// defines) merged in where they belong: the patch of a sorted list where rows went or
// arrived in the middle.
func mergeFresh[T any](rows, fresh []T, gone func(*T) bool, before func(a, b *T) bool) []T {
	out := make([]T, 0, len(rows)+len(fresh))
	j := 0
	for i := range rows {
		r := &rows[i]
		for j < len(fresh) && before(&fresh[j], r) {
			out = append(out, fresh[j])
			j++
		}
		if !gone(r) {
			out = append(out, *r)
		}
	}
	return append(out, fresh[j:]...)
}

// setOf returns the set of keys.
func setOf[K comparable](keys []K) map[K]bool {
	set := make(map[K]bool, len(keys))
	for _, k := range keys {
		set[k] = true
	}
	return set
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
	gone := setOf(ids)
	d.Links = mergeFresh(d.Links, fresh, func(l *cairn.IssueLink) bool { return gone[l.ID] },
		func(a, b *cairn.IssueLink) bool { return a.ID < b.ID })
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
	gone := setOf(refs)
	d.PRs = mergeFresh(d.PRs, fresh, func(p *RollupPR) bool { return gone[PRRef{p.Repo, p.Number}] },
		func(a, b *RollupPR) bool { return comparePRs(*a, *b) < 0 })
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
