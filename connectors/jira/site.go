package jira

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cairn-dev/cairn"
)

// Site facts: what a client learns about a site beside its issues. Each costs a request per
// process; a caller that keeps them (cairn stores them) hands them to the next client with
// UseSiteFacts, so an incremental run with nothing to fetch costs only its per-project
// requests.
const (
	// FactDeployment is DeploymentCloud or DeploymentDataCenter, as detected.
	FactDeployment = "deployment"
	// FactTimeZone is the API user's zone: an IANA name, "UTC" for a user without one.
	FactTimeZone = "time_zone"
	// FactFields is a JSON object of the candidate field ids per concept (cairn.JiraConcept*),
	// primary first, as discovered, before config overrides.
	FactFields = "fields"
	// FactStatuses is a JSON object of the status categories by status id ("id") and by
	// lower-cased name ("name"). A status not in it makes a search read the statuses again.
	FactStatuses = "statuses"
)

// statusFact is FactStatuses' shape.
type statusFact struct {
	ByID   map[string]cairn.StatusCategory `json:"id"`
	ByName map[string]cairn.StatusCategory `json:"name"`
}

// SiteFacts returns what this client has read from the site itself (not what UseSiteFacts
// gave it), by Fact* name.
func (c *Client) SiteFacts() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]string{}
	if c.opts.Deployment == DeploymentAuto && c.depRead && c.deployment != "" {
		out[FactDeployment] = c.deployment
	}
	if c.locRead && c.loc != nil {
		out[FactTimeZone] = c.loc.String()
	}
	if c.fieldsRead {
		if b, err := json.Marshal(c.found); err == nil {
			out[FactFields] = string(b)
		}
	}
	if c.statusRead && c.statuses != nil {
		if b, err := json.Marshal(statusFact{c.statuses.byID, c.statuses.byName}); err == nil {
			out[FactStatuses] = string(b)
		}
	}
	return out
}

// UseSiteFacts gives the client what an earlier client read, so it does not ask again; a
// fact it already knows, or cannot read, is ignored. A configured deployment wins over the
// fact, and config field overrides apply on top of the discovered fields. Fields still reads
// the site (full runs refresh the mapping); searches use the given fields until then.
func (c *Client) UseSiteFacts(facts map[string]string) {
	var loc *time.Location
	if z := facts[FactTimeZone]; z != "" {
		loc, _ = time.LoadLocation(z)
	}
	var dec *decoder
	if f := facts[FactFields]; f != "" {
		var found map[string][]string
		if json.Unmarshal([]byte(f), &found) == nil && found != nil {
			ids := make(map[string][]string, len(found)+len(c.opts.Fields))
			for concept, cands := range found {
				ids[concept] = cands
			}
			for concept, id := range c.opts.Fields {
				ids[concept] = []string{id}
			}
			dec = newDecoder(ids)
		}
	}
	var statuses *statusMap
	if f := facts[FactStatuses]; f != "" {
		var sf statusFact
		if json.Unmarshal([]byte(f), &sf) == nil && sf.ByID != nil && sf.ByName != nil {
			statuses = &statusMap{byID: sf.ByID, byName: sf.ByName}
		}
	}
	d := facts[FactDeployment]
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opts.Deployment == DeploymentAuto && c.deployment == "" && (d == DeploymentCloud || d == DeploymentDataCenter) {
		c.deployment = d
	}
	if loc != nil && c.loc == nil {
		c.loc = loc
	}
	if dec != nil && c.dec == nil {
		c.dec = dec
	}
	if statuses != nil && c.statuses == nil {
		c.statuses = statuses
	}
}

// ReadSite reads the deployment and the statuses unless this client already knows them: a
// full run refreshes every fact at its start, whatever pages it then has left to fetch, so
// the facts stored after it do not depend on where an earlier, interrupted run stopped.
func (c *Client) ReadSite(ctx context.Context) error {
	if _, err := c.Deployment(ctx); err != nil {
		return err
	}
	_, err := c.statusCategories(ctx, false)
	return err
}
