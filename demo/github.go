package demo

import (
	"sort"
	"strconv"
	"strings"

	"github.com/cairn-dev/cairn/connectors/github/githubtest"
)

// GitHubRepos renders the world's repositories, pull requests, reviews, milestones and labels
// for the fake GitHub server (githubtest.Server.Load).
func (w *World) GitHubRepos() []githubtest.Repo {
	byRepo := map[string]*githubtest.Repo{}
	var out []*githubtest.Repo
	for i, full := range w.Repos {
		owner, name, _ := strings.Cut(full, "/")
		r := &githubtest.Repo{Owner: owner, Name: name, ID: int64(7000 + i)}
		byRepo[full] = r
		out = append(out, r)
	}
	// Milestone titles are unique within a repo; PRs name theirs by title, the fake by number.
	msNumber := map[string]int{}
	for _, m := range w.Milestones {
		r := byRepo[m.Repo]
		if r == nil {
			continue
		}
		created := m.DueOn.AddDate(0, -6, 0)
		if m.DueOn.IsZero() {
			created = w.AsOf.AddDate(0, -6, 0)
		}
		updated := created
		if !m.ClosedAt.IsZero() {
			updated = m.ClosedAt
		}
		r.Milestones = append(r.Milestones, githubtest.Milestone{Number: m.Number, ID: m.ID, Title: m.Title,
			Description: "Tracked by cairn's demo program", State: m.State, DueOn: m.DueOn, ClosedAt: m.ClosedAt,
			Created: created, Updated: updated})
		msNumber[m.Repo+":"+m.Title] = m.Number
	}
	reviews := map[string][]githubtest.Review{}
	for _, rv := range w.Reviews {
		k := prKey(rv.Repo, rv.Number)
		reviews[k] = append(reviews[k], githubtest.Review{ID: rv.ID, Author: login(rv.Author), State: rv.State,
			Body: reviewBody(rv.State), Submitted: rv.SubmittedAt})
	}
	labels := map[string]map[string]bool{}
	for _, p := range w.PRs {
		r := byRepo[p.Repo]
		if r == nil {
			continue
		}
		gp := githubtest.PR{Number: p.Number, ID: p.ID, IssueID: p.ID + 1_000_000_000, Title: p.Title, Body: p.Body,
			State: p.State, Draft: p.Draft, Author: login(p.Author), Head: p.HeadRef, Base: p.BaseRef,
			Created: p.Created, Updated: p.Updated, Closed: p.Closed, Merged: p.Merged,
			Labels: p.Labels, Reviews: reviews[prKey(p.Repo, p.Number)], Commits: []string{p.Title}}
		if p.Milestone != "" {
			gp.Milestone = msNumber[p.Repo+":"+p.Milestone]
		}
		for _, l := range p.RequestedReviewers {
			gp.RequestedReviewers = append(gp.RequestedReviewers, login(l))
		}
		for _, l := range p.Labels {
			if labels[p.Repo] == nil {
				labels[p.Repo] = map[string]bool{}
			}
			labels[p.Repo][l] = true
		}
		r.PRs = append(r.PRs, gp)
	}
	repos := make([]githubtest.Repo, 0, len(out))
	for _, r := range out {
		full := r.FullName()
		names := []string{"bug", "dependencies"}
		for l := range labels[full] {
			names = append(names, l)
		}
		sort.Strings(names)
		for i, n := range names {
			r.Labels = append(r.Labels, githubtest.Label{ID: r.ID*100 + int64(i), Name: n, Color: labelColor(n)})
		}
		repos = append(repos, *r)
	}
	return repos
}

func prKey(repo string, number int) string { return repo + "#" + strconv.Itoa(number) }

// login turns a person's display name into a GitHub login: "Ana Ruiz" -> "ana-ruiz". Bots keep
// their login.
func login(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", "-"))
}

func reviewBody(state string) string {
	switch state {
	case "APPROVED":
		return "Looks good to me."
	case "CHANGES_REQUESTED":
		return "A few things to fix before this can merge."
	}
	return ""
}

func labelColor(name string) string {
	switch name {
	case "bug":
		return "d73a4a"
	case "dependencies":
		return "0366d6"
	}
	return "c5def5"
}
