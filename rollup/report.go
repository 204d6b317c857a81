package rollup

import (
	"fmt"
	"math"
	"time"

	"github.com/cairn-dev/cairn"
)

// Spec is what the rollup is asked to compute: the programs and their milestones, the teams, and
// the thresholds of the status rubric. cmd/cairn builds it from the config; rollup never imports
// config.
type Spec struct {
	Programs   []ProgramSpec `json:"programs"`
	Teams      []TeamSpec    `json:"teams,omitempty"`
	Thresholds Thresholds    `json:"thresholds"`
	// Trials is the number of Monte Carlo trials per forecast; 0 means DefaultForecastTrials.
	Trials int `json:"trials,omitempty"`
	// HistoryWeeks is the number of complete ISO weeks of throughput used for flow and
	// forecasts; 0 means DefaultHistoryWeeks.
	HistoryWeeks int `json:"history_weeks,omitempty"`
	// StaleDays: an in-progress item with no change for this many days is stale; 0 means
	// DefaultStaleDays.
	StaleDays int `json:"stale_days,omitempty"`
	// ReviewWaitHours: an open, non-draft PR with no review for this many hours is waiting for
	// review; 0 means DefaultReviewWaitHours.
	ReviewWaitHours int `json:"review_wait_hours,omitempty"`
}

// Defaults of Spec's zero fields.
const (
	DefaultHistoryWeeks    = 12
	DefaultStaleDays       = 5
	DefaultReviewWaitHours = 24
)

// ProgramSpec is one program: a named list of milestones.
type ProgramSpec struct {
	Name       string          `json:"name"`
	Milestones []MilestoneSpec `json:"milestones"`
}

// MilestoneSpec says where a milestone's work items come from. An item matching several sources
// counts once.
type MilestoneSpec struct {
	Name string `json:"name"`
	// Due is the configured due day (zero: take it from the Jira version or GitHub milestone).
	Due time.Time `json:"due,omitempty"`
	// Baseline is the day scope changes are measured from (zero: the first snapshot).
	Baseline time.Time `json:"baseline,omitempty"`

	// Jira sources: fix version names, epic keys (the epic's children belong to the milestone),
	// labels and components (an issue with any of them belongs to the milestone).
	FixVersions []string `json:"fix_versions,omitempty"`
	Epics       []string `json:"epics,omitempty"`
	Labels      []string `json:"labels,omitempty"`
	Components  []string `json:"components,omitempty"`

	// GitHub sources: "owner/repo:milestone title" and "owner/repo:label"; PRs and GitHub issues
	// carrying them belong to the milestone.
	GitHubMilestones []string `json:"github_milestones,omitempty"`
	GitHubLabels     []string `json:"github_labels,omitempty"`
	// Repos ("owner/repo") every PR of which belongs to the milestone: as the Jira issue it
	// carries, or as an item of its own when it carries no key.
	Repos []string `json:"repos,omitempty"`
	// Teams whose throughput feeds the forecast; empty means the teams owning the items.
	Teams []string `json:"teams,omitempty"`
}

// TeamSpec maps Jira projects and GitHub repos onto a team. Without a TeamSpec an item's team is
// its Jira project key or its GitHub repo.
type TeamSpec struct {
	Name         string   `json:"name"`
	JiraProjects []string `json:"jira_projects,omitempty"`
	Repos        []string `json:"repos,omitempty"`
}

// Thresholds are the configurable numbers of the status rubric (see doc.go). Zero fields take
// the default.
type Thresholds struct {
	// RedOnTime: P(on time) below this is red (default 0.5).
	RedOnTime float64 `json:"red_on_time"`
	// AmberOnTime: P(on time) below this is amber (default 0.85).
	AmberOnTime float64 `json:"amber_on_time"`
	// StalledDays: no item done and no status change for this many days with work left is red
	// (default 7).
	StalledDays int `json:"stalled_days"`
	// ScopeGrowthWeek: scope grown by more than this fraction in the last 7 days is amber
	// (default 0.10).
	ScopeGrowthWeek float64 `json:"scope_growth_week"`
	// StaleDataHours: a connector whose last successful sync is older than this is amber
	// (default 24).
	StaleDataHours int `json:"stale_data_hours"`
}

// DefaultThresholds returns the rubric's default thresholds.
func DefaultThresholds() Thresholds {
	return Thresholds{RedOnTime: 0.5, AmberOnTime: 0.85, StalledDays: 7, ScopeGrowthWeek: 0.10, StaleDataHours: 24}
}

// Status is a milestone's or program's computed status.
type Status string

// The statuses, from best to worst for the program roll-up (grey and done do not make a
// program worse).
const (
	StatusDone  Status = "done"
	StatusGrey  Status = "grey"
	StatusGreen Status = "green"
	StatusAmber Status = "amber"
	StatusRed   Status = "red"
)

// Severity orders statuses for "the program is its worst milestone": done 0, grey 1, green 2,
// amber 3, red 4.
func (s Status) Severity() int {
	switch s {
	case StatusDone:
		return 0
	case StatusGrey:
		return 1
	case StatusGreen:
		return 2
	case StatusAmber:
		return 3
	case StatusRed:
		return 4
	}
	return -1
}

// Due date sources, the values of MilestoneReport.DueSource.
const (
	DueFromConfig          = "config"
	DueFromJiraVersion     = "jira_version"
	DueFromGitHubMilestone = "github_milestone"
	DueNone                = "none"
)

// Report is one rollup: every program's milestones, flow and blockers as of AsOf. It is stored
// as JSON and served by the API.
type Report struct {
	AsOf time.Time `json:"as_of"`
	// Week is AsOf's ISO week, "2026-W48".
	Week     string          `json:"week"`
	Programs []ProgramReport `json:"programs"`
	Teams    []TeamFlow      `json:"teams"`
	// DataAsOf is the last successful sync per connector ("jira", "github").
	DataAsOf map[string]time.Time `json:"data_as_of"`
}

// Program returns the program named name, or nil.
func (r *Report) Program(name string) *ProgramReport {
	for i := range r.Programs {
		if r.Programs[i].Name == name {
			return &r.Programs[i]
		}
	}
	return nil
}

// ProgramReport is one program: the worst of its milestones, and its flow.
type ProgramReport struct {
	Name       string            `json:"name"`
	Status     Status            `json:"status"`
	Reasons    []string          `json:"reasons"`
	Milestones []MilestoneReport `json:"milestones"`
	Flow       Flow              `json:"flow"`
	// Blockers are the open blockers of all milestones, without duplicates.
	Blockers []Blocker `json:"blockers"`
	// Dependencies are the blockers whose blocking item belongs to another team or program.
	Dependencies []Blocker `json:"dependencies"`
}

// Milestone returns the milestone named name, or nil.
func (p *ProgramReport) Milestone(name string) *MilestoneReport {
	for i := range p.Milestones {
		if p.Milestones[i].Name == name {
			return &p.Milestones[i]
		}
	}
	return nil
}

// MilestoneReport is everything known about one milestone.
type MilestoneReport struct {
	Program   string    `json:"program"`
	Name      string    `json:"name"`
	Due       time.Time `json:"due,omitzero"`
	DueSource string    `json:"due_source"`
	Baseline  time.Time `json:"baseline,omitzero"`
	Status    Status    `json:"status"`
	// Reasons are the sentences that set Status, fit to paste into a meeting.
	Reasons []string `json:"reasons"`
	// Teams are the teams whose throughput feeds the forecast.
	Teams []string `json:"teams"`

	Scope       ScopeCounts `json:"scope"`
	Unestimated int         `json:"unestimated"` // items not done without story points
	InProgress  int         `json:"in_progress"`

	// Scope change since the baseline and in the last 7 days, in items (see doc.go).
	ScopeAddedSinceBaseline   int `json:"scope_added_since_baseline"`
	ScopeRemovedSinceBaseline int `json:"scope_removed_since_baseline"`
	ScopeAddedWeek            int `json:"scope_added_week"`
	ScopeRemovedWeek          int `json:"scope_removed_week"`
	// CompletedWeek counts the items done in the last 7 days.
	CompletedWeek int `json:"completed_week"`

	Blockers      []Blocker `json:"blockers"`
	Stale         []ItemRef `json:"stale"`
	WaitingReview []ItemRef `json:"waiting_review"`
	// LastProgress is the latest time an item of the milestone reached done.
	LastProgress time.Time `json:"last_progress,omitzero"`
	// LastActivity is the latest status change or creation among its items: the stalled rule's
	// clock (and the MilestoneStalled alert's).
	LastActivity time.Time `json:"last_activity,omitzero"`
	// PRsWithoutKey counts the milestone's PRs that carry no Jira key (counted as own items).
	PRsWithoutKey int `json:"prs_without_key"`

	Forecast ForecastSummary `json:"forecast"`
	Evidence Evidence        `json:"evidence"`
}

// ScopeCounts are a milestone's items and story points by status category.
type ScopeCounts struct {
	Todo       int `json:"todo"`        // category new
	InProgress int `json:"in_progress"` // category indeterminate
	Done       int `json:"done"`
	Total      int `json:"total"`
	// DoneRatio is Done/Total, 0 for an empty milestone.
	DoneRatio float64 `json:"done_ratio"`

	TodoPoints       float64 `json:"todo_points"`
	InProgressPoints float64 `json:"in_progress_points"`
	DonePoints       float64 `json:"done_points"`
	TotalPoints      float64 `json:"total_points"`
}

// Remaining is the number of items not done.
func (s ScopeCounts) Remaining() int { return s.Total - s.Done }

// Item kinds, the values of ItemRef.Kind.
const (
	KindJira        = "jira"
	KindPR          = "pr"
	KindGitHubIssue = "github_issue"
)

// ItemRef names one work item, for evidence lists and blockers.
type ItemRef struct {
	Kind     string               `json:"kind"`
	Key      string               `json:"key"` // PAY-12 or owner/repo#12
	Title    string               `json:"title"`
	Team     string               `json:"team"`
	Status   string               `json:"status"`
	Category cairn.StatusCategory `json:"category"`
	Assignee string               `json:"assignee,omitempty"`
	// Since is when the item entered its current status (or was created, opened or last
	// changed, per list: see the list's documentation).
	Since time.Time `json:"since,omitzero"`
	// PRs are the pull requests that carry a Jira item's key ("owner/repo#12").
	PRs []string `json:"prs,omitempty"`
}

// Blocker reasons.
const (
	BlockedByLink     = "link"     // an unresolved "is blocked by" link
	BlockedByFlag     = "flagged"  // the Jira Flagged field
	BlockedByPriority = "priority" // priority Blocker
)

// Blocker is one open item held up: by a link to a blocking item, or flagged, or of priority
// Blocker (then Blocking is empty).
type Blocker struct {
	Blocked  ItemRef  `json:"blocked"`
	Blocking *ItemRef `json:"blocking,omitempty"`
	// BlockingTeam is the blocking item's team.
	BlockingTeam string `json:"blocking_team,omitempty"`
	// OtherProgram/OtherMilestone name the milestone the blocking item belongs to when it is in
	// another program.
	OtherProgram   string `json:"other_program,omitempty"`
	OtherMilestone string `json:"other_milestone,omitempty"`
	Reason         string `json:"reason"`
	// Since is when the blocked item entered its current status, the best known start of the
	// block.
	Since time.Time `json:"since,omitzero"`
}

// Evidence lists the items behind each number of a MilestoneReport, by key.
type Evidence struct {
	Done          []string `json:"done"`
	CompletedWeek []string `json:"completed_week"` // done in the last 7 days
	InProgress    []string `json:"in_progress"`
	Todo          []string `json:"todo"`
	Added         []string `json:"added"`   // added since the baseline
	Removed       []string `json:"removed"` // removed since the baseline
	AddedWeek     []string `json:"added_week"`
	RemovedWeek   []string `json:"removed_week"`
	Blockers      []string `json:"blockers"`
	Stale         []string `json:"stale"`
	WaitingReview []string `json:"waiting_review"`
	PRsWithoutKey []string `json:"prs_without_key"`
	// Items holds the details of the items in progress, added since the baseline, blocked,
	// blocking, stale or waiting for review, sorted by key; done and to-do items are listed by
	// key only (long lists, stored with every report).
	Items []ItemRef `json:"items"`
}

// ForecastSummary is a Forecast in a JSON-safe form: no NaN (OnTime is null when undefined),
// zero times omitted.
type ForecastSummary struct {
	Status       ForecastStatus `json:"status"`
	Reason       string         `json:"reason,omitempty"`
	Remaining    int            `json:"remaining"`
	Start        time.Time      `json:"start,omitzero"`
	P50          time.Time      `json:"p50,omitzero"`
	P85          time.Time      `json:"p85,omitzero"`
	P95          time.Time      `json:"p95,omitzero"`
	WeeksP50     int            `json:"weeks_p50"`
	WeeksP85     int            `json:"weeks_p85"`
	WeeksP95     int            `json:"weeks_p95"`
	OnTime       *float64       `json:"on_time"` // P(on time); nil without a due date or forecast
	Method       string         `json:"method,omitempty"`
	Trials       int            `json:"trials"`
	Seed         uint64         `json:"seed,string"`
	HistoryWeeks int            `json:"history_weeks"`
	// Throughput is the weekly history the forecast sampled, oldest first.
	Throughput []int `json:"throughput"`
	// ScopeGrowth is the weekly scope growth it sampled, when modelled.
	ScopeGrowth []int `json:"scope_growth,omitempty"`
}

// Summarize converts f for a report.
func Summarize(f Forecast, in ForecastInput) ForecastSummary {
	s := ForecastSummary{
		Status: f.Status, Reason: f.Reason, Remaining: in.Remaining, Start: in.Start,
		P50: f.P50, P85: f.P85, P95: f.P95,
		WeeksP50: f.WeeksP50, WeeksP85: f.WeeksP85, WeeksP95: f.WeeksP95,
		Method: f.Method, Trials: f.Trials, Seed: f.Seed, HistoryWeeks: f.HistoryWeeks,
		Throughput: in.WeeklyThroughput, ScopeGrowth: in.ScopeGrowth,
	}
	if p, ok := f.OnTime(); ok && !math.IsInf(p, 0) {
		s.OnTime = &p
	}
	return s
}

// Flow is throughput, cycle times and velocity of a program or team.
type Flow struct {
	// Throughput is items done per complete ISO week, oldest first, zero weeks included.
	Throughput []WeekCount `json:"throughput"`
	// CycleTime: first entry into in progress to the last entry into done.
	CycleTime Percentiles `json:"cycle_time"`
	// LeadTime: created to the last entry into done.
	LeadTime Percentiles `json:"lead_time"`
	// PRFirstReview: PR created to its first submitted review; PRMerge: created to merged.
	PRFirstReview Percentiles      `json:"pr_first_review"`
	PRMerge       Percentiles      `json:"pr_merge"`
	Velocity      []SprintVelocity `json:"velocity"`
	// CompletedTotal counts completions of all time: items done, plus earlier entries into done
	// of items reopened since, so that it never falls when an item is reopened.
	CompletedTotal int `json:"completed_total"`
}

// WeekCount is a count for one ISO week.
type WeekCount struct {
	Week  string    `json:"week"`  // "2026-W47"
	Start time.Time `json:"start"` // Monday 00:00 UTC
	Count int       `json:"count"`
}

// Percentiles summarise durations in seconds: nearest-rank P50/P85/P95 over the trailing window
// (HistoryWeeks), Count and Sum over all time.
type Percentiles struct {
	P50   float64 `json:"p50_seconds"`
	P85   float64 `json:"p85_seconds"`
	P95   float64 `json:"p95_seconds"`
	N     int     `json:"window_count"` // durations behind the percentiles
	Count int     `json:"count"`
	Sum   float64 `json:"sum_seconds"`
}

// SprintVelocity is committed versus completed story points of one closed sprint.
type SprintVelocity struct {
	Sprint    string    `json:"sprint"`
	Committed float64   `json:"committed"`
	Completed float64   `json:"completed"`
	EndedAt   time.Time `json:"ended_at"`
}

// TeamFlow is the flow of one team.
type TeamFlow struct {
	Team string `json:"team"`
	Flow
}

// Snapshot is one milestone on one day, stored after each rollup (and backfilled from status
// history), for burn-up charts, week-over-week changes and forecast drift.
type Snapshot struct {
	Program     string    `json:"program"`
	Milestone   string    `json:"milestone"`
	Day         time.Time `json:"day"` // 00:00 UTC
	Scope       int       `json:"scope"`
	Done        int       `json:"done"`
	InProgress  int       `json:"in_progress"`
	ScopePoints float64   `json:"scope_points"`
	DonePoints  float64   `json:"done_points"`
	P50         time.Time `json:"p50,omitzero"`
	P85         time.Time `json:"p85,omitzero"`
	P95         time.Time `json:"p95,omitzero"`
	// OnTime is P(on time), -1 when undefined.
	OnTime float64 `json:"on_time"`
	Status Status  `json:"status"`
	// Backfilled marks a snapshot reconstructed from status history (no forecast).
	Backfilled bool `json:"backfilled,omitempty"`
}

// ISOWeek renders t's ISO week as "2026-W48".
func ISOWeek(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return isoWeekString(y, w)
}

func isoWeekString(year, week int) string {
	return fmt.Sprintf("%04d-W%02d", year, week)
}
