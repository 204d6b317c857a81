package pages

import (
	"fmt"
	"testing"
)

func TestLinks(t *testing.T) {
	l := newLinker(Options{JiraURL: "https://acme.atlassian.net/", GitHubURL: "https://github.com"})
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"issue", l.issue("PAY-1"), "https://acme.atlassian.net/browse/PAY-1"},
		{"jql", l.jql([]string{"PAY-2", "PAY-1"}), "https://acme.atlassian.net/issues/?jql=key%20in%20%28PAY-1%2CPAY-2%29"},
		{"pr", l.pr("acme/web#12"), "https://github.com/acme/web/pull/12"},
		{"prs one repo", l.prs([]string{"acme/web#12", "acme/web#3"}), "https://github.com/acme/web/pulls?q=is%3Apr+12+3"},
		{"prs two repos", l.prs([]string{"acme/web#12", "acme/api#3"}), "https://github.com/pulls?q=is%3Apr+repo%3Aacme%2Fapi+repo%3Aacme%2Fweb"},
		{"items prefer jira", l.items([]string{"acme/web#12", "PAY-1"}), "https://acme.atlassian.net/issues/?jql=key%20in%20%28PAY-1%29"},
		{"item pr", l.item("acme/web#12"), "https://github.com/acme/web/pull/12"},
		{"no jira site", newLinker(Options{}).issue("PAY-1"), ""},
		{"javascript site", newLinker(Options{JiraURL: "javascript:alert(1)"}).issue("PAY-1"), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	var many []string
	for i := range 2000 {
		many = append(many, fmt.Sprintf("PAY-%d", 10000+i))
	}
	if u := l.jql(many); u != "" {
		t.Errorf("a %d-byte link was not dropped", len(u))
	}
	if u := l.jql(many[:100]); u == "" {
		t.Errorf("a 100-key link was dropped")
	}
}
