package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cairn-dev/cairn/publish/metrics"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
)

// Stages that read the stored rollup report.
const (
	StageScrape = "scrape"
	StageRender = "render"
)

const scrapes = 200

// childScrape serves /metrics as the service does (the collector over the stored reports, an
// explicit registry, promhttp) and scrapes it over HTTP: once cold (the report is decoded),
// then 200 times warm.
func childScrape(ctx context.Context, a ChildArgs) (ChildResult, error) {
	db, err := store.Open(ctx, a.DB)
	if err != nil {
		return ChildResult{}, err
	}
	defer db.Close()
	reg := prometheus.NewRegistry()
	if err := reg.Register(metrics.New(metrics.StoredReports{DB: db}, metrics.Options{})); err != nil {
		return ChildResult{}, err
	}
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	get := func() (time.Duration, int, error) {
		start := time.Now()
		resp, err := http.Get(srv.URL)
		if err != nil {
			return 0, 0, err
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("scrape: %s", resp.Status)
		}
		return time.Since(start), int(n), err
	}
	m := startMeter()
	cold, size, err := get()
	if err != nil {
		return ChildResult{}, err
	}
	lat := make([]time.Duration, 0, scrapes)
	for range scrapes {
		d, _, err := get()
		if err != nil {
			return ChildResult{}, err
		}
		lat = append(lat, d)
	}
	u := m.stop()
	slices.Sort(lat)
	return ChildResult{Usage: u, Items: scrapes + 1, Median: lat[len(lat)/2], P99: lat[len(lat)*99/100], Note: fmt.Sprintf("cold %s; warm median %s, p99 %s; %d KB per scrape",
		ms(cold), ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), size>>10)}, nil
}

// childRender loads the latest report with its snapshots and renders every program's page
// in the three formats, five times over.
func childRender(ctx context.Context, a ChildArgs) (ChildResult, error) {
	db, err := store.Open(ctx, a.DB)
	if err != nil {
		return ChildResult{}, err
	}
	defer db.Close()
	r, err := pages.NewRenderer(pages.Options{JiraURL: "https://jira.example.com", GitHubURL: "https://github.com"})
	if err != nil {
		return ChildResult{}, err
	}
	m := startMeter()
	loadStart := time.Now()
	in, err := pages.Load(ctx, rollup.Reports{DB: db}, "", 0)
	if err != nil {
		return ChildResult{}, err
	}
	load := time.Since(loadStart)
	var per []time.Duration
	n, bytes := 0, 0
	for range 5 {
		start := time.Now()
		files, err := r.RenderAll(in, pages.Formats)
		if err != nil {
			return ChildResult{}, err
		}
		per = append(per, time.Since(start)/time.Duration(max(1, len(files))))
		n += len(files)
		bytes = 0
		for _, f := range files {
			bytes += len(f.Body)
		}
	}
	u := m.stop()
	slices.Sort(per)
	return ChildResult{Usage: u, Items: n, Median: per[len(per)/2], Note: fmt.Sprintf("load %s; median %s per page; %d pages of %d KB in all",
		ms(load), ms(per[len(per)/2]), n/5, bytes>>10)}, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
