package config

import _ "embed"

//go:embed example.yaml
var example []byte

// Example returns a documented example configuration file. It parses cleanly when
// JIRA_API_TOKEN and GITHUB_TOKEN are set.
func Example() []byte {
	return append([]byte(nil), example...)
}
