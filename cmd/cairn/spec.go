package main

import (
	"time"

	"github.com/cairn-dev/cairn/config"
	"github.com/cairn-dev/cairn/rollup"
)

// rollupSpec turns the programs, teams and rollup sections of the config into the rollup's
// own description, so the rollup never imports config.
func rollupSpec(cfg *config.Config) rollup.Spec {
	spec := rollup.Spec{
		Trials:          cfg.Rollup.Trials,
		HistoryWeeks:    cfg.Rollup.HistoryWeeks,
		StaleDays:       cfg.Rollup.StaleDays,
		ReviewWaitHours: cfg.Rollup.ReviewWaitHours,
		Thresholds:      rollup.DefaultThresholds(),
	}
	t := cfg.Rollup.Thresholds
	if t.RedOnTime != 0 {
		spec.Thresholds.RedOnTime = t.RedOnTime
	}
	if t.AmberOnTime != 0 {
		spec.Thresholds.AmberOnTime = t.AmberOnTime
	}
	if t.StalledDays != 0 {
		spec.Thresholds.StalledDays = t.StalledDays
	}
	if t.ScopeGrowthWeek != 0 {
		spec.Thresholds.ScopeGrowthWeek = t.ScopeGrowthWeek
	}
	if t.StaleDataHours != 0 {
		spec.Thresholds.StaleDataHours = t.StaleDataHours
	}
	for _, tm := range cfg.Teams {
		spec.Teams = append(spec.Teams, rollup.TeamSpec{Name: tm.Name, JiraProjects: tm.JiraProjects, Repos: tm.Repos})
	}
	for _, p := range cfg.Programs {
		ps := rollup.ProgramSpec{Name: p.Name}
		for _, m := range p.Milestones {
			ms := rollup.MilestoneSpec{
				Name:             m.Name,
				FixVersions:      m.Jira.FixVersions,
				Epics:            m.Jira.Epics,
				Labels:           m.Jira.Labels,
				Components:       m.Jira.Components,
				GitHubMilestones: m.GitHub.Milestones,
				GitHubLabels:     m.GitHub.Labels,
				Repos:            m.GitHub.Repos,
			}
			// Days are calendar days of the config's time zone; the rollup works on UTC days.
			if !m.Due.IsZero() {
				ms.Due = m.Due.In(time.UTC)
			}
			if !m.Baseline.IsZero() {
				ms.Baseline = m.Baseline.In(time.UTC)
			}
			ps.Milestones = append(ps.Milestones, ms)
		}
		spec.Programs = append(spec.Programs, ps)
	}
	return spec
}
