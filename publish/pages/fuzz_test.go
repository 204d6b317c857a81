package pages

import (
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/rollup"
)

// hostileReport is a report in which every string that comes from Jira, GitHub or the config
// is s: names, titles, keys, owners, teams, reasons, sprint names.
func hostileReport(s string) (*rollup.Report, []rollup.Snapshot) {
	asOf := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	ref := rollup.ItemRef{Kind: rollup.KindJira, Key: s, Title: s, Team: s, Status: s, Assignee: s, Since: asOf.AddDate(0, 0, -20)}
	pr := rollup.ItemRef{Kind: rollup.KindPR, Key: s + "/r#1", Title: s, Team: s, Status: s, Assignee: s}
	blocker := rollup.Blocker{Blocked: ref, Blocking: &pr, BlockingTeam: s, OtherProgram: s, OtherMilestone: s, Reason: rollup.BlockedByLink, Since: ref.Since}
	on := 0.4
	m := rollup.MilestoneReport{
		Program: s, Name: s, Due: asOf.AddDate(0, 0, 10), DueSource: rollup.DueFromConfig, Status: rollup.StatusRed,
		Reasons: []string{s}, Teams: []string{s}, Scope: rollup.ScopeCounts{Todo: 1, InProgress: 1, Done: 1, Total: 3},
		Unestimated: 1, ScopeAddedWeek: 2, ScopeRemovedWeek: 1, CompletedWeek: 1,
		Blockers: []rollup.Blocker{blocker}, Stale: []rollup.ItemRef{ref}, WaitingReview: []rollup.ItemRef{pr},
		Forecast: rollup.ForecastSummary{Status: rollup.ForecastLowConfidence, Reason: s, Remaining: 2, Start: asOf,
			P50: asOf.AddDate(0, 0, 7), P85: asOf.AddDate(0, 0, 21), OnTime: &on, Method: "exact", Trials: 100, Throughput: []int{1, 2}},
		Evidence: rollup.Evidence{Done: []string{s}, CompletedWeek: []string{s}, InProgress: []string{s + "-2"}, Todo: []string{pr.Key},
			AddedWeek: []string{s}, RemovedWeek: []string{pr.Key}, PRsWithoutKey: []string{pr.Key}},
	}
	p := rollup.ProgramReport{Name: s, Status: rollup.StatusRed, Reasons: []string{s}, Milestones: []rollup.MilestoneReport{m},
		Blockers: []rollup.Blocker{blocker}, Dependencies: []rollup.Blocker{blocker},
		Flow: rollup.Flow{Throughput: []rollup.WeekCount{{Week: s, Count: 2}},
			CycleTime: rollup.Percentiles{P50: 3600, P85: 7200, P95: 9000, N: 2},
			Velocity:  []rollup.SprintVelocity{{Sprint: s, Committed: 3, Completed: 2}}}}
	r := &rollup.Report{AsOf: asOf, Week: "2026-W48", Programs: []rollup.ProgramReport{p}, DataAsOf: map[string]time.Time{s: asOf}}
	snaps := []rollup.Snapshot{{Program: s, Milestone: s, Day: asOf.AddDate(0, 0, -7), Scope: 2, Done: 0},
		{Program: s, Milestone: s, Day: asOf, Scope: 3, Done: 1}}
	return r, snaps
}

var (
	tagRE   = regexp.MustCompile(`<(/?)([a-zA-Z!][a-zA-Z0-9:-]*)`)
	hrefRE  = regexp.MustCompile(`\shref="([^"]*)"`)
	openRE  = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	eventRE = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	pipeRE  = regexp.MustCompile(`(^|[^\\])\|`)
)

// ourHTMLTags are the elements the HTML template and the charts emit; any other tag in the
// output came from data.
var ourHTMLTags = map[string]bool{
	"!DOCTYPE": true, "html": true, "head": true, "meta": true, "title": true, "style": true, "body": true,
	"header": true, "main": true, "section": true, "h1": true, "h2": true, "h3": true, "p": true, "ul": true,
	"li": true, "a": true, "span": true, "strong": true, "div": true, "table": true, "thead": true, "tbody": true,
	"tr": true, "th": true, "td": true, "figure": true, "figcaption": true, "details": true, "summary": true,
	"svg": true, "desc": true, "defs": true, "pattern": true, "rect": true, "line": true, "text": true,
	"polygon": true, "polyline": true,
}

// checkHTML checks that every tag is one of ours, that no attribute is an event handler and
// that every link is http(s).
func checkHTML(t *testing.T, out []byte) {
	t.Helper()
	for _, m := range tagRE.FindAllSubmatch(out, -1) {
		if !ourHTMLTags[string(m[2])] {
			t.Fatalf("html: tag <%s%s> not emitted by the template", m[1], m[2])
		}
	}
	for _, tag := range openRE.FindAll(out, -1) {
		if eventRE.Match(tag) {
			t.Fatalf("html: event handler attribute in %q", tag)
		}
	}
	for _, m := range hrefRE.FindAllSubmatch(out, -1) {
		if u := string(m[1]); !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			t.Fatalf("html: link to %q", u)
		}
	}
}

// checkStorage parses the storage format strictly with the ac:/ri: namespaces bound and
// returns its text.
func checkStorage(t *testing.T, out []byte) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(`<root xmlns:ac="http://atlassian.com/content" xmlns:ri="http://atlassian.com/resource/identifier">` + string(out) + `</root>`))
	d.Strict = true
	var text strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return text.String()
		}
		if err != nil {
			t.Fatalf("storage is not XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Space == "" && tok.Name.Local != "root" && !ourHTMLTags[tok.Name.Local] {
				t.Fatalf("storage: element <%s> not emitted by the template", tok.Name.Local)
			}
		case xml.CharData:
			text.Write(tok)
		}
	}
}

// checkMarkdown checks that the only HTML is our details/summary, that every link is one of
// ours (as many "](" as linked spans) and that every table row has its header's cell count.
func checkMarkdown(t *testing.T, out []byte, links int) {
	t.Helper()
	for _, m := range tagRE.FindAllSubmatch(out, -1) {
		if n := string(m[2]); n != "details" && n != "summary" {
			t.Fatalf("markdown: raw HTML tag <%s%s>", m[1], n)
		}
	}
	if n := strings.Count(string(out), "]("); n != links {
		t.Fatalf("markdown: %d links, want %d", n, links)
	}
	cols := 0
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := len(pipeRE.FindAllString(line, -1))
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Fatalf("markdown: row has %d cell separators, want %d: %q", n, cols, line)
		}
	}
}

// linkCount counts the linked spans of a page, the links its Markdown must have.
func linkCount(p *Page) int {
	n := 0
	count := func(ts ...Text) {
		for _, t := range ts {
			for _, s := range t {
				if s.URL != "" {
					n++
				}
			}
		}
	}
	count(p.Summary...)
	count(p.Decision...)
	count(p.Changes...)
	count(p.DataQuality...)
	count(p.Method...)
	for _, m := range p.Milestones {
		count(m.Name, m.Progress)
	}
	for _, b := range p.Blockers {
		count(b.Item, b.Reason)
	}
	for _, d := range p.Dependencies {
		count(d.Item, d.DependsOn)
	}
	for _, f := range p.Flow {
		count(f.Value)
	}
	return n
}

// FuzzRender renders a page whose every string comes from the fuzzer and checks that each
// format stays well-formed: the storage format parses as strict XML with the string as its
// literal text, the HTML has only our tags and links, the Markdown has no raw HTML, no links
// but ours and no broken table rows.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"</td><script>alert(1)</script> & ]]>", "a|b*c_d`e", "&nbsp;\x00\x0b\ufffe", "<![CDATA[x]]>",
		"[x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "PAY-1", "acme/web#12", "\u2028\u00a0|\\|"} {
		f.Add(s)
	}
	r, err := NewRenderer(Options{JiraURL: "https://acme.atlassian.net"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.TrimSpace(clean(s)) == "" {
			return // an empty name renders fine but cannot be found in the output
		}
		report, snaps := hostileReport(s)
		p, err := Build(report, nil, snaps, s, r.opts)
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		out := map[Format][]byte{}
		for _, format := range Formats {
			if out[format], err = r.RenderPage(p, format); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
		}
		if text := checkStorage(t, out[FormatConfluence]); !strings.Contains(text, clean(s)) {
			t.Fatalf("storage text lacks %q", clean(s))
		}
		checkHTML(t, out[FormatHTML])
		checkMarkdown(t, out[FormatMarkdown], linkCount(p))
	})
}
