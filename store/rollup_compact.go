package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
)

// A million Jira issues are held at once by a rollup. As []RollupIssue they took 550 bytes
// each (a 392-byte struct of strings, slices and time.Time values, its key and summary, two
// 56-byte status changes), and every one of their pointers was scanned by each collection.
// IssueTable holds them in about 220 bytes with two pointers: repeated strings and lists as
// indexes into shared tables, times as Stamps, version, sprint and status change lists as
// ranges of flat arrays. LoadRollup fills it; RollupData.Issues, the expanded form, stays for
// tests and other readers (LoadRollupData, Expand, NewIssueTable convert).

// Stamp is an instant as Unix seconds and nanoseconds: 16 bytes without a pointer where a
// time.Time has a *Location. The zero time's Stamp gives the zero time back.
type Stamp struct {
	Sec  int64
	Nsec int32
}

// StampOf returns t's Stamp.
func StampOf(t time.Time) Stamp { return Stamp{t.Unix(), int32(t.Nanosecond())} }

// Time returns the instant in UTC (the zero time for the zero time's Stamp).
func (s Stamp) Time() time.Time { return time.Unix(s.Sec, int64(s.Nsec)).UTC() }

// IsZero reports whether s is the zero time's Stamp.
func (s Stamp) IsZero() bool { return s == zeroStamp }

var zeroStamp = StampOf(time.Time{})

// IssueTable is the Jira issues in compact form, sorted by id.
type IssueTable struct {
	Rows  []IssueRow
	Strs  []string               // interned strings: IssueRow's string indexes; 0 is ""
	Lists [][]string             // interned label and component lists; 0 is nil
	Cats  []cairn.StatusCategory // category codes: IssueRow.Category, IssueTransition
	IDs   []int64                // version and sprint ids: IssueRow's id ranges
	Trans []IssueTransition      // status changes, each issue's oldest first

	strIndex  map[string]uint32
	listIndex map[string]uint32
}

// IssueRow is one Jira issue (see RollupIssue for the fields' meaning).
type IssueRow struct {
	ID                             int64
	Key, Summary                   string
	Created, Updated, Resolved     Stamp
	Points                         float64
	Project, Type, Status          uint32 // Strs
	Assignee, Priority             uint32 // Strs
	EpicKey, ParentKey             uint32 // Strs
	Labels, Components             uint32 // Lists
	Versions, Sprints, Transitions Span   // IDs, IDs, Trans
	Category                       uint8  // Cats
	Subtask, Flagged, Estimated    bool
}

// Span is a range of a flat array.
type Span struct{ Off, N uint32 }

// IssueTransition is one status change; From and To index Cats.
type IssueTransition struct {
	At       Stamp
	From, To uint8
}

func newIssueTable() *IssueTable {
	t := &IssueTable{Strs: []string{""}, Lists: [][]string{nil}, strIndex: map[string]uint32{"": 0},
		listIndex: map[string]uint32{}}
	t.Cats = []cairn.StatusCategory{"", cairn.CategoryNew, cairn.CategoryIndeterminate, cairn.CategoryDone}
	return t
}

// Str returns an interned string.
func (t *IssueTable) Str(i uint32) string { return t.Strs[i] }

// VersionIDs returns r's fix version ids (shared: do not modify).
func (t *IssueTable) VersionIDs(r *IssueRow) []int64 { return t.ids(r.Versions) }

// SprintIDs returns r's sprint ids (shared: do not modify).
func (t *IssueTable) SprintIDs(r *IssueRow) []int64 { return t.ids(r.Sprints) }

func (t *IssueTable) ids(s Span) []int64 {
	if s.N == 0 {
		return nil
	}
	return t.IDs[s.Off : s.Off+s.N : s.Off+s.N]
}

// Transitions returns r's status changes, oldest first (shared: do not modify).
func (t *IssueTable) Transitions(r *IssueRow) []IssueTransition {
	return t.Trans[r.Transitions.Off : r.Transitions.Off+r.Transitions.N : r.Transitions.Off+r.Transitions.N]
}

func (t *IssueTable) strID(s string) uint32 {
	if i, ok := t.strIndex[s]; ok {
		return i
	}
	s = strings.Clone(s) // s may be a substring of a packed row
	t.strIndex[s] = uint32(len(t.Strs))
	t.Strs = append(t.Strs, s)
	return uint32(len(t.Strs) - 1)
}

// listID interns a JSON list column ("[]" and "" are nil).
func (t *IssueTable) listID(s string) uint32 {
	if s == "[]" || s == "" {
		return 0
	}
	if i, ok := t.listIndex[s]; ok {
		return i
	}
	v := ParseJSONList(s)
	for k, e := range v {
		v[k] = t.Strs[t.strID(e)]
	}
	t.listIndex[strings.Clone(s)] = uint32(len(t.Lists))
	t.Lists = append(t.Lists, slices.Clip(v))
	return uint32(len(t.Lists) - 1)
}

// listOf interns a list given as a slice (NewIssueTable).
func (t *IssueTable) listOf(v []string) uint32 {
	if len(v) == 0 {
		return 0
	}
	return t.listID(JSONList(v))
}

func (t *IssueTable) cat(c cairn.StatusCategory) uint8 {
	for i, k := range t.Cats {
		if k == c {
			return uint8(i)
		}
	}
	if len(t.Cats) == 256 { // not a Jira category: 252 distinct ones cannot happen
		return 0
	}
	t.Cats = append(t.Cats, c)
	return uint8(len(t.Cats) - 1)
}

// Index finds an issue's row by id, or -1.
func (t *IssueTable) Index(id int64) int { return t.index(id) }

// index finds an issue by id, or -1.
func (t *IssueTable) index(id int64) int {
	i, ok := slices.BinarySearchFunc(t.Rows, id, func(r IssueRow, id int64) int { return cmp.Compare(r.ID, id) })
	if !ok {
		return -1
	}
	return i
}

// loadIssues reads the live issues from jira_rollup_rows (migration 0008): one narrow row
// each, with its status changes, fix versions and sprints.
func loadIssues(ctx context.Context, tx *sql.Tx) (*IssueTable, error) {
	t := newIssueTable()
	// Capacities: the flat arrays grown by doubling would leave up to half their size unused.
	var n, changes, ids int
	for _, c := range []struct {
		table string
		n     *int
	}{{"jira_rollup_rows", &n}, {"jira_status_changes", &changes}, {"jira_issue_versions", &ids}, {"jira_issue_sprints", &ids}} {
		k, err := rowCount(ctx, tx, c.table)
		if err != nil {
			return nil, err
		}
		*c.n += k
	}
	t.Rows = make([]IssueRow, 0, n)
	t.Trans = make([]IssueTransition, 0, changes)
	t.IDs = make([]int64, 0, ids)
	err := t.scanIssues(ctx, tx, `true`, nil, func(r IssueRow) { t.Rows = append(t.Rows, r) })
	return t, err
}

// scanIssues reads the live issues matching cond (a WHERE clause on issue_id, with args), in id
// order, into rows of t: strings and lists interned in t, status changes and ids appended to
// its flat arrays.
func (t *IssueTable) scanIssues(ctx context.Context, tx *sql.Tx, cond string, args []any, fn func(IssueRow)) error {
	// The scan targets live outside the row callback and are reused for every row: declared
	// inside, each row's would escape to the heap (Scan takes pointers through interfaces).
	var id int64
	var row string
	var points sql.NullFloat64
	dest := []any{&id, &row, &points}
	return each(ctx, tx, `SELECT issue_id, packed, story_points FROM jira_rollup_rows WHERE `+cond+`
		ORDER BY issue_id`, func(r *sql.Rows) error {
		if err := r.Scan(dest...); err != nil {
			return err
		}
		is, err := t.decodeIssue(id, row)
		if err != nil {
			return fmt.Errorf("issue %d: %w", id, err)
		}
		is.Points, is.Estimated = points.Float64, points.Valid
		fn(is)
		return nil
	}, args...)
}

// decodeIssue reads a row packed as jira_rollup_packed packs it.
func (t *IssueTable) decodeIssue(id int64, row string) (IssueRow, error) {
	f := fields{s: row}
	is := IssueRow{ID: id}
	is.Key, is.Summary = clone2(f.next(), f.next())
	is.Project, is.Type, is.Subtask = t.strID(f.next()), t.strID(f.next()), f.bool()
	is.Status, is.Category = t.strID(f.next()), t.cat(category(f.next()))
	is.Assignee, is.Priority = t.strID(f.next()), t.strID(f.next())
	is.Labels, is.Components = t.listID(f.next()), t.listID(f.next())
	is.EpicKey, is.ParentKey, is.Flagged = t.strID(f.next()), t.strID(f.next()), f.bool()
	is.Created, is.Updated, is.Resolved = StampOf(parseBytes(f.next())), StampOf(parseBytes(f.next())), StampOf(parseBytes(f.next()))
	// Status changes, oldest first; changes at the same instant in table order.
	is.Transitions = Span{Off: uint32(len(t.Trans))}
	for list := (fields{s: f.next()}); list.s != "" && list.err == nil; {
		at := StampOf(parseBytes(list.next()))
		from, to := t.cat(category(list.next())), t.cat(category(list.next()))
		t.Trans = append(t.Trans, IssueTransition{At: at, From: from, To: to})
		is.Transitions.N++
		if list.err != nil {
			f.err = list.err
		}
	}
	if tr := t.Transitions(&is); len(tr) > 1 {
		slices.SortStableFunc(tr, func(a, b IssueTransition) int {
			if c := cmpInt(a.At.Sec, b.At.Sec); c != 0 {
				return c
			}
			return cmpInt(a.At.Nsec, b.At.Nsec)
		})
	}
	for _, s := range []*Span{&is.Versions, &is.Sprints} {
		for list := (fields{s: f.next()}); list.s != "" && list.err == nil; {
			t.appendID(s, list.int())
			if list.err != nil {
				f.err = list.err
			}
		}
	}
	return is, f.done()
}

func cmpInt[T int64 | int32](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// appendID adds id to the list s of one issue, whose ids arrive together: a flat array, each
// list one range.
func (t *IssueTable) appendID(s *Span, id int64) {
	if s.N == 0 {
		s.Off = uint32(len(t.IDs))
	}
	t.IDs = append(t.IDs, id)
	s.N++
}

// NewIssueTable returns the compact form of issues, which must be sorted by id (as loaded).
func NewIssueTable(issues []RollupIssue) *IssueTable {
	t := newIssueTable()
	t.Rows = make([]IssueRow, len(issues))
	for i := range issues {
		is := &issues[i]
		r := IssueRow{ID: is.ID, Key: is.Key, Summary: is.Summary, Created: StampOf(is.Created),
			Updated: StampOf(is.Updated), Resolved: StampOf(is.Resolved), Points: is.Points,
			Project: t.strID(is.Project), Type: t.strID(is.Type), Status: t.strID(is.Status),
			Assignee: t.strID(is.Assignee), Priority: t.strID(is.Priority), EpicKey: t.strID(is.EpicKey),
			ParentKey: t.strID(is.ParentKey), Labels: t.listOf(is.Labels), Components: t.listOf(is.Components),
			Category: t.cat(is.Category), Subtask: is.Subtask, Flagged: is.Flagged, Estimated: is.Estimated}
		for _, v := range is.VersionIDs {
			t.appendID(&r.Versions, v)
		}
		for _, s := range is.SprintIDs {
			t.appendID(&r.Sprints, s)
		}
		r.Transitions = Span{Off: uint32(len(t.Trans)), N: uint32(len(is.Transitions))}
		for _, tr := range is.Transitions {
			t.Trans = append(t.Trans, IssueTransition{At: StampOf(tr.At), From: t.cat(tr.From), To: t.cat(tr.To)})
		}
		t.Rows[i] = r
	}
	return t
}

// Expand returns the issues as []RollupIssue (lists shared with t and clipped).
func (t *IssueTable) Expand() []RollupIssue {
	out := make([]RollupIssue, len(t.Rows))
	all := make([]RollupTransition, len(t.Trans))
	for i := range t.Rows {
		r := &t.Rows[i]
		is := RollupIssue{ID: r.ID, Key: r.Key, Project: t.Strs[r.Project], Type: t.Strs[r.Type],
			Subtask: r.Subtask, Summary: r.Summary, Status: t.Strs[r.Status], Category: t.Cats[r.Category],
			Assignee: t.Strs[r.Assignee], Priority: t.Strs[r.Priority], Labels: t.Lists[r.Labels],
			Components: t.Lists[r.Components], Points: r.Points, Estimated: r.Estimated,
			EpicKey: t.Strs[r.EpicKey], ParentKey: t.Strs[r.ParentKey], Flagged: r.Flagged,
			Created: r.Created.Time(), Updated: r.Updated.Time(), Resolved: r.Resolved.Time(),
			VersionIDs: t.VersionIDs(r), SprintIDs: t.SprintIDs(r)}
		if s := r.Transitions; s.N > 0 {
			is.Transitions = all[s.Off : s.Off+s.N : s.Off+s.N]
			for k, tr := range t.Transitions(r) {
				is.Transitions[k] = RollupTransition{At: tr.At.Time(), From: t.Cats[tr.From], To: t.Cats[tr.To]}
			}
		}
		out[i] = is
	}
	return out
}
