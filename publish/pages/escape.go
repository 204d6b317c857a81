package pages

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean makes a string from Jira or GitHub safe to carry into any format: valid UTF-8, and
// only characters XML 1.0 allows (a stray control character would make the storage format
// unparseable). Line breaks and tabs become spaces: every value lands in a single line.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return -1
		case r >= 0x7F && r <= 0x9F:
			return -1 // C1 controls: legal in XML but never meant as text
		}
		return r
	}, s)
}

// mdEscape escapes text for Markdown, so that it renders as the same characters in GitHub
// Flavored Markdown and in chat: every ASCII punctuation character that can start or end
// markup (emphasis, code, links, headings, lists, math, mentions) is backslash-escaped, '<' and '>' become entities so no HTML tag can form (GitHub
// renders inline HTML), '|' is escaped so a table cell cannot end early.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '!', '|', '~', '@', '$':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdURL makes a URL safe inside Markdown link parentheses.
func mdURL(u string) string { return mdURLReplacer.Replace(u) }

// mdURLReplacer is built once: a strings.Replacer builds its lookup table on first use.
var mdURLReplacer = strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E", "|", "%7C", `"`, "%22", "`", "%60")

// safeURL returns u if it is an absolute http(s) URL, else "".
func safeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return u
}

// Slug turns a program name into a file-name and URL-safe slug: lowercase ASCII letters,
// digits and single hyphens, never empty, never containing '.' or '/'. "Checkout v2" gives
// "checkout-v2"; "../../etc" gives "etc"; a name with no ASCII letter or digit gives
// "program-" and a hash of the name.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	if s == "" && name != "" {
		// Nothing ASCII to keep ("Планы", ".."): a stable hash keeps distinct names apart.
		h := fnv.New32a()
		h.Write([]byte(name))
		return fmt.Sprintf("program-%08x", h.Sum32())
	}
	if s == "" {
		return "program"
	}
	return s
}

// mdText renders a Text as Markdown: each span escaped, linked spans as [text](url).
func mdText(t Text) string {
	var b strings.Builder
	for _, s := range t {
		if s.URL != "" {
			fmt.Fprintf(&b, "[%s](%s)", mdEscape(s.Text), mdURL(s.URL))
			continue
		}
		b.WriteString(mdEscape(s.Text))
	}
	return b.String()
}
