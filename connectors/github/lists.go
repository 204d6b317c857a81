package github

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/cairn-dev/cairn"
)

const perPage = "100"

func pageParam(page int) string {
	if page <= 1 {
		return ""
	}
	return itoa(page)
}

// PullRequests returns one page of a repo's pull requests, most recently updated first
// (state=all&sort=updated&direction=desc), 100 a page. etags makes the request conditional.
func (c *Client) PullRequests(ctx context.Context, repo string, page int, etags func(url string) string) ([]cairn.PullRequest, cairn.GitHubPage, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, cairn.GitHubPage{}, err
	}
	path := query("repos/"+owner+"/"+name+"/pulls", "direction", "desc", "page", pageParam(page),
		"per_page", perPage, "sort", "updated", "state", "all")
	body, pg, err := c.get(ctx, path, etags)
	if err != nil || pg.NotModified {
		return nil, pg, err
	}
	items, raws, err := decodeSlim[wirePR](path, body)
	if err != nil {
		return nil, pg, err
	}
	out := make([]cairn.PullRequest, len(items))
	for i := range items {
		out[i] = items[i].cairn(repo, raws[i])
		pg.Oldest = oldest(pg.Oldest, out[i].Updated)
	}
	return out, pg, nil
}

// Issues returns one page of a repo's issues (never pull requests), most recently updated first;
// a non-zero since keeps only issues updated at or after it.
func (c *Client) Issues(ctx context.Context, repo string, page int, since time.Time, etags func(url string) string) ([]cairn.GitHubIssue, cairn.GitHubPage, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, cairn.GitHubPage{}, err
	}
	var s string
	if !since.IsZero() {
		s = since.UTC().Format(time.RFC3339)
	}
	path := query("repos/"+owner+"/"+name+"/issues", "direction", "desc", "page", pageParam(page),
		"per_page", perPage, "since", s, "sort", "updated", "state", "all")
	body, pg, err := c.get(ctx, path, etags)
	if err != nil || pg.NotModified {
		return nil, pg, err
	}
	items, raws, err := decodeSlim[wireIssue](path, body)
	if err != nil {
		return nil, pg, err
	}
	out := make([]cairn.GitHubIssue, 0, len(items))
	for i := range items {
		// The list is sorted by updated_at descending: the last item is the oldest.
		if i == len(items)-1 {
			pg.Oldest = items[i].UpdatedAt.utc()
		}
		// Pull requests come back as issues with a "pull_request" object.
		if items[i].PullRequest != nil {
			continue
		}
		out = append(out, items[i].cairn(repo, raws[i]))
	}
	return out, pg, nil
}

// Reviews returns every review of a pull request.
func (c *Client) Reviews(ctx context.Context, repo string, number int) ([]cairn.Review, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	var out []cairn.Review
	for page := 1; page > 0; {
		path := query("repos/"+owner+"/"+name+"/pulls/"+itoa(number)+"/reviews", "page", pageParam(page), "per_page", perPage)
		body, pg, err := c.get(ctx, path, nil)
		if err != nil {
			return nil, err
		}
		items, raws, err := decodeSlim[wireReview](path, body)
		if err != nil {
			return nil, err
		}
		for i := range items {
			out = append(out, items[i].cairn(repo, number, raws[i]))
		}
		page = pg.Next
	}
	return out, nil
}

// Links returns the Jira keys a pull request carries, one per (key, source): from its title,
// head branch and body, and, with Options.LinkCommits, its commit messages (one more request).
func (c *Client) Links(ctx context.Context, pr cairn.PullRequest) ([]cairn.PRIssueLink, error) {
	var out []cairn.PRIssueLink
	add := func(text, source string) {
		for _, k := range c.matcher.Keys(text) {
			out = append(out, cairn.PRIssueLink{Repo: pr.Repo, Number: pr.Number, IssueKey: k, Source: source})
		}
	}
	add(pr.Title, cairn.LinkSourceTitle)
	add(pr.HeadRef, cairn.LinkSourceBranch)
	add(pr.Body, cairn.LinkSourceBody)
	if !c.commits || len(c.matcher.projects) == 0 {
		return out, nil
	}
	owner, name, err := splitRepo(pr.Repo)
	if err != nil {
		return nil, err
	}
	var msgs strings.Builder
	for page := 1; page > 0; {
		path := query("repos/"+owner+"/"+name+"/pulls/"+itoa(pr.Number)+"/commits", "page", pageParam(page), "per_page", perPage)
		body, pg, err := c.get(ctx, path, nil)
		if err != nil {
			return nil, err
		}
		var commits []struct {
			Commit struct {
				Message string `json:"message"`
			} `json:"commit"`
		}
		if err := json.Unmarshal(body, &commits); err != nil {
			return nil, &requestError{"GET", path, errMalformed(err)}
		}
		for _, cm := range commits {
			msgs.WriteString(cm.Commit.Message)
			msgs.WriteByte('\n')
		}
		page = pg.Next
	}
	add(msgs.String(), cairn.LinkSourceCommit)
	return out, nil
}

// Milestones returns one page of a repo's milestones (open and closed).
func (c *Client) Milestones(ctx context.Context, repo string, page int, etags func(url string) string) ([]cairn.Milestone, cairn.GitHubPage, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, cairn.GitHubPage{}, err
	}
	path := query("repos/"+owner+"/"+name+"/milestones", "page", pageParam(page), "per_page", perPage, "state", "all")
	body, pg, err := c.get(ctx, path, etags)
	if err != nil || pg.NotModified {
		return nil, pg, err
	}
	items, raws, err := decodeList[gh.Milestone](path, body)
	if err != nil {
		return nil, pg, err
	}
	out := make([]cairn.Milestone, len(items))
	for i := range items {
		out[i] = milestone(repo, &items[i], raws[i])
	}
	return out, pg, nil
}

// Labels returns one page of a repo's labels.
func (c *Client) Labels(ctx context.Context, repo string, page int, etags func(url string) string) ([]cairn.Label, cairn.GitHubPage, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, cairn.GitHubPage{}, err
	}
	path := query("repos/"+owner+"/"+name+"/labels", "page", pageParam(page), "per_page", perPage)
	body, pg, err := c.get(ctx, path, etags)
	if err != nil || pg.NotModified {
		return nil, pg, err
	}
	items, _, err := decodeList[gh.Label](path, body)
	if err != nil {
		return nil, pg, err
	}
	out := make([]cairn.Label, len(items))
	for i, l := range items {
		out[i] = cairn.Label{Repo: repo, Name: l.GetName(), Color: l.GetColor(), Description: l.GetDescription()}
	}
	return out, pg, nil
}

// OwnerRepos returns one page of an organization's repositories (or a user's, when owner is
// not an organization) as owner/name, with whether each is archived.
func (c *Client) OwnerRepos(ctx context.Context, owner string, page int, etags func(url string) string) (repos []string, archived []bool, pg cairn.GitHubPage, err error) {
	o := strings.TrimSpace(owner)
	if o == "" || strings.Contains(o, "/") {
		return nil, nil, pg, errors.New("github owner: empty or contains /")
	}
	path := query("orgs/"+o+"/repos", "page", pageParam(page), "per_page", perPage, "type", "all")
	body, pg, err := c.get(ctx, path, etags)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		path = query("users/"+o+"/repos", "page", pageParam(page), "per_page", perPage, "type", "owner")
		body, pg, err = c.get(ctx, path, etags)
	}
	if err != nil || pg.NotModified {
		return nil, nil, pg, err
	}
	items, _, err := decodeList[gh.Repository](path, body)
	if err != nil {
		return nil, nil, pg, err
	}
	for _, r := range items {
		repos = append(repos, r.GetFullName())
		archived = append(archived, r.GetArchived())
	}
	return repos, archived, pg, nil
}

// Gone reports whether an issue or pull request (kind "issues" or "pulls") no longer belongs
// to repo: deleted (410), inaccessible (404), or transferred (a redirect to another repo).
func (c *Client) Gone(ctx context.Context, repo, kind string, number int) (bool, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return false, err
	}
	path := "repos/" + owner + "/" + name + "/" + kind + "/" + itoa(number)
	body, _, err := c.get(ctx, path, nil)
	var apiErr *APIError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusGone || apiErr.Status == http.StatusNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	var item struct {
		RepositoryURL string `json:"repository_url"`
		Base          struct {
			Repo struct {
				FullName string `json:"full_name"`
			} `json:"repo"`
		} `json:"base"`
	}
	if err := json.Unmarshal(body, &item); err != nil {
		return false, &requestError{"GET", path, errMalformed(err)}
	}
	if item.RepositoryURL != "" {
		return !strings.HasSuffix(strings.ToLower(item.RepositoryURL), "/repos/"+strings.ToLower(repo)), nil
	}
	if item.Base.Repo.FullName != "" {
		return !strings.EqualFold(item.Base.Repo.FullName, repo), nil
	}
	return false, nil
}

func oldest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
