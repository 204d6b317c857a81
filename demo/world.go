package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
)

// Jira workflow of the demo: four statuses in three categories.
const (
	statusToDo       = "To Do"
	statusInProgress = "In Progress"
	statusInReview   = "In Review"
	statusDone       = "Done"
)

var statusCategory = map[string]cairn.StatusCategory{
	statusToDo:       cairn.CategoryNew,
	statusInProgress: cairn.CategoryIndeterminate,
	statusInReview:   cairn.CategoryIndeterminate,
	statusDone:       cairn.CategoryDone,
}

// World is the generated data set, in cairn's own vocabulary; the fakes serve it.
type World struct {
	AsOf       time.Time
	Projects   []string
	Repos      []string
	Issues     []cairn.Issue
	Versions   []cairn.Version
	Boards     []cairn.Board
	Sprints    []cairn.Sprint
	PRs        []cairn.PullRequest
	Reviews    []cairn.Review
	Milestones []cairn.Milestone

	// Milestones by case, for tests and the demo's banner: case -> "Program / Milestone".
	Cases map[string]string
	// Epics maps a milestone planned under an epic to the epic's key.
	Epics map[string]string

	// linked lists the pull requests ("owner/repo#n") that carry each Jira key, for the motion.
	linked map[string][]string

	rng       *rand.Rand
	nextID    int64
	keySeq    map[string]int
	prSeq     map[string]int
	reviewSeq int64
}

// Generate builds the world as it stands at asOf. scale multiplies every item count (1 = a
// few hundred issues); the same seed, scale and asOf give the same world.
func Generate(seed uint64, scale int, asOf time.Time) *World {
	if scale < 1 {
		scale = 1
	}
	w := &World{
		AsOf:   asOf.UTC().Truncate(time.Minute),
		Cases:  map[string]string{},
		Epics:  map[string]string{},
		linked: map[string][]string{},
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		nextID: 10000, keySeq: map[string]int{}, prSeq: map[string]int{}, reviewSeq: 500000,
	}
	for _, t := range teams {
		if t.project != "" {
			w.Projects = append(w.Projects, t.project)
		}
		if t.repo != "" {
			w.Repos = append(w.Repos, t.repo)
		}
	}
	w.boardsAndSprints()
	for _, p := range plans {
		w.Cases[p.shows] = p.program + " / " + p.name
		w.milestone(p, scale)
	}
	w.blockers()
	w.unlinkedPRs(scale)
	sort.Slice(w.Issues, func(i, j int) bool { return w.Issues[i].ID < w.Issues[j].ID })
	return w
}

func teamByName(name string) team {
	for _, t := range teams {
		if t.name == name {
			return t
		}
	}
	panic("demo: unknown team " + name) // the plans above are static; a typo is a programming error
}

func (w *World) id() int64 { w.nextID++; return w.nextID }

func (w *World) key(project string) string {
	w.keySeq[project]++
	return fmt.Sprintf("%s-%d", project, w.keySeq[project])
}

// jitter returns a random duration in [0, d).
func (w *World) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(w.rng.Int64N(int64(d)))
}

func (w *World) summary() string {
	return summaries[w.rng.IntN(len(summaries))]
}

// boardsAndSprints gives Payments and Web two-week scrum sprints over 26 weeks; Mobile and Core
// run Kanban boards, which have no sprints.
func (w *World) boardsAndSprints() {
	boardID := int64(1)
	sprintID := int64(100)
	for _, t := range teams {
		if t.project == "" {
			continue
		}
		typ := "kanban"
		if t.project == "PAY" || t.project == "WEB" {
			typ = "scrum"
		}
		w.Boards = append(w.Boards, cairn.Board{ID: boardID, Name: t.name + " board", Type: typ, ProjectKey: t.project})
		if typ == "scrum" {
			start := w.AsOf.Add(-weeks(26)).Truncate(24 * time.Hour)
			for n := 1; start.Before(w.AsOf); n++ {
				end := start.Add(weeks(2))
				s := cairn.Sprint{ID: sprintID, BoardID: boardID, Name: fmt.Sprintf("%s Sprint %d", t.project, n),
					StartAt: start, EndAt: end, Goal: "Ship what we planned"}
				if end.Before(w.AsOf) {
					s.State, s.CompleteAt = "closed", end
				} else {
					s.State = "active"
				}
				w.Sprints = append(w.Sprints, s)
				sprintID++
				start = end
			}
		}
		boardID++
	}
}

// sprintAt returns the id of the project's sprint running at t, or 0.
func (w *World) sprintAt(project string, t time.Time) int64 {
	for _, s := range w.Sprints {
		if strings.HasPrefix(s.Name, project+" ") && !t.Before(s.StartAt) && t.Before(s.EndAt) {
			return s.ID
		}
	}
	return 0
}

// itemTimes are the moments of one item's life; zero when it has not happened.
type itemTimes struct {
	created, started, done time.Time
	reopened               bool
}

// schedule decides when each item of a milestone was created, started and finished.
func (w *World) schedule(p milestonePlan, scale int) []itemTimes {
	now := w.AsOf
	start := now.Add(-weeks(p.startWeeks))
	lastDone := now.Add(-days(p.lastDoneDays))
	total := p.items * scale
	added := p.added * scale
	done := p.done * scale
	inProgress := p.inProgress * scale
	out := make([]itemTimes, 0, (p.items+p.added)*scale)
	for i := range total + added {
		var it itemTimes
		if i < total {
			it.created = start.Add(w.jitter(weeks(1)))
		} else {
			it.created = now.Add(-days(3)).Add(w.jitter(days(2))) // this week's scope growth
		}
		switch {
		case i < done:
			// Completions spread evenly from a week after the start to the last completion.
			span := lastDone.Sub(start.Add(weeks(1)))
			at := start.Add(weeks(1)).Add(time.Duration(float64(span) * (float64(i) + 0.5) / float64(done)))
			at = at.Add(w.jitter(days(1))).Truncate(time.Minute)
			if at.After(lastDone) {
				at = lastDone
			}
			it.done = at
			it.started = at.Add(-days(1 + w.rng.Float64()*5))
			if it.started.Before(it.created) {
				it.started = it.created.Add(time.Hour)
			}
			it.reopened = w.rng.IntN(10) == 0 && it.done.Sub(it.started) > days(3)
		case i < done+inProgress:
			back := days(1 + w.rng.Float64()*4)
			if p.shows == caseStalled {
				back = days(p.lastDoneDays + 2 + w.rng.Float64()*5) // nobody has touched them since
			}
			it.started = now.Add(-back)
			if it.started.Before(it.created) {
				it.started = it.created.Add(time.Hour)
			}
		}
		out = append(out, it)
	}
	return out
}

// transitions writes an item's status history, day by day, ending in its current status.
func transitions(it itemTimes) (hist []cairn.Transition, status string) {
	status = statusToDo
	n := 0
	move := func(at time.Time, to string) {
		n++
		hist = append(hist, cairn.Transition{HistoryID: fmt.Sprint(n), At: at.Truncate(time.Second),
			FromStatus: status, ToStatus: to, FromCategory: statusCategory[status], ToCategory: statusCategory[to]})
		status = to
	}
	if !it.started.IsZero() {
		move(it.started, statusInProgress)
	}
	if !it.done.IsZero() {
		if it.reopened {
			// Finished once, reopened the next day, finished again: cycle time runs to the last done.
			first := it.started.Add(it.done.Sub(it.started) / 3)
			move(first, statusDone)
			move(first.Add(days(1)), statusInProgress)
		}
		move(it.done.Add(-12*time.Hour), statusInReview)
		move(it.done, statusDone)
	}
	return hist, status
}

var people = map[string][]string{
	"Payments": {"Ana Ruiz", "Jonas Weber"},
	"Web":      {"Mei Chen", "Tom Okafor"},
	"Core":     {"Priya Nair", "Lars Berg"},
	"API":      {"Sam Cole", "Ines Duarte"},
	"Mobile":   {"Kenji Sato", "Lea Martin"},
	"Infra":    {"Olu Adeyemi", "Rosa Klein"},
}

func (w *World) person(teamName string) string {
	p := people[teamName]
	return p[w.rng.IntN(len(p))]
}

// milestone generates one milestone's Jira issues, version, GitHub milestone and pull requests.
func (w *World) milestone(p milestonePlan, scale int) {
	t := teamByName(p.team)
	due := time.Time{}
	if p.hasDue {
		due = w.AsOf.Add(weeks(p.dueWeeks)).Truncate(24 * time.Hour)
	}
	var versionID int64
	if p.version != "" {
		versionID = w.id()
		w.Versions = append(w.Versions, cairn.Version{ID: versionID, ProjectKey: t.project, Name: p.version,
			Description: p.program + " " + p.name, StartDate: w.AsOf.Add(-weeks(p.startWeeks)).Truncate(24 * time.Hour),
			ReleaseDate: due, Released: p.shows == caseDone})
	}
	if p.ghMilestone != "" {
		w.prSeq[t.repo]++
		m := cairn.Milestone{ID: w.id(), Repo: t.repo, Number: w.prSeq[t.repo], Title: p.ghMilestone, State: "open", DueOn: due}
		if p.shows == caseDone {
			m.State, m.ClosedAt = "closed", w.AsOf.Add(-days(p.lastDoneDays))
		}
		w.Milestones = append(w.Milestones, m)
	}
	var epicKey string
	if p.epic {
		epic := cairn.Issue{ID: w.id(), Key: w.key(t.project), ProjectKey: t.project, IssueType: "Epic",
			Summary: p.name, Created: w.AsOf.Add(-weeks(p.startWeeks)), Priority: "Medium"}
		epic.Transitions, epic.Status = transitions(itemTimes{started: epic.Created.Add(days(1))})
		epic.StatusCategory = statusCategory[epic.Status]
		epic.Updated = epic.Transitions[len(epic.Transitions)-1].At
		w.Issues = append(w.Issues, epic)
		epicKey = epic.Key
		w.Epics[p.program+" / "+p.name] = epicKey
	}
	items := w.schedule(p, scale)
	for i, it := range items {
		if t.project == "" {
			w.milestonePR(p, t, it, i)
			continue
		}
		is := w.issue(p, t, it, versionID, epicKey)
		// The first open items of the slipping milestone are the ones blocked across programs
		// (see blockers): pages list them with their summaries, so the hostile string is shown.
		if i == p.done*scale && p.shows == caseSlipping {
			is.Summary = hostile // one hostile string keeps escaping honest on every page
		}
		if i == p.done*scale+1 && p.shows == caseSlipping {
			is.Flagged = true
		}
		w.Issues = append(w.Issues, is)
		if t.repo != "" && w.rng.IntN(10) < 7 && !it.started.IsZero() {
			w.linkedPR(t, is, it, i)
		}
		// Sub-tasks roll into their parent: a few done parents carry one.
		if i%9 == 4 && !it.done.IsZero() {
			sub := w.issue(p, t, itemTimes{created: it.created, started: it.started, done: it.done.Add(-time.Hour)}, versionID, "")
			sub.IssueType, sub.Subtask, sub.ParentKey, sub.StoryPoints = "Sub-task", true, is.Key, nil
			sub.Summary = "Tests for " + is.Key
			w.Issues = append(w.Issues, sub)
		}
	}
}

func (w *World) issue(p milestonePlan, t team, it itemTimes, versionID int64, epicKey string) cairn.Issue {
	is := cairn.Issue{ID: w.id(), Key: w.key(t.project), ProjectKey: t.project, IssueType: "Story",
		Summary: w.summary(), Priority: "Medium", Created: it.created.Truncate(time.Second), Assignee: w.person(t.name),
		EpicKey: epicKey, ParentKey: epicKey, Labels: []string{strings.ToLower(strings.ReplaceAll(p.name, " ", "-"))}}
	if w.rng.IntN(5) > 0 { // one in five is unestimated
		sp := []float64{1, 2, 3, 5, 8}[w.rng.IntN(5)]
		is.StoryPoints = &sp
	}
	if w.rng.IntN(4) == 0 {
		is.IssueType = "Bug"
	}
	is.Transitions, is.Status = transitions(it)
	is.StatusCategory = statusCategory[is.Status]
	is.Updated = is.Created
	if n := len(is.Transitions); n > 0 {
		is.Updated = is.Transitions[n-1].At
	}
	if !it.done.IsZero() {
		is.Resolved = is.Updated
	}
	if versionID != 0 {
		is.FixVersionIDs = []int64{versionID}
	}
	at := it.done
	if at.IsZero() {
		at = w.AsOf
	}
	if s := w.sprintAt(t.project, at); s != 0 {
		is.SprintIDs = []int64{s}
	}
	return is
}

// blockers adds "blocks" links: across programs (Platform's API v3 holds up Checkout's Mobile
// launch) and across teams inside a program (Payments' GA holds up the Mobile launch). The
// blocked work is all in the slipping milestone: open blockers make a milestone amber, and GA
// must stay on track (green).
func (w *World) blockers() {
	open := func(version string) []int {
		var idx []int
		vid := w.versionID(version)
		for i, is := range w.Issues {
			if len(is.FixVersionIDs) > 0 && is.FixVersionIDs[0] == vid && is.StatusCategory != cairn.CategoryDone && !is.Subtask {
				idx = append(idx, i)
			}
		}
		return idx
	}
	link := func(blocking, blocked string) {
		id := w.id()
		l := cairn.IssueLink{ID: id, Type: "Blocks", FromKey: w.Issues[w.issueIndex(blocking)].Key, ToKey: w.Issues[w.issueIndex(blocked)].Key}
		for _, k := range []string{blocking, blocked} {
			i := w.issueIndex(k)
			w.Issues[i].Links = append(w.Issues[i].Links, l)
		}
	}
	api, ga, mob := open("CORE 3.0"), open("PAY 2.0"), open("MOB 1.0")
	if len(api) > 0 && len(mob) > 1 {
		link(w.Issues[api[0]].Key, w.Issues[mob[0]].Key)
		link(w.Issues[api[len(api)-1]].Key, w.Issues[mob[1]].Key)
	}
	if len(ga) > 2 && len(mob) > 2 {
		link(w.Issues[ga[2]].Key, w.Issues[mob[2]].Key)
	}
}

func (w *World) versionID(name string) int64 {
	for _, v := range w.Versions {
		if v.Name == name {
			return v.ID
		}
	}
	return -1
}

func (w *World) issueIndex(key string) int {
	for i := range w.Issues {
		if w.Issues[i].Key == key {
			return i
		}
	}
	return -1
}
