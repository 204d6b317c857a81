package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

var (
	projectKeyRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)
	issueKeyRE   = regexp.MustCompile(`^([A-Z][A-Z0-9_]+)-[1-9][0-9]*$`)
	// GitHub owners are letters, digits and hyphens (underscores for managed users); repository
	// names are letters, digits, '.', '-' and '_'.
	ownerRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$`)
	repoRE    = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	fieldIDRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	digitsRE  = regexp.MustCompile(`^[0-9]+$`)
	orderByRE = regexp.MustCompile(`(?i)\border\s+by\b`)
)

// Validate checks c and returns an *Error with every problem, or nil. Parse and Load call it;
// call it yourself for a Config built or changed in code (its problems then have no lines).
func (c *Config) Validate() error {
	ps := &problems{src: c.src}
	c.validate(ps)
	return ps.err(c.secrets())
}

// validator holds the problems and the config being checked.
type validator struct {
	*problems
	c *Config
}

func (c *Config) validate(ps *problems) {
	v := &validator{problems: ps, c: c}
	v.required("database", c.Database)
	v.listen("listen", c.Listen)
	v.secret("api_token", c.APIToken, false)
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		v.add("timezone", ErrInvalidValue, "must be an IANA time zone like Europe/Berlin", quote(c.Timezone))
	}
	if c.Jira != nil {
		v.jira(c.Jira)
	}
	if c.GitHub != nil {
		v.github(c.GitHub)
	}
	v.teams()
	v.rollup(&c.Rollup)
	v.pages(&c.Pages)
	v.programs()
}

func (v *validator) jira(j *Jira) {
	v.url("jira.url", j.URL, true)
	v.deployment("jira.deployment", j.Deployment)
	v.secret("jira.token", j.Token, true)
	if len(j.Projects) == 0 {
		v.add("jira.projects", ErrRequired, "at least one project key is required", "")
	}
	v.unique("jira.projects", j.Projects, func(p, s string) bool {
		if !projectKeyRE.MatchString(s) {
			v.add(p, ErrInvalidProjectKey, "must be a Jira project key like PAY (A-Z, 0-9, _)", quote(s))
			return false
		}
		return true
	})
	if orderByRE.MatchString(j.JQL) {
		v.add("jira.jql", ErrInvalidValue, "must not contain ORDER BY: it is ANDed to the project scope", quote(j.JQL))
	}
	v.cron("jira.schedule", j.Schedule)
	v.cron("jira.reconcile", j.Reconcile)
	for _, f := range []struct{ key, id string }{
		{"story_points", j.Fields.StoryPoints}, {"epic_link", j.Fields.EpicLink},
		{"sprint", j.Fields.Sprint}, {"start_date", j.Fields.StartDate},
	} {
		if f.id != "" && !validFieldID(f.id) {
			v.add("jira.fields."+f.key, ErrInvalidValue, "must be a field id like customfield_10016 or duedate", quote(f.id))
		}
	}
	v.intRange("jira.concurrency", j.Concurrency, 1, 32)
	v.intRange("jira.page_size", j.PageSize, 1, 1000)
	v.durRange("jira.overlap", j.Overlap, 0, Duration(24*time.Hour))
}

func (v *validator) github(g *GitHub) {
	v.url("github.url", g.URL, true)
	v.secret("github.token", g.Token, false)
	switch {
	case g.App.IsSet():
		if g.Token != "" {
			v.add("github.token", ErrInvalidValue, "set github.token or github.app, not both", "")
		}
		if g.App.AppID <= 0 {
			v.add("github.app.app_id", ErrRequired, "must be a positive GitHub App id when github.app is set", num(g.App.AppID))
		}
		if g.App.InstallationID <= 0 {
			v.add("github.app.installation_id", ErrRequired, "must be a positive installation id when github.app is set", num(g.App.InstallationID))
		}
		if g.App.PrivateKeyFile == "" {
			v.add("github.app.private_key_file", ErrRequired, "required when github.app is set", "")
		}
	case g.Token == "":
		v.add("github.token", ErrRequired, "required unless github.app is set", "")
	}
	if len(g.Repos) == 0 {
		v.add("github.repos", ErrRequired, "at least one repository is required", "")
	}
	v.unique("github.repos", g.Repos, func(p, s string) bool {
		if !validRepo(s, true) {
			v.add(p, ErrInvalidRepo, "must be owner/name or owner/*", quote(s))
			return false
		}
		return true
	})
	v.cron("github.schedule", g.Schedule)
	v.cron("github.reconcile", g.Reconcile)
	v.intRange("github.concurrency", g.Concurrency, 1, 64)
	v.durRange("github.overlap", g.Overlap, 0, Duration(24*time.Hour))
}

func (v *validator) teams() {
	names := map[string]string{}  // folded name -> path
	owners := map[string]string{} // project key or folded repo -> team name
	for i, t := range v.c.Teams {
		p := fmt.Sprintf("teams[%d]", i)
		if v.required(p+".name", t.Name) {
			v.firstUse(names, strings.ToLower(t.Name), p+".name", ErrDuplicate, "team name", quote(t.Name))
		}
		if len(t.JiraProjects)+len(t.Repos) == 0 {
			v.add(p, ErrNoSource, "a team needs jira_projects or repos", "")
		}
		for k, key := range t.JiraProjects {
			kp := fmt.Sprintf("%s.jira_projects[%d]", p, k)
			if v.projectInScope(kp, key) {
				v.owner(owners, key, kp, t.Name, quote(key))
			}
		}
		for k, repo := range t.Repos {
			kp := fmt.Sprintf("%s.repos[%d]", p, k)
			if v.repoInScope(kp, repo, "must be owner/name or owner/*", true) {
				v.owner(owners, strings.ToLower(repo), kp, t.Name, quote(repo))
			}
		}
	}
}

// owner records that key belongs to team, or reports that another team has it.
func (v *validator) owner(owners map[string]string, key, path, team, got string) {
	if other, ok := owners[key]; ok {
		v.add(path, ErrDuplicate, fmt.Sprintf("already belongs to team %q", other), got)
		return
	}
	owners[key] = team
}

func (v *validator) rollup(r *Rollup) {
	v.intRange("rollup.trials", r.Trials, 100, 1_000_000)
	v.intRange("rollup.history_weeks", r.HistoryWeeks, 4, 52)
	v.intRange("rollup.stale_days", r.StaleDays, 1, 365)
	v.intRange("rollup.review_wait_hours", r.ReviewWaitHours, 1, 24*365)
	t := r.Thresholds
	const tp = "rollup.thresholds."
	okRed := v.ratio(tp+"red_on_time", t.RedOnTime)
	okAmber := v.ratio(tp+"amber_on_time", t.AmberOnTime)
	if okRed && okAmber && t.RedOnTime > t.AmberOnTime {
		v.add(tp+"red_on_time", ErrOutOfRange, fmt.Sprintf("must not be above amber_on_time (%v)", t.AmberOnTime), num(t.RedOnTime))
	}
	v.intRange(tp+"stalled_days", t.StalledDays, 1, 365)
	if !(t.ScopeGrowthWeek > 0 && t.ScopeGrowthWeek <= 10) {
		v.add(tp+"scope_growth_week", ErrOutOfRange, "must be a fraction above 0, like 0.10 for 10%", num(t.ScopeGrowthWeek))
	}
	v.intRange(tp+"stale_data_hours", t.StaleDataHours, 1, 24*365)
}

func (v *validator) pages(p *Pages) {
	v.cron("pages.schedule", p.Schedule)
	v.required("pages.out_dir", p.OutDir)
	if cf := p.Confluence; cf != nil {
		v.url("pages.confluence.url", cf.URL, true)
		v.deployment("pages.confluence.deployment", cf.Deployment)
		v.required("pages.confluence.space", cf.Space)
		if cf.ParentID != "" && !digitsRE.MatchString(cf.ParentID) {
			v.add("pages.confluence.parent_id", ErrInvalidValue, "must be a Confluence page id (digits)", quote(cf.ParentID))
		}
		v.secret("pages.confluence.token", cf.Token, true)
	}
}

// required reports an empty value and returns whether it is set.
func (v *validator) required(path, s string) bool {
	if strings.TrimSpace(s) == "" {
		got := ""
		if s != "" {
			got = quote(s)
		}
		v.add(path, ErrRequired, "required", got)
		return false
	}
	return true
}

func (v *validator) secret(path string, s Secret, required bool) {
	switch {
	case s == "" && required:
		v.add(path, ErrRequired, "required", "")
	case strings.ContainsAny(s.Reveal(), " \t\r\n"):
		v.add(path, ErrInvalidValue, "must not contain spaces or line breaks", secretMark)
	}
}

func (v *validator) url(path, s string, required bool) {
	if s == "" {
		if required {
			v.add(path, ErrRequired, "required: an absolute http(s) URL", "")
		}
		return
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(path, ErrInvalidURL, "must be an absolute http(s) URL", quote(redactUserinfo(s)))
		return
	}
	if u.User != nil {
		v.add(path, ErrInvalidURL, "must not contain credentials: use email and token", quote(redactUserinfo(s)))
	}
}

// redactUserinfo hides whatever comes before the last "@" of a URL (after its scheme), even
// when the URL does not parse, so that a password in it is never printed.
func redactUserinfo(s string) string {
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return s
	}
	start := 0
	if i := strings.Index(s, "://"); i >= 0 && i < at {
		start = i + len("://")
	}
	return s[:start] + "xxxxx" + s[at:]
}

func (v *validator) listen(path, s string) {
	_, port, err := net.SplitHostPort(s)
	if err == nil {
		var n int
		n, err = strconv.Atoi(port)
		if err == nil && (n < 0 || n > 65535) {
			err = strconv.ErrRange
		}
	}
	if err != nil {
		v.add(path, ErrInvalidValue, "must be host:port like 127.0.0.1:9184 or :9184", quote(s))
	}
}

func (v *validator) deployment(path string, d Deployment) {
	switch d {
	case DeploymentAuto, DeploymentCloud, DeploymentDataCenter:
	default:
		v.add(path, ErrInvalidValue, "must be one of auto, cloud, datacenter", quote(string(d)))
	}
}

func (v *validator) cron(path, spec string) {
	if _, err := parseCron(spec); err != nil {
		v.add(path, ErrInvalidCron, `must be a 5-field cron spec like "*/15 * * * *" or a descriptor like "@hourly": `+err.Error(), quote(spec))
	}
}

// parseCron is cron.ParseStandard, which panics on a few malformed inputs.
func parseCron(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed spec")
		}
	}()
	return cron.ParseStandard(spec)
}

func (v *validator) intRange(path string, n, lo, hi int) {
	if n < lo || n > hi {
		v.add(path, ErrOutOfRange, fmt.Sprintf("must be between %d and %d", lo, hi), num(n))
	}
}

func (v *validator) durRange(path string, d, lo, hi Duration) {
	if d < lo || d > hi {
		v.add(path, ErrOutOfRange, fmt.Sprintf("must be between %s and %s", lo, hi), quote(d.String()))
	}
}

// ratio checks 0 < f <= 1.
func (v *validator) ratio(path string, f float64) bool {
	if !(f > 0 && f <= 1) {
		v.add(path, ErrOutOfRange, "must be above 0 and at most 1", num(f))
		return false
	}
	return true
}

// unique checks each entry of a list with check and reports the ones listed twice
// (case-insensitively).
func (v *validator) unique(path string, list []string, check func(path, s string) bool) {
	seen := map[string]string{}
	for i, s := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		if check(p, s) {
			v.firstUse(seen, strings.ToLower(s), p, ErrDuplicate, "entry", quote(s))
		}
	}
}

// firstUse records key at path, or reports it as a duplicate of an earlier path.
func (v *validator) firstUse(seen map[string]string, key, path string, sentinel error, what, got string) {
	first, dup := seen[key]
	if !dup {
		seen[key] = path
		return
	}
	msg := "duplicate " + what
	if line := v.src.lineOf(first); line > 0 {
		msg += fmt.Sprintf(", first at line %d", line)
	} else {
		msg += ", first at " + first
	}
	v.add(path, sentinel, msg, got)
}

// validRepo reports whether s is owner/name, or owner/* when wildcard is allowed.
func validRepo(s string, wildcard bool) bool {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || !ownerRE.MatchString(owner) {
		return false
	}
	if name == "*" {
		return wildcard
	}
	return repoRE.MatchString(name) && name != "." && name != ".."
}

// validFieldID reports whether id is customfield_<digits> or a plain system field id.
func validFieldID(id string) bool {
	if rest, ok := strings.CutPrefix(id, "customfield_"); ok {
		return digitsRE.MatchString(rest)
	}
	return fieldIDRE.MatchString(id)
}
