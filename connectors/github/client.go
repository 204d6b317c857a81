// Package github syncs GitHub (github.com or Enterprise) over go-github v60: pull requests with
// their reviews and Jira keys, issues, milestones and labels, page by page, with conditional
// requests and rate-limit handling. It returns cairn types; wire types never leave it.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/cairn-dev/cairn"
)

// Options configures a Client. Set Token, or AppID, InstallationID and PrivateKeyPEM.
type Options struct {
	// BaseURL is the REST API root; "" means https://api.github.com/. Enterprise:
	// https://ghe.example.com/api/v3/ ("/api/v3/" is added when missing).
	BaseURL string
	// Token is a classic or fine-grained personal access token.
	Token string
	// AppID, InstallationID and PrivateKeyPEM authenticate as a GitHub App installation.
	AppID, InstallationID int64
	PrivateKeyPEM         []byte
	// JiraProjects are the Jira project keys whose issue keys link pull requests.
	JiraProjects []string
	// CaseInsensitiveKeys matches "pay-12" as PAY-12.
	CaseInsensitiveKeys bool
	// LinkCommits also reads keys from each changed PR's commit messages (one request per PR).
	LinkCommits bool
	// HTTPClient is the base client (timeouts, proxies); nil means one with a 60 s timeout.
	HTTPClient *http.Client
	// Observer receives every request and the remaining rate-limit budget; nil discards.
	Observer cairn.Observer
	// MaxRetries bounds retries of one request after rate limits, 5xx and transport errors
	// (default 6; negative means none).
	MaxRetries int
	// Sleep waits for d or until ctx is done; tests replace it. Default: a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for rate-limit and token expiry arithmetic. Default: time.Now.
	Now func() time.Time
	// OnWait, if set, is told about each rate-limit or back-off wait before it starts.
	OnWait func(d time.Duration)
}

// Client reads one GitHub instance. It is safe for concurrent use.
type Client struct {
	gh      *gh.Client
	rate    *rateTransport
	matcher *Matcher
	commits bool
	sleep   func(ctx context.Context, d time.Duration) error
	now     func() time.Time
	retries int
}

// New returns a Client for opts.
func New(opts Options) (*Client, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.Observer == nil {
		opts.Observer = cairn.NopObserver{}
	}
	switch {
	case opts.MaxRetries == 0:
		opts.MaxRetries = 6
	case opts.MaxRetries < 0:
		opts.MaxRetries = 0
	}
	base := defaultTransport()
	timeout := 60 * time.Second
	if opts.HTTPClient != nil {
		if opts.HTTPClient.Transport != nil {
			base = opts.HTTPClient.Transport
		}
		timeout = opts.HTTPClient.Timeout
	}
	baseURL, err := apiBase(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	var token func(context.Context) (string, error)
	switch {
	case opts.Token != "":
		tok := opts.Token
		token = func(context.Context) (string, error) { return tok, nil }
	case opts.AppID != 0 && opts.InstallationID != 0 && len(opts.PrivateKeyPEM) > 0:
		app, err := newAppTokens(baseURL.String(), opts.AppID, opts.InstallationID, opts.PrivateKeyPEM,
			&http.Client{Transport: base, Timeout: timeout}, opts.Now)
		if err != nil {
			return nil, err
		}
		token = app.Token
	default:
		return nil, errNoAuth
	}
	rt := &rateTransport{
		base:       &authTransport{base: base, token: token},
		obs:        opts.Observer,
		sleep:      opts.Sleep,
		now:        opts.Now,
		maxRetries: opts.MaxRetries,
		onWait:     opts.OnWait,
		timeout:    timeout,
	}
	c := gh.NewClient(&http.Client{Transport: rt})
	c.BaseURL = baseURL
	c.UploadURL = baseURL
	return &Client{
		gh:      c,
		rate:    rt,
		matcher: NewMatcher(opts.JiraProjects, opts.CaseInsensitiveKeys),
		commits: opts.LinkCommits,
		sleep:   opts.Sleep,
		now:     opts.Now,
		retries: opts.MaxRetries,
	}, nil
}

// maxIdlePerHost keeps a connection for each request a sync has in flight (repos times review
// fetchers, see syncer.GitHubOptions) alive between requests. http.DefaultTransport keeps 2, so
// a sync with more in flight opened and closed a connection for most requests.
const maxIdlePerHost = 64

func defaultTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = maxIdlePerHost
	return t
}

// apiBase parses the REST root; like go-github's WithEnterpriseURLs, "/api/v3/" is appended
// unless the path has it or the host is an api. host (api.github.com).
func apiBase(s string) (*url.URL, error) {
	if s == "" {
		s = "https://api.github.com/"
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("github base url %q: must be an absolute http(s) URL", s)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if !strings.HasSuffix(u.Path, "/api/v3/") && !strings.HasPrefix(u.Host, "api.") && !strings.Contains(u.Host, ".api.") {
		u.Path += "api/v3/"
	}
	return u, nil
}

// Requests returns how many HTTP requests the client has sent (retries included).
func (c *Client) Requests() int {
	c.rate.mu.Lock()
	defer c.rate.mu.Unlock()
	return int(c.rate.requests)
}

// Matcher returns the client's Jira key matcher.
func (c *Client) Matcher() *Matcher { return c.matcher }

// APIError is a non-2xx answer from GitHub. Its text names the request, never the token.
type APIError struct {
	Method  string
	Path    string
	Status  int
	Message string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Retryable reports whether trying again later may succeed.
func (e *APIError) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500 ||
		(e.Status == http.StatusForbidden && strings.Contains(strings.ToLower(e.Message), "rate limit"))
}

// Unwrap maps statuses to cairn's sentinels.
func (e *APIError) Unwrap() error {
	switch e.Status {
	case http.StatusUnauthorized:
		return cairn.ErrUnauthorized
	case http.StatusForbidden:
		if !e.Retryable() {
			return cairn.ErrUnauthorized
		}
	case http.StatusNotFound, http.StatusGone:
		return cairn.ErrNotFound
	}
	return nil
}

type malformedError struct{ err error }

func (e malformedError) Error() string {
	if e.err == nil {
		return cairn.ErrMalformed.Error()
	}
	return cairn.ErrMalformed.Error() + ": " + e.err.Error()
}
func (e malformedError) Unwrap() []error { return []error{cairn.ErrMalformed, e.err} }

func errMalformed(err error) error { return malformedError{err} }

// scrub removes a secret from an error's text.
func scrub(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "<redacted>"))
}

// splitRepo checks "owner/name".
func splitRepo(repo string) (string, string, error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("github repo %q: want owner/name", repo)
	}
	return url.PathEscape(owner), url.PathEscape(name), nil
}

func itoa(n int) string { return strconv.Itoa(n) }
