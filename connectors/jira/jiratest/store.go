package jiratest

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
)

// project is a project and its generated (virtual) issues.
type project struct {
	Project
	idx      int
	gen      *genSpec
	hidden   map[int]bool // generated indices that were changed (now stored) or deleted
	nextNum  int
	versions []int64
}

// rec is a stored issue.
type rec struct {
	is    cairn.Issue // Links live in Server.links; Transitions are the status history
	moves []keyMove
}

type keyMove struct {
	id       string
	at       time.Time
	from, to string
}

type link struct {
	id       int64
	typ      string
	from, to string // from blocks / relates to / ... to
}

type status struct {
	id   string
	name string
	cat  cairn.StatusCategory
}

type boardState struct {
	Board
	sprints []int64
}

type sprintState struct {
	cairn.Sprint
}

type versionState struct {
	cairn.Version
	projectID int64
}

var defaultStatuses = []struct {
	name string
	cat  cairn.StatusCategory
}{
	{"To Do", cairn.CategoryNew}, {"In Progress", cairn.CategoryIndeterminate},
	{"In Review", cairn.CategoryIndeterminate}, {"Done", cairn.CategoryDone},
}

// defaultFieldIDs are the ids real instances typically use (they differ between deployments,
// which is why connectors must discover them).
func defaultFieldIDs(deployment string) map[string]string {
	if deployment == DataCenter {
		return map[string]string{
			cairn.JiraConceptStoryPoints: "customfield_10106", cairn.JiraConceptEpicLink: "customfield_10100",
			cairn.JiraConceptSprint: "customfield_10104", cairn.JiraConceptStartDate: "customfield_10200",
			cairn.JiraConceptFlagged: "customfield_10300",
		}
	}
	return map[string]string{
		cairn.JiraConceptStoryPoints: "customfield_10016", cairn.JiraConceptEpicLink: "customfield_10014",
		cairn.JiraConceptSprint: "customfield_10020", cairn.JiraConceptStartDate: "customfield_10015",
		cairn.JiraConceptFlagged: "customfield_10021",
	}
}

func (s *Server) addStatus(name string, cat cairn.StatusCategory) *status {
	if st := s.statusBy[name]; st != nil {
		return st
	}
	id := strconv.Itoa(10000 + len(s.statuses))
	if name == "In Progress" {
		id = "3" // Jira's built-in id
	}
	st := &status{id: id, name: name, cat: cat}
	s.statuses = append(s.statuses, st)
	s.statusBy[name] = st
	return st
}

func (s *Server) now() time.Time { return s.opts.Now().Truncate(time.Millisecond) }

func (s *Server) bump() {
	s.version++
	clear(s.dcCursors)
	clear(s.counts)
}

func (s *Server) newID() int64 { s.nextID++; return s.nextID }

// AddProject adds (or renames) a company-managed project.
func (s *Server) AddProject(key, name string) { s.PutProject(Project{Key: key, Name: name}) }

// PutProject adds or replaces a project's settings.
func (s *Server) PutProject(p Project) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putProject(p)
}

func (s *Server) putProject(p Project) *project {
	if old := s.projects[p.Key]; old != nil {
		if p.ID == 0 {
			p.ID = old.ID
		}
		if p.Name == "" {
			p.Name = old.Name
		}
		old.Project = p
		s.bump()
		return old
	}
	if p.ID == 0 {
		p.ID = 10000 + int64(len(s.projOrder))
	}
	if p.Name == "" {
		p.Name = p.Key
	}
	pr := &project{Project: p, idx: len(s.projOrder), hidden: map[int]bool{}, nextNum: 1}
	s.projects[p.Key] = pr
	s.projOrder = append(s.projOrder, pr)
	s.bump()
	return pr
}

func projectOf(key string) string {
	p, _, _ := strings.Cut(key, "-")
	return p
}

func numOf(key string) int {
	_, n, _ := strings.Cut(key, "-")
	v, _ := strconv.Atoi(n)
	return v
}

// PutIssue adds or replaces an issue. Zero ID, Key and Created are filled in (the key in the
// issue's ProjectKey, which is created when missing); Updated defaults to the last transition
// or Created. Links are stored once and shown on both issues; the status history is
// Transitions (HistoryIDs are assigned when empty). It returns the stored issue.
func (s *Server) PutIssue(is cairn.Issue) cairn.Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putIssue(is)
}

func (s *Server) putIssue(is cairn.Issue) cairn.Issue {
	if is.ProjectKey == "" {
		is.ProjectKey = projectOf(is.Key)
	}
	p := s.projects[is.ProjectKey]
	if p == nil {
		p = s.putProject(Project{Key: is.ProjectKey})
	}
	if is.Key == "" {
		for s.byKey[is.ProjectKey+"-"+strconv.Itoa(p.nextNum)] != 0 || (p.gen != nil && p.nextNum <= p.gen.n) {
			p.nextNum++
		}
		is.Key = is.ProjectKey + "-" + strconv.Itoa(p.nextNum)
	}
	if n := numOf(is.Key); n >= p.nextNum {
		p.nextNum = n + 1
	}
	if old, ok := s.byKey[is.Key]; ok && is.ID == 0 {
		is.ID = old
	}
	if p.gen != nil {
		if i := numOf(is.Key); i >= 1 && i <= p.gen.n && !p.hidden[i] {
			p.hidden[i] = true
			if is.ID == 0 {
				is.ID = p.gen.idBase + int64(i)
			}
		}
	}
	if is.ID == 0 {
		is.ID = s.newID()
	} else if is.ID > s.nextID && (p.gen == nil || is.ID > p.gen.idBase+int64(p.gen.n)) {
		s.nextID = is.ID
	}
	if is.Created.IsZero() {
		is.Created = s.now()
	}
	// Jira keeps milliseconds.
	is.Created, is.Updated, is.Resolved = is.Created.Truncate(time.Millisecond), is.Updated.Truncate(time.Millisecond), is.Resolved.Truncate(time.Millisecond)
	for i := range is.Transitions {
		is.Transitions[i].At = is.Transitions[i].At.Truncate(time.Millisecond)
	}
	if !is.DueDate.IsZero() {
		is.DueDate = time.Date(is.DueDate.Year(), is.DueDate.Month(), is.DueDate.Day(), 0, 0, 0, 0, time.UTC)
	}
	if is.IssueType == "" {
		is.IssueType = "Story"
		if is.Subtask {
			is.IssueType = "Sub-task"
		}
	}
	if is.Priority == "" {
		is.Priority = "Medium"
	}
	// Own the slices: callers keep theirs.
	is.Transitions = append([]cairn.Transition(nil), is.Transitions...)
	is.Labels = append([]string(nil), is.Labels...)
	is.Components = append([]string(nil), is.Components...)
	is.FixVersionIDs = append([]int64(nil), is.FixVersionIDs...)
	is.SprintIDs = append([]int64(nil), is.SprintIDs...)
	sort.SliceStable(is.Transitions, func(a, b int) bool { return is.Transitions[a].At.Before(is.Transitions[b].At) })
	s.fillStatus(&is)
	for i := range is.Transitions {
		t := &is.Transitions[i]
		if t.HistoryID == "" {
			t.HistoryID = strconv.FormatInt(is.ID*100+int64(i)+1, 10)
		}
		s.addStatus(t.FromStatus, t.FromCategory)
		s.addStatus(t.ToStatus, t.ToCategory)
		if t.At.After(is.Updated) {
			is.Updated = t.At
		}
	}
	if is.Updated.IsZero() {
		is.Updated = is.Created
	}
	var moves []keyMove
	if old := s.recs[is.ID]; old != nil {
		moves = old.moves
		if old.is.Key != is.Key {
			delete(s.byKey, old.is.Key)
		}
	}
	for _, l := range is.Links {
		s.putLink(l, is.Key)
	}
	is.Links = nil
	is.Raw = nil
	s.recs[is.ID] = &rec{is: is, moves: moves}
	s.byKey[is.Key] = is.ID
	s.bump()
	return s.view(is.ID)
}

func (s *Server) fillStatus(is *cairn.Issue) {
	if is.Status == "" {
		switch is.StatusCategory {
		case cairn.CategoryDone:
			is.Status = "Done"
		case cairn.CategoryIndeterminate:
			is.Status = "In Progress"
		default:
			is.Status = "To Do"
		}
		if n := len(is.Transitions); n > 0 {
			is.Status = is.Transitions[n-1].ToStatus
		}
	}
	cat := is.StatusCategory
	if !cat.Valid() {
		cat = cairn.CategoryNew
	}
	st := s.addStatus(is.Status, cat)
	is.StatusCategory = st.cat
	for i := range is.Transitions {
		t := &is.Transitions[i]
		if !t.FromCategory.Valid() {
			if st := s.statusBy[t.FromStatus]; st != nil {
				t.FromCategory = st.cat
			} else {
				t.FromCategory = cairn.CategoryNew
			}
		}
		if !t.ToCategory.Valid() {
			if st := s.statusBy[t.ToStatus]; st != nil {
				t.ToCategory = st.cat
			} else {
				t.ToCategory = cairn.CategoryIndeterminate
			}
		}
	}
	if is.StatusCategory == cairn.CategoryDone && is.Resolved.IsZero() {
		is.Resolved = is.Updated
		if n := len(is.Transitions); n > 0 {
			is.Resolved = is.Transitions[n-1].At
		}
	}
}

func (s *Server) putLink(l cairn.IssueLink, holder string) {
	if l.ID == 0 {
		l.ID = s.newID()
	}
	if l.Type == "" {
		l.Type = "Blocks"
	}
	if l.FromKey == "" {
		l.FromKey = holder
	}
	if l.ToKey == "" {
		l.ToKey = holder
	}
	if old := s.links[l.ID]; old != nil {
		s.unindexLink(old)
	}
	lk := &link{id: l.ID, typ: l.Type, from: l.FromKey, to: l.ToKey}
	s.links[l.ID] = lk
	s.linksOf[lk.from] = append(s.linksOf[lk.from], lk.id)
	if lk.to != lk.from {
		s.linksOf[lk.to] = append(s.linksOf[lk.to], lk.id)
	}
}

func (s *Server) unindexLink(l *link) {
	for _, k := range []string{l.from, l.to} {
		ids := s.linksOf[k]
		out := ids[:0]
		for _, id := range ids {
			if id != l.id {
				out = append(out, id)
			}
		}
		s.linksOf[k] = out
	}
}

// AddLink stores an issue link: from blocks (or relates to, ...) to. Type defaults to Blocks.
func (s *Server) AddLink(l cairn.IssueLink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLink(l, "")
	s.touch(l.FromKey)
	s.touch(l.ToKey)
	s.bump()
}

// touch materializes an issue and bumps its updated time.
func (s *Server) touch(key string) {
	if id, ok := s.resolve(key); ok {
		r := s.materialize(id)
		r.is.Updated = s.now()
	}
}

// materialize turns a generated issue into a stored one (s.mu held).
func (s *Server) materialize(id int64) *rec {
	if r := s.recs[id]; r != nil {
		return r
	}
	p, i := s.virtualOf(id)
	if p == nil {
		return nil
	}
	is := p.gen.issue(i)
	for _, l := range is.Links {
		s.putLink(l, is.Key)
	}
	is.Links = nil
	p.hidden[i] = true
	r := &rec{is: is}
	s.recs[id] = r
	s.byKey[is.Key] = id
	return r
}

// resolve finds an issue id by key (following moves) or by numeric id (s.mu held).
func (s *Server) resolve(keyOrID string) (int64, bool) {
	if id, err := strconv.ParseInt(keyOrID, 10, 64); err == nil {
		if s.recs[id] != nil {
			return id, true
		}
		if p, _ := s.virtualOf(id); p != nil {
			return id, true
		}
		return 0, false
	}
	key := strings.ToUpper(keyOrID)
	for range 10 {
		if id, ok := s.byKey[key]; ok {
			return id, true
		}
		if p := s.projects[projectOf(key)]; p != nil && p.gen != nil {
			if i := numOf(key); i >= 1 && i <= p.gen.n && !p.hidden[i] {
				return p.gen.idBase + int64(i), true
			}
		}
		next, ok := s.moved[key]
		if !ok {
			break
		}
		key = next
	}
	return 0, false
}

// virtualOf maps an id to a live generated issue (s.mu held).
func (s *Server) virtualOf(id int64) (*project, int) {
	for _, p := range s.projOrder {
		if g := p.gen; g != nil && id > g.idBase && id <= g.idBase+int64(g.n) {
			i := int(id - g.idBase)
			if p.hidden[i] {
				return nil, 0
			}
			return p, i
		}
	}
	return nil, 0
}

// view returns an issue as a connector should decode it: its Blocks links from both sides
// (FromKey blocks ToKey; other link types are rendered but left out here, as cairn keeps only
// blocks edges), transitions oldest first. Zero if unknown (s.mu held).
func (s *Server) view(id int64) cairn.Issue {
	var is cairn.Issue
	if r := s.recs[id]; r != nil {
		is = r.is
		is.Labels = append([]string(nil), is.Labels...)
		is.Transitions = append([]cairn.Transition(nil), is.Transitions...)
	} else if p, i := s.virtualOf(id); p != nil {
		is = p.gen.issue(i)
	} else {
		return cairn.Issue{}
	}
	var blocks []cairn.IssueLink
	for _, l := range s.issueLinks(&is) {
		other := l.ToKey
		if other == is.Key {
			other = l.FromKey
		}
		if _, ok := s.resolve(other); ok && strings.EqualFold(l.Type, "Blocks") {
			blocks = append(blocks, l)
		}
	}
	is.Links = blocks
	return is
}

// Issue returns an issue (by key, following moves, or id) as the connector should decode it.
func (s *Server) Issue(keyOrID string) (cairn.Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.resolve(keyOrID)
	if !ok {
		return cairn.Issue{}, false
	}
	return s.view(id), true
}

// Issues returns every live issue of the projects (all when none are given), by id. It
// materializes generated issues in the result: meant for tests, not for a million issues.
func (s *Server) Issues(projects ...string) []cairn.Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []cairn.Issue
	for _, id := range s.scopeIDs(projects) {
		out = append(out, s.view(id))
	}
	return out
}

// scopeIDs lists the ids of live issues of projects (all when empty), ascending (s.mu held).
func (s *Server) scopeIDs(projects []string) []int64 {
	want := map[string]bool{}
	for _, p := range projects {
		want[p] = true
	}
	var ids []int64
	for id, r := range s.recs {
		if len(want) == 0 || want[r.is.ProjectKey] {
			ids = append(ids, id)
		}
	}
	for _, p := range s.projOrder {
		if p.gen == nil || (len(want) > 0 && !want[p.Key]) {
			continue
		}
		for i := 1; i <= p.gen.n; i++ {
			if !p.hidden[i] {
				ids = append(ids, p.gen.idBase+int64(i))
			}
		}
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	return ids
}
