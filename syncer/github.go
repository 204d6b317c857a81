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
				err := g.syncRepo(ctx, repo, full, &c)
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
		return errors.Join(errs...)
	})
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
