package pages

import (
	"math"
	"time"

	"github.com/cairn-dev/cairn/rollup"
)

// The page reads the report through these few types, filled by the adapters below: only this
// file knows the rollup's field names. Every string from Jira or GitHub is cleaned on the way
// in (clean), so the builders and templates never see a control character.

type prog struct {
	Name         string
	Raw          string // the name as in the report, to match snapshots without cleaning each
	Status       string // rollup.Status: red | amber | green | grey | done
	Reasons      []string
	Milestones   []ms
	Blockers     []blocker // the program's open blockers, each once
	Dependencies []blocker // blockers held up by another team or program
	Flow         rollup.Flow
	Syncs        map[string]time.Time // connector → last successful sync
}

type ms struct {
	Name      string
	Raw       string // the name as in the report
	Due       time.Time
	DueSource string
	Baseline  time.Time
	Status    string
	Reasons   []string
	Teams     []string
	Scope     rollup.ScopeCounts
	Forecast  rollup.ForecastSummary
	OnTime    float64 // P(on time), NaN when undefined

	Unestimated  int
	LastProgress time.Time

	// Counts with the keys behind them (Jira keys, owner/repo#n). A scope-change count can
	// exceed its keys: an older item moved into the milestone is counted but not known by key.
	CompletedWeek          counted
	AddedWeek, RemovedWeek counted
	AddedBase, RemovedBase counted
	DoneRefs, OpenRefs     []string
	ScopeRefs              []string
	PRsWithoutKey          []string

	Blockers      []blocker
	Stale         []item
	WaitingReview []item
}

// counted is a count and the keys of the items behind it.
type counted struct {
	N    int
	Refs []string
}

type item struct {
	Key, Title, Team, Status, Owner string
	Since                           time.Time
}

type blocker struct {
	Item     item
	Blocking *item // nil when flagged or of priority Blocker
	Team     string
	// OtherProgram/OtherMilestone name where the blocking item belongs, when in another program.
	OtherProgram, OtherMilestone string
	Reason                       string // rollup.BlockedBy*
	Since                        time.Time
}

func cleanAll(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clean(s)
	}
	return out
}

// findProgram finds a program by name or slug and adapts it.
func findProgram(r *rollup.Report, name string) (prog, bool) {
	for _, p := range r.Programs {
		if p.Name == name {
			return adaptProgram(r, p), true
		}
	}
	for _, p := range r.Programs {
		if Slug(p.Name) == name {
			return adaptProgram(r, p), true
		}
	}
	return prog{}, false
}

func adaptProgram(r *rollup.Report, p rollup.ProgramReport) prog {
	out := prog{Name: clean(p.Name), Raw: p.Name, Status: string(p.Status), Reasons: cleanAll(p.Reasons), Flow: p.Flow, Syncs: r.DataAsOf}
	for _, m := range p.Milestones {
		out.Milestones = append(out.Milestones, adaptMilestone(m))
	}
	out.Blockers = adaptBlockers(p.Blockers)
	out.Dependencies = adaptBlockers(p.Dependencies)
	return out
}

func adaptMilestone(m rollup.MilestoneReport) ms {
	ev := m.Evidence
	open := append(append([]string(nil), ev.InProgress...), ev.Todo...)
	out := ms{
		Name: clean(m.Name), Raw: m.Name, Due: m.Due, DueSource: m.DueSource, Baseline: m.Baseline,
		Status: string(m.Status), Reasons: cleanAll(m.Reasons), Teams: cleanAll(m.Teams),
		Scope: m.Scope, Forecast: m.Forecast, OnTime: math.NaN(),
		Unestimated: m.Unestimated, LastProgress: m.LastProgress,
		CompletedWeek: counted{m.CompletedWeek, cleanAll(ev.CompletedWeek)},
		AddedWeek:     counted{m.ScopeAddedWeek, cleanAll(ev.AddedWeek)},
		RemovedWeek:   counted{m.ScopeRemovedWeek, cleanAll(ev.RemovedWeek)},
		AddedBase:     counted{m.ScopeAddedSinceBaseline, cleanAll(ev.Added)},
		RemovedBase:   counted{m.ScopeRemovedSinceBaseline, cleanAll(ev.Removed)},
		DoneRefs:      cleanAll(ev.Done),
		OpenRefs:      cleanAll(open),
		PRsWithoutKey: cleanAll(ev.PRsWithoutKey),
		Blockers:      adaptBlockers(m.Blockers),
		Stale:         adaptItems(m.Stale),
		WaitingReview: adaptItems(m.WaitingReview),
	}
	out.ScopeRefs = append(append([]string(nil), out.DoneRefs...), out.OpenRefs...)
	out.Forecast.Reason = clean(out.Forecast.Reason)
	if m.Forecast.OnTime != nil && !math.IsNaN(*m.Forecast.OnTime) {
		out.OnTime = *m.Forecast.OnTime
	}
	return out
}

func adaptItem(r rollup.ItemRef) item {
	return item{Key: clean(r.Key), Title: clean(r.Title), Team: clean(r.Team), Status: clean(r.Status),
		Owner: clean(r.Assignee), Since: r.Since}
}

func adaptItems(rs []rollup.ItemRef) []item {
	var out []item
	for _, r := range rs {
		out = append(out, adaptItem(r))
	}
	return out
}

func adaptBlockers(bs []rollup.Blocker) []blocker {
	var out []blocker
	for _, x := range bs {
		b := blocker{Item: adaptItem(x.Blocked), Team: clean(x.BlockingTeam), OtherProgram: clean(x.OtherProgram),
			OtherMilestone: clean(x.OtherMilestone), Reason: x.Reason, Since: x.Since}
		if x.Blocking != nil {
			it := adaptItem(*x.Blocking)
			b.Blocking = &it
		}
		out = append(out, b)
	}
	return out
}
