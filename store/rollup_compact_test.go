package store

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
)

// TestIssueTableRoundTrip: issues converted to the compact table and back are the same issues
// (UTC times, as loaded), with the edge cases: zero times, nanoseconds, no lists, shared and
// long lists, other categories, many status changes at one instant (their order kept).
func TestIssueTableRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cats := []cairn.StatusCategory{"", cairn.CategoryNew, cairn.CategoryIndeterminate, cairn.CategoryDone, "undefined"}
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	var issues []RollupIssue
	for i := range 500 {
		is := RollupIssue{ID: int64(10 + 3*i), Key: fmt.Sprintf("P-%d", i), Project: pick("P", "Q"),
			Type: pick("Story", "Bug", ""), Subtask: rng.IntN(5) == 0, Summary: pick("", "fix <it> & \"that\"", "ünïcode ✓"),
			Status: pick("To Do", "Done", ""), Category: cats[rng.IntN(len(cats))], Assignee: pick("", "ann", "bob"),
			Priority: pick("", "Blocker"), Labels: [][]string{nil, {"a"}, {"a", "b"}}[rng.IntN(3)],
			Components: [][]string{nil, {"api"}}[rng.IntN(2)], EpicKey: pick("", "P-1"), ParentKey: pick("", "P-2"),
			Flagged: rng.IntN(3) == 0, Created: base.Add(time.Duration(rng.Int64N(1e15))),
			Updated: base.Add(time.Duration(rng.IntN(1000)) * time.Hour)}
		if rng.IntN(2) == 0 {
			is.Points, is.Estimated = float64(rng.IntN(13))+0.1, true
		}
		if rng.IntN(2) == 0 {
			is.Resolved = base.Add(time.Duration(rng.Int64N(1e15)))
		}
		for range rng.IntN(3) {
			is.VersionIDs = append(is.VersionIDs, rng.Int64N(50))
		}
		for range rng.IntN(3) {
			is.SprintIDs = append(is.SprintIDs, rng.Int64N(50))
		}
		at := base.Add(time.Duration(rng.IntN(100)) * time.Hour)
		for k := range rng.IntN(6) {
			if rng.IntN(2) == 0 {
				at = at.Add(time.Duration(rng.IntN(1e9)))
			}
			is.Transitions = append(is.Transitions, RollupTransition{At: at, From: cats[k%len(cats)], To: cats[(k+1)%len(cats)]})
		}
		issues = append(issues, is)
	}
	back := NewIssueTable(issues).Expand()
	if len(back) != len(issues) {
		t.Fatalf("%d issues back, want %d", len(back), len(issues))
	}
	for i := range issues {
		if !reflect.DeepEqual(back[i], issues[i]) {
			t.Fatalf("issue %d:\n got %+v\nwant %+v", i, back[i], issues[i])
		}
	}
	tbl := NewIssueTable(issues)
	for i, is := range issues {
		if k := tbl.index(is.ID); k != i {
			t.Fatalf("index(%d) = %d, want %d", is.ID, k, i)
		}
		if k := tbl.index(is.ID + 1); k != -1 {
			t.Fatalf("index(%d) = %d, want -1", is.ID+1, k)
		}
	}
	if s := StampOf(time.Time{}); !s.IsZero() || !s.Time().IsZero() || s.Time() != (time.Time{}) {
		t.Errorf("zero time's stamp %+v gives %v", s, s.Time())
	}
}
