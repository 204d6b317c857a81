package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// githubClient is what the GitHub sync needs from connectors/github.Client.
type githubClient interface {
	PullRequests(ctx context.Context, repo string, page int, etags func(url string) string) ([]cairn.PullRequest, cairn.GitHubPage, error)
	Issues(ctx context.Context, repo string, page int, since time.Time, etags func(url string) string) ([]cairn.GitHubIssue, cairn.GitHubPage, error)
	Reviews(ctx context.Context, repo string, number int) ([]cairn.Review, error)
	Links(ctx context.Context, pr cairn.PullRequest) ([]cairn.PRIssueLink, error)
	Milestones(ctx context.Context, repo string, page int, etags func(url string) string) ([]cairn.Milestone, cairn.GitHubPage, error)
	Labels(ctx context.Context, repo string, page int, etags func(url string) string) ([]cairn.Label, cairn.GitHubPage, error)
	OwnerRepos(ctx context.Context, owner string, page int, etags func(url string) string) ([]string, []bool, cairn.GitHubPage, error)
	Gone(ctx context.Context, repo, kind string, number int) (bool, error)
	Requests() int
}

// GitHubOptions configures the GitHub sync.
type GitHubOptions struct {
	// Repos are "owner/name" or "owner/*" (every repo of the org or user; archived repos are
	// skipped unless listed by name).
	Repos []string
	// Concurrency bounds how many repos sync at once (default 4).
	Concurrency int
	// ReviewConcurrency bounds the review (and commit) requests in flight per repo (default 4).
	ReviewConcurrency int
	// Overlap is subtracted from the watermark of incremental runs (default 5 minutes).
	Overlap time.Duration
}

// GitHub syncs the configured repositories into the store. It implements Runner.
type GitHub struct {
	db       *store.DB
	client   githubClient
	opts     GitHubOptions
	log      *slog.Logger
	progress ProgressFunc
	running  sync.Mutex
}

var _ Runner = (*GitHub)(nil)

// NewGitHub returns the GitHub runner; progress may be nil.
func NewGitHub(db *store.DB, client githubClient, opts GitHubOptions, log *slog.Logger, progress ProgressFunc) *GitHub {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.ReviewConcurrency <= 0 {
		opts.ReviewConcurrency = 4
	}
	if opts.Overlap <= 0 {
		opts.Overlap = 5 * time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if progress == nil {
		progress = func(Event) {}
	}
	return &GitHub{db: db, client: client, opts: opts, log: log.With("connector", cairn.ConnectorGitHub), progress: progress}
}

// Name implements Runner.
func (g *GitHub) Name() string { return cairn.ConnectorGitHub }

// Run syncs every repo; full ignores watermarks and ETags and reconciles deletions.
func (g *GitHub) Run(ctx context.Context, full bool) (Result, error) {
	if !g.running.TryLock() {
		return Result{Connector: cairn.ConnectorGitHub}, cairn.ErrRunning
	}
	defer g.running.Unlock()
	return recordRun(ctx, g.db, g.log, cairn.ConnectorGitHub, full, func(ctx context.Context, res *Result) error {
		before := g.client.Requests()
		var mu sync.Mutex
		defer func() {
			mu.Lock()
			res.Requests = g.client.Requests() - before
			mu.Unlock()
		}()
		repos, err := g.expand(ctx)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		sem := make(chan struct{}, g.opts.Concurrency)
		var wg sync.WaitGroup
		var errs []error
		for _, repo := range repos {
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
				var c cairn.Counts
				err := g.syncRepoSafe(ctx, repo, full, &c)
				mu.Lock()
				defer mu.Unlock()
				res.Counts.New += c.New
				res.Counts.Updated += c.Updated
				res.Counts.Deleted += c.Deleted
				res.Counts.Reviews += c.Reviews
				res.Counts.Pages += c.Pages
				if err != nil {
					errs = append(errs, fmt.Errorf("repo %s: %w", repo, err))
					cancel()
				}
			}()
		}
		wg.Wait()
		if len(errs) == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		return errors.Join(causes(errs)...)
	})
}

// causes drops the cancellations a failure caused in its siblings, so the run's error names
// what went wrong; when every error is a cancellation (the run was stopped), it keeps them all.
func causes(errs []error) []error {
	var out []error
	for _, err := range errs {
		if !errors.Is(err, context.Canceled) {
			out = append(out, err)
		}
	}
	if len(out) == 0 {
		return errs
	}
	return out
}

// expand turns the configured repos into a sorted, de-duplicated list, listing owner/* scopes
// (conditionally: a 304 reuses the stored list).
func (g *GitHub) expand(ctx context.Context) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(r string) {
		if key := strings.ToLower(r); !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
	}
	for _, r := range g.opts.Repos {
		owner, name, _ := strings.Cut(r, "/")
		if name != "*" {
			add(r)
			continue
		}
		repos, archived, pg, err := g.client.OwnerRepos(ctx, owner, 1, g.etags(ctx))
		if err != nil {
			return nil, fmt.Errorf("list repos of %s: %w", owner, err)
		}
		if pg.NotModified {
			if repos, archived, err = g.db.GitHubOwnerRepos(ctx, owner); err != nil {
				return nil, err
			}
		} else {
			first := pg
			for next := pg.Next; next > 0; {
				more, moreArchived, p, err := g.client.OwnerRepos(ctx, owner, next, nil)
				if err != nil {
					return nil, fmt.Errorf("list repos of %s: %w", owner, err)
				}
				repos, archived, next = append(repos, more...), append(archived, moreArchived...), p.Next
			}
			if err := g.db.SaveGitHubOwnerRepos(ctx, owner, repos, archived, []store.ETag{{URL: first.URL, ETag: first.ETag}}); err != nil {
				return nil, err
			}
		}
		for i, r := range repos {
			if !archived[i] {
				add(r)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// etags looks ETags up in the store; a failed lookup makes the request unconditional.
func (g *GitHub) etags(ctx context.Context) func(string) string {
	return func(url string) string {
		tag, err := g.db.GitHubETag(ctx, url)
		if err != nil {
			g.log.Warn("read etag", "err", err)
		}
		return tag
	}
}

// ghCursor is the position of a repo's run in flight, committed with each page.
type ghCursor struct {
	Phase string    `json:"phase"` // pulls | issues
	Page  int       `json:"page"`  // the last page stored
	Start time.Time `json:"start"` // server time at the start of the run: the next watermark
	Since time.Time `json:"since"` // zero for a full run
	Full  bool      `json:"full"`
}

func (c ghCursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// repoRun is one repo's sync within a run.
type repoRun struct {
	g       *GitHub
	repo    string
	cur     ghCursor // Phase/Page: where to resume; Start/Since/Full: this run's parameters
	resumed bool
	counts  *cairn.Counts
	items   int
	// Numbers seen in complete listings (full runs from page 1), for reconciling deletions.
	seenPRs, seenIssues map[int]bool
}

// syncRepoSafe is syncRepo with a panic turned into the repo's error.
func (g *GitHub) syncRepoSafe(ctx context.Context, repo string, full bool, counts *cairn.Counts) (err error) {
	defer recoverScope(g.log, &err, "repo", repo)
	return g.syncRepo(ctx, repo, full, counts)
}

// syncRepo syncs one repo: pull requests (with reviews and links), issues, milestones, labels,
// and on full runs deletions; then advances its watermark.
func (g *GitHub) syncRepo(ctx context.Context, repo string, full bool, counts *cairn.Counts) error {
	st, err := g.db.State(ctx, cairn.ConnectorGitHub, repo)
	if err != nil {
		return err
	}
	r := &repoRun{g: g, repo: repo, counts: counts}
	var saved ghCursor
	if st.Cursor != "" && json.Unmarshal([]byte(st.Cursor), &saved) == nil && saved.Phase != "" {
		r.cur, r.resumed = saved, true
		r.cur.Full = saved.Full || full
		if full && !saved.Full {
			r.cur.Since = time.Time{}
		}
		g.log.Info("resume repo", "repo", repo, "phase", saved.Phase, "page", saved.Page)
	} else {
		r.cur = ghCursor{Phase: "pulls", Full: full || st.Watermark.IsZero()}
		if !r.cur.Full {
			r.cur.Since = st.Watermark.Add(-g.opts.Overlap)
		}
	}
	if r.cur.Full && !r.resumed {
		r.seenPRs, r.seenIssues = map[int]bool{}, map[int]bool{}
	}
	if r.cur.Phase == "pulls" {
		if err := r.pulls(ctx); err != nil {
			return err
		}
		r.cur.Phase, r.cur.Page = "issues", 0
	}
	if err := r.issues(ctx); err != nil {
		return err
	}
	if err := r.milestones(ctx); err != nil {
		return err
	}
	if err := r.labels(ctx); err != nil {
		return err
	}
	if r.seenPRs != nil {
		if err := r.reconcile(ctx); err != nil {
			return err
		}
	}
	if r.cur.Start.IsZero() {
		r.cur.Start = g.db.Now()
	}
	if err := g.db.CompleteScope(ctx, cairn.ConnectorGitHub, repo, r.cur.Start); err != nil {
		return err
	}
	g.log.Debug("repo synced", "repo", repo, "full", r.cur.Full, "resumed", r.resumed, "items", r.items,
		"pages", counts.Pages, "watermark", r.cur.Start)
	g.progress(Event{Connector: cairn.ConnectorGitHub, Scope: repo, Kind: "done", Items: r.items, Pages: counts.Pages})
	return nil
}

// started records the server time of the repo's first response: the next watermark.
func (r *repoRun) started(pg cairn.GitHubPage) {
	if r.cur.Start.IsZero() {
		r.cur.Start = pg.ServerTime
		if r.cur.Start.IsZero() {
			r.cur.Start = r.g.db.Now().UTC().Truncate(time.Second)
		}
	}
}

// conditional returns the ETag lookup for page 1 of an incremental, fresh listing.
func (r *repoRun) conditional(ctx context.Context, page int) func(string) string {
	if page != 1 || r.cur.Full {
		return nil
	}
	return r.g.etags(ctx)
}

func (r *repoRun) changed(updated time.Time) bool {
	return r.cur.Full || !updated.Before(r.cur.Since)
}

// pulls lists pull requests page by page, fetching each page's reviews and links, while the
// page writer stores the previous page.
func (r *repoRun) pulls(ctx context.Context) error {
	return r.pipelined(ctx, r.fetchPulls)
}

func (r *repoRun) fetchPulls(ctx context.Context, w *ghWriter) error {
	for page := r.cur.Page + 1; page > 0; {
		prs, pg, err := r.g.client.PullRequests(ctx, r.repo, page, r.conditional(ctx, page))
		if err != nil {
			return err
		}
		r.started(pg)
		if pg.NotModified {
			return nil
		}
		var changed []cairn.PullRequest
		for _, p := range prs {
			if r.seenPRs != nil {
				r.seenPRs[p.Number] = true
			}
			if r.changed(p.Updated) {
				changed = append(changed, p)
			}
		}
		reviews, links, err := r.details(ctx, changed)
		if err != nil {
			return err
		}
		cur := r.cur
		cur.Phase, cur.Page = "pulls", page
		var tags []store.ETag
		if page == 1 {
			tags = []store.ETag{{URL: pg.URL, ETag: pg.ETag}}
		}
		pr := store.GitHubPRPage{Repo: r.repo, PRs: changed, Reviews: reviews, Links: links, ETags: tags, Cursor: cur.String()}
		if !w.send(func() error {
			n, u, err := r.g.db.SaveGitHubPullRequests(ctx, pr)
			if err != nil {
				return err
			}
			r.page(n, u, len(pr.PRs))
			r.counts.Reviews += len(pr.Reviews)
			return nil
		}) {
			return nil // the writer failed; pipelined returns its error
		}
		if pg.Next == 0 || len(changed) < len(prs) {
			return nil
		}
		page = pg.Next
	}
	return nil
}

// details fetches the reviews and Jira links of changed pull requests, a few at a time.
func (r *repoRun) details(ctx context.Context, prs []cairn.PullRequest) ([]cairn.Review, []cairn.PRIssueLink, error) {
	reviews := make([][]cairn.Review, len(prs))
	links := make([][]cairn.PRIssueLink, len(prs))
	errs := make([]error, len(prs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(r.g.opts.ReviewConcurrency, len(prs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				reviews[i], links[i], errs[i] = r.detail(ctx, prs[i])
				if errs[i] != nil {
					cancel()
				}
			}
		}()
	}
	for i := range prs {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	// The first failure cancels its siblings, which then fail with context.Canceled: report
	// the failure that caused it, not a sibling's cancellation.
	var failed []error
	for i, err := range errs {
		if err != nil {
			failed = append(failed, fmt.Errorf("pull request %d: %w", prs[i].Number, err))
		}
	}
	if failed = causes(failed); len(failed) > 0 {
		return nil, nil, failed[0]
	}
	var allReviews []cairn.Review
	var allLinks []cairn.PRIssueLink
	for i := range prs {
		allReviews = append(allReviews, reviews[i]...)
		allLinks = append(allLinks, links[i]...)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return allReviews, allLinks, nil
}

// detail fetches one pull request's reviews and links; a panic becomes its error.
func (r *repoRun) detail(ctx context.Context, p cairn.PullRequest) (reviews []cairn.Review, links []cairn.PRIssueLink, err error) {
	defer recoverScope(r.g.log, &err, "repo", r.repo)
	if reviews, err = r.g.client.Reviews(ctx, r.repo, p.Number); err != nil {
		return nil, nil, err
	}
	links, err = r.g.client.Links(ctx, p)
	return reviews, links, err
}

func (r *repoRun) page(created, updated, items int) {
	r.counts.New += created
	r.counts.Updated += updated
	r.counts.Pages++
	r.items += items
	r.g.progress(Event{Connector: cairn.ConnectorGitHub, Scope: r.repo, Kind: "page", Items: r.items, Pages: r.counts.Pages})
}

// issues lists issues: page 1 without since (a stable URL, so an idle repo answers 304), later
// pages with since (a prefix of the same updated-desc order, so page numbers agree).
func (r *repoRun) issues(ctx context.Context) error {
	return r.pipelined(ctx, r.fetchIssues)
}

func (r *repoRun) fetchIssues(ctx context.Context, w *ghWriter) error {
	for page := r.cur.Page + 1; page > 0; {
		var since time.Time
		if page > 1 && !r.cur.Full {
			since = r.cur.Since
		}
		issues, pg, err := r.g.client.Issues(ctx, r.repo, page, since, r.conditional(ctx, page))
		if err != nil {
			return err
		}
		r.started(pg)
		if pg.NotModified {
			return nil
		}
		var changed []cairn.GitHubIssue
		for _, is := range issues {
			if r.seenIssues != nil {
				r.seenIssues[is.Number] = true
			}
			if r.changed(is.Updated) {
				changed = append(changed, is)
			}
		}
		cur := r.cur
		cur.Phase, cur.Page = "issues", page
		var tags []store.ETag
		if page == 1 {
			tags = []store.ETag{{URL: pg.URL, ETag: pg.ETag}}
		}
		ip := store.GitHubIssuePage{Repo: r.repo, Issues: changed, ETags: tags, Cursor: cur.String()}
		if !w.send(func() error {
			n, u, err := r.g.db.SaveGitHubIssues(ctx, ip)
			if err != nil {
				return err
			}
			r.page(n, u, len(ip.Issues))
			return nil
		}) {
			return nil // the writer failed; pipelined returns its error
		}
		if pg.Next == 0 || (!r.cur.Full && !pg.Oldest.IsZero() && pg.Oldest.Before(r.cur.Since)) {
			return nil
		}
		page = pg.Next
	}
	return nil
}

// milestones refreshes the whole list unless page 1 answers 304.
func (r *repoRun) milestones(ctx context.Context) error {
	var all []cairn.Milestone
	var tags []store.ETag
	for page := 1; page > 0; {
		ms, pg, err := r.g.client.Milestones(ctx, r.repo, page, r.conditional(ctx, page))
		if err != nil {
			return err
		}
		r.started(pg)
		if pg.NotModified {
			return nil
		}
		if page == 1 {
			tags = []store.ETag{{URL: pg.URL, ETag: pg.ETag}}
		}
		all = append(all, ms...)
		page = pg.Next
	}
	return r.g.db.SaveGitHubMilestones(ctx, r.repo, all, true, tags)
}

// labels refreshes the whole list unless page 1 answers 304.
func (r *repoRun) labels(ctx context.Context) error {
	var all []cairn.Label
	var tags []store.ETag
	for page := 1; page > 0; {
		ls, pg, err := r.g.client.Labels(ctx, r.repo, page, r.conditional(ctx, page))
		if err != nil {
			return err
		}
		r.started(pg)
		if pg.NotModified {
			return nil
		}
		if page == 1 {
			tags = []store.ETag{{URL: pg.URL, ETag: pg.ETag}}
		}
		all = append(all, ls...)
		page = pg.Next
	}
	return r.g.db.SaveGitHubLabels(ctx, r.repo, all, true, tags)
}

// reconcile soft-deletes stored issues and pull requests that a complete listing no longer
// shows and that GitHub confirms are gone (410, 404, or transferred elsewhere).
func (r *repoRun) reconcile(ctx context.Context) error {
	for _, k := range []struct {
		kind string
		seen map[int]bool
	}{{store.GitHubPulls, r.seenPRs}, {store.GitHubIssues, r.seenIssues}} {
		stored, err := r.g.db.GitHubNumbers(ctx, r.repo, k.kind)
		if err != nil {
			return err
		}
		var gone []int
		for _, n := range stored {
			if k.seen[n] {
				continue
			}
			ok, err := r.g.client.Gone(ctx, r.repo, k.kind, n)
			if err != nil {
				return fmt.Errorf("check %s %d: %w", k.kind, n, err)
			}
			if ok {
				gone = append(gone, n)
			}
		}
		if len(gone) > 0 {
			n, err := r.g.db.MarkGitHubDeleted(ctx, r.repo, k.kind, gone, r.g.db.Now())
			if err != nil {
				return err
			}
			r.counts.Deleted += n
		}
	}
	return nil
}
