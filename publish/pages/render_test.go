package pages_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/publish/pages/confluence"
)

var update = flag.Bool("update", false, "rewrite the golden files and screenshots in testdata")

// renderFixture renders the fixture program's page in one format.
func renderFixture(t *testing.T, f pages.Format) []byte {
	t.Helper()
	in := fixture()
	out, err := pages.Render(in.Report, in.Previous, in.Snapshots, fixtureProgram, f, fixtureOptions)
	if err != nil {
		t.Fatalf("Render(%s): %v", f, err)
	}
	return out
}

func TestGolden(t *testing.T) {
	for _, f := range pages.Formats {
		t.Run(string(f), func(t *testing.T) {
			got := renderFixture(t, f)
			path := filepath.Join("testdata", "checkout-v2-2026-W48"+f.Ext()+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run go test -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s output differs from %s (run go test ./publish/pages -update and review the diff)", f, path)
			}
			// Rendering twice gives the same bytes: no map order or clock leaks in.
			if again := renderFixture(t, f); !bytes.Equal(again, got) {
				t.Errorf("%s output is not deterministic", f)
			}
		})
	}
}

// macroNames is the allow-list of Confluence macros the page may use.
var macroNames = map[string]bool{"status": true, "info": true, "warning": true, "note": true, "expand": true, "toc": true, "chart": true}

var statusColours = map[string]bool{"Grey": true, "Red": true, "Yellow": true, "Green": true, "Blue": true, "Purple": true}

// TestConfluenceStorageIsStrictXML parses the storage output strictly with the ac:/ri:
// namespaces bound, checks the macros and their parameters, and finds the evil summary as
// literal text.
func TestConfluenceStorageIsStrictXML(t *testing.T) {
	out := renderFixture(t, pages.FormatConfluence)
	if err := confluence.ValidateStorage(string(out)); err != nil {
		t.Fatalf("ValidateStorage: %v", err)
	}
	d := xml.NewDecoder(strings.NewReader(confluence.Wrap(string(out))))
	d.Strict = true
	var text strings.Builder
	var stack []xml.StartElement
	macros := map[string]int{}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("strict XML parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "script" {
				t.Errorf("a <script> element in the storage format")
			}
			if tok.Name.Space == confluence.NamespaceAC && tok.Name.Local == "structured-macro" {
				name := attr(tok, "name")
				if !macroNames[name] {
					t.Errorf("macro %q is not allowed", name)
				}
				macros[name]++
			}
			if tok.Name.Local == "rich-text-body" && (len(stack) == 0 || stack[len(stack)-1].Name.Local != "structured-macro") {
				t.Errorf("ac:rich-text-body outside a macro")
			}
			stack = append(stack, tok)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1].Name.Local == "parameter" && attr(stack[len(stack)-1], "name") == "colour" {
				if !statusColours[string(tok)] {
					t.Errorf("status colour %q is not a Confluence colour", tok)
				}
			}
			text.Write(tok)
		}
	}
	for _, want := range []string{"status", "info", "warning", "expand"} {
		if macros[want] == 0 {
			t.Errorf("no %s macro in the page", want)
		}
	}
	if !strings.Contains(text.String(), evil) {
		t.Errorf("the text content lacks the literal string %q", evil)
	}
	if bytes.Contains(out, []byte("&nbsp;")) {
		t.Errorf("HTML entity in the storage format")
	}
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

var (
	scriptTag     = regexp.MustCompile(`(?i)<\s*/?\s*script`)
	unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)
)

func TestEvilStringIsInertInEveryFormat(t *testing.T) {
	html := renderFixture(t, pages.FormatHTML)
	if n := len(scriptTag.FindAll(html, -1)); n != 0 {
		t.Errorf("html: %d unescaped script tags", n)
	}
	if !bytes.Contains(html, []byte("&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;")) {
		t.Errorf("html: the evil summary is not shown escaped")
	}
	if bytes.Contains(html, []byte("</td><script")) {
		t.Errorf("html: the evil summary closed a cell")
	}

	md := renderFixture(t, pages.FormatMarkdown)
	if scriptTag.Match(md) {
		t.Errorf("markdown: raw <script")
	}
	if !bytes.Contains(md, []byte(`&lt;/td&gt;&lt;script&gt;alert\(1\)&lt;/script&gt; &amp; \]\]&gt;`)) {
		t.Errorf("markdown: the evil summary is not escaped as expected")
	}
	// every table row keeps its header's column count: no pipe from the data ends a cell
	cols := 0
	for _, line := range strings.Split(string(md), "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := len(unescapedPipe.FindAllString(line, -1))
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("markdown row has %d cell separators, want %d: %q", n, cols, line)
		}
	}

	// A Markdown link and an HTML tag in titles stay text: no javascript: link, no <b>.
	if bytes.Contains(md, []byte("](javascript:")) || !bytes.Contains(md, []byte(`\[draft\]\(javascript:alert\(1\)\)`)) {
		t.Errorf("markdown: the link in a title is not escaped")
	}
	for name, out := range map[string][]byte{"html": html, "markdown": md, "storage": renderFixture(t, pages.FormatConfluence)} {
		if bytes.Contains(out, []byte("<b>2027")) || bytes.Contains(out, []byte("<i>")) {
			t.Errorf("%s: an HTML tag from the data is live", name)
		}
		if bytes.Contains(out, []byte(`href="javascript`)) {
			t.Errorf("%s: a javascript: link", name)
		}
	}

	storage := renderFixture(t, pages.FormatConfluence)
	if scriptTag.Match(storage) || bytes.Contains(storage, []byte("]]>")) {
		t.Errorf("storage: unescaped script tag or CDATA end")
	}
	if !bytes.Contains(storage, []byte("&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;")) {
		t.Errorf("storage: the evil summary is not shown escaped")
	}
}
