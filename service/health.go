package service

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// BuildInfo labels cairn_build_info.
type BuildInfo struct {
	Version   string
	Revision  string
	GoVersion string // default runtime.Version()
}

// Health is the service's own health metrics: a prometheus.Collector, and the cairn.Observer
// that the connectors report their requests and rate limits to. Safe for concurrent use.
type Health struct {
	info  BuildInfo
	build prometheus.Gauge

	lastSuccess  *prometheus.GaugeVec
	lastDuration *prometheus.GaugeVec
	runs         *prometheus.CounterVec
	running      *prometheus.GaugeVec
	items        *prometheus.CounterVec
	requests     *prometheus.CounterVec
	remaining    *prometheus.GaugeVec
	reset        *prometheus.GaugeVec
	jobRuns      *prometheus.CounterVec
	skipped      *prometheus.CounterVec
	panics       *prometheus.CounterVec

	mu   sync.Mutex
	seen map[string]bool // connectors whose label sets are initialised
}

var (
	_ prometheus.Collector = (*Health)(nil)
	_ cairn.Observer       = (*Health)(nil)
)

// Item kinds of cairn_sync_items_total.
var itemKinds = []string{"new", "updated", "deleted", "reviews", "versions", "sprints"}

// NewHealth returns the health metrics with cairn_build_info set from info.
func NewHealth(info BuildInfo) *Health {
	if info.GoVersion == "" {
		info.GoVersion = runtime.Version()
	}
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	h := &Health{
		info: info,
		build: prometheus.NewGauge(prometheus.GaugeOpts{
			Name:        "cairn_build_info",
			Help:        "A metric with a constant value of 1, labelled with the version, revision and Go version of cairn.",
			ConstLabels: prometheus.Labels{"version": info.Version, "revision": info.Revision, "goversion": info.GoVersion},
		}),
		lastSuccess: gauge("cairn_sync_last_success_timestamp_seconds",
			"Unix time when the connector last finished a sync without error.", "connector"),
		lastDuration: gauge("cairn_sync_last_run_duration_seconds",
			"Duration of the connector's last finished sync, successful or not.", "connector"),
		runs: counter("cairn_sync_runs_total",
			"Finished syncs by connector and outcome (ok or failed).", "connector", "outcome"),
		running: gauge("cairn_sync_running",
			"1 while a sync of the connector is in progress, else 0.", "connector"),
		items: counter("cairn_sync_items_total",
			"Items written by syncs, by connector and kind (new, updated, deleted, reviews, versions, sprints).", "connector", "kind"),
		requests: counter("cairn_api_requests_total",
			"HTTP requests to the upstream API by connector and status code (0 when no response arrived).", "connector", "code"),
		remaining: gauge("cairn_api_rate_limit_remaining",
			"Requests left in the upstream rate-limit budget, as last reported.", "connector"),
		reset: gauge("cairn_api_rate_limit_reset_timestamp_seconds",
			"Unix time when the upstream rate-limit budget resets, as last reported.", "connector"),
		jobRuns: counter("cairn_job_runs_total",
			"Finished runs of the rollup and of scheduled jobs, by task and outcome (ok or failed). The label is task, not job: Prometheus owns job.", "task", "outcome"),
		skipped: counter("cairn_job_skipped_total",
			"Scheduled runs skipped because the previous run of the job was still in progress.", "task"),
		panics: counter("cairn_job_panics_total",
			"Runs of a job that panicked (recovered and recorded as failed).", "task"),
		seen: map[string]bool{},
	}
	h.build.Set(1)
	return h
}

func (h *Health) collectors() []prometheus.Collector {
	return []prometheus.Collector{h.build, h.lastSuccess, h.lastDuration, h.runs, h.running, h.items,
		h.requests, h.remaining, h.reset, h.jobRuns, h.skipped, h.panics}
}

// Describe implements prometheus.Collector.
func (h *Health) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range h.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (h *Health) Collect(ch chan<- prometheus.Metric) {
	for _, c := range h.collectors() {
		c.Collect(ch)
	}
}

// ObserveRequest implements cairn.Observer.
func (h *Health) ObserveRequest(connector string, statusCode int, _ time.Duration) {
	h.requests.WithLabelValues(connector, strconv.Itoa(statusCode)).Inc()
}

// ObserveRateLimit implements cairn.Observer.
func (h *Health) ObserveRateLimit(connector string, remaining int, reset time.Time) {
	h.remaining.WithLabelValues(connector).Set(float64(remaining))
	if !reset.IsZero() {
		h.reset.WithLabelValues(connector).Set(unixSeconds(reset))
	}
}

// AddConnector makes the connector's series exist at zero (runs by outcome, running, items by
// kind), so rate() and alerts work from the first scrape.
func (h *Health) AddConnector(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen[name] {
		return
	}
	h.seen[name] = true
	for _, o := range []string{cairn.RunOK, cairn.RunFailed} {
		h.runs.WithLabelValues(name, o)
	}
	h.running.WithLabelValues(name).Set(0)
	for _, k := range itemKinds {
		h.items.WithLabelValues(name, k)
	}
}

// AddJob makes the job's skip and panic counters exist at zero.
func (h *Health) AddJob(job string, hasRuns bool) {
	h.skipped.WithLabelValues(job)
	h.panics.WithLabelValues(job)
	if hasRuns {
		for _, o := range []string{cairn.RunOK, cairn.RunFailed} {
			h.jobRuns.WithLabelValues(job, o)
		}
	}
}

// Seed sets the last-success time and last-run duration of each connector from the store's run
// history, so that a restart does not reset them.
func (h *Health) Seed(ctx context.Context, db *store.DB, connectors []string) error {
	for _, name := range connectors {
		h.AddConnector(name)
		last, err := db.LastSuccess(ctx, name)
		if err != nil {
			return err
		}
		if !last.IsZero() {
			h.lastSuccess.WithLabelValues(name).Set(unixSeconds(last))
		}
		runs, err := db.Runs(ctx, name, 20)
		if err != nil {
			return err
		}
		for _, r := range runs {
			if r.Status != cairn.RunRunning && !r.FinishedAt.IsZero() {
				h.lastDuration.WithLabelValues(name).Set(r.FinishedAt.Sub(r.StartedAt).Seconds())
				break
			}
		}
	}
	return nil
}

// syncStarted marks the connector's sync as running.
func (h *Health) syncStarted(connector string) {
	h.running.WithLabelValues(connector).Set(1)
}

// syncFinished records a finished run: its outcome, duration, items and (when ok) the time.
func (h *Health) syncFinished(connector string, res syncer.Result, runErr error, at time.Time) {
	h.running.WithLabelValues(connector).Set(0)
	outcome := cairn.RunOK
	if runErr != nil {
		outcome = cairn.RunFailed
	} else {
		h.lastSuccess.WithLabelValues(connector).Set(unixSeconds(at))
	}
	h.runs.WithLabelValues(connector, outcome).Inc()
	h.lastDuration.WithLabelValues(connector).Set(res.Duration.Seconds())
	c := res.Counts
	for i, n := range []int{c.New, c.Updated, c.Deleted, c.Reviews, c.Versions, c.Sprints} {
		if n > 0 {
			h.items.WithLabelValues(connector, itemKinds[i]).Add(float64(n))
		}
	}
}

// syncAbandoned clears the running flag of a run that never started (the runner was busy).
func (h *Health) syncAbandoned(connector string) {
	h.running.WithLabelValues(connector).Set(0)
}

func (h *Health) jobFinished(job string, err error) {
	outcome := cairn.RunOK
	if err != nil {
		outcome = cairn.RunFailed
	}
	h.jobRuns.WithLabelValues(job, outcome).Inc()
}

func (h *Health) jobSkipped(job string)  { h.skipped.WithLabelValues(job).Inc() }
func (h *Health) jobPanicked(job string) { h.panics.WithLabelValues(job).Inc() }

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
