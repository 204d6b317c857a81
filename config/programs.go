package config

import (
	"fmt"
	"strings"
)

// programs checks the programs, their milestones, and that every Jira project and GitHub
// repository a milestone refers to is in the scope of the jira and github sections.
func (v *validator) programs() {
	c := v.c
	if len(c.Programs) == 0 && (c.Jira != nil || c.GitHub != nil) {
		v.add("programs", ErrRequired, "at least one program is required when jira or github is set", "")
	}
	names := map[string]string{}
	for i, prog := range c.Programs {
		p := fmt.Sprintf("programs[%d]", i)
		if v.required(p+".name", prog.Name) {
			v.firstUse(names, strings.ToLower(strings.TrimSpace(prog.Name)), p+".name", ErrDuplicateProgram, "program name", quote(prog.Name))
		}
		if len(prog.Milestones) == 0 {
			v.add(p+".milestones", ErrRequired, "at least one milestone is required", "")
		}
		milestones := map[string]string{}
		for k := range prog.Milestones {
			m := &prog.Milestones[k]
			mp := fmt.Sprintf("%s.milestones[%d]", p, k)
			if v.required(mp+".name", m.Name) {
				v.firstUse(milestones, strings.ToLower(strings.TrimSpace(m.Name)), mp+".name", ErrDuplicateMilestone, "milestone name in this program", quote(m.Name))
			}
			v.milestone(mp, m)
		}
	}
}

func (v *validator) milestone(mp string, m *Milestone) {
	if !m.Due.IsZero() && !m.Baseline.IsZero() && m.Due.Before(m.Baseline) {
		v.add(mp+".baseline", ErrInvalidDate, fmt.Sprintf("must not be after due (%s)", m.Due), quote(m.Baseline.String()))
	}
	if m.Jira.Empty() && m.GitHub.Empty() {
		v.add(mp, ErrNoSource, "names no source: set fix_versions, epics, labels or components under jira, or milestones, labels or repos under github", "")
	}
	if !m.Jira.Empty() {
		v.jiraSource(mp+".jira", &m.Jira)
	}
	if !m.GitHub.Empty() {
		v.githubSource(mp+".github", &m.GitHub)
	}
}

func (v *validator) jiraSource(jp string, s *JiraSource) {
	if v.c.Jira == nil {
		v.add(jp, ErrOutOfScope, "refers to Jira but there is no jira section", "")
		return
	}
	v.nonEmpty(jp+".fix_versions", s.FixVersions)
	v.nonEmpty(jp+".components", s.Components)
	for i, l := range s.Labels {
		p := fmt.Sprintf("%s.labels[%d]", jp, i)
		switch {
		case l == "":
			v.add(p, ErrRequired, "must not be empty", quote(l))
		case strings.ContainsAny(l, " \t"):
			v.add(p, ErrInvalidValue, "Jira labels cannot contain spaces", quote(l))
		}
	}
	for i, key := range s.Epics {
		p := fmt.Sprintf("%s.epics[%d]", jp, i)
		m := issueKeyRE.FindStringSubmatch(key)
		if m == nil {
			v.add(p, ErrInvalidIssueKey, "must be a Jira issue key like PAY-100", quote(key))
			continue
		}
		if !v.inJiraScope(m[1]) {
			v.add(p, ErrOutOfScope, fmt.Sprintf("project %s is not in jira.projects", m[1]), quote(key))
		}
	}
}

func (v *validator) githubSource(gp string, s *GitHubSource) {
	if v.c.GitHub == nil {
		v.add(gp, ErrOutOfScope, "refers to GitHub but there is no github section", "")
		return
	}
	refs := func(key, what string, list []string) {
		for i, ref := range list {
			p := fmt.Sprintf("%s.%s[%d]", gp, key, i)
			repo, rest, ok := SplitRepoRef(ref)
			if !ok || strings.TrimSpace(rest) == "" || !validRepo(repo, false) {
				v.add(p, ErrInvalidRepo, "must be owner/name:"+what, quote(ref))
				continue
			}
			if !v.c.GitHub.Covers(repo) {
				v.add(p, ErrOutOfScope, fmt.Sprintf("repository %s is not in github.repos", repo), quote(ref))
			}
		}
	}
	refs("milestones", "milestone title", s.Milestones)
	refs("labels", "label", s.Labels)
	for i, repo := range s.Repos {
		v.repoInScope(fmt.Sprintf("%s.repos[%d]", gp, i), repo, "must be owner/name", false)
	}
}

// projectInScope checks a Jira project key listed outside jira.projects; it returns whether
// the key is valid and in scope.
func (v *validator) projectInScope(path, key string) bool {
	switch {
	case !projectKeyRE.MatchString(key):
		v.add(path, ErrInvalidProjectKey, "must be a Jira project key like PAY (A-Z, 0-9, _)", quote(key))
	case v.c.Jira == nil:
		v.add(path, ErrOutOfScope, "refers to Jira but there is no jira section", quote(key))
	case !v.inJiraScope(key):
		v.add(path, ErrOutOfScope, "not in jira.projects", quote(key))
	default:
		return true
	}
	return false
}

// repoInScope checks a repository listed outside github.repos; it returns whether the
// repository is valid and in scope.
func (v *validator) repoInScope(path, repo, format string, wildcard bool) bool {
	switch {
	case !validRepo(repo, wildcard):
		v.add(path, ErrInvalidRepo, format, quote(repo))
	case v.c.GitHub == nil:
		v.add(path, ErrOutOfScope, "refers to GitHub but there is no github section", quote(repo))
	case !v.c.GitHub.Covers(repo):
		v.add(path, ErrOutOfScope, "not in github.repos", quote(repo))
	default:
		return true
	}
	return false
}

func (v *validator) inJiraScope(key string) bool {
	for _, p := range v.c.Jira.Projects {
		if p == key {
			return true
		}
	}
	return false
}

// nonEmpty reports the empty entries of a list.
func (v *validator) nonEmpty(path string, list []string) {
	for i, s := range list {
		if strings.TrimSpace(s) == "" {
			v.add(fmt.Sprintf("%s[%d]", path, i), ErrRequired, "must not be empty", quote(s))
		}
	}
}
