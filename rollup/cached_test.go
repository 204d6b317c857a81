package rollup

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// TestCachedReports: the latest report is decoded once and shared, by concurrent callers too,
// until a newer one is stored; none stored is cairn.ErrNotFound.
func TestCachedReports(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := &CachedReports{Reports: Reports{DB: db}}
	if _, err := c.LatestReport(ctx); !errors.Is(err, cairn.ErrNotFound) {
		t.Fatalf("no report: %v, want ErrNotFound", err)
	}
	save := func(asOf time.Time) {
		t.Helper()
		body, err := encodeReport(&Report{AsOf: asOf, Week: ISOWeek(asOf)})
		if err == nil {
			_, err = db.SaveReport(ctx, asOf, ISOWeek(asOf), body)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	first := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	save(first)
	got := make([]*Report, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			r, err := c.LatestReport(ctx)
			if err != nil {
				t.Error(err)
			}
			got[i] = r
		})
	}
	wg.Wait()
	for i, r := range got {
		if r == nil || r != got[0] || !r.AsOf.Equal(first) {
			t.Fatalf("caller %d: %p (as of %v), want the one report of %v every caller shares (%p)", i, r, r.AsOf, first, got[0])
		}
	}
	save(first.Add(time.Hour))
	next, err := c.LatestReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if next == got[0] || !next.AsOf.Equal(first.Add(time.Hour)) {
		t.Errorf("after a newer report: as of %v (same pointer: %v), want the newer one", next.AsOf, next == got[0])
	}
	if again, _ := c.LatestReport(ctx); again != next {
		t.Errorf("the newer report was decoded again")
	}
}
