package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/rollup"
)

type fakeSource struct {
	r   *rollup.Report
	err error
}

func (f fakeSource) LatestReport(context.Context) (*rollup.Report, error) { return f.r, f.err }

func testReport() *rollup.Report {
	on := 0.7
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	return &rollup.Report{AsOf: asOf, Week: "2026-W48", DataAsOf: map[string]time.Time{"jira": asOf},
		Programs: []rollup.ProgramReport{{Name: "Pay ments/EU", Status: rollup.StatusAmber, Reasons: []string{"Checkout v2: x"},
			Milestones: []rollup.MilestoneReport{{Program: "Pay ments/EU", Name: "Checkout v2", Status: rollup.StatusAmber,
				Reasons: []string{"x"}, Due: time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC),
				Scope:    rollup.ScopeCounts{Done: 1, Total: 4, DoneRatio: 0.25},
				Forecast: rollup.ForecastSummary{OnTime: &on, P85: time.Date(2027, 1, 12, 0, 0, 0, 0, time.UTC)},
				Evidence: rollup.Evidence{Done: []string{"PAY-1"}}}}}}}
}

func get(t *testing.T, h http.Handler, path string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: content type %q, want JSON", path, ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s: %v: %s", path, err, rec.Body)
	}
	return rec.Code, body
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler(fakeSource{r: testReport()}))
	defer srv.Close()
	h := Handler(fakeSource{r: testReport()})
	const prog = "/api/v1/programs/Pay%20ments%2FEU"
	tests := []struct {
		name, path string
		code       int
		check      func(t *testing.T, body map[string]any)
	}{
		{"list", "/api/v1/programs", 200, func(t *testing.T, b map[string]any) {
			ps := b["programs"].([]any)
			p := ps[0].(map[string]any)
			m := p["milestones"].([]any)[0].(map[string]any)
			if p["status"] != "amber" || m["name"] != "Checkout v2" || m["on_time"] != 0.7 || m["total"] != 4.0 || b["week"] != "2026-W48" {
				t.Errorf("got %v", b)
			}
		}},
		{"program", prog, 200, func(t *testing.T, b map[string]any) {
			m := b["milestones"].([]any)[0].(map[string]any)
			if b["name"] != "Pay ments/EU" || m["status"] != "amber" || m["evidence"] != nil || m["forecast"] == nil {
				t.Errorf("got %v, want the milestone without evidence", b)
			}
		}},
		{"milestone", prog + "/milestones/Checkout%20v2", 200, func(t *testing.T, b map[string]any) {
			ev, _ := b["evidence"].(map[string]any)
			if b["name"] != "Checkout v2" || ev == nil || fmt.Sprint(ev["done"]) != "[PAY-1]" {
				t.Errorf("got %v, want the milestone with evidence", b)
			}
		}},
		{"unknown program", "/api/v1/programs/Nope", 404, func(t *testing.T, b map[string]any) {
			if b["error"] != `unknown program "Nope"` {
				t.Errorf("got %v", b)
			}
		}},
		{"unknown milestone", prog + "/milestones/Nope", 404, func(t *testing.T, b map[string]any) {
			if b["error"] != `unknown milestone "Nope" in program "Pay ments/EU"` {
				t.Errorf("got %v", b)
			}
		}},
		{"unknown endpoint", "/api/v2/x", 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, h, tt.path)
			if code != tt.code {
				t.Fatalf("code: got %d, want %d (%v)", code, tt.code, body)
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
	// Over a real transport too.
	resp, err := http.Get(srv.URL + prog + "/milestones/Checkout%20v2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("real server: got %d, want 200", resp.StatusCode)
	}
}

func TestHandlerNoReport(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		code int
	}{
		{"not yet", fmt.Errorf("read report: %w", cairn.ErrNotFound), 503},
		{"broken", errors.New("disk on fire"), 500},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, Handler(fakeSource{err: tt.err}), "/api/v1/programs")
			if code != tt.code || body["error"] == nil {
				t.Errorf("got %d %v, want %d with an error", code, body, tt.code)
			}
		})
	}
}
