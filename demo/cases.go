package demo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-dev/cairn/rollup"
)

// Case is one situation the world is built to show, and where to see it.
type Case struct {
	Shows     string // "done", "on track", "slipping", ...
	Program   string
	Milestone string
}

// CaseList returns the world's cases in plan order, for the demo's banner.
func CaseList() []Case {
	out := make([]Case, 0, len(plans))
	for _, p := range plans {
		out = append(out, Case{Shows: p.shows, Program: p.program, Milestone: p.name})
	}
	return out
}

// CheckReport says whether a rollup of the world shows every case it was built to show: a
// done milestone, one on track (green), one slipping (forecast P85 after its due date), one
// overdue, one whose scope grew by a quarter in the last week, a stalled one, one without a due
// date (grey), blockers across programs, unestimated items and a team with an empty week. The
// demo's own tests run it on the real service's stored report; it returns every problem.
func CheckReport(r *rollup.Report) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	find := func(c string) *rollup.MilestoneReport {
		for _, p := range plans {
			if p.shows != c {
				continue
			}
			if pr := r.Program(p.program); pr != nil {
				if m := pr.Milestone(p.name); m != nil {
					return m
				}
			}
			bad("%s: milestone %s / %s is not in the report", c, p.program, p.name)
		}
		return nil
	}
	if m := find(caseDone); m != nil && m.Status != rollup.StatusDone {
		bad("done: %s is %s, want done (%s)", m.Name, m.Status, strings.Join(m.Reasons, "; "))
	}
	if m := find(caseOnTrack); m != nil && m.Status != rollup.StatusGreen {
		bad("on track: %s is %s, want green (%s)", m.Name, m.Status, strings.Join(m.Reasons, "; "))
	}
	if m := find(caseSlipping); m != nil {
		if m.Status != rollup.StatusRed && m.Status != rollup.StatusAmber {
			bad("slipping: %s is %s, want red or amber", m.Name, m.Status)
		}
		if m.Due.IsZero() || m.Forecast.P85.IsZero() || !m.Forecast.P85.After(m.Due) {
			bad("slipping: %s forecast P85 %v is not after its due date %v", m.Name, m.Forecast.P85, m.Due)
		}
		if !m.Due.After(r.AsOf) {
			bad("slipping: %s is already overdue (due %v)", m.Name, m.Due)
		}
	}
	if m := find(caseOverdue); m != nil {
		if m.Status != rollup.StatusRed || m.Due.IsZero() || !m.Due.Before(r.AsOf) || m.Scope.Remaining() == 0 {
			bad("overdue: %s is %s, due %v with %d items left; want red, past due, work left",
				m.Name, m.Status, m.Due, m.Scope.Remaining())
		}
	}
	if m := find(caseGrowth); m != nil {
		net := m.ScopeAddedWeek - m.ScopeRemovedWeek
		before := m.Scope.Total - net
		if before <= 0 || 4*net < before {
			bad("scope growth: %s grew by %d items on %d in the last week, want at least 25%%", m.Name, net, before)
		}
		if m.Status != rollup.StatusAmber && m.Status != rollup.StatusRed {
			bad("scope growth: %s is %s, want amber or red", m.Name, m.Status)
		}
	}
	if m := find(caseStalled); m != nil {
		if m.Status != rollup.StatusRed || !anyHasPrefix(m.Reasons, "Stalled") {
			bad("stalled: %s is %s (%s), want red and stalled", m.Name, m.Status, strings.Join(m.Reasons, "; "))
		}
	}
	if m := find(caseNoDue); m != nil && m.Status != rollup.StatusGrey {
		bad("no due date: %s is %s, want grey", m.Name, m.Status)
	}
	across, unestimated := 0, 0
	for _, p := range r.Programs {
		for _, b := range p.Dependencies {
			if b.OtherProgram != "" && b.OtherProgram != p.Name {
				across++
			}
		}
		for _, m := range p.Milestones {
			unestimated += m.Unestimated
		}
	}
	if across == 0 {
		bad("no work is blocked across programs")
	}
	if unestimated == 0 {
		bad("no open item is unestimated")
	}
	empty := false
	for _, t := range r.Teams {
		for _, w := range t.Throughput {
			empty = empty || w.Count == 0
		}
	}
	if !empty {
		bad("no team has an empty week")
	}
	return errors.Join(errs...)
}

func anyHasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
