// Package jira reads Jira Cloud and Data Center over go-jira v1.17.0 (request building against
// the base URL and its context path, basic and personal-access-token auth, field and status
// types) with lean wire structs of its own where go-jira lacks something: the enhanced search
// and its nextPageToken, changelog totals and the bulk changelog, version dates that may be
// numbers, sprint goals. It returns cairn types; wire types never leave it.
//
// Search returns complete issues: the status history is completed when Jira truncates the
// embedded changelog, statuses carry their categories, and "blocks" links are normalised so
// that FromKey blocks ToKey whichever side reported them. Other link types (relates to,
// duplicates, clones, ...) are left out: cairn models only dependencies.
package jira

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the API user's zone must load in minimal containers

	gojira "github.com/andygrunwald/go-jira"

	"github.com/cairn-dev/cairn"
)

// Deployments.
const (
	DeploymentAuto       = "auto"
	DeploymentCloud      = "cloud"
	DeploymentDataCenter = "datacenter"
)

// Options configures a Client.
type Options struct {
	// BaseURL is the site, e.g. https://acme.atlassian.net or https://jira.example.com/jira.
	BaseURL string
	// Deployment is "auto" (ask /rest/api/2/serverInfo), "cloud" or "datacenter".
	Deployment string
	// Email and Token authenticate with basic auth (Cloud API token); Token alone is sent as
	// a bearer personal access token (Data Center).
	Email string
	Token string
	// Fields maps concepts (cairn.JiraConcept*) to field ids; they win over discovery.
	Fields map[string]string
	// PageSize is the number of issues asked per search page (default 100).
	PageSize int
	// HTTPClient is the base client (timeouts, proxies); nil means one with a 60 s timeout.
	HTTPClient *http.Client
	// Observer receives every request and the rate-limit budget; nil discards.
	Observer cairn.Observer
	// MaxRetries bounds retries of one request after 429, 5xx and network errors (default 6;
	// negative means none).
	MaxRetries int
	// MaxRetryAfter caps a server-requested wait (default 2 minutes).
	MaxRetryAfter time.Duration
	// Sleep waits for d or until ctx is done; tests pass a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for rate-limit arithmetic. Default time.Now.
	Now func() time.Time
	// Workers bounds the concurrent per-issue changelog requests (default 4).
	Workers int
}

// Client reads one Jira site. It is safe for concurrent use.
type Client struct {
	opts    Options
	jc      *gojira.Client
	hc      *http.Client
	secrets []string
	reqs    atomic.Int64

	// One lookup at a time per kind: projects starting together ask the site once.
	depOnce, locOnce, fieldsOnce, statusOnce sync.Mutex

	mu         sync.Mutex
	deployment string
	loc        *time.Location
	fields     []cairn.JiraField
	depRead    bool                // deployment learned from the site by this client
	locRead    bool                // zone read from the site by this client
	fieldsRead bool                // fields read from the site by this client
	statusRead bool                // statuses read from the site by this client
	found      map[string][]string // field candidates per concept before config overrides
	dec        *decoder
	statuses   *statusMap
}

var knownConcepts = []string{cairn.JiraConceptStoryPoints, cairn.JiraConceptEpicLink, cairn.JiraConceptSprint,
	cairn.JiraConceptStartDate, cairn.JiraConceptFlagged}

// New validates opts and returns a Client; it does not touch the network.
func New(o Options) (*Client, error) {
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("jira base url %q: must be an absolute http(s) URL without credentials", redactURL(o.BaseURL))
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	switch strings.ToLower(o.Deployment) {
	case "", DeploymentAuto:
		o.Deployment = DeploymentAuto
	case DeploymentCloud, DeploymentDataCenter:
		o.Deployment = strings.ToLower(o.Deployment)
	case "server", "data_center", "dc":
		o.Deployment = DeploymentDataCenter
	default:
		return nil, fmt.Errorf("jira deployment %q: want auto, cloud or datacenter", o.Deployment)
	}
	if o.Token == "" {
		return nil, errors.New("jira: no token (Cloud: email and API token; Data Center: personal access token)")
	}
	for c, id := range o.Fields {
		if !contains(knownConcepts, c) {
			return nil, fmt.Errorf("jira field override %q: unknown concept (want one of %s)", c, strings.Join(knownConcepts, ", "))
		}
		if strings.TrimSpace(id) == "" {
			return nil, fmt.Errorf("jira field override %q: empty field id", c)
		}
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = 6
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 2 * time.Minute
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Observer == nil {
		o.Observer = cairn.NopObserver{}
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	base := http.DefaultTransport
	timeout := 60 * time.Second
	if o.HTTPClient != nil {
		if o.HTTPClient.Transport != nil {
			base = o.HTTPClient.Transport
		}
		timeout = o.HTTPClient.Timeout
	}
	var auth http.RoundTripper
	if o.Email != "" {
		auth = &gojira.BasicAuthTransport{Username: o.Email, Password: o.Token, Transport: base}
	} else {
		auth = &gojira.PATAuthTransport{Token: o.Token, Transport: base}
	}
	c := &Client{opts: o}
	c.secrets = []string{o.Token, base64.StdEncoding.EncodeToString([]byte(o.Email + ":" + o.Token))}
	if o.Email != "" {
		c.secrets = append(c.secrets, o.Email)
	}
	rt := &retryTransport{base: auth, c: c, timeout: timeout}
	c.hc = &http.Client{Transport: rt}
	c.jc, err = gojira.NewClient(c.hc, u.String()+"/")
	if err != nil {
		return nil, fmt.Errorf("jira base url: %w", err)
	}
	if o.Deployment != DeploymentAuto {
		c.deployment = o.Deployment
	}
	return c, nil
}

// Requests returns how many HTTP requests the client has sent, retries included.
func (c *Client) Requests() int { return int(c.reqs.Load()) }

// Deployment returns "cloud" or "datacenter": the configured one, or what
// /rest/api/2/serverInfo says (deploymentType "Cloud", compared case-insensitively), asked once.
func (c *Client) Deployment(ctx context.Context) (string, error) {
	c.mu.Lock()
	d := c.deployment
	c.mu.Unlock()
	if d != "" {
		return d, nil
	}
	c.depOnce.Lock()
	defer c.depOnce.Unlock()
	c.mu.Lock()
	d = c.deployment
	c.mu.Unlock()
	if d != "" {
		return d, nil
	}
	var info struct {
		DeploymentType string `json:"deploymentType"`
		Version        string `json:"version"`
	}
	if err := c.getJSON(ctx, "rest/api/2/serverInfo", &info); err != nil {
		return "", err
	}
	d = DeploymentDataCenter
	if strings.EqualFold(info.DeploymentType, "Cloud") {
		d = DeploymentCloud
	}
	c.setDeployment(d)
	return d, nil
}

func (c *Client) setDeployment(d string) {
	c.mu.Lock()
	c.deployment, c.depRead = d, true
	c.mu.Unlock()
}

// autoDetected reports whether the deployment came from detection (and may be corrected).
func (c *Client) autoDetected() bool { return c.opts.Deployment == DeploymentAuto }

// Location returns the API user's time zone (/rest/api/2/myself): Jira reads JQL dates in it.
// A user without a zone gets UTC; a zone Go does not know is an error.
func (c *Client) Location(ctx context.Context) (*time.Location, error) {
	c.mu.Lock()
	loc := c.loc
	c.mu.Unlock()
	if loc != nil {
		return loc, nil
	}
	c.locOnce.Lock()
	defer c.locOnce.Unlock()
	c.mu.Lock()
	loc = c.loc
	c.mu.Unlock()
	if loc != nil {
		return loc, nil
	}
	var me gojira.User
	if err := c.getJSON(ctx, "rest/api/2/myself", &me); err != nil {
		return nil, err
	}
	loc = time.UTC
	if me.TimeZone != "" {
		l, err := time.LoadLocation(me.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("jira user time zone %q: %w", me.TimeZone, err)
		}
		loc = l
	}
	c.mu.Lock()
	c.loc, c.locRead = loc, true
	c.mu.Unlock()
	return loc, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User("redacted")
		return u.String()
	}
	return s
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// JQLTime renders t for a JQL date comparison as Jira reads it: in the API user's zone loc,
// floored to the minute, e.g. "2026/11/24 23:02" (quotes included).
func JQLTime(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return `"` + t.In(loc).Format("2006/01/02 15:04") + `"`
}
