package jiratest

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-dev/cairn"
)

func (s *Server) serverInfo() []byte {
	b := []byte{'{'}
	b = kvs(b, "baseUrl", s.base())
	if s.cloud() {
		b = kvs(b, "version", "1001.0.0-SNAPSHOT")
		b = append(key(b, "versionNumbers"), "[1001,0,0]"...)
		b = kvs(b, "deploymentType", cmp.Or(s.opts.DeploymentType, "Cloud"))
		b = kvn(b, "buildNumber", 100289)
	} else {
		b = kvs(b, "version", "9.12.15")
		b = append(key(b, "versionNumbers"), "[9,12,15]"...)
		b = kvs(b, "deploymentType", cmp.Or(s.opts.DeploymentType, "Server"))
		b = kvn(b, "buildNumber", 9120015)
	}
	b = kvs(b, "buildDate", "2026-10-01T00:00:00.000+0000")
	b = kvt(b, "serverTime", s.opts.Now(), s.loc)
	b = kvs(b, "scmInfo", "4a1f4a8d6b0ed5e5a0c8e2b7d1f0aa6b7f5d2c3e")
	b = kvs(b, "serverTitle", "Jira")
	return append(b, '}')
}

func (s *Server) myself() []byte {
	b := []byte{'{'}
	base := s.base()
	if s.cloud() {
		b = kvs(b, "self", base+"/rest/api/2/user?accountId=5b10ac8d82e05b22cc7d4ef5")
		b = kvs(b, "accountId", "5b10ac8d82e05b22cc7d4ef5")
		b = kvs(b, "accountType", "atlassian")
	} else {
		b = kvs(b, "self", base+"/rest/api/2/user?username=cairn")
		b = kvs(b, "key", "JIRAUSER10000")
		b = kvs(b, "name", "cairn")
	}
	b = kvs(b, "emailAddress", s.opts.Email)
	b = append(key(b, "avatarUrls"), '{')
	b = kvs(b, "48x48", base+"/secure/useravatar?avatarId=10122")
	b = append(b, '}')
	b = kvs(b, "displayName", "Cairn Sync")
	b = kvb(b, "active", true)
	b = kvs(b, "timeZone", s.opts.TimeZone)
	b = kvs(b, "locale", "en_US")
	b = append(key(b, "groups"), `{"size":1,"items":[]}`...)
	b = append(key(b, "applicationRoles"), `{"size":1,"items":[]}`...)
	b = kvs(b, "expand", "groups,applicationRoles")
	return append(b, '}')
}

type fieldDef struct {
	id, name, typ, items, custom, system string
}

// fieldList renders /rest/api/2/field: system fields, the custom fields cairn looks for (under
// the server's ids) and decoys a naive name match would pick.
func (s *Server) fieldList() []byte {
	defs := []fieldDef{
		{id: "summary", name: "Summary", typ: "string", system: "summary"},
		{id: "status", name: "Status", typ: "status", system: "status"},
		{id: "issuetype", name: "Issue Type", typ: "issuetype", system: "issuetype"},
		{id: "parent", name: "Parent", typ: "issuelink", system: "parent"},
		{id: "created", name: "Created", typ: "datetime", system: "created"},
		{id: "updated", name: "Updated", typ: "datetime", system: "updated"},
		{id: "issuelinks", name: "Linked Issues", typ: "array", items: "issuelinks", system: "issuelinks"},
		{id: "fixVersions", name: "Fix versions", typ: "array", items: "version", system: "fixVersions"},
		{id: "labels", name: "Labels", typ: "array", items: "string", system: "labels"},
		{id: "duedate", name: "Due date", typ: "date", system: "duedate"},
		{id: s.fields[cairn.JiraConceptEpicLink], name: "Epic Link", typ: "any", custom: "com.pyxis.greenhopper.jira:gh-epic-link"},
		{id: s.fields[cairn.JiraConceptSprint], name: "Sprint", typ: "array", items: "json", custom: "com.pyxis.greenhopper.jira:gh-sprint"},
		{id: s.fields[cairn.JiraConceptStartDate], name: "Start date", typ: "date", custom: "com.atlassian.jira.plugin.system.customfieldtypes:datepicker"},
		{id: s.fields[cairn.JiraConceptFlagged], name: "Flagged", typ: "array", items: "option", custom: "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes"},
		{id: "customfield_10019", name: "Rank", typ: "any", custom: "com.pyxis.greenhopper.jira:gh-lexo-rank"},
		{id: "customfield_10011", name: "Epic Name", typ: "string", custom: "com.pyxis.greenhopper.jira:gh-epic-label"},
		// A text field named like story points: a name-only match would pick it.
		{id: "customfield_10999", name: "Story Points (old)", typ: "string", custom: "com.atlassian.jira.plugin.system.customfieldtypes:textfield"},
	}
	if s.cloud() {
		defs = append(defs, fieldDef{id: s.fields[cairn.JiraConceptStoryPoints], name: "Story point estimate", typ: "number",
			custom: "com.pyxis.greenhopper.jira:jsw-story-points"})
	} else {
		defs = append(defs, fieldDef{id: s.fields[cairn.JiraConceptStoryPoints], name: "Story Points", typ: "number",
			custom: "com.atlassian.jira.plugin.system.customfieldtypes:float"})
	}
	b := []byte{'['}
	for _, d := range defs {
		b = append(sep(b), '{')
		b = kvs(b, "id", d.id)
		b = kvs(b, "key", d.id)
		b = kvs(b, "name", d.name)
		if s.cloud() {
			b = kvs(b, "untranslatedName", d.name)
		}
		b = kvb(b, "custom", d.custom != "")
		b = kvb(b, "orderable", true)
		b = kvb(b, "navigable", true)
		b = kvb(b, "searchable", true)
		b = append(key(b, "clauseNames"), '[')
		if d.custom != "" {
			num := strings.TrimPrefix(d.id, "customfield_")
			b = appendString(b, "cf["+num+"]")
			b = appendString(sep(b), d.name)
		} else {
			b = appendString(b, d.id)
		}
		b = append(b, ']')
		b = append(key(b, "schema"), '{')
		b = kvs(b, "type", d.typ)
		if d.items != "" {
			b = kvs(b, "items", d.items)
		}
		if d.custom != "" {
			b = kvs(b, "custom", d.custom)
			n, _ := strconv.ParseInt(strings.TrimPrefix(d.id, "customfield_"), 10, 64)
			b = kvn(b, "customId", n)
		} else {
			b = kvs(b, "system", d.system)
		}
		b = append(b, '}', '}')
	}
	return append(b, ']')
}

func (s *Server) statusList() []byte {
	b := []byte{'['}
	for _, st := range s.statuses {
		b = s.appendStatus(sep(b), st)
	}
	return append(b, ']')
}

func (s *Server) handleVersions(r *http.Request, projectKey string, paged bool) (int, []byte, string) {
	route := "project/versions"
	if paged {
		route = "project/version"
	}
	p := s.projects[strings.ToUpper(projectKey)]
	if p == nil {
		for _, x := range s.projOrder {
			if strconv.FormatInt(x.ID, 10) == projectKey {
				p = x
			}
		}
	}
	if p == nil {
		return http.StatusNotFound, []byte(errorBody("No project could be found with key '" + projectKey + "'.")), route
	}
	if !paged {
		b := []byte{'['}
		for _, id := range p.versions {
			b = s.appendVersion(sep(b), s.versions[id], true)
		}
		return http.StatusOK, append(b, ']'), route
	}
	startAt, limit := paging(r, 50)
	end := min(startAt+limit, len(p.versions))
	self := s.base() + "/rest/api/2/project/" + p.Key + "/version"
	b := []byte{'{'}
	b = kvs(b, "self", self+"?maxResults="+strconv.Itoa(limit)+"&startAt="+strconv.Itoa(startAt))
	if end < len(p.versions) {
		b = kvs(b, "nextPage", self+"?maxResults="+strconv.Itoa(limit)+"&startAt="+strconv.Itoa(end))
	}
	b = kvn(b, "maxResults", int64(limit))
	b = kvn(b, "startAt", int64(startAt))
	b = kvn(b, "total", int64(len(p.versions)))
	b = kvb(b, "isLast", end >= len(p.versions))
	b = append(key(b, "values"), '[')
	for i := startAt; i < end; i++ {
		b = s.appendVersion(sep(b), s.versions[p.versions[i]], true)
	}
	return http.StatusOK, append(b, ']', '}'), route
}

// paging reads startAt and maxResults, capped at max.
func paging(r *http.Request, max int) (int, int) {
	q := r.URL.Query()
	startAt, _ := strconv.Atoi(q.Get("startAt"))
	limit, err := strconv.Atoi(q.Get("maxResults"))
	if err != nil || limit <= 0 || limit > max {
		limit = max
	}
	if startAt < 0 {
		startAt = 0
	}
	return startAt, limit
}

func (s *Server) handleBoards(r *http.Request) (int, []byte, string) {
	q := r.URL.Query()
	want := strings.ToUpper(q.Get("projectKeyOrId"))
	typ := q.Get("type")
	var list []*boardState
	for _, bd := range s.boards {
		p := s.projects[bd.ProjectKey]
		if want != "" && bd.ProjectKey != want && (p == nil || strconv.FormatInt(p.ID, 10) != want) {
			continue
		}
		if typ != "" && !strings.Contains(","+typ+",", ","+bd.Type+",") {
			continue
		}
		list = append(list, bd)
	}
	startAt, limit := paging(r, 50)
	end := min(startAt+limit, len(list))
	b := []byte{'{'}
	b = kvn(b, "maxResults", int64(limit))
	b = kvn(b, "startAt", int64(startAt))
	b = kvn(b, "total", int64(len(list)))
	b = kvb(b, "isLast", end >= len(list))
	b = append(key(b, "values"), '[')
	for i := startAt; i < end; i++ {
		bd := list[i]
		b = append(sep(b), '{')
		b = kvn(b, "id", bd.ID)
		b = kvs(b, "self", s.base()+"/rest/agile/1.0/board/"+strconv.FormatInt(bd.ID, 10))
		b = kvs(b, "name", bd.Name)
		b = kvs(b, "type", bd.Type)
		if p := s.projects[bd.ProjectKey]; p != nil {
			b = append(key(b, "location"), '{')
			b = kvn(b, "projectId", p.ID)
			b = kvs(b, "displayName", p.Name+" ("+p.Key+")")
			b = kvs(b, "projectName", p.Name)
			b = kvs(b, "projectKey", p.Key)
			b = kvs(b, "projectTypeKey", "software")
			b = kvs(b, "name", p.Name+" ("+p.Key+")")
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	return http.StatusOK, append(b, ']', '}'), "board"
}

func (s *Server) handleSprints(r *http.Request, boardID string) (int, []byte, string) {
	const route = "board/sprint"
	var bd *boardState
	for _, x := range s.boards {
		if strconv.FormatInt(x.ID, 10) == boardID {
			bd = x
		}
	}
	if bd == nil {
		return http.StatusNotFound, []byte(errorBody("The requested board cannot be viewed because it either does not exist or you do not have permission to view it.")), route
	}
	if bd.Type != "scrum" {
		return http.StatusBadRequest, []byte(errorBody("The board does not support sprints")), route
	}
	states := r.URL.Query().Get("state")
	var list []*sprintState
	for _, id := range bd.sprints {
		sp := s.sprints[id]
		if states == "" || strings.Contains(","+states+",", ","+sp.State+",") {
			list = append(list, sp)
		}
	}
	startAt, limit := paging(r, 50)
	end := min(startAt+limit, len(list))
	b := []byte{'{'}
	b = kvn(b, "maxResults", int64(limit))
	b = kvn(b, "startAt", int64(startAt))
	b = kvb(b, "isLast", end >= len(list))
	b = append(key(b, "values"), '[')
	for i := startAt; i < end; i++ {
		sp := list[i]
		b = append(sep(b), '{')
		b = kvn(b, "id", sp.ID)
		b = kvs(b, "self", s.base()+"/rest/agile/1.0/sprint/"+strconv.FormatInt(sp.ID, 10))
		b = kvs(b, "state", sp.State)
		b = kvs(b, "name", sp.Name)
		if !sp.StartAt.IsZero() {
			b = kvs(b, "startDate", sp.StartAt.In(s.loc).Format(sprintTime))
		}
		if !sp.EndAt.IsZero() {
			b = kvs(b, "endDate", sp.EndAt.In(s.loc).Format(sprintTime))
		}
		if !sp.CompleteAt.IsZero() {
			b = kvs(b, "completeDate", sp.CompleteAt.In(s.loc).Format(sprintTime))
		}
		b = kvn(b, "originBoardId", sp.BoardID)
		b = kvs(b, "goal", sp.Goal)
		b = append(b, '}')
	}
	return http.StatusOK, append(b, ']', '}'), route
}
