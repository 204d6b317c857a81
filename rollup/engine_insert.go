package rollup

import (
	"slices"
	"sort"

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
	pos := make([]int32, kk)
	for x := range pos {
		pos[x] = jira + int32(x)
	}
	k.shiftGroups(newShifter(pos), nil)
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
			k.rgMs = append(k.rgMs, g)
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

// shiftGroups moves the items' milestone index and the programs' items and PRs along with
// an insertion (items and prs: where new items and PRs went; the items may also have been
// appended to): the new items are in no milestone yet (regroup adds them).
func (k *kept) shiftGroups(items, prs shifter) {
	c := k.c
	first := make([]int32, len(c.w.items))
	if len(items) == 0 {
		copy(first, c.firstMs)
	} else {
		for o, g := range c.firstMs {
			first[items.at(int32(o))] = g
		}
		more := make(map[int32][]int32, len(c.moreMs))
		for i, list := range c.moreMs {
			more[items.at(i)] = list
		}
		c.moreMs = more
	}
	c.firstMs = first
	for _, list := range k.progItems {
		items.list(list)
	}
	for _, list := range k.progPRs {
		prs.list(list)
	}
}

// regroup brings the items' milestone index and the programs' items and PRs up to date after
// new rows were inserted (and shiftGroups moved them): the milestones whose members were
// computed again (rgMs: members only grow) add themselves to their items' lists, and the
// programs of those milestones, and of the items whose PR lists grew (rgItems), group their
// items and PRs again.
func (k *kept) regroup() {
	c := k.c
	slices.Sort(k.rgMs)
	k.rgMs = slices.Compact(k.rgMs)
	progs := make([]bool, len(k.progItems))
	for _, g := range k.rgMs {
		progs[k.progOf[g]] = true
		for _, i := range k.members[g] {
			k.addMilestone(i, int32(g))
		}
	}
	for _, i := range k.rgItems {
		for _, g := range c.milestonesOf(i) {
			progs[k.progOf[g]] = true
		}
	}
	var stamp []int32
	g := 0
	for pi, ps := range c.spec.Programs {
		if progs[pi] {
			if stamp == nil {
				stamp = make([]int32, len(c.w.items))
			}
			k.progItems[pi], k.progPRs[pi] = c.programGroup(k.members[g:g+len(ps.Milestones)], stamp, int32(pi+1))
		}
		g += len(ps.Milestones)
	}
	k.rgMs, k.rgItems = nil, nil
}

// addMilestone adds global milestone g to item i's milestones (firstMs, moreMs: ascending).
func (k *kept) addMilestone(i, g int32) {
	c := k.c
	if c.firstMs[i] == 0 {
		c.firstMs[i] = g + 1
		return
	}
	list := c.milestonesOf(i)
	if slices.Contains(list, g) {
		return
	}
	list = append(list, g)
	slices.Sort(list)
	c.firstMs[i] = list[0] + 1
	c.moreMs[i] = list[1:]
}

// nonJira counts the PR and GitHub issue items (they follow every Jira item).
func (k *kept) nonJira() int {
	items := k.c.w.items
	return len(items) - sort.Search(len(items), func(i int) bool { return items[i].issue < 0 })
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
