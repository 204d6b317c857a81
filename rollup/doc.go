// Package rollup maps the synced Jira and GitHub data onto the configured programs and
// milestones and computes, as of a given time, each milestone's progress, scope change, flow,
// blockers, forecast and status. Compute is pure: data, a Spec and an asOf time in, a Report
// out; no I/O, no clock, forecasts seeded by ForecastSeed(program, milestone, ISO week). It
// computes milestones and team flows on every core, each into its own slot, so the result does
// not depend on scheduling. Run is the thin store-side wrapper of a one-shot rollup; Engine is
// the incremental one the service runs after each sync (see the last section).
//
// # Items and mapping
//
// A work item is a Jira issue (not a sub-task: sub-tasks roll into their parent and are not
// counted), a pull request without a Jira key, or a GitHub issue. A PR that carries the key of a
// synced Jira issue (pr_issue_links; a sub-task's key counts for its parent) is the same piece
// of work as that issue and is counted once, as the issue. A PR closed without merge that carries
// no key is abandoned and ignored. Deleted rows are never loaded.
//
// A milestone's items are the union of its sources: issues with one of its fix versions (by
// name), the children of its epics (epic_key or parent_key; the epic itself is not counted),
// issues with one of its labels or components, PRs and GitHub issues in one of its GitHub
// milestones or with one of its GitHub labels ("owner/repo:title"), and every PR of its repos.
// A PR brings in the Jira issue it carries, or itself when it carries none.
//
// Categories: a Jira issue's status category; an open PR is in progress (since it was opened),
// a merged PR done; an open GitHub issue is to do, a closed one done. An item is done at its last
// entry into done (the resolution date, else the update time, when the history has none), and
// started at its first entry into in progress.
//
// The due date is the configured one, else the latest release date of the milestone's Jira
// versions, else the latest due_on of its GitHub milestones (DueSource says which).
//
// # Numbers
//
//   - Scope: items and story points by category, done ratio; Unestimated counts open items
//     without points.
//   - Scope change. Membership history is not synced, so: an item is "added" when it was created
//     after the reference day; the net change comes from the stored snapshot of the reference
//     day (or the latest before it). With N items now, S in that snapshot and A created since:
//     added = max(A, N−S) (an older item moved in is added too, though not by key), removed =
//     added − (N−S). Without a snapshot: added = A, removed = 0. The reference day is the
//     configured baseline (else the first snapshot's day) for "since baseline", and asOf's day
//     minus 7 for "week".
//   - Blockers: open Jira items with an "is blocked by" link whose blocking item is not done (an
//     unsynced blocking key counts as open), flagged, or of priority Blocker; with the blocking
//     item, its team and, when it belongs to another program's milestone, that program.
//   - Stale: in-progress items not updated for StaleDays days. Waiting for review: open,
//     non-draft PRs of the milestone with no submitted review ReviewWaitHours after opening.
//   - Flow (per program: its items and their PRs; per team: the team's items and PRs; a team is a
//     Jira project or GitHub repo unless Spec.Teams maps them): throughput per complete ISO week,
//     the last HistoryWeeks weeks, zero weeks included; cycle time (first entry into in progress
//     to the last entry into done: a reopened item keeps its first start), lead time (created to
//     done), PR time to first review and to merge; percentiles are nearest-rank over the
//     durations ending in the trailing HistoryWeeks·7 days, Count and Sum over all time;
//     velocity per closed sprint that ended in that window (committed: points of the items now in
//     the sprint; completed: those done by the sprint's end).
//   - Forecast: RunForecast over the summed weekly throughput of the milestone's teams (configured,
//     else the teams of its items), remaining = items not done, start = asOf's day; scope growth
//     per week from the snapshots at the week's edges when they all exist. Weeks that ended
//     before the teams' first item was created are not history (a new team's forecast is low
//     confidence until it has 6 weeks).
//
// # Status rubric
//
// Evaluated per milestone, first match wins; thresholds are Spec.Thresholds
// (DefaultThresholds: 0.5, 0.85, 7 days, 10 %, 24 h):
//
//  1. grey: no items ("No work items found ...").
//  2. done: every item is done.
//  3. grey: no due date (with the stalled reason of rule 4 added when it holds).
//  4. red, listing every reason that holds: the due day has passed with work left; P(on time)
//     < RedOnTime ("P(on time) is 32%: forecast P85 is 2027-01-12, 4 weeks after the due date
//     2026-12-15"; the P85 day is the last day of the P85 week); no item changed status or was
//     created for StalledDays days ("Stalled: ...").
//  5. amber, listing every reason that holds: no forecast; P(on time) < AmberOnTime; open
//     blockers ("2 open blockers: PAY-2 is blocked by OPS-1 (OPS, program Platform); PAY-3 is
//     flagged"); scope grew by more than ScopeGrowthWeek in the last 7 days; a connector's last
//     successful sync is older than StaleDataHours ("Jira data is 30 hours old ...").
//  6. green: "P(on time) is 92%: forecast P85 is 2026-12-08, 1 week before the due date ...".
//
// A program's status is its worst milestone's (red > amber > green > grey > done), with those
// milestones' reasons prefixed by the milestone's name.
//
// # History
//
// Run stores one Snapshot per milestone per day (the last rollup of the day wins). On a new
// install (no snapshots) it first backfills BackfillDays days: for each day, the milestone's
// current items created by the end of the day, in the category their status history gives at
// that time. Backfilled snapshots carry no forecast.
//
// # Incremental rollup
//
// Run loads everything, computes everything and stores the whole report: the one-shot path of
// `cairn rollup`, the demo and the report commands. `cairn serve` runs an Engine after each
// sync instead, whose Update stores the very report (byte for byte) and snapshots Run would at
// the same as-of time (TestEngineMatchesRun checks this after random synced changes and as-of
// moves), in a fraction of the time:
//
//   - Change capture. The store's write methods list in rollup_dirty, in the transaction of
//     the write and with one statement per page, every Jira issue, link, pull request and
//     GitHub issue whose rows (status changes, fix versions, sprints, reviews and Jira keys
//     included) they inserted, updated or deleted (store.TestCaptureCoversEveryWrite checks
//     every write path against triggers). Update takes the list
//     and deletes it in one transaction and re-reads exactly those rows into the data it keeps
//     in memory (store.PatchRollup), and the small tables (versions, sprints, GitHub
//     milestones, last syncs) whole.
//   - The world, patched. The Engine keeps the world built from the data (items, the key and
//     membership indexes, each milestone's members, each team's and program's items and PRs)
//     and patches it: an edited Jira issue, PR or GitHub issue gets its item rebuilt in place
//     (a sub-task marks its parent's; a PR merged into a Jira item marks that item). When the
//     change reaches the world's structure (rows removed or inserted out of order, or a key,
//     parent, epic, project, fix version, label, component, GitHub milestone or label, a PR's
//     Jira keys or abandonment, or the versions' names changed), it is rebuilt from the patched
//     data (UpdateInfo.Rebuilt says why): item order decides the evidence lists' order, so a
//     row cannot simply be appended anywhere. New rows are inserted in place where a rebuild
//     puts them: new Jira issues (rows appended to the issue table: the highest ids) after the
//     last Jira item; new pull requests (anywhere in the PR table, which is in repo and number
//     order) into the PR list of the Jira item whose key they carry, or as an item of their own
//     among the PR items in PR order, and into their repo's, GitHub milestone's and labels'
//     lists after their repo's lower-numbered PRs; new GitHub issues (the highest ids) last.
//     Every later item and PR index moves up past them in every list and index, the milestones
//     whose sources name them get their members again, and only those milestones' programs
//     (and those of a Jira item that gained a PR) group their items and PRs again. When other
//     rows came or went, the old world's results carry over to the new one wherever their items
//     are the same items in the same order and none changed (a PR moving to or from an item,
//     or a changed PR of a team's repos, counts as a change). Links
//     rebuild only the blocked-by index.
//   - Recompute only what is out of date. A milestone's result (its report before the
//     status) is kept with what it read beyond its members: the blocking items (their status,
//     team and refs), its teams' throughput, its snapshot history, its due date, and the
//     instant it expires. Every comparison milestone() makes with asOf reports to a per-result
//     clock the first instant it would come out otherwise (an in-progress item turning stale
//     at its update + StaleDays, a completion leaving "the last 7 days", an open PR's review
//     wait passing ReviewWaitHours, a future review, completion or creation reaching asOf), and
//     the result stands until the earliest. So a milestone is recomputed when a member or a
//     blocking item it read changed, its teams' weekly throughput, history or due date
//     changed, or its clock expired; the others are reused as they are. The status rubric
//     (past due, stalled, stale data: cheap) runs for every milestone on every update. A
//     team's or program's flow is recomputed when one of its items or PRs changed, the
//     sprints changed, or an edge of its own passed (a completion or duration end reaching
//     asOf, or leaving the trailing percentile window); forecasts are memoised by their whole
//     input. TestEngineMatchesRun steps asOf exactly onto such edges and 1 ns past them.
//   - Encoding. Only the milestones recomputed, or whose status or reasons moved, are encoded
//     again; the others' parts are referred to by hash (their JSON is not kept in memory).
//   - Saving. The report is stored as a skeleton and one content-addressed part per milestone
//     (store.SaveReportParts): only new parts are written; store.DB.LatestReport reassembles
//     the same JSON; parts go with the last report that uses them.
//
// Update falls back to a full load (and clears the change list first) on its first run, after
// any failed Update (its state is dropped, never half-patched), on a new UTC day (the snapshot
// history, forecast start and ISO week move), when asOf goes back, when another run cleared the
// change list (Run does, bumping its generation), and when more than MaxChanges rows changed (a
// full sync dirties everything).
package rollup
