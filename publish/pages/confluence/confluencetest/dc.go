package confluencetest

import (
	"net/http"
)

func dcContent(p Page, withBody bool) map[string]any {
	m := map[string]any{
		"id": p.ID, "type": "page", "status": "current", "title": p.Title,
		"space":   map[string]any{"key": SpaceKey},
		"version": map[string]any{"number": p.Version, "message": p.Message, "minorEdit": false},
		"_links":  map[string]any{"webui": "/pages/viewpage.action?pageId=" + p.ID},
	}
	if withBody {
		m["body"] = map[string]any{"storage": map[string]any{"value": p.Body, "representation": "storage"}}
	}
	return m
}

func (s *Server) dcListContent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	results := []any{}
	if q.Get("spaceKey") == SpaceKey {
		for _, p := range s.find(q.Get("title")) {
			results = append(results, dcContent(p, q.Get("expand") != ""))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results, "start": 0, "limit": 25, "size": len(results)})
}

type dcWrite struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Title string `json:"title"`
	Space *struct {
		Key string `json:"key"`
	} `json:"space"`
	Ancestors []struct {
		ID string `json:"id"`
	} `json:"ancestors"`
	Version *struct {
		Number  int    `json:"number"`
		Message string `json:"message"`
	} `json:"version"`
	Body struct {
		Storage *struct {
			Value          string `json:"value"`
			Representation string `json:"representation"`
		} `json:"storage"`
	} `json:"body"`
}

func (s *Server) dcCreateContent(w http.ResponseWriter, r *http.Request) {
	var in dcWrite
	if !decode(w, r, &in) {
		return
	}
	if in.Type != "page" || in.Space == nil || in.Space.Key != SpaceKey || in.Title == "" ||
		in.Body.Storage == nil || in.Body.Storage.Representation != "storage" {
		writeError(w, http.StatusBadRequest, "type page, space.key, title and body.storage are required")
		return
	}
	parent := ""
	if len(in.Ancestors) > 0 {
		parent = in.Ancestors[len(in.Ancestors)-1].ID
	}
	p, code, msg := s.create(in.Title, parent, in.Body.Storage.Value)
	if code != 0 {
		writeError(w, code, msg)
		return
	}
	writeJSON(w, http.StatusOK, dcContent(p, true))
}

func (s *Server) dcUpdateContent(w http.ResponseWriter, r *http.Request) {
	var in dcWrite
	if !decode(w, r, &in) {
		return
	}
	if in.Version == nil {
		writeError(w, http.StatusBadRequest, "Must supply an incremented version when updating Content.")
		return
	}
	if in.Type != "page" || in.Body.Storage == nil || in.Body.Storage.Representation != "storage" {
		writeError(w, http.StatusBadRequest, "type page and body.storage are required")
		return
	}
	p, code, msg := s.update(r.PathValue("id"), in.Title, in.Body.Storage.Value, in.Version.Number, in.Version.Message)
	if code != 0 {
		writeError(w, code, msg)
		return
	}
	writeJSON(w, http.StatusOK, dcContent(p, true))
}
