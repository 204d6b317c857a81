// Package jiratest is a fake Jira REST API (platform v2 and Agile 1.0) for tests, benchmarks and
// the demo. It speaks both deployments: Cloud (enhanced search /rest/api/2/search/jql with
// nextPageToken, 410 on the removed /rest/api/2/search, bulk changelog, per-issue changelog
// paging, basic auth with email and API token) and Data Center (/rest/api/2/search with
// startAt/maxResults/total and a capped page size, bearer personal access tokens). Issues are
// rendered in the real JSON shapes (compare ../../../../shared/fixtures): custom fields for story
// points, epic link, sprint (objects on Cloud, the legacy "Sprint@…[…]" strings when asked),
// changelog histories with status items, issue links seen from both sides.
//
// It evaluates the JQL a connector sends: `project = A`, `project in (A, B)`, `key`, `id`,
// `labels`, `status`, `statusCategory`, `issuetype`, `priority`, `assignee`, `updated`/`created`
// compared with "yyyy/MM/dd HH:mm" (or "yyyy-MM-dd[ HH:mm]") read in the API user's time zone,
// AND/OR/NOT and parentheses, and ORDER BY updated|created|key|id ASC|DESC. Anything else is a
// 400 with Jira's error body, so a connector never silently gets the wrong scope.
//
// Data sets are given in cairn types (PutIssue) or generated (Generate): generated issues are
// computed from their index on demand, so a million-issue project costs almost no memory; an
// issue that is changed becomes an ordinary stored issue. Faults are injected on demand (429 with
// Retry-After, 500, 503, malformed JSON, cut connections, 404s), and changelogs longer than the
// embedded limit are truncated the way Jira truncates them. It is safe for concurrent use.
package jiratest

import (
	"net/http"
	"time"
)

// Deployments.
const (
	Cloud      = "cloud"
	DataCenter = "datacenter"
)

// Options configures a Server.
type Options struct {
	// Deployment is Cloud (default) or DataCenter.
	Deployment string
	// Now is the server clock (serverInfo, mutation timestamps). Default time.Now.
	Now func() time.Time
	// Email and Token, when Token is set, are the only credentials accepted: basic auth
	// email:token on Cloud, a bearer personal access token on Data Center.
	Email, Token string
	// TimeZone is the API user's time zone (IANA name): JQL dates are read in it and
	// timestamps are rendered in it. Default "UTC".
	TimeZone string
	// MaxResults caps the issues of a search page (default 100 on Cloud, 1000 on Data
	// Center); Cloud allows up to 5000 when only id/key are requested.
	MaxResults int
	// ChangelogLimit is how many histories a search result embeds before truncating (the
	// most recent ones are kept, total tells the real count). Default 100.
	ChangelogLimit int
	// Latency delays every response (a real sleep), for concurrency benchmarks.
	Latency time.Duration
	// ContextPath serves everything under a prefix, e.g. "/jira".
	ContextPath string
	// LegacySprintField renders the sprint field as old Data Center strings
	// ("com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=1,…]").
	LegacySprintField bool
	// StoryPointsAsString renders story points as a JSON string ("5"), as some DC do.
	StoryPointsAsString bool
	// NumericChangelogDates renders bulk-changelog history dates as epoch milliseconds, as in
	// Atlassian's documentation example.
	NumericChangelogDates bool
	// FieldIDs overrides the custom field ids by concept (cairn.JiraConcept*).
	FieldIDs map[string]string
	// DeploymentType overrides serverInfo's deploymentType text ("Cloud" / "Server" by
	// default): "cloud" tests case-insensitive detection, "Server" on a Cloud fake a site that
	// misreports itself (the client must recover from the 410 of the removed search).
	DeploymentType string
	// OnRequest, when set, is called before each request is served.
	OnRequest func(r *http.Request)
}

// Fault is a failure the server answers with instead of the real response.
type Fault int

// Faults on demand.
const (
	Fault429       Fault = iota + 1 // 429 with Retry-After and rate-limit headers
	Fault500                        // 500 Internal Server Error
	Fault503                        // 503 Service Unavailable (with Retry-After when given)
	FaultMalformed                  // 200 with a truncated JSON body
	FaultCut                        // the connection is closed without an answer
	FaultNotFound                   // 404 with Jira's error body
	FaultSlow                       // the real answer after a 2 s delay
)

// Stats counts requests.
type Stats struct {
	Requests int            // every request served
	Faults   int            // injected faults served
	ByRoute  map[string]int // e.g. "search/jql", "search", "changelog/bulkfetch", "issue/changelog", "issue", "field"
	ByStatus map[int]int
}

// Project is a Jira project.
type Project struct {
	Key  string
	Name string
	ID   int64 // 0: assigned
	// TeamManaged renders epics through the parent field only ("simplified" projects);
	// company-managed projects also carry the Epic Link custom field.
	TeamManaged bool
}

// Board is an Agile board of a project.
type Board struct {
	ID         int64 // 0: assigned
	Name       string
	Type       string // scrum | kanban | simple
	ProjectKey string
}

// GenOptions sizes a generated data set.
type GenOptions struct {
	Projects         []string // project keys (default PAY, WEB)
	IssuesPerProject int
	Seed             int64
	// Start is the creation time of the first issue (default: Now minus Span and Lifetime).
	Start time.Time
	// Span is the time over which issues are created (default 365 days).
	Span time.Duration
	// Lifetime is how long after creation an issue was last updated (default 14 days); the
	// status history falls within it.
	Lifetime time.Duration
	// Versions per project (default 4) and sprint length (default 14 days).
	Versions     int
	SprintLength time.Duration
	// LongChangelogs is the share of issues whose history exceeds the embedded changelog
	// limit (default 0), forcing the connector to fetch the rest.
	LongChangelogs float64
	// TeamManaged makes every project team-managed (epics through parent only).
	TeamManaged bool
}
