package service

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cairn-dev/cairn"
)

//go:embed index.html
var indexFS embed.FS

var indexTmpl = template.Must(template.ParseFS(indexFS, "index.html"))

// Limits of the runs listing and of the sync request body.
const (
	defaultRunsLimit = 50
	maxRunsLimit     = 1000
	maxSyncBody      = 64 << 10
)

func (s *Service) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	// A route of the caller's for /metrics replaces the registry's handler: cairn serve sends
	// the registry and then the rollup's cached series (metrics.Handler).
	if !slices.ContainsFunc(s.opts.Routes, func(r Route) bool { return r.Pattern == "GET /metrics" || r.Pattern == "/metrics" }) {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{
			Registry:          s.reg, // promhttp_metric_handler_errors_total
			ErrorHandling:     promhttp.ContinueOnError,
			ErrorLog:          promLogger{s},
			EnableOpenMetrics: true,
		}))
	}
	mux.HandleFunc("GET /api/v1/runs", s.listRuns)
	mux.HandleFunc("GET /api/v1/runs/{id}", s.getRun)
	mux.HandleFunc("POST /api/v1/sync", s.postSync)
	for _, r := range s.opts.Routes {
		mux.Handle(r.Pattern, r.Handler)
	}
	return mux
}

type promLogger struct{ s *Service }

func (l promLogger) Println(v ...any) { l.s.log.Error("metrics scrape", "err", fmt.Sprint(v...)) }

func (s *Service) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.closingNow() {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "shutting down\n")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := s.db.Ready(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "database not ready: %v\n", err)
		return
	}
	io.WriteString(w, "ok\n")
}

func (s *Service) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultRunsLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit: must be a positive integer (got %q)", v))
			return
		}
		limit = min(n, maxRunsLimit)
	}
	connector := q.Get("connector")
	if connector != "" && s.byName[connector] == nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("connector: unknown (got %q)", connector))
		return
	}
	runs, err := s.db.Runs(r.Context(), connector, limit)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "list runs: "+err.Error())
		return
	}
	if runs == nil {
		runs = []cairn.SyncRun{}
	}
	writeJSON(w, http.StatusOK, runs)
}

func (s *Service) getRun(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "id: must be a positive integer")
		return
	}
	run, err := s.db.Run(r.Context(), id)
	switch {
	case errors.Is(err, cairn.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("no run %d", id))
	case err != nil:
		writeError(w, http.StatusInternalServerError, "read run: "+err.Error())
	default:
		writeJSON(w, http.StatusOK, run)
	}
}

// SyncRequest is the body of POST /api/v1/sync.
type SyncRequest struct {
	Connector string `json:"connector"` // "jira", "github" or "all" ("" means all)
	Full      bool   `json:"full"`
}

// SyncResponse is the 202 answer of POST /api/v1/sync.
type SyncResponse struct {
	IDs  []int64   `json:"ids"`
	Runs []Started `json:"runs"`
}

func (s *Service) postSync(w http.ResponseWriter, r *http.Request) {
	if s.opts.APIToken == "" {
		writeError(w, http.StatusNotFound, "the sync API is disabled: set api_token to enable it")
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cairn"`)
		writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
		return
	}
	var req SyncRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSyncBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "body: one JSON object expected")
		return
	}
	started, err := s.Sync(r.Context(), req.Connector, req.Full)
	switch {
	case errors.Is(err, ErrUnknownConnector):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("connector: must be %s or all (got %q)",
			strings.Join(s.Connectors(), ", "), req.Connector))
		return
	case errors.Is(err, cairn.ErrRunning):
		writeError(w, http.StatusConflict, err.Error())
		return
	case errors.Is(err, ErrClosed):
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	case err != nil: // the client went away while waiting for the ids
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	resp := SyncResponse{IDs: []int64{}, Runs: started}
	for _, st := range started {
		if st.ID != 0 {
			resp.IDs = append(resp.IDs, st.ID)
		}
	}
	if len(started) > 0 && len(resp.IDs) == 0 {
		writeJSON(w, http.StatusInternalServerError, resp)
		return
	}
	w.Header().Set("Location", "/api/v1/runs")
	writeJSON(w, http.StatusAccepted, resp)
}

// authorized compares the bearer token in constant time; hashing first hides its length too.
func (s *Service) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	want := sha256.Sum256([]byte(s.opts.APIToken))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// indexData is what the index page shows.
type indexData struct {
	Version    string
	Links      []indexLink
	Connectors []indexConnector
	SyncAPI    bool
}

type indexLink struct{ Title, Path string }

type indexConnector struct {
	Name    string
	Last    *cairn.SyncRun
	Success time.Time
}

func (s *Service) index(w http.ResponseWriter, r *http.Request) {
	d := indexData{SyncAPI: s.opts.APIToken != "", Version: s.health.info.Version}
	for _, rt := range s.opts.Routes {
		if rt.Title == "" {
			continue
		}
		p := rt.Pattern
		if _, after, ok := strings.Cut(p, " "); ok {
			p = after
		}
		if i := strings.Index(p, "{"); i >= 0 {
			p = p[:i]
		}
		d.Links = append(d.Links, indexLink{Title: rt.Title, Path: p})
	}
	for _, name := range s.Connectors() {
		ic := indexConnector{Name: name}
		if runs, err := s.db.Runs(r.Context(), name, 1); err == nil && len(runs) > 0 {
			ic.Last = &runs[0]
		}
		ic.Success, _ = s.db.LastSuccess(r.Context(), name)
		d.Connectors = append(d.Connectors, ic)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := indexTmpl.Execute(w, d); err != nil {
		s.log.Error("render index", "err", err)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
