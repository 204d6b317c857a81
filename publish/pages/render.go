package pages

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/cairn-dev/cairn/rollup"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// Format is an output format.
type Format string

// Formats.
const (
	FormatConfluence Format = "confluence" // Confluence storage format (XML fragment)
	FormatHTML       Format = "html"       // standalone HTML page
	FormatMarkdown   Format = "markdown"   // GitHub Flavored Markdown
)

// Formats lists every format.
var Formats = []Format{FormatConfluence, FormatHTML, FormatMarkdown}

// ParseFormat returns the format named s: confluence (or storage), html, markdown (or md).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "confluence", "storage":
		return FormatConfluence, nil
	case "html":
		return FormatHTML, nil
	case "markdown", "md":
		return FormatMarkdown, nil
	}
	return "", fmt.Errorf("unknown format %q (want confluence, html or markdown)", s)
}

// Ext returns the file extension for the format, with the dot.
func (f Format) Ext() string {
	switch f {
	case FormatConfluence:
		return ".storage.xml"
	case FormatHTML:
		return ".html"
	case FormatMarkdown:
		return ".md"
	}
	return ""
}

// Renderer renders pages with the embedded templates, parsed once per process. It is safe
// for concurrent use.
type Renderer struct {
	opts Options
	t    *templates
}

type templates struct {
	html    *htmltemplate.Template
	storage *htmltemplate.Template
	md      *texttemplate.Template
}

// parsed holds the templates, parsed on first use.
var parsed = sync.OnceValues(parseTemplates)

func parseTemplates() (*templates, error) {
	t := &templates{}
	var err error
	// The storage format is XML: html/template's contextual escaping produces only XML-safe
	// entities (&lt; &amp; &#34; ...), never HTML-only ones such as &nbsp;.
	if t.storage, err = htmltemplate.New("storage").ParseFS(templateFS, "templates/page.storage.tmpl"); err != nil {
		return nil, fmt.Errorf("parse storage template: %w", err)
	}
	htmlFuncs := htmltemplate.FuncMap{
		// svg marks a chart built by BurnUpSVG/ThroughputSVG, which escape every label, as safe.
		"svg": func(s string) htmltemplate.HTML { return htmltemplate.HTML(s) }, //nolint:gosec // built and escaped in chart.go
	}
	if t.html, err = htmltemplate.New("html").Funcs(htmlFuncs).ParseFS(templateFS, "templates/page.html.tmpl"); err != nil {
		return nil, fmt.Errorf("parse html template: %w", err)
	}
	mdFuncs := texttemplate.FuncMap{"md": mdEscape, "text": mdText}
	if t.md, err = texttemplate.New("md").Funcs(mdFuncs).ParseFS(templateFS, "templates/page.md.tmpl"); err != nil {
		return nil, fmt.Errorf("parse markdown template: %w", err)
	}
	return t, nil
}

// NewRenderer returns a renderer with the given options.
func NewRenderer(opts Options) (*Renderer, error) {
	t, err := parsed()
	if err != nil {
		return nil, err
	}
	return &Renderer{opts: opts.withDefaults(), t: t}, nil
}

// Render renders one program's page for the week of report. previous is the report of the
// week before (nil when there is none) and snapshots the daily milestone snapshots up to
// report.AsOf; they feed "since last week" and the burn-up charts.
func (r *Renderer) Render(report, previous *rollup.Report, snapshots []rollup.Snapshot, program string, format Format) ([]byte, error) {
	p, err := Build(report, previous, snapshots, program, r.opts)
	if err != nil {
		return nil, err
	}
	return r.RenderPage(p, format)
}

// RenderPage renders a built page. The whole page is rendered into memory; on error nothing
// partial is returned.
func (r *Renderer) RenderPage(p *Page, format Format) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	switch format {
	case FormatConfluence:
		err = r.t.storage.ExecuteTemplate(&buf, "page", p)
	case FormatHTML:
		err = r.t.html.ExecuteTemplate(&buf, "page", p)
	case FormatMarkdown:
		err = r.t.md.ExecuteTemplate(&buf, "page", p)
	default:
		return nil, fmt.Errorf("render page: unknown format %q (want confluence, html or markdown)", format)
	}
	if err != nil {
		return nil, fmt.Errorf("render %s page for %s: %w", format, p.Program, err)
	}
	return buf.Bytes(), nil
}

// Render is NewRenderer followed by Renderer.Render: one program's page for the week of
// report, in one format.
func Render(report, previous *rollup.Report, snapshots []rollup.Snapshot, program string, format Format, opts Options) ([]byte, error) {
	r, err := NewRenderer(opts)
	if err != nil {
		return nil, err
	}
	return r.Render(report, previous, snapshots, program, format)
}
