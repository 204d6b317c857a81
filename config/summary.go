package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Summary describes the configuration in a few lines for `cairn check`: where data goes, what
// is synced and when, the programs and their sources, and where pages are published. It never
// includes a secret: only whether one is set. It ends with a newline.
func (c *Config) Summary() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	line("database: %s", c.Database)
	api := "off (no api_token)"
	if c.APIToken != "" {
		api = "on"
	}
	line("listen:   %s, write API %s", c.Listen, api)
	line("timezone: %s", c.Timezone)

	if j := c.Jira; j != nil {
		line("jira:     %s (%s), projects %s", redactURL(j.URL), j.Deployment, joinNames(j.Projects))
		line("          sync %q, reconcile %q", j.Schedule, j.Reconcile)
		if j.JQL != "" {
			line("          filter: %s", j.JQL)
		}
	} else {
		line("jira:     off")
	}
	if g := c.GitHub; g != nil {
		auth := "token"
		if g.App.IsSet() {
			auth = fmt.Sprintf("app %d, installation %d", g.App.AppID, g.App.InstallationID)
		}
		line("github:   %s (%s auth), repos %s", redactURL(g.URL), auth, joinNames(g.Repos))
		line("          sync %q, reconcile %q", g.Schedule, g.Reconcile)
	} else {
		line("github:   off")
	}
	if len(c.Teams) > 0 {
		names := make([]string, len(c.Teams))
		for i, t := range c.Teams {
			names[i] = t.Name
		}
		line("teams:    %s", strings.Join(names, ", "))
	}

	line("programs: %d", len(c.Programs))
	for _, p := range c.Programs {
		line("  %s: %d milestone%s", p.Name, len(p.Milestones), plural(len(p.Milestones)))
		for _, m := range p.Milestones {
			when := ""
			if !m.Due.IsZero() {
				when = " (due " + m.Due.String() + ")"
			}
			line("    %s%s: %s", m.Name, when, sources(m))
		}
	}

	pages := fmt.Sprintf("pages:    %s, schedule %q", c.Pages.OutDir, c.Pages.Schedule)
	if cf := c.Pages.Confluence; cf != nil {
		pages += fmt.Sprintf(", Confluence space %s at %s", cf.Space, redactURL(cf.URL))
	}
	line("%s", pages)
	return b.String()
}

// sources lists the sources of a milestone in one line.
func sources(m Milestone) string {
	var parts []string
	add := func(what string, list []string) {
		if len(list) > 0 {
			parts = append(parts, what+" "+joinNames(list))
		}
	}
	add("jira fix versions", m.Jira.FixVersions)
	add("jira epics", m.Jira.Epics)
	add("jira labels", m.Jira.Labels)
	add("jira components", m.Jira.Components)
	add("github milestones", m.GitHub.Milestones)
	add("github labels", m.GitHub.Labels)
	add("github repos", m.GitHub.Repos)
	if len(parts) == 0 {
		return "no sources"
	}
	return strings.Join(parts, "; ")
}

// joinNames joins names with commas, quoting those with spaces or commas.
func joinNames(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s
		if s == "" || strings.ContainsAny(s, " ,;\"") {
			out[i] = quote(s)
		}
	}
	return strings.Join(out, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// redactURL hides the password of a URL (Validate rejects credentials in URLs anyway).
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}
