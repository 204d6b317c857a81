package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/config"
	"github.com/cairn-dev/cairn/publish/api"
	"github.com/cairn-dev/cairn/publish/metrics"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/service"
	"github.com/cairn-dev/cairn/store"
)

func serveCommand() *command {
	return &command{
		name:    "serve",
		summary: "Run the service: scheduled syncs, rollups and pages; metrics, health and the API over HTTP",
		help: `Runs until SIGINT or SIGTERM. Each connector syncs incrementally on its schedule and
in full on its reconcile schedule (in the config's time zone, UTC by default);
the rollup runs after every successful sync and the pages are published on the
pages schedule. A connector that never synced successfully syncs in full at once.

HTTP on listen: / (index), /metrics, /healthz, /readyz, /api/v1/runs,
POST /api/v1/sync (with api_token), /programs/ (status pages), /api/v1/programs.

On the first signal cairn stops scheduling, lets a running sync finish for up
to --grace, cancels it (what it stored stays; the next run resumes), and closes
the database. A second signal exits at once; the database stays consistent.`,
		flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.addr, "listen", "", "listen `address`, overriding the config's listen")
			fs.DurationVar(&o.grace, "grace", service.DefaultShutdownGrace, "how long a running sync may finish on shutdown")
		},
		run: runServe,
	}
}

func runServe(ctx context.Context, env Env, o *options, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	cfg, err := config.LoadEnv(o.configPath, env.LookupEnv)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return reportedError{err}
	}
	if o.addr != "" {
		cfg.Listen = o.addr
	}
	scrub := newScrubber(secretsOf(cfg))
	stderr := scrub.writer(env.Stderr)
	log, err := newLogger(Env{Stdout: scrub.writer(env.Stdout), Stderr: stderr, LookupEnv: env.LookupEnv}, o)
	if err != nil {
		return err
	}
	applyMemoryLimit(env.LookupEnv, "/sys/fs/cgroup", log)
	m := NewMain(cfg, log)
	m.ShutdownGrace = o.grace
	if err := m.Run(ctx); err != nil {
		m.Close()
		fmt.Fprintf(stderr, "cairn serve: %v\n", err)
		return reportedError{err}
	}
	<-ctx.Done()
	log.Info("shutting down (a second signal exits at once)", "grace_seconds", o.grace.Seconds())
	// main's NotifyContext swallows further signals; listen for a second one here.
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			fmt.Fprintf(stderr, "cairn serve: %v\n", err)
			return reportedError{err}
		}
		return nil
	case <-again:
		// main exits on return, in the middle of Close: SQLite's WAL keeps every committed
		// page and drops the transaction in flight.
		err := errors.New("second signal: stopped without waiting for the running sync")
		fmt.Fprintf(stderr, "cairn serve: %v\n", err)
		return reportedError{err}
	}
}

// Main is `cairn serve` wired: the config becomes the store, the runners (reporting to the
// health metrics), the rollup after each sync, the metrics and pages collectors and handlers,
// the page publishing job, and the service that schedules and serves them. The demo and the
// end-to-end tests build one, Run it and Close it, and reach the parts through its fields.
type Main struct {
	Config *config.Config
	Log    *slog.Logger
	// Listener, when set, is served instead of Config.Listen.
	Listener net.Listener
	// DB, when set before Run, is used instead of opening Config.Database, and Close leaves it
	// open.
	DB *store.DB
	// ShutdownGrace bounds how long Close lets a running sync finish (default
	// service.DefaultShutdownGrace).
	ShutdownGrace time.Duration
	// NoBootSync turns off the full sync at start of connectors that never succeeded.
	NoBootSync bool

	// Set by Run.
	Health   *service.Health
	Registry *prometheus.Registry
	Service  *service.Service

	ownDB     bool
	closeOnce sync.Once
	closeErr  error
}

// NewMain returns a Main for cfg; log nil discards.
func NewMain(cfg *config.Config, log *slog.Logger) *Main {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Main{Config: cfg, Log: log}
}

// Run opens the store, builds every part and starts the service; it returns once the HTTP
// server listens. Close undoes it, also after a failed Run.
func (m *Main) Run(ctx context.Context) error {
	cfg, log := m.Config, m.Log
	if m.DB == nil {
		db, err := store.Open(ctx, cfg.Database)
		if err != nil {
			return err
		}
		m.DB, m.ownDB = db, true
	}
	db := m.DB
	ver, rev, gov := buildInfo()
	m.Health = service.NewHealth(service.BuildInfo{Version: ver, Revision: rev, GoVersion: gov})
	progress := service.NewProgress(io.Discard, false, log)
	runners, err := newRunners(cfg, db, log, runnerOptions{Observer: m.Health, Progress: progress.Func()})
	if err != nil {
		return err
	}
	var conns []service.Connector
	for _, r := range runners {
		c := service.Connector{Runner: r}
		switch r.Name() {
		case cairn.ConnectorJira:
			c.Schedule, c.Reconcile = cfg.Jira.Schedule, cfg.Jira.Reconcile
		case cairn.ConnectorGitHub:
			c.Schedule, c.Reconcile = cfg.GitHub.Schedule, cfg.GitHub.Reconcile
		}
		conns = append(conns, c)
	}

	// The API, the pages and the metrics share the latest report, decoded once per report; each
	// request reads one row to learn whether a newer one was stored. The pages and the metrics
	// also render it once, not on every request.
	reports := &rollup.CachedReports{Reports: rollup.Reports{DB: db}}
	m.Registry = prometheus.NewRegistry()
	if err := m.Registry.Register(collectors.NewGoCollector()); err != nil {
		return err
	}
	if err := m.Registry.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return err
	}
	// /metrics: the runtime, process and health series gathered on each scrape, then the
	// report's, encoded once per report (metrics.Handler). Registry holds the same live
	// collectors for whoever gathers it, not the report's.
	metricsHandler := metrics.Handler(metrics.New(reports, metrics.Options{Logger: log}),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), m.Health)
	var jobs []service.Job
	if cfg.Pages.Schedule != "" {
		pub, err := publishOptions(cfg, log)
		if err != nil {
			return err
		}
		jobs = append(jobs, service.Job{Name: "pages", Schedule: cfg.Pages.Schedule, Run: func(ctx context.Context) error {
			_, err := pages.Publish(ctx, reports, pub)
			return err
		}})
	}
	spec := rollupSpec(cfg)
	engine := rollup.NewEngine(db, spec)
	engine.Log = log
	pagesHandler := pages.NewHandler(reports, pageOptions(cfg))
	apiHandler := api.Handler(reports)
	m.Service, err = service.New(service.Options{
		DB:         db,
		Connectors: conns,
		// The incremental rollup: the engine keeps the synced data in memory and recomputes
		// what the sync changed (a full run on the first sync, each new day, or when unsure).
		AfterSync: func(ctx context.Context) error {
			_, _, err := engine.Update(ctx, db.Now())
			return err
		},
		Jobs:     jobs,
		Location: cfg.Location(),
		Listen:   cfg.Listen,
		Listener: m.Listener,
		APIToken: cfg.APIToken.Reveal(),
		Health:   m.Health,
		Registry: m.Registry,
		Routes: []service.Route{
			{Pattern: "GET /metrics", Handler: metricsHandler},
			{Pattern: "GET /programs", Handler: pagesHandler, Title: "Status pages"},
			{Pattern: "/programs/", Handler: pagesHandler},
			{Pattern: "/api/v1/programs", Handler: apiHandler, Title: "Programs (JSON)"},
			{Pattern: "/api/v1/programs/", Handler: apiHandler},
		},
		Log:           log,
		ShutdownGrace: m.ShutdownGrace,
		NoBootSync:    m.NoBootSync,
	})
	if err != nil {
		return err
	}
	return m.Service.Start(ctx)
}

// Addr is the address the HTTP server listens on ("" before Run).
func (m *Main) Addr() string {
	if m.Service == nil || m.Service.Addr() == nil {
		return ""
	}
	return m.Service.Addr().String()
}

// Close stops the service (gracefully, see service.Close) and closes the store it opened.
func (m *Main) Close() error {
	m.closeOnce.Do(func() {
		var errs []error
		if m.Service != nil {
			errs = append(errs, m.Service.Close())
		}
		if m.ownDB && m.DB != nil {
			errs = append(errs, m.DB.Close())
		}
		m.closeErr = errors.Join(errs...)
	})
	return m.closeErr
}
