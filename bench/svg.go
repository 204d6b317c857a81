package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"
)

type series struct {
	name  string
	dash  string // stroke-dasharray, so lines differ without colour
	color string
	mark  string // point marker: circle | square | triangle
	stage string
	lat   time.Duration
}

var plotted = []series{
	{"GitHub full sync (0 ms)", "", "#1f77b4", "circle", StageFullSync, 0},
	{"GitHub fetch+decode floor (0 ms)", "6 3", "#2ca02c", "square", StageFetchFloor, 0},
	{"GitHub store floor", "2 3", "#9467bd", "triangle", StageStoreFloor, -1},
	{"GitHub incremental, 1% changed (0 ms)", "10 3 2 3", "#ff7f0e", "square", StageChangedSync, 0},
	{"rollup with forecasts", "", "#d62728", "triangle", StageRollup, -1},
	{"GitHub full sync (100 ms)", "4 4", "#17becf", "circle", StageFullSync, 100 * time.Millisecond},
	{"Jira full sync (0 ms)", "", "#8c564b", "square", StageJiraFull, 0},
	{"Jira fetch+decode floor (0 ms)", "6 3", "#e377c2", "triangle", StageJiraFetchFloor, 0},
	{"/metrics scrape ×201", "3 2", "#7f7f7f", "circle", StageScrape, -1},
}

// SVG draws the scaling curve: wall time and peak RSS against world size, both on log axes,
// one line per stage; a line with slope 1 in the time panel is linear growth.
func (r *Results) SVG(w io.Writer) {
	const W, H, pw, ph, left, top = 980, 470, 380, 300, 70, 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", W, H, W, H)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	sizes := r.sizes()
	minX, maxX := math.Inf(1), math.Inf(-1)
	for _, s := range sizes {
		minX, maxX = math.Min(minX, float64(s)), math.Max(maxX, float64(s))
	}
	if len(sizes) == 0 {
		minX, maxX = 1e4, 1e6
	}
	if minX == maxX {
		minX, maxX = minX/2, maxX*2
	}
	panels := []struct {
		title string
		unit  string
		value func(Row) float64
	}{
		{"wall time", "seconds", func(row Row) float64 { return row.Wall.Seconds() }},
		{"peak RSS", "MB", func(row Row) float64 { return float64(row.PeakRSS) / (1 << 20) }},
	}
	for pi, p := range panels {
		x0 := left + pi*(pw+110)
		minY, maxY := math.Inf(1), math.Inf(-1)
		for _, s := range plotted {
			for _, size := range sizes {
				if row, ok := r.find(size, s.lat, s.stage); ok && p.value(row) > 0 {
					minY, maxY = math.Min(minY, p.value(row)), math.Max(maxY, p.value(row))
				}
			}
		}
		if math.IsInf(minY, 1) {
			minY, maxY = 0.1, 10
		}
		lo, hi := math.Floor(math.Log10(minY)), math.Ceil(math.Log10(maxY))
		if hi == lo {
			hi++
		}
		lx0, lx1 := math.Floor(math.Log10(minX)), math.Ceil(math.Log10(maxX))
		if lx1 == lx0 {
			lx1++
		}
		px := func(v float64) float64 { return float64(x0) + (math.Log10(v)-lx0)/(lx1-lx0)*pw }
		py := func(v float64) float64 { return top + ph - (math.Log10(v)-lo)/(hi-lo)*ph }
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="14" font-weight="bold">%s (%s, log scale)</text>`+"\n", x0, top-15, p.title, p.unit)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", x0, top, pw, ph)
		for e := lo; e <= hi; e++ {
			y := py(math.Pow(10, e))
			fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
				x0, y, x0+pw, y, x0-5, y+4, tick(math.Pow(10, e)))
		}
		for e := lx0; e <= lx1; e++ {
			x := px(math.Pow(10, e))
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
				x, top, x, top+ph, x, top+ph+16, Size(math.Pow(10, e)))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">issues in the world (PRs = issues / 5)</text>`+"\n", x0+pw/2, top+ph+34)
		for _, s := range plotted {
			var pts []string
			for _, size := range sizes {
				if row, ok := r.find(size, s.lat, s.stage); ok && p.value(row) > 0 {
					x, y := px(float64(size)), py(p.value(row))
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
					b.WriteString(marker(s.mark, x, y, s.color, fmt.Sprintf("%s, %s: %.3g %s", s.name, size, p.value(row), p.unit)))
				}
			}
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n", strings.Join(pts, " "), s.color, s.dash)
			}
		}
	}
	ly := top + ph + 52
	for i, s := range plotted {
		x := left + (i%3)*300
		y := ly + (i/3)*18
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`, x, y, x+30, y, s.color, s.dash)
		b.WriteString(marker(s.mark, float64(x+15), float64(y), s.color, ""))
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+36, y+4, html.EscapeString(s.name))
	}
	b.WriteString("</svg>\n")
	io.WriteString(w, b.String())
}

func tick(v float64) string {
	if v >= 1 {
		return fmt.Sprintf("%g", v)
	}
	return fmt.Sprintf("%.2g", v)
}

func marker(kind string, x, y float64, color, title string) string {
	t := ""
	if title != "" {
		t = "<title>" + html.EscapeString(title) + "</title>"
	}
	switch kind {
	case "square":
		return fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="8" height="8" fill="%s">%s</rect>`+"\n", x-4, y-4, color, t)
	case "triangle":
		return fmt.Sprintf(`<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s">%s</polygon>`+"\n", x, y-5, x-5, y+4, x+5, y+4, color, t)
	}
	return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="4" fill="%s">%s</circle>`+"\n", x, y, color, t)
}
