package service_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/service"
	"github.com/cairn-dev/cairn/store"
)

// BenchmarkScrape measures GET /metrics over the health series alone (two connectors, a
// handful of status codes, three jobs): the service's own share of every scrape.
func BenchmarkScrape(b *testing.B) {
	db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "cairn.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	h := service.NewHealth(service.BuildInfo{Version: "v1", Revision: "r1"})
	for _, c := range []string{"jira", "github"} {
		h.AddConnector(c)
		for _, code := range []int{0, 200, 304, 403, 429, 502} {
			h.ObserveRequest(c, code, time.Millisecond)
		}
		h.ObserveRateLimit(c, 4000, time.Now())
	}
	svc, err := service.New(service.Options{DB: db, Health: h, Jobs: []service.Job{{Name: "pages", Schedule: "0 7 * * 1",
		Run: func(context.Context) error { return nil }}}})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	req := httptest.NewRequest("GET", "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		svc.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkObserveRequest is the cost the connectors pay per upstream request.
func BenchmarkObserveRequest(b *testing.B) {
	h := service.NewHealth(service.BuildInfo{})
	b.ReportAllocs()
	for b.Loop() {
		h.ObserveRequest("github", 200, time.Millisecond)
	}
}
