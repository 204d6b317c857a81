package syncer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// jiraClient is what the Jira sync needs from connectors/jira.Client.
type jiraClient interface {
	// Location is the API user's time zone: JQL dates are read in it.
	Location(ctx context.Context) (*time.Location, error)
	Fields(ctx context.Context) ([]cairn.JiraField, error)
	// Search returns one page of complete issues; cursor "" is the first page, page.Next ""
	// means the last.
	Search(ctx context.Context, jql, cursor string) (cairn.JiraPage, error)
	SearchIDs(ctx context.Context, jql, cursor string) (ids []int64, next string, err error)
	Versions(ctx context.Context, project string) ([]cairn.Version, error)
	Boards(ctx context.Context, project string) ([]cairn.Board, error)
	Sprints(ctx context.Context, boardID int64) ([]cairn.Sprint, error) // Kanban: nil, nil
	Requests() int
}

// JiraOptions configures the Jira sync.
type JiraOptions struct {
	// Projects are the project keys; each is a scope of its own, synced concurrently.
	Projects []string
	// JQL is an optional filter ANDed to each project's scope (no ORDER BY).
	JQL string
	// Overlap is subtracted from the watermark of incremental runs (default 15 minutes): it
	// covers Jira's minute-granular JQL dates, clock skew and Cloud's search index lag.
	Overlap time.Duration
	// Concurrency bounds how many projects sync at once (default 4).
	Concurrency int
}

// Jira syncs the configured projects into the store. It implements Runner.
type Jira struct {
	db       *store.DB
	client   jiraClient
	opts     JiraOptions
	log      *slog.Logger
	progress ProgressFunc
	running  sync.Mutex

	locMu sync.Mutex
	loc   *time.Location // the API user's zone, once read
	slack time.Duration  // extra overlap when the zone is unknown

	savedSite map[string]string // site facts this runner stored, as stored
}

var _ Runner = (*Jira)(nil)

// NewJira returns the Jira runner; log and progress may be nil.
func NewJira(db *store.DB, client jiraClient, opts JiraOptions, log *slog.Logger, progress ProgressFunc) *Jira {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Overlap <= 0 {
		opts.Overlap = 15 * time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if progress == nil {
		progress = func(Event) {}
	}
	return &Jira{db: db, client: client, opts: opts, log: log.With("connector", cairn.ConnectorJira), progress: progress}
}

// Name implements Runner.
func (j *Jira) Name() string { return cairn.ConnectorJira }

var orderBy = regexp.MustCompile(`(?i)\border\s+by\b`)

// Run syncs every project. An incremental run fetches the issues updated since each project's
// watermark (less the overlap), refreshes versions and open sprints, and resumes a run that
// was cut off; a full run (full, or the first run of a scope, or one whose query changed)
// lists every issue, refreshes fields, boards and sprints, and soft-deletes the stored issues
// a complete listing no longer returns.
func (j *Jira) Run(ctx context.Context, full bool) (Result, error) {
	if !j.running.TryLock() {
		return Result{Connector: cairn.ConnectorJira}, cairn.ErrRunning
	}
	defer j.running.Unlock()
	if orderBy.MatchString(j.opts.JQL) {
		return Result{Connector: cairn.ConnectorJira}, errors.New("jira sync: the jql filter must not have an ORDER BY: cairn orders the search itself")
	}
	if !full {
		// A run in which every scope lists everything is recorded as what it is.
		var err error
		if full, err = j.allNeedFull(ctx); err != nil {
			return Result{Connector: cairn.ConnectorJira}, err
		}
	}
	return recordRun(ctx, j.db, j.log, cairn.ConnectorJira, full, func(ctx context.Context, res *Result) error {
		before := j.client.Requests()
		var mu sync.Mutex
		defer func() {
			mu.Lock()
			res.Requests = j.client.Requests() - before
			mu.Unlock()
		}()
		if err := j.useSite(ctx, full); err != nil {
			return err
		}
		defer j.saveSite(ctx)
		rewrite, err := j.fields(ctx, full)
		if err != nil {
			return err
		}
		// Listing first, every project side by side; then reconciling, once every listing is
		// stored: an issue moved between two projects is then never taken for deleted by the
		// one it left before the other has stored it.
		counts := make([]cairn.Counts, len(j.opts.Projects))
		runs := make([]*projectRun, len(j.opts.Projects))
		defer func() {
			mu.Lock()
			defer mu.Unlock()
			for _, c := range counts {
				res.Counts.New += c.New
				res.Counts.Updated += c.Updated
				res.Counts.Deleted += c.Deleted
				res.Counts.Versions += c.Versions
				res.Counts.Sprints += c.Sprints
				res.Counts.Pages += c.Pages
			}
		}()
		w := newPageWriter(ctx, j.db, j.log)
		err = j.each(ctx, func(ctx context.Context, i int) error {
			var err error
			runs[i], err = j.syncProject(ctx, w, j.opts.Projects[i], full, rewrite, &counts[i])
			return err
		})
		w.close()
		if err != nil {
			return err
		}
		return j.each(ctx, func(ctx context.Context, i int) error { return runs[i].finish(ctx) })
	})
}

// each calls fn for every project, a bounded number at once; the first error cancels the rest.
func (j *Jira) each(ctx context.Context, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, j.opts.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for i, p := range j.opts.Projects {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := j.guarded(ctx, i, fn); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("project %s: %w", p, err))
				mu.Unlock()
				cancel()
			}
		}()
	}
	wg.Wait()
	if len(errs) == 0 && ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.Join(errs...)
}

// guarded calls fn for project i, a panic in it becoming its error.
func (j *Jira) guarded(ctx context.Context, i int, fn func(ctx context.Context, i int) error) (err error) {
	defer recoverScope(j.log, &err, "project", j.opts.Projects[i])
	return fn(ctx, i)
}

// siteClient is the optional side of jiraClient that lets a run reuse what an earlier one
// learned about the site (deployment, the user's zone, the fields), by fact name.
type siteClient interface {
	SiteFacts() map[string]string
	UseSiteFacts(map[string]string)
	ReadSite(ctx context.Context) error // deployment and statuses, unless known
}

// siteMaxAge is how long a stored site fact is trusted. Incremental runs reuse fresh facts;
// full runs (the reconcile schedule) read what they need again. A long-running service
// reads them once per process anyway, so this is no staler than the runner's own cache.
const siteMaxAge = 24 * time.Hour

// useSite hands the client the fresh site facts stored by earlier runs (incremental runs only).
func (j *Jira) useSite(ctx context.Context, full bool) error {
	sc, ok := j.client.(siteClient)
	if !ok {
		return nil
	}
	if full {
		// Refresh every fact on the reconcile schedule (the fields are read by j.fields), so
		// that the incremental runs that follow find them fresh and cost only their
		// per-project requests, and so that what is stored does not depend on how much a
		// resumed run had left to fetch.
		if err := sc.ReadSite(ctx); err != nil {
			return fmt.Errorf("read jira site: %w", err)
		}
		_, _, err := j.location(ctx)
		return err
	}
	stored, err := j.db.JiraSite(ctx)
	if err != nil {
		return err
	}
	facts := map[string]string{}
	now := j.db.Now()
	for name, v := range stored {
		if age := now.Sub(v.ReadAt); age >= 0 && age < siteMaxAge {
			facts[name] = v.Value
		}
	}
	sc.UseSiteFacts(facts)
	return nil
}

// saveSite stores the site facts the client read during the run, failed or not: they are
// facts about the site, not about the run.
func (j *Jira) saveSite(ctx context.Context) {
	sc, ok := j.client.(siteClient)
	if !ok {
		return
	}
	facts := sc.SiteFacts()
	for name, v := range facts {
		if j.savedSite[name] == v {
			delete(facts, name) // saved when this runner's client read it
		}
	}
	if err := j.db.SaveJiraSite(context.WithoutCancel(ctx), facts, j.db.Now()); err != nil {
		j.log.Warn("save jira site facts", "err", err)
		return
	}
	if j.savedSite == nil {
		j.savedSite = map[string]string{}
	}
	maps.Copy(j.savedSite, facts)
}

// allNeedFull reports whether no project has completed a run with its current query.
func (j *Jira) allNeedFull(ctx context.Context) (bool, error) {
	for _, p := range j.opts.Projects {
		st, err := j.db.JiraScope(ctx, p)
		if err != nil {
			return false, err
		}
		if !st.Watermark.IsZero() && st.Query == scopeQuery(p, j.opts.JQL) {
			return false, nil
		}
	}
	return true, nil
}

// fields stores which Jira field carries each concept: on full runs, and whenever none is
// stored yet. It reports whether the mapping changed, in which case the run rewrites every
// issue it reads, unchanged ones included, to derive their values anew.
func (j *Jira) fields(ctx context.Context, full bool) (bool, error) {
	have, err := j.db.JiraFields(ctx)
	if err != nil || (!full && len(have) > 0) {
		return false, err
	}
	fs, err := j.client.Fields(ctx)
	if err != nil {
		return false, fmt.Errorf("discover fields: %w", err)
	}
	changed, err := j.db.SaveJiraFields(ctx, fs)
	return changed && len(have) > 0, err
}

// location returns the API user's zone, read once per runner. When Jira will not say, JQL
// dates are written in UTC a day early (DevLake's fallback): every zone is within 14 hours.
func (j *Jira) location(ctx context.Context) (*time.Location, time.Duration, error) {
	j.locMu.Lock()
	defer j.locMu.Unlock()
	if j.loc != nil {
		return j.loc, j.slack, nil
	}
	loc, err := j.client.Location(ctx)
	if ctx.Err() != nil {
		return nil, 0, ctx.Err()
	}
	if err != nil || loc == nil {
		j.log.Warn("time zone of the jira user unknown: searching a day further back in UTC", "err", err)
		loc, j.slack = time.UTC, 24*time.Hour
	}
	j.loc = loc
	return j.loc, j.slack, nil
}

// scopeQuery is the JQL of a project's scope: the project and the configured filter.
func scopeQuery(project, filter string) string {
	q := `project in ("` + project + `")`
	if f := strings.TrimSpace(filter); f != "" {
		q += " AND (" + f + ")"
	}
	return q
}

// jqlOrder keeps pages stable while issues change during the run: an issue updated
// mid-listing keeps its place (ordering by updated would move it to the end and shift the
// rest, skipping one on offset paging), new issues arrive at the end, and the key breaks ties.
const jqlOrder = " ORDER BY created ASC, key ASC"

// jqlTimeLayout is JQL's absolute date-time: minutes, in the searching user's zone.
const jqlTimeLayout = "2006/01/02 15:04"

// jqlSince renders the lower bound of an incremental search: t floored to the minute in loc.
// Where clocks go back (by an hour, or half an hour on Lord Howe Island), a local time
// happens twice and Jira may read it as the later instant, so a time that repeats steps back
// by the shift rather than risk skipping the updates in between.
func jqlSince(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	t = t.Add(-time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
	_, off := t.Zone()
	_, later := t.Add(3 * time.Hour).Zone()
	if back := time.Duration(off-later) * time.Second; back > 0 && t.Add(back).Format(jqlTimeLayout) == t.Format(jqlTimeLayout) {
		t = t.Add(-back)
	}
	return t.Format(jqlTimeLayout)
}
