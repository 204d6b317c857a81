package bench

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/rollup"
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

// jiraProject names the i-th Jira project: PAY and WEB (the keys the fake PRs carry), then
// P02 to P39.
func jiraProject(i int) string {
	switch i % jiraProjects {
	case 0:
		return "PAY"
	case 1:
		return "WEB"
	}
	return fmt.Sprintf("P%02d", i%jiraProjects)
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
