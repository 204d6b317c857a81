package syncer

import (
	"context"
	"sync"
)

// ghWriter stores a repo's pages in order on its own goroutine while the repo's fetcher
// reads the next page and its reviews, so fetching overlaps storing. The hand-over is
// unbuffered: the fetcher holds at most the page after the one being stored, so memory stays
// at two pages per repo whatever the repo's size. Each
// store call still commits one page with its cursor; a failed store stops the fetcher (its
// context is cancelled) and later pages are not stored, so a rerun resumes after the last
// page committed.
type ghWriter struct {
	work   chan func() error
	done   chan struct{}
	cancel context.CancelFunc
	once   sync.Once
	err    error // written by the writer goroutine; read after done is closed
}

// writer starts a repo's page writer. The returned context is the fetcher's: it is cancelled
// when a store fails.
func (r *repoRun) writer(ctx context.Context) (context.Context, *ghWriter) {
	ctx, cancel := context.WithCancel(ctx)
	w := &ghWriter{work: make(chan func() error), done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(w.done)
		defer recoverScope(r.g.log, &w.err, "repo", r.repo)
		for store := range w.work {
			if w.err != nil {
				continue // a page after a failed one is not stored
			}
			if err := store(); err != nil {
				w.err = err
				cancel()
			}
		}
	}()
	return ctx, w
}

// send queues a page's store. It fails only when the writer has stopped; finish says why.
func (w *ghWriter) send(store func() error) bool {
	select {
	case w.work <- store:
		return true
	case <-w.done:
		return false
	}
}

// finish waits for the queued pages to be stored and returns the writer's first failure.
func (w *ghWriter) finish() error {
	w.once.Do(func() { close(w.work) })
	<-w.done
	w.cancel()
	return w.err
}

// pipelined runs fetch with a page writer and returns the failure that came first in the
// page order: a store's (after which the fetcher only sees its cancellation) or the fetcher's.
// The writer is finished even when fetch panics (the repo's recover turns that into its
// error), so that no writer goroutine outlives its repo.
func (r *repoRun) pipelined(ctx context.Context, fetch func(ctx context.Context, w *ghWriter) error) (err error) {
	fctx, w := r.writer(ctx)
	defer func() {
		if werr := w.finish(); werr != nil {
			err = werr
		}
	}()
	return fetch(fctx, w)
}
