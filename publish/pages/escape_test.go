package pages

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Checkout v2", "checkout-v2"},
		{"  Payments / Ledger  ", "payments-ledger"},
		{"../../etc/passwd", "etc-passwd"},
		{"..", "program-a3d4a70d"},
		{"Планы", "program-81a06f76"},
		{"", "program"},
		{"Über Plan", "ber-plan"},
		{"a\x00b", "a-b"},
		{strings.Repeat("x", 200), strings.Repeat("x", 80)},
	}
	for _, tt := range tests {
		if got := Slug(tt.in); got != tt.want {
			t.Errorf("Slug(%q): got %q, want %q", tt.in, got, tt.want)
		}
		if got := Slug(tt.in); strings.ContainsAny(got, "./\\") {
			t.Errorf("Slug(%q) = %q contains a path character", tt.in, got)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"tab\there\nnew\r", "tab here new "},
		{"bell\x07vt\x0b", "bellvt"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"c1\u0085", "c1"},
	}
	for _, tt := range tests {
		got := clean(tt.in)
		if got != tt.want {
			t.Errorf("clean(%q): got %q, want %q", tt.in, got, tt.want)
		}
		if err := xml.Unmarshal([]byte("<a>"+got+"</a>"), new(struct{})); err != nil && !strings.ContainsAny(got, "<&") {
			t.Errorf("clean(%q) = %q is not XML text: %v", tt.in, got, err)
		}
	}
}

func TestMarkdownEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"PAY-1 *bold* _it_", `PAY\-1 \*bold\* \_it\_`},
		{"a | b", `a \| b`},
		{"<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"},
		{"[link](javascript:x)", `\[link\]\(javascript:x\)`},
		{"`code` & $math$ @team", "\\`code\\` &amp; \\$math\\$ \\@team"},
	}
	for _, tt := range tests {
		if got := mdEscape(tt.in); got != tt.want {
			t.Errorf("mdEscape(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := mdText(Text{{Text: "a)b", URL: "https://x/?q=(1)"}}), `[a\)b](https://x/?q=%281%29)`; got != want {
		t.Errorf("mdText: got %q, want %q", got, want)
	}
}

func TestChartsAreWellFormedAndLabelled(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	burn := BurnUp{
		Milestone: `A <b>&"milestone"`, AsOf: day(50), Due: day(70), P50: day(63), P85: day(77),
		Points: []BurnPoint{{day(0), 10, 0}, {day(20), 14, 5}, {day(50), 16, 9}},
	}
	charts := map[string]string{
		"burnup":     BurnUpSVG("b1", burn),
		"throughput": ThroughputSVG("t1", []Bar{{"W40", 3}, {"W41", 0}, {"W42 <x>", 7}}),
	}
	for name, svg := range charts {
		if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
			t.Errorf("%s: not well-formed XML: %v", name, err)
		}
		for _, want := range []string{"<title id=", "<desc id=", "aria-labelledby=", "-hatch"} {
			if !strings.Contains(svg, want) {
				t.Errorf("%s: lacks %q", name, want)
			}
		}
	}
	for _, want := range []string{"scope 16", "done 9", "P50 Dec 2", "P85 Dec 16", "due Dec 10", "stroke-dasharray", "A &lt;b&gt;&amp;&#34;milestone&#34;"} {
		if !strings.Contains(charts["burnup"], want) {
			t.Errorf("burn-up lacks %q", want)
		}
	}
	if BurnUpSVG("x", BurnUp{}) != "" || ThroughputSVG("x", nil) != "" {
		t.Error("empty data should give no chart")
	}
}
