// Package confluencetest is a fake Confluence for tests and demos. It serves the real paths
// and JSON shapes of Confluence Cloud REST v2 (under /wiki) and of Data Center's REST content
// API (under a /confluence context path), keeps pages in memory with version numbers, and can
// inject the faults a publisher must survive: a 409 Conflict, a rejected token, and Data
// Center's habit of serving a bad personal access token as the anonymous user.
package confluencetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Deployment selects which API the fake speaks.
type Deployment string

// Deployments.
const (
	Cloud      Deployment = "cloud"
	DataCenter Deployment = "datacenter"
)

// Credentials the fake accepts unless a test changes them.
const (
	Email = "tpm@example.com"
	Token = "fake-confluence-token-0123456789"
)

// SpaceKey and SpaceID are the one space the fake holds; ParentID is a page in it that new
// pages may be created under.
const (
	SpaceKey = "TPM"
	SpaceID  = "131074"
	ParentID = "98304"
)

// Page is a stored page.
type Page struct {
	ID       string
	Title    string
	ParentID string
	Version  int
	Message  string // version message
	Body     string
	Versions int // how many versions were saved (1 after create)
}

// Server is a running fake. Create it with NewServer and Close it when done.
type Server struct {
	*httptest.Server
	deployment Deployment

	mu           sync.Mutex
	pages        map[string]*Page
	nextID       int
	conflicts    int  // PUTs still to answer with 409
	anonymous    bool // Data Center: serve bad tokens as the anonymous user
	email, token string
	requests     []string
}

// NewServer starts a fake speaking the given deployment's API.
func NewServer(d Deployment) *Server {
	s := &Server{deployment: d, pages: map[string]*Page{}, nextID: 65537, email: Email, token: Token}
	mux := http.NewServeMux()
	if d == Cloud {
		mux.HandleFunc("GET /wiki/rest/api/user/current", s.currentUser)
		mux.HandleFunc("GET /wiki/api/v2/spaces", s.v2Spaces)
		mux.HandleFunc("GET /wiki/api/v2/pages", s.v2ListPages)
		mux.HandleFunc("POST /wiki/api/v2/pages", s.v2CreatePage)
		mux.HandleFunc("PUT /wiki/api/v2/pages/{id}", s.v2UpdatePage)
	} else {
		mux.HandleFunc("GET /confluence/rest/api/user/current", s.currentUser)
		mux.HandleFunc("GET /confluence/rest/api/content", s.dcListContent)
		mux.HandleFunc("POST /confluence/rest/api/content", s.dcCreateContent)
		mux.HandleFunc("PUT /confluence/rest/api/content/{id}", s.dcUpdateContent)
	}
	s.Server = httptest.NewServer(s.record(mux))
	return s
}

// BaseURL is the URL to configure the publisher with.
func (s *Server) BaseURL() string {
	if s.deployment == Cloud {
		return s.URL + "/wiki"
	}
	return s.URL + "/confluence"
}

// ConflictOnNextUpdates makes the next n page updates fail with 409 Conflict, as if someone
// else saved a new version first: each one also bumps the stored version, so a client that
// does not re-read the page keeps conflicting.
func (s *Server) ConflictOnNextUpdates(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conflicts = n
}

// SetCredentials changes the accepted email and token.
func (s *Server) SetCredentials(email, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.email, s.token = email, token
}

// ServeBadTokensAsAnonymous reproduces Data Center with anonymous access enabled: a request
// with a bad token is served as the anonymous user instead of 401 (CONFSERVER-98199).
func (s *Server) ServeBadTokensAsAnonymous(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.anonymous = on
}

// PageByTitle returns a copy of the stored page with that title.
func (s *Server) PageByTitle(title string) (Page, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pages {
		if p.Title == title {
			return *p, true
		}
	}
	return Page{}, false
}

// Pages returns copies of all stored pages ordered by id.
func (s *Server) Pages() []Page {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Page, 0, len(s.pages))
	for _, p := range s.pages {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Requests returns "METHOD /path" for every request served, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		if !s.authorized(r) {
			if s.deployment == DataCenter && s.anonymous && r.Method == http.MethodGet {
				r.Header.Del("Authorization")
				if strings.HasSuffix(r.URL.Path, "/user/current") {
					writeJSON(w, http.StatusOK, map[string]any{"type": "anonymous", "displayName": "Anonymous"})
					return
				}
			}
			// Confluence's real 401 body is short; echo the header so tests prove scrubbing.
			writeJSON(w, http.StatusUnauthorized, map[string]any{
				"statusCode": 401, "message": "Unauthorized: bad credentials " + r.Header.Get("Authorization"),
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	s.mu.Lock()
	email, token := s.email, s.token
	s.mu.Unlock()
	h := r.Header.Get("Authorization")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+token))
	if s.deployment == DataCenter && h == "Bearer "+token {
		return true
	}
	return h == basic
}

func (s *Server) currentUser(w http.ResponseWriter, r *http.Request) {
	if s.deployment == Cloud {
		writeJSON(w, http.StatusOK, map[string]any{"type": "known", "accountId": "557058:fake", "email": Email, "displayName": "Fake TPM"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "known", "username": "tpm", "userKey": "ff8080817f", "displayName": "Fake TPM"})
}

func (s *Server) v2Spaces(w http.ResponseWriter, r *http.Request) {
	results := []any{}
	for _, k := range strings.Split(r.URL.Query().Get("keys"), ",") {
		if k == SpaceKey {
			results = append(results, map[string]any{"id": SpaceID, "key": SpaceKey, "name": "TPM", "type": "global", "status": "current"})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results, "_links": map[string]any{"base": s.URL + "/wiki"}})
}

// find returns the pages matching a title (all when title is empty).
func (s *Server) find(title string) []Page {
	var out []Page
	for _, p := range s.Pages() {
		if title == "" || p.Title == title {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) v2ListPages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	results := []any{}
	if sid := q.Get("space-id"); sid == "" || sid == SpaceID {
		for _, p := range s.find(q.Get("title")) {
			results = append(results, v2Page(p, q.Get("body-format") == "storage"))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results, "_links": map[string]any{"base": s.URL + "/wiki"}})
}

func v2Page(p Page, withBody bool) map[string]any {
	m := map[string]any{
		"id": p.ID, "status": "current", "title": p.Title, "spaceId": SpaceID, "parentId": p.ParentID,
		"parentType": "page", "authorId": "557058:fake",
		"version": map[string]any{"number": p.Version, "message": p.Message, "minorEdit": false, "authorId": "557058:fake"},
		"_links":  map[string]any{"webui": "/spaces/" + SpaceKey + "/pages/" + p.ID, "tinyui": "/x/" + p.ID},
	}
	if withBody {
		m["body"] = map[string]any{"storage": map[string]any{"representation": "storage", "value": p.Body}}
	}
	return m
}

type v2Write struct {
	ID       string `json:"id"`
	SpaceID  string `json:"spaceId"`
	Status   string `json:"status"`
	Title    string `json:"title"`
	ParentID string `json:"parentId"`
	Body     struct {
		Representation string `json:"representation"`
		Value          string `json:"value"`
	} `json:"body"`
	Version *struct {
		Number  int    `json:"number"`
		Message string `json:"message"`
	} `json:"version"`
}

func (s *Server) v2CreatePage(w http.ResponseWriter, r *http.Request) {
	var in v2Write
	if !decode(w, r, &in) {
		return
	}
	if in.SpaceID != SpaceID || in.Title == "" || in.Body.Representation != "storage" {
		writeError(w, http.StatusBadRequest, "spaceId, title and a storage body are required")
		return
	}
	p, code, msg := s.create(in.Title, in.ParentID, in.Body.Value)
	if code != 0 {
		writeError(w, code, msg)
		return
	}
	writeJSON(w, http.StatusOK, v2Page(p, true))
}

func (s *Server) v2UpdatePage(w http.ResponseWriter, r *http.Request) {
	var in v2Write
	if !decode(w, r, &in) {
		return
	}
	if in.Version == nil || in.Body.Representation != "storage" || in.ID != r.PathValue("id") {
		writeError(w, http.StatusBadRequest, "Must supply an incremented version when updating Content")
		return
	}
	p, code, msg := s.update(r.PathValue("id"), in.Title, in.Body.Value, in.Version.Number, in.Version.Message)
	if code != 0 {
		writeError(w, code, msg)
		return
	}
	writeJSON(w, http.StatusOK, v2Page(p, true))
}

func (s *Server) create(title, parentID, body string) (Page, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pages {
		if p.Title == title {
			return Page{}, http.StatusBadRequest, "A page with this title already exists in this space"
		}
	}
	if parentID != "" {
		if _, ok := s.pages[parentID]; !ok && parentID != ParentID {
			return Page{}, http.StatusNotFound, "parent page " + parentID + " not found"
		}
	}
	s.nextID++
	p := &Page{ID: strconv.Itoa(s.nextID), Title: title, ParentID: parentID, Version: 1, Body: body, Versions: 1}
	s.pages[p.ID] = p
	return *p, 0, ""
}

func (s *Server) update(id, title, body string, version int, msg string) (Page, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pages[id]
	if !ok {
		return Page{}, http.StatusNotFound, "page " + id + " not found"
	}
	if s.conflicts > 0 {
		s.conflicts--
		p.Version++ // a concurrent editor saved first
		p.Versions++
		p.Message = "edited in the browser"
		return Page{}, http.StatusConflict, "Version must be incremented on update. Current version is: " + strconv.Itoa(p.Version)
	}
	if version != p.Version+1 {
		return Page{}, http.StatusConflict, fmt.Sprintf("Version must be incremented on update. Current version is: %d", p.Version)
	}
	p.Title, p.Body, p.Version, p.Message = title, body, version, msg
	p.Versions++
	return *p, 0, ""
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	d := json.NewDecoder(r.Body)
	if err := d.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON: "+err.Error())
		return false
	}
	return true
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]any{"statusCode": code, "message": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
