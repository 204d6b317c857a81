package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cairn-dev/cairn"
	ghc "github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// Stage names, each run in a child process.
const (
	StageFullSync    = "github-full"
	StageIdleSync    = "github-idle"
	StageChangedSync = "github-1pct"
	StageFetchFloor  = "github-fetch-floor"
	StageStoreFloor  = "github-store-floor"
	StageRollupFirst = "rollup-first"
	StageRollup      = "rollup"
)

// ChildArgs are what the driver hands a child.
type ChildArgs struct {
	Stage  string `json:"stage"`
	URL    string `json:"url"`    // the fake's base URL (GitHub or Jira, by stage)
	DB     string `json:"db"`     // database path
	Issues int    `json:"issues"` // world size, for seeding
	AsOf   time.Time
}

// ChildResult is what a child prints (as JSON) when its stage is done.
type ChildResult struct {
	Usage
	Items    int    `json:"items"`    // rows stored or decoded (PRs + issues + reviews)
	Requests int    `json:"requests"` // requests the client sent (retries included)
	DBBytes  int64  `json:"db_bytes"` // database + WAL size afterwards
	Note     string `json:"note,omitempty"`
	// Median and P99 are per-request (scrape) or per-page (render) latencies.
	Median time.Duration `json:"median_ns,omitempty"`
	P99    time.Duration `json:"p99_ns,omitempty"`
}

const benchToken = "ghp_bench_token_0000000000000000000000"

func newClient(url string) (*ghc.Client, error) {
	return ghc.New(ghc.Options{BaseURL: url, Token: benchToken, JiraProjects: []string{"PAY", "WEB"}})
}

// RunChild runs one stage and returns its measurements.
func RunChild(ctx context.Context, a ChildArgs) (ChildResult, error) {
	switch a.Stage {
	case StageFullSync, StageIdleSync, StageChangedSync:
		return childSync(ctx, a, a.Stage == StageFullSync)
	case StageFetchFloor:
		return childFetch(ctx, a)
	case StageStoreFloor:
		return childStore(ctx, a)
	case StageJiraFull, StageJiraIdle, StageJiraChanged:
		return childJiraSync(ctx, a, a.Stage == StageJiraFull)
	case StageJiraFetchFloor:
		return childJiraFetch(ctx, a)
	case StageJiraStoreFloor:
		return childJiraStore(ctx, a)
	case StageScrape:
		return childScrape(ctx, a)
	case StageRender:
		return childRender(ctx, a)
	case StageRollupFirst, StageRollup:
		db, err := store.Open(ctx, a.DB)
		if err != nil {
			return ChildResult{}, err
		}
		defer db.Close()
		m := startMeter()
		rep, err := rollup.Run(ctx, db, RollupSpec(), a.AsOf)
		if err != nil {
			return ChildResult{}, err
		}
		res := ChildResult{Usage: m.stop(), DBBytes: fileSize(a.DB)}
		n := 0
		for _, p := range rep.Programs {
			n += len(p.Milestones)
		}
		res.Note = fmt.Sprintf("%d milestones", n)
		return res, nil
	}
	return ChildResult{}, fmt.Errorf("unknown stage %q", a.Stage)
}

// childSync is the real GitHub sync as cairn wires it: the connector, the syncer and the store.
func childSync(ctx context.Context, a ChildArgs, full bool) (ChildResult, error) {
	client, err := newClient(a.URL)
	if err != nil {
		return ChildResult{}, err
	}
	db, err := store.Open(ctx, a.DB)
	if err != nil {
		return ChildResult{}, err
	}
	defer db.Close()
	g := syncer.NewGitHub(db, client, syncer.GitHubOptions{Repos: []string{"acme/*"}}, nil, nil)
	m := startMeter()
	res, err := g.Run(ctx, full)
	if err != nil {
		return ChildResult{}, err
	}
	u := m.stop()
	return ChildResult{Usage: u, Items: res.Counts.New + res.Counts.Updated + res.Counts.Reviews,
		Requests: res.Requests, DBBytes: fileSize(a.DB)}, nil
}

// repoPages is everything one repo's full sync fetches, decoded.
type repoPages struct {
	repo   string
	prs    []store.GitHubPRPage
	issues []store.GitHubIssuePage
	ms     []cairn.Milestone
	labels []cairn.Label
}

// fetchAll fetches and decodes what a full sync of acme/* fetches, with the sync's
// concurrency (4 repos at a time, 4 review requests in flight per repo), keeping the pages
// when keep is set and dropping them otherwise.
func fetchAll(ctx context.Context, client *ghc.Client, keep bool) ([]repoPages, int, error) {
	var names []string
	for page := 1; page > 0; {
		rs, _, pg, err := client.OwnerRepos(ctx, "acme", page, nil)
		if err != nil {
			return nil, 0, err
		}
		names = append(names, rs...)
		page = pg.Next
	}
	out := make([]repoPages, len(names))
	counts := make([]int, len(names))
	errs := make([]error, len(names))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], counts[i], errs[i] = fetchRepo(ctx, client, name, keep)
		}()
	}
	wg.Wait()
	n := 0
	for i := range names {
		if errs[i] != nil {
			return nil, 0, errs[i]
		}
		n += counts[i]
	}
	return out, n, nil
}

func fetchRepo(ctx context.Context, client *ghc.Client, repo string, keep bool) (repoPages, int, error) {
	rp := repoPages{repo: repo}
	n := 0
	for page := 1; page > 0; {
		prs, pg, err := client.PullRequests(ctx, repo, page, nil)
		if err != nil {
			return rp, 0, err
		}
		reviews := make([][]cairn.Review, len(prs))
		links := make([][]cairn.PRIssueLink, len(prs))
		errs := make([]error, len(prs))
		work := make(chan int)
		var wg sync.WaitGroup
		for w := 0; w < min(4, len(prs)); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					if reviews[i], errs[i] = client.Reviews(ctx, repo, prs[i].Number); errs[i] == nil {
						links[i], errs[i] = client.Links(ctx, prs[i])
					}
				}
			}()
		}
		for i := range prs {
			work <- i
		}
		close(work)
		wg.Wait()
		p := store.GitHubPRPage{Repo: repo, PRs: prs, Cursor: fmt.Sprintf(`{"phase":"pulls","page":%d}`, page)}
		for i := range prs {
			if errs[i] != nil {
				return rp, 0, errs[i]
			}
			p.Reviews = append(p.Reviews, reviews[i]...)
			p.Links = append(p.Links, links[i]...)
		}
		n += len(prs) + len(p.Reviews)
		if keep {
			rp.prs = append(rp.prs, p)
		}
		page = pg.Next
	}
	for page := 1; page > 0; {
		is, pg, err := client.Issues(ctx, repo, page, time.Time{}, nil)
		if err != nil {
			return rp, 0, err
		}
		n += len(is)
		if keep {
			rp.issues = append(rp.issues, store.GitHubIssuePage{Repo: repo, Issues: is, Cursor: fmt.Sprintf(`{"phase":"issues","page":%d}`, page)})
		}
		page = pg.Next
	}
	for page := 1; page > 0; {
		ms, pg, err := client.Milestones(ctx, repo, page, nil)
		if err != nil {
			return rp, 0, err
		}
		rp.ms = append(rp.ms, ms...)
		page = pg.Next
	}
	for page := 1; page > 0; {
		ls, pg, err := client.Labels(ctx, repo, page, nil)
		if err != nil {
			return rp, 0, err
		}
		rp.labels = append(rp.labels, ls...)
		page = pg.Next
	}
	if !keep {
		rp = repoPages{repo: repo}
	}
	return rp, n, nil
}

// childFetch is the fetch floor: the same requests, decoded into cairn types, not stored.
func childFetch(ctx context.Context, a ChildArgs) (ChildResult, error) {
	client, err := newClient(a.URL)
	if err != nil {
		return ChildResult{}, err
	}
	m := startMeter()
	_, n, err := fetchAll(ctx, client, false)
	if err != nil {
		return ChildResult{}, err
	}
	return ChildResult{Usage: m.stop(), Items: n, Requests: client.Requests()}, nil
}

// childStore is the store floor: each repo's rows are fetched and decoded first (outside the
// measurement), then stored page by page through the same store methods, in one writer, with
// nothing to wait for; one repo at a time, so that memory holds one repo's rows.
func childStore(ctx context.Context, a ChildArgs) (ChildResult, error) {
	client, err := newClient(a.URL)
	if err != nil {
		return ChildResult{}, err
	}
	var names []string
	for page := 1; page > 0; {
		rs, _, pg, err := client.OwnerRepos(ctx, "acme", page, nil)
		if err != nil {
			return ChildResult{}, err
		}
		names = append(names, rs...)
		page = pg.Next
	}
	db, err := store.Open(ctx, a.DB)
	if err != nil {
		return ChildResult{}, err
	}
	defer db.Close()
	var total Usage
	n := 0
	for _, name := range names {
		rp, k, err := fetchRepo(ctx, client, name, true)
		if err != nil {
			return ChildResult{}, err
		}
		n += k
		m := startMeter()
		if err := storeRepo(ctx, db, rp); err != nil {
			return ChildResult{}, err
		}
		u := m.stop()
		total.Wall += u.Wall
		total.CPU += u.CPU
		total.WriteByte += u.WriteByte
	}
	total.PeakRSS = peakRSS()
	return ChildResult{Usage: total, Items: n, DBBytes: fileSize(a.DB)}, nil
}

func storeRepo(ctx context.Context, db *store.DB, rp repoPages) error {
	for _, p := range rp.prs {
		if _, _, err := db.SaveGitHubPullRequests(ctx, p); err != nil {
			return err
		}
	}
	for _, p := range rp.issues {
		if _, _, err := db.SaveGitHubIssues(ctx, p); err != nil {
			return err
		}
	}
	if err := db.SaveGitHubMilestones(ctx, rp.repo, rp.ms, true, nil); err != nil {
		return err
	}
	if err := db.SaveGitHubLabels(ctx, rp.repo, rp.labels, true, nil); err != nil {
		return err
	}
	return db.CompleteScope(ctx, cairn.ConnectorGitHub, rp.repo, db.Now())
}
