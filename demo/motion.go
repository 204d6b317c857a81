package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/connectors/github/githubtest"
)

// Change is one thing the moving world did, for logs and tests.
type Change struct {
	Kind   string // ChangeStatus, ChangePROpened, ChangeReview, ChangeMerged or ChangeAdded
	Item   string // a Jira key or "owner/repo#n"
	Detail string // e.g. "In Progress -> In Review"
}

// Kinds of Change.
const (
	ChangeStatus   = "status"
	ChangePROpened = "pr_opened"
	ChangeReview   = "review"
	ChangeMerged   = "merged"
	ChangeAdded    = "added"
)

func (c Change) String() string { return c.Kind + " " + c.Item + ": " + c.Detail }

// Motion keeps the demo world moving through the fakes' own mutation APIs, so that incremental
// syncs, dashboards and alerts show life: each step a few issues move one status forward (a pull
// request opens when work starts and merges when it is done), a waiting pull request gets a
// review, and every fourth step an issue joins the milestone whose scope is growing. It never
// touches the done and the stalled milestones, the issues that carry blockers, nor a
// milestone's last open item, so every case of the world stays visible while it runs. Steps are
// deterministic for a seed and a world; only their timestamps come from the clock.
type Motion struct {
	f   *Fakes
	now func() time.Time
	rng *rand.Rand

	mu     sync.Mutex
	steps  int
	moving []*movingMilestone
	items  map[string]*movingItem
	// waiting are open pull requests nobody has reviewed yet, "owner/repo#n", oldest first.
	waiting []string
	growth  *movingMilestone
}

type movingMilestone struct {
	plan    milestonePlan
	version int64    // Jira version id, 0 when none
	epic    string   // epic key, "" when none
	open    []string // keys of the items not done that may move, in key order
	notDone int      // every item not done, movable or not
}

type movingItem struct {
	key, status, summary string
	team                 team
	prs                  []string // open pull requests carrying the key
	reviewed             bool
}

// NewMotion prepares the motion of the world the fakes serve. seed picks the changes; now
// stamps them (nil: time.Now).
func NewMotion(f *Fakes, seed uint64, now func() time.Time) *Motion {
	if now == nil {
		now = time.Now
	}
	w := f.World
	m := &Motion{f: f, now: now, rng: rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d)), items: map[string]*movingItem{}}
	reviewed := map[string]bool{}
	for _, rv := range w.Reviews {
		reviewed[prKey(rv.Repo, rv.Number)] = true
	}
	openPR := map[string]bool{}
	for _, p := range w.PRs {
		k := prKey(p.Repo, p.Number)
		if p.State == "open" {
			openPR[k] = true
			if !p.Draft && !reviewed[k] && p.Repo != teamByName("Infra").repo {
				m.waiting = append(m.waiting, k)
			}
		}
	}
	for _, p := range plans {
		if p.shows == caseDone || p.shows == caseStalled || teamByName(p.team).project == "" {
			continue
		}
		mm := &movingMilestone{plan: p, epic: w.Epics[p.program+" / "+p.name]}
		if p.version != "" {
			mm.version = w.versionID(p.version)
		}
		for _, is := range w.Issues {
			if is.Subtask || is.IssueType == "Epic" || is.StatusCategory == cairn.CategoryDone || !mm.owns(is) {
				continue
			}
			mm.notDone++
			if len(is.Links) > 0 || is.Flagged {
				continue // blockers and the blocked stay as they are
			}
			it := &movingItem{key: is.Key, status: is.Status, summary: is.Summary, team: teamByName(p.team)}
			for _, k := range w.linked[is.Key] {
				if openPR[k] {
					it.prs = append(it.prs, k)
					it.reviewed = it.reviewed || reviewed[k]
				}
			}
			m.items[is.Key] = it
			mm.open = append(mm.open, is.Key)
		}
		if p.shows == caseGrowth {
			m.growth = mm
		}
		m.moving = append(m.moving, mm)
	}
	return m
}

func (mm *movingMilestone) owns(is cairn.Issue) bool {
	if mm.epic != "" && is.EpicKey == mm.epic {
		return true
	}
	return mm.version != 0 && len(is.FixVersionIDs) > 0 && is.FixVersionIDs[0] == mm.version
}

// Step moves the world n steps and returns what changed.
func (m *Motion) Step(n int) ([]Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Change
	for range n {
		ch, err := m.step()
		out = append(out, ch...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Run steps the world every tick until ctx is done, logging what changed.
func (m *Motion) Run(ctx context.Context, tick time.Duration, log *slog.Logger) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changes, err := m.Step(1)
		if err != nil {
			log.Error("demo world motion", "err", err)
			continue
		}
		log.Info("demo world moved", "changes", len(changes))
		for _, c := range changes {
			log.Debug("demo world change", "kind", c.Kind, "item", c.Item, "detail", c.Detail)
		}
	}
}

// step is one tick (m.mu held).
func (m *Motion) step() ([]Change, error) {
	m.steps++
	var out []Change
	for range 1 + m.rng.IntN(3) {
		ch, err := m.advance()
		out = append(out, ch...)
		if err != nil {
			return out, err
		}
	}
	if len(m.waiting) > 0 && m.rng.IntN(2) == 0 {
		i := m.rng.IntN(len(m.waiting))
		k := m.waiting[i]
		state := "APPROVED"
		if m.rng.IntN(3) == 0 {
			state = "CHANGES_REQUESTED"
		}
		if err := m.review(k, state); err != nil {
			return out, err
		}
		out = append(out, Change{ChangeReview, k, state})
	}
	if m.steps%4 == 0 && m.growth != nil {
		ch, err := m.addGrowth()
		out = append(out, ch...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

var (
	nextStatus = map[string]string{statusToDo: statusInProgress, statusInProgress: statusInReview, statusInReview: statusDone}
	moveWeight = map[string]int{statusToDo: 1, statusInProgress: 2, statusInReview: 4}
)

// advance moves one open item of a random moving milestone a status forward.
func (m *Motion) advance() ([]Change, error) {
	var cands []*movingMilestone
	for _, mm := range m.moving {
		if len(mm.open) > 0 && mm.notDone > 1 {
			cands = append(cands, mm)
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	mm := cands[m.rng.IntN(len(cands))]
	// Teams mostly finish what they started before they pick up new work: an item in review
	// is four times as likely to move as one to do, one in progress twice.
	total := 0
	for _, k := range mm.open {
		total += moveWeight[m.items[k].status]
	}
	i, r := 0, m.rng.IntN(total)
	for ; r >= moveWeight[m.items[mm.open[i]].status]; i++ {
		r -= moveWeight[m.items[mm.open[i]].status]
	}
	it := m.items[mm.open[i]]
	to := nextStatus[it.status]
	at := m.now()
	if err := m.f.Jira.Transition(it.key, to, at); err != nil {
		return nil, fmt.Errorf("move %s to %s: %w", it.key, to, err)
	}
	out := []Change{{ChangeStatus, it.key, it.status + " -> " + to}}
	it.status = to
	switch to {
	case statusInProgress:
		if it.team.repo != "" && len(it.prs) == 0 {
			k, err := m.openPR(it, at)
			if err != nil {
				return out, err
			}
			out = append(out, Change{ChangePROpened, k, it.key})
		}
	case statusDone:
		mm.open = append(mm.open[:i], mm.open[i+1:]...)
		mm.notDone--
		for _, k := range it.prs {
			if !it.reviewed {
				if err := m.review(k, "APPROVED"); err != nil {
					return out, err
				}
				out = append(out, Change{ChangeReview, k, "APPROVED"})
			}
			if err := m.merge(k, at); err != nil {
				return out, err
			}
			out = append(out, Change{ChangeMerged, k, it.key})
		}
		it.prs = nil
	}
	return out, nil
}

// openPR opens a pull request carrying the item's key in its title and branch.
func (m *Motion) openPR(it *movingItem, at time.Time) (string, error) {
	author := people[it.team.name][m.rng.IntN(2)]
	reviewer := people[it.team.name][m.rng.IntN(2)]
	slug := strings.ToLower(strings.Join(strings.Fields(asciiWords(it.summary)), "-"))
	pr := githubtest.PR{Title: it.key + ": " + it.summary, Body: "Part of " + it.key + ".", Author: login(author),
		Head: "work/" + it.key + "-" + slug, Base: "main", Created: at.UTC().Truncate(time.Second),
		RequestedReviewers: []string{login(reviewer)}, Commits: []string{it.key + " first cut"}}
	if err := m.f.GitHub.AddPR(it.team.repo, pr); err != nil {
		return "", fmt.Errorf("open a pull request for %s: %w", it.key, err)
	}
	snap, _ := m.f.GitHub.Snapshot(it.team.repo)
	n := 0
	for _, p := range snap.PRs {
		if p.Head == pr.Head {
			n = max(n, p.Number)
		}
	}
	k := prKey(it.team.repo, n)
	it.prs = append(it.prs, k)
	m.waiting = append(m.waiting, k)
	return k, nil
}

// review submits a review and takes the pull request off the waiting list.
func (m *Motion) review(k, state string) error {
	repo, num := splitPRKey(k)
	rv := githubtest.Review{State: state, Body: reviewBody(state), Author: "cairn-demo-reviewer"}
	if err := m.f.GitHub.AddReview(repo, num, rv); err != nil {
		return fmt.Errorf("review %s: %w", k, err)
	}
	for i, w := range m.waiting {
		if w == k {
			m.waiting = append(m.waiting[:i], m.waiting[i+1:]...)
			break
		}
	}
	for _, it := range m.items {
		for _, p := range it.prs {
			if p == k {
				it.reviewed = true
			}
		}
	}
	return nil
}

func (m *Motion) merge(k string, at time.Time) error {
	repo, num := splitPRKey(k)
	at = at.UTC().Truncate(time.Second)
	err := m.f.GitHub.UpdatePR(repo, num, func(p *githubtest.PR) {
		p.State, p.Merged, p.Closed, p.RequestedReviewers = "closed", at, at, nil
	})
	if err != nil {
		return fmt.Errorf("merge %s: %w", k, err)
	}
	return nil
}

// addGrowth adds a new to-do issue to the growing milestone's version.
func (m *Motion) addGrowth() ([]Change, error) {
	mm := m.growth
	t := teamByName(mm.plan.team)
	at := m.now()
	is := cairn.Issue{ProjectKey: t.project, IssueType: "Story", Summary: summaries[m.rng.IntN(len(summaries))],
		Status: statusToDo, StatusCategory: cairn.CategoryNew, Priority: "Medium", Created: at, Updated: at,
		Assignee: people[t.name][m.rng.IntN(2)], FixVersionIDs: []int64{mm.version},
		Labels: []string{strings.ToLower(strings.ReplaceAll(mm.plan.name, " ", "-"))}}
	if m.rng.IntN(4) > 0 {
		sp := []float64{1, 2, 3, 5, 8}[m.rng.IntN(5)]
		is.StoryPoints = &sp
	}
	if s := m.f.World.sprintAt(t.project, at); s != 0 {
		is.SprintIDs = []int64{s}
	}
	is = m.f.Jira.PutIssue(is)
	m.items[is.Key] = &movingItem{key: is.Key, status: statusToDo, summary: is.Summary, team: t}
	mm.open = append(mm.open, is.Key)
	mm.notDone++
	return []Change{{ChangeAdded, is.Key, mm.plan.program + " / " + mm.plan.name}}, nil
}

func splitPRKey(k string) (repo string, number int) {
	repo, n, _ := strings.Cut(k, "#")
	fmt.Sscan(n, &number)
	return repo, number
}
