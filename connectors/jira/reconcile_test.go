package jira

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
)

// allIDs pages through SearchIDs.
func (e *env) allIDs(t *testing.T, jql string) []int64 {
	t.Helper()
	var out []int64
	cursor := ""
	for {
		ids, next, err := e.c.SearchIDs(context.Background(), jql, cursor)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ids...)
		if next == "" {
			return out
		}
		cursor = next
	}
}

func TestSearchIDsDeletedAndMoved(t *testing.T) {
	for _, d := range deployments() {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, d, jiratest.Options{MaxResults: 7}, Options{})
			e.srv.Generate(jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: 30, Seed: 9})
			before := e.allIDs(t, "project in (PAY, WEB) ORDER BY id ASC")
			if len(before) != 60 {
				t.Fatalf("%d ids", len(before))
			}
			moved, _ := e.srv.Issue("PAY-4")
			if err := e.srv.DeleteIssue("PAY-3"); err != nil {
				t.Fatal(err)
			}
			if err := e.srv.MoveIssue("PAY-4", "OPS-1"); err != nil {
				t.Fatal(err)
			}
			after := e.allIDs(t, "project in (PAY, WEB) ORDER BY id ASC")
			if len(after) != 58 || slices.Contains(after, moved.ID) {
				t.Fatalf("%d ids after delete and move", len(after))
			}
			got := e.all(t, "project = OPS")
			if len(got) != 1 || got[0].ID != moved.ID || got[0].Key != "OPS-1" || got[0].ProjectKey != "OPS" {
				t.Fatalf("moved issue %+v", got)
			}
			// The old key still resolves (Jira follows moves); the deleted one is gone.
			if is, ok := e.srv.Issue("PAY-4"); !ok || is.ID != moved.ID {
				t.Fatal("old key does not resolve")
			}
			_, err := e.c.do(context.Background(), "GET", "rest/api/2/issue/PAY-3?fields=key", nil)
			if !errors.Is(err, cairn.ErrNotFound) {
				t.Fatalf("deleted issue: %v", err)
			}
		})
	}
}

func TestLegacySprintStringsAndStringPoints(t *testing.T) {
	e := newEnv(t, jiratest.DataCenter, jiratest.Options{LegacySprintField: true, StoryPointsAsString: true}, Options{})
	e.srv.Generate(jiratest.GenOptions{Projects: []string{"PAY"}, IssuesPerProject: 40, Seed: 4})
	got := e.all(t, "project = PAY ORDER BY key ASC")
	sprints, points := 0, 0
	for _, is := range got {
		want, _ := e.srv.Issue(is.Key)
		if !slices.Equal(is.SprintIDs, want.SprintIDs) {
			t.Fatalf("%s sprints %v, want %v", is.Key, is.SprintIDs, want.SprintIDs)
		}
		sprints += len(is.SprintIDs)
		if (is.StoryPoints == nil) != (want.StoryPoints == nil) || (is.StoryPoints != nil && *is.StoryPoints != *want.StoryPoints) {
			t.Fatalf("%s points %v, want %v", is.Key, is.StoryPoints, want.StoryPoints)
		}
		if is.StoryPoints != nil {
			points++
		}
	}
	if sprints == 0 || points == 0 {
		t.Fatal("no sprints or points in the data set")
	}
}

func TestBulkChangelogPagesAndNumericDates(t *testing.T) {
	e := newEnv(t, jiratest.Cloud, jiratest.Options{ChangelogLimit: 3, NumericChangelogDates: true}, Options{})
	e.srv.Generate(jiratest.GenOptions{Projects: []string{"PAY"}, IssuesPerProject: 60, Seed: 5, LongChangelogs: 0.5})
	got := e.all(t, "project = PAY ORDER BY created ASC")
	long := 0
	for _, is := range got {
		want, _ := e.srv.Issue(is.Key)
		if len(is.Transitions) != len(want.Transitions) {
			t.Fatalf("%s: %d transitions, want %d", is.Key, len(is.Transitions), len(want.Transitions))
		}
		for i := range is.Transitions {
			if !is.Transitions[i].At.Equal(want.Transitions[i].At) || is.Transitions[i].ToCategory != want.Transitions[i].ToCategory {
				t.Fatalf("%s transition %d: %+v want %+v", is.Key, i, is.Transitions[i], want.Transitions[i])
			}
		}
		if len(is.Transitions) > 3 {
			long++
		}
	}
	if long < 10 || e.srv.Stats().ByRoute["changelog/bulkfetch"] == 0 {
		t.Fatalf("%d long histories, %v", long, e.srv.Stats().ByRoute)
	}
}

func TestRateLimitStorm(t *testing.T) {
	for _, d := range deployments() {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, d, jiratest.Options{MaxResults: 10}, Options{})
			e.srv.Generate(jiratest.GenOptions{Projects: []string{"PAY"}, IssuesPerProject: 95, Seed: 6})
			e.srv.InjectEvery(jiratest.Fault429, "", 3, 2)
			got := e.all(t, "project = PAY ORDER BY updated ASC")
			if len(got) != 95 {
				t.Fatalf("%d issues", len(got))
			}
			if st := e.srv.Stats(); st.ByStatus[429] == 0 || len(e.sl.all()) != st.ByStatus[429] {
				t.Fatalf("429s %d, sleeps %d", st.ByStatus[429], len(e.sl.all()))
			}
		})
	}
}

// TestGeneratedMillionIsLazy checks that a million generated issues cost little memory and
// that an incremental query near the end is answered without walking them all.
func TestGeneratedMillionIsLazy(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e := newEnv(t, jiratest.Cloud, jiratest.Options{}, Options{})
	e.srv.Generate(jiratest.GenOptions{Projects: []string{"BIG"}, IssuesPerProject: 1_000_000, Seed: 7})
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 20<<20 {
		t.Fatalf("generating a million issues took %d MB of heap", grown>>20)
	}
	last, ok := e.srv.Issue("BIG-1000000")
	if !ok {
		t.Fatal("no last issue")
	}
	loc, _ := e.c.Location(context.Background())
	got := e.all(t, "project = BIG AND updated >= "+JQLTime(last.Updated.Add(-2*time.Minute), loc)+" ORDER BY updated ASC")
	if len(got) == 0 || got[len(got)-1].Key != "BIG-1000000" || len(got) > 100 {
		t.Fatalf("%d issues, last %s", len(got), got[len(got)-1].Key)
	}
}

func TestDetectionRecovers(t *testing.T) {
	// "cloud" in lower case is still Cloud (DevLake once compared it case-sensitively).
	e := newEnv(t, jiratest.Cloud, jiratest.Options{DeploymentType: "cloud"}, Options{})
	if d, err := e.c.Deployment(context.Background()); err != nil || d != DeploymentCloud {
		t.Fatalf("%q %v", d, err)
	}
	// A Cloud site that says "Server": the removed search answers 410 and the client switches
	// to the enhanced search for good.
	e = newEnv(t, jiratest.Cloud, jiratest.Options{DeploymentType: "Server"}, Options{})
	e.srv.PutIssue(cairn.Issue{Key: "OPS-1", Created: t0})
	if got := e.all(t, "project = OPS"); len(got) != 1 {
		t.Fatalf("%d issues", len(got))
	}
	if d, _ := e.c.Deployment(context.Background()); d != DeploymentCloud {
		t.Fatalf("deployment %q after the 410", d)
	}
	if st := e.srv.Stats(); st.ByStatus[410] != 1 || st.ByRoute["search/jql"] != 1 {
		t.Fatalf("stats %+v", st)
	}
}
