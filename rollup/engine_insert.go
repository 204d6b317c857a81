package rollup

import (
	"slices"

	"github.com/cairn-dev/cairn/store"
)

// insertJira patches into the world the Jira issues appended to the issue table (rows from
// b.nRows on: new issues, whose ids are the highest, the usual case), as a rebuild would place
// them: their items go after the last Jira item, before the PR and GitHub issue items, whose
// indexes every list and index shifts; the milestones their sources name get their members
// again (the caller regroups). It marks the new items (and the items a link from a new key
// blocks) in dt, or returns a reason to rebuild instead, before changing anything, when the
// new rows change more than their own items (a PR carries a new key, an older sub-task's
// parent arrives, a team is new).
func (k *kept) insertJira(d *store.RollupData, b *before, dt *dirty) string {
	w, c, t := k.c.w, k.c, d.Table
	// Checks first: nothing is changed before the insertion is known to be exact.
	newKeys := map[string]bool{}
	for r := b.nRows; r < len(t.Rows); r++ {
		newKeys[t.Rows[r].Key] = true
	}
	for _, l := range d.PRLinks {
		if newKeys[l.IssueKey] {
			return "a new Jira issue's key is carried by a pull request"
		}
	}
	for r := range b.nRows { // an older sub-task whose parent arrives maps to it now
		if is := &t.Rows[r]; is.Subtask && newKeys[t.Str(is.ParentKey)] {
			return "a new Jira issue is an older sub-task's parent"
		}
	}
	var fresh []item
	var rows []int
	for r := b.nRows; r < len(t.Rows); r++ {
		is := &t.Rows[r]
		if is.Subtask {
			continue
		}
		it := w.jiraItem(is, int32(r))
		if _, ok := k.teamIdx[it.team]; !ok {
			return "a new Jira issue of a new team"
		}
		fresh = append(fresh, it)
		rows = append(rows, r)
	}
	jira := int32(len(w.items) - k.nonJira())
	kk := int32(len(fresh))
	shift := func(list []int32) {
		for x, i := range list {
			if i >= jira {
				list[x] = i + kk
			}
		}
	}

	// The items, and every index of a PR or GitHub issue item shifted past them.
	w.items = slices.Insert(w.items, int(jira), fresh...)
	shift(w.prItem)
	for _, m := range []map[string][]int32{w.ghMilestone, w.ghLabel, w.repoItems} {
		for _, list := range m {
			shift(list)
		}
	}
	for _, list := range k.members {
		shift(list)
	}
	for _, list := range k.teamItems {
		shift(list)
	}
	k.ghBase += int(kk)
	// The new items in the key, version and epic indexes (after every other Jira item: the
	// lists stay in index order), and in their teams' lists.
	added := make([]int32, 0, kk)
	for x := range fresh {
		i := jira + int32(x)
		added = append(added, i)
		it := &w.items[i]
		is := &t.Rows[rows[x]]
		w.byKey[it.key] = i
		for _, v := range w.iss.VersionIDs(is) {
			w.versionItems[v] = append(w.versionItems[v], i)
		}
		epic, parent := w.iss.Str(is.EpicKey), w.iss.Str(is.ParentKey)
		if epic != "" {
			w.epicItems[epic] = append(w.epicItems[epic], i)
		}
		if parent != "" && parent != epic {
			w.epicItems[parent] = append(w.epicItems[parent], i)
		}
		ti := k.teamIdx[it.team]
		list := k.teamItems[ti]
		at, _ := slices.BinarySearch(list, i)
		k.teamItems[ti] = slices.Insert(list, at, i)
		if cr := it.created(); !cr.IsZero() && (c.teamFirst[it.team].IsZero() || cr.Before(c.teamFirst[it.team])) {
			c.teamFirst[it.team] = cr
			dt.tpForce = append(dt.tpForce, it.team)
		}
		dt.items[i], dt.teams[it.team] = true, true
	}
	// New sub-tasks map to their parent chain's item, as newWorld resolves them (a chain of
	// new sub-tasks too: resolved in passes).
	for range 16 {
		progress := false
		for r := b.nRows; r < len(t.Rows); r++ {
			is := &t.Rows[r]
			if !is.Subtask {
				continue
			}
			if _, done := w.byKey[is.Key]; done {
				continue
			}
			if j, ok := w.byKey[t.Str(is.ParentKey)]; ok {
				w.byKey[is.Key] = j
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	// The milestones whose sources name a new item: their members again.
	stamp := make([]int32, len(w.items))
	for g, ms := range k.specs {
		if k.names(ms, added) {
			k.members[g] = w.members(ms, stamp, int32(g+1))
		}
	}
	// A link from a new key blocks anew.
	for _, l := range d.Links {
		if newKeys[l.FromKey] {
			if j, ok := w.byKey[l.ToKey]; ok {
				dt.items[j] = true
			}
		}
	}
	return ""
}

// regroup indexes the items' milestones and the programs' items and PRs again, after items
// were inserted (their indexes moved) or a milestone's members changed.
func (k *kept) regroup() {
	c := k.c
	c.firstMs, c.moreMs = make([]int32, len(c.w.items)), map[int32][]int32{}
	for g, list := range k.members {
		for _, i := range list {
			if c.firstMs[i] == 0 {
				c.firstMs[i] = int32(g + 1)
			} else {
				c.moreMs[i] = append(c.moreMs[i], int32(g))
			}
		}
	}
	k.progItems, k.progPRs = c.programGroups(k.members)
}

// nonJira counts the PR and GitHub issue items.
func (k *kept) nonJira() int {
	n := 0
	for i := len(k.c.w.items) - 1; i >= 0 && k.c.w.items[i].issue < 0; i-- {
		n++
	}
	return n
}

// names reports whether milestone ms's Jira sources (fix versions, epics, labels, components)
// take any of the items.
func (k *kept) names(ms *MilestoneSpec, items []int32) bool {
	w := k.c.w
	for _, i := range items {
		is := &w.iss.Rows[w.items[i].issue]
		for _, v := range w.data.Versions {
			if slices.Contains(ms.FixVersions, v.Name) && slices.Contains(w.iss.VersionIDs(is), v.ID) {
				return true
			}
		}
		if slices.Contains(ms.Epics, w.iss.Str(is.EpicKey)) || slices.Contains(ms.Epics, w.iss.Str(is.ParentKey)) ||
			anyIn(w.iss.Lists[is.Labels], ms.Labels) || anyIn(w.iss.Lists[is.Components], ms.Components) {
			return true
		}
	}
	return false
}
