package jiratest

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a fake Jira.
type Server struct {
	*httptest.Server
	opts Options
	loc  *time.Location

	mu        sync.Mutex
	projects  map[string]*project // by key
	projOrder []*project
	recs      map[int64]*rec     // stored issues by id
	byKey     map[string]int64   // stored issues by current key
	moved     map[string]string  // old key -> new key
	links     map[int64]*link    // stored links by id
	linksOf   map[string][]int64 // key -> link ids
	statuses  []*status
	statusBy  map[string]*status // by name
	boards    []*boardState
	sprints   map[int64]*sprintState
	versions  map[int64]*versionState
	faults    []fault
	stats     Stats
	nextID    int64
	version   int64 // bumped on every mutation (invalidates query caches)
	dcCursors map[string]cursorPos
	counts    map[string]int    // Data Center totals by JQL, valid until the next mutation
	fields    map[string]string // concept -> field id
	clLimit   int
}

type fault struct {
	kind       Fault
	path       string
	left       int // remaining count; <0: unlimited (every-th)
	every, hit int
	retryAfter int
}

// New starts a Server on a local listener; Close stops it.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Deployment == "" {
		opts.Deployment = Cloud
	}
	if opts.TimeZone == "" {
		opts.TimeZone = "UTC"
	}
	loc, err := time.LoadLocation(opts.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	if opts.MaxResults <= 0 {
		opts.MaxResults = 100
		if opts.Deployment == DataCenter {
			opts.MaxResults = 1000
		}
	}
	if opts.ChangelogLimit <= 0 {
		opts.ChangelogLimit = 100
	}
	opts.ContextPath = strings.TrimRight(opts.ContextPath, "/")
	if opts.ContextPath != "" && !strings.HasPrefix(opts.ContextPath, "/") {
		opts.ContextPath = "/" + opts.ContextPath
	}
	s := &Server{
		opts: opts, loc: loc,
		projects: map[string]*project{}, recs: map[int64]*rec{}, byKey: map[string]int64{},
		moved: map[string]string{}, links: map[int64]*link{}, linksOf: map[string][]int64{},
		statusBy: map[string]*status{}, sprints: map[int64]*sprintState{}, versions: map[int64]*versionState{},
		stats:     Stats{ByRoute: map[string]int{}, ByStatus: map[int]int{}},
		nextID:    100000,
		dcCursors: map[string]cursorPos{},
		counts:    map[string]int{},
		fields:    defaultFieldIDs(opts.Deployment),
		clLimit:   opts.ChangelogLimit,
	}
	for k, v := range opts.FieldIDs {
		s.fields[k] = v
	}
	for _, st := range defaultStatuses {
		s.addStatus(st.name, st.cat)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// BaseURL is the Jira base URL including the context path, e.g. http://127.0.0.1:1234/jira.
func (s *Server) BaseURL() string { return s.URL + s.opts.ContextPath }

// Deployment returns Cloud or DataCenter.
func (s *Server) Deployment() string { return s.opts.Deployment }

// Location is the API user's time zone.
func (s *Server) Location() *time.Location { return s.loc }

// FieldID returns the custom field id the server uses for a concept (cairn.JiraConcept*).
func (s *Server) FieldID(concept string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fields[concept]
}

// SetChangelogLimit changes how many histories search results embed.
func (s *Server) SetChangelogLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clLimit = max(n, 1)
}

// Inject queues n faults of a kind for requests whose path contains path ("" = any).
// retryAfter is the Retry-After in seconds for 429 and 503 (0: none on 503, 1 on 429).
func (s *Server) Inject(kind Fault, path string, n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{kind: kind, path: path, left: n, retryAfter: retryAfter})
}

// InjectEvery answers every n-th matching request with a fault until ClearFaults.
func (s *Server) InjectEvery(kind Fault, path string, every, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{kind: kind, path: path, left: -1, every: max(every, 1), retryAfter: retryAfter})
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
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
	st.ByStatus = make(map[int]int, len(s.stats.ByStatus))
	for k, v := range s.stats.ByStatus {
		st.ByStatus[k] = v
	}
	return st
}

// ResetStats zeroes the request counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{ByRoute: map[string]int{}, ByStatus: map[int]int{}}
}

func (s *Server) takeFault(path string) (fault, bool) {
	for i := range s.faults {
		f := &s.faults[i]
		if f.path != "" && !strings.Contains(path, f.path) {
			continue
		}
		if f.left < 0 {
			f.hit++
			if f.hit%f.every != 0 {
				continue
			}
			return *f, true
		}
		out := *f
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return out, true
	}
	return fault{}, false
}

// errorBody is Jira's error shape.
func errorBody(msgs ...string) string {
	var b []byte
	b = append(b, `{"errorMessages":[`...)
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, m)
	}
	return string(append(b, `],"errors":{}}`...))
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	if s.opts.OnRequest != nil {
		s.opts.OnRequest(r)
	}
	path, ok := strings.CutPrefix(r.URL.Path, s.opts.ContextPath)
	if !ok {
		writeJSON(w, http.StatusNotFound, []byte(errorBody("Not Found")))
		return
	}
	s.mu.Lock()
	s.stats.Requests++
	h := w.Header()
	h.Set("X-Arequestid", "fake-"+strconv.Itoa(s.stats.Requests))
	if s.opts.Deployment == Cloud {
		h.Set("Atl-Traceid", strconv.FormatInt(int64(s.stats.Requests)*7919, 16))
	}
	if !s.authorized(r) {
		s.stats.ByStatus[http.StatusUnauthorized]++
		s.mu.Unlock()
		h.Set("WWW-Authenticate", `Basic realm="protected-area"`)
		writeJSON(w, http.StatusUnauthorized, []byte(errorBody("You are not authenticated. Authentication required to perform this operation.")))
		return
	}
	f, faulty := s.takeFault(path)
	if faulty {
		s.stats.Faults++
		if f.kind == FaultSlow {
			s.mu.Unlock()
			time.Sleep(2 * time.Second)
			s.mu.Lock()
		} else {
			s.serveFault(w, f)
			s.mu.Unlock()
			return
		}
	}
	status, body, route := s.route(w, r, path)
	s.stats.ByRoute[route]++
	s.stats.ByStatus[status]++
	s.mu.Unlock()
	writeJSON(w, status, body)
}

func (s *Server) serveFault(w http.ResponseWriter, f fault) {
	h := w.Header()
	switch f.kind {
	case Fault429:
		s.stats.ByStatus[http.StatusTooManyRequests]++
		ra := max(f.retryAfter, 1)
		h.Set("Retry-After", strconv.Itoa(ra))
		h.Set("X-RateLimit-Limit", "100")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", s.opts.Now().UTC().Add(time.Duration(ra)*time.Second).Format("2006-01-02T15:04Z"))
		h.Set("RateLimit-Reason", "jira-burst-based")
		h.Set("X-RateLimit-NearLimit", "true")
		writeJSON(w, http.StatusTooManyRequests, []byte(errorBody("Rate limit exceeded.")))
	case Fault500:
		s.stats.ByStatus[http.StatusInternalServerError]++
		writeJSON(w, http.StatusInternalServerError, []byte(errorBody("Internal server error")))
	case Fault503:
		s.stats.ByStatus[http.StatusServiceUnavailable]++
		if f.retryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(f.retryAfter))
		}
		writeJSON(w, http.StatusServiceUnavailable, []byte(errorBody("Service Unavailable")))
	case FaultMalformed:
		s.stats.ByStatus[http.StatusOK]++
		writeJSON(w, http.StatusOK, []byte(`{"issues":[{"id":"10001","key":"TRUNC-1","fields":{"summary":"trunc`))
	case FaultNotFound:
		s.stats.ByStatus[http.StatusNotFound]++
		writeJSON(w, http.StatusNotFound, []byte(errorBody("Not Found")))
	case FaultCut:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	auth := r.Header.Get("Authorization")
	if s.opts.Deployment == DataCenter {
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		return ok && subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.Token)) == 1
	}
	enc, ok := strings.CutPrefix(auth, "Basic ")
	if !ok {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return false
	}
	want := s.opts.Email + ":" + s.opts.Token
	return subtle.ConstantTimeCompare(raw, []byte(want)) == 1
}

// route dispatches a request (s.mu held) and returns the status, body and a route name.
func (s *Server) route(w http.ResponseWriter, r *http.Request, path string) (int, []byte, string) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	notFound := func() (int, []byte, string) {
		return http.StatusNotFound, []byte(errorBody("null for uri: " + r.URL.Path)), "unknown"
	}
	if len(seg) < 4 || seg[0] != "rest" {
		return notFound()
	}
	get := r.Method == http.MethodGet
	if seg[1] == "agile" && seg[2] == "1.0" && get {
		switch {
		case len(seg) == 4 && seg[3] == "board":
			return s.handleBoards(r)
		case len(seg) == 6 && seg[3] == "board" && seg[5] == "sprint":
			return s.handleSprints(r, seg[4])
		}
		return notFound()
	}
	if seg[1] != "api" || (seg[2] != "2" && seg[2] != "3" && seg[2] != "latest") {
		return notFound()
	}
	rest := seg[3:]
	switch {
	case len(rest) == 1 && rest[0] == "serverInfo" && get:
		return http.StatusOK, s.serverInfo(), "serverInfo"
	case len(rest) == 1 && rest[0] == "myself" && get:
		return http.StatusOK, s.myself(), "myself"
	case len(rest) == 1 && rest[0] == "field" && get:
		return http.StatusOK, s.fieldList(), "field"
	case len(rest) == 1 && rest[0] == "status" && get:
		return http.StatusOK, s.statusList(), "status"
	case len(rest) == 1 && rest[0] == "search":
		return s.handleLegacySearch(r)
	case len(rest) == 2 && rest[0] == "search" && rest[1] == "jql":
		return s.handleEnhancedSearch(r)
	case len(rest) == 2 && rest[0] == "changelog" && rest[1] == "bulkfetch" && r.Method == http.MethodPost:
		return s.handleBulkChangelog(r)
	case len(rest) == 2 && rest[0] == "issue" && get:
		return s.handleIssue(r, rest[1])
	case len(rest) == 3 && rest[0] == "issue" && rest[2] == "changelog" && get:
		return s.handleIssueChangelog(r, rest[1])
	case len(rest) == 3 && rest[0] == "project" && (rest[2] == "versions" || rest[2] == "version") && get:
		return s.handleVersions(r, rest[1], rest[2] == "version")
	}
	return notFound()
}
