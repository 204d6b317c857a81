package github

import (
	gh "github.com/google/go-github/v60/github"

	"github.com/cairn-dev/cairn"
)

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
