package pages

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
)

// BurnPoint is one day of a milestone's burn-up.
type BurnPoint struct {
	Day   time.Time
	Scope int
	Done  int
}

// BurnUp is the data of a burn-up chart: the milestone's daily scope and done counts, its due
// date, and the forecast cone from today's done count to the scope at P50 and P85.
type BurnUp struct {
	Milestone string
	Points    []BurnPoint // oldest first
	AsOf      time.Time
	Due       time.Time // zero when none
	P50, P85  time.Time // zero when no forecast
}

// Bar is one bar of a bar chart.
type Bar struct {
	Label string
	Value int
}

// Chart geometry (SVG user units).
const (
	chartW, chartH                     = 560, 300
	padL, padR, padT, padB             = 40, 100, 40, 48
	plotW, plotH                       = chartW - padL - padR, chartH - padT - padB
	dayLayout                          = "2006-01-02"
	shortDayLayout                     = "Jan 2"
	burnUpTitleFmt, throughputTitleFmt = "Burn-up: %s", "Weekly throughput"
)

// svgText escapes s for SVG (XML) text and attribute values.
func svgText(s string) string { return html.EscapeString(s) }

// svgOpen writes the root element with an accessible title and description, and the shared
// patterns: a hatch for the forecast cone and for bars, so nothing relies on colour alone.
func svgOpen(b *strings.Builder, id, title, desc string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" class="chart" font-family="sans-serif" font-size="15">`, chartW, chartH, id, id)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, svgText(title), id, svgText(desc))
	fmt.Fprintf(b, `<defs><pattern id="%s-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#dbe7f5"/><line x1="0" y1="0" x2="0" y2="6" stroke="#5b7fa8" stroke-width="2"/></pattern></defs>`, id)
	fmt.Fprintf(b, `<rect x="0" y="0" width="%d" height="%d" fill="#fff"/>`, chartW, chartH)
}

// BurnUpSVG draws a burn-up chart as a standalone inline SVG. Scope is a dashed line, done a
// solid line, the forecast cone a hatched area with P50 and P85 labels, the due date a
// dash-dot vertical line; every series is also labelled directly.
func BurnUpSVG(id string, c BurnUp) string {
	if len(c.Points) == 0 {
		return ""
	}
	first := c.Points[0].Day
	last := c.AsOf
	for _, t := range []time.Time{c.Points[len(c.Points)-1].Day, c.Due, c.P50, c.P85} {
		if t.After(last) {
			last = t
		}
	}
	span := last.Sub(first).Hours() / 24
	if span < 7 {
		span = 7
	}
	span *= 1.03
	maxY := 1
	for _, p := range c.Points {
		maxY = max(maxY, p.Scope, p.Done)
	}
	maxY = niceCeil(maxY + maxY/5)
	x := func(t time.Time) float64 { return padL + plotW*(t.Sub(first).Hours()/24)/span }
	y := func(v int) float64 { return padT + plotH*(1-float64(v)/float64(maxY)) }

	end := c.Points[len(c.Points)-1]
	desc := fmt.Sprintf("%s: %d of %d items done on %s.", c.Milestone, end.Done, end.Scope, end.Day.Format(dayLayout))
	if !c.P85.IsZero() {
		desc += fmt.Sprintf(" Forecast: 50%% by %s, 85%% by %s.", forecastDay(c.P50), forecastDay(c.P85))
	}
	if !c.Due.IsZero() {
		desc += " Due " + c.Due.Format(dayLayout) + "."
	}
	var b strings.Builder
	svgOpen(&b, id, fmt.Sprintf(burnUpTitleFmt, c.Milestone), desc)
	axes(&b, maxY, y)
	// x-axis: first day, as-of day and last day
	for _, t := range []time.Time{first, last} {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(t), chartH-padB+16, t.Format(shortDayLayout))
	}
	// forecast cone
	if !c.P85.IsZero() && !c.P50.IsZero() {
		fmt.Fprintf(&b, `<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="url(#%s-hatch)" stroke="#5b7fa8" stroke-dasharray="2 3"/>`,
			x(c.AsOf), y(end.Done), x(c.P50), y(end.Scope), x(c.P85), y(end.Scope), id)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">P50 %s</text>`, x(c.P50)+2, y(end.Scope)-24, forecastDayShort(c.P50))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="start">P85 %s</text>`, x(c.P85)-2, y(end.Scope)-6, forecastDayShort(c.P85))
	}
	// due date
	if !c.Due.IsZero() {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#b3261e" stroke-width="2" stroke-dasharray="8 3 2 3"/>`, x(c.Due), padT, x(c.Due), padT+plotH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#b3261e">due %s</text>`, x(c.Due), chartH-padB+36, c.Due.Format(shortDayLayout))
	}
	// A point per day: formatted with strconv, not fmt, since a long history has hundreds.
	scope := make([]byte, 0, 12*len(c.Points))
	done := make([]byte, 0, 12*len(c.Points))
	for i, p := range c.Points {
		if i > 0 {
			scope, done = append(scope, ' '), append(done, ' ')
		}
		px := x(p.Day)
		scope = appendPoint(scope, px, y(p.Scope))
		done = appendPoint(done, px, y(p.Done))
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#444" stroke-width="2" stroke-dasharray="6 4"/>`, scope)
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1a6b3c" stroke-width="3"/>`, done)
	ex := x(end.Day)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">scope %d</text>`, ex-4, y(end.Scope)-8, end.Scope)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#1a6b3c">done %d</text>`, ex-4, y(end.Done)+20, end.Done)
	b.WriteString(`</svg>`)
	return b.String()
}

// ThroughputSVG draws weekly throughput as hatched bars with the count above each bar.
func ThroughputSVG(id string, bars []Bar) string {
	if len(bars) == 0 {
		return ""
	}
	maxY := 1
	var parts []string
	for _, br := range bars {
		maxY = max(maxY, br.Value)
		parts = append(parts, fmt.Sprintf("%s: %d", br.Label, br.Value))
	}
	maxY = niceCeil(maxY)
	y := func(v int) float64 { return padT + plotH*(1-float64(v)/float64(maxY)) }
	var b strings.Builder
	svgOpen(&b, id, throughputTitleFmt, "Items completed per week, oldest first. "+strings.Join(parts, "; ")+".")
	axes(&b, maxY, y)
	slot := float64(plotW+padR-8) / float64(len(bars))
	for i, br := range bars {
		bx := padL + slot*float64(i) + slot*0.15
		w := slot * 0.7
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="url(#%s-hatch)" stroke="#2f4f75"/>`, bx, y(br.Value), w, y(0)-y(br.Value), id)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%d</text>`, bx+w/2, y(br.Value)-4, br.Value)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, bx+w/2, chartH-padB+16, svgText(br.Label))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// axes draws the y axis with four gridlines and the x baseline.
func axes(b *strings.Builder, maxY int, y func(int) float64) {
	for i := 0; i <= 4; i++ {
		v := maxY * i / 4
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`, padL, y(v), padL+plotW, y(v))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%d</text>`, padL-6, y(v)+4, v)
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, padL, padT+plotH, padL+plotW, padT+plotH)
}

// niceCeil rounds n up to four gridline steps of 1, 2 or 5, or a multiple of 5, so the
// gridlines get round labels.
func niceCeil(n int) int {
	step := (n + 3) / 4
	switch {
	case step <= 1:
		step = 1
	case step == 2:
	case step <= 5:
		step = 5
	default:
		step = (step + 4) / 5 * 5
	}
	return 4 * step
}

// appendPoint appends "x,y" with one decimal each, as %.1f,%.1f would.
func appendPoint(b []byte, x, y float64) []byte {
	b = strconv.AppendFloat(b, x, 'f', 1, 64)
	b = append(b, ',')
	return strconv.AppendFloat(b, y, 'f', 1, 64)
}
