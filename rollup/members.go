package rollup

import (
	"slices"
	"time"
)

// members returns the items of milestone ms, sorted and without duplicates: the union of its
// Jira fix versions, epics (their children), labels and components, and its GitHub milestones,
// labels and repos (every PR of the repo: the Jira item it carries, or the PR itself). The
// stamp slice (one int32 per item, reused across calls) marks items already taken.
func (w *world) members(ms *MilestoneSpec, stamp []int32, id int32) []int32 {
	var out []int32
	add := func(list []int32) {
		for _, i := range list {
			if stamp[i] != id {
				stamp[i] = id
				out = append(out, i)
			}
		}
	}
	if len(ms.FixVersions) > 0 {
		for _, v := range w.data.Versions {
			if slices.Contains(ms.FixVersions, v.Name) {
				add(w.versionItems[v.ID])
			}
		}
	}
	for _, e := range ms.Epics {
		add(w.epicItems[e])
	}
	if len(ms.Labels)+len(ms.Components) > 0 {
		for i := range w.items {
			it := &w.items[i]
			if it.issue < 0 || stamp[i] == id {
				continue
			}
			is := &w.iss.Rows[it.issue]
			if anyIn(w.iss.Lists[is.Labels], ms.Labels) || anyIn(w.iss.Lists[is.Components], ms.Components) {
				add([]int32{int32(i)})
			}
		}
	}
	for _, m := range ms.GitHubMilestones {
		add(w.ghMilestone[m])
	}
	for _, l := range ms.GitHubLabels {
		add(w.ghLabel[l])
	}
	for _, r := range ms.Repos {
		add(w.repoItems[r])
	}
	slices.Sort(out)
	return out
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		if slices.Contains(want, h) {
			return true
		}
	}
	return false
}

// due returns the milestone's due day and where it came from: the config, else the latest
// release date of its Jira versions, else the latest due_on of its GitHub milestones.
func (w *world) due(ms *MilestoneSpec) (time.Time, string) {
	if !ms.Due.IsZero() {
		return ms.Due, DueFromConfig
	}
	var best time.Time
	for _, v := range w.data.Versions {
		if slices.Contains(ms.FixVersions, v.Name) && v.ReleaseDate.After(best) {
			best = v.ReleaseDate
		}
	}
	if !best.IsZero() {
		return best, DueFromJiraVersion
	}
	for _, m := range w.data.Milestones {
		if slices.Contains(ms.GitHubMilestones, m.Repo+":"+m.Title) && m.DueOn.After(best) {
			best = m.DueOn
		}
	}
	if !best.IsZero() {
		return best, DueFromGitHubMilestone
	}
	return time.Time{}, DueNone
}
