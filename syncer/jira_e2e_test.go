package syncer_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-dev/cairn"
	jc "github.com/cairn-dev/cairn/connectors/jira"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

const (
	e2eEmail = "bot@example.com"
	e2eToken = "jira-e2e-secret-token"
)

// jiraSite is the real client against the fake Jira of one deployment.
type jiraSite struct {
	srv    *jiratest.Server
	client *jc.Client
	clock  *fakeClock
}

func newJiraSite(t *testing.T, deployment, zone string, gen jiratest.GenOptions) *jiraSite {
	t.Helper()
	clock := newClock()
	so := jiratest.Options{Deployment: deployment, Now: clock.Now, Token: e2eToken, TimeZone: zone, MaxResults: 40}
	co := jc.Options{Deployment: jc.DeploymentAuto, Token: e2eToken, PageSize: 40, Sleep: clock.Sleep, Now: clock.Now}
	if deployment == jiratest.Cloud {
		so.Email, co.Email = e2eEmail, e2eEmail
	}
	srv := jiratest.New(so)
	t.Cleanup(srv.Close)
	srv.Generate(gen)
	co.BaseURL = srv.BaseURL()
	client, err := jc.New(co)
	if err != nil {
		t.Fatal(err)
	}
	return &jiraSite{srv: srv, client: client, clock: clock}
}

func (s *jiraSite) runner(db *store.DB, projects ...string) *syncer.Jira {
	return syncer.NewJira(db, s.client, syncer.JiraOptions{Projects: projects, Overlap: 2 * time.Minute}, nil, nil)
}

func (s *jiraSite) run(t *testing.T, db *store.DB, full bool, projects ...string) syncer.Result {
	t.Helper()
	res, err := s.runner(db, projects...).Run(context.Background(), full)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

// fakeRows renders what the fake holds of its live issues, the way storedRows renders the
// store: the field-by-field comparison of a sync with its source.
func fakeRows(srv *jiratest.Server, projects ...string) []string {
	var out []string
	for _, is := range srv.Issues(projects...) {
		out = append(out, issueRow(is.ID, is.Key, is.ProjectKey, is.IssueType, is.Summary, is.Status, string(is.StatusCategory),
			is.Assignee, is.Priority, store.JSONList(is.Labels), store.JSONList(is.Components), points(is.StoryPoints),
			is.EpicKey, is.ParentKey, store.FormatTime(is.Created), store.FormatTime(is.Updated), timeOrDash(is.Resolved),
			dateOrDash(is.DueDate)))
		for _, tr := range is.Transitions {
			out = append(out, fmt.Sprintf("change|%d|%s|%s|%s|%s|%s", is.ID, store.FormatTime(tr.At), tr.FromStatus, tr.ToStatus,
				tr.FromCategory, tr.ToCategory))
		}
		for _, v := range is.FixVersionIDs {
			out = append(out, fmt.Sprintf("iv|%d|%d", is.ID, v))
		}
		for _, sp := range is.SprintIDs {
			out = append(out, fmt.Sprintf("is|%d|%d", is.ID, sp))
		}
		for _, l := range is.Links {
			out = append(out, fmt.Sprintf("link|%d|%s|%s", l.ID, l.FromKey, l.ToKey))
		}
	}
	return dedupe(out)
}

func storedRows(t *testing.T, db *store.DB) []string {
	t.Helper()
	var out []string
	q := func(query string, scan func(r interface{ Scan(...any) error }) string) {
		rows, err := db.ReadDB().Query(query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			out = append(out, scan(rows))
		}
	}
	q(`SELECT id, key, project_key, issue_type, summary, status, status_category, coalesce(assignee, ''), coalesce(priority, ''),
		labels, components, coalesce(story_points, '-'), coalesce(epic_key, ''), coalesce(parent_key, ''), created_at, updated_at,
		coalesce(resolved_at, '-'), coalesce(due_date, '-') FROM jira_issues WHERE deleted_at IS NULL`, func(r interface{ Scan(...any) error }) string {
		var id int64
		v := make([]string, 17)
		p := []any{&id}
		for i := range v {
			p = append(p, &v[i])
		}
		if err := r.Scan(p...); err != nil {
			t.Fatal(err)
		}
		return issueRow(id, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16])
	})
	live := ` IN (SELECT id FROM jira_issues WHERE deleted_at IS NULL)`
	simple := func(query string) {
		q(query, func(r interface{ Scan(...any) error }) string {
			var s string
			if err := r.Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		})
	}
	simple(`SELECT 'change|' || issue_id || '|' || at || '|' || coalesce(from_status, '') || '|' || to_status || '|' ||
		coalesce(from_category, '') || '|' || coalesce(to_category, '') FROM jira_status_changes WHERE issue_id` + live)
	simple(`SELECT 'iv|' || issue_id || '|' || version_id FROM jira_issue_versions WHERE issue_id` + live)
	simple(`SELECT 'is|' || issue_id || '|' || sprint_id FROM jira_issue_sprints WHERE issue_id` + live)
	simple(`SELECT 'link|' || id || '|' || from_key || '|' || to_key FROM jira_issue_links`)
	return dedupe(out)
}

func issueRow(id int64, f ...string) string {
	return fmt.Sprintf("issue|%d|%s", id, strings.Join(f, "|"))
}

func points(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return store.FormatTime(t)
}

func dateOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateOnly)
}

func dedupe(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}

var deployments = []string{jiratest.Cloud, jiratest.DataCenter}

func TestJiraEndToEndFullEqualsFakeThenIncremental(t *testing.T) {
	for _, d := range deployments {
		t.Run(d, func(t *testing.T) {
			s := newJiraSite(t, d, "Pacific/Pago_Pago", jiratest.GenOptions{Projects: []string{"PAY", "WEB"},
				IssuesPerProject: 90, Seed: 7, LongChangelogs: 0.05})
			db := openDB(t, s.clock)
			res := s.run(t, db, false, "PAY", "WEB")
			if res.Mode != syncer.ModeFull || res.Counts.New != 180 || res.Counts.Versions == 0 || res.Counts.Sprints == 0 {
				t.Errorf("first run: %s", res)
			}
			if diff := cmp.Diff(fakeRows(s.srv, "PAY", "WEB"), storedRows(t, db)); diff != "" {
				t.Fatalf("store differs from the fake (-fake +store):\n%s", diff)
			}
			// Requests: at most 11 per 1,000 issues plus the fixed cost of a small run.
			t.Logf("%s full: %s", d, res)

			// One minute after the sync, far west of UTC: an edit and a transition.
			s.clock.Advance(time.Minute)
			mustDo(t, s.srv.UpdateIssue("PAY-3", func(is *cairn.Issue) { is.Summary = "edited a minute after the sync" }))
			mustDo(t, s.srv.Transition("WEB-8", "In Review", s.clock.Now()))
			s.clock.Advance(time.Minute)
			res = s.run(t, db, false, "PAY", "WEB")
			if res.Mode != syncer.ModeIncremental || res.Counts.New != 0 || res.Counts.Updated != 2 {
				t.Errorf("incremental: %s, want 2 updated", res)
			}
			if diff := cmp.Diff(fakeRows(s.srv, "PAY", "WEB"), storedRows(t, db)); diff != "" {
				t.Errorf("store differs from the fake after the incremental run (-fake +store):\n%s", diff)
			}

			// An idle incremental run costs at most 3 requests per project (search, versions,
			// sprints of the open board), beyond what a fresh client asks once.
			s.clock.Advance(10 * time.Minute)
			res = s.run(t, db, false, "PAY", "WEB")
			if res.Counts.New+res.Counts.Updated != 0 || res.Requests > 2*3 {
				t.Errorf("idle incremental: %s, want nothing changed in at most 6 requests", res)
			}
		})
	}
}

func TestJiraEndToEndReconcile(t *testing.T) {
	for _, d := range deployments {
		t.Run(d, func(t *testing.T) {
			s := newJiraSite(t, d, "Asia/Tokyo", jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: 50, Seed: 3})
			db := openDB(t, s.clock)
			s.run(t, db, false, "PAY", "WEB")
			s.clock.Advance(time.Hour)
			pay7, _ := s.srv.Issue("PAY-7")
			pay9, _ := s.srv.Issue("PAY-9")
			mustDo(t, s.srv.DeleteIssue("PAY-7"))
			mustDo(t, s.srv.MoveIssue("PAY-9", "WEB-500"))
			s.clock.Advance(time.Minute)
			res := s.run(t, db, true, "PAY", "WEB")
			if res.Counts.Deleted != 1 || res.Counts.Updated < 1 {
				t.Errorf("full run: %s, want 1 deleted and the moved issue updated", res)
			}
			var key, deleted string
			db.ReadDB().QueryRow(`SELECT key, coalesce(deleted_at, 'live') FROM jira_issues WHERE id = ?`, pay9.ID).Scan(&key, &deleted)
			if key != "WEB-500" || deleted != "live" {
				t.Errorf("moved issue %d: %s %s, want WEB-500 live", pay9.ID, key, deleted)
			}
			db.ReadDB().QueryRow(`SELECT coalesce(deleted_at, 'live') FROM jira_issues WHERE id = ?`, pay7.ID).Scan(&deleted)
			if deleted == "live" {
				t.Errorf("deleted issue %d is live", pay7.ID)
			}
			if diff := cmp.Diff(fakeRows(s.srv, "PAY", "WEB"), storedRows(t, db)); diff != "" {
				t.Errorf("store differs from the fake (-fake +store):\n%s", diff)
			}
		})
	}
}

func TestJiraEndToEndFaults(t *testing.T) {
	for _, d := range deployments {
		t.Run(d, func(t *testing.T) {
			gen := jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: 120, Seed: 11}
			s := newJiraSite(t, d, "America/Denver", gen)
			clean := openDB(t, s.clock)
			s.run(t, clean, false, "PAY", "WEB")
			want := dumpJira(t, clean)

			// A 429 storm (every third request) is waited out.
			s.srv.InjectEvery(jiratest.Fault429, "", 3, 2)
			stormy := openDB(t, s.clock)
			s.run(t, stormy, false, "PAY", "WEB")
			s.srv.ClearFaults()
			if diff := cmp.Diff(want, dumpJira(t, stormy)); diff != "" {
				t.Errorf("429 storm: store differs from a clean run (-clean +storm):\n%s", diff)
			}

			// A malformed page fails the run with a clear error and moves no watermark; the
			// next run resumes and ends where a clean run does.
			db := openDB(t, s.clock)
			s.srv.Inject(jiratest.FaultMalformed, "search", 1, 0)
			s.srv.Inject(jiratest.FaultMalformed, "search", 1, 0)
			s.srv.Inject(jiratest.FaultMalformed, "search", 1, 0)
			_, err := s.runner(db, "PAY").Run(context.Background(), false)
			if err == nil || !strings.Contains(err.Error(), "search page") {
				t.Fatalf("malformed page: err = %v, want an error naming the search page", err)
			}
			if strings.Contains(err.Error(), e2eToken) {
				t.Errorf("error shows the token: %v", err)
			}
			if st, _ := db.JiraScope(context.Background(), "PAY"); !st.Watermark.IsZero() {
				t.Errorf("watermark after a failed first run: %v", st.Watermark)
			}
			s.srv.ClearFaults()
			s.run(t, db, false, "PAY", "WEB")
			if diff := cmp.Diff(want, dumpJira(t, db)); diff != "" {
				t.Errorf("after a malformed page: store differs from a clean run (-clean +resumed):\n%s", diff)
			}
		})
	}
}
