package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testSecret is the value of every secret in the tests; it must never be printed.
const testSecret = "s3cr3t-TOKEN-xyz"

// testEnv is the environment of the tests.
func testEnv(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

var defaultEnv = testEnv(map[string]string{"JIRA_API_TOKEN": testSecret, "GITHUB_TOKEN": testSecret + "-gh"})

// parseFile parses testdata/name with defaultEnv.
func parseFile(t *testing.T, name string) (*Config, error) {
	t.Helper()
	path := filepath.Join("testdata", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(path, data, defaultEnv)
}

// problemsOf returns the problems of err, failing the test when err is not an *Error.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("got error %T %v, want *config.Error", err, err)
	}
	return cerr.Problems
}

func TestParseValid(t *testing.T) {
	cfg, err := parseFile(t, "valid.yaml")
	if err != nil {
		t.Fatalf("got error:\n%v", err)
	}
	if got, want := cfg.Jira.Token.Reveal(), testSecret; got != want {
		t.Errorf("jira.token: got %q, want %q", got, want)
	}
	if cfg.GitHub != nil {
		t.Errorf("github: got %+v, want nil (no section)", cfg.GitHub)
	}
}

// TestProblems has one testdata file per rule; each file breaks that rule once and is
// otherwise valid.
func TestProblems(t *testing.T) {
	tests := []struct {
		file  string
		err   error
		line  int
		path  string
		count int // problems in the file; 0 means 1
	}{
		{"syntax_error.yaml", ErrSyntax, 5, "", 0},
		{"unknown_key.yaml", ErrUnknownKey, 4, "jira.projetcs", 2}, // and jira.projects is missing
		{"unknown_key_nested.yaml", ErrUnknownKey, 12, "programs[0].milestones[1].jira.fixversions", 0},
		{"duplicate_key.yaml", ErrDuplicate, 5, "jira.url", 0},
		{"wrong_type.yaml", ErrInvalidValue, 4, "jira.projects", 0},
		{"invalid_bool.yaml", ErrInvalidValue, 4, "github.link_commits", 0},
		{"missing_env.yaml", ErrMissingEnv, 3, "jira.token", 0},
		{"malformed_env_ref.yaml", ErrInvalidValue, 5, "jira.jql", 0},
		{"invalid_url.yaml", ErrInvalidURL, 2, "jira.url", 0},
		{"url_credentials.yaml", ErrInvalidURL, 2, "jira.url", 0},
		{"invalid_cron.yaml", ErrInvalidCron, 5, "jira.schedule", 0},
		{"invalid_deployment.yaml", ErrInvalidValue, 5, "jira.deployment", 0},
		{"out_of_range.yaml", ErrOutOfRange, 5, "jira.concurrency", 0},
		{"invalid_duration.yaml", ErrInvalidValue, 5, "jira.overlap", 0},
		{"duration_out_of_range.yaml", ErrOutOfRange, 5, "jira.overlap", 0},
		{"invalid_field_id.yaml", ErrInvalidValue, 6, "jira.fields.story_points", 0},
		{"jql_order_by.yaml", ErrInvalidValue, 5, "jira.jql", 0},
		{"required_token.yaml", ErrRequired, 1, "jira.token", 0},
		{"invalid_project_key.yaml", ErrInvalidProjectKey, 4, "jira.projects[1]", 0},
		{"duplicate_project.yaml", ErrDuplicate, 7, "jira.projects[2]", 0},
		{"invalid_listen.yaml", ErrInvalidValue, 1, "listen", 0},
		{"invalid_timezone.yaml", ErrInvalidValue, 1, "timezone", 0},
		{"secret_whitespace.yaml", ErrInvalidValue, 1, "api_token", 0},
		{"no_programs.yaml", ErrRequired, 0, "programs", 0},
		{"invalid_repo.yaml", ErrInvalidRepo, 3, "github.repos[1]", 0},
		{"duplicate_repo.yaml", ErrDuplicate, 3, "github.repos[1]", 0},
		{"github_no_auth.yaml", ErrRequired, 1, "github.token", 0},
		{"github_app_incomplete.yaml", ErrRequired, 2, "github.app.private_key_file", 0},
		{"github_token_and_app.yaml", ErrInvalidValue, 2, "github.token", 0},
		{"github_milestone_format.yaml", ErrInvalidRepo, 9, "programs[0].milestones[0].github.milestones[0]", 0},
		{"out_of_scope_repo.yaml", ErrOutOfScope, 10, "programs[0].milestones[0].github.labels[1]", 0},
		{"github_without_section.yaml", ErrOutOfScope, 10, "programs[0].milestones[0].github", 0},
		{"jira_without_section.yaml", ErrOutOfScope, 9, "programs[0].milestones[0].jira", 0},
		{"out_of_scope_epic.yaml", ErrOutOfScope, 9, "programs[0].milestones[0].jira.epics[1]", 0},
		{"invalid_epic.yaml", ErrInvalidIssueKey, 9, "programs[0].milestones[0].jira.epics[0]", 0},
		{"duplicate_program.yaml", ErrDuplicateProgram, 10, "programs[1].name", 0},
		{"duplicate_milestone.yaml", ErrDuplicateMilestone, 12, "programs[0].milestones[2].name", 0},
		{"invalid_date.yaml", ErrInvalidDate, 9, "programs[0].milestones[0].due", 0},
		{"baseline_after_due.yaml", ErrInvalidDate, 10, "programs[0].milestones[0].baseline", 0},
		{"no_source.yaml", ErrNoSource, 10, "programs[0].milestones[1]", 0},
		{"required_name.yaml", ErrRequired, 8, "programs[0].milestones[0].name", 0},
		{"team_out_of_scope.yaml", ErrOutOfScope, 10, "teams[0].jira_projects[1]", 0},
		{"team_duplicate_owner.yaml", ErrDuplicate, 12, "teams[1].jira_projects[0]", 0},
		{"thresholds_order.yaml", ErrOutOfRange, 7, "rollup.thresholds.red_on_time", 0},
		{"rollup_out_of_range.yaml", ErrOutOfRange, 6, "rollup.trials", 0},
		{"confluence_required.yaml", ErrRequired, 6, "pages.confluence.space", 0},
		{"invalid_parent_id.yaml", ErrInvalidValue, 9, "pages.confluence.parent_id", 0},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".yaml"), func(t *testing.T) {
			cfg, err := parseFile(t, tt.file)
			if cfg != nil {
				t.Errorf("got a config with the error, want nil")
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("errors.Is(err, %v) = false; err:\n%v", tt.err, err)
			}
			file := filepath.Join("testdata", tt.file)
			var prefix string
			switch {
			case tt.line == 0:
				prefix = fmt.Sprintf("%s: %s: ", file, tt.path)
			case tt.path == "":
				prefix = fmt.Sprintf("%s:%d: ", file, tt.line)
			default:
				prefix = fmt.Sprintf("%s:%d: %s: ", file, tt.line, tt.path)
			}
			ps := problemsOf(t, err)
			found := false
			for _, p := range ps {
				if errors.Is(p, tt.err) && strings.HasPrefix(p.Error(), prefix) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %v problem starting %q in:\n%v", tt.err, prefix, err)
			}
			count := max(tt.count, 1)
			if len(ps) != count {
				t.Errorf("got %d problems, want %d:\n%v", len(ps), count, err)
			}
			if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), "hunter22") {
				t.Errorf("error shows a secret:\n%v", err)
			}
		})
	}
}

// TestManyProblems checks that one run reports every problem of a file, in line order, with
// its line, path and value.
func TestManyProblems(t *testing.T) {
	_, err := parseFile(t, "many_problems.yaml")
	const f = "testdata/many_problems.yaml"
	want := []string{
		f + `:2: listen: must be host:port like 127.0.0.1:9184 or :9184 (got "localhost")`,
		f + `:5: jira.url: must be an absolute http(s) URL (got "jira.local")`,
		f + `:6: jira.deployment: must be one of auto, cloud, datacenter (got "server")`,
		f + `:8: jira.projetcs: unknown key`,
		f + `:9: jira.projects[1]: must be a Jira project key like PAY (A-Z, 0-9, _) (got "core")`,
		f + `:10: jira.schedule: must be a 5-field cron spec like "*/15 * * * *" or a descriptor like "@hourly": expected exactly 5 fields, found 3: [*/15 * *] (got "*/15 * *")`,
		f + `:11: jira.concurrency: must be between 1 and 32 (got 0)`,
		f + `:12: jira.overlap: must be a duration like "2m" or "36h" (got "soon")`,
		f + `:15: github.repos[1]: must be owner/name or owner/* (got "acme")`,
		f + `:17: rollup.trials: must be between 100 and 1000000 (got 10)`,
		f + `:18: rollup.thresholds.amber_on_time: must be above 0 and at most 1 (got 1.5)`,
		f + `:21: pages.colour: unknown key`,
		f + `:26: programs[0].milestones[0].due: must be a date YYYY-MM-DD (got "2026-13-01")`,
		f + `:27: programs[0].milestones[0].jira.epics[0]: project CORE is not in jira.projects (got "CORE-1")`,
		f + `:28: programs[0].milestones[0].github.labels[0]: repository acme/web is not in github.repos (got "acme/web:beta")`,
		f + `:29: programs[0].milestones[1].name: duplicate milestone name in this program, first at line 25 (got "Beta")`,
		f + `:31: programs[0].milestones[2]: names no source: set fix_versions, epics, labels or components under jira, or milestones, labels or repos under github`,
		f + `:32: programs[1].name: duplicate program name, first at line 23 (got "Checkout v2")`,
		f + `:35: programs[1].milestones[0].github.milestones[0]: must be owner/name:milestone title (got "v2")`,
	}
	var got []string
	for _, p := range problemsOf(t, err) {
		got = append(got, p.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if got, want := err.Error(), strings.Join(want, "\n"); got != want {
		t.Errorf("Error(): got\n%s\nwant one problem per line", got)
	}
	for _, sentinel := range []error{ErrUnknownKey, ErrInvalidURL, ErrInvalidCron, ErrInvalidRepo,
		ErrInvalidProjectKey, ErrDuplicateMilestone, ErrDuplicateProgram, ErrInvalidDate, ErrNoSource,
		ErrOutOfScope, ErrOutOfRange, ErrInvalidValue, ErrInvalidRepo} {
		if !errors.Is(err, sentinel) {
			t.Errorf("errors.Is(err, %v) = false", sentinel)
		}
	}
	if errors.Is(err, ErrMissingEnv) {
		t.Errorf("errors.Is(err, ErrMissingEnv) = true, want false")
	}
}

func TestProblemError(t *testing.T) {
	tests := []struct {
		name string
		p    Problem
		want string
	}{
		{"full", Problem{File: "cairn.yaml", Line: 7, Path: "jira.url", Msg: "must be an absolute http(s) URL", Got: `"jira.local"`, Err: ErrInvalidURL},
			`cairn.yaml:7: jira.url: must be an absolute http(s) URL (got "jira.local")`},
		{"no value", Problem{File: "cairn.yaml", Line: 4, Path: "jira.projetcs", Msg: "unknown key", Err: ErrUnknownKey},
			`cairn.yaml:4: jira.projetcs: unknown key`},
		{"no line", Problem{File: "cairn.yaml", Path: "programs", Msg: "required", Err: ErrRequired},
			`cairn.yaml: programs: required`},
		{"no file", Problem{Path: "jira.token", Msg: "required", Err: ErrRequired},
			`jira.token: required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !errors.Is(tt.p, tt.p.Err) {
				t.Errorf("errors.Is(p, %v) = false", tt.p.Err)
			}
		})
	}
}

func TestValidateBuiltInCode(t *testing.T) {
	cfg := Default()
	cfg.GitHub = &GitHub{}
	cfg.GitHub.setDefaults()
	cfg.GitHub.Token = Secret(testSecret)
	cfg.GitHub.Repos = []string{"acme/web"}
	if err := cfg.Validate(); !errors.Is(err, ErrRequired) {
		t.Fatalf("got %v, want ErrRequired for programs", err)
	}
	cfg.Programs = []Program{{Name: "P", Milestones: []Milestone{{Name: "M", GitHub: GitHubSource{Repos: []string{"acme/web"}}}}}}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	cfg.GitHub.Repos = append(cfg.GitHub.Repos, "nope")
	want := `github.repos[1]: must be owner/name or owner/* (got "nope")`
	if err := cfg.Validate(); err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestLoadResolvesPaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etc", "cairn")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(t.TempDir(), "keys", "app.pem")
	tests := []struct {
		name, database, outDir, key          string
		wantDatabase, wantOutDir, wantKeyRel string
	}{
		{"relative", "data/cairn.db", "", "app.pem", filepath.Join(dir, "data/cairn.db"), filepath.Join(dir, "pages"), filepath.Join(dir, "app.pem")},
		{"absolute", "/var/lib/cairn/cairn.db", "/srv/pages", abs, "/var/lib/cairn/cairn.db", "/srv/pages", abs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := ""
			if tt.outDir != "" {
				out = "pages: {out_dir: " + tt.outDir + "}\n"
			}
			data := fmt.Sprintf(`database: %s
%sgithub:
  app: {app_id: 1, installation_id: 2, private_key_file: %s}
  repos: [acme/web]
programs:
  - name: P
    milestones: [{name: M, github: {repos: [acme/web]}}]
`, tt.database, out, tt.key)
			path := filepath.Join(dir, "cairn.yaml")
			if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{cfg.Database, cfg.Pages.OutDir, cfg.GitHub.App.PrivateKeyFile}
			want := []string{tt.wantDatabase, tt.wantOutDir, tt.wantKeyRel}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want os.ErrNotExist", err)
	}
}

func TestParseEmptyAndNilEnv(t *testing.T) {
	cfg, err := Parse("empty.yaml", nil, nil)
	if err != nil {
		t.Fatalf("empty file: %v", err)
	}
	if diff := cmp.Diff(Default(), cfg, cmpIgnoreUnexported); diff != "" {
		t.Errorf("empty file is not the defaults (-want +got):\n%s", diff)
	}
	_, err = Parse("cairn.yaml", []byte("api_token: ${CAIRN_API_TOKEN}\n"), nil)
	if !errors.Is(err, ErrMissingEnv) {
		t.Errorf("nil env: got %v, want ErrMissingEnv", err)
	}
}

// TestProblemMessages checks whole messages where the wording matters: no value where there
// is none, <secret> for secrets, no password from a URL.
func TestProblemMessages(t *testing.T) {
	tests := []struct {
		file, want string
	}{
		{"missing_env.yaml", "3: jira.token: environment variable JIRA_TOKEN_NOT_SET is not set"},
		{"required_token.yaml", "1: jira.token: required"},
		{"secret_whitespace.yaml", "1: api_token: must not contain spaces or line breaks (got <secret>)"},
		{"github_token_and_app.yaml", "2: github.token: set github.token or github.app, not both"},
		{"url_credentials.yaml", `2: jira.url: must not contain credentials: use email and token (got "https://xxxxx@acme.atlassian.net")`},
		{"duplicate_key.yaml", "5: jira.url: key already set at line 2"},
		{"syntax_error.yaml", "5: found character that cannot start any token"},
		{"wrong_type.yaml", `4: jira.projects: must be a list (got "PAY")`},
		{"invalid_url.yaml", `2: jira.url: must be an absolute http(s) URL (got "jira.local")`},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".yaml"), func(t *testing.T) {
			_, err := parseFile(t, tt.file)
			want := filepath.Join("testdata", tt.file) + ":" + tt.want
			if err == nil || err.Error() != want {
				t.Errorf("got %v, want %s", err, want)
			}
		})
	}
}
