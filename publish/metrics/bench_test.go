package metrics

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cairn-dev/cairn/rollup"
)

// Figures on the 2-core Xeon CI machine under a load average of 13 (other builds running),
// go test -bench Scrape -benchmem -count 4 ./publish/metrics, 200 milestones, 50 teams, 9 865
// series (the whole HTTP response, encoded):
//
//	BenchmarkScrape/cached:  19-21 ms/op, 4.0 MB, 23 800 allocs/op (2.4 per series)
//	BenchmarkScrape/stored:  43-68 ms/op, 9.3 MB, 118 500 allocs/op (read, decode and render)
//
// Rendering the metrics once per report instead of on every scrape cut the cached scrape from
// 29-57 ms and 111 000 allocs/op; what is left is client_golang's Gather and the text encoder.
// Handler skips both for the report's series (encoded once per report and format); with the
// Go and process collectors gathered live, load average about 3 (go test -bench Handler):
//
//	BenchmarkHandler/identity: 2.2-2.6 ms/op, 1 100 allocs/op (BenchmarkScrape/cached here: 15-24 ms)
//	BenchmarkHandler/gzip:     2.6-3.0 ms/op
//
// bigReport has programs of 20 milestones each and teams fed into them in turn.
func bigReport(milestones, teams int) *rollup.Report {
	r := testReport(goldenNow)
	proto := r.Programs[0].Milestones[0]
	flow := r.Teams[0].Flow
	r.Programs, r.Teams = nil, nil
	for t := range teams {
		r.Teams = append(r.Teams, rollup.TeamFlow{Team: fmt.Sprintf("team-%02d", t), Flow: flow})
	}
	for i := range milestones {
		if i%20 == 0 {
			r.Programs = append(r.Programs, rollup.ProgramReport{Name: fmt.Sprintf("program-%02d", i/20), Status: rollup.StatusAmber})
		}
		p := &r.Programs[len(r.Programs)-1]
		m := proto
		m.Program, m.Name = p.Name, fmt.Sprintf("milestone-%03d", i)
		m.Teams = []string{r.Teams[i%teams].Team, r.Teams[(i+1)%teams].Team}
		p.Milestones = append(p.Milestones, m)
	}
	return r
}

// BenchmarkScrape measures one scrape as Prometheus sees it: the HTTP handler gathering and
// encoding everything. cached: the report is decoded already (every scrape between two
// rollups); stored: every scrape finds a newer report in SQLite and decodes it.
func BenchmarkScrape(b *testing.B) {
	r := bigReport(200, 50)
	b.Run("cached", func(b *testing.B) {
		benchScrape(b, New(newFixed(r), Options{MaxAge: time.Hour}))
	})
	b.Run("stored", func(b *testing.B) {
		db := openStore(b)
		saveReport(b, db, r)
		src := StoredReports{DB: db}
		c := New(src, Options{})
		// A new collector per scrape would measure registration too; instead drop the cache.
		benchScrapeEach(b, c, func() { c.mu.Lock(); c.cur = nil; c.mu.Unlock() })
	})
}

func benchScrape(b *testing.B, c *Collector) { benchScrapeEach(b, c, func() {}) }

func benchScrapeEach(b *testing.B, c *Collector, before func()) {
	reg := prometheus.NewRegistry() // as the service registers it
	reg.MustRegister(c)
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	req := httptest.NewRequestWithContext(context.Background(), "GET", "/metrics", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	series := countSeries(rec.Body.String())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		before()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
		io.Discard.Write(rec.Body.Bytes())
	}
	b.ReportMetric(float64(series), "series")
}

func countSeries(body string) int {
	n := 0
	for i := 0; i < len(body); {
		j := i
		for j < len(body) && body[j] != '\n' {
			j++
		}
		if j > i && body[i] != '#' {
			n++
		}
		i = j + 1
	}
	return n
}
