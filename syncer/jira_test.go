package syncer_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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

// dumpJira renders the Jira tables as sorted lines, without synced_at.
func dumpJira(t *testing.T, db *store.DB) []string {
	t.Helper()
	queries := []string{
		`SELECT 'issue', id, key, project_key, issue_type, summary, status, status_category, labels, epic_key,
			created_at, updated_at, coalesce(deleted_at, '-'), raw_json FROM jira_issues`,
		`SELECT 'change', issue_id, history_id, at, from_status, to_status, from_category, to_category FROM jira_status_changes`,
		`SELECT 'link', id, type, from_key, to_key FROM jira_issue_links`,
		`SELECT 'iv', issue_id, version_id FROM jira_issue_versions`,
		`SELECT 'is', issue_id, sprint_id FROM jira_issue_sprints`,
		`SELECT 'version', id, project_key, name, coalesce(release_date, '-'), released FROM jira_versions`,
		`SELECT 'board', id, name, type, project_key FROM jira_boards`,
		`SELECT 'sprint', id, board_id, name, state, coalesce(start_at, '-'), coalesce(complete_at, '-') FROM jira_sprints`,
		`SELECT 'field', concept, field_id, source FROM jira_fields`,
	}
	var out []string
	for _, q := range queries {
		rows, err := db.ReadDB().Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = v.String
			}
			out = append(out, strings.Join(parts, "|"))
		}
		rows.Close()
	}
	sort.Strings(out)
	return out
}

type jiraEnv struct {
	mem   *memJira
	db    *store.DB
	clock *fakeClock
	opts  syncer.JiraOptions
}

func newJiraEnv(t *testing.T, projects []string, n int) *jiraEnv {
	t.Helper()
	clock := newClock()
	return &jiraEnv{mem: newMemJira(projects, n), db: openDB(t, clock), clock: clock,
		opts: syncer.JiraOptions{Projects: projects, Overlap: 2 * time.Minute}}
}

func (e *jiraEnv) run(t *testing.T, full bool) syncer.Result {
	t.Helper()
	res, err := syncer.NewJira(e.db, e.mem, e.opts, nil, nil).Run(context.Background(), full)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

// clean returns the store a single full run makes of the env's current data.
func (e *jiraEnv) clean(t *testing.T) []string {
	t.Helper()
	c := &jiraEnv{mem: e.mem, db: openDB(t, e.clock), clock: e.clock, opts: e.opts}
	c.run(t, true)
	return dumpJira(t, c.db)
}

func TestJiraFullThenIncrementalEqualsFull(t *testing.T) {
	e := newJiraEnv(t, []string{"PAY", "CORE"}, 120)
	res := e.run(t, false)
	want := cairn.Counts{New: 240, Versions: 4, Sprints: 4, Pages: 10}
	if res.Mode != syncer.ModeFull || res.Counts != want {
		t.Errorf("first run: mode %s counts %+v, want full %+v", res.Mode, res.Counts, want)
	}
	if got := dumpJira(t, e.db); len(got) == 0 {
		t.Fatal("nothing stored")
	}

	// Edit three issues, one of them into another status and a new sprint.
	e.clock.Advance(time.Hour)
	now := e.clock.Now()
	e.mem.edit(10105, now, func(is *cairn.Issue) { is.Summary = "renamed" })
	e.mem.edit(20110, now, func(is *cairn.Issue) {
		is.Status, is.StatusCategory = "Done", cairn.CategoryDone
		is.Transitions = append(is.Transitions, cairn.Transition{HistoryID: "h-done", At: now, FromStatus: "In Progress",
			ToStatus: "Done", FromCategory: cairn.CategoryIndeterminate, ToCategory: cairn.CategoryDone})
	})
	e.mem.edit(10120, now, func(is *cairn.Issue) { is.SprintIDs = []int64{10073} })
	e.mem.mu.Lock()
	e.mem.sprints[1] = append(e.mem.sprints[1], cairn.Sprint{ID: 10073, BoardID: 1, Name: "PAY S3", State: "future"})
	e.mem.mu.Unlock()
	e.clock.Advance(time.Minute)
	res = e.run(t, false)
	if res.Mode != syncer.ModeIncremental || res.Counts.New != 0 || res.Counts.Updated != 3 {
		t.Errorf("incremental: mode %s counts %+v, want incremental, 0 new, 3 updated", res.Mode, res.Counts)
	}
	if diff := cmp.Diff(e.clean(t), dumpJira(t, e.db)); diff != "" {
		t.Errorf("full + incremental differs from one full run (-full +incremental):\n%s", diff)
	}
}

func TestJiraIdleIncrementalIsCheapAndIdempotent(t *testing.T) {
	e := newJiraEnv(t, []string{"PAY", "CORE", "WEB"}, 60)
	e.run(t, false)
	before := dumpJira(t, e.db)
	e.clock.Advance(15 * time.Minute)
	for i := 0; i < 2; i++ {
		res := e.run(t, false)
		if res.Counts.New != 0 || res.Counts.Updated != 0 || res.Counts.Deleted != 0 {
			t.Errorf("idle run %d: counts %+v, want nothing new, updated or deleted", i, res.Counts)
		}
		// Per project: one search page, the versions, the sprints of the board with an open
		// sprint; plus the user's time zone once.
		if max := 3*3 + 1; res.Requests > max {
			t.Errorf("idle run %d: %d requests, want at most %d", i, res.Requests, max)
		}
	}
	if diff := cmp.Diff(before, dumpJira(t, e.db)); diff != "" {
		t.Errorf("idle runs changed the store (-before +after):\n%s", diff)
	}
}

func TestJiraResumesAfterAFailedPage(t *testing.T) {
	for _, fault := range []error{errors.New("503 Service Unavailable"), fmt.Errorf("page 3: %w", cairn.ErrMalformed), context.Canceled} {
		t.Run(fault.Error(), func(t *testing.T) {
			e := newJiraEnv(t, []string{"PAY"}, 200)
			want := e.clean(t)
			e.mem.failOn("Search", 3, fault)
			res, err := syncer.NewJira(e.db, e.mem, e.opts, nil, nil).Run(context.Background(), false)
			if !errors.Is(err, fault) {
				t.Fatalf("run error = %v, want %v", err, fault)
			}
			if res.Counts.New != 50 || res.Counts.Pages != 2 {
				t.Errorf("failed run stored %+v, want 50 new in 2 pages", res.Counts)
			}
			st, _ := e.db.JiraScope(context.Background(), "PAY")
			if !st.Watermark.IsZero() || !strings.Contains(st.Cursor, `"pages":2,`) || !strings.Contains(st.Cursor, `"next":"50"`) {
				t.Errorf("after the failed page: watermark %v cursor %s; want no watermark, cursor after page 2", st.Watermark, st.Cursor)
			}
			runs, _ := e.db.Runs(context.Background(), cairn.ConnectorJira, 1)
			if len(runs) != 1 || runs[0].Status != cairn.RunFailed || !strings.Contains(runs[0].Error, "search page 3") {
				t.Errorf("run record = %+v, want failed naming search page 3", runs)
			}

			e.mem.fail = nil
			e.mem.jqls = nil
			e.clock.Advance(time.Minute)
			res = e.run(t, false)
			if res.Counts.New != 150 {
				t.Errorf("resumed run: %d new, want the 150 not yet stored", res.Counts.New)
			}
			if e.mem.calls["SearchIDs"] == 0 {
				t.Error("a resumed full run reconciled without listing ids")
			}
			if diff := cmp.Diff(want, dumpJira(t, e.db)); diff != "" {
				t.Errorf("resumed store differs from a clean run (-clean +resumed):\n%s", diff)
			}
			if st, _ := e.db.JiraScope(context.Background(), "PAY"); st.Watermark.IsZero() || st.Cursor != "" {
				t.Errorf("after the resumed run: %+v, want a watermark and no cursor", st)
			}
		})
	}
}

func TestJiraFailedIncrementalKeepsWatermark(t *testing.T) {
	e := newJiraEnv(t, []string{"PAY"}, 80)
	e.run(t, false)
	st0, _ := e.db.JiraScope(context.Background(), "PAY")
	e.clock.Advance(time.Hour)
	for _, id := range []int64{10101, 10150, 10170} {
		e.mem.edit(id, e.clock.Now(), func(is *cairn.Issue) { is.Summary += "!" })
	}
	e.mem.pageSize = 1
	e.mem.failOn("Search", 2, cairn.ErrMalformed)
	if _, err := syncer.NewJira(e.db, e.mem, e.opts, nil, nil).Run(context.Background(), false); !errors.Is(err, cairn.ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
	st1, _ := e.db.JiraScope(context.Background(), "PAY")
	if !st1.Watermark.Equal(st0.Watermark) {
		t.Errorf("watermark moved from %v to %v on a failed run", st0.Watermark, st1.Watermark)
	}
	e.mem.fail = nil
	res := e.run(t, false)
	if res.Counts.Updated != 2 {
		t.Errorf("resumed incremental: %d updated, want the 2 after the failed page", res.Counts.Updated)
	}
	if diff := cmp.Diff(e.clean(t), dumpJira(t, e.db)); diff != "" {
		t.Errorf("store differs from a clean run (-clean +resumed):\n%s", diff)
	}
}

func TestJiraReconcileDeletesAndMoves(t *testing.T) {
	e := newJiraEnv(t, []string{"PAY", "CORE"}, 40)
	e.run(t, false)
	e.clock.Advance(time.Hour)
	e.mem.mu.Lock()
	delete(e.mem.issues, 10110) // deleted in Jira
	e.mem.mu.Unlock()
	e.mem.move(10111, e.clock.Now(), "OPS-1", "OPS") // out of scope: no search sees it
	e.mem.move(10112, e.clock.Now(), "CORE-99", "CORE")

	// An incremental run follows the move within scope but deletes nothing.
	res := e.run(t, false)
	if res.Counts.Deleted != 0 || res.Counts.Updated != 1 {
		t.Errorf("incremental: %+v, want 1 updated (the move), 0 deleted", res.Counts)
	}
	var key, project string
	if err := e.db.ReadDB().QueryRow(`SELECT key, project_key FROM jira_issues WHERE id = 10112`).Scan(&key, &project); err != nil || key != "CORE-99" || project != "CORE" {
		t.Errorf("moved issue: %s %s %v, want CORE-99 CORE", key, project, err)
	}
	// Its links follow it, from both sides.
	var links int
	e.db.ReadDB().QueryRow(`SELECT count(*) FROM jira_issue_links WHERE from_key = 'PAY-12' OR to_key = 'PAY-12'`).Scan(&links)
	if links != 0 {
		t.Errorf("%d links still name PAY-12", links)
	}

	// A failed id listing deletes nothing.
	e.mem.fail = func(method string, n int) error {
		if method == "Search" && n > 1 {
			return errors.New("502 Bad Gateway")
		}
		return nil
	}
	e.mem.pageSize = 10
	if _, err := syncer.NewJira(e.db, e.mem, e.opts, nil, nil).Run(context.Background(), true); err == nil {
		t.Fatal("full run with a failing page succeeded")
	}
	var deleted int
	e.db.ReadDB().QueryRow(`SELECT count(*) FROM jira_issues WHERE deleted_at IS NOT NULL`).Scan(&deleted)
	if deleted != 0 {
		t.Errorf("%d issues deleted after an incomplete listing", deleted)
	}
	e.mem.fail = nil
	res = e.run(t, true)
	if res.Counts.Deleted != 2 {
		t.Errorf("full run: %d deleted, want 2 (one deleted, one moved out of scope)", res.Counts.Deleted)
	}
	rows := map[int64]bool{}
	r, _ := e.db.ReadDB().Query(`SELECT id FROM jira_issues WHERE deleted_at IS NOT NULL`)
	for r.Next() {
		var id int64
		r.Scan(&id)
		rows[id] = true
	}
	r.Close()
	if !cmp.Equal(rows, map[int64]bool{10110: true, 10111: true}) {
		t.Errorf("deleted ids = %v, want 10110 and 10111", rows)
	}

	// The issue moved out comes back into scope: restored under its new key.
	e.clock.Advance(time.Hour)
	e.mem.move(10111, e.clock.Now(), "PAY-77", "PAY")
	res = e.run(t, false)
	if res.Counts.Updated != 1 {
		t.Errorf("restore: %+v, want 1 updated", res.Counts)
	}
	e.db.ReadDB().QueryRow(`SELECT key || ' ' || coalesce(deleted_at, 'live') FROM jira_issues WHERE id = 10111`).Scan(&key)
	if key != "PAY-77 live" {
		t.Errorf("restored issue: %s, want PAY-77 live", key)
	}
}

func TestJiraWatermarkInUserTimeZone(t *testing.T) {
	// Far east and far west of UTC (a JQL date written in the wrong zone skips 11 hours of
	// updates west of UTC), a quarter-hour offset, and UTC.
	for _, zone := range []string{"Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "UTC"} {
		t.Run(zone, func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			e := newJiraEnv(t, []string{"PAY"}, 30)
			e.mem.loc = loc
			e.run(t, false)
			e.clock.Advance(time.Minute)
			e.mem.edit(10103, e.clock.Now().Add(17*time.Second), func(is *cairn.Issue) { is.Summary = "first edit" })
			e.clock.Advance(time.Minute)
			e.run(t, false)
			st, _ := e.db.JiraScope(context.Background(), "PAY")
			if want := e.clock.Now().Add(-time.Minute + 17*time.Second); !st.Watermark.Equal(want) {
				t.Errorf("watermark = %v, want the latest update %v", st.Watermark, want)
			}

			// An edit one minute after that sync is found by the next one.
			e.clock.Advance(time.Minute)
			e.mem.edit(10107, e.clock.Now(), func(is *cairn.Issue) { is.Summary = "edited a minute later" })
			e.clock.Advance(time.Minute)
			res := e.run(t, false)
			if res.Counts.Updated != 1 {
				t.Errorf("incremental found %d updated issues, want 1", res.Counts.Updated)
			}
			since := st.Watermark.Add(-2 * time.Minute).In(loc)
			want := fmt.Sprintf(`project in ("PAY") AND updated >= "%s" ORDER BY created ASC, key ASC`, since.Format("2006/01/02 15:04"))
			if got := e.mem.lastJQL(); got != want {
				t.Errorf("jql = %s\nwant  %s", got, want)
			}
		})
	}
}

func TestJiraWatermarkInRepeatedHour(t *testing.T) {
	// 2026-11-01 01:00-02:00 happens twice in Denver. 07:30 UTC is the first 01:30 (MDT); the
	// JQL "01:28" could be read as the second, an hour later, so the search starts at 00:28.
	denver, err := time.LoadLocation("America/Denver")
	if err != nil {
		t.Fatal(err)
	}
	e := newJiraEnv(t, []string{"PAY"}, 5)
	e.mem.loc = denver
	for id, is := range e.mem.issues {
		is.Updated = time.Date(2026, 11, 1, 7, 30, 0, 0, time.UTC).Add(-time.Duration(id%5) * time.Hour)
		e.mem.issues[id] = is
	}
	e.run(t, false)
	e.run(t, false)
	if got, want := e.mem.lastJQL(), `updated >= "2026/11/01 00:28"`; !strings.Contains(got, want) {
		t.Errorf("jql = %s, want %s", got, want)
	}
}

func TestJiraUnknownTimeZoneSearchesADayBack(t *testing.T) {
	e := newJiraEnv(t, []string{"PAY"}, 10)
	e.run(t, false)
	st, _ := e.db.JiraScope(context.Background(), "PAY")
	e.mem.fail = func(method string, _ int) error {
		if method == "Location" {
			return errors.New("no time zone")
		}
		return nil
	}
	e.run(t, false)
	want := st.Watermark.Add(-2*time.Minute - 24*time.Hour).UTC().Format("2006/01/02 15:04")
	if got := e.mem.lastJQL(); !strings.Contains(got, `updated >= "`+want+`"`) {
		t.Errorf("jql = %s, want updated >= %q", got, want)
	}
}

func TestJiraRejectsOrderByInFilter(t *testing.T) {
	e := newJiraEnv(t, []string{"PAY"}, 1)
	e.opts.JQL = "labels = x order by rank"
	if _, err := syncer.NewJira(e.db, e.mem, e.opts, nil, nil).Run(context.Background(), false); err == nil || !strings.Contains(err.Error(), "ORDER BY") {
		t.Errorf("err = %v, want one about ORDER BY", err)
	}
}

func TestJiraScopeChangeRunsFull(t *testing.T) {
	e := newJiraEnv(t, []string{"PAY"}, 10)
	e.run(t, false)
	e.opts.JQL = `labels in (l0, l1, l2)`
	e.mem.jqls = nil
	res := e.run(t, false)
	if res.Mode != syncer.ModeFull {
		t.Errorf("mode after a jql change = %s, want full", res.Mode)
	}
	if got := e.mem.lastJQL(); strings.Contains(got, "updated >=") {
		t.Errorf("jql after a scope change = %s, want no updated clause", got)
	}
}

func TestJiraChangedFieldMappingRewritesUnchangedIssues(t *testing.T) {
	e := newJiraEnv(t, []string{"PAY"}, 30)
	e.run(t, false)
	// Jira now says story points live in another field: the same payloads decode to other
	// values, with no updated time changed.
	e.mem.mu.Lock()
	e.mem.fields = []cairn.JiraField{{Concept: cairn.JiraConceptStoryPoints, FieldID: "customfield_20000", Source: "config"}}
	for id, is := range e.mem.issues {
		is.Summary += " (re-derived)"
		e.mem.issues[id] = is
	}
	e.mem.mu.Unlock()
	e.clock.Advance(time.Hour)
	e.run(t, false) // incremental: nothing changed as far as Jira's updated times go
	var n int
	e.db.ReadDB().QueryRow(`SELECT count(*) FROM jira_issues WHERE summary LIKE '%(re-derived)'`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d issues rewritten by an incremental run", n)
	}
	e.run(t, true)
	e.db.ReadDB().QueryRow(`SELECT count(*) FROM jira_issues WHERE summary LIKE '%(re-derived)'`).Scan(&n)
	if n != 30 {
		t.Errorf("%d of 30 issues re-derived by the full run after the mapping changed", n)
	}
}

// TestJiraSiteFactsSpareRequestsAcrossProcesses runs each sync with a new client, as separate
// `cairn sync` processes do: an incremental run finds the deployment, the user's zone, the
// fields and the statuses stored by the full run, costs 3 requests per project, still writes
// its JQL date in the user's zone (an edit a minute after the sync is found), and reads the
// facts again once they are a day old.
func TestJiraSiteFactsSpareRequestsAcrossProcesses(t *testing.T) {
	for _, d := range deployments {
		t.Run(d, func(t *testing.T) {
			s := newJiraSite(t, d, "Pacific/Pago_Pago", jiratest.GenOptions{Projects: []string{"PAY", "WEB"},
				IssuesPerProject: 50, Seed: 5})
			db := openDB(t, s.clock)
			fresh := func() {
				co := jc.Options{BaseURL: s.srv.BaseURL(), Deployment: jc.DeploymentAuto, Token: e2eToken, PageSize: 40,
					Sleep: s.clock.Sleep, Now: s.clock.Now}
				if d == jiratest.Cloud {
					co.Email = e2eEmail
				}
				var err error
				if s.client, err = jc.New(co); err != nil {
					t.Fatal(err)
				}
			}
			fresh()
			s.run(t, db, true, "PAY", "WEB")
			s.clock.Advance(time.Minute)
			mustDo(t, s.srv.UpdateIssue("PAY-3", func(is *cairn.Issue) { is.Summary = "edited a minute after the sync" }))
			s.clock.Advance(time.Minute)
			fresh()
			s.srv.ResetStats()
			res := s.run(t, db, false, "PAY", "WEB")
			if res.Counts.Updated != 1 {
				t.Errorf("incremental: %s, want the edit found", res)
			}
			for _, route := range []string{"serverInfo", "myself", "field", "status"} {
				if n := s.srv.Stats().ByRoute[route]; n != 0 {
					t.Errorf("incremental asked %s %d times; stored facts should answer", route, n)
				}
			}
			s.clock.Advance(10 * time.Minute)
			fresh()
			if res = s.run(t, db, false, "PAY", "WEB"); res.Requests > 2*3 {
				t.Errorf("idle incremental in a new process: %s, want at most 6 requests", res)
			}
			s.clock.Advance(25 * time.Hour)
			fresh()
			s.srv.ResetStats()
			s.run(t, db, false, "PAY", "WEB")
			if n := s.srv.Stats().ByRoute["myself"]; n != 1 {
				t.Errorf("a day later the zone was read %d times, want 1", n)
			}
		})
	}
}

// TestJiraFailedWriteLosesNoPage makes the store refuse one issue of one project while three
// projects share the run's writer: the run fails naming the store's error, every project's
// cursor stops at a page whose issues, and all before it, are stored (none after a lost
// page), and the rerun ends in the same store as a clean run.
func TestJiraFailedWriteLosesNoPage(t *testing.T) {
	projects := []string{"PAY", "CORE", "WEB"}
	e := newJiraEnv(t, projects, 200)
	want := e.clean(t)
	mustExec := func(q string) {
		t.Helper()
		if err := e.db.Update(context.Background(), func(tx *sql.Tx) error { _, err := tx.Exec(q); return err }); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`CREATE TRIGGER refuse BEFORE INSERT ON jira_issues WHEN NEW.key = 'CORE-60'
		BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`)
	_, err := syncer.NewJira(e.db, e.mem, e.opts, nil, nil).Run(context.Background(), false)
	if err == nil || !strings.Contains(err.Error(), "refused by the test") {
		t.Fatalf("run error = %v, want the store's refusal", err)
	}
	for _, p := range projects {
		st, _ := e.db.JiraScope(context.Background(), p)
		var cur struct{ Pages int }
		if st.Cursor != "" {
			if err := json.Unmarshal([]byte(st.Cursor), &cur); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := e.db.ReadDB().QueryRow(`SELECT count(*) FROM jira_issues WHERE project_key = ?`, p).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != cur.Pages*25 || !st.Watermark.IsZero() {
			t.Errorf("%s after the failure: %d issues stored, cursor after page %d (%d issues), watermark %v", p, n, cur.Pages, cur.Pages*25, st.Watermark)
		}
		if p == "CORE" && cur.Pages > 2 {
			t.Errorf("CORE's cursor is after page %d, past the refused page 3", cur.Pages)
		}
	}
	mustExec(`DROP TRIGGER refuse`)
	e.clock.Advance(time.Minute)
	e.run(t, false)
	if diff := cmp.Diff(want, dumpJira(t, e.db)); diff != "" {
		t.Errorf("rerun store differs from a clean run (-clean +rerun):\n%s", diff)
	}
}
