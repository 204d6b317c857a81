package rollup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/cairn-dev/cairn/store"
)

// DefaultMaxChanges is how many changed rows (Jira issues, links, PRs, GitHub issues) an
// Engine patches into its data at most; past it, reloading everything is about as fast (see
// doc.go).
const DefaultMaxChanges = 50_000

// Engine is the incremental rollup `cairn serve` runs after each sync (see doc.go): it keeps
// the synced data in memory between runs, brings it up to date from the change list the store's
// triggers keep, reuses the forecasts and encoded milestones that did not change, and stores
// the report in parts. Each Update's report and snapshots are exactly those Run would compute
// and store at the same as-of time. An Engine is not safe for concurrent use: its caller runs
// one Update at a time (the service never overlaps rollups).
type Engine struct {
	db   *store.DB
	spec Spec
	// MaxChanges bounds the changes patched in (DefaultMaxChanges when zero).
	MaxChanges int
	// Log, when set, gets a line per Update (full or incremental, and why).
	Log *slog.Logger

	st *engineState // nil until a full run succeeds, and after any failed Update
}

// engineState is what an Engine keeps between runs.
type engineState struct {
	data    *store.RollupData
	history map[[2]string][]Snapshot // the stored snapshots Run would read at asOf, indexed (indexHistory)
	gen     int64                    // the change list's generation the data is current with
	day     time.Time                // asOf's day: the history's window, forecasts' start, the ISO week
	asOf    time.Time
	k       *kept // the world and results of the last Update
	fm      *forecastMemo
	em      *encodeMemo
}

// UpdateInfo says how the last Update went.
type UpdateInfo struct {
	Full    bool   // the data was loaded whole
	Why     string // why it was (first run, new day, ...); "" for an incremental run
	Changes int    // rows patched in (incremental)
	// Rebuilt says why the world (items, indexes, memberships) was rebuilt from the patched
	// data rather than patched in place (rows removed or inserted out of order, a key or
	// membership changed); "" when it was patched, or loaded whole.
	Rebuilt    string
	Recomputed int // milestones recomputed (the others' results were reused)
	Flows      int // team and program flows recomputed
	Parts      int // milestone parts re-encoded
	// Where the time went: taking and patching in the changes (or the full load), computing,
	// encoding, storing the snapshots and the report.
	Load, Compute, Encode, Save time.Duration
}

// NewEngine returns an Engine for spec; its first Update is a full run.
func NewEngine(db *store.DB, spec Spec) *Engine {
	return &Engine{db: db, spec: spec}
}

// Update computes the report as of asOf from the data synced so far, stores it and today's
// snapshots, and returns it with how it went. It falls back to a full load when there is no
// state yet (first run, or the last Update failed), on a new UTC day (the snapshot history
// and the forecasts' start move; a new ISO week is always a new day), when asOf goes back, when
// another run cleared the change list, or when more than MaxChanges rows changed.
func (e *Engine) Update(ctx context.Context, asOf time.Time) (*Report, UpdateInfo, error) {
	asOf = asOf.UTC()
	t0 := time.Now()
	st := e.st
	e.st = nil // kept only if this Update succeeds: a failure halfway leaves nothing half-patched
	var info UpdateInfo
	var d *dirty
	switch {
	case st == nil:
		info.Why = "first run"
	case !dayStart(asOf).Equal(st.day):
		info.Why = "new day"
	case asOf.Before(st.asOf):
		info.Why = "as-of time went back"
	}
	if info.Why == "" {
		limit := e.MaxChanges
		if limit <= 0 {
			limit = DefaultMaxChanges
		}
		changes, ok, err := e.db.TakeRollupChanges(ctx, st.gen, limit)
		switch {
		case errors.Is(err, store.ErrChangesCleared):
			info.Why = "change list cleared by another run"
		case err != nil:
			return nil, info, fmt.Errorf("rollup: %w", err)
		case !ok:
			info.Why = fmt.Sprintf("more than %d changes", limit)
		default:
			info.Changes = changes.Len()
			b := takeBefore(st.data, changes)
			if err := e.db.PatchRollup(ctx, st.data, changes); err != nil {
				return nil, info, fmt.Errorf("rollup: %w", err)
			}
			d, info.Rebuilt = st.k.apply(st.data, b, changes)
			if info.Rebuilt != "" {
				// The results of the old world carry over to the new where their items are
				// the same (carry): rows that come or go touch few milestones and teams.
				old := st.k
				st.k = newKept(st.data, e.spec, asOf)
				d = st.k.carry(old, b, changes)
			}
		}
	}
	if info.Why != "" {
		st = nil // the old data is garbage before the new is loaded
		info.Full = true
		var err error
		if st, err = e.load(ctx, asOf); err != nil {
			return nil, info, err
		}
		d = &dirty{all: true}
	}
	st.asOf = asOf
	t1 := time.Now()
	info.Load = t1.Sub(t0)
	r, changed := st.k.update(asOf, st.data, st.history, d, st.fm, &info)
	t2 := time.Now()
	info.Compute = t2.Sub(t1)
	skel, parts, err := st.em.encodeParts(r, changed)
	if err != nil {
		return nil, info, fmt.Errorf("rollup: encode report: %w", err)
	}
	t3 := time.Now()
	info.Encode = t3.Sub(t2)
	info.Parts = countNew(st.em)
	snaps := Snapshots(r)
	// Snapshots first, as Run does: a new report signals that everything of the rollup is stored.
	if err := e.db.SaveSnapshots(ctx, toRows(snaps)); err != nil {
		return nil, info, fmt.Errorf("rollup: %w", err)
	}
	_, err = e.db.SaveReportParts(ctx, r.AsOf, r.Week, skel, parts)
	if errors.Is(err, store.ErrPartMissing) {
		// Another run's report replaced ours and its parts went with it: store them all again.
		st.em.ms = nil
		if skel, parts, err = st.em.encodeParts(r, nil); err == nil {
			_, err = e.db.SaveReportParts(ctx, r.AsOf, r.Week, skel, parts)
		}
	}
	if err != nil {
		return nil, info, fmt.Errorf("rollup: %w", err)
	}
	st.em.stored()
	info.Save = time.Since(t3)
	upsertDay(st.history, snaps)
	st.fm.rotate()
	e.st = st
	if e.Log != nil {
		e.Log.Info("rollup", "full", info.Full, "why", info.Why, "changes", info.Changes, "rebuilt", info.Rebuilt,
			"recomputed", info.Recomputed, "flows", info.Flows, "parts_encoded", info.Parts,
			"load_seconds", info.Load.Seconds(), "compute_seconds", info.Compute.Seconds(),
			"encode_seconds", info.Encode.Seconds(), "save_seconds", info.Save.Seconds())
	}
	return r, info, nil
}

// countNew counts the milestones encoded by the last encodeParts (their report was replaced).
func countNew(em *encodeMemo) int {
	n := 0
	for i := range em.ms {
		if em.ms[i].fresh {
			n++
			em.ms[i].fresh = false
		}
	}
	return n
}

// load is Run's load: it clears the change list (so every write it may not see stays listed),
// loads everything, reads the snapshot history and backfills the milestones without any.
func (e *Engine) load(ctx context.Context, asOf time.Time) (*engineState, error) {
	runtime.GC()
	debug.FreeOSMemory()
	gen, err := e.db.ClearRollupChanges(ctx)
	if err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	data, err := e.db.LoadRollup(ctx)
	if err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	history, err := loadHistory(ctx, e.db, data, e.spec, asOf)
	if err != nil {
		return nil, err
	}
	k := newKept(data, e.spec, asOf)
	runtime.GC()
	return &engineState{data: data, history: indexHistory(history), gen: gen, day: dayStart(asOf), k: k,
		fm: newForecastMemo(), em: &encodeMemo{}}, nil
}

// loadHistory reads the snapshots Run reads at asOf, and backfills (and stores) those of the
// milestones that have none.
func loadHistory(ctx context.Context, db *store.DB, data *store.RollupData, spec Spec, asOf time.Time) ([]Snapshot, error) {
	rows, err := db.Snapshots(ctx, "", "", asOf.AddDate(0, 0, -historyDays), asOf)
	if err != nil {
		return nil, fmt.Errorf("rollup: %w", err)
	}
	in := Input{Data: *data, History: fromRows(rows)}
	if back := missingHistory(in, spec, asOf); len(back) > 0 {
		if err := db.SaveSnapshots(ctx, toRows(back)); err != nil {
			return nil, fmt.Errorf("rollup backfill: %w", err)
		}
		in.History = append(in.History, back...)
	}
	return in.History, nil
}

// upsertDay brings the indexed history up to date with the snapshots just stored (the store
// upserts them by milestone and day): a milestone's list is replaced, not changed in place
// (the milestones' results keep the lists they read), and only when its snapshot changed.
func upsertDay(history map[[2]string][]Snapshot, snaps []Snapshot) {
	for _, s := range snaps {
		k := [2]string{s.Program, s.Milestone}
		list := history[k]
		if n := len(list); n > 0 && list[n-1].Day.Equal(s.Day) {
			if list[n-1] == s {
				continue
			}
			list = slices.Clone(list)
			list[n-1] = s
		} else {
			list = append(slices.Clip(list), s)
		}
		history[k] = list
	}
}
