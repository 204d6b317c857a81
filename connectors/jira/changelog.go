package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/cairn-dev/cairn"
)

// bulkChangelogs fetches the status histories of truncated issues with Cloud's
// POST /rest/api/2/changelog/bulkfetch (up to 1000 issues a call, paged by nextPageToken).
func (c *Client) bulkChangelogs(ctx context.Context, decs []decoded, idx []int) error {
	const path = "rest/api/2/changelog/bulkfetch"
	for start := 0; start < len(idx); start += 1000 {
		batch := idx[start:min(start+1000, len(idx))]
		byID := make(map[string]int, len(batch))
		ids := make([]string, len(batch))
		got := make(map[int][]wireHistory, len(batch))
		for k, i := range batch {
			ids[k] = strconv.FormatInt(decs[i].issue.ID, 10)
			byID[ids[k]] = i
		}
		token := ""
		for pages := 0; ; pages++ {
			body := map[string]any{"issueIdsOrKeys": ids, "fieldIds": []string{"status"}, "maxResults": 1000}
			if token != "" {
				body["nextPageToken"] = token
			}
			b, err := c.do(ctx, http.MethodPost, path, body)
			if err != nil {
				return err
			}
			var resp struct {
				IssueChangeLogs []struct {
					IssueID         string        `json:"issueId"`
					ChangeHistories []wireHistory `json:"changeHistories"`
				} `json:"issueChangeLogs"`
				NextPageToken *string `json:"nextPageToken"`
			}
			if err := json.Unmarshal(b, &resp); err != nil {
				return c.malformed(http.MethodPost, path, err)
			}
			for _, l := range resp.IssueChangeLogs {
				i, ok := byID[l.IssueID]
				if !ok {
					return c.malformed(http.MethodPost, path, fmt.Errorf("changelog of issue %q that was not asked for", l.IssueID))
				}
				got[i] = append(got[i], l.ChangeHistories...)
			}
			if resp.NextPageToken == nil || *resp.NextPageToken == "" {
				break
			}
			if *resp.NextPageToken == token || pages > 100000 {
				return c.malformed(http.MethodPost, path, errors.New("nextPageToken did not advance"))
			}
			token = *resp.NextPageToken
		}
		for _, i := range batch {
			hs := got[i]
			decs[i].changelog = &wireChangelog{Total: len(hs), MaxResults: len(hs), Histories: hs}
		}
	}
	return nil
}

// issueChangelog returns the complete changelog of one issue: Cloud pages
// /rest/api/2/issue/{id}/changelog; Data Center (which lacks it before 9.x) re-reads the issue
// with expand=changelog, which embeds every history, and pages the changelog endpoint only
// if that is still short.
func (c *Client) issueChangelog(ctx context.Context, id int64, d string) ([]wireHistory, error) {
	if d == DeploymentDataCenter {
		path := "rest/api/2/issue/" + strconv.FormatInt(id, 10) + "?fields=status&expand=changelog"
		var is struct {
			Changelog *wireChangelog `json:"changelog"`
		}
		if err := c.getJSON(ctx, path, &is); err != nil {
			return nil, err
		}
		if cl := is.Changelog; cl != nil && cl.StartAt == 0 && cl.Total <= len(cl.Histories) {
			return cl.Histories, nil
		}
		hs, err := c.pagedChangelog(ctx, id)
		if status(err) == http.StatusNotFound {
			slog.Warn("jira: changelog still truncated, status history incomplete", "connector", cairn.ConnectorJira, "issue_id", id)
			if is.Changelog != nil {
				return is.Changelog.Histories, nil
			}
			return nil, nil
		}
		return hs, err
	}
	return c.pagedChangelog(ctx, id)
}

// pagedChangelog pages GET /rest/api/2/issue/{id}/changelog, advancing by what was received.
func (c *Client) pagedChangelog(ctx context.Context, id int64) ([]wireHistory, error) {
	var out []wireHistory
	for startAt := 0; ; {
		path := "rest/api/2/issue/" + strconv.FormatInt(id, 10) + "/changelog?startAt=" + strconv.Itoa(startAt) + "&maxResults=100"
		var page struct {
			Total  int           `json:"total"`
			IsLast *bool         `json:"isLast"`
			Values []wireHistory `json:"values"`
		}
		if err := c.getJSON(ctx, path, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Values...)
		startAt += len(page.Values)
		if len(page.Values) == 0 || (page.IsLast != nil && *page.IsLast) || startAt >= page.Total {
			return out, nil
		}
	}
}
