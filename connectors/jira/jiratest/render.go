package jiratest

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
)

// fieldSet is the `fields` parameter of a search.
type fieldSet struct {
	all   bool
	names map[string]bool
}

func parseFields(list []string) fieldSet {
	fs := fieldSet{names: map[string]bool{}}
	for _, f := range list {
		for _, p := range strings.Split(f, ",") {
			p = strings.TrimSpace(p)
			switch p {
			case "":
			case "*all", "*navigable":
				fs.all = true
			default:
				fs.names[p] = true
			}
		}
	}
	return fs
}

func (f fieldSet) want(name string) bool { return f.all || f.names[name] }

// idOnly reports whether nothing but id/key was asked for.
func (f fieldSet) idOnly() bool {
	if f.all {
		return false
	}
	for n := range f.names {
		if n != "id" && n != "key" {
			return false
		}
	}
	return true
}

func (s *Server) base() string { return s.URL + s.opts.ContextPath }

func (s *Server) cloud() bool { return s.opts.Deployment == Cloud }

var issueTypeIDs = map[string]string{"Epic": "10000", "Story": "10001", "Task": "10002", "Sub-task": "10003", "Bug": "10004"}

func typeID(name string) string {
	if id, ok := issueTypeIDs[name]; ok {
		return id
	}
	return strconv.Itoa(10100 + int(splitmix(uint64(len(name))<<8|uint64(name[0]))%100))
}

var catInfo = map[cairn.StatusCategory]struct {
	id          int64
	color, name string
}{
	cairn.CategoryNew: {2, "blue-gray", "To Do"}, cairn.CategoryIndeterminate: {4, "yellow", "In Progress"},
	cairn.CategoryDone: {3, "green", "Done"},
}

func (s *Server) appendStatus(b []byte, st *status) []byte {
	base := s.base()
	b = append(b, '{')
	b = kvs(b, "self", base+"/rest/api/2/status/"+st.id)
	b = kvs(b, "description", "")
	b = kvs(b, "iconUrl", base+"/images/icons/statuses/generic.png")
	b = kvs(b, "name", st.name)
	b = kvs(b, "id", st.id)
	ci := catInfo[st.cat]
	b = append(key(b, "statusCategory"), '{')
	b = kvs(b, "self", base+"/rest/api/2/statuscategory/"+strconv.FormatInt(ci.id, 10))
	b = kvn(b, "id", ci.id)
	b = kvs(b, "key", string(st.cat))
	b = kvs(b, "colorName", ci.color)
	b = kvs(b, "name", ci.name)
	return append(b, '}', '}')
}

func (s *Server) appendIssueType(b []byte, name string, subtask bool) []byte {
	base := s.base()
	id := typeID(name)
	b = append(b, '{')
	b = kvs(b, "self", base+"/rest/api/2/issuetype/"+id)
	b = kvs(b, "id", id)
	b = kvs(b, "description", "")
	b = kvs(b, "iconUrl", base+"/secure/viewavatar?size=medium&avatarId=10315&avatarType=issuetype")
	b = kvs(b, "name", name)
	b = kvb(b, "subtask", subtask)
	b = kvn(b, "avatarId", 10315)
	if s.cloud() {
		lvl := int64(0)
		switch {
		case name == "Epic":
			lvl = 1
		case subtask:
			lvl = -1
		}
		b = kvn(b, "hierarchyLevel", lvl)
	}
	return append(b, '}')
}

func accountID(name string) string {
	return "5b10a2844c2016570" + strconv.FormatUint(splitmix(uint64(len(name))^uint64(name[0])<<16^uint64(name[len(name)-1])<<32), 16)[:7]
}

func userName(name string) string { return strings.ToLower(strings.ReplaceAll(name, " ", ".")) }

func (s *Server) appendUser(b []byte, name string) []byte {
	base := s.base()
	b = append(b, '{')
	if s.cloud() {
		b = kvs(b, "self", base+"/rest/api/2/user?accountId="+accountID(name))
		b = kvs(b, "accountId", accountID(name))
	} else {
		b = kvs(b, "self", base+"/rest/api/2/user?username="+userName(name))
		b = kvs(b, "name", userName(name))
		b = kvs(b, "key", "JIRAUSER"+strconv.Itoa(10000+len(name)))
		b = kvs(b, "emailAddress", userName(name)+"@example.com")
	}
	b = append(key(b, "avatarUrls"), '{')
	b = kvs(b, "48x48", base+"/secure/useravatar?avatarId=10122")
	b = append(b, '}')
	b = kvs(b, "displayName", name)
	b = kvb(b, "active", true)
	b = kvs(b, "timeZone", s.opts.TimeZone)
	if s.cloud() {
		b = kvs(b, "accountType", "atlassian")
	}
	return append(b, '}')
}

func (s *Server) appendProject(b []byte, p *project) []byte {
	base := s.base()
	id := strconv.FormatInt(p.ID, 10)
	b = append(b, '{')
	b = kvs(b, "self", base+"/rest/api/2/project/"+id)
	b = kvs(b, "id", id)
	b = kvs(b, "key", p.Key)
	b = kvs(b, "name", p.Name)
	b = kvs(b, "projectTypeKey", "software")
	if s.cloud() {
		b = kvb(b, "simplified", p.TeamManaged)
	}
	b = append(key(b, "avatarUrls"), '{')
	b = kvs(b, "48x48", base+"/secure/projectavatar?pid="+id+"&avatarId=10411")
	return append(b, '}', '}')
}

func (s *Server) appendVersion(b []byte, v *versionState, full bool) []byte {
	id := strconv.FormatInt(v.ID, 10)
	b = append(b, '{')
	b = kvs(b, "self", s.base()+"/rest/api/2/version/"+id)
	b = kvs(b, "id", id)
	if v.Description != "" {
		b = kvs(b, "description", v.Description)
	}
	b = kvs(b, "name", v.Name)
	b = kvb(b, "archived", v.Archived)
	b = kvb(b, "released", v.Released)
	if !v.StartDate.IsZero() && full {
		b = kvdate(b, "startDate", v.StartDate)
	}
	if !v.ReleaseDate.IsZero() {
		b = kvdate(b, "releaseDate", v.ReleaseDate)
	}
	if full {
		if !v.ReleaseDate.IsZero() {
			b = kvb(b, "overdue", !v.Released && v.ReleaseDate.Before(s.opts.Now()))
			b = kvs(b, "userReleaseDate", v.ReleaseDate.UTC().Format("2/Jan/06"))
		}
		if !v.StartDate.IsZero() {
			b = kvs(b, "userStartDate", v.StartDate.UTC().Format("2/Jan/06"))
		}
		b = kvn(b, "projectId", v.projectID)
	}
	return append(b, '}')
}

const sprintTime = "2006-01-02T15:04:05.000Z07:00"

func (s *Server) sprintOf(id int64) *sprintState {
	if sp := s.sprints[id]; sp != nil {
		return sp
	}
	return &sprintState{cairn.Sprint{ID: id, Name: "Sprint " + strconv.FormatInt(id, 10), State: "closed"}}
}

// appendSprintField writes the sprint custom field: objects on Cloud and modern DC, the
// toString() of greenhopper's Sprint class on old DC.
func (s *Server) appendSprintField(b []byte, ids []int64) []byte {
	if len(ids) == 0 {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for _, id := range ids {
		sp := s.sprintOf(id)
		b = sep(b)
		if s.opts.LegacySprintField {
			t := func(x time.Time) string {
				if x.IsZero() {
					return "<null>"
				}
				return x.In(s.loc).Format("2006-01-02T15:04:05.000-07:00")
			}
			str := "com.atlassian.greenhopper.service.sprint.Sprint@" + strconv.FormatInt(id*7919%0xfffffff, 16) +
				"[id=" + strconv.FormatInt(id, 10) + ",rapidViewId=" + strconv.FormatInt(sp.BoardID, 10) +
				",state=" + strings.ToUpper(sp.State) + ",name=" + sp.Name + ",startDate=" + t(sp.StartAt) +
				",endDate=" + t(sp.EndAt) + ",completeDate=" + t(sp.CompleteAt) + ",sequence=" + strconv.FormatInt(id, 10) +
				",goal=" + sp.Goal + "]"
			b = appendString(b, str)
			continue
		}
		b = append(b, '{')
		b = kvn(b, "id", id)
		b = kvs(b, "name", sp.Name)
		b = kvs(b, "state", sp.State)
		b = kvn(b, "boardId", sp.BoardID)
		b = kvs(b, "goal", sp.Goal)
		for _, d := range []struct {
			k string
			t time.Time
		}{{"startDate", sp.StartAt}, {"endDate", sp.EndAt}, {"completeDate", sp.CompleteAt}} {
			if !d.t.IsZero() {
				b = kvs(b, d.k, d.t.UTC().Format(sprintTime))
			}
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// linked writes the short form of a linked issue (or parent); false when it does not exist.
func (s *Server) appendLinked(b []byte, k string) ([]byte, bool) {
	id, ok := s.resolve(k)
	if !ok {
		return b, false
	}
	is := s.issueOf(id)
	sid := strconv.FormatInt(id, 10)
	b = append(b, '{')
	b = kvs(b, "id", sid)
	b = kvs(b, "key", is.Key)
	b = kvs(b, "self", s.base()+"/rest/api/2/issue/"+sid)
	b = append(key(b, "fields"), '{')
	b = kvs(b, "summary", is.Summary)
	b = s.appendStatus(key(b, "status"), s.statusBy[is.Status])
	b = append(key(b, "priority"), '{')
	b = kvs(b, "name", is.Priority)
	b = append(b, '}')
	b = s.appendIssueType(key(b, "issuetype"), is.IssueType, is.Subtask)
	return append(b, '}', '}'), true
}

// issueOf returns the stored or generated issue without links (s.mu held).
func (s *Server) issueOf(id int64) cairn.Issue {
	if r := s.recs[id]; r != nil {
		return r.is
	}
	if p, i := s.virtualOf(id); p != nil {
		return p.gen.issue(i)
	}
	return cairn.Issue{}
}

var linkTypes = map[string][3]string{ // name -> id, inward, outward
	"Blocks":    {"10000", "is blocked by", "blocks"},
	"Cloners":   {"10001", "is cloned by", "clones"},
	"Duplicate": {"10002", "is duplicated by", "duplicates"},
	"Relates":   {"10003", "relates to", "relates to"},
}

func linkType(name string) [3]string {
	if t, ok := linkTypes[name]; ok {
		return t
	}
	return [3]string{strconv.Itoa(10100 + len(name)), "is " + strings.ToLower(name) + " by", strings.ToLower(name)}
}

// issueLinks merges generated and stored links of an issue, deduplicated by id.
func (s *Server) issueLinks(is *cairn.Issue) []cairn.IssueLink {
	out := append([]cairn.IssueLink(nil), is.Links...)
	seen := map[int64]bool{}
	for _, l := range out {
		seen[l.ID] = true
	}
	for _, lid := range s.linksOf[is.Key] {
		if l := s.links[lid]; l != nil && !seen[lid] {
			out = append(out, cairn.IssueLink{ID: l.id, Type: l.typ, FromKey: l.from, ToKey: l.to})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}
