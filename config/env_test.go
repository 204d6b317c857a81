package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExpand(t *testing.T) {
	env := testEnv(map[string]string{"HOST": "jira.example.com", "EMPTY": "", "PORT": "9184"})
	tests := []struct {
		name    string
		in      string
		want    string
		used    []string
		missing []string
		wantErr bool
	}{
		{name: "no variables", in: "plain text", want: "plain text"},
		{name: "variable", in: "https://${HOST}/", want: "https://jira.example.com/", used: []string{"HOST"}},
		{name: "two variables", in: "${HOST}:${PORT}", want: "jira.example.com:9184", used: []string{"HOST", "PORT"}},
		{name: "set but empty", in: "[${EMPTY}]", want: "[]", used: []string{"EMPTY"}},
		{name: "default unused", in: "${HOST:-localhost}", want: "jira.example.com", used: []string{"HOST"}},
		{name: "default for unset", in: "${NOPE:-localhost}", want: "localhost", used: []string{"NOPE"}},
		{name: "default for empty", in: "${EMPTY:-localhost}", want: "localhost", used: []string{"EMPTY"}},
		{name: "empty default", in: "${NOPE:-}", want: "", used: []string{"NOPE"}},
		{name: "default with spaces and colons", in: "${NOPE:-*/15 * * * *}", want: "*/15 * * * *", used: []string{"NOPE"}},
		{name: "missing", in: "${NOPE}", want: "", used: []string{"NOPE"}, missing: []string{"NOPE"}},
		{name: "two missing", in: "${A}-${B}", want: "-", used: []string{"A", "B"}, missing: []string{"A", "B"}},
		{name: "escaped dollar", in: "cost $$5", want: "cost $5"},
		{name: "escaped reference", in: "$${HOST}", want: "${HOST}"},
		{name: "escape then variable", in: "$$${PORT}", want: "$9184", used: []string{"PORT"}},
		{name: "lone dollar kept", in: "a $b $ c$", want: "a $b $ c$"},
		{name: "unterminated", in: "${HOST", wantErr: true},
		{name: "bad name", in: "${1HOST}", wantErr: true},
		{name: "empty name", in: "${}", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, used, missing, err := expand(tt.in, env)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if diff := cmp.Diff(tt.used, used); diff != "" {
				t.Errorf("used (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.missing, missing); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseExpansion(t *testing.T) {
	data := []byte(`database: ${DATA_DIR:-/var/lib/cairn}/cairn.db
listen: ${LISTEN}
jira:
  url: https://${JIRA_HOST}
  token: ${JIRA_API_TOKEN}
  projects: [PAY]
  jql: labels = "cost$$" # ${NOT_EXPANDED} in a comment
  concurrency: ${JIRA_CONCURRENCY:-8}
programs:
  - name: P
    milestones: [{name: M, jira: {fix_versions: ["${VERSION:-2.0}"]}}]
`)
	env := testEnv(map[string]string{"LISTEN": ":9999", "JIRA_HOST": "jira.example.com", "JIRA_API_TOKEN": testSecret})
	cfg, err := Parse("cairn.yaml", data, env)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{cfg.Database, cfg.Listen, cfg.Jira.URL, cfg.Jira.JQL, cfg.Jira.Concurrency, cfg.Programs[0].Milestones[0].Jira.FixVersions[0]}
	want := []any{"/var/lib/cairn/cairn.db", ":9999", "https://jira.example.com", `labels = "cost$"`, 8, "2.0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("expanded values (-want +got):\n%s", diff)
	}
}

func TestParseMissingVariables(t *testing.T) {
	data := []byte(`listen: ${LISTEN}
jira:
  url: https://${JIRA_HOST}
  token: ${JIRA_API_TOKEN}
  projects: [PAY]
programs:
  - name: P
    milestones: [{name: M, jira: {fix_versions: ["2.0"]}}]
`)
	_, err := Parse("cairn.yaml", data, testEnv(map[string]string{"JIRA_API_TOKEN": testSecret}))
	want := []string{
		"cairn.yaml:1: listen: environment variable LISTEN is not set",
		"cairn.yaml:3: jira.url: environment variable JIRA_HOST is not set",
	}
	var got []string
	for _, p := range problemsOf(t, err) {
		got = append(got, p.Error())
		if !errors.Is(p, ErrMissingEnv) {
			t.Errorf("%v: not ErrMissingEnv", p)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if !strings.Contains(err.Error(), "JIRA_HOST") {
		t.Errorf("error does not name the variable: %v", err)
	}
}
