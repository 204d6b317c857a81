package pages_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/cairn-dev/cairn/publish/metrics"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
)

// storedSource is the service's source: the stored reports, and their version from one row.
type storedSource struct{ rollup.Reports }

func (s storedSource) LatestReportVersion(ctx context.Context) (string, error) {
	return metrics.StoredReports{DB: s.DB}.LatestReportVersion(ctx)
}

// BenchmarkHandler serves the 40-milestone program's page (182 days of snapshots per
// milestone) from SQLite, as `cairn serve` does. uncached: every request reads and decodes the
// report, the week before and the snapshots, and renders (the handler before the cache);
// cached: the report version is checked (one row) and the page rendered once.
//
// On the 2-core Xeon, load average about 2 (go test -bench Handler -benchmem ./publish/pages),
// a 433 KB page:
//
//	BenchmarkHandler/uncached: 76-79 ms/op, 20 MB, 160 000 allocs/op
//	BenchmarkHandler/cached:   0.57-0.60 ms/op, 0.45 MB, 130 allocs/op (the version row and a copy)
func BenchmarkHandler(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "cairn.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	in := bigInputs()
	for _, r := range []*rollup.Report{in.Previous, in.Report} {
		body, err := json.Marshal(r)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.SaveReport(ctx, r.AsOf, r.Week, body); err != nil {
			b.Fatal(err)
		}
	}
	var rows []store.SnapshotRow
	for _, s := range in.Snapshots {
		rows = append(rows, store.SnapshotRow{Program: s.Program, Milestone: s.Milestone, Day: s.Day,
			Scope: s.Scope, Done: s.Done, OnTime: -1, Status: "green"})
	}
	if err := db.SaveSnapshots(ctx, rows); err != nil {
		b.Fatal(err)
	}
	reports := rollup.Reports{DB: db}
	for _, bc := range []struct {
		name string
		src  pages.Source
	}{{"uncached", reports}, {"cached", storedSource{reports}}} {
		b.Run(bc.name, func(b *testing.B) {
			h := pages.NewHandler(bc.src, fixtureOptions)
			path := "/programs/" + pages.Slug(fixtureProgram)
			var size int
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, "GET", path, nil))
				if rec.Code != 200 {
					b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}
