package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
)

// linkedPR opens a pull request for a Jira issue, carrying its key in the title, the branch
// or the body, and reviews it.
func (w *World) linkedPR(t team, is cairn.Issue, it itemTimes, i int) {
	w.prSeq[t.repo]++
	pr := cairn.PullRequest{ID: w.id(), Repo: t.repo, Number: w.prSeq[t.repo], State: "open", Author: w.person(t.name),
		BaseRef: "main", Created: it.started.Add(2 * time.Hour).Truncate(time.Second)}
	slug := is.Key + "-" + strings.ToLower(strings.Join(strings.Fields(asciiWords(is.Summary)), "-"))
	switch i % 3 {
	case 0:
		pr.Title, pr.HeadRef = is.Key+": "+is.Summary, "work/"+slug
	case 1:
		pr.Title, pr.HeadRef = is.Summary, "feature/"+slug
	default:
		pr.Title, pr.HeadRef, pr.Body = is.Summary, fmt.Sprintf("change-%d", pr.Number), "Fixes ["+is.Key+"]."
	}
	w.linked[is.Key] = append(w.linked[is.Key], prKey(pr.Repo, pr.Number))
	w.finishPR(&pr, t, it)
}

// milestonePR makes a pull request that is itself a milestone item (a GitHub-only team).
func (w *World) milestonePR(p milestonePlan, t team, it itemTimes, i int) {
	w.prSeq[t.repo]++
	created := it.started
	if created.IsZero() {
		created = it.created
	}
	pr := cairn.PullRequest{ID: w.id(), Repo: t.repo, Number: w.prSeq[t.repo], State: "open", Author: w.person(t.name),
		Title: w.summary(), HeadRef: fmt.Sprintf("migration/step-%d", i+1), BaseRef: "main",
		Created: created.Truncate(time.Second), Milestone: p.ghMilestone, Labels: []string{"migration"}}
	pr.Draft = it.started.IsZero()
	w.finishPR(&pr, t, it)
}

// finishPR reviews and merges a pull request along its item's timeline.
func (w *World) finishPR(pr *cairn.PullRequest, t team, it itemTimes) {
	pr.Updated = pr.Created
	end := it.done
	if !end.IsZero() {
		pr.State, pr.Merged, pr.Closed = "closed", end.Add(-time.Hour).Truncate(time.Second), end.Add(-time.Hour).Truncate(time.Second)
		pr.Updated = pr.Closed
	}
	// Open PRs started more than two days ago wait for review half the time.
	waiting := end.IsZero() && w.rng.IntN(2) == 0
	if !waiting && !pr.Draft {
		at := pr.Created.Add(2*time.Hour + w.jitter(30*time.Hour))
		if !end.IsZero() && at.After(pr.Merged) {
			at = pr.Created.Add(pr.Merged.Sub(pr.Created) / 2)
		}
		if at.Before(w.AsOf) {
			w.reviewSeq++
			state := "APPROVED"
			if end.IsZero() {
				state = "CHANGES_REQUESTED"
			}
			w.Reviews = append(w.Reviews, cairn.Review{ID: w.reviewSeq, Repo: pr.Repo, Number: pr.Number,
				Author: w.person(t.name), State: state, SubmittedAt: at.Truncate(time.Second)})
			if at.After(pr.Updated) {
				pr.Updated = at.Truncate(time.Second)
			}
		}
	} else if waiting {
		pr.RequestedReviewers = []string{w.person(t.name)}
	}
	w.PRs = append(w.PRs, *pr)
}

// unlinkedPRs adds chores that carry no Jira key, as every real repo has.
func (w *World) unlinkedPRs(scale int) {
	for _, t := range teams {
		if t.repo == "" || t.name == "Infra" { // Infra's only work is its stalled milestone
			continue
		}
		for i := range 3 * scale {
			done := w.AsOf.Add(-days(float64(2 + 9*i%60)))
			w.finishPR(&cairn.PullRequest{ID: w.id(), Repo: t.repo, Number: w.nextPR(t.repo), Author: "dependabot[bot]",
				Title: "Bump golang.org/x/net", HeadRef: fmt.Sprintf("dependabot/go_modules/x-net-%d", i), BaseRef: "main",
				Created: done.Add(-days(1)).Truncate(time.Second)}, t, itemTimes{done: done})
		}
	}
	// The API team's pull requests carry Core's Jira keys: work that crosses tools and teams.
	api := teamByName("API")
	n := 0
	for _, is := range w.Issues {
		if is.ProjectKey != "CORE" || is.Subtask || is.IssueType == "Epic" || len(is.Transitions) == 0 {
			continue
		}
		if n++; n%2 == 0 {
			continue
		}
		it := itemTimes{created: is.Created, started: is.Transitions[0].At}
		if is.StatusCategory == cairn.CategoryDone {
			it.done = is.Resolved
		}
		w.linkedPR(api, is, it, n)
	}
}

func (w *World) nextPR(repo string) int { w.prSeq[repo]++; return w.prSeq[repo] }

// asciiWords keeps the first few ASCII words of s, for branch names.
func asciiWords(s string) string {
	var words []string
	for _, f := range strings.Fields(s) {
		ok := true
		for _, r := range f {
			if r > 127 || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				ok = false
				break
			}
		}
		if ok {
			words = append(words, f)
		}
		if len(words) == 4 {
			break
		}
	}
	return strings.Join(words, " ")
}
