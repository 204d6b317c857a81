package metrics

import (
	"context"

	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
)

// StoredReports is the Source to use in the service: it reads the store like rollup.Reports,
// and also tells which report is the latest from one indexed row, so that the collector decodes
// a report (megabytes of JSON on a large install) only when a newer one has been stored.
type StoredReports struct {
	DB *store.DB
}

// LatestReport returns the latest stored report.
func (s StoredReports) LatestReport(ctx context.Context) (*rollup.Report, error) {
	return rollup.Reports{DB: s.DB}.LatestReport(ctx)
}

// LatestReportVersion identifies the latest stored report (id and as-of time) without reading
// its JSON (store.DB.LatestReportVersion).
func (s StoredReports) LatestReportVersion(ctx context.Context) (string, error) {
	return s.DB.LatestReportVersion(ctx)
}
