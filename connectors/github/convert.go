package github

import (
	gh "github.com/google/go-github/v60/github"

	"github.com/cairn-dev/cairn"
)

func pullRequest(repo string, p *gh.PullRequest, raw []byte) cairn.PullRequest {
	pr := cairn.PullRequest{
		ID:      p.GetID(),
		Repo:    repo,
		Number:  p.GetNumber(),
		Title:   p.GetTitle(),
		Body:    p.GetBody(),
		State:   p.GetState(),
		Draft:   p.GetDraft(),
		Author:  p.GetUser().GetLogin(),
		HeadRef: p.GetHead().GetRef(),
		BaseRef: p.GetBase().GetRef(),
		Created: p.GetCreatedAt().Time.UTC(),
		Updated: p.GetUpdatedAt().Time.UTC(),
		Closed:  p.GetClosedAt().Time.UTC(),
		Merged:  p.GetMergedAt().Time.UTC(),
		Raw:     raw,
	}
	if p.Milestone != nil {
		pr.Milestone = p.Milestone.GetTitle()
	}
	for _, l := range p.Labels {
		pr.Labels = append(pr.Labels, l.GetName())
	}
	for _, u := range p.RequestedReviewers {
		pr.RequestedReviewers = append(pr.RequestedReviewers, u.GetLogin())
	}
	for _, t := range p.RequestedTeams {
		pr.RequestedReviewers = append(pr.RequestedReviewers, "team:"+t.GetSlug())
	}
	return pr
}

func issue(repo string, i *gh.Issue, raw []byte) cairn.GitHubIssue {
	is := cairn.GitHubIssue{
		ID:      i.GetID(),
		Repo:    repo,
		Number:  i.GetNumber(),
		Title:   i.GetTitle(),
		State:   i.GetState(),
		Author:  i.GetUser().GetLogin(),
		Created: i.GetCreatedAt().Time.UTC(),
		Updated: i.GetUpdatedAt().Time.UTC(),
		Closed:  i.GetClosedAt().Time.UTC(),
		Raw:     raw,
	}
	if i.Milestone != nil {
		is.Milestone = i.Milestone.GetTitle()
	}
	for _, l := range i.Labels {
		is.Labels = append(is.Labels, l.GetName())
	}
	return is
}

func review(repo string, number int, r *gh.PullRequestReview, raw []byte) cairn.Review {
	return cairn.Review{
		ID:          r.GetID(),
		Repo:        repo,
		Number:      number,
		Author:      r.GetUser().GetLogin(),
		State:       r.GetState(),
		SubmittedAt: r.GetSubmittedAt().Time.UTC(),
		Raw:         raw,
	}
}

func milestone(repo string, m *gh.Milestone, raw []byte) cairn.Milestone {
	return cairn.Milestone{
		ID:           m.GetID(),
		Repo:         repo,
		Number:       m.GetNumber(),
		Title:        m.GetTitle(),
		State:        m.GetState(),
		DueOn:        m.GetDueOn().Time.UTC(),
		ClosedAt:     m.GetClosedAt().Time.UTC(),
		OpenIssues:   m.GetOpenIssues(),
		ClosedIssues: m.GetClosedIssues(),
		Raw:          raw,
	}
}
