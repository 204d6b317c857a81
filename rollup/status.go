package rollup

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// rubric sets a milestone's status and the reasons for it (see doc.go).
func (c *computer) rubric(m *MilestoneReport) {
	th := c.spec.Thresholds
	s := m.Scope
	left := s.Remaining()
	switch {
	case s.Total == 0:
		m.Status, m.Reasons = StatusGrey, []string{"No work items found: check the milestone's sources in the config"}
		return
	case left == 0:
		m.Status, m.Reasons = StatusDone, []string{fmt.Sprintf("All %d items are done (last on %s)", s.Total, day(m.LastProgress))}
		return
	case m.Due.IsZero():
		// Grey, but a stalled milestone says so: the MilestoneStalled alert holds on it too.
		m.Status, m.Reasons = StatusGrey, []string{fmt.Sprintf("No due date: %d of %d items not done; set a due date in the config or on the Jira version or GitHub milestone", left, s.Total)}
		if stalled := c.stalled(m); stalled != "" {
			m.Reasons = append(m.Reasons, stalled)
		}
		return
	}
	f := m.Forecast
	var red, amber []string
	if dueEnd := dayStart(m.Due).AddDate(0, 0, 1); c.asOf.After(dueEnd) || c.asOf.Equal(dueEnd) {
		red = append(red, fmt.Sprintf("Due date %s has passed with %d of %d items not done", day(m.Due), left, s.Total))
	}
	if f.OnTime != nil && *f.OnTime < th.RedOnTime {
		red = append(red, fmt.Sprintf("P(on time) is %s: %s", pct(*f.OnTime), forecastVsDue(f, m.Due)))
	}
	if stalled := c.stalled(m); stalled != "" {
		red = append(red, stalled)
	}
	if len(red) > 0 {
		m.Status, m.Reasons = StatusRed, red
		return
	}
	switch {
	case f.Status == ForecastNone:
		amber = append(amber, "No forecast: "+f.Reason)
	case f.OnTime != nil && *f.OnTime < th.AmberOnTime:
		amber = append(amber, fmt.Sprintf("P(on time) is %s: %s", pct(*f.OnTime), forecastVsDue(f, m.Due)))
	case f.OnTime == nil:
		amber = append(amber, "No on-time probability: "+f.Reason)
	}
	if n := len(m.Blockers); n > 0 {
		amber = append(amber, blockerSentence(m.Blockers))
	}
	before := s.Total - m.ScopeAddedWeek + m.ScopeRemovedWeek
	if before > 0 && float64(s.Total-before)/float64(before) > th.ScopeGrowthWeek {
		amber = append(amber, fmt.Sprintf("Scope grew %s in the last 7 days (from %d to %d items)",
			pct(float64(s.Total-before)/float64(before)), before, s.Total))
	}
	amber = append(amber, c.staleData()...)
	if len(amber) > 0 {
		m.Status, m.Reasons = StatusAmber, amber
		return
	}
	m.Status = StatusGreen
	m.Reasons = []string{fmt.Sprintf("P(on time) is %s: %s", pct(*f.OnTime), forecastVsDue(f, m.Due))}
}

// stalled is the stalled reason when no item of m has changed status or been created for the
// threshold's days while work is left, else "".
func (c *computer) stalled(m *MilestoneReport) string {
	last := m.LastActivity
	if last.IsZero() || c.asOf.Sub(last) < time.Duration(c.spec.Thresholds.StalledDays)*24*time.Hour {
		return ""
	}
	return fmt.Sprintf("Stalled: no item has changed status for %d days (last change %s) with %d items not done",
		int(c.asOf.Sub(last)/(24*time.Hour)), day(last), m.Scope.Remaining())
}

// staleData names each connector whose last successful sync is too old.
func (c *computer) staleData() []string {
	var out []string
	names := make([]string, 0, len(c.dataAge))
	for n := range c.dataAge {
		names = append(names, n)
	}
	sort.Strings(names)
	limit := time.Duration(c.spec.Thresholds.StaleDataHours) * time.Hour
	for _, n := range names {
		at := c.dataAge[n]
		if age := c.asOf.Sub(at); age > limit {
			out = append(out, fmt.Sprintf("%s data is %d hours old (last successful sync %s)",
				connectorTitle(n), int(age/time.Hour), at.UTC().Format("2006-01-02 15:04 UTC")))
		}
	}
	return out
}

func connectorTitle(n string) string {
	switch n {
	case "jira":
		return "Jira"
	case "github":
		return "GitHub"
	}
	return n
}

// forecastVsDue says where the forecast's P85 day falls against the due day: "forecast P85 is
// 2027-01-12, 4 weeks after the due date 2026-12-15".
func forecastVsDue(f ForecastSummary, due time.Time) string {
	if f.P85.IsZero() {
		return fmt.Sprintf("forecast P85 is beyond the %d-week horizon; due date %s", max(f.WeeksP95, 0), day(due))
	}
	p85 := dayStart(f.P85).AddDate(0, 0, -1) // the last day of the P85 week
	d := int(math.Round(p85.Sub(dayStart(due)).Hours() / 24))
	rel := "on the due date"
	switch {
	case d > 0:
		rel = span(d) + " after the due date"
	case d < 0:
		rel = span(-d) + " before the due date"
	}
	return fmt.Sprintf("forecast P85 is %s, %s %s", day(p85), rel, day(due))
}

func span(days int) string {
	switch {
	case days%7 == 0 && days >= 14:
		return fmt.Sprintf("%d weeks", days/7)
	case days == 7:
		return "1 week"
	case days == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

func blockerSentence(bs []Blocker) string {
	parts := make([]string, 0, min(len(bs), 5))
	for k, b := range bs {
		if k == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(bs)-5))
			break
		}
		switch b.Reason {
		case BlockedByLink:
			p := fmt.Sprintf("%s is blocked by %s (%s", b.Blocked.Key, b.Blocking.Key, b.BlockingTeam)
			if b.OtherProgram != "" {
				p += ", program " + b.OtherProgram
			}
			parts = append(parts, p+")")
		case BlockedByFlag:
			parts = append(parts, b.Blocked.Key+" is flagged")
		case BlockedByPriority:
			parts = append(parts, b.Blocked.Key+" has priority Blocker")
		}
	}
	noun := "blockers"
	if len(bs) == 1 {
		noun = "blocker"
	}
	return fmt.Sprintf("%d open %s: %s", len(bs), noun, strings.Join(parts, "; "))
}

func day(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.DateOnly)
}

func pct(p float64) string { return fmt.Sprintf("%.0f%%", 100*p) }

// programStatus is the worst milestone status; its reasons are those milestones' reasons,
// prefixed with the milestone's name.
func programStatus(p *ProgramReport) {
	p.Status, p.Reasons = StatusGrey, nil
	if len(p.Milestones) == 0 {
		p.Reasons = []string{"No milestones configured"}
		return
	}
	worst := StatusDone
	for _, m := range p.Milestones {
		if m.Status.Severity() > worst.Severity() {
			worst = m.Status
		}
	}
	p.Status = worst
	for _, m := range p.Milestones {
		if m.Status == worst {
			for _, r := range m.Reasons {
				p.Reasons = append(p.Reasons, m.Name+": "+r)
			}
		}
	}
}
