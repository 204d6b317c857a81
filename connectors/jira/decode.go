package jira

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/cairn-dev/cairn"
)

// Lean wire structs: only what cairn reads, beside the raw bytes. go-jira's Issue decodes every
// custom field into a generic map and its Changelog has no total, so it is both slower and
// blind to truncation (see ../../../shared/research/connectors.md §2.1, §2.3).

type wireIssue struct {
	ID        string         `json:"id"`
	Key       string         `json:"key"`
	Changelog *wireChangelog `json:"changelog"`
}

type wireChangelog struct {
	StartAt    int           `json:"startAt"`
	MaxResults int           `json:"maxResults"`
	Total      int           `json:"total"`
	Histories  []wireHistory `json:"histories"`
}

type wireHistory struct {
	ID      string          `json:"id"`
	Created json.RawMessage `json:"created"` // a Jira timestamp, or epoch (ms or s) in bulk fetches
	Items   []wireItem      `json:"items"`
}

type wireItem struct {
	Field      string  `json:"field"`
	FieldID    string  `json:"fieldId"`
	From       *string `json:"from"`
	FromString *string `json:"fromString"`
	To         *string `json:"to"`
	ToString   *string `json:"toString"`
}

type wireName struct {
	Name string `json:"name"`
}

type wireStatus struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	StatusCategory struct {
		Key string `json:"key"`
	} `json:"statusCategory"`
}

type wireIssueType struct {
	Name           string `json:"name"`
	Subtask        bool   `json:"subtask"`
	HierarchyLevel *int   `json:"hierarchyLevel"`
}

type wireRef struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Fields struct {
		IssueType *wireIssueType `json:"issuetype"`
	} `json:"fields"`
}

type wireLink struct {
	ID   string `json:"id"`
	Type struct {
		Name    string `json:"name"`
		Inward  string `json:"inward"`
		Outward string `json:"outward"`
	} `json:"type"`
	InwardIssue  *wireRef `json:"inwardIssue"`
	OutwardIssue *wireRef `json:"outwardIssue"`
}

type wireFields struct {
	Summary   string                `json:"summary"`
	IssueType *wireIssueType        `json:"issuetype"`
	Status    *wireStatus           `json:"status"`
	Project   *struct{ Key string } `json:"project"`
	Priority  *wireName             `json:"priority"`
	Assignee  *struct {
		DisplayName string `json:"displayName"`
	} `json:"assignee"`
	Labels         []string   `json:"labels"`
	Components     []wireName `json:"components"`
	Created        string     `json:"created"`
	Updated        string     `json:"updated"`
	ResolutionDate *string    `json:"resolutiondate"`
	DueDate        *string    `json:"duedate"`
	FixVersions    []struct {
		ID string `json:"id"`
	} `json:"fixVersions"`
	IssueLinks []wireLink `json:"issuelinks"`
	Parent     *wireRef   `json:"parent"`
}

// decoder decodes issues with the site's custom fields as typed struct fields (built with
// reflect.StructOf once per client), so one pass reads standard and custom fields alike.
type decoder struct {
	typ     reflect.Type
	concept map[string][]int // concept -> indexes of its candidate fields in the fields struct
	ids     []string
}

func newDecoder(ids map[string][]string) *decoder {
	d := &decoder{concept: map[string][]int{}}
	sfs := []reflect.StructField{{Name: "WireFields", Type: reflect.TypeOf(wireFields{}), Anonymous: true}}
	index := map[string]int{}
	for _, concept := range knownConcepts {
		for _, id := range ids[concept] {
			i, ok := index[id]
			if !ok {
				i = len(sfs)
				index[id] = i
				d.ids = append(d.ids, id)
				sfs = append(sfs, reflect.StructField{Name: fmt.Sprintf("C%d", i), Type: reflect.TypeOf(json.RawMessage(nil)),
					Tag: reflect.StructTag(`json:"` + strings.ReplaceAll(id, `"`, "") + `"`)})
			}
			d.concept[concept] = append(d.concept[concept], i)
		}
	}
	fieldsT := reflect.StructOf(sfs)
	d.typ = reflect.StructOf([]reflect.StructField{
		{Name: "WireIssue", Type: reflect.TypeOf(wireIssue{}), Anonymous: true},
		{Name: "Fields", Type: fieldsT, Tag: `json:"fields"`},
	})
	return d
}

// fieldIDs lists the custom fields to request.
func (d *decoder) fieldIDs() []string { return d.ids }

// decoded is one issue as read from the wire.
type decoded struct {
	issue     cairn.Issue
	changelog *wireChangelog
}

// complete reports whether the embedded changelog holds every history.
func (x *decoded) complete() bool {
	cl := x.changelog
	return cl != nil && cl.StartAt == 0 && (cl.Total <= len(cl.Histories))
}

// decode reads one issue. Status categories of transitions are left to the caller.
func (d *decoder) decode(raw []byte) (decoded, error) {
	v := reflect.New(d.typ)
	if err := gojson.Unmarshal(raw, v.Interface()); err != nil {
		return decoded{}, err
	}
	head := v.Elem().Field(0).Addr().Interface().(*wireIssue)
	fv := v.Elem().Field(1)
	f := fv.Field(0).Addr().Interface().(*wireFields)
	id, err := strconv.ParseInt(head.ID, 10, 64)
	if err != nil || id <= 0 {
		return decoded{}, fmt.Errorf("issue id %q: not a positive number", head.ID)
	}
	if head.Key == "" {
		return decoded{}, fmt.Errorf("issue %d: no key", id)
	}
	is := cairn.Issue{ID: id, Key: head.Key, Summary: f.Summary, Labels: f.Labels, Raw: raw}
	if f.Project != nil && f.Project.Key != "" {
		is.ProjectKey = f.Project.Key
	} else if p, _, ok := strings.Cut(head.Key, "-"); ok {
		is.ProjectKey = p
	}
	if f.IssueType != nil {
		is.IssueType, is.Subtask = f.IssueType.Name, f.IssueType.Subtask
	}
	if f.Status != nil {
		is.Status, is.StatusCategory = f.Status.Name, cairn.StatusCategory(f.Status.StatusCategory.Key)
	}
	if f.Priority != nil {
		is.Priority = f.Priority.Name
	}
	if f.Assignee != nil {
		is.Assignee = f.Assignee.DisplayName
	}
	for _, c := range f.Components {
		is.Components = append(is.Components, c.Name)
	}
	if is.Created, err = parseTimeField("created", f.Created); err != nil {
		return decoded{}, err
	}
	if is.Updated, err = parseTimeField("updated", f.Updated); err != nil {
		return decoded{}, err
	}
	if f.ResolutionDate != nil {
		if is.Resolved, err = parseTimeField("resolutiondate", *f.ResolutionDate); err != nil {
			return decoded{}, err
		}
	}
	if f.DueDate != nil && *f.DueDate != "" {
		if is.DueDate, err = time.Parse("2006-01-02", *f.DueDate); err != nil {
			return decoded{}, fmt.Errorf("duedate %q: %w", *f.DueDate, err)
		}
	}
	for _, v := range f.FixVersions {
		if n, err := strconv.ParseInt(v.ID, 10, 64); err == nil {
			is.FixVersionIDs = append(is.FixVersionIDs, n)
		}
	}
	custom := func(concept string) []json.RawMessage {
		var out []json.RawMessage
		for _, i := range d.concept[concept] {
			if b := fv.Field(i).Bytes(); len(b) > 0 && !bytes.Equal(b, []byte("null")) {
				out = append(out, b)
			}
		}
		return out
	}
	for _, b := range custom(cairn.JiraConceptStoryPoints) {
		if p, ok := parsePoints(b); ok {
			is.StoryPoints = &p
			break
		}
	}
	if vals := custom(cairn.JiraConceptSprint); len(vals) > 0 {
		is.SprintIDs = parseSprints(vals[0])
	}
	if vals := custom(cairn.JiraConceptFlagged); len(vals) > 0 {
		is.Flagged = !bytes.Equal(vals[0], []byte("[]")) && !bytes.Equal(vals[0], []byte(`""`))
	}
	epicLink := ""
	for _, b := range custom(cairn.JiraConceptEpicLink) {
		if s, ok := parseEpicLink(b); ok {
			epicLink = s
			break
		}
	}
	if p := f.Parent; p != nil && p.Key != "" {
		if t := p.Fields.IssueType; t != nil && ((t.HierarchyLevel != nil && *t.HierarchyLevel == 1) ||
			(t.HierarchyLevel == nil && strings.EqualFold(t.Name, "Epic"))) {
			is.EpicKey = p.Key
		} else {
			is.ParentKey = p.Key
		}
	}
	if is.EpicKey == "" {
		is.EpicKey = epicLink
	}
	is.Links = blocksLinks(is.Key, f.IssueLinks)
	return decoded{issue: is, changelog: head.Changelog}, nil
}

// blocksLinks keeps the Blocks links, normalised to FromKey blocks ToKey.
func blocksLinks(self string, links []wireLink) []cairn.IssueLink {
	var out []cairn.IssueLink
	for _, l := range links {
		t := l.Type
		if !strings.EqualFold(t.Name, "Blocks") && !strings.EqualFold(t.Outward, "blocks") && !strings.EqualFold(t.Inward, "is blocked by") {
			continue
		}
		id, _ := strconv.ParseInt(l.ID, 10, 64)
		switch {
		case l.OutwardIssue != nil && l.OutwardIssue.Key != "":
			out = append(out, cairn.IssueLink{ID: id, Type: "Blocks", FromKey: self, ToKey: l.OutwardIssue.Key})
		case l.InwardIssue != nil && l.InwardIssue.Key != "":
			out = append(out, cairn.IssueLink{ID: id, Type: "Blocks", FromKey: l.InwardIssue.Key, ToKey: self})
		}
	}
	return out
}

// transitions turns changelog histories into status transitions, oldest first.
func transitions(hs []wireHistory, cats *statusMap) ([]cairn.Transition, error) {
	var out []cairn.Transition
	for _, h := range hs {
		for _, it := range h.Items {
			if it.FieldID != "status" && !(it.FieldID == "" && strings.EqualFold(it.Field, "status")) {
				continue
			}
			at, err := parseHistoryTime(h.Created)
			if err != nil {
				return nil, fmt.Errorf("history %s: %w", h.ID, err)
			}
			t := cairn.Transition{HistoryID: h.ID, At: at, FromStatus: deref(it.FromString), ToStatus: deref(it.ToString)}
			t.FromCategory = cats.category(deref(it.From), t.FromStatus)
			t.ToCategory = cats.category(deref(it.To), t.ToStatus)
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].At.Before(out[b].At) })
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Jira platform timestamps: "2026-11-24T10:15:30.000+0100"; RFC 3339 is accepted too.
var timeLayouts = []string{"2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", time.RFC3339Nano}

func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: not a Jira timestamp", s)
}

func parseTimeField(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := parseTime(s)
	if err != nil {
		return t, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// parseHistoryTime reads a history date: a string, or epoch seconds/milliseconds (the bulk
// changelog documentation shows numbers).
func parseHistoryTime(b json.RawMessage) (time.Time, error) {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return time.Time{}, err
		}
		return parseTime(s)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("created %q: not a date", b)
	}
	if n > 1e12 || n < -1e12 {
		return time.UnixMilli(n), nil
	}
	return time.Unix(n, 0), nil
}

// parsePoints reads story points: a number, or a numeric string (some Data Center sites).
func parsePoints(b []byte) (float64, bool) {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return 0, false
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return f, err == nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}

// parseEpicLink reads the Epic Link: a key string, or (rarely) an object with a key.
func parseEpicLink(b []byte) (string, bool) {
	var s string
	if json.Unmarshal(b, &s) == nil {
		return s, s != ""
	}
	var o struct {
		Key string `json:"key"`
	}
	if json.Unmarshal(b, &o) == nil {
		return o.Key, o.Key != ""
	}
	return "", false
}

// parseSprints reads the sprint field: objects with an id (Cloud, modern DC), or the
// "com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=444,rapidViewId=…]" strings of
// older Data Center; arrays mixing both have been seen.
func parseSprints(b []byte) []int64 {
	var items []json.RawMessage
	if json.Unmarshal(b, &items) != nil {
		items = []json.RawMessage{b}
	}
	var out []int64
	for _, it := range items {
		var obj struct {
			ID *int64 `json:"id"`
		}
		if len(it) > 0 && it[0] == '{' && json.Unmarshal(it, &obj) == nil && obj.ID != nil {
			out = append(out, *obj.ID)
			continue
		}
		var s string
		if json.Unmarshal(it, &s) == nil {
			if id, ok := legacySprintID(s); ok {
				out = append(out, id)
			}
		}
	}
	return out
}

func legacySprintID(s string) (int64, bool) {
	i := strings.Index(s, "[id=")
	if i < 0 {
		i = strings.Index(s, ",id=")
	}
	if i < 0 {
		return 0, false
	}
	rest := s[i+4:]
	end := strings.IndexAny(rest, ",]")
	if end < 0 {
		end = len(rest)
	}
	id, err := strconv.ParseInt(rest[:end], 10, 64)
	return id, err == nil
}

var errNoIssues = errors.New("answer has no issues array")
