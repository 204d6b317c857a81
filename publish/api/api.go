// Package api serves the latest rollup report as JSON over HTTP:
//
//	GET /api/v1/programs                                      programs with their status
//	GET /api/v1/programs/{program}                            a program's milestones, flow, blockers
//	GET /api/v1/programs/{program}/milestones/{milestone}     a milestone with the items behind each number
//
// Names are path segments, URL path-escaped ("Checkout%20v2"). Errors are JSON
// {"error": "..."}: 404 for an unknown program or milestone, 503 before the first rollup.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/rollup"
)

// ReportSource gives the latest stored report (rollup.Reports does); an error wrapping
// cairn.ErrNotFound means no rollup has run yet.
type ReportSource interface {
	LatestReport(ctx context.Context) (*rollup.Report, error)
}

// Handler returns the API's handler.
func Handler(src ReportSource) http.Handler {
	h := &handler{src: src}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/programs", h.programs)
	mux.HandleFunc("GET /api/v1/programs/{program}", h.program)
	mux.HandleFunc("GET /api/v1/programs/{program}/milestones/{milestone}", h.milestone)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
	})
	return mux
}

type handler struct {
	src ReportSource
}

// ProgramList is the answer of GET /api/v1/programs.
type ProgramList struct {
	AsOf     time.Time            `json:"as_of"`
	Week     string               `json:"week"`
	DataAsOf map[string]time.Time `json:"data_as_of"`
	Programs []ProgramSummary     `json:"programs"`
}

// ProgramSummary is one program in the list.
type ProgramSummary struct {
	Name       string              `json:"name"`
	Status     rollup.Status       `json:"status"`
	Reasons    []string            `json:"reasons"`
	Milestones []MilestoneHeadline `json:"milestones"`
}

// MilestoneHeadline is one milestone in the program list.
type MilestoneHeadline struct {
	Name      string        `json:"name"`
	Status    rollup.Status `json:"status"`
	Due       time.Time     `json:"due,omitzero"`
	Done      int           `json:"done"`
	Total     int           `json:"total"`
	DoneRatio float64       `json:"done_ratio"`
	P85       time.Time     `json:"forecast_p85,omitzero"`
	OnTime    *float64      `json:"on_time"`
}

// ProgramDetail is the answer of GET /api/v1/programs/{program}: the program report with its
// milestones' numbers, reasons and forecasts but without their evidence lists.
type ProgramDetail struct {
	rollup.ProgramReport
	AsOf       time.Time          `json:"as_of"`
	Week       string             `json:"week"`
	Milestones []MilestoneSummary `json:"milestones"`
}

// MilestoneSummary is a milestone report without its evidence.
type MilestoneSummary struct {
	rollup.MilestoneReport
	Evidence *rollup.Evidence `json:"evidence,omitempty"` // always nil: shadows the report's
}

// MilestoneDetail is the answer of GET /api/v1/programs/{program}/milestones/{milestone}.
type MilestoneDetail struct {
	rollup.MilestoneReport
	AsOf time.Time `json:"as_of"`
	Week string    `json:"week"`
}

func (h *handler) report(w http.ResponseWriter, r *http.Request) *rollup.Report {
	rep, err := h.src.LatestReport(r.Context())
	switch {
	case errors.Is(err, cairn.ErrNotFound):
		writeError(w, http.StatusServiceUnavailable, "no rollup report yet")
		return nil
	case err != nil:
		writeError(w, http.StatusInternalServerError, "read report: "+err.Error())
		return nil
	}
	return rep
}

func (h *handler) programs(w http.ResponseWriter, r *http.Request) {
	rep := h.report(w, r)
	if rep == nil {
		return
	}
	out := ProgramList{AsOf: rep.AsOf, Week: rep.Week, DataAsOf: rep.DataAsOf, Programs: []ProgramSummary{}}
	for _, p := range rep.Programs {
		s := ProgramSummary{Name: p.Name, Status: p.Status, Reasons: p.Reasons, Milestones: []MilestoneHeadline{}}
		for _, m := range p.Milestones {
			s.Milestones = append(s.Milestones, MilestoneHeadline{Name: m.Name, Status: m.Status, Due: m.Due,
				Done: m.Scope.Done, Total: m.Scope.Total, DoneRatio: m.Scope.DoneRatio, P85: m.Forecast.P85,
				OnTime: m.Forecast.OnTime})
		}
		out.Programs = append(out.Programs, s)
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) program(w http.ResponseWriter, r *http.Request) {
	rep := h.report(w, r)
	if rep == nil {
		return
	}
	p := rep.Program(r.PathValue("program"))
	if p == nil {
		writeError(w, http.StatusNotFound, "unknown program "+quote(r.PathValue("program")))
		return
	}
	out := ProgramDetail{ProgramReport: *p, AsOf: rep.AsOf, Week: rep.Week, Milestones: []MilestoneSummary{}}
	for _, m := range p.Milestones {
		out.Milestones = append(out.Milestones, MilestoneSummary{MilestoneReport: m})
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) milestone(w http.ResponseWriter, r *http.Request) {
	rep := h.report(w, r)
	if rep == nil {
		return
	}
	p := rep.Program(r.PathValue("program"))
	if p == nil {
		writeError(w, http.StatusNotFound, "unknown program "+quote(r.PathValue("program")))
		return
	}
	m := p.Milestone(r.PathValue("milestone"))
	if m == nil {
		writeError(w, http.StatusNotFound, "unknown milestone "+quote(r.PathValue("milestone"))+" in program "+quote(p.Name))
		return
	}
	writeJSON(w, http.StatusOK, MilestoneDetail{MilestoneReport: *m, AsOf: rep.AsOf, Week: rep.Week})
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code, body = http.StatusInternalServerError, []byte(`{"error":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
