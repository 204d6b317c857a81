package pages

import (
	"strings"
	"time"
)

// Page is the view-model of one program's weekly status page. It is built once from a stored
// report (Build) and rendered three ways; every string in it is plain text, cleaned of
// characters no format can carry, and each renderer escapes it for its own format.
type Page struct {
	Program  string
	Slug     string
	Title    string
	Week     string // ISO week, 2026-W48
	AsOf     string // data as of, "2026-11-27 06:00 UTC"
	Status   Status
	Reasons  []string
	Summary  []Text // executive summary, one sentence each
	Decision []Text // what needs a decision; never empty ("None this week.")

	Milestones    []MilestoneRow
	Changes       []Text // what changed since last week
	Blockers      []BlockerRow
	Dependencies  []DependencyRow
	Upcoming      []UpcomingRow
	Flow          []Metric
	Throughput    []Bar
	BurnUps       []BurnUpView
	ThroughputSVG string
	DataQuality   []Text
	Method        []Text
}

// Span is a run of text, linked when URL is set.
type Span struct {
	Text string
	URL  string
}

// Text is a sentence or a cell made of spans, so that a count inside a sentence can link to
// the items behind it.
type Text []Span

// Plain returns the text without its links.
func (t Text) Plain() string {
	var b strings.Builder
	for _, s := range t {
		b.WriteString(s.Text)
	}
	return b.String()
}

// plain makes an unlinked Text.
func plain(s string) Text { return Text{{Text: s}} }

// link makes a Text linked to url when url is a safe absolute http(s) URL.
func link(s, url string) Text { return Text{{Text: s, URL: safeURL(url)}} }

// join concatenates texts.
func join(parts ...Text) Text {
	var t Text
	for _, p := range parts {
		t = append(t, p...)
	}
	return t
}

// Status is a red/amber/green status with its label and Confluence lozenge colour.
type Status struct {
	Key    string // red | amber | green | done | none; also the CSS class
	Label  string // OFF TRACK, AT RISK, ON TRACK, DONE, NO DATA
	Colour string // Confluence status macro colour
}

// MilestoneRow is one row of the milestone table.
type MilestoneRow struct {
	Name     Text
	Status   Status
	Progress Text // "28 / 40 (70%)", counts linked
	Due      string
	P50      string
	P85      string
	OnTime   string // "62%", or "—"
	Change   string // since last week: "+6 done, +2 scope, P85 +7d"
	Reasons  []string
}

// BlockerRow is an open blocker or risk.
type BlockerRow struct {
	Item      Text // key (linked) and summary
	Reason    Text // "blocked by OPS-1 (OPS)", "flagged", "priority Blocker"
	Milestone string
	Owner     string
	Age       string // "12 days"
}

// DependencyRow is a cross-team or cross-program dependency.
type DependencyRow struct {
	Item      Text // the item that waits
	DependsOn Text // the item it waits for
	Owner     string
	Kind      string // "cross-team: OPS", "cross-program: Platform / Q1 launch"
	State     string
	NeededBy  string // the due date of the waiting item's milestone
}

// UpcomingRow is a milestone due soon.
type UpcomingRow struct {
	Due     string
	Name    string
	Status  Status
	InWeeks string
}

// Metric is one flow metric.
type Metric struct {
	Name  string
	Value Text
}

// BurnUpView is one milestone's burn-up, as an SVG for HTML and as a table elsewhere.
type BurnUpView struct {
	ID    string
	Title string
	SVG   string // built by BurnUpSVG, escaped there
	Rows  []BurnRow
	Note  string // the forecast cone and due date in words, for formats without the SVG
}

// BurnRow is one row of the burn-up table (weekly samples of the daily snapshots).
type BurnRow struct {
	Day   string
	Scope int
	Done  int
}

// Status values.
var (
	statusRed   = Status{Key: "red", Label: "OFF TRACK", Colour: "Red"}
	statusAmber = Status{Key: "amber", Label: "AT RISK", Colour: "Yellow"}
	statusGreen = Status{Key: "green", Label: "ON TRACK", Colour: "Green"}
	statusDone  = Status{Key: "done", Label: "DONE", Colour: "Blue"}
	statusGrey  = Status{Key: "none", Label: "NOT RATED", Colour: "Grey"}
	statusNone  = Status{Key: "none", Label: "NO DATA", Colour: "Grey"}
)

// forecastDay shows a forecast completion instant as the calendar day it falls on: the
// instant is the exclusive end of a week, so the day is the one before (see rollup.Forecast).
func forecastDay(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().AddDate(0, 0, -1).Format(dayLayout)
}

func forecastDayShort(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().AddDate(0, 0, -1).Format(shortDayLayout)
}
