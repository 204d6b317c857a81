package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/cairn-dev/cairn"
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
// its JSON. It queries the documented rollup_reports table (docs/schema.md) with the same order
// as store.DB.LatestReport.
func (s StoredReports) LatestReportVersion(ctx context.Context) (string, error) {
	var id int64
	var asOf string
	err := s.DB.ReadDB().QueryRowContext(ctx, `SELECT id, as_of FROM rollup_reports
		ORDER BY as_of DESC, id DESC LIMIT 1`).Scan(&id, &asOf)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read report version: %w", cairn.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read report version: %w", err)
	}
	return strconv.FormatInt(id, 10) + "@" + asOf, nil
}
