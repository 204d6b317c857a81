package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
)

// Size is a world's size in issues; pull requests and GitHub issues are in proportion.
type Size int

// ParseSize reads 10k, 100k, 1M or a plain number.
func ParseSize(s string) (Size, error) {
	mult := 1
	t := strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.HasSuffix(t, "k"):
		mult, t = 1_000, strings.TrimSuffix(t, "k")
	case strings.HasSuffix(t, "m"):
		mult, t = 1_000_000, strings.TrimSuffix(t, "m")
	}
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number such as 10k, 100k or 1M", s)
	}
	return Size(n * mult), nil
}

func (s Size) String() string {
	switch {
	case s >= 1_000_000 && s%1_000_000 == 0:
		return fmt.Sprintf("%dM", s/1_000_000)
	case s >= 1_000 && s%1_000 == 0:
		return fmt.Sprintf("%dk", s/1_000)
	}
	return strconv.Itoa(int(s))
}

// Proportions of a world of n issues: the ones of the rollup goal (1M issues, 200k PRs).
const (
	repos         = 10
	prsPerIssue   = 5  // one PR per 5 issues
	ghIssuePerIss = 10 // one GitHub issue per 10 issues
	milestones    = 200
)

// PRs is the number of pull requests in the world.
func (s Size) PRs() int { return int(s) / prsPerIssue }

// GitHubIssues is the number of GitHub issues in the world.
func (s Size) GitHubIssues() int { return int(s) / ghIssuePerIss }

// GitHubWorld generates the fake GitHub content of a world: 10 repos under acme, with 0-3
// reviews per PR and 60% of PRs carrying a Jira key of PAY or WEB.
func GitHubWorld(s Size) []githubtest.Repo {
	return githubtest.Generate(githubtest.GenOptions{Owner: "acme", Repos: repos,
		PRsPerRepo: s.PRs() / repos, IssuesPerRepo: s.GitHubIssues() / repos, Seed: int64(s),
		Start: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)})
}

// teams is the number of teams and Jira projects (the metrics goal is set at 50 teams).
const teams = 50

// jiraProject names the seeded projects; PAY and WEB are the keys the fake PRs carry.
func jiraProject(i int) string {
	switch i % teams {
	case 0:
		return "PAY"
	case 1:
		return "WEB"
	}
	return fmt.Sprintf("P%02d", i%teams)
}

// SeedJira writes n Jira issues straight into the synced tables (until the Jira sync lands in
// the harness), across 50 projects: 200 fix versions, 40 closed sprints, a status history over the last 26 weeks
// (to do, in progress or done), one version and one sprint each, a blocking link in 50.
func SeedJira(ctx context.Context, db *store.DB, n int, asOf time.Time) error {
	rng := rollup.NewSplitMix64(uint64(n))
	return db.Update(ctx, func(tx *sql.Tx) error {
		exec := func(q string, args ...any) error { _, err := tx.ExecContext(ctx, q, args...); return err }
		for v := range milestones {
			if err := exec(`INSERT INTO jira_versions (id, project_key, name, release_date) VALUES (?, ?, ?, ?)`,
				v+1, jiraProject(v), fmt.Sprintf("V%03d", v), asOf.AddDate(0, 0, 14+v%60).Format(time.DateOnly)); err != nil {
				return err
			}
		}
		for s := range 40 {
			end := asOf.AddDate(0, 0, -7*(s%12+1))
			if err := exec(`INSERT INTO jira_sprints (id, name, state, start_at, end_at, complete_at) VALUES (?, ?, 'closed', ?, ?, ?)`,
				s+1, fmt.Sprintf("S%02d", s), store.FormatTime(end.AddDate(0, 0, -14)), store.FormatTime(end), store.FormatTime(end)); err != nil {
				return err
			}
		}
		prep := func(q string) (*sql.Stmt, error) { return tx.PrepareContext(ctx, q) }
		is, err := prep(`INSERT INTO jira_issues (id, key, project_key, issue_type, summary, status,
			status_category, labels, story_points, created_at, updated_at, resolved_at, synced_at, raw_json)
			VALUES (?, ?, ?, 'Story', ?, ?, ?, '["backend"]', ?, ?, ?, ?, ?, '{}')`)
		if err != nil {
			return err
		}
		sc, err := prep(`INSERT INTO jira_status_changes (issue_id, history_id, at, from_status, to_status, from_category, to_category) VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		iv, err := prep(`INSERT INTO jira_issue_versions (issue_id, version_id) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		isp, err := prep(`INSERT INTO jira_issue_sprints (issue_id, sprint_id) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		ln, err := prep(`INSERT INTO jira_issue_links (id, type, from_key, to_key) VALUES (?, 'Blocks', ?, ?)`)
		if err != nil {
			return err
		}
		for i := 1; i <= n; i++ {
			p := jiraProject(i)
			key := p + "-" + strconv.Itoa(i/teams+1)
			created := asOf.Add(-time.Duration(rng.IntN(26*7*24)) * time.Hour)
			start := created.Add(time.Duration(rng.IntN(100)) * time.Hour)
			end := start.Add(time.Duration(1+rng.IntN(300)) * time.Hour)
			stage := rng.IntN(4) // 0 to do, 1 in progress, 2-3 done
			if stage >= 1 && start.After(asOf) {
				stage = 0
			}
			if stage >= 2 && end.After(asOf) {
				stage = 1
			}
			status, cat, resolved, updated := "To Do", "new", any(nil), created
			switch stage {
			case 1:
				status, cat, updated = "In Progress", "indeterminate", start
			case 2, 3:
				status, cat, updated, resolved = "Done", "done", end, store.FormatTime(end)
			}
			var points any
			if rng.IntN(3) > 0 {
				points = float64(1 + rng.IntN(8))
			}
			if _, err := is.ExecContext(ctx, i, key, p, "Work item "+key, status, cat, points,
				store.FormatTime(created), store.FormatTime(updated), resolved, store.FormatTime(asOf)); err != nil {
				return err
			}
			if stage >= 1 {
				if _, err := sc.ExecContext(ctx, i, "1", store.FormatTime(start), "To Do", "In Progress", "new", "indeterminate"); err != nil {
					return err
				}
			}
			if stage >= 2 {
				if _, err := sc.ExecContext(ctx, i, "2", store.FormatTime(end), "In Progress", "Done", "indeterminate", "done"); err != nil {
					return err
				}
			}
			// A fix version of the issue's own project, as Jira has it: project k owns
			// versions k, k+50, k+100 and k+150.
			if _, err := iv.ExecContext(ctx, i, 1+i%teams+teams*rng.IntN(milestones/teams)); err != nil {
				return err
			}
			if _, err := isp.ExecContext(ctx, i, 1+rng.IntN(40)); err != nil {
				return err
			}
			if i%50 == 0 {
				if _, err := ln.ExecContext(ctx, i, jiraProject(i+1)+"-"+strconv.Itoa((i+1)/teams+1), key); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// RollupSpec is the programs of the synced world: 20 programs of 10 milestones, one per fix
// version of the fake Jira ("PAY 1.0" to "P39 1.4"), the first three also taking the repos'
// GitHub milestones; and 50 teams: one per Jira project and one per repo.
func RollupSpec() rollup.Spec {
	var spec rollup.Spec
	for v := range milestones {
		if v%10 == 0 {
			spec.Programs = append(spec.Programs, rollup.ProgramSpec{Name: fmt.Sprintf("Program %02d", v/10)})
		}
		p := &spec.Programs[len(spec.Programs)-1]
		m := rollup.MilestoneSpec{Name: fmt.Sprintf("M%03d", v),
			FixVersions: []string{fmt.Sprintf("%s 1.%d", jiraProject(v/versionsPerProject), v%versionsPerProject)}}
		if v < 3 {
			m.GitHubMilestones = []string{fmt.Sprintf("v%d.0", v+1)}
		}
		p.Milestones = append(p.Milestones, m)
	}
	for t := range jiraProjects {
		spec.Teams = append(spec.Teams, rollup.TeamSpec{Name: "Team " + jiraProject(t), JiraProjects: []string{jiraProject(t)}})
	}
	for r := range repos {
		spec.Teams = append(spec.Teams, rollup.TeamSpec{Name: fmt.Sprintf("Team repo%02d", r), Repos: []string{fmt.Sprintf("acme/repo%02d", r)}})
	}
	spec.Thresholds = rollup.DefaultThresholds()
	return spec
}

// SeededRollupSpec is the programs of a database seeded by SeedJira: 20 programs of 10
// milestones, one per fix version, the first program's milestones also taking the repos'
// GitHub milestones; and 50 teams, one per Jira project, the first ten owning a repo each.
func SeededRollupSpec() rollup.Spec {
	var spec rollup.Spec
	for v := range milestones {
		if v%10 == 0 {
			spec.Programs = append(spec.Programs, rollup.ProgramSpec{Name: fmt.Sprintf("Program %02d", v/10)})
		}
		p := &spec.Programs[len(spec.Programs)-1]
		m := rollup.MilestoneSpec{Name: fmt.Sprintf("M%03d", v), FixVersions: []string{fmt.Sprintf("V%03d", v)}}
		if v < 3 {
			m.GitHubMilestones = []string{fmt.Sprintf("v%d.0", v+1)}
		}
		p.Milestones = append(p.Milestones, m)
	}
	for t := range teams {
		tm := rollup.TeamSpec{Name: fmt.Sprintf("Team %02d", t), JiraProjects: []string{jiraProject(t)}}
		if t < repos {
			tm.Repos = []string{fmt.Sprintf("acme/repo%02d", t)}
		}
		spec.Teams = append(spec.Teams, tm)
	}
	spec.Thresholds = rollup.DefaultThresholds()
	return spec
}
