package github

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzExtractKeys checks the matcher against its contract: every key it returns belongs to a
// known project, is well formed, occurs in the text at a word boundary, and appears once.
func FuzzExtractKeys(f *testing.F) {
	for _, s := range []string{"PAY-12 Add login", "feature/PAY-12-login", "[PAY-1](WEB-2)", "pay-3-fix", "PAY-12a", "UTF-8"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	projects := []string{"PAY", "WEB", "MY_TEAM"}
	well := regexp.MustCompile(`^(PAY|WEB|MY_TEAM)-[1-9][0-9]*$`)
	f.Fuzz(func(t *testing.T, text string, ci bool) {
		keys := ExtractKeys(text, projects, ci)
		seen := map[string]bool{}
		hay := text
		if ci {
			hay = strings.ToUpper(text)
		}
		for _, k := range keys {
			if !well.MatchString(k) {
				t.Fatalf("key %q is not a well-formed key of %v", k, projects)
			}
			if seen[k] {
				t.Fatalf("key %q returned twice", k)
			}
			seen[k] = true
			if utf8.ValidString(text) && !strings.Contains(hay, k) {
				t.Fatalf("key %q not in text %q", k, text)
			}
		}
	})
}
