package config

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var cmpIgnoreUnexported = cmpopts.IgnoreUnexported(Config{})

func TestExampleParses(t *testing.T) {
	cfg, err := Parse("example.yaml", Example(), defaultEnv)
	if err != nil {
		t.Fatalf("example does not parse:\n%v", err)
	}
	want := &Config{
		Database: "cairn.db",
		Listen:   "127.0.0.1:9184",
		Timezone: "UTC",
		Jira: &Jira{
			URL:         "https://acme.atlassian.net",
			Deployment:  DeploymentAuto,
			Token:       Secret(testSecret),
			Projects:    []string{"PAY", "CORE"},
			Schedule:    "*/15 * * * *",
			Reconcile:   "17 3 * * *",
			Concurrency: 4,
			PageSize:    100,
			Overlap:     Duration(2 * time.Minute),
		},
		GitHub: &GitHub{
			URL:         "https://api.github.com/",
			Token:       Secret(testSecret + "-gh"),
			Repos:       []string{"acme/payments", "acme/web"},
			Schedule:    "*/10 * * * *",
			Reconcile:   "37 3 * * *",
			Concurrency: 4,
			Overlap:     Duration(2 * time.Minute),
		},
		Teams: []Team{{Name: "Payments", JiraProjects: []string{"PAY"}, Repos: []string{"acme/payments"}}},
		Rollup: Rollup{
			Trials: 10000, HistoryWeeks: 12, StaleDays: 7, ReviewWaitHours: 48,
			Thresholds: Thresholds{RedOnTime: 0.5, AmberOnTime: 0.85, StalledDays: 7, ScopeGrowthWeek: 0.10, StaleDataHours: 24},
		},
		Pages: Pages{Schedule: "0 7 * * 1", OutDir: "pages"},
		Programs: []Program{{
			Name: "Checkout v2",
			Milestones: []Milestone{
				{
					Name:     "Beta",
					Due:      Date{2026, time.December, 15},
					Baseline: Date{2026, time.October, 1},
					Jira:     JiraSource{FixVersions: []string{"PAY 2.0-beta"}, Epics: []string{"PAY-100"}, Labels: []string{}, Components: []string{}},
					GitHub: GitHubSource{
						Milestones: []string{"acme/payments:v2.0-beta"},
						Labels:     []string{"acme/payments:beta"},
						Repos:      []string{"acme/web"},
					},
				},
				{Name: "GA", Jira: JiraSource{FixVersions: []string{"PAY 2.0"}}},
			},
		}},
	}
	if diff := cmp.Diff(want, cfg, cmpIgnoreUnexported); diff != "" {
		t.Errorf("example config (-want +got):\n%s", diff)
	}
	if cfg.Location() != time.UTC {
		t.Errorf("Location: got %v, want UTC", cfg.Location())
	}
}

func TestExampleNeedsTokens(t *testing.T) {
	_, err := Parse("example.yaml", Example(), testEnv(nil))
	ps := problemsOf(t, err)
	var got []string
	for _, p := range ps {
		got = append(got, p.Path)
	}
	if diff := cmp.Diff([]string{"jira.token", "github.token"}, got); diff != "" {
		t.Errorf("missing variables (-want +got):\n%s", diff)
	}
}

// TestDefaults checks that a section gets its defaults when its key appears, and that an
// empty value (key:) keeps the default.
func TestDefaults(t *testing.T) {
	data := []byte(`
listen:
jira:
  url: https://jira.example.com
  token: t0ken
  projects: [PAY]
  concurrency:
github:
  token: t0ken
  repos: [acme/*]
pages:
  confluence: {url: "https://wiki.example.com", space: TPM, token: t0ken}
programs:
  - name: P
    milestones: [{name: M, jira: {epics: [PAY-1]}}]
`)
	cfg, err := Parse("defaults.yaml", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"listen", cfg.Listen, DefaultListen},
		{"database", cfg.Database, DefaultDatabase},
		{"jira.deployment", cfg.Jira.Deployment, DeploymentAuto},
		{"jira.schedule", cfg.Jira.Schedule, DefaultJiraSchedule},
		{"jira.reconcile", cfg.Jira.Reconcile, DefaultJiraReconcile},
		{"jira.concurrency", cfg.Jira.Concurrency, 4},
		{"jira.page_size", cfg.Jira.PageSize, 100},
		{"jira.overlap", cfg.Jira.Overlap, Duration(2 * time.Minute)},
		{"github.url", cfg.GitHub.URL, DefaultGitHubURL},
		{"github.schedule", cfg.GitHub.Schedule, DefaultGitHubSchedule},
		{"github.reconcile", cfg.GitHub.Reconcile, DefaultGitHubReconcile},
		{"github.concurrency", cfg.GitHub.Concurrency, 4},
		{"github.auth", cfg.GitHub.AuthKind(), "token"},
		{"pages.schedule", cfg.Pages.Schedule, DefaultPagesSchedule},
		{"pages.out_dir", cfg.Pages.OutDir, DefaultPagesOutDir},
		{"pages.confluence.deployment", cfg.Pages.Confluence.Deployment, DeploymentAuto},
		{"rollup.trials", cfg.Rollup.Trials, 10000},
		{"rollup.thresholds.amber_on_time", cfg.Rollup.Thresholds.AmberOnTime, 0.85},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestAnchorsAndMerge(t *testing.T) {
	data := []byte(`
github:
  token: t0ken
  repos: [acme/web, acme/api]
programs:
  - name: P
    milestones:
      - &beta
        name: Beta
        due: 2026-03-01
        github: {repos: [acme/web]}
      - <<: *beta
        name: GA
        due: 2026-06-01
`)
	cfg, err := Parse("anchors.yaml", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Programs[0].Milestones[1]
	want := Milestone{Name: "GA", Due: Date{2026, time.June, 1}, GitHub: GitHubSource{Repos: []string{"acme/web"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged milestone (-want +got):\n%s", diff)
	}
}
