package pages_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/rollup"
)

// versionedSource is a memSource that tells the latest report's version, as the service's
// source does, and counts the reports it decodes. Safe for concurrent use.
type versionedSource struct {
	mu      sync.Mutex
	mem     *memSource
	version string
	loads   int
}

func (v *versionedSource) LatestReportVersion(context.Context) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.version == "" {
		return "", fmt.Errorf("no report: %w", cairn.ErrNotFound)
	}
	return v.version, nil
}

func (v *versionedSource) LatestReport(ctx context.Context) (*rollup.Report, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.loads++
	return v.mem.LatestReport(ctx)
}

func (v *versionedSource) ReportForWeek(ctx context.Context, week string) (*rollup.Report, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.loads++
	return v.mem.ReportForWeek(ctx, week)
}

func (v *versionedSource) Snapshots(ctx context.Context, program, milestone string, from, to time.Time) ([]rollup.Snapshot, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.mem.Snapshots(ctx, program, milestone, from, to)
}

func (v *versionedSource) counts() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.loads
}

func fetch(t *testing.T, url, accept string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestHandlerCache: with a versioned source, a page is read and rendered once per stored
// report, a newer report is served at once, and answers equal the uncached handler's.
func TestHandlerCache(t *testing.T) {
	src := &versionedSource{mem: newMemSource(), version: "1@2026-11-27"}
	srv := httptest.NewServer(pages.NewHandler(src, fixtureOptions))
	defer srv.Close()
	plain := httptest.NewServer(pages.NewHandler(newMemSource(), fixtureOptions))
	defer plain.Close()

	for _, path := range []string{"/programs/checkout-v2", "/programs/Checkout%20v2", "/programs/checkout-v2/weeks/2026-W47", "/programs", "/programs/", "/programs/nope"} {
		_, want := fetch(t, plain.URL+path, "")
		before := src.counts()
		for i := range 3 {
			if _, got := fetch(t, srv.URL+path, ""); got != want {
				t.Errorf("GET %s (%d): differs from the uncached handler's answer:\n%.300s", path, i, got)
			}
		}
		// A page reads its report and the week before; the index only the report.
		if n := src.counts() - before; n == 0 || n > 2 {
			t.Errorf("GET %s three times: %d report reads, want those of one render", path, n)
		}
	}
	// A cached miss still answers in the format asked for.
	if code, body := fetch(t, srv.URL+"/programs/nope", "application/json"); code != 404 || !strings.HasPrefix(body, `{"error":"no program \"nope\"`) {
		t.Errorf("cached 404 as JSON: %d %s", code, body)
	}

	// A newer report: the next request renders it.
	src.mu.Lock()
	next := *src.mem.reports[src.mem.latest]
	next.Programs = append([]rollup.ProgramReport(nil), next.Programs...)
	next.Programs[0].Milestones = append([]rollup.MilestoneReport(nil), next.Programs[0].Milestones...)
	next.Programs[0].Milestones[0].Name = "Renamed milestone"
	src.mem.reports[next.Week] = &next
	src.version = "2@2026-11-27"
	src.mu.Unlock()
	// It is rendered in the background, and a request waits for it only briefly.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, body := fetch(t, srv.URL+"/programs/checkout-v2", ""); strings.Contains(body, "Renamed milestone") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after a newer report: the page still lacks its change")
		}
	}

	// No report any more: 503 as without a cache.
	src.mu.Lock()
	src.version, src.mem.reports = "", map[string]*rollup.Report{}
	src.mu.Unlock()
	if code, _ := fetch(t, srv.URL+"/programs/checkout-v2", ""); code != http.StatusServiceUnavailable {
		t.Errorf("no report: got %d, want 503", code)
	}
}

// TestHandlerCacheConcurrent: requests arriving together for a page not yet rendered share one
// render.
func TestHandlerCacheConcurrent(t *testing.T) {
	src := &versionedSource{mem: newMemSource(), version: "7@2026-11-27"}
	srv := httptest.NewServer(pages.NewHandler(src, fixtureOptions))
	defer srv.Close()
	want := string(renderFixture(t, pages.FormatHTML))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if code, body := fetch(t, srv.URL+"/programs/checkout-v2", ""); code != 200 || body != want {
				t.Errorf("concurrent GET: %d, body equal to the fixture page: %v", code, body == want)
			}
		})
	}
	wg.Wait()
	if n := src.counts(); n != 2 {
		t.Errorf("16 concurrent requests read %d reports, want 2 (one render: the week and the week before)", n)
	}
}

// failingVersions fails the version check: the handler then reads the source as without a cache.
type failingVersions struct{ *memSource }

func (failingVersions) LatestReportVersion(context.Context) (string, error) {
	return "", errors.New("database is locked")
}

func TestHandlerCacheVersionFails(t *testing.T) {
	srv := httptest.NewServer(pages.NewHandler(failingVersions{newMemSource()}, fixtureOptions))
	defer srv.Close()
	if code, body := fetch(t, srv.URL+"/programs/checkout-v2", ""); code != 200 || body != string(renderFixture(t, pages.FormatHTML)) {
		t.Errorf("with a failing version check: %d", code)
	}
}
