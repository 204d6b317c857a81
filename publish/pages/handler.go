package pages

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
)

// NewHandler serves status pages as HTML from the stored reports:
//
//	GET /programs                        the programs of the latest report, with links
//	GET /programs/{program}              a program's latest week
//	GET /programs/{program}/weeks/{week} a stored week, e.g. 2026-W48
//
// {program} is the program's name (path-escaped) or its slug. Errors are a small HTML page, or
// JSON {"error": "..."} when the request accepts application/json: 404 for an unknown program
// or week, 400 for a malformed week, 503 before the first rollup has stored a report. Mount it
// at the server's root or under a prefix with http.StripPrefix.
//
// When src is also a Versioner, pages are rendered once per stored report (and at most every
// minute) and served from memory in between; see Versioner.
func NewHandler(src Source, opts Options) http.Handler {
	h := &handler{src: src, opts: opts.withDefaults()}
	h.cache = newPageCache(time.Now, func(key string, err error) {
		h.opts.Logger.Error("render status page", "page", strings.ReplaceAll(key, "\x00", " "), "err", err)
	})
	h.versions, _ = src.(Versioner)
	h.renderer, h.rendererErr = NewRenderer(h.opts)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /programs", h.index)
	mux.HandleFunc("GET /programs/{$}", h.index)
	mux.HandleFunc("GET /programs/{program}", h.page)
	mux.HandleFunc("GET /programs/{program}/weeks/{week}", h.page)
	mux.HandleFunc("/programs/", func(w http.ResponseWriter, r *http.Request) {
		h.error(w, r, http.StatusNotFound, "no such page: "+r.URL.Path)
	})
	return mux
}

type handler struct {
	src         Source
	versions    Versioner // nil: no cache
	opts        Options
	renderer    *Renderer
	rendererErr error
	cache       *pageCache
}

// cached serves the answer for key from the cache when the source tells the latest version,
// and renders it with render otherwise. render returns a page or a known miss (cachedPage), or
// an error (not cached).
func (h *handler) cached(w http.ResponseWriter, req *http.Request, key string, render func(context.Context) (*cachedPage, error)) {
	var p *cachedPage
	var err error
	version := ""
	if h.versions != nil {
		if version, err = h.versions.LatestReportVersion(req.Context()); err != nil {
			version = "" // no report yet, or the check failed: render, which reports it
		}
	}
	if version == "" {
		p, err = render(req.Context())
	} else {
		p, err = h.cache.get(req.Context(), key, version, render)
	}
	switch {
	case err != nil:
		h.fail(w, req, err)
	case p == nil: // the client went away
	case p.code == http.StatusOK:
		h.write(w, http.StatusOK, "text/html; charset=utf-8", p.body)
	default:
		h.error(w, req, p.code, p.msg)
	}
}

func (h *handler) page(w http.ResponseWriter, req *http.Request) {
	program, week := req.PathValue("program"), req.PathValue("week")
	if week != "" && !ValidWeek(week) {
		h.error(w, req, http.StatusBadRequest, "a week looks like 2026-W48")
		return
	}
	h.cached(w, req, "page\x00"+week+"\x00"+program, func(ctx context.Context) (*cachedPage, error) {
		return h.renderPage(ctx, program, week)
	})
}

// renderPage loads and renders a program's page.
func (h *handler) renderPage(ctx context.Context, program, week string) (*cachedPage, error) {
	in, err := Load(ctx, h.src, week, h.opts.HistoryDays, program)
	if err != nil {
		return loadError(week, err)
	}
	name, ok := programName(in, program)
	if !ok {
		return &cachedPage{code: http.StatusNotFound, msg: fmt.Sprintf("no program %q in the report for %s", program, in.Report.Week)}, nil
	}
	if h.rendererErr != nil {
		return nil, h.rendererErr
	}
	body, err := h.renderer.Render(in.Report, in.Previous, in.Snapshots, name, FormatHTML)
	if err != nil {
		return nil, err
	}
	return &cachedPage{code: http.StatusOK, body: body}, nil
}

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Programs — status {{.Week}}</title>
<style>body{margin:0 auto;max-width:40rem;padding:1rem;font:16px/1.5 system-ui,sans-serif}li{margin:.3rem 0}.s{font-size:.8rem;font-weight:700;border:1px solid;padding:0 .3rem;border-radius:3px}</style>
</head><body><h1>Programs</h1><p>Week {{.Week}} · data as of {{.AsOf}}</p>
<ul>{{range .Programs}}<li><a href="{{.Slug}}">{{.Name}}</a> <span class="s">{{.Status.Label}}</span></li>{{end}}</ul>
</body></html>
`))

func (h *handler) index(w http.ResponseWriter, req *http.Request) {
	// The links differ with and without the trailing slash: two entries.
	key := "index"
	if strings.HasSuffix(req.URL.Path, "/") {
		key = "index/"
	}
	slash := key == "index/"
	h.cached(w, req, key, func(ctx context.Context) (*cachedPage, error) { return h.renderIndex(ctx, slash) })
}

func (h *handler) renderIndex(ctx context.Context, slash bool) (*cachedPage, error) {
	report, err := h.src.LatestReport(ctx)
	if err != nil {
		return loadError("", err)
	}
	type entry struct {
		Name, Slug string
		Status     Status
	}
	data := struct {
		Week, AsOf string
		Programs   []entry
	}{Week: report.Week, AsOf: stamp(report.AsOf)}
	for _, p := range report.Programs {
		data.Programs = append(data.Programs, entry{clean(p.Name), Slug(p.Name), statusOf(string(p.Status))})
	}
	// Relative links, so that the handler works under any prefix: from /programs the page of
	// a program is programs/{slug}, from /programs/ it is {slug}.
	if !slash {
		for i := range data.Programs {
			data.Programs[i].Slug = "programs/" + data.Programs[i].Slug
		}
	}
	var buf bytes.Buffer
	if err := indexTemplate.Execute(&buf, data); err != nil {
		return nil, err
	}
	return &cachedPage{code: http.StatusOK, body: buf.Bytes()}, nil
}

// loadError maps a failed load: no report at all is 503 (the first rollup has not run), a
// missing week is 404; other errors are returned.
func loadError(week string, err error) (*cachedPage, error) {
	switch {
	case errors.Is(err, cairn.ErrNotFound) && week == "":
		return &cachedPage{code: http.StatusServiceUnavailable, msg: "no report yet: the first sync and rollup have not finished"}, nil
	case errors.Is(err, cairn.ErrNotFound):
		return &cachedPage{code: http.StatusNotFound, msg: "no report stored for week " + week}, nil
	}
	return nil, err
}

func (h *handler) fail(w http.ResponseWriter, req *http.Request, err error) {
	h.opts.Logger.Error("serve status page", "path", req.URL.Path, "err", err)
	h.error(w, req, http.StatusInternalServerError, "could not render the page; see the server log")
}

var errorTemplate = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Code}} {{.Status}}</title><style>body{margin:0 auto;max-width:40rem;padding:1rem;font:16px/1.5 system-ui,sans-serif}</style>
</head><body><h1>{{.Status}}</h1><p>{{.Message}}</p></body></html>
`))

// error writes an error as JSON when the client asks for it, else as a small HTML page.
func (h *handler) error(w http.ResponseWriter, req *http.Request, code int, msg string) {
	if code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "60")
	}
	if strings.Contains(req.Header.Get("Accept"), "application/json") {
		body, _ := json.Marshal(map[string]string{"error": msg})
		h.write(w, code, "application/json", append(body, '\n'))
		return
	}
	var buf bytes.Buffer
	_ = errorTemplate.Execute(&buf, map[string]any{"Code": code, "Status": http.StatusText(code), "Message": msg})
	h.write(w, code, "text/html; charset=utf-8", buf.Bytes())
}

func (h *handler) write(w http.ResponseWriter, code int, contentType string, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", contentType)
	// The pages carry no script and load nothing: forbid both, so that even a rendering bug
	// cannot run code in the reader's browser.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-cache")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// programName finds the program by name or slug in the loaded report.
func programName(in *Inputs, program string) (string, bool) {
	for _, p := range in.Report.Programs {
		if p.Name == program {
			return p.Name, true
		}
	}
	for _, p := range in.Report.Programs {
		if Slug(p.Name) == program {
			return p.Name, true
		}
	}
	return "", false
}
