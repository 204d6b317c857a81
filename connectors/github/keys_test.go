package github

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExtractKeys(t *testing.T) {
	projects := []string{"PAY", "PROJ", "AB2", "MY_TEAM", "DRAFTS", "PATCH"}
	tests := []struct {
		name            string
		text            string
		caseInsensitive bool
		want            []string
	}{
		{"title prefix", "PAY-12 Add login", false, []string{"PAY-12"}},
		{"bracketed", "[PAY-12] Add login", false, []string{"PAY-12"}},
		{"parenthesised and hash", "(PROJ-7) fixes #MY_TEAM-9 and AB2-3", false, []string{"PROJ-7", "MY_TEAM-9", "AB2-3"}},
		{"branch", "feature/PAY-12-login", false, []string{"PAY-12"}},
		{"lower-case branch, case-sensitive", "pay-12-fix", false, nil},
		{"lower-case branch, case-insensitive", "pay-12-fix", true, []string{"PAY-12"}},
		{"trailing letter is no key", "PAY-12a", false, nil},
		{"leading letter is no key", "xPAY-12", false, nil},
		{"zero and leading zero", "PAY-0 PAY-012", false, nil},
		{"unknown project", "UTF-8 and ISO-8859 and utf-8", true, nil},
		{"no space form", "PAY 12", false, nil},
		{"digits only", "22-123", false, nil},
		{"duplicates once", "PAY-1 PAY-1 [PAY-1]", false, []string{"PAY-1"}},
		{"smart commit", "PAY-123 #comment fixed the thing\n\nPROJ-4 #time 1h", false, []string{"PAY-123", "PROJ-4"}},
		{"unicode neighbours", "éPAY-5 «PAY-6»", false, []string{"PAY-6"}},
		{"underscore after", "PAY-5_x", false, nil},
		// Real PR titles and head branches from sigmavirus24/github3.py and betamaxpy/betamax
		// (shared/fixtures/github3.py/tests/cassettes/Repository_pull_requests*.json).
		{"real: drafts-926 case-sensitive", "drafts-926", false, nil},
		{"real: drafts-926 case-insensitive", "drafts-926", true, []string{"DRAFTS-926"}},
		{"real: patch-1 when PATCH is a project", "patch-1", true, []string{"PATCH-1"}},
		{"real: patch-1 case-sensitive", "patch-1", false, nil},
		{"real: title without keys", "Add support for Draft PR status in responses", true, nil},
		{"real: feat branch", "feat/delete-branch-on-merge", true, nil},
		{"real: user branch", "dbaty/create_draft_pull_request", true, nil},
		{"real: rate-limit title", "Adaptative rate limit management", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExtractKeys(tt.text, projects, tt.caseInsensitive)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ExtractKeys(%q) (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func TestExtractKeysNoProjects(t *testing.T) {
	if got := ExtractKeys("PAY-1", nil, true); got != nil {
		t.Errorf("got %v, want nil without projects", got)
	}
}
