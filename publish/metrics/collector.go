package metrics

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/rollup"
)

// Source reads the latest stored report; rollup.Reports and StoredReports satisfy it. When no
// report is stored yet it returns an error wrapping cairn.ErrNotFound.
type Source interface {
	LatestReport(ctx context.Context) (*rollup.Report, error)
}

// versioner is a Source that can tell cheaply which report is the latest (StoredReports): the
// collector then decodes a report only when a newer one has been stored.
type versioner interface {
	LatestReportVersion(ctx context.Context) (string, error)
}

// Options configure a Collector. Zero fields take the defaults.
type Options struct {
	// Timeout bounds one read of the source during a scrape (default 5s, half Prometheus'
	// default scrape timeout).
	Timeout time.Duration
	// MaxAge is how long a report is served from the cache when the source cannot tell whether
	// a newer one is stored (a plain rollup.Reports); default 1 minute. Ignored for sources
	// with a version check, whose cache lasts until a newer report is stored.
	MaxAge time.Duration
	// Logger receives read failures (default: discard).
	Logger *slog.Logger
	// Now is the clock for MaxAge and the read duration (default time.Now).
	Now func() time.Time
}

// Collector is a prometheus.Collector over the latest stored rollup report. It is safe for
// concurrent scrapes: they share one read of the source. Handler serves it faster than a
// registry can.
type Collector struct {
	src  Source
	opts Options

	load sync.Mutex // serialises reads of the source

	mu  sync.Mutex     // guards cur
	cur *reportMetrics // the latest report's metrics, nil before the first read

	status atomic.Pointer[scrapeStatus] // the latest scrape's, for Handler
}

// reportMetrics are one report's metrics, rendered once; const metrics are immutable. Handler
// adds their encodings, once per format asked for.
type reportMetrics struct {
	metrics []prometheus.Metric
	version string
	loaded  time.Time

	mu      sync.Mutex
	encoded map[expfmt.Format][]byte
}

var _ prometheus.Collector = (*Collector)(nil)

// New returns a collector reading src. Register it on an explicit registry:
//
//	reg.MustRegister(metrics.New(metrics.StoredReports{DB: db}, metrics.Options{Logger: log}))
func New(src Source, opts Options) *Collector {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Collector{src: src, opts: opts}
}

// Describe sends every descriptor the collector may emit.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

// Collect emits the metrics of the latest report. A missing report is not an error: only
// cairn_rollup_up 0 is emitted. A failed read serves the last report read, with
// cairn_rollup_up 0, so that a locked database does not blank dashboards or resolve alerts.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	cached, read, err := c.metrics(ctx)
	up := 1.0
	if err != nil {
		up = 0
		if !errors.Is(err, cairn.ErrNotFound) {
			c.opts.Logger.Error("read rollup report for metrics", "err", err)
		}
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up)
	ch <- prometheus.MustNewConstMetric(descReadDuration, prometheus.GaugeValue, read.Seconds())
	for _, m := range cached {
		ch <- m
	}
}

// metrics returns the latest report's metrics and the time spent reading and rendering it
// (zero when cached). The metrics are rendered once per report: a scrape between two rollups
// only sends them.
func (c *Collector) metrics(ctx context.Context) ([]prometheus.Metric, time.Duration, error) {
	cur, read, err := c.latest(ctx)
	if cur == nil {
		return nil, read, err
	}
	return cur.metrics, read, err
}

// latest is metrics with the rendered report (nil when none was ever read).
func (c *Collector) latest(ctx context.Context) (*reportMetrics, time.Duration, error) {
	c.load.Lock()
	defer c.load.Unlock()
	return c.latestLocked(ctx)
}

// latestLocked is latest with c.load held.
func (c *Collector) latestLocked(ctx context.Context) (*reportMetrics, time.Duration, error) {
	now := c.opts.Now()
	cur := c.current()
	version := ""
	if v, ok := c.src.(versioner); ok {
		ver, err := v.LatestReportVersion(ctx)
		if err != nil {
			return c.onError(err), 0, err
		}
		if cur != nil && ver == cur.version {
			return cur, 0, nil
		}
		version = ver
	} else if cur != nil && now.Sub(cur.loaded) < c.opts.MaxAge {
		return cur, 0, nil
	}
	r, err := c.src.LatestReport(ctx)
	if err != nil {
		return c.onError(err), c.opts.Now().Sub(now), err
	}
	cur = &reportMetrics{metrics: render(r), version: version, loaded: now}
	c.mu.Lock()
	c.cur = cur
	c.mu.Unlock()
	return cur, c.opts.Now().Sub(now), nil
}

func (c *Collector) current() *reportMetrics {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// onError drops the cache when no report exists any more and keeps it otherwise.
func (c *Collector) onError(err error) *reportMetrics {
	c.mu.Lock()
	defer c.mu.Unlock()
	if errors.Is(err, cairn.ErrNotFound) {
		c.cur = nil
	}
	return c.cur
}
