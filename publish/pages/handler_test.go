package pages_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/rollup"
)

// memSource is an in-memory pages.Source.
type memSource struct {
	reports   map[string]*rollup.Report // by week
	latest    string
	snapshots []rollup.Snapshot
	calls     []string
}

func newMemSource() *memSource {
	in := fixture()
	return &memSource{
		reports:   map[string]*rollup.Report{in.Report.Week: in.Report, in.Previous.Week: in.Previous},
		latest:    in.Report.Week,
		snapshots: in.Snapshots,
	}
}

func (m *memSource) LatestReport(ctx context.Context) (*rollup.Report, error) {
	m.calls = append(m.calls, "latest")
	return m.ReportForWeek(ctx, m.latest)
}

func (m *memSource) ReportForWeek(_ context.Context, week string) (*rollup.Report, error) {
	m.calls = append(m.calls, "week "+week)
	r, ok := m.reports[week]
	if !ok {
		return nil, fmt.Errorf("report for %s: %w", week, cairn.ErrNotFound)
	}
	return r, nil
}

func (m *memSource) Snapshots(_ context.Context, program, milestone string, from, to time.Time) ([]rollup.Snapshot, error) {
	m.calls = append(m.calls, "snapshots "+milestone)
	var out []rollup.Snapshot
	for _, s := range m.snapshots {
		if s.Program == program && (milestone == "" || s.Milestone == milestone) && !s.Day.Before(from) && !s.Day.After(to) {
			out = append(out, s)
		}
	}
	return out, nil
}

func TestHandler(t *testing.T) {
	src := newMemSource()
	srv := httptest.NewServer(pages.NewHandler(src, fixtureOptions))
	defer srv.Close()
	want := string(renderFixture(t, pages.FormatHTML))

	tests := []struct {
		path   string
		status int
		body   string // substring, or the whole fixture page when "page"
	}{
		{"/programs/Checkout%20v2", 200, "page"},
		{"/programs/checkout-v2", 200, "page"},
		{"/programs/checkout-v2/weeks/2026-W48", 200, "page"},
		{"/programs/checkout-v2/weeks/2026-W47", 200, "status 2026-W47"},
		{"/programs/checkout-v2/weeks/2026-W30", 404, "no report stored for week 2026-W30"},
		{"/programs/checkout-v2/weeks/2026-48", 400, "2026-W48"},
		{"/programs/checkout-v2/weeks/..%2F..%2Fetc", 400, "2026-W48"},
		{"/programs/nope", 404, "no program &#34;nope&#34;"},
		{"/programs/%3Cscript%3E", 404, "no program &#34;&lt;script&gt;&#34;"},
		{"/programs/checkout-v2/other", 404, "no such page"},
		{"/programs", 200, `<a href="programs/checkout-v2">Checkout v2</a>`},
		{"/programs/", 200, `<a href="etc-passwd">../../etc/passwd</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status: got %d, want %d (%s)", resp.StatusCode, tt.status, body)
			}
			switch {
			case tt.body == "page":
				if string(body) != want {
					t.Errorf("body differs from the rendered fixture page")
				}
				if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type: got %q", ct)
				}
			case !strings.Contains(string(body), tt.body):
				t.Errorf("body lacks %q: %.200s", tt.body, body)
			}
		})
	}
}

func TestWriteFiles(t *testing.T) {
	in := fixture()
	r, err := pages.NewRenderer(fixtureOptions)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := r.WriteFiles(dir, &pages.Inputs{Report: in.Report, Previous: in.Previous, Snapshots: in.Snapshots}, pages.Formats)
	if err != nil {
		t.Fatalf("WriteFiles: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if !strings.HasPrefix(filepath.Clean(filepath.Join(dir, e.Name())), dir) {
			t.Errorf("file outside the out dir: %s", e.Name())
		}
	}
	got := strings.Join(names, " ")
	for _, want := range []string{"checkout-v2-2026-W48.html", "checkout-v2-2026-W48.md", "checkout-v2-2026-W48.storage.xml", "etc-passwd-2026-W48.html"} {
		if !strings.Contains(got, want) {
			t.Errorf("files %q lack %s", got, want)
		}
	}
	if len(paths) != len(names) {
		t.Errorf("returned %d paths, wrote %d files", len(paths), len(names))
	}
	html, err := os.ReadFile(filepath.Join(dir, "checkout-v2-2026-W48.html"))
	if err != nil || string(html) != string(renderFixture(t, pages.FormatHTML)) {
		t.Errorf("written HTML differs from Render: %v", err)
	}

	// Only the named program.
	dir2 := t.TempDir()
	paths, err = r.WriteFiles(dir2, &pages.Inputs{Report: in.Report}, []pages.Format{pages.FormatMarkdown}, "checkout-v2")
	if err != nil || len(paths) != 1 || filepath.Base(paths[0]) != "checkout-v2-2026-W48.md" {
		t.Errorf("WriteFiles for one program: got %v, %v", paths, err)
	}
	if _, err := r.WriteFiles(t.TempDir(), &pages.Inputs{Report: in.Report}, pages.Formats, "nope"); err == nil {
		t.Errorf("WriteFiles for an unknown program: got nil error")
	}
}

func TestHandlerErrors(t *testing.T) {
	empty := httptest.NewServer(pages.NewHandler(&memSource{reports: map[string]*rollup.Report{}}, fixtureOptions))
	defer empty.Close()
	full := httptest.NewServer(pages.NewHandler(newMemSource(), fixtureOptions))
	defer full.Close()
	tests := []struct {
		name   string
		url    string
		accept string
		status int
		ctype  string
		body   string
	}{
		{"no report yet", empty.URL + "/programs/checkout-v2", "", 503, "text/html; charset=utf-8", "no report yet"},
		{"no report yet, index", empty.URL + "/programs", "", 503, "text/html; charset=utf-8", "no report yet"},
		{"no report yet, json", empty.URL + "/programs/checkout-v2", "application/json", 503, "application/json", `{"error":"no report yet`},
		{"no such week before any report", empty.URL + "/programs/checkout-v2/weeks/2026-W48", "", 404, "text/html; charset=utf-8", "2026-W48"},
		{"unknown program, json", full.URL + "/programs/nope", "application/json, text/html;q=0.9", 404, "application/json", `{"error":"no program \"nope\" in the report for 2026-W48"}`},
		{"unknown week, json", full.URL + "/programs/checkout-v2/weeks/2025-W01", "application/json", 404, "application/json", `"error":"no report stored for week 2025-W01"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, tt.url, nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.ctype {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.ctype)
			}
			if !strings.Contains(string(body), tt.body) {
				t.Errorf("body lacks %q: %s", tt.body, body)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy: %q", csp)
			}
		})
	}
}
