package rollup

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// TestEngineMatchesRun is the incremental rollup's proof: after random changes written through
// the store's write paths, and as-of times moved by minutes to hours (across the windows'
// edges, and once into the next day), each Engine.Update stores the very report (byte for
// byte) and snapshots that a full Run at the same as-of time stores on a copy of the database
// taken just before.
func TestEngineMatchesRun(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { testEngineMatchesRun(t, seed) })
	}
}

// openEngineDB opens a new store (engine.db in the returned directory, closed when the test
// ends) and returns it with the engine tests' first as-of time.
func openEngineDB(t *testing.T) (string, *store.DB, time.Time) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "engine.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return dir, db, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)
}

func testEngineMatchesRun(t *testing.T, seed uint64) {
	ctx := context.Background()
	dir, db, asOf := openEngineDB(t)
	w, spec := newEngineWorld(t, db, seed, 160, asOf)
	e := NewEngine(db, spec)
	incremental, patched := 0, 0
	for step := range 36 {
		var what []string
		onlyNew := false // only new PRs and GitHub issues: the world must be patched, not rebuilt
		switch {
		case step > 0 && step%4 == 3:
			// Only time passes, to the next edge of a window (exactly on it, or just past it):
			// what changes is what the milestones' and flows' expiry instants must catch.
			if next := w.nextEdge(step%8 == 3); !next.IsZero() {
				what = append(what, "time to an edge")
				w.asOf = next
				break
			}
			w.asOf = w.asOf.Add(time.Duration(1+w.pick(150)) * time.Minute)
		case step > 0 && step%8 == 2:
			// Only new issues arrive (inserted into the world in place): a story, which may
			// block an existing issue, and a sub-task of an existing one.
			is := w.newIssue([]string{"P0", "P1", "P2"}[w.pick(3)])
			w.issues[is.ID] = is
			saved := []*cairn.Issue{is}
			if w.pick(2) == 0 {
				other := w.anyIssue()
				w.nextID++
				l := cairn.IssueLink{ID: w.nextID, Type: "Blocks", FromKey: is.Key, ToKey: other.Key}
				is.Links, other.Links = append(is.Links, l), append(other.Links, l)
				saved = append(saved, other)
			}
			sub := w.newIssue(is.ProjectKey)
			sub.Subtask, sub.IssueType, sub.ParentKey = true, "Sub-task", w.anyIssue().Key
			w.issues[sub.ID] = sub
			w.saveIssues(append(saved, sub)...)
			what = append(what, "new "+is.Key+" and sub-task "+sub.Key)
			w.asOf = w.asOf.Add(time.Duration(1+w.pick(30)) * time.Minute)
		case step > 0 && step%8 == 6:
			// Only new pull requests arrive (inserted into the world in place, as must be
			// checked below): with or without a Jira key, reviewed or not, in repos, GitHub
			// milestones and labels that milestones name, open, merged or abandoned; one
			// sometimes numbered below its repo's others (synced late: in the middle of its
			// repo's PRs); sometimes a new GitHub issue too.
			for x := range 1 + w.pick(3) {
				p := w.newPR()
				if x == 1 && w.pick(2) == 0 {
					p.Number = 1 + w.pick(999) // the seeded numbers start past 1000
					for _, o := range w.prs {
						if o.Repo == p.Repo && o.Number == p.Number {
							p.Number = int(p.ID)
						}
					}
					for i := range w.reviews[p.ID] {
						w.reviews[p.ID][i].Number = p.Number
					}
				}
				w.prs[p.ID] = p
				w.savePR(p)
				what = append(what, fmt.Sprintf("PR %s#%d opened (%s, keys %v)", p.Repo, p.Number, p.State, w.prKeys[p.ID]))
			}
			if w.pick(3) == 0 {
				g := w.newGitHubIssue()
				w.ghIss[g.ID] = g
				w.saveGitHubIssue(g)
				what = append(what, fmt.Sprintf("GitHub issue %s#%d", g.Repo, g.Number))
			}
			onlyNew = true
			w.asOf = w.asOf.Add(time.Duration(1+w.pick(30)) * time.Minute)
		case step > 0 && step%4 == 1:
			// Only the blocking side of a link across programs changes, a minute later.
			what = append(what, w.changeCrossBlocker())
			w.asOf = w.asOf.Add(time.Minute)
		case step > 0:
			for range w.pick(4) {
				what = append(what, w.change())
			}
			w.asOf = w.asOf.Add(time.Duration(1+w.pick(150)) * time.Minute)
			if step == 30 { // into the next day: a full run
				w.asOf = w.asOf.Add(18 * time.Hour)
			}
		}
		copyPath := copyDB(t, dir, fmt.Sprintf("copy-%d.db", step))
		got, info, err := e.Update(ctx, w.asOf)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if !info.Full {
			incremental++
		}
		if !info.Full && info.Rebuilt == "" {
			patched++
		}
		if onlyNew && (info.Full || info.Rebuilt != "") {
			t.Errorf("step %d: new pull requests and GitHub issues %q: full %v (%s), rebuilt %q; want them inserted in place",
				step, what, info.Full, info.Why, info.Rebuilt)
		}
		t.Logf("step %d: full %v (%s) rebuilt %q recomputed %d parts %d after %q", step, info.Full, info.Why, info.Rebuilt, info.Recomputed, info.Parts, what)
		ref, err := store.Open(ctx, copyPath)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Run(ctx, ref, spec, w.asOf)
		if err != nil {
			t.Fatal(err)
		}
		compareStores(t, fmt.Sprintf("step %d (%+v) after %q", step, info, what), db, ref, got, want)
		ref.Close()
	}
	if incremental < 24 || patched < 12 {
		t.Errorf("only %d of 36 updates were incremental, %d patched the world in place", incremental, patched)
	}
}

// compareStores checks the two databases' latest report (whole JSON), the report of its week,
// the reports returned, and every snapshot.
func compareStores(t *testing.T, step string, db, ref *store.DB, got, want *Report) {
	t.Helper()
	ctx := context.Background()
	a, err := db.LatestReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ref.LatestReport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.JSON, b.JSON) {
		t.Fatalf("%s: stored reports differ:\n%s", step, firstDiff(a.JSON, b.JSON))
	}
	wk, err := db.ReportForWeek(ctx, a.ISOWeek)
	if err != nil || !bytes.Equal(wk.JSON, b.JSON) {
		t.Fatalf("%s: the week's report is not the latest (%v)", step, err)
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) || !bytes.Equal(gj, a.JSON) {
		t.Fatalf("%s: returned reports differ:\n%s", step, firstDiff(gj, wj))
	}
	sa, err := db.Snapshots(ctx, "", "", time.Time{}, got.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := ref.Snapshots(ctx, "", "", time.Time{}, got.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(sa)
	jb, _ := json.Marshal(sb)
	if !bytes.Equal(ja, jb) {
		t.Fatalf("%s: snapshots differ:\n%s", step, firstDiff(ja, jb))
	}
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(i-300, 0)
	return fmt.Sprintf("at byte %d:\n got  %s\n want %s", i, a[lo:min(i+300, len(a))], b[lo:min(i+300, len(b))])
}

// TestEngineStoresPartsAgain: when another writer's report replaced the engine's (and its
// parts went with it), the next incremental Update stores every part again, and the stored
// report is still Run's.
func TestEngineStoresPartsAgain(t *testing.T) {
	ctx := context.Background()
	dir, db, asOf := openEngineDB(t)
	w, spec := newEngineWorld(t, db, 5, 60, asOf)
	e := NewEngine(db, spec)
	for k := range 3 { // the last of these reuses parts
		if _, info, err := e.Update(ctx, asOf.Add(time.Duration(k)*time.Second)); err != nil || (k == 2 && info.Parts == len(e.st.em.ms)) {
			t.Fatalf("update %d: %+v, %v", k, info, err)
		}
	}
	if _, err := db.SaveReport(ctx, asOf.Add(time.Minute), ISOWeek(asOf), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	w.asOf = asOf.Add(2 * time.Minute)
	copyPath := copyDB(t, dir, "copy.db")
	got, info, err := e.Update(ctx, w.asOf)
	if err != nil || info.Full {
		t.Fatalf("update: %+v, %v; want an incremental update", info, err)
	}
	ref, err := store.Open(ctx, copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	want, err := Run(ctx, ref, spec, w.asOf)
	if err != nil {
		t.Fatal(err)
	}
	compareStores(t, "after another report", db, ref, got, want)
}

// copyDB copies dir's engine.db, as it is now, to dir/name (VACUUM INTO: the store's pools
// cannot VACUUM) and returns the copy's path.
func copyDB(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	vac, err := sql.Open("sqlite", filepath.Join(dir, "engine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer vac.Close()
	if _, err := vac.ExecContext(context.Background(), `VACUUM INTO ?`, path); err != nil {
		t.Fatal(err)
	}
	return path
}
