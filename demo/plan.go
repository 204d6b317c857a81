// Package demo builds cairn's built-in demo: a generated, realistic program world served by the
// fake Jira and fake GitHub on loopback, which the real service then syncs, rolls up and
// publishes. The world is deterministic per seed and, by construction, contains every case a
// TPM meets: a milestone that is done, one on track, one slipping, one overdue, one whose scope
// grew this week, a stalled one, one without a due date, work blocked across programs,
// unestimated items and a team with an empty week.
package demo

import "time"

// team is one of the world's six teams: a Jira project, a GitHub repo, or both.
type team struct {
	name    string
	project string // Jira project key, "" for a GitHub-only team
	repo    string // owner/name, "" for a Jira-only team
}

var teams = []team{
	{name: "Payments", project: "PAY", repo: "acme/payments"},
	{name: "Web", project: "WEB", repo: "acme/web"},
	{name: "Core", project: "CORE"},
	{name: "API", repo: "acme/api"},
	{name: "Mobile", project: "MOB", repo: "acme/mobile"},
	{name: "Infra", repo: "acme/infra"},
}

// Cases a milestone is built to show.
const (
	caseDone     = "done"
	caseOnTrack  = "on track"
	caseSlipping = "slipping"
	caseOverdue  = "overdue"
	caseGrowth   = "scope growth"
	caseStalled  = "stalled"
	caseNoDue    = "no due date"
)

// milestonePlan says how one milestone's work is generated. Counts are per unit of scale.
type milestonePlan struct {
	program      string
	name         string
	shows        string
	team         string
	version      string  // Jira fix version, "" for none
	ghMilestone  string  // GitHub milestone title in the team's repo, "" for none
	epic         bool    // the milestone's Jira work hangs under an epic (referenced by key)
	dueWeeks     float64 // due date relative to now, in weeks; NaN-free: use hasDue
	hasDue       bool
	items        int     // items in scope before this week
	added        int     // items added in the last days (scope growth)
	done         int     // items done by now
	startWeeks   float64 // when work started, weeks ago
	lastDoneDays float64 // the last completion, days ago (stalled milestones stop early)
	inProgress   int     // of the open items, how many are in progress
}

var plans = []milestonePlan{
	{program: "Checkout v2", name: "Beta", shows: caseDone, team: "Payments", version: "PAY 2.0-beta",
		ghMilestone: "v2.0-beta", hasDue: true, dueWeeks: -3, items: 24, done: 24, startWeeks: 26, lastDoneDays: 30},
	{program: "Checkout v2", name: "GA", shows: caseOnTrack, team: "Payments", version: "PAY 2.0",
		hasDue: true, dueWeeks: 12, items: 40, done: 30, startWeeks: 12, lastDoneDays: 1, inProgress: 4},
	{program: "Checkout v2", name: "Mobile launch", shows: caseSlipping, team: "Mobile", version: "MOB 1.0",
		ghMilestone: "v1.0", hasDue: true, dueWeeks: 5, items: 60, done: 18, startWeeks: 12, lastDoneDays: 2, inProgress: 6},
	{program: "Platform 2027", name: "API v3", shows: caseOverdue, team: "Core", version: "CORE 3.0",
		hasDue: true, dueWeeks: -2, items: 30, done: 23, startWeeks: 14, lastDoneDays: 1, inProgress: 3},
	{program: "Platform 2027", name: "Observability", shows: caseGrowth, team: "Web", version: "WEB Observability",
		hasDue: true, dueWeeks: 26, items: 40, added: 10, done: 22, startWeeks: 11, lastDoneDays: 1, inProgress: 4},
	{program: "Platform 2027", name: "Infra migration", shows: caseStalled, team: "Infra", ghMilestone: "migration",
		hasDue: true, dueWeeks: 6, items: 20, done: 10, startWeeks: 12, lastDoneDays: 11, inProgress: 5},
	{program: "Platform 2027", name: "Discovery", shows: caseNoDue, team: "Core", epic: true,
		items: 8, done: 3, startWeeks: 6, lastDoneDays: 3, inProgress: 2},
}

// hostile is a summary that must render as text in every page format.
const hostile = `</td><script>alert(1)</script> & ]]>`

// Summaries to draw from: plain work, non-ASCII text, and the hostile string once.
var summaries = []string{
	"Retry card authorisation on gateway timeout",
	"Zahlungsabwicklung für Überweisungen",
	"決済フローのエラー処理を改善",
	"Café ☕ receipt layout on small screens",
	"Idempotency keys for refunds",
	"Split settlement reports by currency",
	"Move session store to the new cluster",
	"Dark mode for the order summary",
	"Rate-limit the public search endpoint",
	"Export traces to the collector",
	"Drop TLS 1.1 on the edge proxies",
	"Señales de fraude en tiempo real",
	"Accessibility pass on the address form",
	"Paginate the order history API",
	"Upgrade the Postgres minor version",
	"Alert on webhook delivery failures",
}

func weeks(n float64) time.Duration { return time.Duration(n * float64(7*24*time.Hour)) }
func days(n float64) time.Duration  { return time.Duration(n * float64(24*time.Hour)) }
