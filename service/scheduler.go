package service

import (
	"context"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Clock is the scheduler's time source; tests pass a fake one.
type Clock interface {
	Now() time.Time
	// After sends the time on the returned channel once d has elapsed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// entry is one scheduled job.
type entry struct {
	job   string
	spec  string
	sched cron.Schedule
	next  time.Time
	fire  func()
}

// parseSchedule parses a standard five-field spec ("CRON_TZ=Zone ..." allowed). robfig/cron
// panics on a few malformed specs; that becomes an error.
func parseSchedule(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid schedule %q: %v", spec, r)
		}
	}()
	s, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %w", spec, err)
	}
	return s, nil
}

// schedule fires each entry at its times in loc until ctx is done. Like cron.Cron's loop, it
// sleeps until the earliest next time, fires every entry that is due, and computes their next
// times from the time it woke; a fire only dispatches (the job runs on its own goroutine), so
// the loop never falls behind a slow job.
func schedule(ctx context.Context, clock Clock, loc *time.Location, entries []*entry) {
	now := clock.Now().In(loc)
	for _, e := range entries {
		e.next = e.sched.Next(now)
	}
	for {
		var next time.Time
		for _, e := range entries {
			if !e.next.IsZero() && (next.IsZero() || e.next.Before(next)) {
				next = e.next
			}
		}
		var wake <-chan time.Time
		if !next.IsZero() {
			wake = clock.After(next.Sub(now))
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
		now = clock.Now().In(loc)
		for _, e := range entries {
			if e.next.IsZero() || e.next.After(now) {
				continue
			}
			e.fire()
			e.next = e.sched.Next(now)
		}
	}
}
