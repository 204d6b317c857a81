package githubtest

import (
	"encoding/json"
	"fmt"
	"time"
)

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func (s *Server) repo(name string) (*repoState, error) {
	r := s.repos[name]
	if r == nil {
		return nil, fmt.Errorf("githubtest: no repo %q", name)
	}
	return r, nil
}

// now returns the server clock truncated to GitHub's one-second precision.
func (s *Server) now() time.Time { return s.opts.Now().UTC().Truncate(time.Second) }

// UpdatePR applies fn to a pull request and bumps its updated_at to now.
func (s *Server) UpdatePR(repo string, number int, fn func(*PR)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repo(repo)
	if err != nil {
		return err
	}
	p := r.prs[number]
	if p == nil {
		return fmt.Errorf("githubtest: no PR %s#%d", repo, number)
	}
	if fn != nil {
		fn(p)
	}
	p.Updated = s.now()
	r.changed()
	return nil
}

// AddPR adds a pull request; zero ids and times are filled in.
func (s *Server) AddPR(repo string, p PR) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repo(repo)
	if err != nil {
		return err
	}
	s.fillPR(r, &p)
	r.prs[p.Number] = &p
	r.changed()
	return nil
}

func (s *Server) fillPR(r *repoState, p *PR) {
	if p.Number == 0 {
		p.Number = r.nextNumber()
	}
	if p.ID == 0 {
		s.nextID++
		p.ID = s.nextID
	}
	if p.IssueID == 0 {
		s.nextID++
		p.IssueID = s.nextID
	}
	if p.Created.IsZero() {
		p.Created = s.now()
	}
	if p.Updated.IsZero() {
		p.Updated = p.Created
	}
	if p.State == "" {
		p.State = "open"
	}
	if p.Base == "" {
		p.Base = "main"
	}
	if p.Author == "" {
		p.Author = "octocat"
	}
}

func (r *repoState) nextNumber() int {
	n := 0
	for k := range r.prs {
		n = max(n, k)
	}
	for k := range r.issues {
		n = max(n, k)
	}
	return n + 1
}

// AddReview adds a review to a pull request (submitted now unless set) and bumps the PR.
func (s *Server) AddReview(repo string, number int, rv Review) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repo(repo)
	if err != nil {
		return err
	}
	p := r.prs[number]
	if p == nil {
		return fmt.Errorf("githubtest: no PR %s#%d", repo, number)
	}
	if rv.ID == 0 {
		s.nextID++
		rv.ID = s.nextID
	}
	if rv.State == "" {
		rv.State = "APPROVED"
	}
	if rv.Submitted.IsZero() && rv.State != "PENDING" {
		rv.Submitted = s.now()
	}
	p.Reviews = append(p.Reviews, rv)
	p.Updated = s.now()
	r.changed()
	return nil
}

// AddIssue adds an issue; zero ids and times are filled in.
func (s *Server) AddIssue(repo string, is Issue) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repo(repo)
	if err != nil {
		return err
	}
	if is.Number == 0 {
		is.Number = r.nextNumber()
	}
	if is.ID == 0 {
		s.nextID++
		is.ID = s.nextID
	}
	if is.Created.IsZero() {
		is.Created = s.now()
	}
	if is.Updated.IsZero() {
		is.Updated = is.Created
	}
	if is.State == "" {
		is.State = "open"
	}
	r.issues[is.Number] = &is
	r.changed()
	return nil
}

// UpdateIssue applies fn to an issue and bumps its updated_at.
func (s *Server) UpdateIssue(repo string, number int, fn func(*Issue)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repo(repo)
	if err != nil {
		return err
	}
	is := r.issues[number]
	if is == nil {
		return fmt.Errorf("githubtest: no issue %s#%d", repo, number)
	}
	if fn != nil {
		fn(is)
	}
	is.Updated = s.now()
	r.changed()
	return nil
}

// DeleteIssue deletes an issue: it leaves every list and GET answers 410 Gone.
func (s *Server) DeleteIssue(repo string, number int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repo(repo)
	if err != nil {
		return err
	}
	if r.issues[number] == nil {
		return fmt.Errorf("githubtest: no issue %s#%d", repo, number)
	}
	delete(r.issues, number)
	r.deleted[number] = true
	r.changed()
	return nil
}

// SetMilestone adds or replaces a milestone.
func (s *Server) SetMilestone(repo string, m Milestone) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repo(repo)
	if err != nil {
		return err
	}
	if m.ID == 0 {
		s.nextID++
		m.ID = s.nextID
	}
	if m.Created.IsZero() {
		m.Created = s.now()
	}
	m.Updated = s.now()
	r.milestones[m.Number] = &m
	r.changed()
	return nil
}

// SetLabel adds or replaces a label.
func (s *Server) SetLabel(repo string, l Label) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.repo(repo)
	if err != nil {
		return err
	}
	if l.ID == 0 {
		s.nextID++
		l.ID = s.nextID
	}
	r.labels[l.Name] = &l
	r.changed()
	return nil
}

// TransferIssue moves an issue to another repo (as a new issue there): it leaves the old repo's
// lists and GET on its old URL answers 301 to the new one.
func (s *Server) TransferIssue(from string, number int, to string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.repo(from)
	if err != nil {
		return 0, err
	}
	dst, err := s.repo(to)
	if err != nil {
		return 0, err
	}
	is := src.issues[number]
	if is == nil {
		return 0, fmt.Errorf("githubtest: no issue %s#%d", from, number)
	}
	moved := *is
	moved.Number = dst.nextNumber()
	s.nextID++
	moved.ID = s.nextID
	moved.Updated = s.now()
	dst.issues[moved.Number] = &moved
	delete(src.issues, number)
	src.moved[number] = "/repos/" + to + "/issues/" + fmt.Sprint(moved.Number)
	src.changed()
	dst.changed()
	return moved.Number, nil
}
