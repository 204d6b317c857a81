package githubtest

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configures a Server.
type Options struct {
	// Now is the server clock (timestamps of mutations, Date, rate-limit windows). Default time.Now.
	Now func() time.Time
	// RateLimit is the primary budget per hour (default 5000).
	RateLimit int
	// Latency delays every response (a real sleep), for concurrency benchmarks.
	Latency time.Duration
	// Tokens, when set, are the only tokens accepted (besides app installation tokens the
	// server minted); otherwise any request is served.
	Tokens []string
	// AppKey, when set, verifies the RS256 signature of app JWTs at
	// POST /app/installations/{id}/access_tokens.
	AppKey *rsa.PublicKey
	// OnRequest, when set, is called before each request is served (tests cancel runs from it).
	OnRequest func(r *http.Request)
}

// Fault is a failure the server answers with instead of the real response.
type Fault int

// Faults on demand.
const (
	FaultPrimary          Fault = iota + 1 // exhaust the primary budget: 403, remaining 0, until reset
	FaultPrimary429                        // as FaultPrimary, answered with 429
	FaultSecondary                         // 403 secondary limit with Retry-After
	FaultSecondaryNoRetry                  // 403 secondary limit without Retry-After
	Fault429                               // 429 with Retry-After
	Fault5xx                               // 502 Bad Gateway
	FaultMalformed                         // 200 with a truncated JSON body
)

type fault struct {
	kind       Fault
	path       string // substring of the request path; "" matches any
	retryAfter int
}

// Stats counts requests by outcome.
type Stats struct {
	Requests    int            // every request served
	NotModified int            // 304 answers
	Charged     int            // requests that cost primary budget
	Faults      int            // injected faults served
	ByRoute     map[string]int // e.g. "pulls", "reviews", "issues", "milestones", "labels", "commits"
}

// Server is a fake GitHub REST API.
type Server struct {
	*httptest.Server
	opts Options

	mu        sync.Mutex
	repos     map[string]*repoState
	faults    []fault
	stats     Stats
	remaining int
	reset     time.Time
	tokens    map[string]time.Time // minted installation tokens and their expiry
	minted    int
	nextID    int64
}

// New starts a Server on a local listener; Close stops it.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 5000
	}
	s := &Server{opts: opts, repos: map[string]*repoState{}, tokens: map[string]time.Time{},
		stats: Stats{ByRoute: map[string]int{}}, nextID: 9_000_000_000}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// BaseURL is the github.com-style API root, e.g. http://127.0.0.1:1234/.
func (s *Server) BaseURL() string { return s.URL + "/" }

// EnterpriseURL is the Enterprise-style API root, http://127.0.0.1:1234/api/v3/.
func (s *Server) EnterpriseURL() string { return s.URL + "/api/v3/" }

// AddRepo adds (or replaces) a repository with its content.
func (s *Server) AddRepo(r Repo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[r.FullName()] = newRepoState(r)
}

// Load adds every repository of data.
func (s *Server) Load(data []Repo) {
	for _, r := range data {
		s.AddRepo(r)
	}
}

// Inject queues n faults of a kind for requests whose path contains path ("" = any).
// retryAfter is the Retry-After in seconds for secondary limits and 429s.
func (s *Server) Inject(kind Fault, path string, n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.faults = append(s.faults, fault{kind, path, retryAfter})
	}
}

// Stats returns the request counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.ByRoute = make(map[string]int, len(s.stats.ByRoute))
	for k, v := range s.stats.ByRoute {
		st.ByRoute[k] = v
	}
	return st
}

// ResetStats zeroes the request counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{ByRoute: map[string]int{}}
}

// RateRemaining returns the primary budget left in the current window.
func (s *Server) RateRemaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.window()
	return s.remaining
}

// TokensMinted counts installation tokens issued to GitHub Apps.
func (s *Server) TokensMinted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.minted
}

// Snapshot returns a copy of a repository's current content, PRs and issues by number.
func (s *Server) Snapshot(repo string) (Repo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repo]
	if r == nil {
		return Repo{}, false
	}
	out := r.Repo
	for _, p := range r.prs {
		cp := *p
		cp.Reviews = append([]Review(nil), p.Reviews...)
		out.PRs = append(out.PRs, cp)
	}
	for n, is := range r.issues {
		if !r.deleted[n] {
			out.Issues = append(out.Issues, *is)
		}
	}
	for _, m := range r.milestones {
		out.Milestones = append(out.Milestones, *m)
	}
	for _, l := range r.labels {
		out.Labels = append(out.Labels, *l)
	}
	sort.Slice(out.PRs, func(i, j int) bool { return out.PRs[i].Number < out.PRs[j].Number })
	sort.Slice(out.Issues, func(i, j int) bool { return out.Issues[i].Number < out.Issues[j].Number })
	sort.Slice(out.Milestones, func(i, j int) bool { return out.Milestones[i].Number < out.Milestones[j].Number })
	sort.Slice(out.Labels, func(i, j int) bool { return out.Labels[i].Name < out.Labels[j].Name })
	return out, true
}

// window starts a new rate-limit window when the old one has passed. s.mu is held.
func (s *Server) window() {
	now := s.opts.Now()
	if s.reset.IsZero() || !now.Before(s.reset) {
		s.remaining = s.opts.RateLimit
		s.reset = now.Add(time.Hour).Truncate(time.Second)
	}
}

func (s *Server) rateHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.reset.Unix(), 10))
	h.Set("X-RateLimit-Used", strconv.Itoa(s.opts.RateLimit-s.remaining))
	h.Set("X-RateLimit-Resource", "core")
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

const (
	docPrimary   = "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
	docSecondary = "https://docs.github.com/free-pro-team@latest/rest/overview/resources-in-the-rest-api#secondary-rate-limits"
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	if s.opts.OnRequest != nil {
		s.opts.OnRequest(r)
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v3")
	s.mu.Lock()
	status, body := s.serveLocked(w, r, path)
	s.mu.Unlock()
	// A large page is written after the lock is released, so concurrent requests only
	// serialize on the fake's state, not on each other's sockets.
	if body != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(body) // rendered bodies are never modified, so this one may be shared
	}
}

// serveLocked answers r with s.mu held: it writes small answers itself and returns a rendered
// body (never nil for 2xx lists) for the caller to write once the lock is released.
func (s *Server) serveLocked(w http.ResponseWriter, r *http.Request, path string) (int, []byte) {
	s.stats.Requests++
	h := w.Header()
	h.Set("Date", s.opts.Now().UTC().Format(http.TimeFormat))
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:%d", s.stats.Requests))
	if r.Method == http.MethodPost && strings.HasPrefix(path, "/app/installations/") && strings.HasSuffix(path, "/access_tokens") {
		s.mintToken(w, r)
		return 0, nil
	}
	if !s.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`)
		return 0, nil
	}
	s.window()
	if f, ok := s.takeFault(path); ok {
		s.stats.Faults++
		s.serveFault(w, f)
		return 0, nil
	}
	if s.remaining <= 0 {
		s.rateHeaders(h)
		writeJSON(w, http.StatusForbidden, `{"message":"API rate limit exceeded for user ID 1.","documentation_url":"`+docPrimary+`"}`)
		return 0, nil
	}
	status, body, route, etag := s.cachedRoute(h, r, path)
	s.stats.ByRoute[route]++
	if status == http.StatusOK {
		h.Set("ETag", etag)
		h.Set("Cache-Control", "private, max-age=60, s-maxage=60")
		h.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
		if match := r.Header.Get("If-None-Match"); match != "" && (match == etag || strings.TrimPrefix(match, "W/") == strings.TrimPrefix(etag, "W/")) {
			s.stats.NotModified++
			s.rateHeaders(h)
			w.WriteHeader(http.StatusNotModified)
			return 0, nil
		}
	}
	if status != http.StatusMovedPermanently {
		s.remaining--
		s.stats.Charged++
	}
	s.rateHeaders(h)
	if status == http.StatusMovedPermanently {
		h.Set("Location", string(body))
		writeJSON(w, status, `{"message":"Moved Permanently","url":"`+string(body)+`"}`)
		return 0, nil
	}
	if body == nil {
		body = []byte{}
	}
	return status, body
}

// cachedRoute serves a GET through the repo's cache of rendered answers: a 200 answer (body,
// ETag and Link header) is kept per host and request URI until the repo changes, so that a
// sync reading the same pages again (a benchmark's warm-up, a rerun) costs the fake a lookup
// instead of rendering, joining and hashing them again. s.mu is held.
func (s *Server) cachedRoute(h http.Header, r *http.Request, path string) (status int, body []byte, route, etag string) {
	var repo *repoState
	if r.Method == http.MethodGet {
		repo = s.repoOf(path)
	}
	key := r.Host + r.URL.RequestURI()
	if repo != nil {
		if c, ok := repo.pages[key]; ok {
			if c.link != "" {
				h.Set("Link", c.link)
			}
			return http.StatusOK, c.body, c.route, c.etag
		}
	}
	status, body, route = s.route(h, r, path)
	if status != http.StatusOK {
		return status, body, route, ""
	}
	etag = `W/"` + etagOf(body) + `"`
	if repo != nil {
		repo.keepPage(key, cachedPage{body: body, etag: etag, route: route, link: h.Get("Link")})
	}
	return status, body, route, etag
}

// repoOf returns the repository a /repos/{owner}/{name}/... path reads, nil for other paths.
func (s *Server) repoOf(path string) *repoState {
	rest, ok := strings.CutPrefix(path, "/repos/")
	if !ok {
		return nil
	}
	owner, rest, _ := strings.Cut(rest, "/")
	name, _, _ := strings.Cut(rest, "/")
	return s.repos[owner+"/"+name]
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (s *Server) takeFault(path string) (fault, bool) {
	for i, f := range s.faults {
		if f.path == "" || strings.Contains(path, f.path) {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			return f, true
		}
	}
	return fault{}, false
}

func (s *Server) serveFault(w http.ResponseWriter, f fault) {
	h := w.Header()
	switch f.kind {
	case FaultPrimary, FaultPrimary429:
		s.remaining = 0
		s.rateHeaders(h)
		status := http.StatusForbidden
		if f.kind == FaultPrimary429 {
			status = http.StatusTooManyRequests
		}
		writeJSON(w, status, `{"message":"API rate limit exceeded for user ID 1.","documentation_url":"`+docPrimary+`"}`)
	case FaultSecondary, FaultSecondaryNoRetry:
		s.rateHeaders(h)
		if f.kind == FaultSecondary {
			h.Set("Retry-After", strconv.Itoa(max(f.retryAfter, 1)))
		}
		writeJSON(w, http.StatusForbidden, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"`+docSecondary+`"}`)
	case Fault429:
		s.rateHeaders(h)
		h.Set("Retry-After", strconv.Itoa(max(f.retryAfter, 1)))
		writeJSON(w, http.StatusTooManyRequests, `{"message":"Too Many Requests"}`)
	case Fault5xx:
		writeJSON(w, http.StatusBadGateway, `{"message":"Server Error"}`)
	case FaultMalformed:
		s.remaining--
		s.rateHeaders(h)
		writeJSON(w, http.StatusOK, `[{"id":1,"number":1,"title":"trunc`)
	}
}

func (s *Server) authorized(r *http.Request) bool {
	if len(s.opts.Tokens) == 0 {
		return true
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(r.Header.Get("Authorization"), "token ")
	}
	if !ok {
		return false
	}
	for _, t := range s.opts.Tokens {
		if t == tok {
			return true
		}
	}
	exp, ok := s.tokens[tok]
	return ok && s.opts.Now().Before(exp)
}

// mintToken answers POST /app/installations/{id}/access_tokens for a valid app JWT.
func (s *Server) mintToken(w http.ResponseWriter, r *http.Request) {
	jwt, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		writeJSON(w, http.StatusUnauthorized, `{"message":"A JSON web token could not be decoded"}`)
		return
	}
	if s.opts.AppKey != nil {
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if err != nil || rsa.VerifyPKCS1v15(s.opts.AppKey, crypto.SHA256, sum[:], sig) != nil {
			writeJSON(w, http.StatusUnauthorized, `{"message":"'Issuer' claim ('iss') must be an Integer"}`)
			return
		}
	}
	s.minted++
	tok := fmt.Sprintf("ghs_fake%032d", s.minted)
	exp := s.opts.Now().Add(time.Hour).UTC().Truncate(time.Second)
	s.tokens[tok] = exp
	writeJSON(w, http.StatusCreated, `{"token":"`+tok+`","expires_at":"`+ts(exp)+`","permissions":{"issues":"read","pull_requests":"read","metadata":"read"},"repository_selection":"all"}`)
}

// link writes the Link header for page of last, keeping the request's other parameters.
func link(h http.Header, r *http.Request, page, last int) {
	if last <= 1 {
		return
	}
	u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path}
	q := r.URL.Query()
	at := func(p int) string {
		q.Set("page", strconv.Itoa(p))
		u.RawQuery = q.Encode()
		return "<" + u.String() + ">"
	}
	var parts []string
	if page > 1 {
		parts = append(parts, at(page-1)+`; rel="prev"`)
	}
	if page < last {
		parts = append(parts, at(page+1)+`; rel="next"`, at(last)+`; rel="last"`)
	}
	if page > 1 {
		parts = append(parts, at(1)+`; rel="first"`)
	}
	h.Set("Link", strings.Join(parts, ", "))
}

// paging reads per_page (default 30, max 100) and page (default 1).
func paging(q url.Values) (perPage, page int) {
	perPage, page = 30, 1
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	return perPage, page
}

func joinPage(items [][]byte) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	return b.Bytes()
}
