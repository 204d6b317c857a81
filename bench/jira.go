package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cairn-dev/cairn"
	jc "github.com/cairn-dev/cairn/connectors/jira"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// Jira stages, each run in a child process.
const (
	StageJiraFull       = "jira-full"
	StageJiraIdle       = "jira-idle"
	StageJiraChanged    = "jira-1pct"
	StageJiraFetchFloor = "jira-fetch-floor"
	StageJiraStoreFloor = "jira-store-floor"
)

// The Jira world: 40 projects of 5 versions each (the 200 milestones of the goals), which with
// the 10 repos make the 50 teams of the metrics goal.
const (
	jiraProjects       = 40
	versionsPerProject = milestones / jiraProjects
)

const (
	jiraEmail = "bench@example.com"
	jiraToken = "bench-jira-token-0000000000000000"
)

// JiraProjectKeys are the world's project keys: PAY and WEB (the keys the fake PRs carry),
// then P02 to P39.
func JiraProjectKeys() []string {
	keys := make([]string, jiraProjects)
	for i := range keys {
		keys[i] = jiraProject(i)
	}
	return keys
}

// JiraServer starts a fake Jira Cloud site holding the world's issues (generated lazily, so a
// second site for another latency costs little).
func JiraServer(s Size, latency time.Duration) *jiratest.Server {
	srv := jiratest.New(jiratest.Options{Email: jiraEmail, Token: jiraToken, Latency: latency})
	srv.Generate(jiratest.GenOptions{Projects: JiraProjectKeys(), IssuesPerProject: int(s) / jiraProjects,
		Seed: int64(s), Versions: versionsPerProject})
	return srv
}

// ChangeJiraOnePercent edits every 100th issue of every project.
func ChangeJiraOnePercent(srv *jiratest.Server, s Size) error {
	per := int(s) / jiraProjects
	for _, p := range JiraProjectKeys() {
		for i := 1; i <= per; i += 100 {
			if err := srv.UpdateIssue(fmt.Sprintf("%s-%d", p, i), func(is *cairn.Issue) { is.Summary += " (edited)" }); err != nil {
				return err
			}
		}
	}
	return nil
}

func newJiraClient(url string) (*jc.Client, error) {
	return jc.New(jc.Options{BaseURL: url, Deployment: jc.DeploymentAuto, Email: jiraEmail, Token: jiraToken})
}

// childJiraSync is the real Jira sync as cairn wires it.
func childJiraSync(ctx context.Context, a ChildArgs, full bool) (ChildResult, error) {
	client, err := newJiraClient(a.URL)
	if err != nil {
		return ChildResult{}, err
	}
	db, err := store.Open(ctx, a.DB)
	if err != nil {
		return ChildResult{}, err
	}
	defer db.Close()
	j := syncer.NewJira(db, client, syncer.JiraOptions{Projects: JiraProjectKeys()}, nil, nil)
	m := startMeter()
	res, err := j.Run(ctx, full)
	if err != nil {
		return ChildResult{}, err
	}
	return ChildResult{Usage: m.stop(), Items: res.Counts.New + res.Counts.Updated, Requests: res.Requests, DBBytes: fileSize(a.DB)}, nil
}

// jiraProjectPages is what a full sync of one project fetches, decoded.
type jiraProjectPages struct {
	project  string
	pages    []cairn.JiraPage
	issues   int
	versions []cairn.Version
	boards   []cairn.Board
	sprints  map[int64][]cairn.Sprint
}

// fetchJira fetches what a full Jira sync fetches (fields, then per project: every search page
// in the sync's order, versions, boards and the sprints of non-Kanban boards), four projects
// at a time as the sync does, decoding everything and keeping nothing.
func fetchJira(ctx context.Context, client *jc.Client) (int, error) {
	if _, err := client.Fields(ctx); err != nil {
		return 0, err
	}
	if _, err := client.Location(ctx); err != nil {
		return 0, err
	}
	keys := JiraProjectKeys()
	counts := make([]int, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var pp jiraProjectPages
			pp, errs[i] = fetchJiraProject(ctx, client, key, false)
			counts[i] = pp.issues
		}()
	}
	wg.Wait()
	n := 0
	for i := range keys {
		if errs[i] != nil {
			return 0, fmt.Errorf("project %s: %w", keys[i], errs[i])
		}
		n += counts[i]
	}
	return n, nil
}

// fetchJiraProject fetches one project's pages, versions, boards and sprints.
func fetchJiraProject(ctx context.Context, client *jc.Client, key string, keep bool) (jiraProjectPages, error) {
	pp := jiraProjectPages{project: key, sprints: map[int64][]cairn.Sprint{}}
	jql := `project in ("` + key + `") ORDER BY created ASC, key ASC`
	for cursor := ""; ; {
		p, err := client.Search(ctx, jql, cursor)
		if err != nil {
			return pp, err
		}
		pp.issues += len(p.Issues)
		if keep {
			pp.pages = append(pp.pages, p)
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	var err error
	if pp.versions, err = client.Versions(ctx, key); err != nil {
		return pp, err
	}
	if pp.boards, err = client.Boards(ctx, key); err != nil {
		return pp, err
	}
	for _, b := range pp.boards {
		if strings.EqualFold(b.Type, "kanban") {
			continue
		}
		if pp.sprints[b.ID], err = client.Sprints(ctx, b.ID); err != nil {
			return pp, err
		}
	}
	return pp, nil
}

// childJiraFetch is the Jira fetch floor.
func childJiraFetch(ctx context.Context, a ChildArgs) (ChildResult, error) {
	client, err := newJiraClient(a.URL)
	if err != nil {
		return ChildResult{}, err
	}
	m := startMeter()
	n, err := fetchJira(ctx, client)
	if err != nil {
		return ChildResult{}, err
	}
	return ChildResult{Usage: m.stop(), Items: n, Requests: client.Requests()}, nil
}

// childJiraStore is the Jira store floor: each project's pages are fetched and decoded first,
// outside the measurement, then stored through the same store methods, one writer, nothing to
// wait for; one project at a time, so that memory holds one project's rows, not the world's.
func childJiraStore(ctx context.Context, a ChildArgs) (ChildResult, error) {
	client, err := newJiraClient(a.URL)
	if err != nil {
		return ChildResult{}, err
	}
	fields, err := client.Fields(ctx)
	if err != nil {
		return ChildResult{}, err
	}
	db, err := store.Open(ctx, a.DB)
	if err != nil {
		return ChildResult{}, err
	}
	defer db.Close()
	var total Usage
	n := 0
	measure := func(fn func() error) error {
		m := startMeter()
		err := fn()
		u := m.stop()
		total.Wall += u.Wall
		total.CPU += u.CPU
		total.WriteByte += u.WriteByte
		return err
	}
	if err := measure(func() error { _, err := db.SaveJiraFields(ctx, fields); return err }); err != nil {
		return ChildResult{}, err
	}
	for _, key := range JiraProjectKeys() {
		p, err := fetchJiraProject(ctx, client, key, true)
		if err != nil {
			return ChildResult{}, err
		}
		n += p.issues
		err = measure(func() error {
			for i, page := range p.pages {
				if _, _, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: p.project, Issues: page.Issues, Cursor: fmt.Sprintf(`{"pages":%d}`, i+1)}); err != nil {
					return err
				}
			}
			if err := db.SaveJiraVersions(ctx, p.project, p.versions); err != nil {
				return err
			}
			if err := db.SaveJiraBoards(ctx, p.project, p.boards); err != nil {
				return err
			}
			for b, ss := range p.sprints {
				if err := db.SaveJiraSprints(ctx, b, ss); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return ChildResult{}, err
		}
	}
	total.PeakRSS = peakRSS()
	return ChildResult{Usage: total, Items: n, DBBytes: fileSize(a.DB)}, nil
}
