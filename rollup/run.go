package rollup

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/cairn-dev/cairn/store"
)

// BackfillDays is how many days of snapshots a new install reconstructs from status history.
const BackfillDays = 12 * 7

// historyDays is how far back Run reads snapshots: a year covers any baseline in practice.
const historyDays = 400

// Run is what the service calls after each sync: it loads the synced data and the snapshot
// history, backfills the history of milestones that have none, computes the report as of asOf, and
// stores the report and today's snapshots.
func Run(ctx context.Context, db *store.DB, spec Spec, asOf time.Time) (*Report, error) {
	asOf = asOf.UTC()
	// A full run reads everything: the change list of the incremental rollup (Engine) is
	// cleared first, which also tells an Engine of another process that it missed changes.
	if _, err := db.ClearRollupChanges(ctx); err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	data, err := db.LoadRollup(ctx)
	if err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	history, err := loadHistory(ctx, db, data, spec, asOf)
	if err != nil {
		return nil, err
	}
	in := Input{Data: *data, History: history}
	// The collector paces itself by the heap it last saw live, and its last look was early in
	// the load, so Compute's indexes would grow the heap to twice the loaded data and more. A
	// collection now (the compact data is mostly pointer-free, so it is quick) sets the pace by
	// the data itself.
	runtime.GC()
	var r *Report
	withGCPercent(computeGCPercent, func() { r = compute(&in, spec, asOf, true) })
	// The loaded data (most of the heap) is garbage from here (in and data are dead), but the
	// collector paces itself by the heap it last saw live, so the encoder's buffers would grow
	// the heap past it. One collection now lets the encoding reuse the data's memory, and
	// returning the freed pages to the system keeps the driver's copy of the encoded report
	// (outside the Go heap) from adding to the resident peak of Compute.
	debug.FreeOSMemory()
	body, err := encodeReport(r)
	if err != nil {
		return nil, fmt.Errorf("rollup: encode report: %w", err)
	}
	// Snapshots first: readers take a new report as the signal that everything of this rollup
	// is stored, so a page rendered from it never lacks today's burn-up point.
	if err := db.SaveSnapshots(ctx, toRows(Snapshots(r))); err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	if _, err := db.SaveReport(ctx, r.AsOf, r.Week, body); err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	return r, nil
}

// computeGCPercent is the collector's headroom while Run computes. At its end the loaded data,
// the world built on it and the report are all live (about 0.8 GB at a million issues), and
// with the default headroom (100%: a collection when the heap doubles what the last one left)
// the garbage of the milestones' evidence took the heap to 0.94-1.05 GB before anything was
// freed. 25% keeps a million issues' rollup at about 0.9 GB of RSS for at most a CPU second
// more, within the runs' noise (BENCHMARKS.md).
const computeGCPercent = 25

// gcPercent serialises withGCPercent: the setting is the process's.
var gcPercent sync.Mutex

// withGCPercent runs fn with the collector's headroom at most pct (GOGC's unit), and puts the
// previous setting back afterwards. A tighter setting of the user's (GOGC, or off) is kept.
func withGCPercent(pct int, fn func()) {
	gcPercent.Lock()
	defer gcPercent.Unlock()
	old := debug.SetGCPercent(pct)
	defer debug.SetGCPercent(old)
	if old < pct { // tighter, or negative: collection off
		debug.SetGCPercent(old)
	}
	fn()
}

// missingHistory backfills the milestones that have no snapshot yet (all of them on a new
// install, a milestone newly added to the config later).
func missingHistory(in Input, spec Spec, asOf time.Time) []Snapshot {
	have := map[[2]string]bool{}
	for _, s := range in.History {
		have[[2]string{s.Program, s.Milestone}] = true
	}
	missing := false
	for _, p := range spec.Programs {
		for _, m := range p.Milestones {
			missing = missing || !have[[2]string{p.Name, m.Name}]
		}
	}
	if !missing {
		return nil
	}
	var out []Snapshot
	for _, s := range Backfill(in, spec, asOf, BackfillDays) {
		if !have[[2]string{s.Program, s.Milestone}] {
			out = append(out, s)
		}
	}
	return out
}

// Reports reads stored reports; it is the ReportSource of the API and the pages.
type Reports struct {
	DB *store.DB
}

// LatestReport returns the latest stored report, or an error wrapping cairn.ErrNotFound.
func (s Reports) LatestReport(ctx context.Context) (*Report, error) {
	st, err := s.DB.LatestReport(ctx)
	if err != nil {
		return nil, err
	}
	return decodeReport(st)
}

// ReportForWeek returns the last report of an ISO week ("2026-W48"), so that a past week's
// page can be regenerated exactly.
func (s Reports) ReportForWeek(ctx context.Context, week string) (*Report, error) {
	st, err := s.DB.ReportForWeek(ctx, week)
	if err != nil {
		return nil, err
	}
	return decodeReport(st)
}

// Snapshots returns a milestone's snapshots of the days from..to.
func (s Reports) Snapshots(ctx context.Context, program, milestone string, from, to time.Time) ([]Snapshot, error) {
	rows, err := s.DB.Snapshots(ctx, program, milestone, from, to)
	if err != nil {
		return nil, err
	}
	return fromRows(rows), nil
}

func decodeReport(st store.StoredReport) (*Report, error) {
	var r Report
	if err := json.Unmarshal(st.JSON, &r); err != nil {
		return nil, fmt.Errorf("decode report %d: %w", st.ID, err)
	}
	return &r, nil
}

func toRows(snaps []Snapshot) []store.SnapshotRow {
	out := make([]store.SnapshotRow, len(snaps))
	for i, s := range snaps {
		out[i] = store.SnapshotRow{Program: s.Program, Milestone: s.Milestone, Day: s.Day,
			Scope: s.Scope, Done: s.Done, InProgress: s.InProgress, ScopePoints: s.ScopePoints,
			DonePoints: s.DonePoints, P50: s.P50, P85: s.P85, P95: s.P95, OnTime: s.OnTime,
			Status: string(s.Status), Backfilled: s.Backfilled}
	}
	return out
}

func fromRows(rows []store.SnapshotRow) []Snapshot {
	out := make([]Snapshot, len(rows))
	for i, s := range rows {
		out[i] = Snapshot{Program: s.Program, Milestone: s.Milestone, Day: s.Day,
			Scope: s.Scope, Done: s.Done, InProgress: s.InProgress, ScopePoints: s.ScopePoints,
			DonePoints: s.DonePoints, P50: s.P50, P85: s.P85, P95: s.P95, OnTime: s.OnTime,
			Status: Status(s.Status), Backfilled: s.Backfilled}
	}
	return out
}
