package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/cairn-dev/cairn"
)

// baseFields are the system fields cairn reads.
var baseFields = []string{"summary", "issuetype", "status", "project", "priority", "assignee", "labels",
	"components", "created", "updated", "resolutiondate", "duedate", "fixVersions", "issuelinks", "parent"}

// searchPage is the envelope of both searches.
type searchPage struct {
	Issues        []json.RawMessage `json:"issues"`
	NextPageToken string            `json:"nextPageToken"` // Cloud
	IsLast        *bool             `json:"isLast"`        // Cloud (a hint: the token decides)
	StartAt       int               `json:"startAt"`       // Data Center
	MaxResults    int               `json:"maxResults"`
	Total         int               `json:"total"`
}

// Search returns one page of complete issues matching jql; cursor "" is the first page and
// JiraPage.Next the cursor of the next ("" after the last). Cloud uses the enhanced search
// (POST /rest/api/2/search/jql, nextPageToken); Data Center /rest/api/2/search with startAt
// advanced by the number of issues received (servers cap maxResults). Histories that Jira
// truncated are fetched (bulk changelog on Cloud, per-issue otherwise), so every issue carries
// its complete status history.
func (c *Client) Search(ctx context.Context, jql, cursor string) (cairn.JiraPage, error) {
	dec, err := c.decoder(ctx)
	if err != nil {
		return cairn.JiraPage{}, err
	}
	fields := append(append([]string(nil), baseFields...), dec.fieldIDs()...)
	sp, next, path, err := c.searchPage(ctx, jql, cursor, fields, c.opts.PageSize, true)
	if err != nil {
		return cairn.JiraPage{}, err
	}
	page := cairn.JiraPage{Next: next, Total: sp.Total, Issues: make([]cairn.Issue, 0, len(sp.Issues))}
	var truncated []int
	decs := make([]decoded, len(sp.Issues))
	for i, raw := range sp.Issues {
		d, err := dec.decode(raw)
		if err != nil {
			return cairn.JiraPage{}, c.malformed(http.MethodPost, path, fmt.Errorf("issue %d of the page: %w", i, err))
		}
		decs[i] = d
		if !d.complete() {
			truncated = append(truncated, i)
		}
	}
	if len(truncated) > 0 {
		if err := c.completeChangelogs(ctx, decs, truncated); err != nil {
			return cairn.JiraPage{}, err
		}
	}
	var cats *statusMap
	if len(decs) > 0 { // an empty page (an idle incremental run) needs no statuses
		if cats, err = c.statusCategories(ctx, false); err != nil {
			return cairn.JiraPage{}, err
		}
	}
	for i := range decs {
		d := &decs[i]
		var hs []wireHistory
		if d.changelog != nil {
			hs = d.changelog.Histories
		}
		if d.issue.Transitions, err = c.transitions(ctx, hs, &cats); err != nil {
			return cairn.JiraPage{}, c.malformed(http.MethodPost, path, fmt.Errorf("issue %s: %w", d.issue.Key, err))
		}
		page.Issues = append(page.Issues, d.issue)
	}
	detachPage(page.Issues)
	return page, nil
}

// transitions maps histories, reloading the statuses once if a status id is new.
func (c *Client) transitions(ctx context.Context, hs []wireHistory, cats **statusMap) ([]cairn.Transition, error) {
	ts, err := transitions(hs, *cats)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if !t.FromCategory.Valid() || !t.ToCategory.Valid() {
			m, err := c.statusCategories(ctx, true)
			if err != nil {
				return nil, err
			}
			*cats = m
			return transitions(hs, m)
		}
	}
	return ts, nil
}

// SearchIDs lists the ids of the issues matching jql, in big pages (reconcile).
func (c *Client) SearchIDs(ctx context.Context, jql, cursor string) ([]int64, string, error) {
	d, err := c.Deployment(ctx)
	if err != nil {
		return nil, "", err
	}
	size := 5000 // Cloud's limit when only ids are asked
	if d == DeploymentDataCenter {
		size = 1000
	}
	sp, next, path, err := c.searchPage(ctx, jql, cursor, []string{"id"}, size, false)
	if err != nil {
		return nil, "", err
	}
	ids := make([]int64, 0, len(sp.Issues))
	for _, raw := range sp.Issues {
		var w struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, "", c.malformed(http.MethodPost, path, err)
		}
		id, err := strconv.ParseInt(w.ID, 10, 64)
		if err != nil {
			return nil, "", c.malformed(http.MethodPost, path, fmt.Errorf("issue id %q", w.ID))
		}
		ids = append(ids, id)
	}
	return ids, next, nil
}

// searchPage fetches one raw page on the deployment's search and returns the next cursor.
func (c *Client) searchPage(ctx context.Context, jql, cursor string, fields []string, size int, changelog bool) (searchPage, string, string, error) {
	d, err := c.Deployment(ctx)
	if err != nil {
		return searchPage{}, "", "", err
	}
	if d == DeploymentDataCenter {
		sp, next, err := c.legacySearch(ctx, jql, cursor, fields, size, changelog)
		// A Cloud site misdetected (or configured) as Data Center answers 410 on the removed
		// search: switch for good, but only from the first page (a startAt means nothing there).
		if status(err) == http.StatusGone && c.autoDetected() && cursor == "" {
			slog.Warn("jira: legacy search removed, switching to the enhanced search", "connector", cairn.ConnectorJira)
			c.setDeployment(DeploymentCloud)
			return c.searchPage(ctx, jql, cursor, fields, size, changelog)
		}
		return sp, next, "rest/api/2/search", err
	}
	sp, next, err := c.enhancedSearch(ctx, jql, cursor, fields, size, changelog)
	if status(err) == http.StatusNotFound && c.autoDetected() && cursor == "" {
		slog.Warn("jira: no enhanced search, switching to the Data Center search", "connector", cairn.ConnectorJira)
		c.setDeployment(DeploymentDataCenter)
		return c.searchPage(ctx, jql, cursor, fields, size, changelog)
	}
	return sp, next, "rest/api/2/search/jql", err
}

func (c *Client) enhancedSearch(ctx context.Context, jql, token string, fields []string, size int, changelog bool) (searchPage, string, error) {
	const path = "rest/api/2/search/jql"
	body := map[string]any{"jql": jql, "maxResults": size, "fields": fields}
	if changelog {
		body["expand"] = "changelog"
	}
	if token != "" {
		body["nextPageToken"] = token
	}
	b, err := c.do(ctx, http.MethodPost, path, body)
	if err != nil {
		return searchPage{}, "", err
	}
	sp, err := parsePage(b)
	if err != nil {
		return searchPage{}, "", c.malformed(http.MethodPost, path, err)
	}
	next := sp.NextPageToken
	if sp.IsLast != nil && *sp.IsLast {
		next = "" // the token decides, but a last page never continues
	}
	if next == token && next != "" {
		return searchPage{}, "", c.malformed(http.MethodPost, path, errors.New("nextPageToken did not advance"))
	}
	return sp, next, nil
}

func (c *Client) legacySearch(ctx context.Context, jql, cursor string, fields []string, size int, changelog bool) (searchPage, string, error) {
	startAt := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return searchPage{}, "", fmt.Errorf("jira: search cursor %q is not a Data Center startAt", cursor)
		}
		startAt = n
	}
	q := url.Values{"jql": {jql}, "startAt": {strconv.Itoa(startAt)}, "maxResults": {strconv.Itoa(size)},
		"fields": {strings.Join(fields, ",")}}
	if changelog {
		q.Set("expand", "changelog")
	}
	path := "rest/api/2/search?" + q.Encode()
	b, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return searchPage{}, "", err
	}
	sp, err := parsePage(b)
	if err != nil {
		return searchPage{}, "", c.malformed(http.MethodGet, path, err)
	}
	next := ""
	// Advance by what was received, never by maxResults: servers cap the page size.
	if n := len(sp.Issues); n > 0 && startAt+n < sp.Total {
		next = strconv.Itoa(startAt + n)
	}
	return sp, next, nil
}

// completeChangelogs replaces the truncated changelogs of decs[idx] with complete ones.
func (c *Client) completeChangelogs(ctx context.Context, decs []decoded, idx []int) error {
	d, err := c.Deployment(ctx)
	if err != nil {
		return err
	}
	if d == DeploymentCloud {
		err := c.bulkChangelogs(ctx, decs, idx)
		switch s := status(err); {
		case err == nil:
			return nil
		case s == http.StatusNotFound || s == http.StatusForbidden || s == http.StatusBadRequest:
			// Not offered to this caller (Connect apps, some sites): page per issue.
			slog.Info("jira: bulk changelog unavailable, fetching per issue", "status", s, "issues", len(idx))
		default:
			return err
		}
	}
	return c.perIssue(ctx, decs, idx, d)
}

// perIssue fetches changelogs one issue at a time with a few workers.
func (c *Client) perIssue(ctx context.Context, decs []decoded, idx []int, d string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for w := 0; w < min(c.opts.Workers, len(idx)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				hs, err := c.issueChangelog(ctx, decs[i].issue.ID, d)
				if err != nil {
					once.Do(func() { first = err; cancel() })
					continue
				}
				decs[i].changelog = &wireChangelog{Total: len(hs), MaxResults: len(hs), Histories: hs}
			}
		}()
	}
	for _, i := range idx {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
