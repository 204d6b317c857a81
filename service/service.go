package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// Connector is one connector's runner and its schedules.
type Connector struct {
	Runner syncer.Runner
	// Schedule is the cron spec of incremental syncs; "" schedules none.
	Schedule string
	// Reconcile is the cron spec of full syncs (listing, deletions, metadata); "" schedules none.
	Reconcile string
}

// Job is a scheduled task besides the syncs, such as publishing the status pages.
type Job struct {
	Name     string // label of the job's metrics; letters, digits and underscores
	Schedule string // cron spec
	Run      func(ctx context.Context) error
}

// Route is an extra HTTP route mounted on the service's mux.
type Route struct {
	// Pattern is an http.ServeMux pattern: "/programs/", "GET /api/v1/programs/".
	Pattern string
	Handler http.Handler
	// Title, when set, makes the index page link to the pattern's path.
	Title string
}

// Options are what the service runs. Only DB is required.
type Options struct {
	DB         *store.DB
	Connectors []Connector
	// AfterSync runs after every successful sync (the rollup); nil runs nothing.
	AfterSync func(ctx context.Context) error
	Jobs      []Job
	// Location is the time zone of the schedules (default UTC).
	Location *time.Location
	// Listen is the HTTP server's host:port; Listener, when set, is used instead.
	Listen   string
	Listener net.Listener
	// APIToken guards POST /api/v1/sync; "" disables it (404).
	APIToken string
	// Health receives the service's own metrics; nil means a new one with an empty BuildInfo.
	Health *Health
	// Registry is served on /metrics; New registers Health in it. Nil means a new registry.
	Registry *prometheus.Registry
	Routes   []Route
	Log      *slog.Logger
	// Clock drives the scheduler (default the real clock).
	Clock Clock
	// ShutdownGrace bounds how long Close waits for running jobs before cancelling them
	// (default 20s).
	ShutdownGrace time.Duration
	// NoBootSync turns off the full sync at Start of connectors that never succeeded.
	NoBootSync bool
}

// ErrClosed is returned when a run is asked of a service that is shutting down.
var ErrClosed = errors.New("service is shutting down")

// ErrUnknownConnector is returned by Sync for a connector name it does not run.
var ErrUnknownConnector = errors.New("unknown connector")

// DefaultShutdownGrace is how long Close lets running jobs finish by default.
const DefaultShutdownGrace = 20 * time.Second

// Service schedules and serves; see the package doc.
type Service struct {
	opts   Options
	db     *store.DB
	log    *slog.Logger
	health *Health
	reg    *prometheus.Registry
	loc    *time.Location
	clock  Clock
	conns  []*conn
	byName map[string]*conn
	jobs   []*jobSlot
	mux    *http.ServeMux

	// runCtx is the context of every job; Close cancels it after the grace period.
	runCtx     context.Context
	cancelRuns context.CancelFunc
	wg         sync.WaitGroup // every job goroutine

	mu         sync.Mutex
	started    bool
	closing    bool
	closed     chan struct{} // closed when Close is done
	closeErr   error
	stopSched  context.CancelFunc
	schedDone  chan struct{}
	srv        *http.Server
	ln         net.Listener
	serveDone  chan struct{}
	rollupRun  bool // a rollup is in progress
	rollupMore bool // a sync finished during it: run once more
}

// conn is a connector and the slot its runs share.
type conn struct {
	name      string
	runner    syncer.Runner
	schedule  string
	reconcile string
	busy      atomic.Bool
}

type jobSlot struct {
	Job
	busy atomic.Bool
}

// New checks the options and builds the service; it does no I/O.
func New(opts Options) (*Service, error) {
	if opts.DB == nil {
		return nil, errors.New("service: no database")
	}
	s := &Service{opts: opts, db: opts.DB, log: opts.Log, health: opts.Health, reg: opts.Registry,
		loc: opts.Location, clock: opts.Clock, byName: map[string]*conn{}, closed: make(chan struct{})}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.health == nil {
		s.health = NewHealth(BuildInfo{})
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.opts.ShutdownGrace <= 0 {
		s.opts.ShutdownGrace = DefaultShutdownGrace
	}
	if err := s.reg.Register(s.health); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, fmt.Errorf("service: register health metrics: %w", err)
		}
	}
	var errs []error
	for _, c := range opts.Connectors {
		if c.Runner == nil {
			errs = append(errs, errors.New("service: connector without a runner"))
			continue
		}
		name := c.Runner.Name()
		if s.byName[name] != nil {
			errs = append(errs, fmt.Errorf("service: connector %q given twice", name))
			continue
		}
		cn := &conn{name: name, runner: c.Runner, schedule: c.Schedule, reconcile: c.Reconcile}
		s.conns = append(s.conns, cn)
		s.byName[name] = cn
		s.health.AddConnector(name)
		s.health.AddJob(name+"_sync", false)
		s.health.AddJob(name+"_reconcile", false)
	}
	if opts.AfterSync != nil {
		s.health.AddJob(jobRollup, true)
	}
	seen := map[string]bool{}
	for _, j := range opts.Jobs {
		switch {
		case j.Name == "" || j.Run == nil:
			errs = append(errs, fmt.Errorf("service: job %q needs a name and a function", j.Name))
		case seen[j.Name] || j.Name == jobRollup:
			errs = append(errs, fmt.Errorf("service: job %q given twice", j.Name))
		default:
			seen[j.Name] = true
			s.jobs = append(s.jobs, &jobSlot{Job: j})
			s.health.AddJob(j.Name, true)
		}
	}
	if _, err := s.entries(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s.runCtx, s.cancelRuns = context.WithCancel(context.Background())
	s.mux = s.routes()
	return s, nil
}

const jobRollup = "rollup"

// entries builds the scheduler's entries from the connectors' and jobs' schedules.
func (s *Service) entries() ([]*entry, error) {
	var out []*entry
	var errs []error
	add := func(job, spec string, fire func()) {
		if spec == "" {
			return
		}
		sched, err := parseSchedule(spec)
		if err != nil {
			errs = append(errs, fmt.Errorf("service: job %s: %w", job, err))
			return
		}
		out = append(out, &entry{job: job, spec: spec, sched: sched, fire: fire})
	}
	for _, c := range s.conns {
		add(c.name+"_sync", c.schedule, func() { s.tickSync(c, false, c.name+"_sync") })
		add(c.name+"_reconcile", c.reconcile, func() { s.tickSync(c, true, c.name+"_reconcile") })
	}
	for _, j := range s.jobs {
		add(j.Name, j.Schedule, func() { s.tickJob(j) })
	}
	return out, errors.Join(errs...)
}

// Health returns the health metrics.
func (s *Service) Health() *Health { return s.health }

// Registry returns the registry served on /metrics.
func (s *Service) Registry() *prometheus.Registry { return s.reg }

// Handler returns the service's HTTP handler (also served by Start).
func (s *Service) Handler() http.Handler { return s.mux }

// Addr returns the address the HTTP server listens on, once Start has returned.
func (s *Service) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Start binds the listener, marks runs left running by a dead process as failed, seeds the
// health metrics from the run history, and starts the HTTP server, the scheduler and the boot
// syncs. It returns once the server listens; Close stops everything it started.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("service: already started")
	}
	if s.closing {
		return ErrClosed
	}
	ln := s.opts.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.opts.Listen); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	names := make([]string, len(s.conns))
	for i, c := range s.conns {
		names[i] = c.name
	}
	// Seed before abandoning, so that the duration of an interrupted run is not taken.
	if err := s.health.Seed(ctx, s.db, names); err != nil {
		ln.Close()
		return fmt.Errorf("seed health metrics: %w", err)
	}
	if n, err := s.db.AbandonRuns(ctx, s.db.Now()); err != nil {
		ln.Close()
		return fmt.Errorf("abandon interrupted runs: %w", err)
	} else if n > 0 {
		s.log.Warn("marked interrupted runs as failed", "runs", n)
	}
	var boot []*conn
	if !s.opts.NoBootSync {
		for _, c := range s.conns {
			last, err := s.db.LastSuccess(ctx, c.name)
			if err != nil {
				ln.Close()
				return fmt.Errorf("read last success of %s: %w", c.name, err)
			}
			if last.IsZero() {
				boot = append(boot, c)
			}
		}
	}
	entries, _ := s.entries() // checked by New

	s.started = true
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.serveDone = make(chan struct{})
	go func() {
		defer close(s.serveDone)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server", "err", err)
		}
	}()
	s.log.Info("listening", "addr", ln.Addr().String())

	schedCtx, stop := context.WithCancel(context.Background())
	s.stopSched = stop
	s.schedDone = make(chan struct{})
	go func() {
		defer close(s.schedDone)
		schedule(schedCtx, s.clock, s.loc, entries)
	}()
	for _, e := range entries {
		s.log.Info("scheduled", "job", e.job, "schedule", e.spec, "time_zone", s.loc.String())
	}
	for _, c := range boot {
		s.log.Info("no successful sync yet: starting a full sync", "connector", c.name)
		if c.busy.CompareAndSwap(false, true) {
			s.spawnLocked(func() { s.runSync(c, true, c.name+"_reconcile", nil) }, c)
		}
	}
	return nil
}

// spawn runs fn on a goroutine the service owns; false (and c released) when it is closing.
func (s *Service) spawn(fn func(), c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spawnLocked(fn, c)
}

func (s *Service) spawnLocked(fn func(), c *conn) bool {
	if s.closing {
		if c != nil {
			c.busy.Store(false)
		}
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
	return true
}

// Close stops scheduling, lets running jobs finish for up to ShutdownGrace, cancels what is
// still running and waits for it (a sync stops at its next page; what it committed stays),
// then stops the HTTP server. The store stays open: its owner closes it. Close is idempotent.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		<-s.closed
		return s.closeErr
	}
	s.closing = true
	started := s.started
	s.mu.Unlock()
	defer close(s.closed)

	if started {
		s.stopSched()
		<-s.schedDone
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(s.opts.ShutdownGrace)
	select {
	case <-done:
		timer.Stop()
	case <-timer.C:
		s.log.Warn("jobs still running after the grace period: cancelling them",
			"grace_seconds", s.opts.ShutdownGrace.Seconds())
	}
	s.cancelRuns()
	<-done
	if started {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.closeErr = fmt.Errorf("stop http server: %w", err)
			s.srv.Close()
		}
		<-s.serveDone
	}
	s.log.Info("stopped")
	return s.closeErr
}

// closingNow reports whether Close has begun.
func (s *Service) closingNow() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}
