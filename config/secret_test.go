package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSecretNeverPrints(t *testing.T) {
	type holder struct {
		Token Secret `json:"token" yaml:"token"`
	}
	tests := []struct {
		name   string
		s      Secret
		want   string // String()
		goStr  string // GoString()
		yaml   string
		reveal string
	}{
		{"set", Secret(testSecret), "<secret>", `"<secret>"`, "token: <secret>\n", testSecret},
		{"empty", "", "", `""`, "token: \"\"\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.String(); got != tt.want {
				t.Errorf("String: got %q, want %q", got, tt.want)
			}
			if got := tt.s.GoString(); got != tt.goStr {
				t.Errorf("GoString: got %q, want %q", got, tt.goStr)
			}
			if got := tt.s.Reveal(); got != tt.reveal {
				t.Errorf("Reveal: got %q, want %q", got, tt.reveal)
			}
			text, _ := tt.s.MarshalText()
			if string(text) != tt.want {
				t.Errorf("MarshalText: got %q, want %q", text, tt.want)
			}
			j, err := json.Marshal(holder{tt.s})
			var back map[string]string
			if err == nil {
				err = json.Unmarshal(j, &back)
			}
			if err != nil || back["token"] != tt.want {
				t.Errorf("json: got %s (%v), want token %q", j, err, tt.want)
			}
			y, err := yaml.Marshal(holder{tt.s})
			if err != nil || string(y) != tt.yaml {
				t.Errorf("yaml: got %q (%v), want %q", y, err, tt.yaml)
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%10s"} {
				if got := fmt.Sprintf(verb, tt.s) + fmt.Sprintf(verb, holder{tt.s}) + fmt.Sprintf(verb, &holder{tt.s}); tt.s != "" && strings.Contains(got, testSecret) {
					t.Errorf("%s shows the secret: %s", verb, got)
				}
			}
		})
	}
}

// leaks reports whether s contains the test secret.
func leaks(s string) bool { return strings.Contains(s, testSecret) }

// TestSecretsNotInErrors parses files whose secret values are also used in other fields, or
// are themselves invalid, and checks that no message shows them.
func TestSecretsNotInErrors(t *testing.T) {
	const tail = `  projects: [PAY]
programs:
  - name: P
    milestones: [{name: M, jira: {fix_versions: ["2.0"]}}]
`
	tests := []struct {
		name  string
		token string // value of JIRA_API_TOKEN
		data  string
	}{
		{"secret var in url", testSecret, "jira:\n  url: ${JIRA_API_TOKEN}\n  token: ${JIRA_API_TOKEN}\n" + tail},
		{"secret var before its secret", testSecret, "listen: ${JIRA_API_TOKEN}\njira:\n  url: https://x.example.com\n  token: ${JIRA_API_TOKEN}\n" + tail},
		{"secret var in a number", testSecret, "jira:\n  url: https://x.example.com\n  token: ${JIRA_API_TOKEN}\n  concurrency: ${JIRA_API_TOKEN}\n" + tail},
		{"secret var in a list", testSecret, "jira:\n  url: https://x.example.com\n  token: ${JIRA_API_TOKEN}\n  projects: [PAY, '${JIRA_API_TOKEN}']\n" + strings.TrimPrefix(tail, "  projects: [PAY]\n")},
		{"secret var in a date", testSecret, "jira:\n  url: https://x.example.com\n  token: ${JIRA_API_TOKEN}\n" + strings.Replace(tail, "name: M,", "name: M, due: '${JIRA_API_TOKEN}',", 1)},
		{"invalid secret", testSecret + "\n", "api_token: ${JIRA_API_TOKEN}\njira:\n  url: https://x.example.com\n  token: ${JIRA_API_TOKEN}\n" + tail},
		{"invalid literal secret", "", "api_token: \"" + testSecret + " x\"\n"},
		{"literal secret reused", "", "api_token: " + testSecret + "\nlisten: " + testSecret + "\n"},
		{"secret of wrong type", testSecret, "jira:\n  url: https://x.example.com\n  token: [${JIRA_API_TOKEN}]\n" + tail},
		{"malformed reference in secret", "", "api_token: " + testSecret + "${\n"},
		{"secret url with password", "", "jira:\n  url: https://me:" + testSecret + "@x.example.com\n  token: t0ken\n" + tail},
		{"secret url unparsable", "", "jira:\n  url: \"h ttp://me:" + testSecret + "@x\"\n  token: t0ken\n" + tail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(map[string]string{"JIRA_API_TOKEN": tt.token})
			cfg, err := Parse("cairn.yaml", []byte(tt.data), env)
			if err == nil {
				t.Fatalf("got no error, want one (config %+v)", cfg)
			}
			if leaks(err.Error()) || leaks(fmt.Sprintf("%v %+v %#v", err, err, err)) {
				t.Errorf("error shows the secret:\n%v", err)
			}
		})
	}
}

func TestSecretsNotInOutput(t *testing.T) {
	env := testEnv(map[string]string{
		"JIRA_API_TOKEN": testSecret, "GITHUB_TOKEN": testSecret, "CAIRN_API_TOKEN": testSecret,
		"CONFLUENCE_TOKEN": testSecret, "JIRA_EMAIL": "tpm@example.com",
	})
	data := strings.Replace(string(Example()), "  # confluence:", "  confluence:\n    url: https://acme.atlassian.net/wiki\n    space: TPM\n    token: ${CONFLUENCE_TOKEN}\n  # x:", 1)
	cfg, err := Parse("cairn.yaml", []byte(data), env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Pages.Confluence == nil || cfg.Pages.Confluence.Token.Reveal() != testSecret {
		t.Fatalf("confluence token not set: %+v", cfg.Pages.Confluence)
	}
	j, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"Summary":  cfg.Summary(),
		"fmt cfg":  fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg),
		"fmt *cfg": fmt.Sprintf("%v %+v %#v", *cfg, *cfg, *cfg),
		"fmt sections": fmt.Sprintf("%v %+v %#v %v %+v %#v %v %+v %#v",
			*cfg.Jira, *cfg.Jira, *cfg.Jira, *cfg.GitHub, *cfg.GitHub, *cfg.GitHub,
			*cfg.Pages.Confluence, *cfg.Pages.Confluence, *cfg.Pages.Confluence),
		"json": string(j),
		"yaml": string(y),
	}
	for name, out := range outputs {
		if leaks(out) {
			t.Errorf("%s shows the secret:\n%s", name, out)
		}
	}
	if !strings.Contains(outputs["yaml"], "token: <secret>") {
		t.Errorf("yaml output does not mark the token:\n%s", outputs["yaml"])
	}
}
