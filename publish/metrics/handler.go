package metrics

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/cairn-dev/cairn"
)

// Handler serves /metrics: the live collectors' metrics gathered and encoded on every scrape
// (the Go runtime, the process, the service's health: a few hundred series that change all the
// time), followed by c's report metrics (thousands of series that change only when a rollup
// stores a report), encoded once per report and format. Gathering and encoding those through a
// registry took about 20 ms of CPU per scrape at 200 milestones; here a scrape between two
// rollups copies bytes. Register c nowhere else (its families would be sent twice).
//
// The live collectors are gathered as one: a registry gathers each collector on a goroutine of
// its own and yields the processor while it starts them, which on a busy machine (a sync and a
// rollup running) made every scrape wait tens of milliseconds for the scheduler.
//
// Like promhttp's handler with OpenMetrics enabled, it negotiates the format (text, OpenMetrics,
// protobuf), compresses with gzip when the client accepts it, and on a failing live collector
// serves what it gathered and logs the failure. While one scrape reads a newer report, the
// others are answered at once from the previous one. It panics if the live collectors'
// descriptors clash, as registering them would.
func Handler(c *Collector, live ...prometheus.Collector) http.Handler {
	h := &handler{c: c, reg: prometheus.NewRegistry()}
	h.reg.MustRegister(liveCollectors(append(live, statusCollector{c})))
	return h
}

type handler struct {
	c   *Collector
	reg *prometheus.Registry // one collector: liveCollectors
}

// liveCollectors collects its collectors one after the other, on one goroutine.
type liveCollectors []prometheus.Collector

func (l liveCollectors) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range l {
		c.Describe(ch)
	}
}

func (l liveCollectors) Collect(ch chan<- prometheus.Metric) {
	for _, c := range l {
		c.Collect(ch)
	}
}

var gzipPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

func (h *handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	log := h.c.opts.Logger
	ctx, cancel := context.WithTimeout(req.Context(), h.c.opts.Timeout)
	defer cancel()
	cur, read, err := h.c.serving(ctx)
	up := 1.0
	if err != nil {
		up = 0
		if !errors.Is(err, cairn.ErrNotFound) {
			log.Error("read rollup report for metrics", "err", err)
		}
	}
	// cairn_rollup_up and the read duration are gathered with the live collectors.
	h.c.status.Store(&scrapeStatus{up: up, read: read})
	mfs, err := h.reg.Gather()
	if err != nil {
		log.Error("gather metrics", "err", err)
		if len(mfs) == 0 {
			http.Error(w, "gather metrics: see the server log", http.StatusInternalServerError)
			return
		}
	}
	format := expfmt.NegotiateIncludingOpenMetrics(req.Header)
	var part []byte
	if cur != nil {
		if part, err = cur.encode(format); err != nil {
			log.Error("encode report metrics", "err", err)
			http.Error(w, "encode metrics: see the server log", http.StatusInternalServerError)
			return
		}
	}

	hd := w.Header()
	hd.Add("Vary", "Accept")
	hd.Add("Vary", "Accept-Encoding")
	hd.Set("Content-Type", string(format))
	var out io.Writer = w
	if acceptsGzip(req.Header.Get("Accept-Encoding")) {
		hd.Set("Content-Encoding", "gzip")
		gz := gzipPool.Get().(*gzip.Writer)
		gz.Reset(w)
		defer func() { _ = gz.Close(); gzipPool.Put(gz) }()
		out = gz
	}
	enc := expfmt.NewEncoder(out, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			log.Debug("send metrics", "err", err) // the client went away, mostly
			return
		}
	}
	if _, err := out.Write(part); err != nil {
		return
	}
	if cl, ok := enc.(expfmt.Closer); ok {
		_ = cl.Close() // OpenMetrics' "# EOF", after every family
	}
}

// serving returns the report metrics to serve now: the cached ones when they are the latest;
// when a newer report is stored, still the cached ones while the newer is read and rendered in
// the background (tens of milliseconds at 200 milestones, seconds at a million issues: no scrape
// waits for it). Only the first scrape reads the report itself.
func (c *Collector) serving(ctx context.Context) (*reportMetrics, time.Duration, error) {
	cur := c.current()
	if cur == nil {
		return c.latest(ctx)
	}
	if !c.fresh(ctx, cur) && c.load.TryLock() {
		go func() {
			defer c.load.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
			defer cancel()
			if _, _, err := c.latestLocked(ctx); err != nil && !errors.Is(err, cairn.ErrNotFound) {
				c.opts.Logger.Error("read rollup report for metrics", "err", err)
			}
		}()
	}
	return cur, 0, nil
}

// fresh tells whether cur is still the latest report's; a failed check says no, and latest
// then reports the failure.
func (c *Collector) fresh(ctx context.Context, cur *reportMetrics) bool {
	if v, ok := c.src.(versioner); ok {
		ver, err := v.LatestReportVersion(ctx)
		return err == nil && ver == cur.version
	}
	return c.opts.Now().Sub(cur.loaded) < c.opts.MaxAge
}

// encode returns the metrics encoded in format, encoding them on first use.
func (m *reportMetrics) encode(format expfmt.Format) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.encoded[format]; ok {
		return b, nil
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(constCollector(m.metrics)); err != nil {
		return nil, err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, err
		}
	}
	// No Close: the handler ends the whole answer.
	if m.encoded == nil {
		m.encoded = map[expfmt.Format][]byte{}
	}
	m.encoded[format] = buf.Bytes()
	return buf.Bytes(), nil
}

// constCollector sends fixed metrics. It describes nothing (an unchecked collector): its
// metrics are checked for consistency when gathered.
type constCollector []prometheus.Metric

func (constCollector) Describe(chan<- *prometheus.Desc) {}

func (c constCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c {
		ch <- m
	}
}

// scrapeStatus is what the latest scrape through Handler found.
type scrapeStatus struct {
	up   float64
	read time.Duration
}

// statusCollector sends cairn_rollup_up and the read duration of the latest scrape (concurrent
// scrapes may send each other's: they read the same report).
type statusCollector struct{ c *Collector }

func (statusCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descUp
	ch <- descReadDuration
}

func (s statusCollector) Collect(ch chan<- prometheus.Metric) {
	st := s.c.status.Load()
	if st == nil {
		st = &scrapeStatus{}
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, st.up)
	ch <- prometheus.MustNewConstMetric(descReadDuration, prometheus.GaugeValue, st.read.Seconds())
}

// acceptsGzip reads an Accept-Encoding header: gzip listed without q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
