package service_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/service"
)

// noServiceGoroutines fails when goroutines of package service outlive Close. Goroutines end
// a moment after the channels that release them close, so it looks again for a while.
func noServiceGoroutines(t *testing.T) {
	t.Helper()
	var stacks string
	for i := 0; i < 500; i++ {
		buf := make([]byte, 4<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "cairn/service.") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("goroutines of package service still running after Close:\n%s", stacks)
}

func startRun(t *testing.T, f *fixture, body string) int64 {
	t.Helper()
	code, _, b := f.do(t, "POST", "/api/v1/sync", "Bearer "+token, body)
	var resp service.SyncResponse
	if code != http.StatusAccepted || json.Unmarshal(b, &resp) != nil || len(resp.IDs) != 1 {
		t.Fatalf("POST /api/v1/sync: %d %s", code, b)
	}
	return resp.IDs[0]
}

func TestShutdownLetsTheRunFinish(t *testing.T) {
	f := setup(t, setupOptions{token: token, grace: time.Minute})
	f.gate.Close()
	id := startRun(t, f, `{"connector":"github","full":true}`)
	<-f.gate.inFlight

	closed := make(chan error, 1)
	go func() { closed <- f.svc.Close() }()
	// Once Close has begun, readiness fails (load balancers stop sending) and no run starts.
	for {
		rec := httptest.NewRecorder()
		f.svc.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		if rec.Code == http.StatusServiceUnavailable {
			break
		}
		time.Sleep(time.Millisecond)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/sync", strings.NewReader(`{"connector":"github"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	f.svc.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("POST while closing: got %d %s, want 503", rec.Code, rec.Body)
	}
	f.gate.Open()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	run, err := f.db.Run(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != cairn.RunOK || run.Counts.New == 0 {
		t.Errorf("run after a graceful stop: %+v, want ok with items", run)
	}
	if err := f.db.IntegrityCheck(context.Background()); err != nil {
		t.Error(err)
	}
	noServiceGoroutines(t)
}

func TestShutdownCancelsAfterTheGracePeriodAndTheNextRunResumes(t *testing.T) {
	dir := t.TempDir()
	f := setup(t, setupOptions{token: token, grace: time.Millisecond, dir: dir})
	f.gate.CloseAfter(100) // some pages are stored, then the fake GitHub hangs
	id := startRun(t, f, `{"connector":"github","full":true}`)
	<-f.gate.inFlight
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	run, err := f.db.Run(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != cairn.RunFailed || !strings.Contains(run.Error, "context canceled") {
		t.Errorf("cancelled run: status %q error %q, want failed by cancellation", run.Status, run.Error)
	}
	if run.Counts.Pages == 0 {
		t.Errorf("cancelled run stored no page: %+v", run)
	}
	if err := f.db.IntegrityCheck(context.Background()); err != nil {
		t.Error(err)
	}
	noServiceGoroutines(t)
	f.db.Close()

	// A new process on the same database: the next run finishes the job.
	g := setup(t, setupOptions{token: token, dir: dir})
	next := g.waitRun(t, startRun(t, g, `{"connector":"github","full":true}`))
	if next.Status != cairn.RunOK {
		t.Errorf("next run: %+v, want ok", next)
	}
	if err := g.db.IntegrityCheck(context.Background()); err != nil {
		t.Error(err)
	}
}
