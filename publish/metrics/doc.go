// Package metrics exposes the latest stored rollup report to Prometheus: one custom collector
// of const metrics. A scrape never computes a forecast and never calls Jira or GitHub: the
// rollup did the work after the last sync, and the collector only reads its result.
//
// Register it on the service's explicit registry:
//
//	reg.MustRegister(metrics.New(metrics.StoredReports{DB: db}, metrics.Options{Logger: log}))
//
// With StoredReports, each scrape reads one indexed row to learn whether a newer report was
// stored; the report's JSON (megabytes on a large install) is decoded and its metrics rendered
// only then, and later scrapes send the rendered metrics again. Any other Source (a plain
// rollup.Reports) is re-read at most once per Options.MaxAge.
//
// # Metrics
//
// Every metric starts with cairn_, uses base units (seconds, Unix timestamps in seconds, ratios
// 0-1) and carries bounded labels only: program and milestone (the names given in the config),
// team, status, status_category and confidence. Never issue keys, titles or people.
//
// Per milestone (labels program, milestone):
//
//	cairn_milestone_info{due_source,status,forecast_status}  1; join target (group_left)
//	cairn_milestone_status{status}                      state set: done, grey, green, amber, red; 1 for the current
//	cairn_milestone_items{status_category}              items by category: todo, in_progress, done (all three always)
//	cairn_milestone_points{status_category}             story points likewise, when any item is estimated
//	cairn_milestone_unestimated_items                   open items without story points
//	cairn_milestone_due_timestamp_seconds               due day (00:00 UTC), when known
//	cairn_milestone_baseline_timestamp_seconds          baseline day scope change is measured from, when known
//	cairn_milestone_forecast_completion_timestamp_seconds{confidence="0.5|0.85|0.95"}
//	cairn_milestone_forecast_on_time_ratio              P(done by the due date), when defined
//	cairn_milestone_scope_added_since_baseline          items added since the baseline
//	cairn_milestone_scope_removed_since_baseline        items removed since the baseline
//	cairn_milestone_scope_added_week                    items added in the last 7 days
//	cairn_milestone_scope_removed_week                  items removed in the last 7 days
//	cairn_milestone_open_blockers                       open items blocked (link, flag or priority)
//	cairn_milestone_stale_items                         in-progress items with no change for StaleDays
//	cairn_milestone_prs_waiting_review                  open PRs without a review for ReviewWaitHours
//	cairn_milestone_last_progress_timestamp_seconds     the latest time an item reached done
//	cairn_milestone_last_activity_timestamp_seconds     the latest status change or creation of an item
//
// The status_category values are those of the report's ScopeCounts (todo = Jira category "new",
// in_progress = "indeterminate", done = "done"); sum over them is the milestone's scope.
//
// Per program (label program): cairn_program_status{status}, a state set like the milestone's.
//
// Per program and team (labels program, team; the teams are those whose throughput feeds the
// program's milestone forecasts, so sum by (program) is the throughput the forecasts sample; a
// team feeding two programs appears under both):
//
//	cairn_items_completed_total           counter: completions of all time (never falls on a reopen)
//	cairn_cycle_time_seconds              summary: first in progress to done
//	cairn_lead_time_seconds               summary: created to done
//	cairn_pr_review_time_seconds          summary: PR opened to its first review
//	cairn_pr_merge_time_seconds           summary: PR opened to merged
//
// The summaries' quantiles (0.5, 0.85, 0.95; nearest rank, NaN when the window is empty) cover
// the rollup's trailing history window; _count and _sum cover all time.
//
// About the report itself: cairn_rollup_up (1 when the latest report could be read in this
// scrape, 0 when none is stored yet or reading failed), cairn_rollup_last_success_timestamp_seconds
// (the report's as-of time), cairn_rollup_data_timestamp_seconds{connector} (the last
// successful sync the report was computed from) and cairn_rollup_read_duration_seconds (time
// this scrape spent reading and decoding the report; 0 when it was served from the cache).
//
// The service's own health series (cairn_build_info, cairn_sync_*, cairn_api_*, cairn_job_*)
// are registered by the service, not here; deploy/prometheus and deploy/grafana use both.
package metrics
