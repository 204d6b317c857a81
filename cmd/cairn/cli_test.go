package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs cairn in-process with the given environment and returns its exit code and output.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), args, Env{Stdout: &stdout, Stderr: &stderr, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	return code, stdout.String(), stderr.String()
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cairn.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		out  string // expected in stdout or stderr
	}{
		{"no command", nil, exitUsage, "Usage:"},
		{"help", []string{"--help"}, exitOK, "Commands:"},
		{"help command", []string{"help", "check"}, exitOK, "Usage: cairn check"},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"unknown flag", []string{"version", "--frob"}, exitUsage, "flag provided but not defined"},
		{"command help", []string{"check", "--help"}, exitOK, "--config"},
		{"version", []string{"version"}, exitOK, "cairn "},
		{"version args", []string{"version", "extra"}, exitUsage, "unexpected arguments"},
		{"missing config", []string{"check", "--config", "/nonexistent/cairn.yaml"}, exitFailure, "/nonexistent/cairn.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, tt.args...)
			if code != tt.want {
				t.Errorf("exit code: got %d, want %d\nstdout: %s\nstderr: %s", code, tt.want, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, tt.out) {
				t.Errorf("output lacks %q:\n%s%s", tt.out, stdout, stderr)
			}
		})
	}
}

func TestCheckValidConfig(t *testing.T) {
	path := writeConfig(t, `
jira:
  url: https://acme.atlassian.net
  token: ${JIRA_API_TOKEN}
  projects: [PAY]
programs:
  - name: Checkout v2
    milestones:
      - name: Beta
        jira: {fix_versions: ["PAY 2.0-beta"]}
`)
	code, stdout, stderr := runCLI(t, map[string]string{"JIRA_API_TOKEN": "tok-visible-nowhere"}, "check", "--config", path)
	if code != exitOK {
		t.Fatalf("exit code: got %d, want 0\n%s", code, stderr)
	}
	for _, want := range []string{"ok", "PAY", "Checkout v2"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout+stderr, "tok-visible-nowhere") {
		t.Error("the token appears in the output")
	}
}

func TestCheckReportsEveryProblemWithoutSecrets(t *testing.T) {
	// The global flag given before the command, and CAIRN_CONFIG, both reach the command.
	path := writeConfig(t, `jira:
  url: jira.local
  token: ${JIRA_API_TOKEN}
  projetcs: [PAY]
  schedule: "every day"
`)
	secret := "s3cr3t-TOKEN-xyz"
	env := map[string]string{"JIRA_API_TOKEN": secret, "CAIRN_CONFIG": path}
	for _, args := range [][]string{{"--config", path, "check"}, {"check"}} {
		code, stdout, stderr := runCLI(t, env, args...)
		if code != exitFailure {
			t.Fatalf("%v: exit code: got %d, want 1", args, code)
		}
		for _, want := range []string{path + ":2: jira.url:", path + ":4: jira.projetcs: unknown key", path + ":5: jira.schedule:"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, stderr)
			}
		}
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("%v: the secret appears in the output", args)
		}
	}
}

func TestLogFlagsAreValidated(t *testing.T) {
	o := &options{logLevel: "loud", logFormat: "text"}
	if _, err := newLogger(Env{Stderr: &bytes.Buffer{}}, o); err == nil {
		t.Error("log level loud: got no error")
	}
	o = &options{logLevel: "debug", logFormat: "xml"}
	if _, err := newLogger(Env{Stderr: &bytes.Buffer{}}, o); err == nil {
		t.Error("log format xml: got no error")
	}
	var buf bytes.Buffer
	l, err := newLogger(Env{Stderr: &buf}, &options{logLevel: "info", logFormat: "json"})
	if err != nil {
		t.Fatal(err)
	}
	l.Info("hello", "k", 1)
	if !strings.HasPrefix(buf.String(), "{") {
		t.Errorf("json log: got %q", buf.String())
	}
}
