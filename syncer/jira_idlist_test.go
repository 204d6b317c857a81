package syncer

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIDList checks that a listing's ids come back as added, in order, whatever the steps
// between them (moved issues list out of order; ids may be far apart), and that the usual
// case, ids close together, takes a byte or two each.
func TestIDList(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string][]int64{
		"empty":     {},
		"extremes":  {1, math.MaxInt64, 1, math.MaxInt64 - 1, 10000, 0},
		"ascending": nil,
		"shuffled":  nil,
	}
	for i := range 5000 {
		cases["ascending"] = append(cases["ascending"], 10000+int64(i)*40+rng.Int64N(40))
	}
	cases["shuffled"] = slices.Clone(cases["ascending"])
	rng.Shuffle(len(cases["shuffled"]), func(i, j int) {
		cases["shuffled"][i], cases["shuffled"][j] = cases["shuffled"][j], cases["shuffled"][i]
	})
	for name, ids := range cases {
		var l idList
		for _, id := range ids {
			l.add(id)
		}
		got := l.ids()
		if got == nil || !slices.Equal(got, ids) {
			t.Errorf("%s: got %d ids back, want the %d added in order", name, len(got), len(ids))
		}
		if name == "ascending" && len(l.b) > 2*len(ids) {
			t.Errorf("ascending: %d bytes for %d ids, want at most two each", len(l.b), len(ids))
		}
	}
}
