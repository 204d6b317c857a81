package rollup

import (
	"slices"
	"sort"
	"strconv"

	"github.com/cairn-dev/cairn/store"
)

// shifter maps the indexes of a list to those they have once new entries are inserted at the
// ascending final positions pos: an old index moves up by the new entries before it.
type shifter []int32 // pos[j] - j: non-decreasing

func newShifter(pos []int32) shifter {
	s := make(shifter, len(pos))
	for j, p := range pos {
		s[j] = p - int32(j)
	}
	return s
}

func (s shifter) at(o int32) int32 {
	if len(s) == 0 || o < s[0] {
		return o
	}
	return o + int32(sort.Search(len(s), func(j int) bool { return s[j] > o }))
}

func (s shifter) list(l []int32) {
	if len(s) == 0 {
		return
	}
	for x, o := range l {
		if o >= s[0] {
			l[x] = s.at(o)
		}
	}
}

// insertPRs patches into the world the pull requests new in d (newPRs: their indexes in
// d.PRs, ascending; every other PR kept its row), as a rebuild (addPRs) would place them:
// every PR index past one moves up (the items' PR lists, prItem, the teams' PRs); a PR that
// carries the key of a Jira item joins its PR list; another, not abandoned, gets an item of
// its own among the PR items, in PR order, every later item's index moving up; each goes into
// its repo's, GitHub milestone's and labels' lists where a rebuild lists it, and the
// milestones that name them get their members again (the caller regroups). It marks what
// changed in dt. (newRowsTeams checked that their teams exist.)
func (k *kept) insertPRs(d *store.RollupData, newPRs []int32, dt *dirty) {
	w, c := k.c.w, k.c
	refs := make([]store.PRRef, len(newPRs))
	for x, p := range newPRs {
		refs[x] = store.PRRef{Repo: d.PRs[p].Repo, Number: d.PRs[p].Number}
	}
	keys := prKeysOf(d, refs)
	const own = -2 // an item of its own
	target := make([]int32, len(newPRs))
	for x, p := range newPRs {
		target[x] = -1
		for _, key := range keys[refs[x]] {
			if j, ok := w.byKey[key]; ok {
				target[x] = j
				break
			}
		}
		if pr := &d.PRs[p]; target[x] < 0 && !(pr.Merged.IsZero() && pr.State == "closed") {
			target[x] = own
		}
	}

	// Where the new items go: after the PR items of lower PR indexes.
	prs := newShifter(newPRs)
	jira := int32(len(w.items) - k.nonJira())
	ghBase := int32(k.ghBase)
	var newItems []int32
	for x, p := range newPRs {
		if target[x] != own {
			continue
		}
		before := int32(sort.Search(int(ghBase-jira), func(i int) bool { return prs.at(w.items[jira+int32(i)].pr) > p }))
		target[x] = jira + before + int32(len(newItems))
		newItems = append(newItems, target[x])
	}
	items := newShifter(newItems)

	// The PR indexes of the items, then the items themselves moved up past the new ones. Only
	// the items of the PRs that move hold a PR index that moves: reached through prItem (an
	// item of several PRs once), not by a pass over every item.
	seen := make([]bool, len(w.items))
	for o := newPRs[0]; o < int32(len(w.prItem)); o++ {
		i := w.prItem[o]
		if i < 0 || seen[i] {
			continue
		}
		seen[i] = true
		it := &w.items[i]
		if it.pr >= 0 {
			it.pr = prs.at(it.pr)
		}
		prs.list(it.prs)
	}
	if kk := len(newItems); kk > 0 {
		n := len(w.items)
		w.items = slices.Grow(w.items, kk)[:n+kk]
		src, j := n-1, kk-1
		for dst := n + kk - 1; j >= 0; dst-- {
			if int32(dst) == newItems[j] {
				j--
				continue // filled below
			}
			w.items[dst] = w.items[src]
			src--
		}
		for x, p := range newPRs {
			if i := target[x]; i >= jira { // a new item (a Jira item's index is below)
				pr := &d.PRs[p]
				it := item{key: prKey(pr), team: w.repoTeam(pr.Repo), issue: -1, pr: p, gh: -1}
				setPRItem(&it, pr)
				w.items[i] = it
			}
		}
		k.ghBase += kk
	}
	prItem := make([]int32, len(d.PRs))
	for o, i := range w.prItem {
		prItem[prs.at(int32(o))] = items.at(i)
	}
	for x, p := range newPRs {
		prItem[p] = target[x]
	}
	w.prItem = prItem
	for _, m := range []map[string][]int32{w.ghMilestone, w.ghLabel, w.repoItems} {
		for _, list := range m {
			items.list(list)
		}
	}
	for _, list := range k.members {
		items.list(list)
	}
	for _, list := range k.teamItems {
		items.list(list)
	}
	for g := range k.ms {
		items.list(k.ms[g].deps)
	}
	for _, list := range k.teamPRs {
		prs.list(list)
	}
	k.shiftGroups(items, prs)

	// Each new PR in the lists a rebuild puts it in, in PR order (lower ones first: the counts
	// of the PRs before it hold).
	named := map[string]bool{}
	for x, p := range newPRs {
		pr := &d.PRs[p]
		team := w.repoTeam(pr.Repo)
		ti := k.teamIdx[team]
		k.teamPRs[ti] = insertSorted(k.teamPRs[ti], p)
		dt.teams[team] = true
		i := target[x]
		if i < 0 {
			continue // abandoned without a Jira item: no item, in no list
		}
		dt.items[i] = true
		if i < jira {
			it := &w.items[i]
			it.prs = insertSorted(it.prs, p)
			dt.teams[it.team] = true
			k.rgItems = append(k.rgItems, i)
		} else {
			it := &w.items[i]
			k.teamItems[ti] = insertSorted(k.teamItems[ti], i)
			if cr := it.created(); !cr.IsZero() && (c.teamFirst[team].IsZero() || cr.Before(c.teamFirst[team])) {
				c.teamFirst[team] = cr
				dt.tpForce = append(dt.tpForce, team)
			}
		}
		// The PRs of the same repo before it (contiguous: PRs are sorted by repo and number).
		inRepo, inMs := 0, 0
		inLabel := make([]int, len(pr.Labels))
		for q := int(p) - 1; q >= 0 && d.PRs[q].Repo == pr.Repo; q-- {
			if prItem[q] < 0 {
				continue
			}
			o := &d.PRs[q]
			inRepo++
			if pr.Milestone != "" && o.Milestone == pr.Milestone {
				inMs++
			}
			for li, l := range pr.Labels {
				for _, ol := range o.Labels {
					if ol == l {
						inLabel[li]++
					}
				}
			}
		}
		w.repoItems[pr.Repo] = slices.Insert(w.repoItems[pr.Repo], inRepo, i)
		named[pr.Repo] = true
		if pr.Milestone != "" {
			key := pr.Repo + ":" + pr.Milestone
			w.ghMilestone[key] = slices.Insert(w.ghMilestone[key], inMs, i)
			named[key] = true
		}
		for li, l := range pr.Labels {
			key := pr.Repo + ":" + l
			// A label listed twice is listed twice: after the PR's own earlier entries.
			w.ghLabel[key] = slices.Insert(w.ghLabel[key], inLabel[li]+countBefore(pr.Labels, li), i)
			named[key] = true
		}
	}
	k.remember(named, func(ms *MilestoneSpec) bool {
		return anyNamed(named, ms.Repos) || anyNamed(named, ms.GitHubMilestones) || anyNamed(named, ms.GitHubLabels)
	})
}

// newRowsTeams returns a reason to rebuild when a new PR or GitHub issue belongs to a team the
// world does not know (the teams' list would change), else "".
func (k *kept) newRowsTeams(d *store.RollupData, newPRs []int32, nGH int) string {
	w := k.c.w
	for _, p := range newPRs {
		if _, ok := k.teamIdx[w.repoTeam(d.PRs[p].Repo)]; !ok {
			return "a new pull request of a new team"
		}
	}
	for g := nGH; g < len(d.GitHubIssues); g++ {
		if _, ok := k.teamIdx[w.repoTeam(d.GitHubIssues[g].Repo)]; !ok {
			return "a new GitHub issue of a new team"
		}
	}
	return ""
}

// appendGitHubIssues patches into the world the GitHub issues appended to d.GitHubIssues (from
// index nGH on: new issues, whose ids are the highest), as a rebuild places them: items after
// every other, last in their GitHub milestone's and labels' lists; the milestones that name
// those get their members again (the caller regroups). (newRowsTeams checked that their teams
// exist.)
func (k *kept) appendGitHubIssues(d *store.RollupData, nGH int, dt *dirty) {
	w, c := k.c.w, k.c
	named := map[string]bool{}
	for g := nGH; g < len(d.GitHubIssues); g++ {
		gi := &d.GitHubIssues[g]
		it := item{key: gi.Repo + "#" + strconv.Itoa(gi.Number), team: w.repoTeam(gi.Repo), issue: -1, pr: -1, gh: int32(g)}
		setGitHubItem(&it, gi)
		i := int32(len(w.items))
		w.items = append(w.items, it)
		if gi.Milestone != "" {
			key := gi.Repo + ":" + gi.Milestone
			w.ghMilestone[key] = append(w.ghMilestone[key], i)
			named[key] = true
		}
		for _, l := range gi.Labels {
			key := gi.Repo + ":" + l
			w.ghLabel[key] = append(w.ghLabel[key], i)
			named[key] = true
		}
		ti := k.teamIdx[it.team]
		k.teamItems[ti] = append(k.teamItems[ti], i)
		if cr := it.created(); !cr.IsZero() && (c.teamFirst[it.team].IsZero() || cr.Before(c.teamFirst[it.team])) {
			c.teamFirst[it.team] = cr
			dt.tpForce = append(dt.tpForce, it.team)
		}
		dt.items[i], dt.teams[it.team] = true, true
	}
	k.shiftGroups(nil, nil)
	k.remember(named, func(ms *MilestoneSpec) bool {
		return anyNamed(named, ms.GitHubMilestones) || anyNamed(named, ms.GitHubLabels)
	})
}

// remember computes again the members of the milestones that names (a set of repos, GitHub
// milestones and labels a new item went into) says may have gained one.
func (k *kept) remember(named map[string]bool, names func(*MilestoneSpec) bool) {
	if len(named) == 0 {
		return
	}
	var stamp []int32
	for g, ms := range k.specs {
		if names(ms) {
			if stamp == nil {
				stamp = make([]int32, len(k.c.w.items))
			}
			k.members[g] = k.c.w.members(ms, stamp, int32(g+1))
			k.rgMs = append(k.rgMs, g)
		}
	}
}

func anyNamed(named map[string]bool, list []string) bool {
	for _, s := range list {
		if named[s] {
			return true
		}
	}
	return false
}

// countBefore counts the entries of list before index x equal to list[x].
func countBefore(list []string, x int) int {
	n := 0
	for _, s := range list[:x] {
		if s == list[x] {
			n++
		}
	}
	return n
}

// insertSorted inserts v into the ascending list (after any equal entry).
func insertSorted(list []int32, v int32) []int32 {
	at, _ := slices.BinarySearch(list, v+1)
	return slices.Insert(list, at, v)
}
