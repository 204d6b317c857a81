package rollup

import (
	"slices"
	"time"

	"github.com/cairn-dev/cairn/store"
)

// clock collects what one milestone's or flow's result depends on beyond its items: each
// comparison with asOf tells it the first instant at which the comparison would come out
// otherwise (edge), and each blocking item read is listed (read). The result stands, for a
// later asOf, until the earliest edge (exp) and while none of the listed items changes.
type clock struct {
	asOf     time.Time
	exp      time.Time // the earliest edge after asOf; zero: none
	deps     []int32   // items read as blocking items
	forecast string    // the forecast's memo key (milestones, with a memo)
}

// edge notes that a comparison would come out otherwise from t on (ignored when t is not after
// asOf: then it never will, asOf only moves forward within an Engine's state).
func (k *clock) edge(t time.Time) {
	if k != nil && t.After(k.asOf) && (k.exp.IsZero() || t.Before(k.exp)) {
		k.exp = t
	}
}

func (k *clock) read(i int32) {
	if k != nil {
		k.deps = append(k.deps, i)
	}
}

// expired reports whether a result that stands until exp (zero: forever) is out of date at asOf.
func expired(exp, asOf time.Time) bool { return !exp.IsZero() && !asOf.Before(exp) }

// flowUntil is flow(items, prs, win) with the instant it expires: its first edge after the
// window's as-of time (zero: none).
func (wd *world) flowUntil(items, prs []int32, win *window) (Flow, time.Time) {
	clk := &clock{asOf: win.asOf}
	wd.flowEdges(items, prs, win, clk)
	return wd.flow(items, prs, win), clk.exp
}

// flowEdges tells clk where flow(items, prs, win)'s comparisons with asOf flip: a completion or
// duration end counts once it is not after asOf, and leaves the trailing percentile window
// when asOf passes it by the window's length. (The complete weeks move only with the day.)
// It works on Unix stamps: it is a pass over every item of a team or program.
func (wd *world) flowEdges(items, prs []int32, win *window, clk *clock) {
	span := win.asOf.Sub(win.from)
	m := edgeMin{}
	m.aSec, m.aNsec = stamp(win.asOf)
	spanSec, spanNsec := int64(span/time.Second), int32(span%time.Second)
	zeroSec, zeroNsec := stamp(time.Time{})
	end := func(sSec int64, sNsec int32, eSec int64, eNsec int32) {
		if (sSec == zeroSec && sNsec == zeroNsec) || (eSec == zeroSec && eNsec == zeroNsec) ||
			eSec < sSec || (eSec == sSec && eNsec < sNsec) {
			return
		}
		m.add(eSec, eNsec)
		sec, nsec := eSec+spanSec, eNsec+spanNsec+1
		if nsec >= 1e9 {
			sec, nsec = sec+1, nsec-1e9
		}
		m.add(sec, nsec)
	}
	for _, i := range items {
		it := &wd.items[i]
		if !it.isDone() {
			continue
		}
		m.add(it.doneSec, it.doneNsec) // CompletedTotal
		end(it.startedSec, it.startedNsec, it.doneSec, it.doneNsec)
		end(it.createdSec, it.createdNsec, it.doneSec, it.doneNsec)
	}
	for _, p := range prs {
		pr := &wd.data.PRs[p]
		cSec, cNsec := stamp(pr.Created)
		rSec, rNsec := stamp(pr.FirstReview)
		mSec, mNsec := stamp(pr.Merged)
		end(cSec, cNsec, rSec, rNsec)
		end(cSec, cNsec, mSec, mNsec)
	}
	for i := range wd.data.Sprints { // velocity: sprints that ended in the window
		s := &wd.data.Sprints[i]
		e := s.Complete
		if e.IsZero() {
			e = s.EndAt
		}
		if s.State == "closed" && !e.IsZero() {
			clk.edge(e)
			clk.edge(e.Add(span + 1))
		}
	}
	if m.set {
		clk.edge(unstamp(m.sec, m.nsec))
	}
}

// edgeMin is the earliest instant after asOf (a) added to it, in Unix stamps.
type edgeMin struct {
	aSec, sec   int64
	aNsec, nsec int32
	set         bool
}

func (m *edgeMin) add(sec int64, nsec int32) {
	if sec < m.aSec || (sec == m.aSec && nsec <= m.aNsec) {
		return
	}
	if !m.set || sec < m.sec || (sec == m.sec && nsec < m.nsec) {
		m.sec, m.nsec, m.set = sec, nsec, true
	}
}

// msResult is one milestone's last computed report (before the rubric) and what it read.
type msResult struct {
	base MilestoneReport
	exp  time.Time  // see clock
	deps []int32    // sorted
	hist []Snapshot // the snapshot history it read
	fkey string     // its forecast's memo key
}

// kept is what an Engine keeps of its last computation (see doc.go): the world and the
// memberships built from the data (patched in place for edits, rebuilt when rows come or go),
// each milestone's result, each team's and program's flow, and until when each stands.
type kept struct {
	c       *computer
	members [][]int32 // by global milestone
	specs   []*MilestoneSpec
	progOf  []int // global milestone → program
	ghBase  int   // item index of the first GitHub issue

	teams     []string
	teamIdx   map[string]int
	teamItems [][]int32
	teamPRs   [][]int32
	teamFlow  []Flow
	teamExp   []time.Time

	progItems, progPRs     [][]int32
	progFlow               []Flow
	progExp                []time.Time
	progBlockers, progDeps [][]Blocker

	// While apply inserts new rows (for regroup): the milestones whose members were computed
	// again, and the items whose PR lists grew.
	rgMs    []int
	rgItems []int32

	ms      []msResult
	final   []MilestoneReport // as last reported (after the rubric)
	sprints []store.RollupSprint
	fresh   bool // nothing computed yet
}

// dirty is what changed since the last computation.
type dirty struct {
	all   bool
	items map[int32]bool  // items whose row, PRs or blocking links changed
	teams map[string]bool // teams with a changed item or PR
	// After a rebuild (carry): the milestones and programs whose items are not the same any
	// more, and the teams whose throughput must count as changed.
	msForce, progForce []bool
	tpForce            []string
}

func newDirty() *dirty { return &dirty{items: map[int32]bool{}, teams: map[string]bool{}} }

// newKept builds the world and memberships of data (which the Engine keeps and patches).
func newKept(data *store.RollupData, spec Spec, asOf time.Time) *kept {
	c, members := newComputer(&Input{Data: *data}, spec, asOf)
	c.w.data = data // the data itself, not newComputer's copy of its header: patches replace its slices
	k := &kept{c: c, members: members, fresh: true}
	for pi, ps := range c.spec.Programs {
		for m := range ps.Milestones {
			k.specs = append(k.specs, &ps.Milestones[m])
			k.progOf = append(k.progOf, pi)
		}
	}
	teams, ti, tp := c.teamGroups()
	k.teams = teams
	k.teamIdx = make(map[string]int, len(teams))
	for i, t := range teams {
		k.teamIdx[t] = i
		k.teamItems = append(k.teamItems, ti[t])
		k.teamPRs = append(k.teamPRs, tp[t])
	}
	k.teamFlow, k.teamExp = make([]Flow, len(teams)), make([]time.Time, len(teams))
	k.progItems, k.progPRs = c.programGroups(members)
	np := len(c.spec.Programs)
	k.progFlow, k.progExp = make([]Flow, np), make([]time.Time, np)
	k.progBlockers, k.progDeps = make([][]Blocker, np), make([][]Blocker, np)
	k.ms, k.final = make([]msResult, len(members)), make([]MilestoneReport, len(members))
	k.ghBase = len(c.w.items) - len(data.GitHubIssues)
	c.teamTP = make(map[string][]int, len(teams))
	return k
}

// update computes the report as of asOf, recomputing only what d or the passing of time made
// out of date, and says which milestones' reports (with their status) changed.
func (k *kept) update(asOf time.Time, data *store.RollupData, history map[[2]string][]Snapshot, d *dirty, fm *forecastMemo, info *UpdateInfo) (*Report, []bool) {
	c, w := k.c, k.c.w
	all := d.all || k.fresh
	c.asOf, c.win, c.dataAge, c.fm = asOf, newWindow(asOf, c.spec.HistoryWeeks), data.DataAsOf, fm
	c.history = history
	r := &Report{AsOf: asOf, Week: ISOWeek(asOf), DataAsOf: data.DataAsOf}
	if r.DataAsOf == nil {
		r.DataAsOf = map[string]time.Time{}
	}
	w.sprintIndex = make(map[int64]int, len(data.Sprints))
	for i, s := range data.Sprints {
		w.sprintIndex[s.ID] = i
	}
	allFlows := all || !sprintsEqual(k.sprints, data.Sprints)
	k.sprints = slices.Clone(data.Sprints)

	// Teams' flows: those with a changed item or PR, or past an edge.
	var redo []int
	for t, name := range k.teams {
		if allFlows || d.teams[name] || expired(k.teamExp[t], asOf) {
			redo = append(redo, t)
		}
	}
	parallel(len(redo), func(x int) {
		t := redo[x]
		k.teamFlow[t], k.teamExp[t] = w.flowUntil(k.teamItems[t], k.teamPRs[t], &c.win)
	})
	tpChanged := map[string]bool{}
	for _, name := range d.tpForce {
		tpChanged[name] = true
	}
	for _, t := range redo {
		name := k.teams[t]
		tp := make([]int, len(k.teamFlow[t].Throughput))
		for i, wc := range k.teamFlow[t].Throughput {
			tp[i] = wc.Count
		}
		if !slices.Equal(tp, c.teamTP[name]) {
			tpChanged[name] = true
		}
		c.teamTP[name] = tp
	}
	r.Teams = make([]TeamFlow, len(k.teams))
	for t, name := range k.teams {
		r.Teams[t] = TeamFlow{Team: name, Flow: k.teamFlow[t]}
	}

	// Milestones: those with a changed member or blocking item, a changed throughput of their
	// teams, history or due date, or past an edge.
	n := len(k.members)
	touched := make([]bool, n)
	changedItems := make([]int32, 0, len(d.items))
	for i := range d.items {
		changedItems = append(changedItems, i)
		for _, g := range c.milestonesOf(i) {
			touched[g] = true
		}
	}
	slices.Sort(changedItems)
	var recompute []int
	for g := range n {
		res := &k.ms[g]
		if all || touched[g] || (d.msForce != nil && d.msForce[g]) || expired(res.exp, asOf) || k.stale(g, tpChanged, changedItems) {
			recompute = append(recompute, g)
		} else if fm != nil {
			fm.keep(res.fkey)
		}
	}
	parallel(len(recompute), func(x int) {
		g := recompute[x]
		clk := &clock{asOf: asOf}
		program := c.msProgram[g]
		m := c.milestone(program, k.specs[g], k.members[g], clk)
		slices.Sort(clk.deps)
		k.ms[g] = msResult{base: m, exp: clk.exp, deps: slices.Compact(clk.deps),
			hist: c.history[[2]string{program, k.specs[g].Name}], fkey: clk.forecast}
	})
	changed := make([]bool, n)
	progTouched := make([]bool, len(k.progFlow))
	for _, g := range recompute {
		changed[g] = true
		progTouched[k.progOf[g]] = true
	}
	for g := range n { // the rubric reads asOf and the data's age: always
		m := k.ms[g].base
		c.rubric(&m)
		if !changed[g] && (m.Status != k.final[g].Status || !slices.Equal(m.Reasons, k.final[g].Reasons)) {
			changed[g] = true
		}
		k.final[g] = m
	}

	// Programs: blockers again when a milestone was recomputed, flows when an item changed or
	// an edge passed.
	progFlowDirty := make([]bool, len(k.progFlow))
	for g := range n {
		if touched[g] {
			progFlowDirty[k.progOf[g]] = true
		}
	}
	for pi := range d.progForce {
		if d.progForce[pi] {
			progFlowDirty[pi], progTouched[pi] = true, true
		}
	}
	if len(c.spec.Programs) > 0 {
		r.Programs = make([]ProgramReport, len(c.spec.Programs))
	}
	var redoProg []int
	g := 0
	for pi, ps := range c.spec.Programs {
		pr := &r.Programs[pi]
		pr.Name = ps.Name
		var blockers []Blocker
		for range ps.Milestones {
			pr.Milestones = append(pr.Milestones, k.final[g])
			blockers = append(blockers, k.final[g].Blockers...)
			g++
		}
		if all || progTouched[pi] {
			k.progBlockers[pi], k.progDeps[pi] = programBlockers(blockers)
		}
		pr.Blockers, pr.Dependencies = k.progBlockers[pi], k.progDeps[pi]
		if allFlows || progFlowDirty[pi] || expired(k.progExp[pi], asOf) {
			redoProg = append(redoProg, pi)
		}
	}
	parallel(len(redoProg), func(x int) {
		pi := redoProg[x]
		k.progFlow[pi], k.progExp[pi] = w.flowUntil(k.progItems[pi], k.progPRs[pi], &c.win)
	})
	for pi := range r.Programs {
		r.Programs[pi].Flow = k.progFlow[pi]
		programStatus(&r.Programs[pi])
	}
	k.fresh = false
	info.Recomputed, info.Flows = len(recompute), len(redo)+len(redoProg)
	return r, changed
}

// stale reports whether milestone g's last result may differ now for a reason other than its
// members and its edges: a blocking item it read changed, its teams' throughput changed, the
// snapshot history it read changed, or its due date did.
func (k *kept) stale(g int, tpChanged map[string]bool, changedItems []int32) bool {
	c := k.c
	res := &k.ms[g]
	for _, i := range changedItems {
		if _, ok := slices.BinarySearch(res.deps, i); ok {
			return true
		}
	}
	for _, t := range res.base.Teams {
		if tpChanged[t] {
			return true
		}
	}
	hist := c.history[[2]string{c.msProgram[g], k.specs[g].Name}]
	if len(hist) != len(res.hist) {
		return true
	}
	for i := range hist { // scope change and growth read the days and scopes
		if !hist[i].Day.Equal(res.hist[i].Day) || hist[i].Scope != res.hist[i].Scope {
			return true
		}
	}
	due, src := c.w.due(k.specs[g])
	return due != res.base.Due || src != res.base.DueSource
}

func sprintsEqual(a, b []store.RollupSprint) bool {
	return slices.EqualFunc(a, b, func(x, y store.RollupSprint) bool {
		return x.ID == y.ID && x.Name == y.Name && x.State == y.State && x.StartAt.Equal(y.StartAt) &&
			x.EndAt.Equal(y.EndAt) && x.Complete.Equal(y.Complete)
	})
}
