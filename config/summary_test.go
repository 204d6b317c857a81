package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSummary(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		data string
		want string
	}{
		{
			name: "example",
			env:  map[string]string{"JIRA_API_TOKEN": testSecret, "GITHUB_TOKEN": testSecret},
			data: string(Example()),
			want: `database: cairn.db
listen:   127.0.0.1:9184, write API off (no api_token)
timezone: UTC
jira:     https://acme.atlassian.net (auto), projects PAY, CORE
          sync "*/15 * * * *", reconcile "17 3 * * *"
github:   https://api.github.com/ (token auth), repos acme/payments, acme/web
          sync "*/10 * * * *", reconcile "37 3 * * *"
teams:    Payments
programs: 1
  Checkout v2: 2 milestones
    Beta (due 2026-12-15): jira fix versions "PAY 2.0-beta"; jira epics PAY-100; github milestones acme/payments:v2.0-beta; github labels acme/payments:beta; github repos acme/web
    GA: jira fix versions "PAY 2.0"
pages:    pages, schedule "0 7 * * 1"
`,
		},
		{
			name: "github app and confluence",
			env:  map[string]string{"CAIRN_API_TOKEN": testSecret, "CONFLUENCE_TOKEN": testSecret},
			data: `api_token: ${CAIRN_API_TOKEN}
github:
  app: {app_id: 12, installation_id: 34, private_key_file: /etc/cairn/app.pem}
  repos: ["acme/*"]
pages:
  confluence: {url: "https://wiki.example.com", space: TPM, token: "${CONFLUENCE_TOKEN}"}
programs:
  - name: Web
    milestones: [{name: M1, github: {labels: ["acme/web:m1"]}}]
`,
			want: `database: cairn.db
listen:   127.0.0.1:9184, write API on
timezone: UTC
jira:     off
github:   https://api.github.com/ (app 12, installation 34 auth), repos acme/*
          sync "*/10 * * * *", reconcile "37 3 * * *"
programs: 1
  Web: 1 milestone
    M1: github labels acme/web:m1
pages:    pages, schedule "0 7 * * 1", Confluence space TPM at https://wiki.example.com
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("cairn.yaml", []byte(tt.data), testEnv(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.Summary()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
			if strings.Contains(got, testSecret) {
				t.Errorf("summary shows a secret:\n%s", got)
			}
		})
	}
}
