package syncer

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

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

func (r *repoRun) pulls(ctx context.Context) error {
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
		n, u, err := r.g.db.SaveGitHubPullRequests(ctx, store.GitHubPRPage{Repo: r.repo, PRs: changed,
			Reviews: reviews, Links: links, ETags: tags, Cursor: cur.String()})
		if err != nil {
			return err
		}
		r.page(n, u, len(changed))
		r.counts.Reviews += len(reviews)
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
				p := prs[i]
				if reviews[i], errs[i] = r.g.client.Reviews(ctx, r.repo, p.Number); errs[i] == nil {
					links[i], errs[i] = r.g.client.Links(ctx, p)
				}
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
	var allReviews []cairn.Review
	var allLinks []cairn.PRIssueLink
	for i := range prs {
		if errs[i] != nil {
			return nil, nil, fmt.Errorf("pull request %d: %w", prs[i].Number, errs[i])
		}
		allReviews = append(allReviews, reviews[i]...)
		allLinks = append(allLinks, links[i]...)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return allReviews, allLinks, nil
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
		n, u, err := r.g.db.SaveGitHubIssues(ctx, store.GitHubIssuePage{Repo: r.repo, Issues: changed, ETags: tags, Cursor: cur.String()})
		if err != nil {
			return err
		}
		r.page(n, u, len(changed))
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
