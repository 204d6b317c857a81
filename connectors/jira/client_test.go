package jira

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
)

const (
	testEmail = "bot@example.com"
	testToken = "s3cr3t-api-token-XYZ"
)

var t0 = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

type recorder struct {
	mu       sync.Mutex
	statuses []int
	budgets  []int
}

func (r *recorder) ObserveRequest(conn string, code int, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if conn == cairn.ConnectorJira {
		r.statuses = append(r.statuses, code)
	}
}

func (r *recorder) ObserveRateLimit(conn string, rem int, _ time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.budgets = append(r.budgets, rem)
}

type env struct {
	srv *jiratest.Server
	c   *Client
	sl  *sleeps
	obs *recorder
}

// newEnv starts a fake of deployment d and a client with the matching credentials.
func newEnv(t *testing.T, d string, so jiratest.Options, co Options) *env {
	t.Helper()
	so.Deployment = d
	so.Token = testToken
	if d == jiratest.Cloud {
		so.Email = testEmail
		co.Email = testEmail
	}
	if so.Now == nil {
		so.Now = func() time.Time { return t0 }
	}
	srv := jiratest.New(so)
	t.Cleanup(srv.Close)
	e := &env{srv: srv, sl: &sleeps{}, obs: &recorder{}}
	co.BaseURL = srv.BaseURL()
	co.Token = testToken
	co.Sleep = e.sl.sleep
	co.Observer = e.obs
	if co.Deployment == "" {
		co.Deployment = DeploymentAuto
	}
	c, err := New(co)
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	return e
}

// all pages through a search.
func (e *env) all(t *testing.T, jql string) []cairn.Issue {
	t.Helper()
	var out []cairn.Issue
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := e.c.Search(context.Background(), jql, cursor)
		if err != nil {
			t.Fatalf("search page %d: %v", pages, err)
		}
		out = append(out, p.Issues...)
		if p.Next == "" {
			return out
		}
		cursor = p.Next
		if pages > 10000 {
			t.Fatal("search does not end")
		}
	}
}

var issueCmp = cmp.Options{
	cmpopts.IgnoreFields(cairn.Issue{}, "Raw"),
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
}

func deployments() []string { return []string{jiratest.Cloud, jiratest.DataCenter} }

func TestSearchEqualsFakeBothDeployments(t *testing.T) {
	for _, d := range deployments() {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, d, jiratest.Options{MaxResults: 20, TimeZone: "Asia/Kolkata"}, Options{PageSize: 50})
			e.srv.Generate(jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: 70, Seed: 3})
			got := e.all(t, `project in (PAY, WEB) ORDER BY updated ASC`)
			want := e.srv.Issues("PAY", "WEB")
			if len(got) != len(want) {
				t.Fatalf("got %d issues, want %d", len(got), len(want))
			}
			byKey := map[string]cairn.Issue{}
			for _, is := range got {
				if len(is.Raw) == 0 {
					t.Fatalf("%s: no raw JSON", is.Key)
				}
				byKey[is.Key] = is
			}
			links, epics, subtasks := 0, 0, 0
			for _, w := range want {
				g, ok := byKey[w.Key]
				if !ok {
					t.Fatalf("missing %s", w.Key)
				}
				if diff := cmp.Diff(w, g, issueCmp); diff != "" {
					t.Fatalf("%s differs (-fake +client):\n%s", w.Key, diff)
				}
				links += len(g.Links)
				if g.EpicKey != "" {
					epics++
				}
				if g.ParentKey != "" {
					subtasks++
				}
			}
			if links == 0 || epics == 0 || subtasks == 0 {
				t.Fatalf("data set too thin: links %d epics %d subtasks %d", links, epics, subtasks)
			}
			st := e.srv.Stats()
			if d == jiratest.Cloud && st.ByRoute["search"] != 0 {
				t.Fatalf("cloud used the removed search %d times", st.ByRoute["search"])
			}
			if d == jiratest.DataCenter && st.ByRoute["search/jql"] != 0 {
				t.Fatal("data center used the enhanced search")
			}
			// 140 issues in pages of at most 20: 7 search pages, no per-issue requests.
			if n := st.ByRoute["search"] + st.ByRoute["search/jql"]; n != 7 {
				t.Fatalf("%d search requests, want 7 (server caps the page at 20)", n)
			}
			if st.ByRoute["issue"]+st.ByRoute["issue/changelog"]+st.ByRoute["changelog/bulkfetch"] != 0 {
				t.Fatalf("changelog requests without truncation: %v", st.ByRoute)
			}
		})
	}
}

func TestTruncatedChangelogIsCompleted(t *testing.T) {
	for _, tc := range []struct {
		name, d   string
		noBulk    bool
		wantRoute string
	}{
		{"cloud bulk", jiratest.Cloud, false, "changelog/bulkfetch"},
		{"cloud per issue", jiratest.Cloud, true, "issue/changelog"},
		{"datacenter", jiratest.DataCenter, false, "issue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.d, jiratest.Options{ChangelogLimit: 5}, Options{})
			var ts []cairn.Transition
			at := t0.Add(-100 * time.Hour)
			from := "To Do"
			for i := 0; i < 131; i++ { // longer than one changelog page too
				to := []string{"In Progress", "In Review"}[i%2]
				ts = append(ts, cairn.Transition{At: at.Add(time.Duration(i) * time.Minute), FromStatus: from, ToStatus: to})
				from = to
			}
			e.srv.PutIssue(cairn.Issue{Key: "OPS-1", Summary: "long", Created: at.Add(-time.Hour), Transitions: ts})
			e.srv.PutIssue(cairn.Issue{Key: "OPS-2", Summary: "short", Created: at.Add(-time.Hour)})
			if tc.noBulk {
				e.srv.Inject(jiratest.FaultNotFound, "/changelog/bulkfetch", 1, 0)
			}
			got := e.all(t, `project = OPS ORDER BY key ASC`)
			want, _ := e.srv.Issue("OPS-1")
			if len(got) != 2 || len(got[0].Transitions) != 131 {
				t.Fatalf("got %d issues, %d transitions", len(got), len(got[0].Transitions))
			}
			if diff := cmp.Diff(want.Transitions, got[0].Transitions, issueCmp); diff != "" {
				t.Fatalf("transitions differ:\n%s", diff)
			}
			if n := e.srv.Stats().ByRoute[tc.wantRoute]; n == 0 {
				t.Fatalf("no %s request: %v", tc.wantRoute, e.srv.Stats().ByRoute)
			}
		})
	}
}

func TestIncrementalJQLInUserTimeZone(t *testing.T) {
	for _, d := range deployments() {
		t.Run(d, func(t *testing.T) {
			now := t0
			e := newEnv(t, d, jiratest.Options{TimeZone: "Pacific/Honolulu", Now: func() time.Time { return now }}, Options{})
			e.srv.PutIssue(cairn.Issue{Key: "OPS-1", Created: t0.Add(-48 * time.Hour), Updated: t0.Add(-time.Hour)})
			e.srv.PutIssue(cairn.Issue{Key: "OPS-2", Created: t0.Add(-48 * time.Hour), Updated: t0.Add(-time.Hour)})
			loc, err := e.c.Location(context.Background())
			if err != nil || loc.String() != "Pacific/Honolulu" {
				t.Fatalf("location %v, %v", loc, err)
			}
			synced := t0 // the last sync saw the server at t0
			now = t0.Add(time.Minute)
			if err := e.srv.Transition("OPS-2", "In Progress", now); err != nil {
				t.Fatal(err)
			}
			jql := `project = OPS AND updated >= ` + JQLTime(synced, loc) + ` ORDER BY updated ASC`
			got := e.all(t, jql)
			if len(got) != 1 || got[0].Key != "OPS-2" || got[0].Status != "In Progress" {
				t.Fatalf("incremental got %v", keys(got))
			}
			// The same instant written in UTC is read 10 hours later in the user's zone, past the
			// update: it would be missed for good. This is the trap the zone avoids.
			if got := e.all(t, `project = OPS AND updated >= `+JQLTime(synced, time.UTC)); len(got) != 0 {
				t.Fatalf("UTC-written JQL matched %v", keys(got))
			}
		})
	}
}

func keys(is []cairn.Issue) []string {
	var out []string
	for _, i := range is {
		out = append(out, i.Key)
	}
	return out
}

func TestLinksNormalisedFromBothSides(t *testing.T) {
	e := newEnv(t, jiratest.Cloud, jiratest.Options{}, Options{})
	for i := 1; i <= 3; i++ {
		e.srv.PutIssue(cairn.Issue{Key: fmt.Sprintf("OPS-%d", i), Created: t0.Add(-time.Hour)})
	}
	e.srv.AddLink(cairn.IssueLink{ID: 501, Type: "Blocks", FromKey: "OPS-1", ToKey: "OPS-2"})
	e.srv.AddLink(cairn.IssueLink{ID: 502, Type: "Relates", FromKey: "OPS-2", ToKey: "OPS-3"})
	got := e.all(t, `project = OPS ORDER BY key ASC`)
	want := []cairn.IssueLink{{ID: 501, Type: "Blocks", FromKey: "OPS-1", ToKey: "OPS-2"}}
	for _, is := range got[:2] { // OPS-1 sees an outwardIssue, OPS-2 an inwardIssue
		if diff := cmp.Diff(want, is.Links); diff != "" {
			t.Fatalf("%s links:\n%s", is.Key, diff)
		}
	}
	if len(got[2].Links) != 0 {
		t.Fatalf("relates link kept: %v", got[2].Links)
	}
	if !strings.Contains(string(got[1].Raw), `"inwardIssue"`) || !strings.Contains(string(got[0].Raw), `"outwardIssue"`) {
		t.Fatal("fake did not report the link from both sides")
	}
}

func TestFieldDiscoveryAndOverride(t *testing.T) {
	for _, d := range deployments() {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, d, jiratest.Options{}, Options{})
			fs, err := e.c.Fields(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]cairn.JiraField{}
			for _, f := range fs {
				got[f.Concept] = f
			}
			for _, c := range knownConcepts {
				if got[c].FieldID != e.srv.FieldID(c) {
					t.Errorf("%s: discovered %q, server uses %q", c, got[c].FieldID, e.srv.FieldID(c))
				}
			}
			if got[cairn.JiraConceptEpicLink].Source != "schema" {
				t.Errorf("epic link source %q", got[cairn.JiraConceptEpicLink].Source)
			}
		})
	}
	// A site whose story points live in an unusual field the schema cannot reveal: the
	// config override wins and Search reads it.
	e := newEnv(t, jiratest.DataCenter, jiratest.Options{FieldIDs: map[string]string{cairn.JiraConceptStoryPoints: "customfield_12345"},
		StoryPointsAsString: true}, Options{Fields: map[string]string{cairn.JiraConceptStoryPoints: "customfield_12345"}})
	pts := 8.0
	e.srv.PutIssue(cairn.Issue{Key: "OPS-1", StoryPoints: &pts, Created: t0})
	fs, _ := e.c.Fields(context.Background())
	if fs[0].Concept != cairn.JiraConceptStoryPoints || fs[0].FieldID != "customfield_12345" || fs[0].Source != "config" {
		t.Fatalf("override: %+v", fs[0])
	}
	got := e.all(t, "project = OPS")
	if len(got) != 1 || got[0].StoryPoints == nil || *got[0].StoryPoints != 8 {
		t.Fatalf("story points %v", got)
	}
}

func TestBoardsSprintsVersions(t *testing.T) {
	for _, d := range deployments() {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, d, jiratest.Options{}, Options{})
			e.srv.Generate(jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: 5, Seed: 1, Span: 200 * 24 * time.Hour})
			ctx := context.Background()
			boards, err := e.c.Boards(ctx, "WEB")
			if err != nil || len(boards) != 2 {
				t.Fatalf("boards %v %v", boards, err)
			}
			for _, b := range boards {
				sps, err := e.c.Sprints(ctx, b.ID)
				if err != nil {
					t.Fatalf("board %d (%s): %v", b.ID, b.Type, err)
				}
				if b.Type == "kanban" && sps != nil {
					t.Fatalf("kanban board has sprints %v", sps)
				}
				if b.Type == "scrum" && len(sps) < 10 {
					t.Fatalf("scrum board has %d sprints", len(sps))
				}
				for _, sp := range sps {
					if sp.State == "closed" && (sp.CompleteAt.IsZero() || sp.StartAt.IsZero()) {
						t.Fatalf("closed sprint without dates: %+v", sp)
					}
				}
			}
			vs, err := e.c.Versions(ctx, "PAY")
			if err != nil || len(vs) != 4 || vs[0].ReleaseDate.IsZero() || len(vs[0].Raw) == 0 {
				t.Fatalf("versions %+v %v", vs, err)
			}
			if _, err := e.c.Versions(ctx, "NOPE"); !errors.Is(err, cairn.ErrNotFound) {
				t.Fatalf("unknown project: %v", err)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	e := newEnv(t, jiratest.Cloud, jiratest.Options{}, Options{MaxRetries: 4})
	e.srv.PutIssue(cairn.Issue{Key: "OPS-1", Created: t0})
	e.srv.Inject(jiratest.Fault429, "/search/jql", 1, 7)
	e.srv.Inject(jiratest.Fault503, "/search/jql", 1, 3)
	e.srv.Inject(jiratest.Fault500, "/search/jql", 1, 0)
	e.srv.Inject(jiratest.FaultCut, "/search/jql", 1, 0)
	if got := e.all(t, "project = OPS"); len(got) != 1 {
		t.Fatalf("got %d", len(got))
	}
	sl := e.sl.all()
	if len(sl) != 4 || sl[0] < 7*time.Second || sl[0] > 7700*time.Millisecond || sl[1] < 3*time.Second || sl[2] <= 0 || sl[3] <= 0 {
		t.Fatalf("sleeps %v: want Retry-After 7 s and 3 s (+≤10%% jitter), then back-offs", sl)
	}
	e.obs.mu.Lock()
	budgets := append([]int(nil), e.obs.budgets...)
	statuses := append([]int(nil), e.obs.statuses...)
	e.obs.mu.Unlock()
	if len(budgets) == 0 || budgets[0] != 0 {
		t.Fatalf("rate-limit budget not observed: %v", budgets)
	}
	if !containsInt(statuses, 429) || !containsInt(statuses, 0) || !containsInt(statuses, 200) {
		t.Fatalf("observed statuses %v", statuses)
	}
	if e.c.Requests() != len(statuses) {
		t.Fatalf("Requests() %d, observed %d", e.c.Requests(), len(statuses))
	}
	// Past MaxRetries the error names the request and is retryable.
	e.srv.Inject(jiratest.Fault503, "/search/jql", 10, 1)
	_, err := e.c.Search(context.Background(), "project = OPS", "")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 503 || !ae.Retryable() || !strings.Contains(err.Error(), "/rest/api/2/search/jql") {
		t.Fatalf("err %v", err)
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestMalformedPage(t *testing.T) {
	e := newEnv(t, jiratest.DataCenter, jiratest.Options{}, Options{})
	e.srv.PutIssue(cairn.Issue{Key: "OPS-1", Created: t0})
	e.srv.Inject(jiratest.FaultMalformed, "/rest/api/2/search", 1, 0)
	_, err := e.c.Search(context.Background(), "project = OPS", "")
	if !errors.Is(err, cairn.ErrMalformed) || !strings.Contains(err.Error(), "/rest/api/2/search") {
		t.Fatalf("err %v", err)
	}
}

func TestUnauthorizedKeepsSecrets(t *testing.T) {
	for _, d := range deployments() {
		t.Run(d, func(t *testing.T) {
			srv := jiratest.New(jiratest.Options{Deployment: d, Email: testEmail, Token: "the-right-one"})
			defer srv.Close()
			o := Options{BaseURL: srv.BaseURL(), Token: testToken, Sleep: (&sleeps{}).sleep}
			if d == jiratest.Cloud {
				o.Email = testEmail
			}
			c, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Fields(context.Background())
			if !errors.Is(err, cairn.ErrUnauthorized) {
				t.Fatalf("err %v", err)
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != 401 || ae.Retryable() {
				t.Fatalf("err %#v", err)
			}
			for _, secret := range []string{testToken, testEmail} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error leaks a credential: %v", err)
				}
			}
		})
	}
}

func TestContextPathAndDetection(t *testing.T) {
	for _, d := range deployments() {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, d, jiratest.Options{ContextPath: "/jira"}, Options{})
			if !strings.HasSuffix(e.srv.BaseURL(), "/jira") {
				t.Fatal(e.srv.BaseURL())
			}
			e.srv.PutIssue(cairn.Issue{Key: "OPS-1", Created: t0})
			got, err := e.c.Deployment(context.Background())
			if err != nil || got != d {
				t.Fatalf("deployment %q %v", got, err)
			}
			if is := e.all(t, "project = OPS"); len(is) != 1 {
				t.Fatalf("got %d", len(is))
			}
		})
	}
	// A Cloud site configured as Data Center answers 410 on the old search: with "auto" the
	// client switches; configured explicitly, the error says so.
	e := newEnv(t, jiratest.Cloud, jiratest.Options{}, Options{Deployment: DeploymentDataCenter})
	_, err := e.c.Search(context.Background(), "project = OPS", "")
	if status(err) != http.StatusGone {
		t.Fatalf("err %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, o := range []Options{
		{BaseURL: "ftp://x", Token: "t"},
		{BaseURL: "https://u:p@x.example.com", Token: "t"},
		{BaseURL: "https://x.example.com"},
		{BaseURL: "https://x.example.com", Token: "t", Deployment: "mainframe"},
		{BaseURL: "https://x.example.com", Token: "t", Fields: map[string]string{"velocity": "customfield_1"}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		} else if strings.Contains(err.Error(), ":p@") {
			t.Errorf("error leaks URL credentials: %v", err)
		}
	}
}

// The request timeout bounds each attempt, never the Retry-After wait between attempts.
func TestTimeoutDoesNotCoverRetryWaits(t *testing.T) {
	e := newEnv(t, jiratest.Cloud, jiratest.Options{}, Options{})
	e.srv.PutIssue(cairn.Issue{Key: "OPS-1", Created: t0})
	e.srv.Inject(jiratest.Fault429, "/search/jql", 1, 1)
	c, err := New(Options{
		BaseURL: e.srv.BaseURL(), Deployment: DeploymentCloud, Email: testEmail, Token: testToken,
		HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}, MaxRetries: 2,
		// The wait really sleeps longer than the timeout.
		Sleep: func(ctx context.Context, d time.Duration) error {
			select {
			case <-time.After(400 * time.Millisecond):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Search(context.Background(), "project = OPS", "")
	if err != nil || len(p.Issues) != 1 {
		t.Fatalf("got %d issues, %v; want the 429 waited out and 1 issue", len(p.Issues), err)
	}
}
