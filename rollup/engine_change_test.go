package rollup

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// changeCrossBlocker moves the issue that blocks another program's issue to another status
// and assignee: only the blocked issue's milestone reads it.
func (w *engineWorld) changeCrossBlocker() string {
	is := w.issues[w.crossBlocker]
	if is == nil {
		return "no cross-program blocker"
	}
	cat := []cairn.StatusCategory{cairn.CategoryNew, cairn.CategoryIndeterminate, cairn.CategoryDone}[w.pick(3)]
	w.setStatus(is, cat, w.asOf.Add(-time.Duration(w.pick(60))*time.Minute))
	is.Assignee = fmt.Sprintf("dev %d", w.pick(5))
	w.saveIssues(is)
	return "cross-program blocker " + is.Key + " to " + string(cat)
}

// change applies one random change through the store's write paths and says what it was.
func (w *engineWorld) change() string {
	ctx := context.Background()
	switch k := w.pick(20); k {
	case 16: // the blocking side of a link changes (status, assignee): the blocked item's milestones read it
		var from []string
		for _, is := range w.issues {
			for _, l := range is.Links {
				from = append(from, l.FromKey)
			}
		}
		if len(from) == 0 {
			return "no link"
		}
		slices.Sort(from)
		key := from[w.pick(len(from))]
		for _, is := range w.issues {
			if is.Key == key {
				cat := []cairn.StatusCategory{cairn.CategoryNew, cairn.CategoryIndeterminate, cairn.CategoryDone}[w.pick(3)]
				w.setStatus(is, cat, w.asOf.Add(-time.Duration(w.pick(60))*time.Minute))
				is.Assignee = fmt.Sprintf("dev %d", w.pick(5))
				w.saveIssues(is)
				return "blocking item " + key + " to " + string(cat)
			}
		}
		return "blocking item not synced"
	case 17: // a sub-task's status or summary
		for _, is := range w.sortedIssues() {
			if is.Subtask && w.pick(3) == 0 {
				w.setStatus(is, []cairn.StatusCategory{cairn.CategoryIndeterminate, cairn.CategoryDone}[w.pick(2)], w.asOf.Add(-time.Minute))
				is.Summary = fmt.Sprintf("sub %d", w.rng.Next()%100)
				w.saveIssues(is)
				return "sub-task " + is.Key
			}
		}
		return "no sub-task"
	case 18: // a PR that carries a Jira key is merged, reviewed or made a draft
		for _, id := range slices.Sorted(mapsKeysInt(w.prKeys)) {
			p := w.prs[id]
			if p == nil || p.State != "open" || w.pick(2) == 0 {
				continue
			}
			switch w.pick(3) {
			case 0:
				p.State, p.Closed, p.Merged = "closed", w.asOf.Add(-time.Minute), w.asOf.Add(-time.Minute)
			case 1:
				w.reviews[p.ID] = append(w.reviews[p.ID], cairn.Review{ID: p.ID*10 + int64(len(w.reviews[p.ID])) + 2, Repo: p.Repo,
					Number: p.Number, State: "APPROVED", SubmittedAt: w.asOf.Add(-time.Minute)})
			default:
				p.Draft = !p.Draft
			}
			p.Updated = w.asOf.Add(-time.Minute)
			w.savePR(p)
			return fmt.Sprintf("PR %s#%d of %s changed", p.Repo, p.Number, w.prKeys[id][0])
		}
		return "no open PR with a key"
	case 19: // an in-progress issue's title and assignee (its update time moves: no longer stale)
		for _, is := range w.sortedIssues() {
			if is.StatusCategory == cairn.CategoryIndeterminate && w.pick(4) == 0 {
				is.Summary, is.Assignee = fmt.Sprintf("retitled %d", w.rng.Next()%100), "dev 9"
				is.Updated = w.asOf.Add(-time.Duration(w.pick(30)) * time.Minute)
				w.saveIssues(is)
				return "edited " + is.Key
			}
		}
		return "none in progress"
	case 0, 1: // a status change
		is := w.anyIssue()
		cat := []cairn.StatusCategory{cairn.CategoryNew, cairn.CategoryIndeterminate, cairn.CategoryDone}[w.pick(3)]
		w.setStatus(is, cat, w.asOf.Add(-time.Duration(w.pick(120))*time.Minute))
		w.saveIssues(is)
		return "status of " + is.Key
	case 2: // fix version
		is := w.anyIssue()
		pi := int(is.ProjectKey[1] - '0')
		is.FixVersionIDs = []int64{int64(10 + 2*pi + w.pick(2))}
		if w.pick(3) == 0 {
			is.FixVersionIDs = nil
		}
		is.Updated = w.asOf.Add(-time.Minute)
		w.saveIssues(is)
		return "fix version of " + is.Key
	case 3: // epic or parent
		is, ep := w.anyIssue(), w.anyIssue()
		if is.Subtask {
			is.ParentKey = ep.Key
		} else if w.pick(2) == 0 {
			is.EpicKey = ep.Key
		} else {
			is.EpicKey = ""
		}
		is.Updated = w.asOf.Add(-time.Minute)
		w.saveIssues(is)
		return "epic or parent of " + is.Key
	case 4: // labels, points, flag, priority
		is := w.anyIssue()
		is.Labels = [][]string{nil, {"ux"}, {"perf", "ux"}}[w.pick(3)]
		is.Flagged = !is.Flagged
		is.Priority = []string{"", "Blocker"}[w.pick(2)]
		p := float64(w.pick(5))
		is.StoryPoints = &p
		w.saveIssues(is)
		return "fields of " + is.Key
	case 5: // a new issue
		is := w.newIssue([]string{"P0", "P1", "P2"}[w.pick(3)])
		w.issues[is.ID] = is
		w.saveIssues(is)
		return "new " + is.Key
	case 6: // a deleted issue
		is := w.anyIssue()
		delete(w.issues, is.ID)
		if _, err := w.db.MarkJiraDeleted(ctx, is.ProjectKey, []int64{is.ID}, w.asOf); err != nil {
			w.t.Fatal(err)
		}
		return "deleted " + is.Key
	case 7: // a moved issue: new key (and project)
		is := w.anyIssue()
		old := is.Key
		is.ProjectKey = []string{"P0", "P1", "P2"}[w.pick(3)]
		is.Key = w.newKey(is.ProjectKey)
		is.Updated = w.asOf.Add(-time.Minute)
		for _, o := range w.issues { // Jira reports the link with the new key on the other side too
			for i := range o.Links {
				if l := &o.Links[i]; l.FromKey == old {
					l.FromKey = is.Key
				} else if l.ToKey == old {
					l.ToKey = is.Key
				}
			}
		}
		w.saveIssues(is)
		return "moved to " + is.Key
	case 8: // a link added
		list := w.addLink()
		w.saveIssues(list...)
		return "link " + list[0].Key + " blocks " + list[1].Key
	case 9: // a link removed
		is := w.anyIssue()
		if len(is.Links) == 0 {
			return "no link to remove"
		}
		is.Links = is.Links[1:]
		w.saveIssues(is)
		return "link removed from " + is.Key
	case 10: // a PR opened
		p := w.newPR()
		w.prs[p.ID] = p
		w.savePR(p)
		return fmt.Sprintf("PR %s#%d opened", p.Repo, p.Number)
	case 11: // a PR merged or closed
		for _, p := range w.prs {
			if p.State == "open" {
				p.State, p.Closed = "closed", w.asOf.Add(-time.Minute)
				if w.pick(3) > 0 {
					p.Merged = p.Closed
				}
				p.Updated = p.Closed
				w.savePR(p)
				return fmt.Sprintf("PR %s#%d closed", p.Repo, p.Number)
			}
		}
		return "no open PR"
	case 12: // a PR reviewed
		for _, p := range w.prs {
			w.reviews[p.ID] = append(w.reviews[p.ID], cairn.Review{ID: p.ID*10 + int64(len(w.reviews[p.ID])) + 2, Repo: p.Repo,
				Number: p.Number, State: "COMMENTED", SubmittedAt: w.asOf.Add(-time.Duration(w.pick(300)) * time.Minute)})
			w.savePR(p)
			return fmt.Sprintf("PR %s#%d reviewed", p.Repo, p.Number)
		}
		return "no PR"
	case 13: // a PR's Jira key changes (or it gains one)
		for _, p := range w.prs {
			keys := w.keys()
			w.prKeys[p.ID] = []string{keys[w.pick(len(keys))]}
			w.savePR(p)
			return fmt.Sprintf("PR %s#%d carries %s", p.Repo, p.Number, w.prKeys[p.ID][0])
		}
		return "no PR"
	case 14: // a GitHub issue opened, closed or deleted
		if w.pick(3) == 0 {
			for _, g := range w.ghIss {
				delete(w.ghIss, g.ID)
				if _, err := w.db.MarkGitHubDeleted(ctx, g.Repo, store.GitHubIssues, []int{g.Number}, w.asOf); err != nil {
					w.t.Fatal(err)
				}
				return fmt.Sprintf("GitHub issue %s#%d deleted", g.Repo, g.Number)
			}
		}
		g := w.newGitHubIssue()
		w.ghIss[g.ID] = g
		w.saveGitHubIssue(g)
		return fmt.Sprintf("GitHub issue %s#%d", g.Repo, g.Number)
	default: // a sync finished (the data's age)
		w.syncRun([]string{cairn.ConnectorJira, cairn.ConnectorGitHub}[w.pick(2)], w.asOf.Add(-time.Duration(w.pick(60))*time.Minute))
		return "sync run"
	}
}
