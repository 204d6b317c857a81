package jira

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
)

// flexDate is a version date: "2006-01-02", or epoch milliseconds (the newest Cloud
// documentation example), or absent.
type flexDate struct{ t time.Time }

func (d *flexDate) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch {
	case s == "null" || s == `""`:
		return nil
	case len(b) > 0 && b[0] == '"':
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		if t, err := time.Parse("2006-01-02", str); err == nil {
			d.t = t
			return nil
		}
		t, err := parseTime(str)
		if err != nil {
			return err
		}
		d.t = t
		return nil
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("version date %s: not a date", s)
	}
	d.t = time.UnixMilli(ms).UTC()
	return nil
}

type wireVersion struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Archived    bool     `json:"archived"`
	Released    bool     `json:"released"`
	StartDate   flexDate `json:"startDate"`
	ReleaseDate flexDate `json:"releaseDate"`
}

// Versions lists a project's versions (GET /rest/api/2/project/{key}/versions, which is not
// paginated on either deployment).
func (c *Client) Versions(ctx context.Context, project string) ([]cairn.Version, error) {
	path := "rest/api/2/project/" + url.PathEscape(project) + "/versions"
	b, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return nil, c.malformed(http.MethodGet, path, err)
	}
	out := make([]cairn.Version, 0, len(raws))
	for _, raw := range raws {
		var w wireVersion
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, c.malformed(http.MethodGet, path, err)
		}
		id, err := strconv.ParseInt(w.ID, 10, 64)
		if err != nil {
			return nil, c.malformed(http.MethodGet, path, fmt.Errorf("version id %q", w.ID))
		}
		out = append(out, cairn.Version{ID: id, ProjectKey: project, Name: w.Name, Description: w.Description,
			StartDate: w.StartDate.t, ReleaseDate: w.ReleaseDate.t, Released: w.Released, Archived: w.Archived, Raw: raw})
	}
	return out, nil
}

// agilePage is the Agile API's envelope.
type agilePage struct {
	StartAt    int               `json:"startAt"`
	MaxResults int               `json:"maxResults"`
	Total      int               `json:"total"`
	IsLast     *bool             `json:"isLast"`
	Values     []json.RawMessage `json:"values"`
}

// agileList pages an Agile list until isLast, advancing startAt by what was received.
func (c *Client) agileList(ctx context.Context, path string, q url.Values, each func(raw json.RawMessage) error) error {
	for startAt := 0; ; {
		q.Set("startAt", strconv.Itoa(startAt))
		q.Set("maxResults", "50")
		full := path + "?" + q.Encode()
		b, err := c.do(ctx, http.MethodGet, full, nil)
		if err != nil {
			return err
		}
		var p agilePage
		if err := json.Unmarshal(b, &p); err != nil {
			return c.malformed(http.MethodGet, full, err)
		}
		for _, v := range p.Values {
			if err := each(v); err != nil {
				return c.malformed(http.MethodGet, full, err)
			}
		}
		startAt += len(p.Values)
		last := len(p.Values) == 0 || (p.IsLast != nil && *p.IsLast) || (p.IsLast == nil && p.Total > 0 && startAt >= p.Total)
		if last {
			return nil
		}
	}
}

// Boards lists a project's Agile boards (/rest/agile/1.0/board?projectKeyOrId=).
func (c *Client) Boards(ctx context.Context, project string) ([]cairn.Board, error) {
	var out []cairn.Board
	err := c.agileList(ctx, "rest/agile/1.0/board", url.Values{"projectKeyOrId": {project}}, func(raw json.RawMessage) error {
		var w struct {
			ID       int64  `json:"id"`
			Name     string `json:"name"`
			Type     string `json:"type"`
			Location struct {
				ProjectKey string `json:"projectKey"`
			} `json:"location"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return err
		}
		pk := w.Location.ProjectKey
		if pk == "" {
			pk = project
		}
		out = append(out, cairn.Board{ID: w.ID, Name: w.Name, Type: w.Type, ProjectKey: pk})
		return nil
	})
	return out, err
}

// Sprints lists a board's sprints. Kanban boards answer 400 ("The board does not support
// sprints"): that is no sprints, not an error.
func (c *Client) Sprints(ctx context.Context, boardID int64) ([]cairn.Sprint, error) {
	var out []cairn.Sprint
	path := "rest/agile/1.0/board/" + strconv.FormatInt(boardID, 10) + "/sprint"
	err := c.agileList(ctx, path, url.Values{}, func(raw json.RawMessage) error {
		var w struct {
			ID            int64  `json:"id"`
			Name          string `json:"name"`
			State         string `json:"state"`
			Goal          string `json:"goal"`
			OriginBoardID int64  `json:"originBoardId"`
			StartDate     string `json:"startDate"`
			EndDate       string `json:"endDate"`
			CompleteDate  string `json:"completeDate"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return err
		}
		sp := cairn.Sprint{ID: w.ID, BoardID: w.OriginBoardID, Name: w.Name, State: strings.ToLower(w.State), Goal: w.Goal, Raw: raw}
		if sp.BoardID == 0 {
			sp.BoardID = boardID
		}
		var err error
		if sp.StartAt, err = parseTimeField("startDate", w.StartDate); err != nil {
			return err
		}
		if sp.EndAt, err = parseTimeField("endDate", w.EndDate); err != nil {
			return err
		}
		if sp.CompleteAt, err = parseTimeField("completeDate", w.CompleteDate); err != nil {
			return err
		}
		out = append(out, sp)
		return nil
	})
	if status(err) == http.StatusBadRequest {
		var ae *APIError
		if asAPIError(err, &ae) && (strings.Contains(ae.Body, "does not support sprints") || ae.Body == "" || len(out) == 0) {
			return nil, nil
		}
	}
	return out, err
}
