// Package config reads cairn's YAML configuration: ${VAR} expansion from the environment,
// defaults, a strict decode in which an unknown key is an error, then validation. Every problem
// in a file is reported at once, one per line, as "FILE:LINE: path.to.key: what is wrong
// (got VALUE)", and secret values are never printed. Parsing has no side effects.
//
// The package imports nothing of cairn's: cmd/cairn turns a Config into the constructor
// arguments of the other packages.
package config

import (
	"path/filepath"
	"strings"
	"time"
)

// Config is the whole configuration file.
type Config struct {
	// Database is the SQLite file; relative paths are relative to the config file (Load).
	Database string `yaml:"database"`
	// Listen is the host:port of the HTTP server (metrics, API, pages).
	Listen string `yaml:"listen"`
	// APIToken guards the write endpoints; empty turns them off.
	APIToken Secret `yaml:"api_token"`
	// Timezone is the IANA zone the schedules run in; see Location.
	Timezone string `yaml:"timezone"`

	Jira     *Jira     `yaml:"jira"`   // nil when the file has no jira section
	GitHub   *GitHub   `yaml:"github"` // nil when the file has no github section
	Teams    []Team    `yaml:"teams"`
	Rollup   Rollup    `yaml:"rollup"`
	Pages    Pages     `yaml:"pages"`
	Programs []Program `yaml:"programs"`

	src *source        // where each key was found; nil for a Config built in code
	loc *time.Location // Timezone, loaded by Parse
}

// Deployment is the kind of Atlassian server.
type Deployment string

// Deployments.
const (
	DeploymentAuto       Deployment = "auto" // decide from the server (serverInfo)
	DeploymentCloud      Deployment = "cloud"
	DeploymentDataCenter Deployment = "datacenter" // also Jira/Confluence Server
)

// Jira is the jira section.
type Jira struct {
	URL        string     `yaml:"url"`
	Deployment Deployment `yaml:"deployment"`
	Email      string     `yaml:"email"` // Cloud basic-auth user; empty means bearer token
	Token      Secret     `yaml:"token"`
	Projects   []string   `yaml:"projects"`
	JQL        string     `yaml:"jql"` // ANDed to the project scope
	Schedule   string     `yaml:"schedule"`
	Reconcile  string     `yaml:"reconcile"`
	Fields     JiraFields `yaml:"fields"`
	// Concurrency is the number of requests in flight.
	Concurrency int `yaml:"concurrency"`
	PageSize    int `yaml:"page_size"`
	// Overlap is how far before the last sync's high-water mark an incremental sync starts.
	Overlap Duration `yaml:"overlap"`
}

// JiraFields overrides the ids of the custom fields cairn reads; empty means discover.
type JiraFields struct {
	StoryPoints string `yaml:"story_points"`
	EpicLink    string `yaml:"epic_link"`
	Sprint      string `yaml:"sprint"`
	StartDate   string `yaml:"start_date"`
}

// GitHub is the github section.
type GitHub struct {
	URL   string    `yaml:"url"` // REST API base URL
	Token Secret    `yaml:"token"`
	App   GitHubApp `yaml:"app"`
	// Repos is the scope: "owner/name" or "owner/*".
	Repos       []string `yaml:"repos"`
	Schedule    string   `yaml:"schedule"`
	Reconcile   string   `yaml:"reconcile"`
	Concurrency int      `yaml:"concurrency"`
	// LinkCommits also reads commit messages for Jira keys.
	LinkCommits bool `yaml:"link_commits"`
	// CaseInsensitiveKeys matches pay-12 as PAY-12.
	CaseInsensitiveKeys bool     `yaml:"case_insensitive_keys"`
	Overlap             Duration `yaml:"overlap"`
}

// GitHubApp is GitHub App authentication; all three fields or none.
type GitHubApp struct {
	AppID          int64  `yaml:"app_id"`
	InstallationID int64  `yaml:"installation_id"`
	PrivateKeyFile string `yaml:"private_key_file"` // relative to the config file (Load); never read here
}

// IsSet reports whether any App field is set.
func (a GitHubApp) IsSet() bool {
	return a.AppID != 0 || a.InstallationID != 0 || a.PrivateKeyFile != ""
}

// AuthKind is "app" when the GitHub App is configured and "token" otherwise.
func (g *GitHub) AuthKind() string {
	if g.App.IsSet() {
		return "app"
	}
	return "token"
}

// Covers reports whether repo ("owner/name" or "owner/*") is in the repos scope, by name or by
// an "owner/*" wildcard. GitHub names are case-insensitive.
func (g *GitHub) Covers(repo string) bool {
	owner, _, _ := strings.Cut(repo, "/")
	for _, r := range g.Repos {
		if strings.EqualFold(r, repo) || strings.EqualFold(r, owner+"/*") {
			return true
		}
	}
	return false
}

// Team maps Jira projects and GitHub repos to a team. Without teams, the team of an item is its
// Jira project or GitHub repo.
type Team struct {
	Name         string   `yaml:"name"`
	JiraProjects []string `yaml:"jira_projects"`
	Repos        []string `yaml:"repos"`
}

// Rollup tunes the forecasts and health ratings.
type Rollup struct {
	Trials          int        `yaml:"trials"`            // Monte Carlo trials per forecast
	HistoryWeeks    int        `yaml:"history_weeks"`     // weeks of throughput history
	StaleDays       int        `yaml:"stale_days"`        // in-progress item unchanged this long is stale
	ReviewWaitHours int        `yaml:"review_wait_hours"` // PR waiting for review longer is flagged
	Thresholds      Thresholds `yaml:"thresholds"`
}

// Thresholds turn forecasts and signals into red/amber/green.
type Thresholds struct {
	RedOnTime       float64 `yaml:"red_on_time"`       // P(on time) below this is red
	AmberOnTime     float64 `yaml:"amber_on_time"`     // below this is amber
	StalledDays     int     `yaml:"stalled_days"`      // no progress this long is red
	ScopeGrowthWeek float64 `yaml:"scope_growth_week"` // scope growth in a week above this is amber
	StaleDataHours  int     `yaml:"stale_data_hours"`  // last successful sync older than this is amber
}

// Pages is the weekly status pages section.
type Pages struct {
	Schedule   string      `yaml:"schedule"`
	OutDir     string      `yaml:"out_dir"`    // relative to the config file (Load)
	Confluence *Confluence `yaml:"confluence"` // nil when pages are not published to Confluence
}

// Confluence is where pages are published.
type Confluence struct {
	URL        string     `yaml:"url"`
	Deployment Deployment `yaml:"deployment"`
	Space      string     `yaml:"space"`
	ParentID   string     `yaml:"parent_id"`
	Email      string     `yaml:"email"`
	Token      Secret     `yaml:"token"`
}

// Program is a set of milestones tracked together.
type Program struct {
	Name       string      `yaml:"name"`
	Milestones []Milestone `yaml:"milestones"`
}

// Milestone is a deliverable with a date and the Jira and GitHub items that make it up.
type Milestone struct {
	Name     string       `yaml:"name"`
	Due      Date         `yaml:"due"`      // zero when not set
	Baseline Date         `yaml:"baseline"` // scope baseline; zero when not set
	Jira     JiraSource   `yaml:"jira"`
	GitHub   GitHubSource `yaml:"github"`
}

// JiraSource selects the Jira issues of a milestone; an issue matching any list belongs to it.
type JiraSource struct {
	FixVersions []string `yaml:"fix_versions"`
	Epics       []string `yaml:"epics"` // issue keys like PAY-100
	Labels      []string `yaml:"labels"`
	Components  []string `yaml:"components"`
}

// Empty reports whether no Jira source is set.
func (s JiraSource) Empty() bool {
	return len(s.FixVersions)+len(s.Epics)+len(s.Labels)+len(s.Components) == 0
}

// GitHubSource selects the GitHub items of a milestone.
type GitHubSource struct {
	Milestones []string `yaml:"milestones"` // "owner/name:title"
	Labels     []string `yaml:"labels"`     // "owner/name:label"
	Repos      []string `yaml:"repos"`      // "owner/name": every pull request of the repo
}

// Empty reports whether no GitHub source is set.
func (s GitHubSource) Empty() bool {
	return len(s.Milestones)+len(s.Labels)+len(s.Repos) == 0
}

// SplitRepoRef splits "owner/name:rest" (a GitHub milestone or label reference) at the first
// colon. ok is false when there is no colon.
func SplitRepoRef(ref string) (repo, rest string, ok bool) {
	return strings.Cut(ref, ":")
}

// Default values.
const (
	DefaultDatabase        = "cairn.db"
	DefaultListen          = "127.0.0.1:9184"
	DefaultTimezone        = "UTC"
	DefaultJiraSchedule    = "*/15 * * * *"
	DefaultJiraReconcile   = "17 3 * * *"
	DefaultGitHubURL       = "https://api.github.com/"
	DefaultGitHubSchedule  = "*/10 * * * *"
	DefaultGitHubReconcile = "37 3 * * *"
	DefaultPagesSchedule   = "0 7 * * 1"
	DefaultPagesOutDir     = "pages"
)

// Default returns a Config with every default set and no sections.
func Default() *Config {
	c := &Config{}
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	c.Database = DefaultDatabase
	c.Listen = DefaultListen
	c.Timezone = DefaultTimezone
	c.Rollup = Rollup{
		Trials:          10000,
		HistoryWeeks:    12,
		StaleDays:       7,
		ReviewWaitHours: 48,
		Thresholds: Thresholds{
			RedOnTime:       0.5,
			AmberOnTime:     0.85,
			StalledDays:     7,
			ScopeGrowthWeek: 0.10,
			StaleDataHours:  24,
		},
	}
	c.Pages = Pages{Schedule: DefaultPagesSchedule, OutDir: DefaultPagesOutDir}
}

// setDefaults is called when the decoder creates the section.
func (j *Jira) setDefaults() {
	*j = Jira{
		Deployment:  DeploymentAuto,
		Schedule:    DefaultJiraSchedule,
		Reconcile:   DefaultJiraReconcile,
		Concurrency: 4,
		PageSize:    100,
		Overlap:     Duration(2 * time.Minute),
	}
}

func (g *GitHub) setDefaults() {
	*g = GitHub{
		URL:         DefaultGitHubURL,
		Schedule:    DefaultGitHubSchedule,
		Reconcile:   DefaultGitHubReconcile,
		Concurrency: 4,
		Overlap:     Duration(2 * time.Minute),
	}
}

func (c *Confluence) setDefaults() {
	*c = Confluence{Deployment: DeploymentAuto}
}

// Location returns the time zone of the schedules: the one Parse loaded, or Timezone loaded
// now, or UTC when Timezone does not load (Validate reports that).
func (c *Config) Location() *time.Location {
	if c.loc != nil {
		return c.loc
	}
	if loc, err := time.LoadLocation(c.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// resolvePaths makes the relative file paths relative to dir.
func (c *Config) resolvePaths(dir string) {
	rel := func(p *string) {
		if *p != "" && *p != ":memory:" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	rel(&c.Database)
	rel(&c.Pages.OutDir)
	if c.GitHub != nil {
		rel(&c.GitHub.App.PrivateKeyFile)
	}
}

// secrets returns the values of every secret in c, for scrubbing them from logs and errors.
func (c *Config) secrets() []string {
	var out []string
	add := func(s Secret) {
		if s != "" {
			out = append(out, s.Reveal())
		}
	}
	add(c.APIToken)
	if c.Jira != nil {
		add(c.Jira.Token)
	}
	if c.GitHub != nil {
		add(c.GitHub.Token)
	}
	if c.Pages.Confluence != nil {
		add(c.Pages.Confluence.Token)
	}
	return out
}
