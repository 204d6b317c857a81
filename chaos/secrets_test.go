//go:build chaos

package chaos

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
)

// TestSecretsNowhere runs the real binary with recognisable fake tokens, at debug level, once
// against fakes that accept them and once against fakes that reject them (401s, errors that
// quote requests), and proves the tokens appear in no output line, error or database byte.
func TestSecretsNowhere(t *testing.T) {
	bin, real := syncBinary(t)
	if !real {
		t.Skip("needs the real cairn binary with its sync command")
	}
	sc := chaosScale()
	data := world(scale{repos: 1, prs: 20, issues: 5})
	for _, tc := range []struct {
		name   string
		accept bool
	}{{"accepted", true}, {"rejected", false}} {
		t.Run(tc.name, func(t *testing.T) {
			ghTokens, jTok := []string{githubToken}, jiraToken
			if !tc.accept {
				ghTokens, jTok = []string{"ghp_someone_else"}, "someone-else"
			}
			gh := githubtest.New(githubtest.Options{Tokens: ghTokens})
			defer gh.Close()
			gh.Load(data)
			jira := jiratest.New(jiratest.Options{Email: jiraEmail, Token: jTok})
			defer jira.Close()
			jira.Generate(jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: sc.jiraIssues / 10, Seed: 3})
			dir := t.TempDir()
			db := filepath.Join(dir, "cairn.db")
			cfg := writeConfig(t, dir, gh.BaseURL(), db, repoNames(data), jira.URL)
			ctx := withTimeout(t, 2*time.Minute)
			for _, args := range [][]string{
				{"--log-level", "debug", "check", "--config", cfg},
				{"--log-level", "debug", "--log-format", "json", "sync", "--config", cfg, "--full"},
				{"--log-level", "debug", "sync", "--config", cfg},
			} {
				cmd := exec.CommandContext(ctx, bin, args...)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				err := cmd.Run()
				if tc.accept && err != nil {
					t.Fatalf("cairn %s: %v\n%s", strings.Join(args, " "), err, out.Bytes())
				}
				if !tc.accept && slices.Contains(args, "sync") && err == nil {
					t.Fatalf("cairn %s succeeded with rejected tokens\n%s", strings.Join(args, " "), out.Bytes())
				}
				if out.Len() == 0 {
					t.Errorf("cairn %s printed nothing", strings.Join(args, " "))
				}
				noSecret(t, "the output of cairn "+strings.Join(args, " "), out.Bytes())
				if !tc.accept && slices.Contains(args, "sync") && !bytes.Contains(out.Bytes(), []byte("401")) &&
					!bytes.Contains(bytes.ToLower(out.Bytes()), []byte("credentials")) && !bytes.Contains(bytes.ToLower(out.Bytes()), []byte("unauthorized")) {
					t.Errorf("cairn %s does not say the credentials were refused:\n%s", strings.Join(args, " "), out.Bytes())
				}
			}
			if _, err := os.Stat(db); err == nil {
				noSecretInFiles(t, dir)
			}
		})
	}
}
