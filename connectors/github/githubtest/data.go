// Package githubtest is a fake GitHub REST API for tests, benchmarks and the demo: the real
// paths (also under /api/v3/ as on Enterprise), Link-header pagination, ETags and 304s that
// cost no rate limit, rate-limit headers that count down, GitHub App installation tokens, and
// faults on demand (primary and secondary limits, 429, 5xx, malformed JSON, latency, deleted
// issues). It is safe for concurrent use.
package githubtest

import "time"

// Repo is one repository and everything in it.
type Repo struct {
	Owner, Name string
	ID          int64
	Archived    bool
	PRs         []PR
	Issues      []Issue
	Milestones  []Milestone
	Labels      []Label
}

// FullName is owner/name.
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

// PR is a pull request. Milestone is a milestone number (0: none).
type PR struct {
	Number             int
	ID                 int64
	IssueID            int64 // its id in the issues endpoint
	Title, Body        string
	State              string // open | closed
	Draft              bool
	Author             string
	Head, Base         string
	Created, Updated   time.Time
	Closed, Merged     time.Time
	Milestone          int
	Labels             []string
	RequestedReviewers []string
	Commits            []string // commit messages
	Reviews            []Review
}

// Review is a pull-request review.
type Review struct {
	ID        int64
	Author    string
	State     string
	Body      string
	Submitted time.Time // zero for PENDING
}

// Issue is an issue (not a pull request).
type Issue struct {
	Number           int
	ID               int64
	Title, Body      string
	State            string
	Author           string
	Milestone        int
	Labels           []string
	Created, Updated time.Time
	Closed           time.Time
}

// Milestone is a repository milestone; its issue counts are computed from issues and PRs.
type Milestone struct {
	Number           int
	ID               int64
	Title            string
	Description      string
	State            string
	DueOn, ClosedAt  time.Time
	Created, Updated time.Time
}

// Label is a repository label.
type Label struct {
	ID          int64
	Name        string
	Color       string
	Description string
}
