// Package confluence publishes rendered status pages to Confluence Cloud (REST v2) or
// Confluence Data Center / Server (REST /rest/api/content).
//
// A Publisher only ever sends complete bodies: callers render every page first and pass the
// finished storage-format documents to Publish, which checks that each one is well-formed
// before the first request leaves the process. Publishing is an idempotent upsert: a page
// whose stored body is unchanged gets no new version, an update sends version = current + 1,
// and a 409 Conflict (someone else saved in between) re-reads the page and tries again.
package confluence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
)

// Deployment is the kind of Confluence server.
type Deployment string

// Deployments.
const (
	// DeploymentAuto picks Cloud for *.atlassian.net hosts and Data Center otherwise.
	DeploymentAuto       Deployment = "auto"
	DeploymentCloud      Deployment = "cloud"
	DeploymentDataCenter Deployment = "datacenter"
)

// Options configure a Publisher. Only cmd fills them, from the config file.
type Options struct {
	// BaseURL is the site: https://acme.atlassian.net (or .../wiki) for Cloud, the base
	// URL including any context path (https://wiki.example.com/confluence) for Data Center.
	BaseURL    string
	Deployment Deployment // "" means auto
	Space      string     // space key, e.g. TPM
	ParentID   string     // page id the weekly pages are created under; "" for the space root
	// Email with Token is HTTP Basic auth (required on Cloud). On Data Center an empty
	// Email sends Token as a personal access token (Bearer).
	Email      string
	Token      string
	HTTPClient *http.Client // nil means a client with a 30 s timeout
	// Retries is how many times a 409 Conflict is retried after re-reading the page;
	// zero means 3.
	Retries int
	// Backoff is the pause before the first retry, doubled each time; zero means 250 ms.
	Backoff time.Duration
}

// Page is one complete page to publish.
type Page struct {
	Title string
	Body  string // Confluence storage format, fully rendered
}

// Action says what Publish did with a page.
type Action string

// Actions.
const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
)

// Result is the outcome for one page.
type Result struct {
	Title   string
	ID      string
	Version int
	Action  Action
	URL     string // web UI link, when the server returned one
}

// User is the account the token authenticates as.
type User struct {
	ID          string // accountId (Cloud), userKey or username (Data Center)
	DisplayName string
}

// Publisher creates and updates pages in one space. It is safe for concurrent use.
type Publisher struct {
	opts   Options
	cloud  bool
	root   string // API root: .../wiki on Cloud, the base URL on Data Center
	client *http.Client
	scrub  *strings.Replacer
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// New checks the options and returns a Publisher. It makes no request.
func New(opts Options) (*Publisher, error) {
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("confluence: base URL must be an absolute http(s) URL (got %q)", redact(opts.BaseURL))
	}
	if u.User != nil {
		return nil, errors.New("confluence: base URL must not carry credentials")
	}
	if opts.Space == "" {
		return nil, errors.New("confluence: space key is required")
	}
	if opts.ParentID != "" && !digits.MatchString(opts.ParentID) {
		return nil, fmt.Errorf("confluence: parent id must be a page id (digits), got %q", opts.ParentID)
	}
	if opts.Token == "" {
		return nil, errors.New("confluence: token is required")
	}
	p := &Publisher{opts: opts, client: opts.HTTPClient}
	switch opts.Deployment {
	case DeploymentCloud:
		p.cloud = true
	case DeploymentDataCenter:
	case DeploymentAuto, "":
		p.cloud = strings.HasSuffix(strings.ToLower(u.Hostname()), ".atlassian.net")
	default:
		return nil, fmt.Errorf("confluence: unknown deployment %q (want auto, cloud or datacenter)", opts.Deployment)
	}
	if p.cloud && opts.Email == "" {
		return nil, errors.New("confluence: Cloud needs an email with the API token")
	}
	root := strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/")
	if p.cloud && !strings.HasSuffix(root, "/wiki") {
		root += "/wiki"
	}
	p.root = root
	if p.client == nil {
		p.client = &http.Client{Timeout: 30 * time.Second}
	}
	if p.opts.Retries <= 0 {
		p.opts.Retries = 3
	}
	if p.opts.Backoff <= 0 {
		p.opts.Backoff = 250 * time.Millisecond
	}
	p.scrub = scrubber(opts.Email, opts.Token)
	return p, nil
}

// Cloud reports whether the publisher talks to Confluence Cloud.
func (p *Publisher) Cloud() bool { return p.cloud }

// Verify returns the authenticated user. Data Center serves an invalid personal access token
// as the anonymous user when anonymous access is on (CONFSERVER-98199), so an anonymous
// answer is an error too; both wrap cairn.ErrUnauthorized.
func (p *Publisher) Verify(ctx context.Context) (User, error) {
	var w wireUser
	path := "/rest/api/user/current"
	if err := p.do(ctx, http.MethodGet, path, nil, nil, &w); err != nil {
		return User{}, fmt.Errorf("verify confluence user: %w", err)
	}
	if w.Type == "anonymous" || (w.AccountID == "" && w.UserKey == "" && w.Username == "") {
		return User{}, fmt.Errorf("verify confluence user: the token authenticates as anonymous: %w", cairn.ErrUnauthorized)
	}
	u := User{ID: w.AccountID, DisplayName: w.DisplayName}
	if u.ID == "" {
		u.ID = w.UserKey
	}
	if u.ID == "" {
		u.ID = w.Username
	}
	return u, nil
}

// Publish verifies the user, then creates or updates each page in order. It checks every
// body before sending anything, so a page that failed to render never half-publishes.
// It returns the results for the pages it got through and the first error.
func (p *Publisher) Publish(ctx context.Context, pages ...Page) ([]Result, error) {
	for _, pg := range pages {
		if strings.TrimSpace(pg.Title) == "" {
			return nil, errors.New("publish to confluence: a page has no title")
		}
		if err := ValidateStorage(pg.Body); err != nil {
			return nil, fmt.Errorf("publish %q to confluence: %w", pg.Title, err)
		}
	}
	if _, err := p.Verify(ctx); err != nil {
		return nil, err
	}
	b, err := p.backend(ctx)
	if err != nil {
		return nil, err
	}
	results := make([]Result, 0, len(pages))
	for _, pg := range pages {
		r, err := p.upsert(ctx, b, pg)
		if err != nil {
			return results, fmt.Errorf("publish %q to confluence: %w", pg.Title, err)
		}
		results = append(results, r)
	}
	return results, nil
}

func (p *Publisher) backend(ctx context.Context) (backend, error) {
	if !p.cloud {
		return dataCenter{p}, nil
	}
	id, err := cloudSpaceID(ctx, p)
	if err != nil {
		return nil, err
	}
	return cloud{p: p, spaceID: id}, nil
}

// upsert creates the page or brings it to pg.Body, retrying on 409.
func (p *Publisher) upsert(ctx context.Context, b backend, pg Page) (Result, error) {
	msg := versionMessage(pg.Body)
	backoff := p.opts.Backoff
	for attempt := 0; ; attempt++ {
		cur, err := b.find(ctx, pg.Title)
		if err != nil {
			return Result{}, err
		}
		var got *remotePage
		action := Updated
		switch {
		case cur == nil:
			action = Created
			got, err = b.create(ctx, pg.Title, pg.Body, msg)
		case sameBody(cur, pg.Body, msg):
			return p.result(cur, Unchanged), nil
		default:
			got, err = b.update(ctx, cur, pg.Title, pg.Body, msg, cur.Version+1)
		}
		if err == nil {
			return p.result(got, action), nil
		}
		if !conflict(err) || attempt >= p.opts.Retries {
			return Result{}, err
		}
		select {
		case <-ctx.Done():
			return Result{}, ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

func (p *Publisher) result(r *remotePage, a Action) Result {
	res := Result{Title: r.Title, ID: r.ID, Version: r.Version, Action: a}
	if r.WebUI != "" {
		res.URL = p.root + r.WebUI
	}
	return res
}

// versionMessage marks a version with a hash of the body cairn sent, so a later run can tell
// that the page is unchanged even when Confluence has normalised the stored markup.
func versionMessage(body string) string {
	sum := sha256.Sum256([]byte(normalize(body)))
	return "cairn " + hex.EncodeToString(sum[:8])
}

func sameBody(cur *remotePage, body, msg string) bool {
	return normalize(cur.Body) == normalize(body) || strings.Contains(cur.VersionMessage, msg)
}

var interTag = regexp.MustCompile(`>\s+<`)

func normalize(s string) string {
	return interTag.ReplaceAllString(strings.TrimSpace(s), "><")
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User("xxx")
	return u.String()
}
