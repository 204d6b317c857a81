package syncer_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairn-dev/cairn"
)

// memJira is an in-memory Jira for the syncer's tests: it evaluates the JQL the syncer sends
// (project scope, updated >= in the user's zone, the order) and pages by offset, like Data
// Center. The end-to-end tests run the real client against jiratest.
type memJira struct {
	mu       sync.Mutex
	loc      *time.Location
	pageSize int
	issues   map[int64]cairn.Issue
	versions map[string][]cairn.Version
	boards   map[string][]cairn.Board
	sprints  map[int64][]cairn.Sprint
	fields   []cairn.JiraField
	requests int
	calls    map[string]int
	jqls     []string
	// fail, when set, may fail a call: method name and its 1-based count.
	fail func(method string, n int) error
}

func (m *memJira) call(method string) error {
	m.requests++
	if m.calls == nil {
		m.calls = map[string]int{}
	}
	m.calls[method]++
	if m.fail != nil {
		return m.fail(method, m.calls[method])
	}
	return nil
}

func (m *memJira) Location(context.Context) (*time.Location, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("Location"); err != nil {
		return nil, err
	}
	return m.loc, nil
}

func (m *memJira) Fields(context.Context) ([]cairn.JiraField, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("Fields"); err != nil {
		return nil, err
	}
	return m.fields, nil
}

var (
	memProject = regexp.MustCompile(`^project in \("([A-Z][A-Z0-9_]*)"\)`)
	memSince   = regexp.MustCompile(`updated >= "([0-9/: ]+)"`)
)

// match returns the issues a JQL selects, in the syncer's order.
func (m *memJira) match(jql string) ([]cairn.Issue, error) {
	pm := memProject.FindStringSubmatch(jql)
	if pm == nil || !strings.HasSuffix(jql, " ORDER BY created ASC, key ASC") {
		return nil, fmt.Errorf("memJira: unsupported jql %q", jql)
	}
	var since time.Time
	if sm := memSince.FindStringSubmatch(jql); sm != nil {
		t, err := time.ParseInLocation("2006/01/02 15:04", sm[1], m.loc)
		if err != nil {
			return nil, err
		}
		since = t
	}
	var out []cairn.Issue
	for _, is := range m.issues {
		if is.ProjectKey == pm[1] && !is.Updated.Before(since) {
			out = append(out, is)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

func (m *memJira) Search(_ context.Context, jql, cursor string) (cairn.JiraPage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("Search"); err != nil {
		return cairn.JiraPage{}, err
	}
	m.jqls = append(m.jqls, jql)
	all, err := m.match(jql)
	if err != nil {
		return cairn.JiraPage{}, err
	}
	start, _ := strconv.Atoi(cursor)
	end := min(start+m.pageSize, len(all))
	page := cairn.JiraPage{Issues: append([]cairn.Issue(nil), all[start:end]...), Total: len(all)}
	if end < len(all) {
		page.Next = strconv.Itoa(end)
	}
	return page, nil
}

func (m *memJira) SearchIDs(_ context.Context, jql, cursor string) ([]int64, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("SearchIDs"); err != nil {
		return nil, "", err
	}
	all, err := m.match(jql)
	if err != nil {
		return nil, "", err
	}
	start, _ := strconv.Atoi(cursor)
	end := min(start+5*m.pageSize, len(all))
	var ids []int64
	for _, is := range all[start:end] {
		ids = append(ids, is.ID)
	}
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return ids, next, nil
}

func (m *memJira) Versions(_ context.Context, project string) ([]cairn.Version, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("Versions"); err != nil {
		return nil, err
	}
	return m.versions[project], nil
}

func (m *memJira) Boards(_ context.Context, project string) ([]cairn.Board, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("Boards"); err != nil {
		return nil, err
	}
	return m.boards[project], nil
}

func (m *memJira) Sprints(_ context.Context, board int64) ([]cairn.Sprint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("Sprints"); err != nil {
		return nil, err
	}
	return m.sprints[board], nil
}

func (m *memJira) Requests() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.requests
}

// edit changes an issue as a user would: its updated time becomes now.
func (m *memJira) edit(id int64, now time.Time, fn func(*cairn.Issue)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	is := m.issues[id]
	fn(&is)
	is.Updated = now
	m.issues[id] = is
}

// move gives an issue a new key and project, as Jira does: its updated time changes, and every
// payload that links to it names the new key (without changing the other issues' updated).
func (m *memJira) move(id int64, now time.Time, key, project string) {
	m.mu.Lock()
	old := m.issues[id].Key
	for oid, is := range m.issues {
		links := append([]cairn.IssueLink(nil), is.Links...)
		for i := range links {
			if links[i].FromKey == old {
				links[i].FromKey = key
			}
			if links[i].ToKey == old {
				links[i].ToKey = key
			}
		}
		is.Links = links
		m.issues[oid] = is
	}
	m.mu.Unlock()
	m.edit(id, now, func(is *cairn.Issue) { is.Key, is.ProjectKey = key, project })
}

// failOn makes the nth call of method (counted from now) fail with err.
func (m *memJira) failOn(method string, n int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = nil
	m.fail = func(meth string, k int) error {
		if meth == method && k == n {
			return err
		}
		return nil
	}
}

func (m *memJira) lastJQL() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.jqls[len(m.jqls)-1]
}

// newMemJira builds n issues per project, created an hour apart from January 2026, with
// versions, a scrum board with a closed and an active sprint and a Kanban board per project.
func newMemJira(projects []string, n int) *memJira {
	m := &memJira{loc: time.UTC, pageSize: 25, issues: map[int64]cairn.Issue{}, versions: map[string][]cairn.Version{},
		boards: map[string][]cairn.Board{}, sprints: map[int64][]cairn.Sprint{},
		fields: []cairn.JiraField{{Concept: cairn.JiraConceptStoryPoints, FieldID: "customfield_10016", Source: "schema"}}}
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for pi, p := range projects {
		base := int64(10000 * (pi + 1))
		board := int64(pi*10 + 1)
		m.versions[p] = []cairn.Version{{ID: base + 1, ProjectKey: p, Name: p + " 1.0", ReleaseDate: t0.AddDate(0, 3, 0), Released: true},
			{ID: base + 2, ProjectKey: p, Name: p + " 2.0", ReleaseDate: t0.AddDate(0, 12, 0)}}
		m.boards[p] = []cairn.Board{{ID: board, Name: p + " scrum", Type: "scrum", ProjectKey: p},
			{ID: board + 1, Name: p + " flow", Type: "kanban", ProjectKey: p}}
		m.sprints[board] = []cairn.Sprint{{ID: base + 71, BoardID: board, Name: p + " S1", State: "closed", StartAt: t0, EndAt: t0.AddDate(0, 0, 14), CompleteAt: t0.AddDate(0, 0, 14)},
			{ID: base + 72, BoardID: board, Name: p + " S2", State: "active", StartAt: t0.AddDate(0, 0, 14), EndAt: t0.AddDate(0, 0, 28)}}
		for i := 1; i <= n; i++ {
			id := base + int64(100+i)
			key := fmt.Sprintf("%s-%d", p, i)
			created := t0.Add(time.Duration(i) * time.Hour)
			is := cairn.Issue{ID: id, Key: key, ProjectKey: p, IssueType: "Story", Summary: "Work item " + key,
				Status: "In Progress", StatusCategory: cairn.CategoryIndeterminate, Created: created,
				Updated: created.Add(time.Duration(i%7) * 24 * time.Hour), FixVersionIDs: []int64{base + 1 + int64(i%2)},
				SprintIDs: []int64{base + 71 + int64(i%2)}, EpicKey: p + "-1", Labels: []string{"l" + strconv.Itoa(i%3)},
				Transitions: []cairn.Transition{{HistoryID: strconv.FormatInt(id*10, 10), At: created.Add(time.Minute),
					FromStatus: "To Do", ToStatus: "In Progress", FromCategory: cairn.CategoryNew, ToCategory: cairn.CategoryIndeterminate}},
				Raw: []byte(fmt.Sprintf(`{"id":"%d","key":%q}`, id, key))}
			if i > 1 {
				is.Links = []cairn.IssueLink{{ID: id, Type: "Blocks", FromKey: fmt.Sprintf("%s-%d", p, i-1), ToKey: key}}
			}
			if i < n {
				is.Links = append(is.Links, cairn.IssueLink{ID: id + 1, Type: "Blocks", FromKey: key, ToKey: fmt.Sprintf("%s-%d", p, i+1)})
			}
			m.issues[id] = is
		}
	}
	return m
}
