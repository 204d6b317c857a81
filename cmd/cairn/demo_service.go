package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/config"
	"github.com/cairn-dev/cairn/publish/api"
	"github.com/cairn-dev/cairn/publish/metrics"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/service"
	"github.com/cairn-dev/cairn/store"
)

// demoService is what the demo needs of the running service.
type demoService interface {
	Addr() string
	// Sync starts runs of a connector ("all" for every one) and returns once they are recorded.
	Sync(ctx context.Context, connector string, full bool) error
	Close() error
}

// startDemoService wires the config's connectors, the rollup after each sync, the metrics, the
// status pages, the JSON API and the page publishing job into the service, starts it, and starts
// a full sync of every connector (also when --db holds an earlier demo's data: the world is
// generated afresh at every start).
// TODO(demo): use Main from serve.go once it lands, so the demo runs exactly what serve runs.
func startDemoService(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger) (demoService, error) {
	runners, err := newRunners(cfg, db, log, runnerOptions{})
	if err != nil {
		return nil, err
	}
	spec := rollupSpec(cfg)
	reports := rollup.Reports{DB: db}
	reg := prometheus.NewRegistry()
	if err := reg.Register(metrics.New(reports, metrics.Options{Logger: log})); err != nil {
		return nil, err
	}
	pub, err := publishOptions(cfg, log)
	if err != nil {
		return nil, err
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
	ver, rev, gov := buildInfo()
	pagesHandler := pages.NewHandler(reports, pageOptions(cfg))
	apiHandler := api.Handler(reports)
	svc, err := service.New(service.Options{
		DB:         db,
		Connectors: conns,
		AfterSync: func(ctx context.Context) error {
			_, err := rollup.Run(ctx, db, spec, time.Now())
			return err
		},
		Jobs: []service.Job{{Name: "pages", Schedule: cfg.Pages.Schedule, Run: func(ctx context.Context) error {
			_, err := pages.Publish(ctx, reports, pub)
			return err
		}}},
		Location: cfg.Location(),
		Listen:   cfg.Listen,
		APIToken: cfg.APIToken.Reveal(),
		Health:   service.NewHealth(service.BuildInfo{Version: ver, Revision: rev, GoVersion: gov}),
		Registry: reg,
		Routes: []service.Route{
			{Pattern: "GET /programs", Handler: pagesHandler, Title: "Status pages"},
			{Pattern: "/programs/", Handler: pagesHandler},
			{Pattern: "/api/v1/programs", Handler: apiHandler, Title: "Programs (JSON)"},
			{Pattern: "/api/v1/programs/", Handler: apiHandler},
		},
		Log:        log,
		NoBootSync: true,
	})
	if err != nil {
		return nil, err
	}
	if err := svc.Start(ctx); err != nil {
		return nil, err
	}
	s := &demoSvc{svc}
	if err := s.Sync(ctx, "all", true); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

type demoSvc struct{ *service.Service }

func (s *demoSvc) Addr() string { return s.Service.Addr().String() }

func (s *demoSvc) Sync(ctx context.Context, connector string, full bool) error {
	_, err := s.Service.Sync(ctx, connector, full)
	return err
}
