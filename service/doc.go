// Package service is cairn's long-lived process: it schedules the syncs, the rollup after each
// successful sync and extra jobs (page publishing); serves HTTP (metrics, health, the run
// history and the sync trigger, plus routes the caller mounts); and publishes its own health
// metrics. It takes every part in ready-made (the store, the runners, the rollup as a function,
// collectors, handlers) and builds none of them: cmd/cairn wires them.
//
// # Shape
//
//	health := service.NewHealth(service.BuildInfo{Version: v, Revision: r})
//	// ... build the runners with health as their cairn.Observer ...
//	svc, err := service.New(service.Options{
//		DB:         db,
//		Connectors: []service.Connector{{Runner: gh, Schedule: "*/10 * * * *", Reconcile: "37 3 * * *"}},
//		AfterSync:  func(ctx context.Context) error { _, err := rollup.Run(ctx, db, spec, db.Now()); return err },
//		Jobs:       []service.Job{{Name: "pages", Schedule: "0 7 * * 1", Run: publish}},
//		Location:   loc, Listen: "127.0.0.1:9184", APIToken: token,
//		Health:     health, Registry: reg,
//		Routes:     []service.Route{{Pattern: "/programs/", Handler: pages, Title: "Status pages"}},
//	})
//	err = svc.Start(ctx) // binds the listener, starts the scheduler and the boot sync
//	...
//	err = svc.Close()    // graceful: stop scheduling, let runs finish (bounded), stop HTTP
//
// # Scheduling
//
// Schedules are standard five-field cron specs parsed by robfig/cron/v3 (CRON_TZ= prefixes
// allowed), evaluated in Options.Location (UTC by default). The loop is the service's own rather
// than cron.Cron's so that it runs on an injectable Clock: tests drive it with a fake clock.
//
// Every connector has two jobs, "<name>_sync" (incremental, on Schedule) and "<name>_reconcile"
// (full, on Reconcile). They share one slot: a run of a connector never starts while another run
// of it is in progress; the tick is skipped and counted in cairn_job_skipped_total{job}. The same
// holds for each extra Job. A panicking job is recovered, logged, counted in
// cairn_job_panics_total{job} and, for a sync, recorded as a failed run. After every successful
// sync AfterSync runs (job "rollup"); rollups never overlap, and syncs that finish while one runs
// get one more rollup after it. At Start, runs left "running" by a dead process are marked
// failed, and each connector without a successful run gets a full sync at once.
//
// # HTTP
//
//	GET  /                a small HTML index linking to the routes, runs and metrics
//	GET  /healthz         200 while the process runs
//	GET  /readyz          200 when the database answers and is migrated, 503 otherwise
//	GET  /metrics         the Registry (health series below plus whatever the caller registered)
//	GET  /api/v1/runs     recent runs, newest first (?limit=N, default 50, at most 1000; ?connector=)
//	GET  /api/v1/runs/{id}
//	POST /api/v1/sync     {"connector": "jira"|"github"|"all", "full": bool} -> 202 {"ids": [..], "runs": [..]}
//
// POST /api/v1/sync needs "Authorization: Bearer <api_token>" (401 otherwise, compared in
// constant time) and answers 404 when no token is configured, 409 when a run of the connector is
// in progress, 400 for a bad body or an unknown connector.
//
// # Health metrics
//
//	cairn_build_info{version,revision,goversion}                 1
//	cairn_sync_last_success_timestamp_seconds{connector}         absent until the first success
//	cairn_sync_last_run_duration_seconds{connector}              absent until the first finished run
//	cairn_sync_runs_total{connector,outcome="ok"|"failed"}
//	cairn_sync_running{connector}                                0 or 1
//	cairn_sync_items_total{connector,kind}                       kind: new updated deleted reviews versions sprints
//	cairn_api_requests_total{connector,code}                     code "0" when no response arrived
//	cairn_api_rate_limit_remaining{connector}
//	cairn_api_rate_limit_reset_timestamp_seconds{connector}
//	cairn_job_runs_total{job,outcome}                            rollup and extra jobs
//	cairn_job_skipped_total{job}
//	cairn_job_panics_total{job}
//
// The last-success and last-duration series are seeded from the store's run history at Start,
// so a restart does not reset them.
package service
