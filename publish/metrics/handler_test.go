package metrics

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cairn-dev/cairn/rollup"
)

// collectorList gathers collectors as a registry would register them.
type collectorList []prometheus.Collector

func (l *collectorList) MustRegister(cs ...prometheus.Collector) { *l = append(*l, cs...) }

// live stands for the service's collectors: a few series of its own.
func live() []prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "cairn_sync_running", Help: "1 while a sync runs."}, []string{"connector"})
	g.WithLabelValues("jira").Set(1)
	g.WithLabelValues("github").Set(0)
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "cairn_job_runs_total", Help: "Finished runs."})
	c.Add(3)
	return []prometheus.Collector{g, c}
}

func scrape(t testing.TB, h http.Handler, accept, encoding string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequestWithContext(context.Background(), "GET", "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %d %s", resp.StatusCode, body)
	}
	return resp, body
}

// sortedLines are the exposition's lines in order, the read duration's value left out (it
// measures each scrape).
func sortedLines(b []byte) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(l, "cairn_rollup_read_duration_seconds ") {
			l = "cairn_rollup_read_duration_seconds"
		}
		lines = append(lines, l)
	}
	slices.Sort(lines)
	return lines
}

// TestHandlerEqualsRegistry: in every format, the handler sends what promhttp sends for a
// registry holding both the live collectors and the report collector, families in another order.
func TestHandlerEqualsRegistry(t *testing.T) {
	r := testReport(goldenNow)
	h := Handler(New(newFixed(r), Options{}), live()...)
	both := prometheus.NewRegistry()
	both.MustRegister(live()...)
	both.MustRegister(New(newFixed(r), Options{}))
	ref := promhttp.HandlerFor(both, promhttp.HandlerOpts{EnableOpenMetrics: true})

	for _, tc := range []struct{ name, accept string }{
		{"text", ""},
		{"openmetrics", "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5"},
		{"protobuf", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range 2 { // the second scrape is served from the cached encoding
				resp, got := scrape(t, h, tc.accept, "")
				wantResp, want := scrape(t, ref, tc.accept, "")
				if ct := resp.Header.Get("Content-Type"); ct != wantResp.Header.Get("Content-Type") {
					t.Errorf("scrape %d: Content-Type %q, want %q", i, ct, wantResp.Header.Get("Content-Type"))
				}
				if tc.name == "protobuf" {
					// Length-delimited families in another order: same bytes, other order.
					if len(got) != len(want) {
						t.Errorf("scrape %d: %d bytes, want %d", i, len(got), len(want))
					}
					continue
				}
				if g, w := sortedLines(got), sortedLines(want); !slices.Equal(g, w) {
					t.Errorf("scrape %d: the lines differ from promhttp's:\n%s\n---\n%s", i, got, want)
				}
				if tc.name == "openmetrics" && (!bytes.HasSuffix(got, []byte("\n# EOF\n")) || bytes.Count(got, []byte("# EOF")) != 1) {
					t.Errorf("scrape %d: OpenMetrics must end with one # EOF", i)
				}
			}
		})
	}

	t.Run("gzip", func(t *testing.T) {
		_, plain := scrape(t, h, "", "")
		resp, body := scrape(t, h, "", "deflate, gzip;q=0.8")
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("gunzipped body differs from the plain one (%v)", err)
		}
		if resp, _ := scrape(t, h, "", "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("gzip;q=0: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
		}
	})
}

// TestHandlerStoredReports: the handler decodes a stored report once and again only when a
// newer one is saved; before any report it sends cairn_rollup_up 0 and the live series.
func TestHandlerStoredReports(t *testing.T) {
	db := openStore(t)
	src := &countingStore{StoredReports: StoredReports{DB: db}}
	h := Handler(New(src, Options{}), live()...)
	_, body := scrape(t, h, "", "")
	if !strings.Contains(string(body), "cairn_rollup_up 0\n") || !strings.Contains(string(body), `cairn_sync_running{connector="jira"} 1`) {
		t.Fatalf("no report: %s", body)
	}
	r := testReport(goldenNow)
	saveReport(t, db, r)
	for range 3 {
		_, body = scrape(t, h, "", "")
	}
	if src.count() != 1 || !strings.Contains(string(body), "cairn_rollup_up 1\n") || !strings.Contains(string(body), "cairn_milestone_items") {
		t.Fatalf("after a report and 3 scrapes: %d reads\n%s", src.count(), body)
	}
	next := *r
	next.AsOf = r.AsOf.Add(time.Hour)
	next.Programs = []rollup.ProgramReport{r.Programs[0]}
	next.Programs[0].Name = "renamed-program"
	saveReport(t, db, &next)
	// Read in the background: a scrape or two may still send the previous report.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(string(body), `program="renamed-program"`); {
		if time.Now().After(deadline) {
			t.Fatalf("10 s after a newer report, scrapes still send the previous one")
		}
		time.Sleep(time.Millisecond)
		_, body = scrape(t, h, "", "")
	}
	if n := src.count(); n != 2 {
		t.Errorf("after a newer report: %d reads, want 2", n)
	}
}

// TestHandlerServesStaleWhileReading: while one scrape reads a newer report, another is
// answered at once with the previous report's metrics.
func TestHandlerServesStaleWhileReading(t *testing.T) {
	db := openStore(t)
	r := testReport(goldenNow)
	saveReport(t, db, r)
	c := New(StoredReports{DB: db}, Options{})
	h := Handler(c, live()...)
	scrape(t, h, "", "")
	old := c.current()
	next := *r
	next.AsOf = r.AsOf.Add(time.Hour)
	saveReport(t, db, &next)

	c.load.Lock() // another scrape is reading the newer report
	cur, read, err := c.serving(context.Background())
	c.load.Unlock()
	if cur != old || read != 0 || err != nil {
		t.Errorf("while another scrape reads: got %p (%v, %v), want the previous report's %p", cur, read, err, old)
	}
	// Without the other scrape, this one starts the read in the background.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if cur, _, _ := c.serving(context.Background()); cur != old {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s later: still the previous report's metrics")
		}
	}
}

// BenchmarkHandler is BenchmarkScrape/cached through Handler, with the Go and process
// collectors as the live part (as in cairn serve).
func BenchmarkHandler(b *testing.B) {
	r := bigReport(200, 50)
	runtime := []prometheus.Collector{prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{})}
	for _, enc := range []string{"", "gzip"} {
		name := "identity"
		if enc != "" {
			name = enc
		}
		b.Run(name, func(b *testing.B) {
			h := Handler(New(newFixed(r), Options{MaxAge: time.Hour}), runtime...)
			_, body := scrape(b, h, "", "")
			b.ReportAllocs()
			for b.Loop() {
				scrape(b, h, "", enc)
			}
			b.ReportMetric(float64(countSeries(string(body))), "series")
		})
	}
}
