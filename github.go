package cairn

import "time"

// PullRequest is a GitHub pull request as cairn keeps it. Zero times mean "not set".
type PullRequest struct {
	ID                 int64
	Repo               string // owner/name
	Number             int
	Title              string
	Body               string
	State              string // open | closed
	Draft              bool
	Author             string
	HeadRef            string
	BaseRef            string
	Created            time.Time
	Updated            time.Time
	Closed             time.Time
	Merged             time.Time
	Milestone          string // title
	Labels             []string
	RequestedReviewers []string
	Raw                []byte
}

// Review is one review of a pull request.
type Review struct {
	ID          int64
	Repo        string
	Number      int
	Author      string
	State       string // APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
	SubmittedAt time.Time
	Raw         []byte
}

// GitHubIssue is a GitHub issue (never a pull request).
type GitHubIssue struct {
	ID        int64
	Repo      string
	Number    int
	Title     string
	State     string // open | closed
	Author    string
	Milestone string
	Labels    []string
	Created   time.Time
	Updated   time.Time
	Closed    time.Time
	Raw       []byte
}

// Milestone is a GitHub milestone.
type Milestone struct {
	ID           int64
	Repo         string
	Number       int
	Title        string
	State        string // open | closed
	DueOn        time.Time
	ClosedAt     time.Time
	OpenIssues   int
	ClosedIssues int
	Raw          []byte
}

// Label is a GitHub repository label.
type Label struct {
	Repo        string
	Name        string
	Color       string
	Description string
}

// Where a Jira key was found on a pull request.
const (
	LinkSourceTitle  = "title"
	LinkSourceBranch = "branch"
	LinkSourceBody   = "body"
	LinkSourceCommit = "commit"
)

// PRIssueLink says that a pull request carries a Jira issue key.
type PRIssueLink struct {
	Repo     string
	Number   int
	IssueKey string
	Source   string
}

// GitHubPage describes one page of a GitHub list response, for paging and conditional
// requests; connectors return it beside the items and the syncer stores ETag under URL.
type GitHubPage struct {
	URL         string    // the request URL: the key its ETag is remembered under
	ETag        string    // the response's validator ("" when none)
	NotModified bool      // 304 to If-None-Match: the page is as remembered
	Next        int       // the next page number, 0 on the last page
	ServerTime  time.Time // the response's Date (zero when absent)
	Oldest      time.Time // the least updated_at of the page's items, filtered ones included
}
