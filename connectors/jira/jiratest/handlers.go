package jiratest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cairn-dev/cairn"
)

const removedSearch = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"

// searchParams are the parameters of GET (query) or POST (JSON body) searches.
type searchParams struct {
	JQL           string   `json:"jql"`
	StartAt       int      `json:"startAt"`
	MaxResults    *int     `json:"maxResults"`
	Fields        []string `json:"fields"`
	Expand        any      `json:"expand"` // a string on /search/jql, a list on /search
	NextPageToken string   `json:"nextPageToken"`
}

func readSearch(r *http.Request) (searchParams, bool) {
	var sp searchParams
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || json.Unmarshal(body, &sp) != nil {
			return sp, false
		}
		return sp, true
	}
	q := r.URL.Query()
	sp.JQL = q.Get("jql")
	sp.StartAt, _ = strconv.Atoi(q.Get("startAt"))
	if v, err := strconv.Atoi(q.Get("maxResults")); err == nil {
		sp.MaxResults = &v
	}
	sp.Fields = q["fields"]
	sp.Expand = q.Get("expand")
	sp.NextPageToken = q.Get("nextPageToken")
	return sp, true
}

func (sp searchParams) expands(what string) bool {
	var parts []string
	switch e := sp.Expand.(type) {
	case string:
		parts = strings.Split(e, ",")
	case []any:
		for _, x := range e {
			if s, ok := x.(string); ok {
				parts = append(parts, s)
			}
		}
	}
	for _, p := range parts {
		if strings.TrimSpace(p) == what {
			return true
		}
	}
	return false
}

func bad(msg string) (int, []byte) { return http.StatusBadRequest, []byte(errorBody(msg)) }

// handleLegacySearch serves GET/POST /rest/api/2/search: startAt paging on Data Center, 410 on Cloud.
func (s *Server) handleLegacySearch(r *http.Request) (int, []byte, string) {
	if s.cloud() {
		return http.StatusGone, []byte(errorBody(removedSearch)), "search"
	}
	sp, ok := readSearch(r)
	if !ok {
		st, b := bad("Unrecognized request body.")
		return st, b, "search"
	}
	q, err := parseJQL(sp.JQL, s.loc)
	if err != nil {
		st, b := bad(err.Error())
		return st, b, "search"
	}
	limit := 50
	if sp.MaxResults != nil {
		limit = *sp.MaxResults
	}
	limit = max(min(limit, s.opts.MaxResults), 0)
	startAt := max(sp.StartAt, 0)
	ckey := sp.JQL + "\x00" + strconv.Itoa(startAt)
	pos, cached := s.dcCursors[ckey]
	if !cached && startAt > 0 { // skip from the start, as offset paging does
		var skipped []int64
		skipped, pos, _ = s.page(q, cursorPos{}, startAt)
		if len(skipped) < startAt {
			pos = cursorPos{ok: true, at: lite{id: 1 << 62, project: "\xff", num: 1 << 30, created: 1 << 62, updated: 1 << 62}}
		}
	}
	ids, next, _ := s.page(q, pos, limit)
	if len(ids) > 0 {
		s.dcCursors[sp.JQL+"\x00"+strconv.Itoa(startAt+len(ids))] = next
	}
	fs := parseFields(sp.Fields)
	if len(sp.Fields) == 0 {
		fs.all = true
	}
	cl := -1
	if sp.expands("changelog") {
		cl = s.clLimit
	}
	b := make([]byte, 0, 6<<10*len(ids)+128)
	b = append(b, '{')
	b = kvs(b, "expand", "schema,names")
	b = kvn(b, "startAt", int64(startAt))
	b = kvn(b, "maxResults", int64(limit))
	total, ok := s.counts[sp.JQL]
	if !ok {
		total = s.count(q)
		s.counts[sp.JQL] = total
	}
	b = kvn(b, "total", int64(total))
	b = append(key(b, "issues"), '[')
	for _, id := range ids {
		b = s.renderIssue(sep(b), id, fs, cl)
	}
	return http.StatusOK, append(b, ']', '}'), "search"
}

// handleEnhancedSearch serves GET/POST /rest/api/2/search/jql (Cloud's enhanced search).
func (s *Server) handleEnhancedSearch(r *http.Request) (int, []byte, string) {
	const route = "search/jql"
	if !s.cloud() {
		return http.StatusNotFound, []byte(errorBody("null for uri: " + r.URL.String())), route
	}
	sp, ok := readSearch(r)
	if !ok {
		st, b := bad("Unrecognized request body.")
		return st, b, route
	}
	q, err := parseJQL(sp.JQL, s.loc)
	if err != nil {
		st, b := bad(err.Error())
		return st, b, route
	}
	if !q.bounded {
		st, b := bad("Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
		return st, b, route
	}
	fs := parseFields(sp.Fields)
	if len(sp.Fields) == 0 {
		fs.names["id"] = true // the enhanced search returns only ids by default
	}
	limit := 50
	if sp.MaxResults != nil {
		limit = *sp.MaxResults
	}
	cap := s.opts.MaxResults
	if fs.idOnly() {
		cap = 5000
	}
	limit = max(min(limit, cap), 1)
	pos := cursorPos{}
	if sp.NextPageToken != "" {
		if pos, ok = decodeToken(sp.NextPageToken); !ok {
			st, b := bad("The provided next page token is invalid or expired.")
			return st, b, route
		}
	}
	ids, next, more := s.page(q, pos, limit)
	cl := -1
	if sp.expands("changelog") {
		cl = s.clLimit
	}
	b := make([]byte, 0, 6<<10*len(ids)+128)
	b = append(b, '{')
	b = append(key(b, "issues"), '[')
	for _, id := range ids {
		b = s.renderIssue(sep(b), id, fs, cl)
	}
	b = append(b, ']')
	if more {
		b = kvs(b, "nextPageToken", encodeToken(next))
	}
	b = kvb(b, "isLast", !more)
	return http.StatusOK, append(b, '}'), route
}

// handleIssue serves GET /rest/api/2/issue/{idOrKey}: the whole changelog when expanded.
func (s *Server) handleIssue(r *http.Request, idOrKey string) (int, []byte, string) {
	id, ok := s.resolve(idOrKey)
	if !ok {
		return http.StatusNotFound, []byte(errorBody("Issue does not exist or you do not have permission to see it.")), "issue"
	}
	q := r.URL.Query()
	fs := parseFields(q["fields"])
	if len(q["fields"]) == 0 {
		fs.all = true
	}
	cl := -1
	if strings.Contains(q.Get("expand"), "changelog") {
		cl = 0
	}
	return http.StatusOK, s.renderIssue(nil, id, fs, cl), "issue"
}

// handleIssueChangelog serves GET /rest/api/2/issue/{idOrKey}/changelog (Cloud), oldest first.
func (s *Server) handleIssueChangelog(r *http.Request, idOrKey string) (int, []byte, string) {
	const route = "issue/changelog"
	if !s.cloud() {
		return http.StatusNotFound, []byte(errorBody("null for uri: " + r.URL.String())), route
	}
	id, ok := s.resolve(idOrKey)
	if !ok {
		return http.StatusNotFound, []byte(errorBody("Issue does not exist or you do not have permission to see it.")), route
	}
	q := r.URL.Query()
	startAt, _ := strconv.Atoi(q.Get("startAt"))
	startAt = max(startAt, 0)
	limit := 100
	if v, err := strconv.Atoi(q.Get("maxResults")); err == nil && v > 0 {
		limit = min(v, 100)
	}
	is, moves := s.fullIssue(id)
	hs := s.histories(&is, moves)
	end := min(startAt+limit, len(hs))
	self := s.base() + "/rest/api/2/issue/" + url.PathEscape(idOrKey) + "/changelog"
	b := []byte{'{'}
	b = kvs(b, "self", self+"?startAt="+strconv.Itoa(startAt)+"&maxResults="+strconv.Itoa(limit))
	if end < len(hs) {
		b = kvs(b, "nextPage", self+"?&startAt="+strconv.Itoa(end)+"&maxResults="+strconv.Itoa(limit))
	}
	b = kvn(b, "maxResults", int64(limit))
	b = kvn(b, "startAt", int64(startAt))
	b = kvn(b, "total", int64(len(hs)))
	b = kvb(b, "isLast", end >= len(hs))
	b = append(key(b, "values"), '[')
	author := historyAuthor(&is)
	for i := startAt; i < end; i++ {
		b = s.appendHistory(sep(b), hs[i], author, false)
	}
	return http.StatusOK, append(b, ']', '}'), route
}

func (s *Server) fullIssue(id int64) (cairn.Issue, []keyMove) {
	if r := s.recs[id]; r != nil {
		return r.is, r.moves
	}
	return s.issueOf(id), nil
}

// handleBulkChangelog serves POST /rest/api/2|3/changelog/bulkfetch (Cloud): histories of up to
// 1000 issues, filtered by field ids, paged by a token over (issue, history).
func (s *Server) handleBulkChangelog(r *http.Request) (int, []byte, string) {
	const route = "changelog/bulkfetch"
	if !s.cloud() {
		return http.StatusNotFound, []byte(errorBody("null for uri: " + r.URL.String())), route
	}
	var req struct {
		IssueIDsOrKeys []string `json:"issueIdsOrKeys"`
		FieldIDs       []string `json:"fieldIds"`
		MaxResults     int      `json:"maxResults"`
		NextPageToken  string   `json:"nextPageToken"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(body, &req) != nil {
		st, b := bad("Unrecognized request body.")
		return st, b, route
	}
	if len(req.IssueIDsOrKeys) == 0 || len(req.IssueIDsOrKeys) > 1000 || len(req.FieldIDs) > 10 {
		st, b := bad("issueIdsOrKeys must hold 1 to 1000 issues and fieldIds at most 10 fields.")
		return st, b, route
	}
	limit := req.MaxResults
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	skip := 0
	if req.NextPageToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(req.NextPageToken)
		if skip, err = strconvAtoi(raw, err); err != nil || skip < 0 {
			st, b := bad("The provided next page token is invalid or expired.")
			return st, b, route
		}
	}
	wantField := func(h hist) bool {
		if len(req.FieldIDs) == 0 {
			return true
		}
		f := "status"
		switch {
		case h.mv != nil:
			f = "issuekey"
		case h.t == nil:
			f = s.fields[cairn.JiraConceptSprint]
		}
		for _, x := range req.FieldIDs {
			if x == f || (f == "issuekey" && strings.EqualFold(x, "key")) {
				return true
			}
		}
		return false
	}
	b := []byte(`{"issueChangeLogs":[`)
	n, seen := 0, 0
	more, opened := false, false
outer:
	for _, k := range req.IssueIDsOrKeys {
		id, ok := s.resolve(k)
		if !ok {
			continue
		}
		is, moves := s.fullIssue(id)
		author := historyAuthor(&is)
		opened = false
		for _, h := range s.histories(&is, moves) {
			if !wantField(h) {
				continue
			}
			seen++
			if seen <= skip {
				continue
			}
			if n == limit {
				more = true
				break outer
			}
			if !opened {
				b = append(sep(b), '{')
				b = kvs(b, "issueId", strconv.FormatInt(id, 10))
				b = append(key(b, "changeHistories"), '[')
				opened = true
			}
			b = s.appendHistory(sep(b), h, author, s.opts.NumericChangelogDates)
			n++
		}
		if opened {
			b = append(b, ']', '}')
			opened = false
		}
	}
	if opened {
		b = append(b, ']', '}')
	}
	b = append(b, ']')
	if more {
		b = kvs(b, "nextPageToken", base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(skip+n))))
	}
	return http.StatusOK, append(b, '}'), route
}

func strconvAtoi(b []byte, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(b))
}
