package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary files to the loader: it must never panic, and a secret taken from
// the environment must never appear in an error or in the summary. The seed corpus is every
// testdata file plus the example; `go test` runs it, `go test -fuzz FuzzParse` explores.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(Example())
	const secret = "fuzz-SECRET-3f9a"
	env := func(k string) (string, bool) {
		if strings.Contains(k, "TOKEN") || strings.Contains(k, "SECRET") {
			return secret, true
		}
		return "value", true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data, env)
		if err != nil {
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("secret in error: %v", err)
			}
			return
		}
		if s := cfg.Summary(); strings.Contains(s, secret) {
			t.Fatalf("secret in summary: %s", s)
		}
	})
}
