package main

import (
	"testing"
	"time"

	"github.com/cairn-dev/cairn/config"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/google/go-cmp/cmp"
)

func TestRollupSpec(t *testing.T) {
	yaml := `
github:
  url: https://api.github.com/
  token: t
  repos: [acme/web]
jira:
  url: https://acme.atlassian.net
  email: a@example.com
  token: t
  projects: [PAY]
teams:
  - name: Payments
    jira_projects: [PAY]
    repos: [acme/web]
rollup:
  trials: 500
  thresholds: {red_on_time: 0.4, stalled_days: 10}
programs:
  - name: Checkout v2
    milestones:
      - name: Beta
        due: 2026-12-18
        baseline: 2026-10-01
        jira: {fix_versions: ["2.0"], epics: [PAY-1]}
        github: {milestones: ["acme/web:Beta"], repos: [acme/web]}
`
	cfg, err := config.Parse("cairn.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	got := rollupSpec(cfg)
	want := rollup.Spec{
		Trials:       500,
		HistoryWeeks: 12, StaleDays: 7, ReviewWaitHours: 48, // the config's defaults
		Thresholds: rollup.DefaultThresholds(),
		Teams:      []rollup.TeamSpec{{Name: "Payments", JiraProjects: []string{"PAY"}, Repos: []string{"acme/web"}}},
		Programs: []rollup.ProgramSpec{{Name: "Checkout v2", Milestones: []rollup.MilestoneSpec{{
			Name:             "Beta",
			Due:              time.Date(2026, 12, 18, 0, 0, 0, 0, time.UTC),
			Baseline:         time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
			FixVersions:      []string{"2.0"},
			Epics:            []string{"PAY-1"},
			GitHubMilestones: []string{"acme/web:Beta"},
			Repos:            []string{"acme/web"},
		}}}},
	}
	want.Thresholds.RedOnTime = 0.4
	want.Thresholds.StalledDays = 10
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rollupSpec (-want +got):\n%s", diff)
	}
}
