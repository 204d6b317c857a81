package syncer

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

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
	w       *pageWriter
	// seen are the ids listed, on runs that listed from page 1 (nil otherwise): every project
	// keeps them until the listings are all stored, so they are kept compact (idList).
	seen    *idList
	sprints map[int64]bool // sprint ids of the issues stored by this run
	counted map[int64]bool // sprints counted in this run
}

type jiraFetchResult struct {
	page cairn.JiraPage
	err  error
}

// syncProject lists a project's issues (resuming a cut-off run) and refreshes its versions,
// boards and sprints; finish then reconciles and advances the watermark.
func (j *Jira) syncProject(ctx context.Context, w *pageWriter, project string, full, rewrite bool, counts *cairn.Counts) (*projectRun, error) {
	st, err := j.db.JiraScope(ctx, project)
	if err != nil {
		return nil, err
	}
	query := scopeQuery(project, j.opts.JQL)
	now := j.db.Now()
	r := &projectRun{j: j, w: w, project: project, counts: counts, rewrite: rewrite, sprints: map[int64]bool{}, counted: map[int64]bool{}}
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
		r.seen = &idList{}
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

// list pages through the search and hands each page, with the cursor after it, to the run's
// writer. The fetcher reads and decodes ahead while the writer stores; a few pages may be in
// the writer's hands at once, and the project's state advances as their commits are
// acknowledged, in order.
func (r *projectRun) list(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	pages := make(chan jiraFetchResult, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	jql, next := r.cur.JQL, r.cur.Next
	go func() {
		defer wg.Done()
		defer close(pages)
		var panicked error // a panic in the client is this project's error, not the process's
		defer func() {
			if panicked != nil {
				select {
				case pages <- jiraFetchResult{err: panicked}:
				case <-ctx.Done():
				}
			}
		}()
		defer recoverScope(r.j.log, &panicked, "project", r.project)
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
	acks := make(chan pageAck, pagesInFlight)
	var sent []sentPage // in flight, oldest first
	defer func() {
		// On the way out, early or not, account for what the writer still commits.
		for ; len(sent) > 0; sent = sent[1:] {
			if a := <-acks; a.err == nil {
				r.stored(sent[0], a.saved)
			}
		}
	}()
	queued := r.cur
	in := pages
	for in != nil || len(sent) > 0 {
		var take chan jiraFetchResult
		if len(sent) < pagesInFlight {
			take = in
		}
		select {
		case f, ok := <-take:
			if !ok {
				in = nil
				continue
			}
			if f.err != nil {
				return fmt.Errorf("search page %d: %w", queued.Pages+1, f.err)
			}
			queued.Pages++
			queued.Next, queued.Done = f.page.Next, f.page.Next == ""
			queued.Saved = r.j.db.Now().UTC()
			pw := pageWrite{page: store.JiraIssuePage{Scope: r.project, Issues: f.page.Issues, Cursor: queued.String(),
				Rewrite: r.rewrite}, reply: acks}
			if err := r.w.send(ctx, pw); err != nil {
				return err
			}
			sent = append(sent, sentPage{page: f.page, cur: queued})
		case a := <-acks:
			p := sent[0]
			sent[0] = sentPage{}
			sent = sent[1:] // answered: the drain on the way out must not wait for it
			if a.err != nil {
				return a.err
			}
			r.stored(p, a.saved)
		case <-ctx.Done():
			return ctx.Err()
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

// pagesInFlight bounds a project's pages handed to the writer and not yet committed.
const pagesInFlight = 2

// sentPage is a page handed to the writer, with the cursor that commits with it.
type sentPage struct {
	page cairn.JiraPage
	cur  jiraCursor
}

// stored records a committed page.
func (r *projectRun) stored(p sentPage, saved store.JiraSaved) {
	r.cur = p.cur
	for i := range p.page.Issues {
		if r.seen != nil {
			r.seen.add(p.page.Issues[i].ID)
		}
		for _, s := range p.page.Issues[i].SprintIDs {
			r.sprints[s] = true
		}
	}
	r.counts.New += saved.Created
	r.counts.Updated += saved.Updated
	r.counts.Pages++
	r.items += len(p.page.Issues)
	if p.page.Total > 0 {
		r.total = p.page.Total
	}
	r.j.progress(Event{Connector: cairn.ConnectorJira, Scope: r.project, Kind: "page", Items: r.items, Total: r.total, Pages: r.cur.Pages})
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
	var listed []int64
	fresh := false
	if r.seen != nil {
		listed = r.seen.ids()
		r.seen = nil
	} else { // resumed: the pages before the cut were listed by another process
		var err error
		if listed, err = r.listIDs(ctx); err != nil {
			return err
		}
		fresh = true
	}
	slices.Sort(listed)
	stored, err := r.j.db.JiraIssueIDs(ctx, r.project)
	if err != nil {
		return err
	}
	var missing []int64
	for _, id := range stored {
		if _, ok := slices.BinarySearch(listed, id); !ok {
			missing = append(missing, id)
		}
	}
	listed = nil
	if len(missing) > 0 && !fresh {
		again, err := r.listIDs(ctx)
		if err != nil {
			return err
		}
		slices.Sort(again)
		kept := missing[:0]
		for _, id := range missing {
			if _, ok := slices.BinarySearch(again, id); !ok {
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
func (r *projectRun) listIDs(ctx context.Context) ([]int64, error) {
	out := []int64{}
	jql := r.cur.Query + jqlOrder
	for cursor, page := "", 1; ; page++ {
		ids, next, err := r.j.client.SearchIDs(ctx, jql, cursor)
		if err != nil {
			return nil, fmt.Errorf("list issue ids, page %d: %w", page, err)
		}
		out = append(out, ids...)
		if next == "" {
			return out, nil
		}
		if next == cursor {
			return nil, fmt.Errorf("list issue ids, page %d: the cursor did not advance (%s)", page, strconv.Quote(next))
		}
		cursor = next
	}
}

// idList holds the ids a listing returned, in the order listed, as varint differences from
// the previous id. Jira numbers issues from one counter per site and a project is listed in
// creation order, so consecutive ids are close and most take one or two bytes instead of
// eight. Every project of a run keeps its list until all listings are stored, so this is the
// one part of a full sync that grows with the number of issues: 1.6 MB at 200,000 issues as
// []int64 (twice that in the heap before a collection), a quarter of it or less here.
type idList struct {
	b    []byte
	last int64
	n    int
}

func (l *idList) add(id int64) {
	l.b = binary.AppendVarint(l.b, id-l.last)
	l.last = id
	l.n++
}

// ids returns the listed ids, in the order listed.
func (l *idList) ids() []int64 {
	out := make([]int64, 0, l.n)
	var id int64
	for b := l.b; len(b) > 0; {
		d, k := binary.Varint(b)
		if k <= 0 { // cannot happen: add wrote it
			panic("syncer: corrupt id list")
		}
		b = b[k:]
		id += d
		out = append(out, id)
	}
	return out
}
