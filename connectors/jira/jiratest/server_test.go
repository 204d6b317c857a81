package jiratest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return t0 }

func get(t *testing.T, s *Server, path string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.BaseURL()+path, nil)
	if s.opts.Token != "" {
		if s.opts.Deployment == DataCenter {
			req.Header.Set("Authorization", "Bearer "+s.opts.Token)
		} else {
			req.SetBasicAuth(s.opts.Email, s.opts.Token)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(body) > 0 && body[0] == '{' {
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("%s: invalid JSON: %v\n%s", path, err, body)
		}
	}
	return resp.StatusCode, out
}

func keysOf(m map[string]any) []string {
	var ks []string
	for _, it := range m["issues"].([]any) {
		ks = append(ks, it.(map[string]any)["key"].(string))
	}
	return ks
}

func TestCloudEnhancedSearchPagesAndTimeZone(t *testing.T) {
	s := New(Options{Now: fixedNow, TimeZone: "Pacific/Auckland", Email: "a@example.com", Token: "tok", MaxResults: 2})
	defer s.Close()
	for i := 0; i < 5; i++ {
		s.PutIssue(cairn.Issue{ProjectKey: "PAY", Summary: "x", Created: t0.Add(-time.Hour), Updated: t0.Add(time.Duration(i) * time.Minute)})
	}
	q := url.Values{"jql": {`project = PAY ORDER BY updated ASC`}, "fields": {"*all"}, "maxResults": {"100"}}
	var got []string
	tok := ""
	for pages := 0; ; pages++ {
		if tok != "" {
			q.Set("nextPageToken", tok)
		}
		code, m := get(t, s, "/rest/api/2/search/jql?"+q.Encode())
		if code != 200 {
			t.Fatalf("status %d: %v", code, m)
		}
		got = append(got, keysOf(m)...)
		if m["isLast"] == true {
			if _, ok := m["nextPageToken"]; ok {
				t.Fatal("last page has a token")
			}
			break
		}
		tok = m["nextPageToken"].(string)
		if pages > 5 {
			t.Fatal("no end")
		}
	}
	if strings.Join(got, ",") != "PAY-1,PAY-2,PAY-3,PAY-4,PAY-5" {
		t.Fatalf("got %v", got)
	}
	// 10:02 UTC is 23:02 in Auckland (NZDT, +13): the JQL is read in the user's zone.
	q = url.Values{"jql": {`project in (PAY) AND updated >= "2026/11/24 23:02" ORDER BY updated ASC`}, "fields": {"key"}}
	_, m := get(t, s, "/rest/api/2/search/jql?"+q.Encode())
	if k := keysOf(m); strings.Join(k, ",") != "PAY-3,PAY-4,PAY-5" {
		t.Fatalf("incremental got %v", k)
	}
	if code, _ := get(t, s, "/rest/api/2/search?jql=project%3DPAY"); code != http.StatusGone {
		t.Fatalf("legacy search on cloud: %d", code)
	}
	s.opts.Token = "wrong-for-client"
	if code, _ := get(t, s, "/rest/api/2/myself"); code != 200 {
		t.Fatal("basic auth with the current token must pass")
	}
}

func TestDataCenterSearchCapsAndContextPath(t *testing.T) {
	s := New(Options{Deployment: DataCenter, Now: fixedNow, ContextPath: "/jira", MaxResults: 3, Token: "pat"})
	defer s.Close()
	s.Generate(GenOptions{Projects: []string{"A", "B"}, IssuesPerProject: 4, Seed: 1})
	var got []string
	for start := 0; ; {
		code, m := get(t, s, "/rest/api/2/search?jql=project+in+(A,B)+ORDER+BY+key+ASC&maxResults=100&startAt="+strconv.Itoa(start))
		if code != 200 {
			t.Fatalf("%d %v", code, m)
		}
		if m["maxResults"].(float64) != 3 || m["total"].(float64) != 8 {
			t.Fatalf("envelope %v %v", m["maxResults"], m["total"])
		}
		ks := keysOf(m)
		if len(ks) == 0 {
			break
		}
		got = append(got, ks...)
		start += len(ks)
	}
	if strings.Join(got, ",") != "A-1,A-2,A-3,A-4,B-1,B-2,B-3,B-4" {
		t.Fatalf("got %v", got)
	}
	if code, _ := get(t, s, "/rest/agile/1.0/board/3/sprint"); code != http.StatusBadRequest {
		t.Fatalf("kanban sprints: %d", code)
	}
}
