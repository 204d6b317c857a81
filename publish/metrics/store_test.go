package metrics

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
)

func openStore(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func saveReport(t testing.TB, db *store.DB, r *rollup.Report) {
	t.Helper()
	body, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveReport(context.Background(), r.AsOf, r.Week, body); err != nil {
		t.Fatal(err)
	}
}

// countingStore counts the full reads of a StoredReports.
type countingStore struct {
	StoredReports
	mu    sync.Mutex // the handler reads in the background
	reads int
}

func (s *countingStore) LatestReport(ctx context.Context) (*rollup.Report, error) {
	s.mu.Lock()
	s.reads++
	s.mu.Unlock()
	return s.StoredReports.LatestReport(ctx)
}

func (s *countingStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// With a store, the collector decodes a report once and again only when a newer one is saved,
// however old the cache is.
func TestStoredReportsDecodeOnlyNewReports(t *testing.T) {
	db := openStore(t)
	src := &countingStore{StoredReports: StoredReports{DB: db}}
	clock := newClock(goldenNow)
	c := New(src, Options{Now: clock.Now, MaxAge: time.Second})
	up := onlyUp(c)

	if got := testutil.ToFloat64(up); got != 0 {
		t.Fatalf("empty store: cairn_rollup_up %v, want 0", got)
	}
	if n := testutil.CollectAndCount(c, "cairn_milestone_items"); n != 0 {
		t.Errorf("empty store: %d item series, want none", n)
	}

	first := testReport(goldenNow)
	saveReport(t, db, first)
	for range 3 {
		clock.Advance(time.Hour) // MaxAge does not apply: the version says nothing changed
		if got := testutil.ToFloat64(up); got != 1 {
			t.Fatalf("cairn_rollup_up %v, want 1", got)
		}
	}
	if src.reads != 1 {
		t.Errorf("three scrapes of one stored report: %d reads, want 1", src.reads)
	}

	next := testReport(goldenNow.Add(15 * time.Minute))
	next.Programs = next.Programs[1:] // checkout dropped from the config
	saveReport(t, db, next)
	if n := testutil.CollectAndCount(c, "cairn_milestone_items"); n != 3 {
		t.Errorf("after a newer report: %d item series, want the 3 of platform's one milestone", n)
	}
	if src.reads != 2 {
		t.Errorf("after a newer report: %d reads, want 2", src.reads)
	}
}
