package rollup

import (
	"cmp"
	"slices"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// before is what the rows a change list names looked like before the patch: what the world's
// items, memberships and indexes were built from.
type before struct {
	issues  map[int64]int // Jira issue id → row (absent: no row)
	rows    map[int64]store.IssueRow
	links   []cairn.IssueLink
	prs     map[store.PRRef]int
	prRows  map[store.PRRef]store.RollupPR
	prKeys  map[store.PRRef][]string
	gh      map[int64]int
	ghRows  map[int64]store.RollupGitHubIssue
	nRows   int
	nPRs    int
	nGH     int
	version []store.RollupVersion
}

// takeBefore records the rows of ch as d holds them (before PatchRollup). The issue table
// keeps a replaced row's ranges in its flat arrays, so a copied row stays readable.
func takeBefore(d *store.RollupData, ch store.RollupChanges) *before {
	t := d.Table
	b := &before{issues: map[int64]int{}, rows: map[int64]store.IssueRow{}, prs: map[store.PRRef]int{},
		prRows: map[store.PRRef]store.RollupPR{}, prKeys: map[store.PRRef][]string{}, gh: map[int64]int{},
		ghRows: map[int64]store.RollupGitHubIssue{}, nRows: len(t.Rows), nPRs: len(d.PRs), nGH: len(d.GitHubIssues),
		version: slices.Clone(d.Versions)}
	for _, id := range ch.Issues {
		if k := t.Index(id); k >= 0 {
			b.issues[id], b.rows[id] = k, t.Rows[k]
		}
	}
	for _, id := range ch.Links {
		if l, ok := linkByID(d.Links, id); ok {
			b.links = append(b.links, l)
		}
	}
	for _, r := range ch.PRs {
		if k := d.PRIndex(r.Repo, r.Number); k >= 0 {
			b.prs[r], b.prRows[r] = k, d.PRs[k]
		}
	}
	b.prKeys = prKeysOf(d, ch.PRs)
	for _, id := range ch.GitHubIssues {
		if k := d.GitHubIssueIndex(id); k >= 0 {
			b.gh[id], b.ghRows[id] = k, d.GitHubIssues[k]
		}
	}
	return b
}

func linkByID(links []cairn.IssueLink, id int64) (cairn.IssueLink, bool) {
	k, ok := slices.BinarySearchFunc(links, id, func(l cairn.IssueLink, id int64) int { return cmp.Compare(l.ID, id) })
	if !ok {
		return cairn.IssueLink{}, false
	}
	return links[k], true
}

// prKeysOf returns the Jira keys each of refs carries, sorted.
func prKeysOf(d *store.RollupData, refs []store.PRRef) map[store.PRRef][]string {
	out := make(map[store.PRRef][]string, len(refs))
	if len(refs) == 0 {
		return out
	}
	want := make(map[store.PRRef]bool, len(refs))
	for _, r := range refs {
		want[r] = true
	}
	for _, l := range d.PRLinks {
		if r := (store.PRRef{Repo: l.Repo, Number: l.Number}); want[r] {
			out[r] = append(out[r], l.IssueKey)
		}
	}
	for r, keys := range out {
		slices.Sort(keys)
		out[r] = slices.Compact(keys)
	}
	return out
}

// apply brings the world up to date with the patched data d for the changes ch (b: the rows
// before), patching the changed items in place and inserting new rows (insertJira, insertPRs,
// appendGitHubIssues), and returns what changed. It returns a reason instead when the change
// reaches the world's structure (rows removed or inserted out of order, a key, parent, epic,
// project, fix version, label, component, GitHub milestone or a PR's Jira key changed): then
// the world must be rebuilt.
func (k *kept) apply(d *store.RollupData, b *before, ch store.RollupChanges) (*dirty, string) {
	w := k.c.w
	t := d.Table
	if len(t.Rows) < b.nRows || len(d.PRs) < b.nPRs || len(d.GitHubIssues) < b.nGH {
		return nil, "rows removed"
	}
	if !slices.EqualFunc(b.version, d.Versions, func(x, y store.RollupVersion) bool { return x.ID == y.ID && x.Name == y.Name }) {
		return nil, "versions changed"
	}
	dt := newDirty()
	type jiraEdit struct {
		row  int
		item int32
	}
	var edits []jiraEdit
	appended := 0
	for _, id := range ch.Issues {
		old, had := b.issues[id]
		now := t.Index(id)
		if !had && now < 0 {
			continue // never seen (deleted before it was loaded)
		}
		if !had && now >= b.nRows {
			appended++ // a new issue after every other: inserted below
			continue
		}
		if !had || now != old {
			return nil, "Jira issues removed or inserted before others"
		}
		o, r := b.rows[id], &t.Rows[now]
		if o.Key != r.Key || o.Subtask != r.Subtask || o.ParentKey != r.ParentKey || o.EpicKey != r.EpicKey ||
			o.Project != r.Project || o.Labels != r.Labels || o.Components != r.Components ||
			o.Created != r.Created || !slices.Equal(t.VersionIDs(&o), t.VersionIDs(r)) {
			return nil, "a Jira issue's key, parent, epic, project, fix versions, labels or components changed"
		}
		j, ok := w.byKey[r.Key]
		if !ok {
			return nil, "a Jira issue without an item"
		}
		if !r.Subtask {
			edits = append(edits, jiraEdit{now, j})
		}
		dt.items[j] = true // a sub-task's parent too: harmless
	}
	for _, id := range ch.Links {
		if l, ok := linkByID(d.Links, id); ok {
			b.links = append(b.links, l)
		}
	}
	// New pull requests (inserted below): every other PR moves up past them.
	var newPRs []int32
	for _, r := range ch.PRs {
		if _, had := b.prs[r]; !had {
			if now := d.PRIndex(r.Repo, r.Number); now >= 0 {
				newPRs = append(newPRs, int32(now))
			}
		}
	}
	slices.Sort(newPRs)
	if len(d.PRs) != b.nPRs+len(newPRs) {
		return nil, "pull requests removed"
	}
	prShift := newShifter(newPRs)
	for _, r := range ch.PRs {
		old, had := b.prs[r]
		now := d.PRIndex(r.Repo, r.Number)
		if !had {
			continue
		}
		if now < 0 || now != int(prShift.at(int32(old))) {
			return nil, "pull requests removed"
		}
		o, p := b.prRows[r], &d.PRs[now]
		abandoned := func(p *store.RollupPR) bool { return p.Merged.IsZero() && p.State == "closed" }
		if o.Milestone != p.Milestone || !slices.Equal(o.Labels, p.Labels) || !o.Created.Equal(p.Created) ||
			abandoned(&o) != abandoned(p) {
			return nil, "a pull request's milestone, labels or state of abandon changed"
		}
	}
	keysNow := prKeysOf(d, ch.PRs)
	for _, r := range ch.PRs {
		if _, had := b.prs[r]; had && !slices.Equal(b.prKeys[r], keysNow[r]) {
			return nil, "a pull request's Jira keys changed"
		}
	}
	newGH := 0
	for _, id := range ch.GitHubIssues {
		old, had := b.gh[id]
		now := d.GitHubIssueIndex(id)
		if !had && now < 0 {
			continue
		}
		if !had && now >= b.nGH {
			newGH++ // a new issue after every other: appended below
			continue
		}
		if !had || now != old {
			return nil, "GitHub issues added or removed"
		}
		o, g := b.ghRows[id], &d.GitHubIssues[now]
		if o.Repo != g.Repo || o.Milestone != g.Milestone || !slices.Equal(o.Labels, g.Labels) || !o.Created.Equal(g.Created) {
			return nil, "a GitHub issue's milestone or labels changed"
		}
	}

	if appended != len(t.Rows)-b.nRows || newGH != len(d.GitHubIssues)-b.nGH {
		return nil, "Jira issues removed or inserted before others"
	}
	// Nothing structural: patch the items in place (new rows inserted first, where a rebuild
	// puts them: new Jira issues after the Jira items, new PRs among the PR items, new GitHub
	// issues last).
	// Every check before the first change: a rebuild carries results over from this world.
	if why := k.newRowsTeams(d, newPRs, b.nGH); why != "" {
		return nil, why
	}
	if appended > 0 {
		if why := k.insertJira(d, b, dt); why != "" {
			return nil, why
		}
	}
	if len(newPRs) > 0 {
		k.insertPRs(d, newPRs, dt)
	}
	if len(d.GitHubIssues) > b.nGH {
		k.appendGitHubIssues(d, b.nGH, dt)
	}
	if appended > 0 || len(newPRs) > 0 || len(d.GitHubIssues) > b.nGH {
		k.regroup()
	}
	for _, e := range edits {
		it := &w.items[e.item]
		prs := it.prs
		*it = w.jiraItem(&t.Rows[e.row], int32(e.row))
		it.prs = prs
		dt.teams[it.team] = true
	}
	for _, r := range ch.PRs {
		p := d.PRIndex(r.Repo, r.Number)
		if p < 0 {
			continue
		}
		pr := &d.PRs[p]
		dt.teams[w.repoTeam(pr.Repo)] = true
		j := w.prItem[p]
		if j < 0 {
			continue
		}
		dt.items[j] = true
		if it := &w.items[j]; it.pr == int32(p) {
			setPRItem(it, pr)
			dt.teams[it.team] = true
		}
	}
	for _, id := range ch.GitHubIssues {
		g := d.GitHubIssueIndex(id)
		if g < 0 {
			continue
		}
		j := int32(k.ghBase + g)
		setGitHubItem(&w.items[j], &d.GitHubIssues[g])
		dt.items[j] = true
		dt.teams[w.items[j].team] = true
	}
	if len(ch.Links) > 0 {
		// A link makes its blocked item's milestones out of date (the blocking item's are not:
		// they do not read the link).
		for _, l := range b.links {
			if j, ok := w.byKey[l.ToKey]; ok {
				dt.items[j] = true
			}
		}
		w.blockedBy = make(map[string][]int32, len(w.blockedBy))
		for i, l := range d.Links {
			w.blockedBy[l.ToKey] = append(w.blockedBy[l.ToKey], int32(i))
		}
	}
	return dt, ""
}

// setPRItem sets a PR item's state from its PR (as addPRs builds it).
func setPRItem(it *item, p *store.RollupPR) {
	it.cat = codeIndeterminate
	it.setCreated(p.Created)
	it.setStarted(p.Created)
	it.setSince(p.Created)
	it.setDone(time.Time{})
	if !p.Merged.IsZero() {
		it.cat = codeDone
		it.setDone(p.Merged)
		it.setSince(p.Merged)
	}
}

// setGitHubItem sets a GitHub issue item's state from its issue (as newWorld builds it).
func setGitHubItem(it *item, g *store.RollupGitHubIssue) {
	it.cat = codeNew
	it.setCreated(g.Created)
	it.setStarted(time.Time{})
	it.setSince(g.Created)
	it.setDone(time.Time{})
	if g.State == "closed" {
		it.cat = codeDone
		it.setDone(g.Closed)
		it.setSince(g.Closed)
	}
}

// carry moves old's results over to k, a world just rebuilt from the patched data, when only
// Jira issues came or went (pull requests and GitHub issues kept their places): a team's or
// program's flow and a milestone's result carry over when its items are the same items, in the
// same order, none of them changed (by the change list, or by a PR moving to or from it), and
// for a milestone none of the blocking items it read did. It returns what remains dirty, or
// all when it cannot tell.
func (k *kept) carry(old *kept, b *before, ch store.RollupChanges) *dirty {
	w, ow := k.c.w, old.c.w
	d := w.data
	if len(d.PRs) != b.nPRs || len(d.GitHubIssues) != b.nGH || len(old.members) != len(k.members) ||
		!slices.EqualFunc(b.version, d.Versions, func(x, y store.RollupVersion) bool { return x.ID == y.ID && x.Name == y.Name }) {
		return &dirty{all: true}
	}
	for _, r := range ch.PRs { // a PR's place and membership keys must not have moved
		if o, had := b.prs[r]; had != (d.PRIndex(r.Repo, r.Number) >= 0) || (had && o != d.PRIndex(r.Repo, r.Number)) {
			return &dirty{all: true}
		}
		if o, p := b.prRows[r], d.PRIndex(r.Repo, r.Number); p >= 0 && (o.Milestone != d.PRs[p].Milestone ||
			!slices.Equal(o.Labels, d.PRs[p].Labels)) {
			return &dirty{all: true}
		}
	}
	for _, id := range ch.GitHubIssues {
		if o, had := b.gh[id]; had != (d.GitHubIssueIndex(id) >= 0) || (had && o != d.GitHubIssueIndex(id)) {
			return &dirty{all: true}
		}
	}
	// The old item of each new one (-1: none), and the new items that changed.
	n := len(w.items)
	prev := make([]int32, n)
	changed := make([]bool, n)
	for i := range w.items {
		it := &w.items[i]
		j := int32(-1)
		switch {
		case it.issue >= 0:
			if o, ok := ow.byKey[it.key]; ok && ow.items[o].issue >= 0 && ow.items[o].key == it.key {
				j = o
			}
		case it.pr >= 0:
			if o := ow.prItem[it.pr]; o >= 0 && ow.items[o].pr == it.pr {
				j = o
			}
		default:
			j = int32(old.ghBase) + it.gh
		}
		prev[i] = j
		changed[i] = j < 0 || !slices.Equal(ow.items[j].prs, it.prs)
	}
	mark := func(key string) {
		if i, ok := w.byKey[key]; ok {
			changed[i] = true
		}
	}
	keys := map[string]bool{} // Jira keys that came, went or changed: links from them block anew
	for id, r := range b.rows {
		keys[r.Key] = true
		_ = id
	}
	for _, id := range ch.Issues {
		if i := d.Table.Index(id); i >= 0 {
			keys[d.Table.Rows[i].Key] = true
			mark(d.Table.Rows[i].Key)
		}
	}
	for _, l := range b.links {
		mark(l.ToKey)
	}
	for _, l := range d.Links {
		if keys[l.FromKey] {
			mark(l.ToKey)
		}
	}
	for _, r := range ch.PRs {
		if p := d.PRIndex(r.Repo, r.Number); p >= 0 && w.prItem[p] >= 0 {
			changed[w.prItem[p]] = true
		}
	}
	for _, id := range ch.GitHubIssues {
		if g := d.GitHubIssueIndex(id); g >= 0 {
			changed[k.ghBase+g] = true
		}
	}
	same := func(items, oldItems []int32) bool {
		if len(items) != len(oldItems) {
			return false
		}
		for x, i := range items {
			if changed[i] || prev[i] != oldItems[x] {
				return false
			}
		}
		return true
	}

	dt := newDirty()
	for i := range changed {
		if changed[i] {
			dt.items[int32(i)] = true
		}
	}
	dt.msForce, dt.progForce = make([]bool, len(k.members)), make([]bool, len(k.progFlow))
	prTeams := map[string]bool{} // a changed PR is in its repo team's PRs, whatever item it is in (or none)
	for _, r := range ch.PRs {
		prTeams[w.repoTeam(r.Repo)] = true
	}
	for t, name := range k.teams {
		ot, ok := old.teamIdx[name]
		if ok {
			// The old throughput: update compares the new with it.
			k.c.teamTP[name] = old.c.teamTP[name]
		}
		if !ok || !k.c.teamFirst[name].Equal(old.c.teamFirst[name]) {
			dt.tpForce = append(dt.tpForce, name)
		}
		if !ok || prTeams[name] || !same(k.teamItems[t], old.teamItems[ot]) || !slices.Equal(k.teamPRs[t], old.teamPRs[ot]) {
			dt.teams[name] = true
			continue
		}
		k.teamFlow[t], k.teamExp[t] = old.teamFlow[ot], old.teamExp[ot]
		k.c.teamTP[name] = old.c.teamTP[name]
	}
	for pi := range k.progFlow {
		if !same(k.progItems[pi], old.progItems[pi]) || !slices.Equal(k.progPRs[pi], old.progPRs[pi]) {
			dt.progForce[pi] = true
			continue
		}
		k.progFlow[pi], k.progExp[pi] = old.progFlow[pi], old.progExp[pi]
		k.progBlockers[pi], k.progDeps[pi] = old.progBlockers[pi], old.progDeps[pi]
	}
	for g := range k.members {
		res := old.ms[g]
		ok := same(k.members[g], old.members[g])
		deps := make([]int32, 0, len(res.deps))
		for _, o := range res.deps {
			i, found := w.byKey[ow.items[o].key]
			if !ok || !found || changed[i] || prev[i] != o {
				ok = false
				break
			}
			deps = append(deps, i)
		}
		if !ok {
			dt.msForce[g] = true
			continue
		}
		slices.Sort(deps)
		res.deps = deps
		k.ms[g], k.final[g] = res, old.final[g]
	}
	k.sprints, k.fresh = old.sprints, false
	return dt
}
