package metrics

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

// This file runs a real Prometheus (the binary .ci/run installs) against the collector: it
// scrapes a hand-built report every second with deploy/prometheus's rules loaded, then runs
// every dashboard query and checks which alerts the rules raise. It skips without the binary,
// except under CI.

var rulesPath = filepath.Join("..", "..", "deploy", "prometheus", "rules", "cairn.rules.yml")

// serviceHealth registers the service's health series (service/ owns them; the names are the
// contract the rules and the sync health dashboard use) with plausible values, so that every
// dashboard query has data.
func serviceHealth(reg interface{ MustRegister(...prometheus.Collector) }, now time.Time) {
	gauge := func(name string, labels []string, set func(*prometheus.GaugeVec)) {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: name}, labels)
		set(g)
		reg.MustRegister(g)
	}
	counter := func(name string, labels []string, set func(*prometheus.CounterVec)) {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: name}, labels)
		set(c)
		reg.MustRegister(c)
	}
	conns := []string{"jira", "github"}
	gauge("cairn_build_info", []string{"version", "revision", "goversion"}, func(g *prometheus.GaugeVec) {
		g.WithLabelValues("0.1.0", "abc123", "go1.26").Set(1)
	})
	gauge("cairn_sync_last_success_timestamp_seconds", []string{"connector"}, func(g *prometheus.GaugeVec) {
		for _, c := range conns {
			g.WithLabelValues(c).Set(float64(now.Add(-5 * time.Minute).Unix()))
		}
	})
	gauge("cairn_sync_last_run_duration_seconds", []string{"connector"}, func(g *prometheus.GaugeVec) {
		for _, c := range conns {
			g.WithLabelValues(c).Set(12.5)
		}
	})
	gauge("cairn_sync_running", []string{"connector"}, func(g *prometheus.GaugeVec) {
		for _, c := range conns {
			g.WithLabelValues(c).Set(0)
		}
	})
	gauge("cairn_api_rate_limit_remaining", []string{"connector"}, func(g *prometheus.GaugeVec) {
		for _, c := range conns {
			g.WithLabelValues(c).Set(4000)
		}
	})
	counter("cairn_sync_runs_total", []string{"connector", "outcome"}, func(c *prometheus.CounterVec) {
		for _, n := range conns {
			c.WithLabelValues(n, "ok").Add(40)
			c.WithLabelValues(n, "failed").Add(1)
		}
	})
	counter("cairn_api_requests_total", []string{"connector", "code"}, func(c *prometheus.CounterVec) {
		for _, n := range conns {
			c.WithLabelValues(n, "200").Add(900)
			c.WithLabelValues(n, "429").Add(3)
		}
	})
	counter("cairn_sync_items_total", []string{"connector", "kind"}, func(c *prometheus.CounterVec) {
		c.WithLabelValues("jira", "issue").Add(5000)
		c.WithLabelValues("github", "pull_request").Add(800)
	})
	counter("cairn_job_runs_total", []string{"task", "outcome"}, func(c *prometheus.CounterVec) {
		c.WithLabelValues("rollup", "ok").Add(80)
	})
	counter("cairn_job_skipped_total", []string{"task"}, func(c *prometheus.CounterVec) {
		c.WithLabelValues("sync-jira").Add(2)
	})
	counter("cairn_job_panics_total", []string{"task"}, func(c *prometheus.CounterVec) {
		c.WithLabelValues("sync-jira").Add(0)
	})
}

// promServer is a running Prometheus.
type promServer struct {
	base string
	cmd  *exec.Cmd
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startPrometheus runs prometheus scraping target every second with the rules loaded, and stops
// it when the test ends.
func startPrometheus(t *testing.T, bin, target string) *promServer {
	t.Helper()
	dir := t.TempDir()
	rules, err := filepath.Abs(rulesPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: cairn
    static_configs:
      - targets: [%q]
`, rules, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr,
		"--log.level=warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				t.Logf("prometheus log:\n%s", b)
			}
		}
	})
	p := &promServer{base: "http://" + addr, cmd: cmd}
	p.eventually(t, 60*time.Second, "prometheus ready", func() error {
		select {
		case err := <-done:
			done <- err
			return fmt.Errorf("prometheus exited: %v", err)
		default:
		}
		resp, err := http.Get(p.base + "/-/ready")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
	return p
}

// eventually polls check every 250ms until it succeeds, failing the test at the deadline with
// the last error.
func (p *promServer) eventually(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %s: %v", what, timeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// apiResult is the envelope of Prometheus' HTTP API.
type apiResult struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

func (p *promServer) get(path string, q url.Values) (json.RawMessage, error) {
	resp, err := http.Get(p.base + path + "?" + q.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r apiResult
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: status %d: %w", path, resp.StatusCode, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s: %s", path, r.ErrorType, r.Error)
	}
	return r.Data, nil
}

// query runs an instant query and returns the number of series (or 1 for a scalar).
func (p *promServer) query(expr string) (int, error) {
	data, err := p.get("/api/v1/query", url.Values{"query": {expr}})
	if err != nil {
		return 0, err
	}
	var v struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return 0, err
	}
	if v.ResultType == "scalar" || v.ResultType == "string" {
		return 1, nil
	}
	var series []json.RawMessage
	if err := json.Unmarshal(v.Result, &series); err != nil {
		return 0, err
	}
	return len(series), nil
}

// dashboardQueries returns the PromQL of every panel, annotation and variable of the
// provisioned dashboards, with the template variables set as a user would.
func dashboardQueries(t *testing.T, program string) (panels, others map[string]string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "deploy", "grafana", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	vars := strings.NewReplacer(`$program`, program, `$milestone`, `.+`, `$connector`, `.+`)
	type panel struct {
		ID      int    `json:"id"`
		Title   string `json:"title"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*[a-z_]+\)$`)
	panels, others = map[string]string{}, map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels     []panel `json:"panels"`
			Templating struct {
				List []struct {
					Name       string `json:"name"`
					Definition string `json:"definition"`
				} `json:"list"`
			} `json:"templating"`
			Annotations struct {
				List []struct {
					Name string `json:"name"`
					Expr string `json:"expr"`
				} `json:"list"`
			} `json:"annotations"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := filepath.Base(f)
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				panels[fmt.Sprintf("%s panel %d %q %s", name, p.ID, p.Title, tg.RefID)] = vars.Replace(tg.Expr)
			}
		}
		for _, a := range d.Annotations.List {
			others[fmt.Sprintf("%s annotation %q", name, a.Name)] = vars.Replace(a.Expr)
		}
		for _, v := range d.Templating.List {
			if m := labelValues.FindStringSubmatch(v.Definition); m != nil {
				panels[fmt.Sprintf("%s variable %s", name, v.Name)] = vars.Replace(m[1])
			}
		}
	}
	return panels, others
}

// alertKey is an alert as the test compares it.
type alertKey struct{ Alert, Program, Milestone string }

func TestRealPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Prometheus server")
	}
	bin := needTool(t, "prometheus")
	now := time.Now()
	// As cairn serve serves them: the service's series live, the report's through Handler.
	var live collectorList
	serviceHealth(&live, now)
	srv := httptest.NewServer(Handler(New(newFixed(testReport(now)), Options{}), live...))
	defer srv.Close()

	p := startPrometheus(t, bin, strings.TrimPrefix(srv.URL, "http://"))
	// Three scrapes at least, so that rate() and increase() have two samples.
	p.eventually(t, 90*time.Second, "scrapes", func() error {
		n, err := p.query(`count_over_time(cairn_rollup_up{job="cairn"}[1m])`)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("no sample of cairn_rollup_up yet")
		}
		v, err := p.get("/api/v1/query", url.Values{"query": {`count_over_time(cairn_rollup_up{job="cairn"}[1m]) >= 3`}})
		if err != nil {
			return err
		}
		if !strings.Contains(string(v), `"metric"`) {
			return fmt.Errorf("fewer than 3 scrapes")
		}
		return nil
	})

	t.Run("every dashboard query returns data", func(t *testing.T) {
		panels, others := dashboardQueries(t, "checkout")
		if len(panels) < 25 {
			t.Fatalf("only %d dashboard queries", len(panels))
		}
		for where, expr := range panels {
			p.eventually(t, 30*time.Second, where+": "+expr, func() error {
				n, err := p.query(expr)
				if err == nil && n == 0 {
					err = fmt.Errorf("no data")
				}
				return err
			})
		}
		// ALERTS{alertstate="firing"} is empty until an alert has fired: these must parse.
		for where, expr := range others {
			if _, err := p.query(expr); err != nil {
				t.Errorf("%s: %s: %v", where, expr, err)
			}
		}
	})

	t.Run("every rule evaluates without error", func(t *testing.T) {
		p.eventually(t, 60*time.Second, "rule health", func() error {
			data, err := p.get("/api/v1/rules", nil)
			if err != nil {
				return err
			}
			var v struct {
				Groups []struct {
					Name  string `json:"name"`
					Rules []struct {
						Name      string `json:"name"`
						Query     string `json:"query"`
						Health    string `json:"health"`
						LastError string `json:"lastError"`
					} `json:"rules"`
				} `json:"groups"`
			}
			if err := json.Unmarshal(data, &v); err != nil {
				return err
			}
			n := 0
			for _, g := range v.Groups {
				for _, r := range g.Rules {
					n++
					if r.Health != "ok" {
						return fmt.Errorf("%s/%s: health %s %s", g.Name, r.Name, r.Health, r.LastError)
					}
					// Each alert expression also runs through the query API.
					if _, err := p.query(r.Query); err != nil {
						return fmt.Errorf("%s/%s: %w", g.Name, r.Name, err)
					}
				}
			}
			if n < 15 {
				return fmt.Errorf("only %d rules loaded", n)
			}
			return nil
		})
	})

	t.Run("alerts fire on the slipping milestones only", func(t *testing.T) {
		want := []alertKey{
			{"MilestoneBurnupShortfall", "checkout", "v2-launch"},
			{"MilestoneForecastAfterDueDate", "checkout", "legacy-sunset"},
			{"MilestoneForecastAfterDueDate", "checkout", "v2-launch"},
			{"MilestoneOverdue", "checkout", "legacy-sunset"},
			{"MilestoneScopeCreep", "checkout", "v2-launch"},
			{"MilestoneStalled", "checkout", "v2-launch"},
		}
		var got []alertKey
		// The rules wait 30m-1h before firing: pending alerts show that the condition holds.
		p.eventually(t, 60*time.Second, "alerts", func() error {
			data, err := p.get("/api/v1/alerts", nil)
			if err != nil {
				return err
			}
			var v struct {
				Alerts []struct {
					Labels map[string]string `json:"labels"`
					State  string            `json:"state"`
				} `json:"alerts"`
			}
			if err := json.Unmarshal(data, &v); err != nil {
				return err
			}
			got = got[:0]
			for _, a := range v.Alerts {
				got = append(got, alertKey{a.Labels["alertname"], a.Labels["program"], a.Labels["milestone"]})
			}
			slices.SortFunc(got, func(a, b alertKey) int {
				return strings.Compare(a.Alert+a.Program+a.Milestone, b.Alert+b.Program+b.Milestone)
			})
			if d := cmp.Diff(want, got); d != "" {
				return fmt.Errorf("alerts (-want +got):\n%s", d)
			}
			return nil
		})
	})
}
