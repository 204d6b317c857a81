package syncer

import (
	"context"
	"log/slog"
	"sync"

	"github.com/cairn-dev/cairn/store"
)

// pageWriter is the Jira run's one writer: projects hand it their pages and go on fetching,
// and it stores whatever pages are waiting, from every project, in one transaction. SQLite
// has one writer anyway; grouping pages writes each index page and WAL frame once per group
// instead of once per page, and lets decoding of the next pages overlap the write. Every page
// still commits with its own cursor, and a project's pages commit in the order it sent them.
type pageWriter struct {
	db   *store.DB
	log  *slog.Logger
	in   chan pageWrite
	done chan struct{}

	mu  sync.Mutex
	err error // the first failure: every later page fails too, so no cursor skips a lost page
}

// pageWrite is one page to store and where to report how it went.
type pageWrite struct {
	page  store.JiraIssuePage
	reply chan<- pageAck
}

type pageAck struct {
	saved store.JiraSaved
	err   error
}

// maxGroup bounds the pages of one transaction.
const maxGroup = 16

func newPageWriter(ctx context.Context, db *store.DB, log *slog.Logger) *pageWriter {
	w := &pageWriter{db: db, log: log, in: make(chan pageWrite, maxGroup), done: make(chan struct{})}
	go w.run(ctx)
	return w
}

func (w *pageWriter) run(ctx context.Context) {
	defer close(w.done)
	group := make([]pageWrite, 0, maxGroup)
	pages := make([]store.JiraIssuePage, 0, maxGroup)
	for first := range w.in {
		group = append(group[:0], first)
	more:
		for len(group) < maxGroup {
			select {
			case pw, ok := <-w.in:
				if !ok {
					break more
				}
				group = append(group, pw)
			default:
				break more
			}
		}
		pages = pages[:0]
		for _, pw := range group {
			pages = append(pages, pw.page)
		}
		w.mu.Lock()
		err := w.err
		w.mu.Unlock()
		var saved []store.JiraSaved
		if err == nil {
			if saved, err = w.save(ctx, pages); err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
		}
		for i, pw := range group {
			a := pageAck{err: err}
			if err == nil {
				a.saved = saved[i]
			}
			pw.reply <- a // buffered by the sender for every page it has in flight
		}
		clear(group)
		clear(pages)
	}
}

// save stores a group of pages; a panic in it fails the group (and so every later page) instead
// of the process, and its transaction is rolled back (store.DB.Update).
func (w *pageWriter) save(ctx context.Context, pages []store.JiraIssuePage) (saved []store.JiraSaved, err error) {
	defer recoverScope(w.log, &err, "writer", "jira")
	return w.db.SaveJiraIssuePages(ctx, pages)
}

// send queues a page; the reply channel must have room for every page the caller has in flight.
func (w *pageWriter) send(ctx context.Context, pw pageWrite) error {
	select {
	case w.in <- pw:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops the writer once the queued pages are stored.
func (w *pageWriter) close() {
	close(w.in)
	<-w.done
}
