package demo

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
)

// fixedClock is a clock that ticks a second at each call, so changes get distinct times.
func fixedClock(start time.Time) func() time.Time {
	n := 0
	return func() time.Time { n++; return start.Add(time.Duration(n) * time.Second) }
}

func startFakes(t *testing.T, seed uint64) *Fakes {
	t.Helper()
	f := Start(Generate(seed, 1, asOf), func() time.Time { return asOf.Add(time.Hour) })
	t.Cleanup(f.Close)
	return f
}

func TestMotionIsDeterministic(t *testing.T) {
	a, b := startFakes(t, 5), startFakes(t, 5)
	ca, err := NewMotion(a, 9, fixedClock(asOf)).Step(12)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := NewMotion(b, 9, fixedClock(asOf)).Step(12)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ca, cb) {
		t.Fatalf("same seed, two motions:\n%v\n%v", ca, cb)
	}
	kinds := map[string]int{}
	for _, c := range ca {
		kinds[c.Kind]++
	}
	for _, k := range []string{ChangeStatus, ChangePROpened, ChangeReview, ChangeMerged, ChangeAdded} {
		if kinds[k] == 0 {
			t.Errorf("12 steps made no %q change: %v", k, kinds)
		}
	}
	cc, _ := NewMotion(startFakes(t, 5), 10, fixedClock(asOf)).Step(12)
	if reflect.DeepEqual(ca, cc) {
		t.Error("another seed made the same changes")
	}
}

func TestMotionChangesTheFakes(t *testing.T) {
	f := startFakes(t, 3)
	changes, err := NewMotion(f, 1, fixedClock(asOf)).Step(20)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, c := range changes {
		switch c.Kind {
		case ChangeStatus:
			_, to, _ := strings.Cut(c.Detail, " -> ")
			status[c.Item] = to
		case ChangeAdded:
			status[c.Item] = statusToDo
		case ChangeMerged:
			repo, n := splitPRKey(c.Item)
			snap, _ := f.GitHub.Snapshot(repo)
			for _, p := range snap.PRs {
				if p.Number == n && (p.State != "closed" || p.Merged.IsZero()) {
					t.Errorf("%s: state %s, merged %v; want merged", c.Item, p.State, p.Merged)
				}
			}
		case ChangeReview, ChangePROpened:
			repo, n := splitPRKey(c.Item)
			snap, _ := f.GitHub.Snapshot(repo)
			found := false
			for _, p := range snap.PRs {
				found = found || p.Number == n && (c.Kind == ChangePROpened || len(p.Reviews) > 0)
			}
			if !found {
				t.Errorf("%s: not in the fake GitHub", c)
			}
		}
	}
	if len(status) == 0 {
		t.Fatal("no issue changed")
	}
	for key, want := range status {
		is, ok := f.Jira.Issue(key)
		if !ok || is.Status != want {
			t.Errorf("%s: status %q in the fake Jira, want %q", key, is.Status, want)
		}
		if n := len(is.Transitions); want != statusToDo && (n == 0 || is.Transitions[n-1].ToStatus != want) {
			t.Errorf("%s: the changelog does not end in %q", key, want)
		}
	}
}

// TestMotionKeepsTheCases runs the world for a long while and checks that the done and the
// stalled milestones never moved, blockers stayed, and no moving milestone got finished.
func TestMotionKeepsTheCases(t *testing.T) {
	f := startFakes(t, 1)
	w := f.World
	changes, err := NewMotion(f, 2, fixedClock(asOf)).Step(400)
	if err != nil {
		t.Fatal(err)
	}
	frozen := map[string]bool{}
	for _, is := range w.Issues {
		if len(is.Links) > 0 || is.Flagged {
			frozen[is.Key] = true
		}
	}
	for _, c := range changes {
		if frozen[c.Item] {
			t.Errorf("%s: a blocker or blocked issue moved", c)
		}
		if strings.HasPrefix(c.Item, teamByName("Infra").repo+"#") {
			t.Errorf("%s: the stalled milestone moved", c)
		}
	}
	issues := f.Jira.Issues()
	for _, p := range plans {
		if p.version == "" {
			continue
		}
		vid := w.versionID(p.version)
		notDone, moved := 0, 0
		for _, is := range issues {
			if is.Subtask || len(is.FixVersionIDs) == 0 || is.FixVersionIDs[0] != vid {
				continue
			}
			if is.StatusCategory != cairn.CategoryDone {
				notDone++
			}
			if is.Updated.After(asOf) {
				moved++
			}
		}
		switch {
		case p.shows == caseDone && moved > 0:
			t.Errorf("%s: %d issues of the done milestone moved", p.name, moved)
		case p.shows != caseDone && notDone == 0:
			t.Errorf("%s (%s): every item got done", p.name, p.shows)
		}
	}
}
