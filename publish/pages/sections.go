package pages

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cairn-dev/cairn/rollup"
)

// flow lists the program's flow metrics and the weekly throughput bars.
func (b *builder) flow() ([]Metric, []Bar) {
	f := b.cur.Flow
	var out []Metric
	var bars []Bar
	if len(f.Throughput) > 0 {
		var parts []string
		total := 0
		for _, w := range f.Throughput {
			parts = append(parts, fmt.Sprint(w.Count))
			total += w.Count
			label := clean(w.Week)
			if i := strings.Index(label, "-W"); i >= 0 {
				label = label[i+1:]
			}
			bars = append(bars, Bar{Label: label, Value: w.Count})
		}
		out = append(out, Metric{fmt.Sprintf("Throughput, last %d weeks (items per week, oldest first)", len(f.Throughput)),
			plain(fmt.Sprintf("%s; average %.1f", strings.Join(parts, ", "), float64(total)/float64(len(f.Throughput))))})
	}
	if p := f.CycleTime; p.N > 0 {
		out = append(out, Metric{"Cycle time (in progress to done)", plain(percentiles(p, inDays))})
	}
	if p := f.LeadTime; p.N > 0 {
		out = append(out, Metric{"Lead time (created to done)", plain(percentiles(p, inDays))})
	}
	if p := f.PRFirstReview; p.N > 0 {
		out = append(out, Metric{"PR time to first review", plain(percentiles(p, inHours))})
	}
	if p := f.PRMerge; p.N > 0 {
		out = append(out, Metric{"PR time to merge", plain(percentiles(p, inHours))})
	}
	if v := f.Velocity; len(v) > 0 {
		v = v[max(0, len(v)-4):]
		var parts []string
		for _, s := range v {
			parts = append(parts, fmt.Sprintf("%s: %s of %s points", clean(s.Sprint), points(s.Completed), points(s.Committed)))
		}
		out = append(out, Metric{"Velocity, last closed sprints (completed of committed)", plain(strings.Join(parts, "; "))})
	}
	var waiting []string
	for _, m := range b.cur.Milestones {
		for _, it := range m.WaitingReview {
			waiting = append(waiting, it.Key)
		}
	}
	if waiting = uniq(waiting); len(waiting) > 0 {
		out = append(out, Metric{"Pull requests waiting for a first review", b.countOf(refs(waiting), "pull request", "pull requests")})
	}
	if f.CompletedTotal > 0 {
		out = append(out, Metric{"Items completed, all time", plain(fmt.Sprint(f.CompletedTotal))})
	}
	if len(out) == 0 {
		out = append(out, Metric{"Flow", plain("no completed work in the window")})
	}
	return out, bars
}

func inDays(s float64) string  { return fmt.Sprintf("%.1f d", s/86400) }
func inHours(s float64) string { return fmt.Sprintf("%.1f h", s/3600) }

func percentiles(p rollup.Percentiles, unit func(float64) string) string {
	return fmt.Sprintf("P50 %s, P85 %s, P95 %s (%d items)", unit(p.P50), unit(p.P85), unit(p.P95), p.N)
}

func points(v float64) string {
	if v == float64(int(v)) {
		return fmt.Sprint(int(v))
	}
	return fmt.Sprintf("%.1f", v)
}

func (b *builder) burnUps(byMilestone map[string][]BurnPoint) []BurnUpView {
	var out []BurnUpView
	for i, m := range b.cur.Milestones {
		pts := byMilestone[m.Name]
		if len(pts) == 0 {
			continue
		}
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].Day.Before(pts[j].Day) })
		id := fmt.Sprintf("%s-burnup-%d", Slug(b.cur.Name), i+1)
		v := BurnUpView{ID: id, Title: "Burn-up: " + m.Name,
			SVG: BurnUpSVG(id, BurnUp{Milestone: m.Name, Points: pts, AsOf: b.asOf, Due: m.Due, P50: m.Forecast.P50, P85: m.Forecast.P85})}
		// Weekly samples, counted back from the latest day so that it is always a row.
		last := pts[len(pts)-1].Day
		for j := range pts {
			if int(last.Sub(pts[j].Day).Round(24*time.Hour).Hours()/24)%7 == 0 {
				v.Rows = append(v.Rows, BurnRow{Day: day(pts[j].Day), Scope: pts[j].Scope, Done: pts[j].Done})
			}
		}
		var note []string
		if !m.Forecast.P85.IsZero() {
			note = append(note, fmt.Sprintf("forecast: 50%% by %s, 85%% by %s", forecastDay(m.Forecast.P50), forecastDay(m.Forecast.P85)))
		}
		if !m.Due.IsZero() {
			note = append(note, "due "+day(m.Due))
		}
		v.Note = strings.Join(note, "; ")
		out = append(out, v)
	}
	return out
}

func (b *builder) dataQuality() []Text {
	var out []Text
	var noKey []string
	for _, m := range b.cur.Milestones {
		name := plain(m.Name + ": ")
		if m.Unestimated > 0 {
			out = append(out, join(name, plain(fmt.Sprintf("%d of the ", m.Unestimated)), b.count(len(m.OpenRefs), m.OpenRefs),
				plain(" open items have no story-point estimate")))
		}
		if len(m.Stale) > 0 {
			keys := make([]string, 0, len(m.Stale))
			for _, it := range m.Stale {
				keys = append(keys, it.Key)
			}
			out = append(out, join(name, b.countOf(refs(keys), "in-progress item", "in-progress items"),
				plain(" with no change for days (stale): "), b.keyList(keys)))
		}
		switch {
		case m.Scope.Total == 0:
			out = append(out, join(name, plain("no work items found; check the milestone's sources in the config")))
		case m.DueSource == rollup.DueNone || m.Due.IsZero():
			if m.Status != string(rollup.StatusDone) {
				out = append(out, join(name, plain("no due date; set one in the config or on the Jira version or GitHub milestone")))
			}
		}
		switch m.Forecast.Status {
		case rollup.ForecastNone:
			if m.Scope.Total > 0 && m.Scope.Remaining() > 0 {
				out = append(out, join(name, plain("no forecast: "+orDash(m.Forecast.Reason))))
			}
		case rollup.ForecastLowConfidence, rollup.ForecastNotConverging:
			out = append(out, join(name, plain(fmt.Sprintf("forecast is %s: %s", strings.ReplaceAll(string(m.Forecast.Status), "_", " "), orDash(m.Forecast.Reason)))))
		}
		noKey = append(noKey, m.PRsWithoutKey...)
	}
	if noKey = uniq(noKey); len(noKey) > 0 {
		out = append(out, join(b.countOf(refs(noKey), "pull request carries", "pull requests carry"),
			plain(" no Jira key and count as items of their own")))
	}
	for _, c := range sortedKeys(b.cur.Syncs) {
		if t := b.cur.Syncs[c]; !t.IsZero() && b.asOf.Sub(t) > 24*time.Hour {
			out = append(out, plain(fmt.Sprintf("%s data is %d hours old (last successful sync %s)", connector(c), int(b.asOf.Sub(t).Hours()), stamp(t))))
		}
	}
	return out
}

func (b *builder) method() []Text {
	var syncs []string
	for _, c := range sortedKeys(b.cur.Syncs) {
		syncs = append(syncs, fmt.Sprintf("%s (last successful sync %s)", connector(c), stamp(b.cur.Syncs[c])))
	}
	out := []Text{
		plain("Sources: " + orNone(strings.Join(syncs, ", ")) + ", synced to SQLite; each milestone's items come from the Jira fix versions, epics, labels and components and the GitHub milestones, labels and repositories configured for it."),
		plain("Data as of " + stamp(b.asOf) + "."),
	}
	for _, m := range b.cur.Milestones {
		f := m.Forecast
		due := "no due date"
		if !m.Due.IsZero() {
			due = "due " + day(m.Due) + " (from " + dueSource(m.DueSource) + ")"
		}
		if f.Trials == 0 && f.Method == "" {
			out = append(out, plain(fmt.Sprintf("%s: %s; no simulation (%s).", m.Name, due, strings.ReplaceAll(string(f.Status), "_", " "))))
			continue
		}
		hist := make([]string, len(f.Throughput))
		for i, n := range f.Throughput {
			hist[i] = fmt.Sprint(n)
		}
		out = append(out, plain(fmt.Sprintf("%s: %s; %s forecast of %d remaining items from %s, %d trials, seed %d, over %d weeks of throughput of %s (%s).",
			m.Name, due, f.Method, f.Remaining, day(f.Start), f.Trials, f.Seed, f.HistoryWeeks, orDash(strings.Join(m.Teams, ", ")), strings.Join(hist, ", "))))
	}
	out = append(out, plain("Forecast dates are the last day of the week in which that share of simulated outcomes completes; P(on time) counts outcomes finished by the end of the due day. Each milestone's status follows the configured rubric (due date passed, P(on time), stalled work, open blockers, scope growth, stale data), and the program takes its worst milestone's status. This page is generated; edits are overwritten."))
	return out
}

func sortedKeys(m map[string]time.Time) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func connector(c string) string {
	switch c {
	case "jira":
		return "Jira"
	case "github":
		return "GitHub"
	}
	return clean(c)
}

func dueSource(s string) string {
	switch s {
	case rollup.DueFromConfig:
		return "the config"
	case rollup.DueFromJiraVersion:
		return "the Jira version"
	case rollup.DueFromGitHubMilestone:
		return "the GitHub milestone"
	}
	return "unknown"
}

func orNone(s string) string {
	if s == "" {
		return "Jira and GitHub (no successful sync recorded)"
	}
	return s
}
