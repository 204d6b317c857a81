package pages

import (
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
)

var rawScript = regexp.MustCompile(`(?i)<\s*/?\s*script`)

// FuzzEscaping renders a page whose every text comes from the fuzzer, through the same clean
// step as report data, and checks that the storage format stays strict XML with the string
// as its literal text, and that no format ever carries a raw script tag.
func FuzzEscaping(f *testing.F) {
	for _, s := range []string{"</td><script>alert(1)</script> & ]]>", "a|b*c_d`e", "&nbsp;\x00\x0b\ufffe", "<![CDATA[x]]>", "javascript:alert(1)"} {
		f.Add(s)
	}
	r, err := NewRenderer(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := clean(s)
		p := &Page{Program: c, Title: c, Week: "2026-W48", Status: statusAmber, Reasons: []string{c},
			Summary:    []Text{plain(c), link(c, "https://example.com/?q="+c)},
			Decision:   []Text{plain(c)},
			Milestones: []MilestoneRow{{Name: plain(c), Status: statusRed, Progress: plain(c), Change: c}},
			Blockers:   []BlockerRow{{Item: plain(c), Milestone: c, Owner: c}},
			Throughput: []Bar{{Label: c, Value: 1}},
		}
		p.ThroughputSVG = ThroughputSVG("t", p.Throughput)
		for _, format := range Formats {
			out, err := r.RenderPage(p, format)
			if err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if rawScript.Match(out) {
				t.Fatalf("%s: raw script tag for %q", format, s)
			}
		}
		out, _ := r.RenderPage(p, FormatConfluence)
		d := xml.NewDecoder(strings.NewReader(`<root xmlns:ac="a" xmlns:ri="r">` + string(out) + `</root>`))
		d.Strict = true
		var text strings.Builder
		for {
			tok, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("storage is not XML for %q: %v", s, err)
			}
			if cd, ok := tok.(xml.CharData); ok {
				text.Write(cd)
			}
		}
		if !strings.Contains(text.String(), c) {
			t.Fatalf("storage text lacks %q", c)
		}
	})
}
