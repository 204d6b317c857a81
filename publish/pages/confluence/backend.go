package confluence

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// remotePage is what the publisher needs to know about a stored page.
type remotePage struct {
	ID             string
	Title          string
	Version        int
	VersionMessage string
	Body           string
	WebUI          string
}

// backend is one REST dialect: Cloud v2 or Data Center content.
type backend interface {
	find(ctx context.Context, title string) (*remotePage, error) // nil when there is none
	create(ctx context.Context, title, body, msg string) (*remotePage, error)
	update(ctx context.Context, cur *remotePage, title, body, msg string, version int) (*remotePage, error)
}

// Wire types. They never leave the package.

type wireUser struct {
	Type        string `json:"type"` // known | anonymous | ...
	AccountID   string `json:"accountId"`
	UserKey     string `json:"userKey"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
}

type wireVersion struct {
	Number  int    `json:"number"`
	Message string `json:"message,omitempty"`
}

type wireStorage struct {
	Representation string `json:"representation"`
	Value          string `json:"value"`
}

type wireLinks struct {
	WebUI string `json:"webui,omitempty"`
}

// Cloud REST v2.

type cloud struct {
	p       *Publisher
	spaceID string
}

type v2Page struct {
	ID       string       `json:"id,omitempty"`
	Status   string       `json:"status,omitempty"`
	Title    string       `json:"title"`
	SpaceID  string       `json:"spaceId,omitempty"`
	ParentID string       `json:"parentId,omitempty"`
	Version  *wireVersion `json:"version,omitempty"`
	Body     *v2Body      `json:"body,omitempty"`
	Links    *wireLinks   `json:"_links,omitempty"`
}

// v2Body is the body of a page as read (body.storage) or as written
// ({"representation":"storage","value":...}).
type v2Body struct {
	Storage        *wireStorage `json:"storage,omitempty"`
	Representation string       `json:"representation,omitempty"`
	Value          string       `json:"value,omitempty"`
}

func (v v2Page) remote() *remotePage {
	r := &remotePage{ID: v.ID, Title: v.Title}
	if v.Version != nil {
		r.Version, r.VersionMessage = v.Version.Number, v.Version.Message
	}
	if v.Body != nil && v.Body.Storage != nil {
		r.Body = v.Body.Storage.Value
	}
	if v.Links != nil {
		r.WebUI = v.Links.WebUI
	}
	return r
}

func cloudSpaceID(ctx context.Context, p *Publisher) (string, error) {
	var res struct {
		Results []struct {
			ID  string `json:"id"`
			Key string `json:"key"`
		} `json:"results"`
	}
	q := url.Values{"keys": {p.opts.Space}}
	if err := p.do(ctx, http.MethodGet, "/api/v2/spaces", q, nil, &res); err != nil {
		return "", fmt.Errorf("resolve confluence space %s: %w", p.opts.Space, err)
	}
	for _, s := range res.Results {
		if s.Key == p.opts.Space {
			return s.ID, nil
		}
	}
	return "", fmt.Errorf("resolve confluence space %s: no such space, or no permission to view it", p.opts.Space)
}

func (c cloud) find(ctx context.Context, title string) (*remotePage, error) {
	var res struct {
		Results []v2Page `json:"results"`
	}
	q := url.Values{"space-id": {c.spaceID}, "title": {title}, "status": {"current"}, "body-format": {"storage"}}
	if err := c.p.do(ctx, http.MethodGet, "/api/v2/pages", q, nil, &res); err != nil {
		return nil, fmt.Errorf("find page: %w", err)
	}
	for _, v := range res.Results {
		if v.Title == title {
			return v.remote(), nil
		}
	}
	return nil, nil
}

func (c cloud) create(ctx context.Context, title, body, _ string) (*remotePage, error) {
	in := v2Page{SpaceID: c.spaceID, Status: "current", Title: title, ParentID: c.p.opts.ParentID,
		Body: &v2Body{Representation: "storage", Value: body}}
	var out v2Page
	if err := c.p.do(ctx, http.MethodPost, "/api/v2/pages", nil, in, &out); err != nil {
		return nil, fmt.Errorf("create page: %w", err)
	}
	return out.remote(), nil
}

func (c cloud) update(ctx context.Context, cur *remotePage, title, body, msg string, version int) (*remotePage, error) {
	in := v2Page{ID: cur.ID, Status: "current", Title: title,
		Body:    &v2Body{Representation: "storage", Value: body},
		Version: &wireVersion{Number: version, Message: msg}}
	var out v2Page
	if err := c.p.do(ctx, http.MethodPut, "/api/v2/pages/"+url.PathEscape(cur.ID), nil, in, &out); err != nil {
		return nil, fmt.Errorf("update page %s to version %d: %w", cur.ID, version, err)
	}
	return out.remote(), nil
}

// Data Center / Server REST content API.

type dataCenter struct{ p *Publisher }

type dcContent struct {
	ID        string       `json:"id,omitempty"`
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Space     *dcSpace     `json:"space,omitempty"`
	Ancestors []dcAncestor `json:"ancestors,omitempty"`
	Version   *wireVersion `json:"version,omitempty"`
	Body      *dcBody      `json:"body,omitempty"`
	Links     *wireLinks   `json:"_links,omitempty"`
}

type dcSpace struct {
	Key string `json:"key"`
}

type dcAncestor struct {
	ID string `json:"id"`
}

type dcBody struct {
	Storage *wireStorage `json:"storage"`
}

func (v dcContent) remote() *remotePage {
	r := &remotePage{ID: v.ID, Title: v.Title}
	if v.Version != nil {
		r.Version, r.VersionMessage = v.Version.Number, v.Version.Message
	}
	if v.Body != nil && v.Body.Storage != nil {
		r.Body = v.Body.Storage.Value
	}
	if v.Links != nil {
		r.WebUI = v.Links.WebUI
	}
	return r
}

func (d dataCenter) find(ctx context.Context, title string) (*remotePage, error) {
	var res struct {
		Results []dcContent `json:"results"`
	}
	q := url.Values{"spaceKey": {d.p.opts.Space}, "title": {title}, "type": {"page"}, "expand": {"body.storage,version"}}
	if err := d.p.do(ctx, http.MethodGet, "/rest/api/content", q, nil, &res); err != nil {
		return nil, fmt.Errorf("find page: %w", err)
	}
	for _, v := range res.Results {
		if v.Title == title {
			return v.remote(), nil
		}
	}
	return nil, nil
}

func (d dataCenter) create(ctx context.Context, title, body, _ string) (*remotePage, error) {
	in := dcContent{Type: "page", Title: title, Space: &dcSpace{Key: d.p.opts.Space},
		Body: &dcBody{Storage: &wireStorage{Representation: "storage", Value: body}}}
	if d.p.opts.ParentID != "" {
		in.Ancestors = []dcAncestor{{ID: d.p.opts.ParentID}}
	}
	var out dcContent
	if err := d.p.do(ctx, http.MethodPost, "/rest/api/content", nil, in, &out); err != nil {
		return nil, fmt.Errorf("create page: %w", err)
	}
	return out.remote(), nil
}

func (d dataCenter) update(ctx context.Context, cur *remotePage, title, body, msg string, version int) (*remotePage, error) {
	in := dcContent{ID: cur.ID, Type: "page", Title: title,
		Version: &wireVersion{Number: version, Message: msg},
		Body:    &dcBody{Storage: &wireStorage{Representation: "storage", Value: body}}}
	var out dcContent
	if err := d.p.do(ctx, http.MethodPut, "/rest/api/content/"+url.PathEscape(cur.ID), nil, in, &out); err != nil {
		return nil, fmt.Errorf("update page %s to version %d: %w", cur.ID, version, err)
	}
	return out.remote(), nil
}
