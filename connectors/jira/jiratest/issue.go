package jiratest

import (
	"sort"
	"strconv"
	"time"

	"github.com/cairn-dev/cairn"
)

// hist is one changelog history of an issue.
type hist struct {
	id    string
	at    time.Time
	t     *cairn.Transition
	mv    *keyMove
	field string // "Sprint" for sprint-membership noise
	to    int64
}

// histories returns an issue's changelog, oldest first: status transitions, key moves and a
// sprint history (so connectors must pick the status items).
func (s *Server) histories(is *cairn.Issue, moves []keyMove) []hist {
	out := make([]hist, 0, len(is.Transitions)+len(moves)+1)
	if len(is.SprintIDs) > 0 {
		at := is.Created.Add(time.Minute)
		if at.After(is.Updated) {
			at = is.Created
		}
		out = append(out, hist{id: strconv.FormatInt(is.ID*1000+999, 10), at: at, field: "Sprint", to: is.SprintIDs[0]})
	}
	for i := range is.Transitions {
		t := &is.Transitions[i]
		out = append(out, hist{id: t.HistoryID, at: t.At, t: t})
	}
	for i := range moves {
		out = append(out, hist{id: moves[i].id, at: moves[i].at, mv: &moves[i]})
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].at.Before(out[b].at) })
	return out
}

func (s *Server) appendHistory(b []byte, h hist, author string, numeric bool) []byte {
	b = append(b, '{')
	b = kvs(b, "id", h.id)
	b = s.appendUser(key(b, "author"), author)
	if numeric {
		b = kvn(b, "created", h.at.UnixMilli())
	} else {
		b = kvt(b, "created", h.at, s.loc)
	}
	b = append(key(b, "items"), '[', '{')
	switch {
	case h.t != nil:
		from, to := s.statusBy[h.t.FromStatus], s.statusBy[h.t.ToStatus]
		b = kvs(b, "field", "status")
		b = kvs(b, "fieldtype", "jira")
		b = kvs(b, "fieldId", "status")
		b = kvs(b, "from", from.id)
		b = kvs(b, "fromString", from.name)
		b = kvs(b, "to", to.id)
		b = kvs(b, "toString", to.name)
	case h.mv != nil:
		b = kvs(b, "field", "Key")
		b = kvs(b, "fieldtype", "jira")
		b = kvs(b, "fieldId", "issuekey")
		b = kvnull(b, "from")
		b = kvs(b, "fromString", h.mv.from)
		b = kvnull(b, "to")
		b = kvs(b, "toString", h.mv.to)
	default:
		b = kvs(b, "field", h.field)
		b = kvs(b, "fieldtype", "custom")
		b = kvs(b, "fieldId", s.fields[cairn.JiraConceptSprint])
		b = kvs(b, "from", "")
		b = kvs(b, "fromString", "")
		b = kvs(b, "to", strconv.FormatInt(h.to, 10))
		b = kvs(b, "toString", s.sprintOf(h.to).Name)
	}
	return append(b, '}', ']', '}')
}

func historyAuthor(is *cairn.Issue) string {
	if is.Assignee != "" {
		return is.Assignee
	}
	return "Cairn Admin"
}

// renderIssue appends the JSON of an issue as search and GET /issue return it. clLimit < 0
// leaves the changelog out; 0 embeds it whole.
func (s *Server) renderIssue(b []byte, id int64, fs fieldSet, clLimit int) []byte {
	var is cairn.Issue
	var moves []keyMove
	if r := s.recs[id]; r != nil {
		is, moves = r.is, r.moves
	} else if p, i := s.virtualOf(id); p != nil {
		is = p.gen.issue(i)
	} else {
		return b
	}
	base := s.base()
	sid := strconv.FormatInt(id, 10)
	b = append(b, '{')
	b = kvs(b, "expand", "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations")
	b = kvs(b, "id", sid)
	b = kvs(b, "self", base+"/rest/api/2/issue/"+sid)
	b = kvs(b, "key", is.Key)
	if clLimit >= 0 {
		hs := s.histories(&is, moves)
		total := len(hs)
		if clLimit > 0 && total > clLimit {
			hs = hs[total-clLimit:] // Jira keeps the most recent histories
		}
		b = append(key(b, "changelog"), '{')
		b = kvn(b, "startAt", 0)
		b = kvn(b, "maxResults", int64(len(hs)))
		b = kvn(b, "total", int64(total))
		b = append(key(b, "histories"), '[')
		author := historyAuthor(&is)
		for _, h := range hs {
			b = s.appendHistory(sep(b), h, author, false)
		}
		b = append(b, ']', '}')
	}
	if fs.idOnly() {
		return append(b, '}')
	}
	p := s.projects[is.ProjectKey]
	b = append(key(b, "fields"), '{')
	if fs.want("summary") {
		b = kvs(b, "summary", is.Summary)
	}
	if fs.want("issuetype") {
		b = s.appendIssueType(key(b, "issuetype"), is.IssueType, is.Subtask)
	}
	if fs.want("parent") {
		parent := is.ParentKey
		if parent == "" && is.EpicKey != "" && s.cloud() {
			parent = is.EpicKey // Cloud shows an epic child's epic as its parent
		}
		if parent != "" {
			if nb, ok := s.appendLinked(key(b, "parent"), parent); ok {
				b = nb
			} else {
				b = append(b, "null"...)
			}
		}
	}
	if fs.want("project") && p != nil {
		b = s.appendProject(key(b, "project"), p)
	}
	if fs.want("fixVersions") {
		b = append(key(b, "fixVersions"), '[')
		for _, vid := range is.FixVersionIDs {
			v := s.versions[vid]
			if v == nil {
				v = &versionState{Version: cairn.Version{ID: vid, Name: "Version " + strconv.FormatInt(vid, 10)}}
			}
			b = s.appendVersion(sep(b), v, false)
		}
		b = append(b, ']')
	}
	if fs.want("resolution") {
		if is.StatusCategory == cairn.CategoryDone {
			b = append(key(b, "resolution"), '{')
			b = kvs(b, "self", base+"/rest/api/2/resolution/10000")
			b = kvs(b, "id", "10000")
			b = kvs(b, "description", "Work has been done on this issue.")
			b = kvs(b, "name", "Done")
			b = append(b, '}')
		} else {
			b = kvnull(b, "resolution")
		}
	}
	if fs.want("resolutiondate") {
		b = kvt(b, "resolutiondate", is.Resolved, s.loc)
	}
	if fs.want("created") {
		b = kvt(b, "created", is.Created, s.loc)
	}
	if fs.want("priority") {
		b = append(key(b, "priority"), '{')
		b = kvs(b, "self", base+"/rest/api/2/priority/3")
		b = kvs(b, "iconUrl", base+"/images/icons/priorities/medium.svg")
		b = kvs(b, "name", is.Priority)
		b = kvs(b, "id", strconv.Itoa(1+len(is.Priority)%5))
		b = append(b, '}')
	}
	if fs.want("labels") {
		b = append(key(b, "labels"), '[')
		for _, l := range is.Labels {
			b = appendString(sep(b), l)
		}
		b = append(b, ']')
	}
	if fs.want("issuelinks") {
		b = s.appendLinks(key(b, "issuelinks"), &is)
	}
	if fs.want("assignee") {
		if is.Assignee == "" {
			b = kvnull(b, "assignee")
		} else {
			b = s.appendUser(key(b, "assignee"), is.Assignee)
		}
	}
	if fs.want("reporter") {
		b = s.appendUser(key(b, "reporter"), "Cairn Admin")
	}
	if fs.want("updated") {
		b = kvt(b, "updated", is.Updated, s.loc)
	}
	if fs.want("status") {
		b = s.appendStatus(key(b, "status"), s.statusBy[is.Status])
	}
	if fs.want("statuscategorychangedate") && s.cloud() {
		at := is.Created
		if n := len(is.Transitions); n > 0 {
			at = is.Transitions[n-1].At
		}
		b = kvt(b, "statuscategorychangedate", at, s.loc)
	}
	if fs.want("components") {
		b = append(key(b, "components"), '[')
		for i, c := range is.Components {
			b = append(sep(b), '{')
			b = kvs(b, "self", base+"/rest/api/2/component/"+strconv.Itoa(10000+i))
			b = kvs(b, "id", strconv.Itoa(10000+i))
			b = kvs(b, "name", c)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if fs.want("description") {
		b = kvsn(b, "description", "")
	}
	if fs.want("duedate") {
		b = kvdate(b, "duedate", is.DueDate)
	}
	if fs.want("subtasks") {
		b = append(key(b, "subtasks"), '[', ']')
	}
	b = s.appendCustomFields(b, fs, &is, p)
	return append(b, '}', '}')
}

func (s *Server) appendCustomFields(b []byte, fs fieldSet, is *cairn.Issue, p *project) []byte {
	if f := s.fields[cairn.JiraConceptStoryPoints]; fs.want(f) {
		switch {
		case is.StoryPoints == nil:
			b = kvnull(b, f)
		case s.opts.StoryPointsAsString:
			b = kvs(b, f, strconv.FormatFloat(*is.StoryPoints, 'f', -1, 64))
		default:
			b = strconv.AppendFloat(key(b, f), *is.StoryPoints, 'f', -1, 64)
		}
	}
	if f := s.fields[cairn.JiraConceptEpicLink]; fs.want(f) {
		if is.EpicKey != "" && (p == nil || !p.TeamManaged) {
			b = kvs(b, f, is.EpicKey)
		} else {
			b = kvnull(b, f)
		}
	}
	if f := s.fields[cairn.JiraConceptSprint]; fs.want(f) {
		b = s.appendSprintField(key(b, f), is.SprintIDs)
	}
	if f := s.fields[cairn.JiraConceptStartDate]; fs.want(f) {
		b = kvnull(b, f)
	}
	if f := s.fields[cairn.JiraConceptFlagged]; fs.want(f) {
		if is.Flagged {
			b = append(key(b, f), '[', '{')
			b = kvs(b, "self", s.base()+"/rest/api/2/customFieldOption/10019")
			b = kvs(b, "value", "Impediment")
			b = kvs(b, "id", "10019")
			b = append(b, '}', ']')
		} else {
			b = kvnull(b, f)
		}
	}
	return b
}

// appendLinks writes fields.issuelinks as seen from is: outwardIssue when is is the link's
// source, inwardIssue when it is the target.
func (s *Server) appendLinks(b []byte, is *cairn.Issue) []byte {
	base := s.base()
	b = append(b, '[')
	for _, l := range s.issueLinks(is) {
		other, side := l.ToKey, "outwardIssue"
		if l.ToKey == is.Key {
			other, side = l.FromKey, "inwardIssue"
		}
		mark := len(b)
		t := linkType(l.Type)
		lid := strconv.FormatInt(l.ID, 10)
		b = append(sep(b), '{')
		b = kvs(b, "id", lid)
		b = kvs(b, "self", base+"/rest/api/2/issueLink/"+lid)
		b = append(key(b, "type"), '{')
		b = kvs(b, "id", t[0])
		b = kvs(b, "name", l.Type)
		b = kvs(b, "inward", t[1])
		b = kvs(b, "outward", t[2])
		b = kvs(b, "self", base+"/rest/api/2/issueLinkType/"+t[0])
		b = append(b, '}')
		nb, ok := s.appendLinked(key(b, side), other)
		if !ok {
			b = b[:mark] // the other issue is gone: Jira drops the link
			continue
		}
		b = append(nb, '}')
	}
	return append(b, ']')
}
