package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"

	"github.com/cairn-dev/cairn"
)

// jira_rollup_rows (migration 0008) holds, per live Jira issue, what the rollup reads of it,
// packed into one text value: the full load reads that narrow table instead of jira_issues
// (whose rows carry the raw JSON) and three tables of a few million rows. The view
// jira_rollup_packed defines the packing over the stored rows; the page writer packs the same
// bytes in Go from the values it stores (packRollupRow), and the rare writes that change an
// issue's rows otherwise repack it from the view (repackRollupRows) or drop it
// (MarkJiraDeleted). TestCaptureCoversEveryWrite holds the table to the view after every kind
// of write.

// rollupRowsUpsert is the page writer's batch into jira_rollup_rows.
const rollupRowsUpsert = `INSERT INTO jira_rollup_rows (issue_id, packed, story_points) VALUES `

// packRollupRow appends is packed as jira_rollup_packed packs its stored rows. created and
// updated are the issue's times as stored (FormatTime), which the caller has at hand.
func packRollupRow(b []byte, is *cairn.Issue, created, updated string) []byte {
	resolved := ""
	if !is.Resolved.IsZero() {
		resolved = FormatTime(is.Resolved)
	}
	for _, s := range []string{is.Key, is.Summary, is.ProjectKey, is.IssueType, boolText(is.Subtask), is.Status,
		jiraCategory(is.StatusCategory), is.Assignee, is.Priority, JSONList(is.Labels), JSONList(is.Components),
		is.EpicKey, is.ParentKey, boolText(is.Flagged), created, updated, resolved} {
		b = appendPacked(b, s)
	}
	// The status changes as the table keeps them: one row per history id, where the first
	// occurrence was inserted and later ones update it (ON CONFLICT DO UPDATE).
	var list []byte
	first := make(map[string]int, len(is.Transitions))
	order := make([]int, 0, len(is.Transitions))
	for i, t := range is.Transitions {
		if k, ok := first[t.HistoryID]; ok {
			order[k] = i
			continue
		}
		first[t.HistoryID] = len(order)
		order = append(order, i)
	}
	for _, i := range order {
		t := &is.Transitions[i]
		list = appendPacked(list, FormatTime(t.At))
		list = appendPacked(list, string(t.FromCategory))
		list = appendPacked(list, string(t.ToCategory))
	}
	b = appendPacked(b, string(list))
	b = appendIDList(b, is.FixVersionIDs)
	return appendIDList(b, is.SprintIDs)
}

// appendIDList appends ids as one field of packed decimal ids, sorted and without repeats
// (the table's primary key keeps one row each; the view lists them in order).
func appendIDList(b []byte, ids []int64) []byte {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var list []byte
	for _, id := range ids {
		list = appendPacked(list, strconv.FormatInt(id, 10))
	}
	return appendPacked(b, string(list))
}

// appendPacked appends s as one packed field: "<byte length>:<bytes>".
func appendPacked(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

func boolText(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

// repackRollupRows packs the rows of ids again from what is stored (jira_rollup_packed), for
// writes that change an issue's columns outside the page writer.
func repackRollupRows(ctx context.Context, tx *sql.Tx, ids []int64) error {
	return execIn(ctx, tx, `INSERT OR REPLACE INTO jira_rollup_rows (issue_id, packed, story_points)
		SELECT issue_id, packed, story_points FROM jira_rollup_packed WHERE issue_id IN (?)`, anyIDs(ids))
}

func anyIDs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// RepackJiraRollupRows packs the rollup row of every live Jira issue again from its stored
// rows, and drops the others: for Jira rows written by SQL outside the store's methods (tests,
// imports, repairs by hand), which the rollup would not see otherwise.
func (db *DB) RepackJiraRollupRows(ctx context.Context) error {
	return db.Update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM jira_rollup_rows`); err != nil {
			return fmt.Errorf("repack jira rollup rows: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO jira_rollup_rows (issue_id, packed, story_points)
			SELECT issue_id, packed, story_points FROM jira_rollup_packed`); err != nil {
			return fmt.Errorf("repack jira rollup rows: %w", err)
		}
		return nil
	})
}
