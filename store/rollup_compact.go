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

func loadIssues(ctx context.Context, tx *sql.Tx) (*IssueTable, error) {
	t := newIssueTable()
	n, err := rowCount(ctx, tx, "jira_issues")
	if err != nil {
		return nil, err
	}
	t.Rows = make([]IssueRow, 0, n)
	err = t.scanIssues(ctx, tx, `deleted_at IS NULL`, nil, func(r IssueRow) { t.Rows = append(t.Rows, r) })
	return t, err
}

// scanIssues reads the issues matching cond (a WHERE clause with args), in id order, into
// rows of t (its strings and lists interned in t).
func (t *IssueTable) scanIssues(ctx context.Context, tx *sql.Tx, cond string, args []any, fn func(IssueRow)) error {
	// The scan targets live outside the row callback and are reused for every row: declared
	// inside, each row's would escape to the heap (Scan takes pointers through interfaces).
	// The text columns come packed in one value (see packSQL); story points stay a REAL
	// column, since REAL to text is not exact.
	var id int64
	var row string
	var points sql.NullFloat64
	dest := []any{&id, &row, &points}
	return each(ctx, tx, `SELECT id, `+packSQL("key", "summary", "project_key", "issue_type", "subtask",
		"status", "status_category", "assignee", "priority", "labels", "components", "epic_key",
		"parent_key", "flagged", "created_at", "updated_at", "resolved_at")+`, story_points
		FROM jira_issues WHERE `+cond+` ORDER BY id`, func(r *sql.Rows) error {
		if err := r.Scan(dest...); err != nil {
			return err
		}
		f := fields{s: row}
		is := IssueRow{ID: id}
		is.Key, is.Summary = clone2(f.next(), f.next())
		is.Project, is.Type, is.Subtask = t.strID(f.next()), t.strID(f.next()), f.bool()
		is.Status, is.Category = t.strID(f.next()), t.cat(category(f.next()))
		is.Assignee, is.Priority = t.strID(f.next()), t.strID(f.next())
		is.Labels, is.Components = t.listID(f.next()), t.listID(f.next())
		is.EpicKey, is.ParentKey, is.Flagged = t.strID(f.next()), t.strID(f.next()), f.bool()
		is.Created, is.Updated, is.Resolved = StampOf(parseBytes(f.next())), StampOf(parseBytes(f.next())), StampOf(parseBytes(f.next()))
		is.Points, is.Estimated = points.Float64, points.Valid
		if err := f.done(); err != nil {
			return fmt.Errorf("issue %d: %w", id, err)
		}
		fn(is)
		return nil
	}, args...)
}

// pendingTransition is a status change read before its issue is known (the issues are read
// at the same time): 32 bytes, a million issues have millions of changes.
type pendingTransition struct {
	issueID  int64
	at       Stamp
	from, to uint8
}

// transitionColumns are the status change's columns in a packed row, for transition.
var transitionColumns = packSQL("issue_id", "at", "from_category", "to_category")

// transition decodes a status change packed as transitionColumns, with its categories coded
// in t.
func (t *IssueTable) transition(row string) (pendingTransition, error) {
	f := fields{s: row}
	p := pendingTransition{issueID: f.int(), at: StampOf(parseBytes(f.next())),
		from: t.cat(category(f.next())), to: t.cat(category(f.next()))}
	if err := f.done(); err != nil {
		return p, fmt.Errorf("status change: %w", err)
	}
	return p, nil
}

// pendingChunk is status changes read, with the category codes of their reader (which runs
// beside the issues' reader, with codes of its own).
type pendingChunk struct {
	changes []pendingTransition
	cats    []cairn.StatusCategory
}

func loadTransitions(ctx context.Context, tx *sql.Tx) (pendingChunk, error) {
	// A table scan (no ORDER BY): the primary key index does not cover the columns, so reading
	// in its order would cost a lookup per row. attachTransitions sorts each issue's list.
	n, err := rowCount(ctx, tx, "jira_status_changes")
	if err != nil {
		return pendingChunk{}, err
	}
	pending := make([]pendingTransition, 0, n)
	codes := newIssueTable() // only its Cats
	var row string           // issue_id, at, from and to categories, packed (see packSQL)
	dest := []any{&row}
	err = each(ctx, tx, `SELECT `+transitionColumns+`
		FROM jira_status_changes`, func(r *sql.Rows) error {
		if err := r.Scan(dest...); err != nil {
			return err
		}
		p, err := codes.transition(row)
		if err != nil {
			return err
		}
		pending = append(pending, p)
		return nil
	})
	return pendingChunk{pending, codes.Cats}, err
}

// attachTransitions gives each issue its status changes, oldest first (changes at the same
// instant in the order read).
func (t *IssueTable) attachTransitions(chunks ...pendingChunk) {
	counts := make([]uint32, len(t.Rows))
	idx := make([][]int32, len(chunks))
	for c, ch := range chunks {
		idx[c] = make([]int32, len(ch.changes))
		last, li := int64(-1), -1
		for k, p := range ch.changes {
			if p.issueID != last {
				// The table is mostly in the order its issues were stored, often id order:
				// try the next issue before searching.
				if li+1 < len(t.Rows) && li >= 0 && t.Rows[li+1].ID == p.issueID {
					li++
				} else {
					li = t.index(p.issueID)
				}
				last = p.issueID
			}
			idx[c][k] = int32(li)
			if li >= 0 {
				counts[li]++
			}
		}
	}
	off := uint32(0)
	for i, n := range counts {
		t.Rows[i].Transitions = Span{Off: off}
		off += n
	}
	t.Trans = make([]IssueTransition, off)
	for c, ch := range chunks {
		remap := make([]uint8, len(ch.cats))
		for i, cat := range ch.cats {
			remap[i] = t.cat(cat)
		}
		for k, p := range ch.changes {
			if i := idx[c][k]; i >= 0 {
				s := &t.Rows[i].Transitions
				t.Trans[s.Off+s.N] = IssueTransition{At: p.at, From: remap[p.from], To: remap[p.to]}
				s.N++
			}
		}
	}
	for i := range t.Rows {
		if tr := t.Transitions(&t.Rows[i]); len(tr) > 1 {
			slices.SortStableFunc(tr, func(a, b IssueTransition) int {
				if c := cmpInt(a.At.Sec, b.At.Sec); c != 0 {
					return c
				}
				return cmpInt(a.At.Nsec, b.At.Nsec)
			})
		}
	}
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

// loadPairs reads the (issue id, col) pairs of table in issue order, for attachIDs.
func loadPairs(ctx context.Context, tx *sql.Tx, col, table string) ([][2]int64, error) {
	n, err := rowCount(ctx, tx, table)
	if err != nil {
		return nil, err
	}
	out := make([][2]int64, 0, n)
	var id, v int64
	dest := []any{&id, &v}
	err = each(ctx, tx, `SELECT issue_id, `+col+` FROM `+table+` ORDER BY issue_id, `+col, func(r *sql.Rows) error {
		if err := r.Scan(dest...); err != nil {
			return err
		}
		out = append(out, [2]int64{id, v})
		return nil
	})
	return out, err
}

// appendID adds id to the list s of one issue, whose ids arrive together (pairs in issue
// order): a flat array, each list one range.
func (t *IssueTable) appendID(s *Span, id int64) {
	if s.N == 0 {
		s.Off = uint32(len(t.IDs))
	}
	t.IDs = append(t.IDs, id)
	s.N++
}

// attachIDs gives each issue the ids of pairs (in issue order) as the list span picks: one
// walk along both, which are in id order.
func (t *IssueTable) attachIDs(pairs [][2]int64, span func(*IssueRow) *Span) {
	r := 0
	for _, p := range pairs {
		for r < len(t.Rows) && t.Rows[r].ID < p[0] {
			r++
		}
		if r == len(t.Rows) {
			return
		}
		if t.Rows[r].ID == p[0] {
			t.appendID(span(&t.Rows[r]), p[1])
		}
	}
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
