package githubtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Wire shapes: field names as in the real API (see shared/fixtures and connectors.md §6).

type wUser struct {
	Login     string `json:"login"`
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	AvatarURL string `json:"avatar_url"`
	URL       string `json:"url"`
	HTMLURL   string `json:"html_url"`
	Type      string `json:"type"`
	SiteAdmin bool   `json:"site_admin"`
}

type wLabel struct {
	ID          int64  `json:"id"`
	NodeID      string `json:"node_id"`
	URL         string `json:"url"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Default     bool   `json:"default"`
	Description string `json:"description"`
}

type wMilestone struct {
	URL          string  `json:"url"`
	HTMLURL      string  `json:"html_url"`
	ID           int64   `json:"id"`
	NodeID       string  `json:"node_id"`
	Number       int     `json:"number"`
	Title        string  `json:"title"`
	Description  string  `json:"description"`
	Creator      wUser   `json:"creator"`
	OpenIssues   int     `json:"open_issues"`
	ClosedIssues int     `json:"closed_issues"`
	State        string  `json:"state"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
	DueOn        *string `json:"due_on"`
	ClosedAt     *string `json:"closed_at"`
}

type wRepo struct {
	ID       int64  `json:"id"`
	NodeID   string `json:"node_id"`
	Name     string `json:"name"`
	FullName string `json:"full_name"`
	Private  bool   `json:"private"`
	Owner    wUser  `json:"owner"`
	HTMLURL  string `json:"html_url"`
	URL      string `json:"url"`
	Archived bool   `json:"archived"`
	Fork     bool   `json:"fork"`
}

type wBranch struct {
	Label string `json:"label"`
	Ref   string `json:"ref"`
	SHA   string `json:"sha"`
	User  wUser  `json:"user"`
	Repo  wRepo  `json:"repo"`
}

type wPR struct {
	URL                string      `json:"url"`
	ID                 int64       `json:"id"`
	NodeID             string      `json:"node_id"`
	HTMLURL            string      `json:"html_url"`
	IssueURL           string      `json:"issue_url"`
	Number             int         `json:"number"`
	State              string      `json:"state"`
	Locked             bool        `json:"locked"`
	Title              string      `json:"title"`
	User               wUser       `json:"user"`
	Body               *string     `json:"body"`
	Labels             []wLabel    `json:"labels"`
	Milestone          *wMilestone `json:"milestone"`
	CreatedAt          string      `json:"created_at"`
	UpdatedAt          string      `json:"updated_at"`
	ClosedAt           *string     `json:"closed_at"`
	MergedAt           *string     `json:"merged_at"`
	MergeCommitSHA     *string     `json:"merge_commit_sha"`
	Assignee           *wUser      `json:"assignee"`
	Assignees          []wUser     `json:"assignees"`
	RequestedReviewers []wUser     `json:"requested_reviewers"`
	RequestedTeams     []wUser     `json:"requested_teams"`
	Head               wBranch     `json:"head"`
	Base               wBranch     `json:"base"`
	AuthorAssociation  string      `json:"author_association"`
	AutoMerge          *struct{}   `json:"auto_merge"`
	Draft              bool        `json:"draft"`
}

type wPRLinks struct {
	URL      string  `json:"url"`
	HTMLURL  string  `json:"html_url"`
	DiffURL  string  `json:"diff_url"`
	PatchURL string  `json:"patch_url"`
	MergedAt *string `json:"merged_at"`
}

type wIssue struct {
	URL               string      `json:"url"`
	RepositoryURL     string      `json:"repository_url"`
	HTMLURL           string      `json:"html_url"`
	ID                int64       `json:"id"`
	NodeID            string      `json:"node_id"`
	Number            int         `json:"number"`
	Title             string      `json:"title"`
	User              wUser       `json:"user"`
	Labels            []wLabel    `json:"labels"`
	State             string      `json:"state"`
	Locked            bool        `json:"locked"`
	Assignee          *wUser      `json:"assignee"`
	Assignees         []wUser     `json:"assignees"`
	Milestone         *wMilestone `json:"milestone"`
	Comments          int         `json:"comments"`
	CreatedAt         string      `json:"created_at"`
	UpdatedAt         string      `json:"updated_at"`
	ClosedAt          *string     `json:"closed_at"`
	AuthorAssociation string      `json:"author_association"`
	PullRequest       *wPRLinks   `json:"pull_request,omitempty"`
	Body              *string     `json:"body"`
}

type wReview struct {
	ID                int64   `json:"id"`
	NodeID            string  `json:"node_id"`
	User              wUser   `json:"user"`
	Body              string  `json:"body"`
	State             string  `json:"state"`
	HTMLURL           string  `json:"html_url"`
	PullRequestURL    string  `json:"pull_request_url"`
	SubmittedAt       *string `json:"submitted_at,omitempty"`
	CommitID          string  `json:"commit_id"`
	AuthorAssociation string  `json:"author_association"`
}

const apiHost = "https://api.github.com"

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := ts(t)
	return &s
}

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func userID(login string) int64 {
	var h int64 = 7
	for _, c := range login {
		h = h*31 + int64(c)
	}
	if h < 0 {
		h = -h
	}
	return h%1_000_000 + 1
}

func user(login string) wUser {
	return wUser{Login: login, ID: userID(login), NodeID: "MDQ6VXNlcj" + strconv.FormatInt(userID(login), 10),
		AvatarURL: "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(userID(login), 10) + "?v=4",
		URL:       apiHost + "/users/" + login, HTMLURL: "https://github.com/" + login, Type: "User"}
}

func sha(seed string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(seed); i++ {
		h ^= uint64(seed[i])
		h *= 1099511628211
	}
	s := strconv.FormatUint(h, 16)
	return (s + strings.Repeat("0", 40))[:40]
}

func (r *repoState) wireRepo() wRepo {
	full := r.FullName()
	return wRepo{ID: r.ID, NodeID: "R_" + strconv.FormatInt(r.ID, 10), Name: r.Name, FullName: full,
		Owner: user(r.Owner), HTMLURL: "https://github.com/" + full, URL: apiHost + "/repos/" + full, Archived: r.Archived}
}

func (r *repoState) wireLabels(names []string) []wLabel {
	out := []wLabel{}
	for _, n := range names {
		l := r.labels[n]
		if l == nil {
			l = &Label{Name: n, Color: "ededed", ID: userID("label:" + n)}
		}
		out = append(out, wLabel{ID: l.ID, NodeID: "LA_" + strconv.FormatInt(l.ID, 10),
			URL: apiHost + "/repos/" + r.FullName() + "/labels/" + l.Name, Name: l.Name, Color: l.Color, Description: l.Description})
	}
	return out
}

func (r *repoState) wireMilestone(number int) *wMilestone {
	m := r.milestones[number]
	if m == nil {
		return nil
	}
	open, closed := r.counts(number)
	return &wMilestone{URL: apiHost + "/repos/" + r.FullName() + "/milestones/" + strconv.Itoa(m.Number),
		HTMLURL: "https://github.com/" + r.FullName() + "/milestone/" + strconv.Itoa(m.Number),
		ID:      m.ID, NodeID: "MI_" + strconv.FormatInt(m.ID, 10), Number: m.Number, Title: m.Title,
		Description: m.Description, Creator: user(r.Owner), OpenIssues: open, ClosedIssues: closed, State: m.State,
		CreatedAt: ts(m.Created), UpdatedAt: ts(m.Updated), DueOn: tsp(m.DueOn), ClosedAt: tsp(m.ClosedAt)}
}

func (r *repoState) renderPR(p *PR) []byte {
	full := r.FullName()
	n := strconv.Itoa(p.Number)
	repo := r.wireRepo()
	w := wPR{URL: apiHost + "/repos/" + full + "/pulls/" + n, ID: p.ID, NodeID: "PR_" + strconv.FormatInt(p.ID, 10),
		HTMLURL: "https://github.com/" + full + "/pull/" + n, IssueURL: apiHost + "/repos/" + full + "/issues/" + n,
		Number: p.Number, State: p.State, Title: p.Title, User: user(p.Author), Body: strp(p.Body),
		Labels: r.wireLabels(p.Labels), Milestone: r.wireMilestone(p.Milestone),
		CreatedAt: ts(p.Created), UpdatedAt: ts(p.Updated), ClosedAt: tsp(p.Closed), MergedAt: tsp(p.Merged),
		Assignees: []wUser{}, RequestedReviewers: []wUser{}, RequestedTeams: []wUser{},
		Head:              wBranch{Label: r.Owner + ":" + p.Head, Ref: p.Head, SHA: sha(full + p.Head + n), User: user(r.Owner), Repo: repo},
		Base:              wBranch{Label: r.Owner + ":" + p.Base, Ref: p.Base, SHA: sha(full + p.Base), User: user(r.Owner), Repo: repo},
		AuthorAssociation: "CONTRIBUTOR", Draft: p.Draft}
	if !p.Merged.IsZero() {
		s := sha(full + "merge" + n)
		w.MergeCommitSHA = &s
	}
	for _, rv := range p.RequestedReviewers {
		w.RequestedReviewers = append(w.RequestedReviewers, user(rv))
	}
	b, _ := json.Marshal(w)
	return b
}

func (r *repoState) renderPRIssue(p *PR) []byte {
	full := r.FullName()
	n := strconv.Itoa(p.Number)
	w := r.issueWire(p.IssueID, p.Number, p.Title, p.Body, p.State, p.Author, p.Milestone, p.Labels, p.Created, p.Updated, p.Closed)
	w.PullRequest = &wPRLinks{URL: apiHost + "/repos/" + full + "/pulls/" + n, HTMLURL: "https://github.com/" + full + "/pull/" + n,
		DiffURL: "https://github.com/" + full + "/pull/" + n + ".diff", PatchURL: "https://github.com/" + full + "/pull/" + n + ".patch",
		MergedAt: tsp(p.Merged)}
	b, _ := json.Marshal(w)
	return b
}

func (r *repoState) renderIssue(i *Issue) []byte {
	w := r.issueWire(i.ID, i.Number, i.Title, i.Body, i.State, i.Author, i.Milestone, i.Labels, i.Created, i.Updated, i.Closed)
	b, _ := json.Marshal(w)
	return b
}

func (r *repoState) issueWire(id int64, number int, title, body, state, author string, ms int, labels []string, created, updated, closed time.Time) wIssue {
	full := r.FullName()
	n := strconv.Itoa(number)
	return wIssue{URL: apiHost + "/repos/" + full + "/issues/" + n, RepositoryURL: apiHost + "/repos/" + full,
		HTMLURL: "https://github.com/" + full + "/issues/" + n, ID: id, NodeID: "I_" + strconv.FormatInt(id, 10),
		Number: number, Title: title, User: user(author), Labels: r.wireLabels(labels), State: state,
		Assignees: []wUser{}, Milestone: r.wireMilestone(ms), CreatedAt: ts(created), UpdatedAt: ts(updated),
		ClosedAt: tsp(closed), AuthorAssociation: "CONTRIBUTOR", Body: strp(body)}
}

func (r *repoState) renderReview(p *PR, rv *Review) []byte {
	full := r.FullName()
	n := strconv.Itoa(p.Number)
	w := wReview{ID: rv.ID, NodeID: "PRR_" + strconv.FormatInt(rv.ID, 10), User: user(rv.Author), Body: rv.Body, State: rv.State,
		HTMLURL:        "https://github.com/" + full + "/pull/" + n + "#pullrequestreview-" + strconv.FormatInt(rv.ID, 10),
		PullRequestURL: apiHost + "/repos/" + full + "/pulls/" + n, SubmittedAt: tsp(rv.Submitted),
		CommitID: sha(full + p.Head + n), AuthorAssociation: "COLLABORATOR"}
	b, _ := json.Marshal(w)
	return b
}
