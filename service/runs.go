package service

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"sync"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/syncer"
)

// Started is a run that Sync started.
type Started struct {
	Connector string `json:"connector"`
	ID        int64  `json:"id"` // 0 when the run failed before it was recorded
	Mode      string `json:"mode"`
	Error     string `json:"error,omitempty"`
}

// startResult is what a starting run reports: its id, or the error that ended it before.
type startResult struct {
	id  int64
	err error
}

// Connectors returns the names of the connectors the service runs, sorted.
func (s *Service) Connectors() []string {
	out := make([]string, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c.name)
	}
	sort.Strings(out)
	return out
}

// Sync starts a run of one connector ("all" or "" for every one) now, full or incremental, and
// returns once each run is recorded (so its id is known) while the runs go on. It fails with
// ErrUnknownConnector, with an error wrapping cairn.ErrRunning when a run of a connector is in
// progress (then nothing is started), or with ErrClosed. ctx bounds only the wait for the ids.
func (s *Service) Sync(ctx context.Context, connector string, full bool) ([]Started, error) {
	var targets []*conn
	if connector == "" || connector == "all" {
		targets = s.conns
	} else if c := s.byName[connector]; c != nil {
		targets = []*conn{c}
	} else {
		return nil, fmt.Errorf("%w %q", ErrUnknownConnector, connector)
	}
	if s.closingNow() {
		return nil, ErrClosed
	}
	// All or nothing: claim every slot first.
	for i, c := range targets {
		if !c.busy.CompareAndSwap(false, true) {
			for _, prev := range targets[:i] {
				prev.busy.Store(false)
			}
			return nil, fmt.Errorf("%s: %w", c.name, cairn.ErrRunning)
		}
	}
	mode := syncer.ModeIncremental
	if full {
		mode = syncer.ModeFull
	}
	chans := make([]chan startResult, len(targets))
	for i, c := range targets {
		ch := make(chan startResult, 1)
		chans[i] = ch
		job := c.name + "_sync"
		if full {
			job = c.name + "_reconcile"
		}
		if !s.spawn(func() { s.runSync(c, full, job, ch) }, c) {
			for _, rest := range targets[i+1:] {
				rest.busy.Store(false)
			}
			return nil, ErrClosed
		}
	}
	out := make([]Started, len(targets))
	for i, c := range targets {
		out[i] = Started{Connector: c.name, Mode: mode}
		select {
		case r := <-chans[i]:
			out[i].ID = r.id
			if r.err != nil {
				out[i].Error = r.err.Error()
			}
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	return out, nil
}

// tickSync is a scheduled sync: skipped and counted when the connector is busy.
func (s *Service) tickSync(c *conn, full bool, job string) {
	if !c.busy.CompareAndSwap(false, true) {
		s.health.jobSkipped(job)
		s.log.Warn("previous run still in progress: skipping", "job", job, "connector", c.name)
		return
	}
	s.spawn(func() { s.runSync(c, full, job, nil) }, c)
}

// runSync runs one sync in the connector's claimed slot, records its outcome in the health
// metrics (and, if it panicked, in the run history), releases the slot, then runs the rollup
// if the sync succeeded. started, when not nil, receives the run id as soon as it exists.
func (s *Service) runSync(c *conn, full bool, job string, started chan<- startResult) {
	var once sync.Once
	report := func(id int64, err error) {
		once.Do(func() {
			if started != nil {
				started <- startResult{id: id, err: err}
			}
		})
	}
	var runID int64
	var idMu sync.Mutex
	ctx := syncer.WithRunStarted(s.runCtx, func(id int64) {
		idMu.Lock()
		runID = id
		idMu.Unlock()
		report(id, nil)
	})
	log := s.log.With("connector", c.name, "job", job)
	s.health.syncStarted(c.name)

	res, err, panicked := callRunner(ctx, c.runner, full)
	if panicked != nil {
		s.health.jobPanicked(job)
		idMu.Lock()
		id := runID
		idMu.Unlock()
		err = fmt.Errorf("%s sync panicked: %v", c.name, panicked.value)
		log.Error("sync panicked", "panic", fmt.Sprint(panicked.value), "stack", string(panicked.stack))
		res = syncer.Result{Connector: c.name, RunID: s.recordPanic(c.name, full, id, err)}
	}
	if errors.Is(err, cairn.ErrRunning) && res.RunID == 0 {
		// The runner is busy outside the service (another process or caller): nothing ran.
		s.health.syncAbandoned(c.name)
		s.health.jobSkipped(job)
		log.Warn("runner busy: skipping")
		report(0, err)
		c.busy.Store(false)
		return
	}
	s.health.syncFinished(c.name, res, err, s.db.Now())
	report(res.RunID, err)
	c.busy.Store(false)
	if err != nil {
		log.Error("sync failed", "run_id", res.RunID, "err", err, "duration_seconds", res.Duration.Seconds())
		return
	}
	log.Info("sync done", "run_id", res.RunID, "mode", res.Mode, "new", res.Counts.New,
		"updated", res.Counts.Updated, "deleted", res.Counts.Deleted, "requests", res.Requests,
		"duration_seconds", res.Duration.Seconds())
	if s.opts.AfterSync != nil {
		s.rollup()
	}
}

type panicValue struct {
	value any
	stack []byte
}

func callRunner(ctx context.Context, r syncer.Runner, full bool) (res syncer.Result, err error, p *panicValue) {
	defer func() {
		if v := recover(); v != nil {
			p = &panicValue{value: v, stack: debug.Stack()}
		}
	}()
	res, err = r.Run(ctx, full)
	return res, err, nil
}

func callJob(ctx context.Context, fn func(context.Context) error) (err error, p *panicValue) {
	defer func() {
		if v := recover(); v != nil {
			p = &panicValue{value: v, stack: debug.Stack()}
		}
	}()
	return fn(ctx), nil
}

// recordPanic finishes the run a panicking runner left "running" (or records one when it
// panicked before it had a row) as failed, and returns its id.
func (s *Service) recordPanic(connector string, full bool, id int64, runErr error) int64 {
	ctx := context.WithoutCancel(s.runCtx)
	if id == 0 {
		// A runner that did not report its id: the connector's slot is ours, so a row of it
		// still running is this run's (rows of a dead process were abandoned at Start).
		if runs, err := s.db.Runs(ctx, connector, 1); err == nil && len(runs) == 1 && runs[0].Status == cairn.RunRunning {
			id = runs[0].ID
		}
	}
	if id == 0 {
		mode := syncer.ModeIncremental
		if full {
			mode = syncer.ModeFull
		}
		var err error
		if id, err = s.db.StartRun(ctx, connector, mode, s.db.Now()); err != nil {
			s.log.Error("record panicked run", "connector", connector, "err", err)
			return 0
		}
	}
	if err := s.db.FinishRun(ctx, id, s.db.Now(), cairn.Counts{}, 0, runErr); err != nil {
		s.log.Error("record panicked run", "connector", connector, "run_id", id, "err", err)
	}
	return id
}

// rollup runs AfterSync, never twice at once: a caller that finds one running asks it to run
// once more (the data changed since it started) and returns.
func (s *Service) rollup() {
	s.mu.Lock()
	s.rollupMore = true
	if s.rollupRun {
		s.mu.Unlock()
		return
	}
	s.rollupRun = true
	s.mu.Unlock()
	for {
		s.mu.Lock()
		if !s.rollupMore || s.runCtx.Err() != nil {
			s.rollupRun = false
			s.mu.Unlock()
			return
		}
		s.rollupMore = false
		s.mu.Unlock()
		s.runJob(jobRollup, s.opts.AfterSync)
	}
}

// tickJob is a scheduled extra job: skipped and counted when its last run is in progress.
func (s *Service) tickJob(j *jobSlot) {
	if !j.busy.CompareAndSwap(false, true) {
		s.health.jobSkipped(j.Name)
		s.log.Warn("previous run still in progress: skipping", "job", j.Name)
		return
	}
	if !s.spawn(func() {
		defer j.busy.Store(false)
		s.runJob(j.Name, j.Run)
	}, nil) {
		j.busy.Store(false)
	}
}

// runJob runs fn with the panic recovered, logged and counted, and its outcome counted.
func (s *Service) runJob(name string, fn func(context.Context) error) {
	start := s.clock.Now()
	err, panicked := callJob(s.runCtx, fn)
	if panicked != nil {
		s.health.jobPanicked(name)
		err = fmt.Errorf("%s panicked: %v", name, panicked.value)
		s.log.Error("job panicked", "job", name, "panic", fmt.Sprint(panicked.value), "stack", string(panicked.stack))
	}
	s.health.jobFinished(name, err)
	d := s.clock.Now().Sub(start).Seconds()
	if err != nil {
		s.log.Error("job failed", "job", name, "err", err, "duration_seconds", d)
		return
	}
	s.log.Info("job done", "job", name, "duration_seconds", d)
}
