package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
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
		err = j.each(ctx, func(ctx context.Context, i int) error {
			var err error
			runs[i], err = j.syncProject(ctx, j.opts.Projects[i], full, rewrite, &counts[i])
			return err
		})
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
			if err := fn(ctx, i); err != nil {
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
// In the repeated hour when clocks go back, Jira may read the wall time as its later
// instant, so an ambiguous time steps back an hour rather than risk skipping updates.
func jqlSince(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	t = t.Add(-time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
	if t.Add(time.Hour).Format(jqlTimeLayout) == t.Format(jqlTimeLayout) {
		t = t.Add(-time.Hour)
	}
	return t.Format(jqlTimeLayout)
}

// jiraCursor is a project's position in a run, committed with each page.
type jiraCursor struct {
	Query string `json:"query"` // the scope's query; a changed config starts over
	JQL   string `json:"jql"`   // the search being paged
	Full  bool   `json:"full"`
	Next  string `json:"next"`  // cursor of the next page
	Pages int    `json:"pages"` // pages stored
	Done  bool   `json:"done"`  // every page stored
	// Rewrite stores unchanged issues too: the field mapping changed when this run began.
	Rewrite bool      `json:"rewrite,omitempty"`
	Start   time.Time `json:"start"` // when the run of this scope began: caps the next watermark
	Saved   time.Time `json:"saved"`
}

func (c jiraCursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// staleCursor is the age past which a listing starts over instead of resuming: Cloud page
// tokens expire, and offsets drift as issues change.
const staleCursor = 24 * time.Hour

// projectRun is one project's sync within a run.
type projectRun struct {
	j       *Jira
	project string
	cur     jiraCursor
	resumed bool
	rewrite bool // store unchanged issues too: the field mapping changed
	counts  *cairn.Counts
	items   int
	total   int
	seen    map[int64]bool // ids listed, on runs that listed from page 1
	sprints map[int64]bool // sprint ids of the issues stored by this run
	counted map[int64]bool // sprints counted in this run
}

type jiraFetchResult struct {
	page cairn.JiraPage
	err  error
}

// syncProject lists a project's issues (resuming a cut-off run) and refreshes its versions,
// boards and sprints; finish then reconciles and advances the watermark.
func (j *Jira) syncProject(ctx context.Context, project string, full, rewrite bool, counts *cairn.Counts) (*projectRun, error) {
	st, err := j.db.JiraScope(ctx, project)
	if err != nil {
		return nil, err
	}
	query := scopeQuery(project, j.opts.JQL)
	now := j.db.Now()
	r := &projectRun{j: j, project: project, counts: counts, rewrite: rewrite, sprints: map[int64]bool{}, counted: map[int64]bool{}}
	var saved jiraCursor
	if st.Cursor != "" && json.Unmarshal([]byte(st.Cursor), &saved) == nil && saved.Query == query &&
		(saved.Full || !full) && (saved.Done || now.Sub(saved.Saved) < staleCursor) {
		r.cur, r.resumed = saved, true
		r.rewrite = rewrite || saved.Rewrite
		j.log.Info("resume project", "project", project, "full", saved.Full, "pages", saved.Pages, "listed", saved.Done)
	} else {
		r.cur = jiraCursor{Query: query, Full: full || st.Watermark.IsZero() || st.Query != query,
			Start: now.UTC().Truncate(time.Second), Rewrite: rewrite}
		r.cur.JQL = query + jqlOrder
		if !r.cur.Full {
			loc, slack, err := j.location(ctx)
			if err != nil {
				return nil, err
			}
			since := jqlSince(st.Watermark.Add(-j.opts.Overlap-slack), loc)
			r.cur.JQL = query + ` AND updated >= "` + since + `"` + jqlOrder
		}
		r.seen = map[int64]bool{}
	}
	if !r.cur.Done {
		if err := r.list(ctx); err != nil {
			return nil, err
		}
	}
	if err := r.versions(ctx); err != nil {
		return nil, err
	}
	if err := r.boards(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// finish reconciles a full run's project and advances its watermark: the latest updated time
// stored (Jira's clock), but no later than this run's start, so an issue changed during a long
// run after its page was read is searched again next time.
func (r *projectRun) finish(ctx context.Context) error {
	j := r.j
	if r.cur.Full {
		if err := r.reconcile(ctx); err != nil {
			return err
		}
	}
	wm := r.cur.Start
	maxUpdated, err := j.db.JiraMaxUpdated(ctx, r.project)
	if err != nil {
		return err
	}
	if !maxUpdated.IsZero() && maxUpdated.Before(wm) {
		wm = maxUpdated
	}
	if err := j.db.CompleteJiraScope(ctx, r.project, wm, r.cur.Query); err != nil {
		return err
	}
	j.log.Debug("project synced", "project", r.project, "full", r.cur.Full, "resumed", r.resumed, "items", r.items,
		"pages", r.cur.Pages, "watermark", wm)
	j.progress(Event{Connector: cairn.ConnectorJira, Scope: r.project, Kind: "done", Items: r.items, Total: r.total, Pages: r.cur.Pages})
	return nil
}

// list pages through the search, storing each page with the cursor after it. The next page
// is fetched while the current one is stored, so the run takes about as long as the slower of
// the two, not their sum; a page is stored only after every page before it.
func (r *projectRun) list(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	pages := make(chan jiraFetchResult, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	jql, next := r.cur.JQL, r.cur.Next
	go func() {
		defer wg.Done()
		defer close(pages)
		for {
			p, err := r.j.client.Search(ctx, jql, next)
			select {
			case pages <- jiraFetchResult{p, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || p.Next == "" {
				return
			}
			next = p.Next
		}
	}()
	defer func() {
		cancel()
		for range pages { // let the fetcher finish
		}
		wg.Wait()
	}()
	for f := range pages {
		if f.err != nil {
			return fmt.Errorf("search page %d: %w", r.cur.Pages+1, f.err)
		}
		if err := r.store(ctx, f.page); err != nil {
			return err
		}
	}
	if !r.cur.Done {
		// The fetcher stopped without a last page: only cancellation does that.
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("search ended before its last page")
	}
	return nil
}

func (r *projectRun) store(ctx context.Context, page cairn.JiraPage) error {
	cur := r.cur
	cur.Pages++
	cur.Next, cur.Done = page.Next, page.Next == ""
	cur.Saved = r.j.db.Now().UTC()
	created, updated, err := r.j.db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: r.project, Issues: page.Issues,
		Cursor: cur.String(), Rewrite: r.rewrite})
	if err != nil {
		return err
	}
	r.cur = cur
	for i := range page.Issues {
		if r.seen != nil {
			r.seen[page.Issues[i].ID] = true
		}
		for _, s := range page.Issues[i].SprintIDs {
			r.sprints[s] = true
		}
	}
	r.counts.New += created
	r.counts.Updated += updated
	r.counts.Pages++
	r.items += len(page.Issues)
	if page.Total > 0 {
		r.total = page.Total
	}
	r.j.progress(Event{Connector: cairn.ConnectorJira, Scope: r.project, Kind: "page", Items: r.items, Total: r.total, Pages: r.cur.Pages})
	return nil
}

// versions refreshes the project's versions: one request, so every run.
func (r *projectRun) versions(ctx context.Context) error {
	vs, err := r.j.client.Versions(ctx, r.project)
	if err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	if err := r.j.db.SaveJiraVersions(ctx, r.project, vs); err != nil {
		return err
	}
	r.counts.Versions += len(vs)
	return nil
}

// boards refreshes boards and sprints. Full runs (and projects without stored boards) list
// every board and the sprints of each that can have them; incremental runs re-read only the
// boards with an open sprint, or every sprint board when an issue names a sprint not stored.
func (r *projectRun) boards(ctx context.Context) error {
	stored, err := r.j.db.JiraBoards(ctx, r.project)
	if err != nil {
		return err
	}
	var refresh []int64
	if r.cur.Full || len(stored) == 0 {
		boards, err := r.j.client.Boards(ctx, r.project)
		if err != nil {
			return fmt.Errorf("boards: %w", err)
		}
		if err := r.j.db.SaveJiraBoards(ctx, r.project, boards); err != nil {
			return err
		}
		refresh = sprintBoards(boards)
	} else {
		ids := make([]int64, 0, len(r.sprints))
		for id := range r.sprints {
			ids = append(ids, id)
		}
		unknown, err := r.j.db.JiraUnknownSprints(ctx, ids)
		if err != nil {
			return err
		}
		if len(unknown) > 0 {
			refresh = sprintBoards(stored)
		} else if refresh, err = r.j.db.JiraOpenSprintBoards(ctx, r.project); err != nil {
			return err
		}
	}
	for _, b := range refresh {
		ss, err := r.j.client.Sprints(ctx, b)
		if err != nil {
			return fmt.Errorf("sprints of board %d: %w", b, err)
		}
		if err := r.j.db.SaveJiraSprints(ctx, b, ss); err != nil {
			return err
		}
		for _, s := range ss {
			if !r.counted[s.ID] {
				r.counted[s.ID] = true
				r.counts.Sprints++
			}
		}
	}
	return nil
}

// sprintBoards returns the boards that can have sprints: every kind but Kanban.
func sprintBoards(boards []cairn.Board) []int64 {
	var out []int64
	for _, b := range boards {
		if !strings.EqualFold(b.Type, "kanban") {
			out = append(out, b.ID)
		}
	}
	return out
}

// reconcile soft-deletes the project's stored issues that a complete listing of the scope no
// longer returns: deleted in Jira, moved to a project outside the scope, or filtered out. It
// runs only after every page of the listing has been stored. An issue missing from the
// listing is confirmed missing by a second, id-only listing before it is marked, so one that
// a page shift skipped is never deleted.
func (r *projectRun) reconcile(ctx context.Context) error {
	listed := r.seen
	fresh := false
	if listed == nil { // resumed: the pages before the cut were listed by another process
		var err error
		if listed, err = r.listIDs(ctx); err != nil {
			return err
		}
		fresh = true
	}
	stored, err := r.j.db.JiraIssueIDs(ctx, r.project)
	if err != nil {
		return err
	}
	var missing []int64
	for _, id := range stored {
		if !listed[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 && !fresh {
		again, err := r.listIDs(ctx)
		if err != nil {
			return err
		}
		kept := missing[:0]
		for _, id := range missing {
			if !again[id] {
				kept = append(kept, id)
			}
		}
		missing = kept
	}
	if len(missing) == 0 {
		return nil
	}
	n, err := r.j.db.MarkJiraDeleted(ctx, r.project, missing, r.j.db.Now())
	if err != nil {
		return err
	}
	r.counts.Deleted += n
	r.j.log.Info("issues gone from the scope", "project", r.project, "count", n)
	return nil
}

// listIDs lists the ids of every issue in the scope.
func (r *projectRun) listIDs(ctx context.Context) (map[int64]bool, error) {
	out := map[int64]bool{}
	jql := r.cur.Query + jqlOrder
	for cursor, page := "", 1; ; page++ {
		ids, next, err := r.j.client.SearchIDs(ctx, jql, cursor)
		if err != nil {
			return nil, fmt.Errorf("list issue ids, page %d: %w", page, err)
		}
		for _, id := range ids {
			out[id] = true
		}
		if next == "" {
			return out, nil
		}
		if next == cursor {
			return nil, fmt.Errorf("list issue ids, page %d: the cursor did not advance (%s)", page, strconv.Quote(next))
		}
		cursor = next
	}
}
