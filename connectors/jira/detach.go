package jira

import (
	"unsafe"

	"github.com/cairn-dev/cairn"
)

// detachPage copies the strings a page's issues keep (keys, names, statuses, history ids) into
// one block for the page, so that nothing but Raw refers to the bytes they were decoded from.
//
// Why: goccy/go-json decodes from a private copy of its input, and the strings it returns
// point into that copy. One key or status name kept from an issue therefore kept the whole
// copy of the issue's JSON alive, beside the body that Raw points into: a page waiting for the
// writer cost twice its JSON. A full sync keeps up to four pages per project in flight, and
// once the store is big enough that the writer is the slower side the pipeline stays full, so
// those copies (about 40% of the live heap, twice that at the GC's goal) were most of why a
// 200,000-issue sync peaked higher than a 20,000-issue one. The strings of a page are a few
// percent of its JSON, and one block per page costs one allocation.
func detachPage(issues []cairn.Issue) {
	var a stringArena
	for i := range issues {
		a.issue(&issues[i]) // counts
	}
	if a.size == 0 {
		return
	}
	a.buf = make([]byte, 0, a.size)
	for i := range issues {
		a.issue(&issues[i]) // copies
	}
}

// stringArena first adds up the lengths of the strings it is shown (buf nil), then, given a
// buffer of that size, copies each into it and returns the copy. The buffer never grows, so
// the strings handed out stay valid and immutable.
type stringArena struct {
	size int
	buf  []byte
}

func (a *stringArena) str(s string) string {
	if s == "" {
		return ""
	}
	if a.buf == nil {
		a.size += len(s)
		return s
	}
	if len(s) > cap(a.buf)-len(a.buf) { // cannot happen: sized by the first pass
		return string([]byte(s))
	}
	start := len(a.buf)
	a.buf = append(a.buf, s...)
	return unsafe.String(&a.buf[start], len(s))
}

// category returns the package constant for the three known categories (no copy needed).
func (a *stringArena) category(c cairn.StatusCategory) cairn.StatusCategory {
	for _, k := range cairn.StatusCategories {
		if c == k {
			return k
		}
	}
	return cairn.StatusCategory(a.str(string(c)))
}

// issue detaches every string of is. A string field added to cairn.Issue, IssueLink or
// Transition belongs here too (TestDetachPage walks them all).
func (a *stringArena) issue(is *cairn.Issue) {
	is.Key = a.str(is.Key)
	is.ProjectKey = a.str(is.ProjectKey)
	is.IssueType = a.str(is.IssueType)
	is.Summary = a.str(is.Summary)
	is.Status = a.str(is.Status)
	is.StatusCategory = a.category(is.StatusCategory)
	is.Assignee = a.str(is.Assignee)
	is.Priority = a.str(is.Priority)
	for i := range is.Labels {
		is.Labels[i] = a.str(is.Labels[i])
	}
	for i := range is.Components {
		is.Components[i] = a.str(is.Components[i])
	}
	is.EpicKey = a.str(is.EpicKey)
	is.ParentKey = a.str(is.ParentKey)
	for i := range is.Links {
		l := &is.Links[i]
		l.Type = a.str(l.Type)
		l.FromKey = a.str(l.FromKey)
		l.ToKey = a.str(l.ToKey)
	}
	for i := range is.Transitions {
		t := &is.Transitions[i]
		t.HistoryID = a.str(t.HistoryID)
		t.FromStatus = a.str(t.FromStatus)
		t.ToStatus = a.str(t.ToStatus)
		t.FromCategory = a.category(t.FromCategory)
		t.ToCategory = a.category(t.ToCategory)
	}
}
