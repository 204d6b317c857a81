package validate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"sigs.k8s.io/yaml"
)

var (
	rulesFile     = filepath.Join("..", "prometheus", "rules", "cairn.rules.yml")
	rulesTest     = filepath.Join("..", "prometheus", "rules", "cairn_test.yml")
	dashboardsDir = filepath.Join("..", "grafana", "dashboards")
	// The collector's golden exposition lists every family publish/metrics emits.
	collectorGolden = filepath.Join("..", "..", "publish", "metrics", "testdata", "report.prom")
)

// serviceSeries are the health series the service registers (service/), which the rules and the
// sync health dashboard use.
var serviceSeries = []string{
	"cairn_build_info",
	"cairn_sync_last_success_timestamp_seconds",
	"cairn_sync_last_run_duration_seconds",
	"cairn_sync_runs_total",
	"cairn_sync_running",
	"cairn_api_requests_total",
	"cairn_api_rate_limit_remaining",
	"cairn_api_rate_limit_reset_timestamp_seconds",
	"cairn_sync_items_total",
	"cairn_job_runs_total",
	"cairn_job_skipped_total",
	"cairn_job_panics_total",
}

// ruleGroups is the part of a rules file both copies share.
type ruleGroups struct {
	Groups []monitoringv1.RuleGroup `json:"groups"`
}

func readRules(t *testing.T) ruleGroups {
	t.Helper()
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var g ruleGroups
	if err := yaml.UnmarshalStrict(b, &g); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	return g
}

// The PrometheusRule carries exactly the groups of the rules file Prometheus loads in compose.
func TestPrometheusRuleMatchesRulesFile(t *testing.T) {
	var pr monitoringv1.PrometheusRule
	strict(t, "prometheusrule.yaml", &pr)
	if pr.Kind != "PrometheusRule" || pr.APIVersion != "monitoring.coreos.com/v1" {
		t.Fatalf("got %s %s", pr.APIVersion, pr.Kind)
	}
	want := readRules(t)
	if !reflect.DeepEqual(pr.Spec.Groups, want.Groups) {
		a, _ := json.MarshalIndent(pr.Spec.Groups, "", " ")
		b, _ := json.MarshalIndent(want.Groups, "", " ")
		t.Errorf("deploy/kubernetes/prometheusrule.yaml differs from %s: copy the groups over\nk8s:\n%s\nfile:\n%s", rulesFile, a, b)
	}
}

func TestPromtoolRules(t *testing.T) {
	promtool := needTool(t, "promtool")
	for _, args := range [][]string{{"check", "rules", rulesFile}, {"test", "rules", rulesTest}} {
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// Every alert has a summary, a description and a runbook section in deploy/prometheus/README.md,
// and a test case in the promtool test file.
func TestAlertsDocumentedAndTested(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "prometheus", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(rulesTest)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range readRules(t).Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			for _, k := range []string{"summary", "description", "runbook_url"} {
				if r.Annotations[k] == "" {
					t.Errorf("%s: no %s annotation", r.Alert, k)
				}
			}
			if !strings.HasSuffix(r.Annotations["runbook_url"], "#"+strings.ToLower(r.Alert)) {
				t.Errorf("%s: runbook_url %q does not point at its README section", r.Alert, r.Annotations["runbook_url"])
			}
			if !strings.Contains(string(readme), "\n## "+r.Alert+"\n") {
				t.Errorf("%s: no '## %s' section in deploy/prometheus/README.md", r.Alert, r.Alert)
			}
			if n := strings.Count(string(tests), "alertname: "+r.Alert+"\n"); n < 2 {
				t.Errorf("%s: %d alert_rule_test cases, want one firing and one not", r.Alert, n)
			}
			if r.Labels["severity"] == "" {
				t.Errorf("%s: no severity label", r.Alert)
			}
		}
	}
}

// knownSeries returns the series names the rules and dashboards may use: the collector's
// families (from its golden exposition), the service's health series, the recording rules and
// Prometheus' own.
func knownSeries(t *testing.T) map[string]bool {
	t.Helper()
	known := map[string]bool{"ALERTS": true, "ALERTS_FOR_STATE": true, "up": true}
	for _, s := range serviceSeries {
		known[s] = true
	}
	f, err := os.Open(collectorGolden)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 4 && fields[1] == "TYPE" {
			known[fields[2]] = true
			if fields[3] == "summary" || fields[3] == "histogram" {
				known[fields[2]+"_sum"], known[fields[2]+"_count"] = true, true
			}
		}
	}
	if len(known) < 20 {
		t.Fatalf("only %d known series: is %s complete?", len(known), collectorGolden)
	}
	for _, g := range readRules(t).Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				known[r.Record] = true
			}
		}
	}
	return known
}

// seriesRef finds metric names in PromQL: cairn_ families and recording rules (level:metric:ops).
var seriesRef = regexp.MustCompile(`\b(cairn_[a-z0-9_]+|[a-z_]+:[a-z0-9_]+:[a-z0-9_]+|ALERTS)\b`)

func checkSeries(t *testing.T, where, expr string, known map[string]bool) {
	t.Helper()
	// Strip label matchers and strings first: their values are not series names.
	stripped := regexp.MustCompile(`"[^"]*"`).ReplaceAllString(expr, `""`)
	for _, m := range seriesRef.FindAllString(stripped, -1) {
		if !known[m] {
			t.Errorf("%s: %s is not a series cairn or its rules produce", where, m)
		}
	}
}

func TestRulesUseKnownSeries(t *testing.T) {
	known := knownSeries(t)
	for _, g := range readRules(t).Groups {
		for _, r := range g.Rules {
			checkSeries(t, g.Name+"/"+r.Record+r.Alert, r.Expr.String(), known)
		}
	}
}

// promtoolParse checks that every expression parses, by loading them as recording rules.
func promtoolParse(t *testing.T, exprs map[string]string) {
	t.Helper()
	promtool := needTool(t, "promtool")
	var rules []map[string]string
	names := make([]string, 0, len(exprs))
	for where := range exprs {
		names = append(names, where)
	}
	slices.Sort(names)
	for i, where := range names {
		rules = append(rules, map[string]string{"record": fmt.Sprintf("dashboard_expr_%d", i), "expr": exprs[where]})
	}
	b, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboards", "rules": rules}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboards.rules.yml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
		for i, where := range names {
			if strings.Contains(string(out), fmt.Sprintf("%q", fmt.Sprintf("dashboard_expr_%d", i))) {
				t.Logf("dashboard_expr_%d is %s: %s", i, where, exprs[where])
			}
		}
		t.Errorf("promtool check rules on the dashboards' expressions: %v\n%s", err, out)
	}
}
