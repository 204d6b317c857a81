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
	versions []cairn.Version
	boards   []cairn.Board
	sprints  map[int64][]cairn.Sprint
}

// fetchJira fetches what a full Jira sync fetches (fields, then per project: every search page
// in the sync's order, versions, boards and the sprints of non-Kanban boards), four projects
// at a time as the sync does, keeping the pages when keep is set.
func fetchJira(ctx context.Context, client *jc.Client, keep bool) ([]cairn.JiraField, []jiraProjectPages, int, error) {
	fields, err := client.Fields(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	if _, err := client.Location(ctx); err != nil {
		return nil, nil, 0, err
	}
	keys := JiraProjectKeys()
	out := make([]jiraProjectPages, len(keys))
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
			pp := jiraProjectPages{project: key, sprints: map[int64][]cairn.Sprint{}}
			jql := `project in ("` + key + `") ORDER BY created ASC, key ASC`
			for cursor := ""; ; {
				p, err := client.Search(ctx, jql, cursor)
				if err != nil {
					errs[i] = err
					return
				}
				counts[i] += len(p.Issues)
				if keep {
					pp.pages = append(pp.pages, p)
				}
				if cursor = p.Next; cursor == "" {
					break
				}
			}
			if pp.versions, errs[i] = client.Versions(ctx, key); errs[i] != nil {
				return
			}
			if pp.boards, errs[i] = client.Boards(ctx, key); errs[i] != nil {
				return
			}
			for _, b := range pp.boards {
				if strings.EqualFold(b.Type, "kanban") {
					continue
				}
				if pp.sprints[b.ID], errs[i] = client.Sprints(ctx, b.ID); errs[i] != nil {
					return
				}
			}
			if keep {
				out[i] = pp
			}
		}()
	}
	wg.Wait()
	n := 0
	for i := range keys {
		if errs[i] != nil {
			return nil, nil, 0, fmt.Errorf("project %s: %w", keys[i], errs[i])
		}
		n += counts[i]
	}
	return fields, out, n, nil
}

// childJiraFetch is the Jira fetch floor.
func childJiraFetch(ctx context.Context, a ChildArgs) (ChildResult, error) {
	client, err := newJiraClient(a.URL)
	if err != nil {
		return ChildResult{}, err
	}
	m := startMeter()
	_, _, n, err := fetchJira(ctx, client, false)
	if err != nil {
		return ChildResult{}, err
	}
	return ChildResult{Usage: m.stop(), Items: n, Requests: client.Requests()}, nil
}

// childJiraStore is the Jira store floor: pages fetched first, outside the measurement, then
// stored through the same store methods, one writer, nothing to wait for.
func childJiraStore(ctx context.Context, a ChildArgs) (ChildResult, error) {
	client, err := newJiraClient(a.URL)
	if err != nil {
		return ChildResult{}, err
	}
	fields, projects, n, err := fetchJira(ctx, client, true)
	if err != nil {
		return ChildResult{}, err
	}
	db, err := store.Open(ctx, a.DB)
	if err != nil {
		return ChildResult{}, err
	}
	defer db.Close()
	m := startMeter()
	if _, err := db.SaveJiraFields(ctx, fields); err != nil {
		return ChildResult{}, err
	}
	for _, p := range projects {
		for i, page := range p.pages {
			if _, _, err := db.SaveJiraIssues(ctx, store.JiraIssuePage{Scope: p.project, Issues: page.Issues, Cursor: fmt.Sprintf(`{"pages":%d}`, i+1)}); err != nil {
				return ChildResult{}, err
			}
		}
		if err := db.SaveJiraVersions(ctx, p.project, p.versions); err != nil {
			return ChildResult{}, err
		}
		if err := db.SaveJiraBoards(ctx, p.project, p.boards); err != nil {
			return ChildResult{}, err
		}
		for b, ss := range p.sprints {
			if err := db.SaveJiraSprints(ctx, b, ss); err != nil {
				return ChildResult{}, err
			}
		}
	}
	return ChildResult{Usage: m.stop(), Items: n, DBBytes: fileSize(a.DB)}, nil
}
