package jira

import (
	"context"
	"strings"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/cairn-dev/cairn"
)

// field is an item of /rest/api/2/field (go-jira's Field lacks untranslatedName, which stays
// English on localized sites).
type field struct {
	ID               string             `json:"id"`
	Name             string             `json:"name"`
	UntranslatedName string             `json:"untranslatedName"`
	Custom           bool               `json:"custom"`
	Schema           gojira.FieldSchema `json:"schema"`
}

func (f field) named(names ...string) bool {
	for _, n := range names {
		if strings.EqualFold(f.UntranslatedName, n) || strings.EqualFold(f.Name, n) {
			return true
		}
	}
	return false
}

const (
	ghEpicLink    = "com.pyxis.greenhopper.jira:gh-epic-link"
	ghSprint      = "com.pyxis.greenhopper.jira:gh-sprint"
	jswStoryPts   = "com.pyxis.greenhopper.jira:jsw-story-points"
	cfFloat       = "com.atlassian.jira.plugin.system.customfieldtypes:float"
	cfDatePicker  = "com.atlassian.jira.plugin.system.customfieldtypes:datepicker"
	cfMultiCheck  = "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes"
	jpoTargetFrom = "com.atlassian.jpo:jpo-custom-field-baseline-start"
)

// matchers rank, per concept, what a field must look like; earlier rules win. Schema types
// come first because names are localized and admins create look-alikes.
var matchers = map[string][]func(field) bool{
	cairn.JiraConceptStoryPoints: {
		func(f field) bool { return f.Schema.Custom == jswStoryPts },
		func(f field) bool {
			return f.Schema.Custom == cfFloat && f.named("Story Points", "Story point estimate")
		},
	},
	cairn.JiraConceptEpicLink: {func(f field) bool { return f.Schema.Custom == ghEpicLink }},
	cairn.JiraConceptSprint:   {func(f field) bool { return f.Schema.Custom == ghSprint }},
	cairn.JiraConceptStartDate: {
		func(f field) bool { return f.Schema.Custom == cfDatePicker && f.named("Start date", "Start Date") },
		func(f field) bool { return f.Schema.Custom == jpoTargetFrom },
	},
	cairn.JiraConceptFlagged: {
		func(f field) bool { return f.Schema.Custom == cfMultiCheck && f.named("Flagged") },
	},
}

// discover picks field ids per concept. The first is the primary; the others are read, in
// order, when the primary is empty on an issue (Cloud sites carry both "Story point estimate"
// and "Story Points", used by different project types).
func discover(list []field, overrides map[string]string) ([]cairn.JiraField, map[string][]string) {
	var out []cairn.JiraField
	ids := map[string][]string{}
	for _, concept := range knownConcepts {
		if id := overrides[concept]; id != "" {
			out = append(out, cairn.JiraField{Concept: concept, FieldID: id, Source: "config"})
			ids[concept] = []string{id}
			continue
		}
		var cands []string
		source := ""
		for rank, m := range matchers[concept] {
			for _, f := range list {
				if f.Custom && m(f) && !contains(cands, f.ID) {
					if len(cands) == 0 {
						source = "schema"
						if rank > 0 || f.Schema.Custom == cfFloat || f.Schema.Custom == cfDatePicker || f.Schema.Custom == cfMultiCheck {
							source = "name" // a generic type, told apart by its name
						}
					}
					cands = append(cands, f.ID)
				}
			}
		}
		if len(cands) > 0 {
			out = append(out, cairn.JiraField{Concept: concept, FieldID: cands[0], Source: source})
			ids[concept] = cands
		}
	}
	return out, ids
}

// Fields returns the field that carries each concept cairn reads: config overrides (Source
// "config"), else discovered from /rest/api/2/field by schema custom type (Source "schema"),
// or by a generic type plus its untranslated name (Source "name"). Concepts not found are
// absent. The answer is cached; Search uses it.
func (c *Client) Fields(ctx context.Context) ([]cairn.JiraField, error) {
	c.fieldsOnce.Lock()
	defer c.fieldsOnce.Unlock()
	c.mu.Lock()
	if c.fieldsRead {
		out := append([]cairn.JiraField(nil), c.fields...)
		c.mu.Unlock()
		return out, nil
	}
	c.mu.Unlock()
	var list []field
	if err := c.getJSON(ctx, "rest/api/2/field", &list); err != nil {
		return nil, err
	}
	_, found := discover(list, nil)
	fields, ids := discover(list, c.opts.Fields)
	dec := newDecoder(ids)
	c.mu.Lock()
	c.fields, c.dec, c.fieldsRead, c.found = fields, dec, true, found
	c.mu.Unlock()
	return append([]cairn.JiraField(nil), fields...), nil
}

// decoder returns the decoder of the site's fields: from the fields read, or from those a
// previous run found (UseSite), else read now.
func (c *Client) decoder(ctx context.Context) (*decoder, error) {
	c.mu.Lock()
	dec := c.dec
	c.mu.Unlock()
	if dec != nil {
		return dec, nil
	}
	if _, err := c.Fields(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dec, nil
}

// statusMap maps status ids and names to categories.
type statusMap struct {
	byID   map[string]cairn.StatusCategory
	byName map[string]cairn.StatusCategory
}

func (m *statusMap) category(id, name string) cairn.StatusCategory {
	if m == nil {
		return ""
	}
	if c, ok := m.byID[id]; ok {
		return c
	}
	return m.byName[strings.ToLower(name)]
}

// statusCategories loads /rest/api/2/status once (again when refresh is set: a status was
// added during the run).
func (c *Client) statusCategories(ctx context.Context, refresh bool) (*statusMap, error) {
	c.mu.Lock()
	m := c.statuses
	c.mu.Unlock()
	if m != nil && !refresh {
		return m, nil
	}
	c.statusOnce.Lock()
	defer c.statusOnce.Unlock()
	c.mu.Lock()
	if c.statuses != m { // another caller loaded them meanwhile
		m = c.statuses
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	var list []gojira.Status
	if err := c.getJSON(ctx, "rest/api/2/status", &list); err != nil {
		return nil, err
	}
	m = &statusMap{byID: map[string]cairn.StatusCategory{}, byName: map[string]cairn.StatusCategory{}}
	for _, s := range list {
		cat := cairn.StatusCategory(s.StatusCategory.Key)
		if !cat.Valid() {
			continue // "undefined" (id 1) is not a workflow category
		}
		m.byID[s.ID] = cat
		m.byName[strings.ToLower(s.Name)] = cat
	}
	c.mu.Lock()
	c.statuses, c.statusRead = m, true
	c.mu.Unlock()
	return m, nil
}
