package github

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Matcher finds Jira issue keys of known projects in free text (PR titles, branch names,
// bodies, commit messages). It follows Atlassian's GitHub-for-Jira parser but is precise: a
// key must belong to a configured project (so "UTF-8" is not a key), must start after a
// non-alphanumeric rune and must not be followed by a letter or digit ("PAY-12a" is not a key).
// A Matcher is safe for concurrent use.
type Matcher struct {
	projects        map[string]bool // upper-case project keys
	caseInsensitive bool
}

// NewMatcher returns a Matcher for the given Jira project keys. With caseInsensitive,
// "pay-12" matches project PAY and is reported as "PAY-12".
func NewMatcher(projects []string, caseInsensitive bool) *Matcher {
	m := &Matcher{projects: make(map[string]bool, len(projects)), caseInsensitive: caseInsensitive}
	for _, p := range projects {
		if p = strings.TrimSpace(p); p != "" {
			m.projects[strings.ToUpper(p)] = true
		}
	}
	return m
}

// ExtractKeys returns the distinct Jira keys of the given projects found in text, in order of
// first appearance.
func ExtractKeys(text string, projects []string, caseInsensitive bool) []string {
	return NewMatcher(projects, caseInsensitive).Keys(text)
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// Keys returns the distinct keys found in text, upper-cased, in order of first appearance.
func (m *Matcher) Keys(text string) []string {
	if len(m.projects) == 0 {
		return nil
	}
	var out []string
	prev := rune(-1) // rune before the current position; -1 at the start
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if prev == -1 || !isAlnum(prev) {
			if key, n := m.keyAt(text[i:]); n > 0 {
				if !contains(out, key) {
					out = append(out, key)
				}
				// The rune before the next position is the last digit of the key.
				i += n
				prev = '0'
				continue
			}
		}
		prev = r
		i += size
	}
	return out
}

// keyAt reports the key that starts text, and its length in bytes, or 0.
func (m *Matcher) keyAt(text string) (string, int) {
	// Project part: a letter, then letters, digits or underscores (ASCII, as Jira keys are).
	j := 0
	for j < len(text) && isKeyChar(text[j], j == 0) {
		j++
	}
	if j < 2 || j >= len(text) || text[j] != '-' {
		return "", 0
	}
	project := text[:j]
	if !m.caseInsensitive && project != strings.ToUpper(project) {
		return "", 0
	}
	project = strings.ToUpper(project)
	if !m.projects[project] {
		return "", 0
	}
	k := j + 1
	if k >= len(text) || text[k] < '1' || text[k] > '9' {
		return "", 0
	}
	for k < len(text) && text[k] >= '0' && text[k] <= '9' {
		k++
	}
	if k < len(text) {
		if r, _ := utf8.DecodeRuneInString(text[k:]); isAlnum(r) || r == '_' {
			return "", 0
		}
	}
	return project + text[j:k], k
}

func isKeyChar(c byte, first bool) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return true
	case first:
		return false
	default:
		return c >= '0' && c <= '9' || c == '_'
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
