package store

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cairn-dev/cairn"
)

// TestPlacePRs: fresh rows go over their old ones, new ones are merged in where a full load
// puts them (before, between and after the others, several in a row), and with a row gone the
// others are merged into a new slice.
func TestPlacePRs(t *testing.T) {
	pr := func(repo string, n int, title string) RollupPR { return RollupPR{Repo: repo, Number: n, Title: title} }
	base := func() *RollupData {
		return &RollupData{PRs: []RollupPR{pr("a/x", 2, ""), pr("a/x", 5, ""), pr("b/y", 1, ""), pr("b/y", 9, "")}}
	}
	refsOf := func(prs []RollupPR) []PRRef {
		var out []PRRef
		for _, p := range prs {
			out = append(out, PRRef{p.Repo, p.Number})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		refs  []PRRef // nil: those of fresh
		fresh []RollupPR
		want  []string
	}{
		{"edits", nil, []RollupPR{pr("a/x", 5, "e"), pr("b/y", 9, "e")}, []string{"a/x#2", "a/x#5e", "b/y#1", "b/y#9e"}},
		{"new anywhere", nil, []RollupPR{pr("a/a", 1, "n"), pr("a/x", 3, "n"), pr("a/x", 4, "n"), pr("a/x", 5, "e"),
			pr("b/y", 10, "n"), pr("c/z", 1, "n")},
			[]string{"a/a#1n", "a/x#2", "a/x#3n", "a/x#4n", "a/x#5e", "b/y#1", "b/y#9", "b/y#10n", "c/z#1n"}},
		{"one gone, one new", []PRRef{{"a/x", 3}, {"b/y", 1}}, []RollupPR{pr("a/x", 3, "n")},
			[]string{"a/x#2", "a/x#3n", "a/x#5", "b/y#9"}},
	} {
		d := base()
		refs := tc.refs
		if refs == nil {
			refs = refsOf(tc.fresh)
		}
		placePRs(d, refs, tc.fresh)
		var got []string
		for _, p := range d.PRs {
			got = append(got, fmt.Sprintf("%s#%d%s", p.Repo, p.Number, p.Title))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		if k := d.prIndex("b/y", 9); k < 0 || d.PRs[k].Number != 9 {
			t.Errorf("%s: b/y#9 not found after the patch", tc.name)
		}
	}
}

// TestPatchPRLinks: the links of the named PRs still stored stay where they are, the others
// go, new ones are appended once; other PRs' links (the same number in another repo included)
// are untouched.
func TestPatchPRLinks(t *testing.T) {
	l := func(repo string, n int, key string) cairn.PRIssueLink {
		return cairn.PRIssueLink{Repo: repo, Number: n, IssueKey: key}
	}
	links := []cairn.PRIssueLink{l("a/x", 1, "P-1"), l("b/y", 1, "P-2"), l("a/x", 1, "P-3"), l("a/x", 2, "P-4"), l("b/y", 3, "P-5")}
	now := []cairn.PRIssueLink{l("a/x", 1, "P-3"), l("a/x", 1, "P-6"), l("a/x", 7, "P-7"), l("a/x", 7, "P-7")}
	got := patchPRLinks(links, []PRRef{{"a/x", 1}, {"a/x", 7}, {"b/y", 3}}, now)
	want := []cairn.PRIssueLink{l("b/y", 1, "P-2"), l("a/x", 1, "P-3"), l("a/x", 2, "P-4"), l("a/x", 1, "P-6"), l("a/x", 7, "P-7")}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
