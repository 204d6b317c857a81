package rollup

import (
	"context"
	"errors"
	"sync"

	"github.com/cairn-dev/cairn"
)

// CachedReports is Reports for a long-running process: the latest report is decoded once per
// stored report and shared by every caller. A million issues' report is about 90 MB of JSON
// (3 s and several hundred MB to decode), which the API, the status pages and the metrics would
// otherwise each decode, the API on every request. Each call reads one row to learn whether a
// newer report was stored (LatestReportVersion). Callers must not modify the report returned.
type CachedReports struct {
	Reports

	mu      sync.Mutex // held while decoding: callers meanwhile wait for the one decode
	version string
	latest  *Report
}

// LatestReportVersion identifies the latest stored report without reading it.
func (c *CachedReports) LatestReportVersion(ctx context.Context) (string, error) {
	return c.DB.LatestReportVersion(ctx)
}

// LatestReport returns the latest stored report, decoding it only when it is not the one
// decoded last, or an error wrapping cairn.ErrNotFound.
func (c *CachedReports) LatestReport(ctx context.Context) (*Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ver, err := c.LatestReportVersion(ctx)
	if errors.Is(err, cairn.ErrNotFound) {
		c.version, c.latest = "", nil
	}
	if err != nil {
		return nil, err
	}
	if c.latest != nil && ver == c.version {
		return c.latest, nil
	}
	st, err := c.DB.LatestReport(ctx)
	if err != nil {
		return nil, err
	}
	r, err := decodeReport(st)
	if err != nil {
		return nil, err
	}
	// Kept under its own version: a report stored since the check above is decoded already.
	c.version, c.latest = st.Version, r
	return r, nil
}
