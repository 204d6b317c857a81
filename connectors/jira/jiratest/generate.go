package jiratest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cairn-dev/cairn"
)

// genSpec computes the generated issues of one project from their index (1..n), so a
// generated data set costs O(projects) memory however many issues it has. created, updated
// and id all grow with the index, which keeps searches ordered by any of them cheap.
type genSpec struct {
	key        string
	n          int
	seed       uint64
	idBase     int64
	linkBase   int64
	verIDs     []int64
	verDates   []time.Time
	sprintBase int64
	sprints    int
	start      time.Time
	step       time.Duration
	life       time.Duration
	sprintLen  time.Duration
	long       float64
	longLen    int
}

// Generate adds a deterministic data set: the same options give the same issues, versions,
// boards and sprints. Issues are computed on demand (see the package doc).
func (s *Server) Generate(o GenOptions) {
	if len(o.Projects) == 0 {
		o.Projects = []string{"PAY", "WEB"}
	}
	if o.Span <= 0 {
		o.Span = 365 * 24 * time.Hour
	}
	if o.Lifetime <= 0 {
		o.Lifetime = 14 * 24 * time.Hour
	}
	if o.Versions <= 0 {
		o.Versions = 4
	}
	if o.SprintLength <= 0 {
		o.SprintLength = 14 * 24 * time.Hour
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.Start.IsZero() {
		o.Start = s.opts.Now().Add(-o.Span - o.Lifetime).Truncate(time.Minute)
	}
	now := s.opts.Now()
	for pi, key := range o.Projects {
		p := s.putProject(Project{Key: key, Name: "Project " + key, TeamManaged: o.TeamManaged})
		n := max(o.IssuesPerProject, 0)
		g := &genSpec{key: key, n: n, seed: uint64(o.Seed)*0x9E3779B97F4A7C15 ^ uint64(pi+1)<<40,
			start: o.Start, life: o.Lifetime, sprintLen: o.SprintLength, long: o.LongChangelogs,
			longLen: s.clLimit + 20}
		if n > 0 {
			g.step = o.Span / time.Duration(n)
		}
		g.idBase = s.nextID
		s.nextID += int64(n) + 1
		g.linkBase = s.nextID
		s.nextID += 2*int64(n) + 2
		for v := 0; v < o.Versions; v++ {
			rel := o.Start.Add(o.Span * time.Duration(v+1) / time.Duration(o.Versions)).Truncate(24 * time.Hour)
			id := s.nextID + 1
			s.nextID++
			p.versions = append(p.versions, id)
			s.versions[id] = &versionState{projectID: p.ID, Version: cairn.Version{ID: id, ProjectKey: key,
				Name: fmt.Sprintf("%s 1.%d", key, v), Description: "Release 1." + strconv.Itoa(v),
				StartDate: rel.Add(-o.Span / time.Duration(o.Versions)).Truncate(24 * time.Hour), ReleaseDate: rel,
				Released: rel.Before(now), Archived: v == 0 && o.Versions > 2}}
			g.verIDs = append(g.verIDs, id)
			g.verDates = append(g.verDates, rel)
		}
		board := s.addBoard(Board{Name: key + " scrum board", Type: "scrum", ProjectKey: key})
		if pi%2 == 1 {
			s.addBoard(Board{Name: key + " kanban board", Type: "kanban", ProjectKey: key})
		}
		g.sprints = int((o.Span+o.Lifetime)/o.SprintLength) + 1
		g.sprintBase = s.nextID
		s.nextID += int64(g.sprints) + 1
		for k := 0; k < g.sprints; k++ {
			st := o.Start.Add(time.Duration(k) * o.SprintLength)
			end := st.Add(o.SprintLength)
			sp := cairn.Sprint{ID: g.sprintBase + int64(k) + 1, BoardID: board, Name: fmt.Sprintf("%s Sprint %d", key, k+1),
				Goal: "Ship increment " + strconv.Itoa(k+1), StartAt: st, EndAt: end, State: "future"}
			switch {
			case end.Before(now):
				sp.State, sp.CompleteAt = "closed", end.Add(time.Hour)
			case !st.After(now):
				sp.State = "active"
			default:
				sp.StartAt, sp.EndAt = time.Time{}, time.Time{}
			}
			s.addSprint(sp)
		}
		p.gen = g
		p.nextNum = n + 1
	}
	s.bump()
}

func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

func (g *genSpec) h(i, salt int) uint64 { return splitmix(g.seed ^ uint64(i)<<8 ^ uint64(salt)) }

func (g *genSpec) keyOf(i int) string { return g.key + "-" + strconv.Itoa(i) }

// times returns created and updated of issue i: both strictly increasing in i.
func (g *genSpec) times(i int) (time.Time, time.Time) {
	created := g.start.Add(time.Duration(i-1) * g.step).Truncate(time.Millisecond)
	var jit time.Duration
	if g.step > time.Millisecond {
		jit = time.Duration(g.h(i, 1) % uint64(g.step/time.Millisecond) * uint64(time.Millisecond))
	}
	return created, created.Add(g.life + jit).Truncate(time.Millisecond)
}

var (
	genVerbs  = []string{"Add", "Fix", "Refactor", "Remove", "Speed up", "Document", "Migrate", "Harden"}
	genThings = []string{"login flow", "billing export", "search index", "rate limiter", "webhook retries", "dark mode", "audit log", "CSV import"}
	genUsers  = []string{"Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov", "Ken Thompson"}
	genLabels = []string{"backend", "frontend", "infra", "customer"}
	genComps  = []string{"API", "UI", "Data"}
	genPrio   = []string{"Medium", "High", "Low", "Highest"}
	genPoints = []float64{1, 2, 3, 5, 8, 13}
)

func (g *genSpec) isEpic(i int) bool    { return i%20 == 1 }
func (g *genSpec) isSubtask(i int) bool { return i%10 == 5 }

// blocks reports whether issue i blocks issue i+1; relates whether i relates to i+2.
func (g *genSpec) blocks(i int) bool  { return i >= 1 && i < g.n && g.h(i, 2)%7 == 0 }
func (g *genSpec) relates(i int) bool { return i >= 1 && i+2 <= g.n && g.h(i, 3)%13 == 0 }

// issue computes generated issue i.
func (g *genSpec) issue(i int) cairn.Issue {
	created, updated := g.times(i)
	is := cairn.Issue{ID: g.idBase + int64(i), Key: g.keyOf(i), ProjectKey: g.key, Created: created, Updated: updated,
		Summary:  genVerbs[g.h(i, 4)%uint64(len(genVerbs))] + " " + genThings[g.h(i, 5)%uint64(len(genThings))],
		Priority: genPrio[g.h(i, 6)%uint64(len(genPrio))]}
	switch {
	case g.isEpic(i):
		is.IssueType = "Epic"
		is.Summary = "Epic: " + is.Summary
	case g.isSubtask(i):
		is.IssueType, is.Subtask, is.ParentKey = "Sub-task", true, g.keyOf(i-1)
	default:
		is.IssueType = []string{"Story", "Story", "Task", "Bug"}[g.h(i, 7)%4]
		if e := (i-1)/20*20 + 1; e < i && g.h(i, 8)%10 < 7 {
			is.EpicKey = g.keyOf(e)
		}
		if r := g.h(i, 9) % 10; r < 8 {
			v := genPoints[g.h(i, 10)%uint64(len(genPoints))]
			is.StoryPoints = &v
		}
	}
	if u := g.h(i, 11) % 10; u > 0 {
		is.Assignee = genUsers[u%uint64(len(genUsers))]
	}
	for k, l := range genLabels {
		if g.h(i, 20+k)%4 == 0 {
			is.Labels = append(is.Labels, l)
		}
	}
	is.Components = []string{genComps[g.h(i, 12)%uint64(len(genComps))]}
	is.Flagged = g.h(i, 13)%33 == 0
	if g.h(i, 14)%10 < 3 {
		is.DueDate = created.Add(g.life + 7*24*time.Hour).UTC().Truncate(24 * time.Hour)
	}
	if len(g.verIDs) > 0 && !is.Subtask && g.h(i, 15)%10 < 8 {
		for k, d := range g.verDates {
			if !d.Before(updated) || k == len(g.verDates)-1 {
				is.FixVersionIDs = []int64{g.verIDs[k]}
				break
			}
		}
	}
	if g.sprints > 0 && !g.isEpic(i) {
		k := int(created.Sub(g.start) / g.sprintLen)
		if k < g.sprints {
			is.SprintIDs = []int64{g.sprintBase + int64(k) + 1}
			if k2 := int(updated.Sub(g.start) / g.sprintLen); k2 > k && k2 < g.sprints {
				is.SprintIDs = append(is.SprintIDs, g.sprintBase+int64(k2)+1)
			}
		}
	}
	g.history(i, &is)
	if g.blocks(i) {
		is.Links = append(is.Links, cairn.IssueLink{ID: g.linkBase + int64(2*i), Type: "Blocks", FromKey: is.Key, ToKey: g.keyOf(i + 1)})
	}
	if g.blocks(i - 1) {
		is.Links = append(is.Links, cairn.IssueLink{ID: g.linkBase + int64(2*(i-1)), Type: "Blocks", FromKey: g.keyOf(i - 1), ToKey: is.Key})
	}
	if g.relates(i) {
		is.Links = append(is.Links, cairn.IssueLink{ID: g.linkBase + int64(2*i+1), Type: "Relates", FromKey: is.Key, ToKey: g.keyOf(i + 2)})
	}
	if g.relates(i - 2) {
		is.Links = append(is.Links, cairn.IssueLink{ID: g.linkBase + int64(2*(i-2)+1), Type: "Relates", FromKey: g.keyOf(i - 2), ToKey: is.Key})
	}
	return is
}

// history fills the status, resolution and transitions of generated issue i.
func (g *genSpec) history(i int, is *cairn.Issue) {
	r := g.h(i, 16) % 20
	span := is.Updated.Sub(is.Created)
	at := func(f float64) time.Time {
		return is.Created.Add(time.Duration(float64(span) * f)).Truncate(time.Millisecond)
	}
	hid := func(k int) string { return strconv.FormatInt(is.ID*1000+int64(k), 10) }
	add := func(from, to string, fc, tc cairn.StatusCategory, t time.Time) {
		is.Transitions = append(is.Transitions, cairn.Transition{HistoryID: hid(len(is.Transitions) + 1), At: t,
			FromStatus: from, ToStatus: to, FromCategory: fc, ToCategory: tc})
	}
	const todo, prog, rev, done = "To Do", "In Progress", "In Review", "Done"
	N, I, D := cairn.CategoryNew, cairn.CategoryIndeterminate, cairn.CategoryDone
	is.Status, is.StatusCategory = todo, N
	if r < 3 { // 15% still to do
		return
	}
	add(todo, prog, N, I, at(0.2))
	is.Status, is.StatusCategory = prog, I
	if g.long > 0 && float64(g.h(i, 17)%10000) < g.long*10000 {
		for k := 0; k < g.longLen/2; k++ {
			f := 0.2 + 0.35*float64(2*k+1)/float64(g.longLen+2) // all before 0.6 below
			add(prog, rev, I, I, at(f))
			add(rev, prog, I, I, at(f+0.17/float64(g.longLen+2)))
		}
	}
	if r < 8 { // 25% in progress
		if r%2 == 0 {
			add(prog, rev, I, I, at(0.6))
			is.Status = rev
		}
		return
	}
	add(prog, rev, I, I, at(0.6))
	add(rev, done, I, D, at(1))
	is.Status, is.StatusCategory, is.Resolved = done, D, at(1)
}
