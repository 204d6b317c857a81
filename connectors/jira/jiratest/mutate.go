package jiratest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cairn-dev/cairn"
)

// UpdateIssue applies fn to an issue and sets its updated time to now (unless fn moved it
// further). Changing Transitions rewrites the history; links set in fn are added.
func (s *Server) UpdateIssue(key string, fn func(*cairn.Issue)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.resolve(key)
	if !ok {
		return fmt.Errorf("jiratest: no issue %s", key)
	}
	r := s.materialize(id)
	is := r.is
	before := is.Updated
	if fn != nil {
		fn(&is)
	}
	if is.Updated.Equal(before) {
		is.Updated = s.now()
	}
	s.fillStatus(&is)
	for _, l := range is.Links {
		s.putLink(l, is.Key)
	}
	is.Links = nil
	r.is = is
	s.bump()
	return nil
}

// Transition moves an issue to a status at a time, recording a changelog history; a status
// the server does not know yet is created in the indeterminate category ("Done"-like names are
// not guessed: add them with their category through PutIssue).
func (s *Server) Transition(key, to string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.resolve(key)
	if !ok {
		return fmt.Errorf("jiratest: no issue %s", key)
	}
	r := s.materialize(id)
	st := s.statusBy[to]
	if st == nil {
		st = s.addStatus(to, cairn.CategoryIndeterminate)
	}
	from := s.statusBy[r.is.Status]
	t := cairn.Transition{At: at.Truncate(time.Millisecond), FromStatus: r.is.Status, ToStatus: st.name,
		FromCategory: from.cat, ToCategory: st.cat}
	t.HistoryID = strconv.FormatInt(s.newID(), 10)
	r.is.Transitions = append(r.is.Transitions, t)
	r.is.Status, r.is.StatusCategory = st.name, st.cat
	if st.cat == cairn.CategoryDone {
		r.is.Resolved = t.At
	} else {
		r.is.Resolved = time.Time{}
	}
	if t.At.After(r.is.Updated) {
		r.is.Updated = t.At
	} else {
		r.is.Updated = s.now()
	}
	s.bump()
	return nil
}

// DeleteIssue removes an issue (its links go with it).
func (s *Server) DeleteIssue(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.resolve(key)
	if !ok {
		return fmt.Errorf("jiratest: no issue %s", key)
	}
	if r := s.recs[id]; r != nil {
		delete(s.byKey, r.is.Key)
		delete(s.recs, id)
		for _, lid := range append([]int64(nil), s.linksOf[r.is.Key]...) {
			s.unindexLink(s.links[lid])
			delete(s.links, lid)
		}
	} else if p, i := s.virtualOf(id); p != nil {
		p.hidden[i] = true
	}
	s.bump()
	return nil
}

// MoveIssue gives an issue a new key (in another project, created when missing), as a Jira
// move does: the id stays, the old key still resolves, the changelog records a Key change.
func (s *Server) MoveIssue(oldKey, newKey string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.resolve(oldKey)
	if !ok {
		return fmt.Errorf("jiratest: no issue %s", oldKey)
	}
	if _, taken := s.resolve(newKey); taken {
		return fmt.Errorf("jiratest: %s exists", newKey)
	}
	r := s.materialize(id)
	pk := projectOf(newKey)
	p := s.projects[pk]
	if p == nil {
		p = s.putProject(Project{Key: pk})
	}
	if n := numOf(newKey); n >= p.nextNum {
		p.nextNum = n + 1
	}
	at := s.now()
	r.moves = append(r.moves, keyMove{id: strconv.FormatInt(s.newID(), 10), at: at, from: r.is.Key, to: newKey})
	for _, lid := range s.linksOf[r.is.Key] {
		l := s.links[lid]
		if l.from == r.is.Key {
			l.from = newKey
		}
		if l.to == r.is.Key {
			l.to = newKey
		}
	}
	s.linksOf[newKey] = s.linksOf[r.is.Key]
	delete(s.linksOf, r.is.Key)
	delete(s.byKey, r.is.Key)
	s.moved[r.is.Key] = newKey
	r.is.Key, r.is.ProjectKey, r.is.Updated = newKey, pk, at
	s.byKey[newKey] = id
	s.bump()
	return nil
}

// AddVersion adds a version to its ProjectKey's project; a zero ID is assigned. It returns the id.
func (s *Server) AddVersion(v cairn.Version) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projects[v.ProjectKey]
	if p == nil {
		p = s.putProject(Project{Key: v.ProjectKey})
	}
	if v.ID == 0 {
		v.ID = s.newID()
	}
	if s.versions[v.ID] == nil {
		p.versions = append(p.versions, v.ID)
	}
	v.Raw = nil
	s.versions[v.ID] = &versionState{Version: v, projectID: p.ID}
	s.bump()
	return v.ID
}

// AddBoard adds an Agile board; a zero ID is assigned. It returns the id.
func (s *Server) AddBoard(b Board) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addBoard(b)
}

func (s *Server) addBoard(b Board) int64 {
	if b.ID == 0 {
		b.ID = int64(len(s.boards) + 1)
	}
	if b.Type == "" {
		b.Type = "scrum"
	}
	if b.Name == "" {
		b.Name = b.ProjectKey + " board"
	}
	s.boards = append(s.boards, &boardState{Board: b})
	s.bump()
	return b.ID
}

// AddSprint adds a sprint to its BoardID's board; a zero ID is assigned. It returns the id.
func (s *Server) AddSprint(sp cairn.Sprint) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addSprint(sp)
}

func (s *Server) addSprint(sp cairn.Sprint) int64 {
	if sp.ID == 0 {
		sp.ID = s.newID()
	}
	if sp.State == "" {
		sp.State = "future"
	}
	sp.Raw = nil
	if s.sprints[sp.ID] == nil {
		for _, b := range s.boards {
			if b.ID == sp.BoardID {
				b.sprints = append(b.sprints, sp.ID)
			}
		}
	}
	s.sprints[sp.ID] = &sprintState{Sprint: sp}
	s.bump()
	return sp.ID
}
