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

// Handler serves /metrics: live's metrics gathered and encoded on every scrape (the Go
// runtime, the process, the service's health: a few hundred series that change all the time),
// followed by c's report metrics (thousands of series that change only when a rollup stores a
// report), encoded once per report and format. Gathering and encoding those through a registry
// took about 20 ms of CPU per scrape at 200 milestones; here a scrape between two rollups copies
// bytes. Register c nowhere else (its families would be sent twice).
//
// Like promhttp's handler with OpenMetrics enabled, it negotiates the format (text, OpenMetrics,
// protobuf), compresses with gzip when the client accepts it, and on a failing collector in live
// serves what it gathered and logs the failure. While one scrape reads a newer report, the
// others are answered at once from the previous one.
func Handler(live prometheus.Gatherer, c *Collector) http.Handler {
	return &handler{live: live, c: c}
}

type handler struct {
	live prometheus.Gatherer
	c    *Collector
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
	// cairn_rollup_up and the read duration belong to this scrape: gathered with live.
	status := prometheus.NewRegistry()
	status.MustRegister(statusCollector{up: up, read: read})
	mfs, err := prometheus.Gatherers{h.live, status}.Gather()
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

// serving returns the report metrics to serve now: the cached ones when they are the latest,
// or while another scrape reads the newer report; else it reads the latest itself.
func (c *Collector) serving(ctx context.Context) (*reportMetrics, time.Duration, error) {
	if cur := c.current(); cur != nil {
		if c.fresh(ctx, cur) {
			return cur, 0, nil
		}
		if !c.load.TryLock() {
			return cur, 0, nil // stale for the few milliseconds the other scrape takes
		}
		c.load.Unlock()
	}
	return c.latest(ctx)
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

// statusCollector sends cairn_rollup_up and the read duration of one scrape.
type statusCollector struct {
	up   float64
	read time.Duration
}

func (statusCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descUp
	ch <- descReadDuration
}

func (s statusCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, s.up)
	ch <- prometheus.MustNewConstMetric(descReadDuration, prometheus.GaugeValue, s.read.Seconds())
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
