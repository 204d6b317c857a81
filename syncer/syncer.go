// Package syncer runs the connectors and writes what they return into the store, each page in
// one transaction with its cursor, so a killed run resumes and a failed run loses nothing.
// It names the small interfaces it needs from the connectors and never imports them.
package syncer

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// Modes of a run.
const (
	ModeIncremental = "incremental"
	ModeFull        = "full"
)

// Result summarises one connector run.
type Result struct {
	Connector string
	RunID     int64
	Mode      string
	Counts    cairn.Counts
	Requests  int
	Duration  time.Duration
}

// String is the one-line summary `cairn sync` prints.
func (r Result) String() string {
	s := fmt.Sprintf("%s: %s run %d: %d new, %d updated, %d deleted", r.Connector, r.Mode, r.RunID,
		r.Counts.New, r.Counts.Updated, r.Counts.Deleted)
	if r.Connector == cairn.ConnectorJira {
		s += fmt.Sprintf(", %d versions, %d sprints", r.Counts.Versions, r.Counts.Sprints)
	}
	if r.Counts.Reviews > 0 || r.Connector == cairn.ConnectorGitHub {
		s += fmt.Sprintf(", %d reviews", r.Counts.Reviews)
	}
	return s + fmt.Sprintf(", %d requests, %.1fs", r.Requests, r.Duration.Seconds())
}

// Event reports progress of a run in flight.
type Event struct {
	Connector string
	Scope     string        // project key or repo
	Kind      string        // "page", "wait", "done"
	Items     int           // items stored so far in this scope
	Total     int           // total items when the upstream says (0 = unknown)
	Pages     int           // pages stored so far in this scope
	Wait      time.Duration // for "wait": how long a rate limit holds us
}

// ProgressFunc receives progress events; it must be safe for concurrent use.
type ProgressFunc func(Event)

// Runner is what the service and the CLI drive: one connector's sync.
type Runner interface {
	Name() string
	Run(ctx context.Context, full bool) (Result, error)
}

type runStartedKey struct{}

// WithRunStarted returns a context under which a Runner reports each run's id to fn as soon as
// its sync_runs row exists, so the service can answer "POST /api/v1/sync" with the run id while
// the run goes on (and record a panicking run under the right id).
func WithRunStarted(ctx context.Context, fn func(runID int64)) context.Context {
	return context.WithValue(ctx, runStartedKey{}, fn)
}

// recordRun wraps one run in a sync_runs row: started as running, finished ok or failed with
// its counts. fn fills the result as it goes, so a failed run still reports what it stored.
func recordRun(ctx context.Context, db *store.DB, log *slog.Logger, connector string, full bool,
	fn func(ctx context.Context, res *Result) error) (Result, error) {
	mode := ModeIncremental
	if full {
		mode = ModeFull
	}
	start := db.Now()
	res := Result{Connector: connector, Mode: mode}
	id, err := db.StartRun(ctx, connector, mode, start)
	if err != nil {
		return res, err
	}
	res.RunID = id
	if started, ok := ctx.Value(runStartedKey{}).(func(int64)); ok && started != nil {
		started(id)
	}
	runErr := fn(ctx, &res)
	res.Duration = db.Now().Sub(start)
	// The run's row is written even when ctx was cancelled, so the history tells the truth.
	finishCtx := context.WithoutCancel(ctx)
	if err := db.FinishRun(finishCtx, id, db.Now(), res.Counts, res.Requests, runErr); err != nil {
		log.Error("record run", "run_id", id, "err", err)
	}
	if runErr != nil {
		return res, fmt.Errorf("%s sync: %w", connector, runErr)
	}
	return res, nil
}
