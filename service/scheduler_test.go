package service

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// fakeClock hands out timers that fire only when the test advances it; every After call is
// announced on waits, so a test knows when the scheduler loop is idle again.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	waits   chan time.Duration
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, waits: make(chan time.Duration, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	}
	c.waits <- d
	return ch
}

// Advance moves the clock and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// nextWait waits for the scheduler to ask for its next timer and returns the duration.
func (c *fakeClock) nextWait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.waits:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduler never waited")
		return 0
	}
}

func TestScheduleLocation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// Saturday 2026-03-07 13:00 UTC is 08:00 EST; US daylight time starts on Sunday the 8th.
	start := time.Date(2026, 3, 7, 13, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		loc       *time.Location
		spec      string
		wantFirst time.Duration // from start to the first fire
		wantNext  time.Duration // from the first fire to the second
	}{
		{"utc by default", nil, "0 9 * * *", 20 * time.Hour, 24 * time.Hour},
		{"configured zone, across the DST change", ny, "0 9 * * *", 1 * time.Hour, 23 * time.Hour},
		{"CRON_TZ in the spec wins", time.UTC, "CRON_TZ=Asia/Tokyo 0 9 * * *", 11 * time.Hour, 24 * time.Hour},
		{"every 15 minutes", ny, "*/15 * * * *", 15 * time.Minute, 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock(start)
			sched, err := parseSchedule(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			fired := make(chan time.Time, 10)
			loc := tt.loc
			if loc == nil {
				loc = time.UTC
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				schedule(ctx, clock, loc, []*entry{{job: "j", sched: sched, fire: func() { fired <- clock.Now() }}})
			}()
			defer func() { cancel(); <-done }()

			if got := clock.nextWait(t); got != tt.wantFirst {
				t.Fatalf("first wait: got %v, want %v", got, tt.wantFirst)
			}
			clock.Advance(tt.wantFirst)
			if got := clock.nextWait(t); got != tt.wantNext {
				t.Fatalf("second wait: got %v, want %v", got, tt.wantNext)
			}
			if len(fired) != 1 {
				t.Fatalf("fired %d times, want 1", len(fired))
			}
			if got := <-fired; !got.Equal(start.Add(tt.wantFirst)) {
				t.Errorf("fired at %v, want %v", got, start.Add(tt.wantFirst))
			}
		})
	}
}

func TestParseScheduleRejectsBadSpecs(t *testing.T) {
	for _, spec := range []string{"", "* * *", "61 * * * *", "CRON_TZ=Nowhere/Else * * * * *", "TZ="} {
		if _, err := parseSchedule(spec); err == nil {
			t.Errorf("parseSchedule(%q): got nil error, want one", spec)
		}
	}
}

// blockingRunner records its runs in the store like the real runners and blocks each run until
// the test releases it.
type blockingRunner struct {
	name    string
	db      *store.DB
	started chan bool // receives full for each run that starts
	release chan struct{}
	panicOn bool
	err     error
	mu      sync.Mutex
	calls   int
}

func newBlockingRunner(name string, db *store.DB) *blockingRunner {
	return &blockingRunner{name: name, db: db, started: make(chan bool, 10), release: make(chan struct{}, 10)}
}

func (r *blockingRunner) Name() string { return r.name }

func (r *blockingRunner) Run(ctx context.Context, full bool) (syncer.Result, error) {
	r.mu.Lock()
	r.calls++
	r.mu.Unlock()
	mode := syncer.ModeIncremental
	if full {
		mode = syncer.ModeFull
	}
	res := syncer.Result{Connector: r.name, Mode: mode}
	id, err := r.db.StartRun(ctx, r.name, mode, r.db.Now())
	if err != nil {
		return res, err
	}
	res.RunID = id
	r.started <- full
	if r.panicOn {
		panic("boom in " + r.name)
	}
	var runErr error
	select {
	case <-r.release:
		res.Counts = cairn.Counts{New: 3, Updated: 2, Pages: 1}
		runErr = r.err
	case <-ctx.Done():
		runErr = ctx.Err()
	}
	res.Duration = 1500 * time.Millisecond
	if err := r.db.FinishRun(context.WithoutCancel(ctx), id, r.db.Now(), res.Counts, 4, runErr); err != nil {
		return res, err
	}
	return res, runErr
}

func (r *blockingRunner) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

func openTestDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func startService(t *testing.T, opts Options) *Service {
	t.Helper()
	if opts.Listen == "" && opts.Listener == nil {
		opts.Listen = "127.0.0.1:0"
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func waitStarted(t *testing.T, r *blockingRunner) bool {
	t.Helper()
	select {
	case full := <-r.started:
		return full
	case <-time.After(10 * time.Second):
		t.Fatal("the run never started")
		return false
	}
}

func TestOverlappingRunIsSkippedAndCounted(t *testing.T) {
	db := openTestDB(t)
	clock := newFakeClock(time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC))
	r := newBlockingRunner("github", db)
	s := startService(t, Options{DB: db, Clock: clock, NoBootSync: true,
		Connectors: []Connector{{Runner: r, Schedule: "* * * * *"}}})

	clock.nextWait(t)
	clock.Advance(30 * time.Second) // 10:01: the first run starts and blocks
	if full := waitStarted(t, r); full {
		t.Error("scheduled sync ran full, want incremental")
	}
	clock.nextWait(t)
	clock.Advance(time.Minute) // 10:02: the first run is still going
	clock.nextWait(t)          // the tick was handled
	if got := testutil.ToFloat64(s.health.skipped.WithLabelValues("github_sync")); got != 1 {
		t.Errorf("cairn_job_skipped_total{task=github_sync}: got %v, want 1", got)
	}
	if got := testutil.ToFloat64(s.health.running.WithLabelValues("github")); got != 1 {
		t.Errorf("cairn_sync_running: got %v, want 1", got)
	}
	r.release <- struct{}{}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := r.Calls(); got != 1 {
		t.Errorf("runner called %d times, want 1", got)
	}
	if got := testutil.ToFloat64(s.health.runs.WithLabelValues("github", "ok")); got != 1 {
		t.Errorf("cairn_sync_runs_total{outcome=ok}: got %v, want 1", got)
	}
	if got := testutil.ToFloat64(s.health.running.WithLabelValues("github")); got != 0 {
		t.Errorf("cairn_sync_running after the run: got %v, want 0", got)
	}
}

func TestPanickingSyncIsRecoveredAndRecorded(t *testing.T) {
	db := openTestDB(t)
	r := newBlockingRunner("jira", db)
	r.panicOn = true
	var rollups int
	s := startService(t, Options{DB: db, NoBootSync: true, Connectors: []Connector{{Runner: r}},
		AfterSync: func(context.Context) error { rollups++; return nil }})
	started, err := s.Sync(context.Background(), "jira", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	runs, err := db.Runs(context.Background(), "jira", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Fatalf("got %d runs, want 1: %+v", len(runs), runs)
	}
	if runs[0].Status != cairn.RunFailed || !strings.Contains(runs[0].Error, "boom in jira") {
		t.Errorf("run: got status %q error %q, want failed with the panic", runs[0].Status, runs[0].Error)
	}
	if len(started) != 1 || started[0].ID != runs[0].ID {
		t.Errorf("Sync returned %+v, want the id %d", started, runs[0].ID)
	}
	if got := testutil.ToFloat64(s.health.panics.WithLabelValues("jira_reconcile")); got != 1 {
		t.Errorf("cairn_job_panics_total: got %v, want 1", got)
	}
	if got := testutil.ToFloat64(s.health.runs.WithLabelValues("jira", "failed")); got != 1 {
		t.Errorf("cairn_sync_runs_total{outcome=failed}: got %v, want 1", got)
	}
	if rollups != 0 {
		t.Errorf("rollup ran %d times after a failed sync, want 0", rollups)
	}
}

func TestPanickingJobIsRecoveredAndCounted(t *testing.T) {
	db := openTestDB(t)
	clock := newFakeClock(time.Date(2026, 3, 2, 6, 59, 0, 0, time.UTC))
	ran := make(chan struct{}, 1)
	s := startService(t, Options{DB: db, Clock: clock, Jobs: []Job{{Name: "pages", Schedule: "0 7 * * *",
		Run: func(context.Context) error { defer func() { ran <- struct{}{} }(); panic("template exploded") }}}})
	clock.nextWait(t)
	clock.Advance(time.Minute)
	<-ran
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(s.health.panics.WithLabelValues("pages")); got != 1 {
		t.Errorf("cairn_job_panics_total{task=pages}: got %v, want 1", got)
	}
	if got := testutil.ToFloat64(s.health.jobRuns.WithLabelValues("pages", "failed")); got != 1 {
		t.Errorf("cairn_job_runs_total{task=pages,outcome=failed}: got %v, want 1", got)
	}
}

func TestBootSync(t *testing.T) {
	t.Run("empty database: a full sync at start, then the rollup", func(t *testing.T) {
		db := openTestDB(t)
		r := newBlockingRunner("github", db)
		rolled := make(chan struct{}, 1)
		s := startService(t, Options{DB: db, Clock: newFakeClock(time.Now()), Connectors: []Connector{{Runner: r, Schedule: "0 0 1 1 *"}},
			AfterSync: func(context.Context) error { rolled <- struct{}{}; return nil }})
		if full := waitStarted(t, r); !full {
			t.Error("boot sync was incremental, want full")
		}
		r.release <- struct{}{}
		<-rolled
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		last, err := db.LastSuccess(context.Background(), "github")
		if err != nil || last.IsZero() {
			t.Errorf("LastSuccess after the boot sync: got %v, %v; want a time", last, err)
		}
		if got := testutil.ToFloat64(s.health.jobRuns.WithLabelValues("rollup", "ok")); got != 1 {
			t.Errorf("rollups: got %v, want 1", got)
		}
	})
	t.Run("a successful run exists: no boot sync; history seeds the metrics", func(t *testing.T) {
		db := openTestDB(t)
		ctx := context.Background()
		start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		id, err := db.StartRun(ctx, "github", syncer.ModeFull, start)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.FinishRun(ctx, id, start.Add(90*time.Second), cairn.Counts{}, 1, nil); err != nil {
			t.Fatal(err)
		}
		// A run a dead process left running.
		if _, err := db.StartRun(ctx, "github", syncer.ModeIncremental, start.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		r := newBlockingRunner("github", db)
		s := startService(t, Options{DB: db, Clock: newFakeClock(time.Now()), Connectors: []Connector{{Runner: r}}})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if got := r.Calls(); got != 0 {
			t.Errorf("runner called %d times, want 0", got)
		}
		if got := testutil.ToFloat64(s.health.lastSuccess.WithLabelValues("github")); got != float64(start.Add(90*time.Second).Unix()) {
			t.Errorf("last success: got %v, want %v", got, start.Add(90*time.Second).Unix())
		}
		if got := testutil.ToFloat64(s.health.lastDuration.WithLabelValues("github")); got != 90 {
			t.Errorf("last duration: got %v, want 90", got)
		}
		runs, _ := db.Runs(ctx, "github", 1)
		if runs[0].Status != cairn.RunFailed {
			t.Errorf("interrupted run: got status %q, want failed", runs[0].Status)
		}
	})
}

func TestRollupsCoalesce(t *testing.T) {
	db := openTestDB(t)
	gh, jira := newBlockingRunner("github", db), newBlockingRunner("jira", db)
	inRollup, releaseRollup := make(chan struct{}, 10), make(chan struct{})
	var mu sync.Mutex
	rollups := 0
	s := startService(t, Options{DB: db, NoBootSync: true, Connectors: []Connector{{Runner: gh}, {Runner: jira}},
		AfterSync: func(context.Context) error {
			mu.Lock()
			rollups++
			mu.Unlock()
			inRollup <- struct{}{}
			<-releaseRollup
			return nil
		}})
	ctx := context.Background()
	// The fake runners report their ids only when they end, so Sync returns at the end of the
	// run: release them first.
	gh.release <- struct{}{}
	if _, err := s.Sync(ctx, "github", false); err != nil {
		t.Fatal(err)
	}
	<-inRollup // the rollup after github is running
	jira.release <- struct{}{}
	if _, err := s.Sync(ctx, "jira", false); err != nil {
		t.Fatal(err)
	}
	// Wait for jira's run to be recorded: it asks the running rollup for one more.
	for testutil.ToFloat64(s.health.runs.WithLabelValues("jira", "ok")) != 1 {
		runtime.Gosched()
	}
	close(releaseRollup)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if rollups != 2 {
		t.Errorf("rollups: got %d, want 2 (one running, one more after)", rollups)
	}
}

func TestSyncRefusesWhileRunning(t *testing.T) {
	db := openTestDB(t)
	gh, jira := newBlockingRunner("github", db), newBlockingRunner("jira", db)
	s := startService(t, Options{DB: db, NoBootSync: true, Connectors: []Connector{{Runner: gh}, {Runner: jira}}})
	ctx := context.Background()
	s.tickSync(s.byName["github"], false, "github_sync")
	waitStarted(t, gh)
	if _, err := s.Sync(ctx, "all", false); !errors.Is(err, cairn.ErrRunning) {
		t.Errorf("Sync(all) while github runs: got %v, want ErrRunning", err)
	}
	if _, err := s.Sync(ctx, "gitlab", false); !errors.Is(err, ErrUnknownConnector) {
		t.Errorf("Sync(gitlab): got %v, want ErrUnknownConnector", err)
	}
	// All or nothing: jira was not started by the refused "all".
	if got := jira.Calls(); got != 0 {
		t.Errorf("jira runs: got %d, want 0", got)
	}
	gh.release <- struct{}{}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sync(ctx, "jira", false); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close: got %v, want ErrClosed", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	db := openTestDB(t)
	r := newBlockingRunner("github", db)
	tests := []struct {
		name string
		opts Options
	}{
		{"no database", Options{}},
		{"bad schedule", Options{DB: db, Connectors: []Connector{{Runner: r, Schedule: "every day"}}}},
		{"bad reconcile", Options{DB: db, Connectors: []Connector{{Runner: r, Reconcile: "* * *"}}}},
		{"connector twice", Options{DB: db, Connectors: []Connector{{Runner: r}, {Runner: r}}}},
		{"job without function", Options{DB: db, Jobs: []Job{{Name: "pages", Schedule: "0 7 * * 1"}}}},
		{"job named rollup", Options{DB: db, Jobs: []Job{{Name: "rollup", Schedule: "0 7 * * 1", Run: func(context.Context) error { return nil }}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opts); err == nil {
				t.Error("got nil error, want one")
			}
		})
	}
}
