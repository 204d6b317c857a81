package metrics

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRealPrometheusOnDemo points a real Prometheus, with deploy/prometheus's rules, at the real
// `cairn demo` (built from cmd/cairn and run as a child process): every dashboard query returns
// data, and the milestone alerts hold on the demo's slipping milestone and on none of its
// healthy ones (on track, done) beyond info level.
func TestRealPrometheusOnDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cairn and starts it and a Prometheus server")
	}
	bin := needTool(t, "prometheus")
	dir := t.TempDir()
	cairn := filepath.Join(dir, "cairn")
	if out, err := exec.Command("go", "build", "-o", cairn, "../../cmd/cairn").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freePort(t)
	demo := exec.Command(cairn, "demo", "--addr", addr, "--log-level", "warn")
	demo.Dir = dir
	demo.Env = append(demo.Environ(), "TMPDIR="+dir)
	stdout, err := demo.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = demo.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { _ = demo.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = demo.Process.Kill()
			<-done
		}
	})
	// The banner is printed once the first sync and rollup are stored.
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "cairn demo: ready") {
				ready <- nil
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- fmt.Errorf("cairn demo exited before it was ready: %v", sc.Err())
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("cairn demo not ready after 2 minutes")
	}

	p := startPrometheus(t, bin, addr)
	p.eventually(t, 90*time.Second, "three scrapes of the demo", func() error {
		n, err := p.query(`count_over_time(cairn_rollup_up{job="cairn"}[1m]) >= 3`)
		if err == nil && n == 0 {
			err = fmt.Errorf("fewer than 3 scrapes")
		}
		return err
	})

	t.Run("every dashboard query returns data", func(t *testing.T) {
		panels, _ := dashboardQueries(t, "Checkout v2")
		for where, expr := range panels {
			// A healthy demo may not have had an upstream error yet: the error panel's series
			// appear with the first non-2xx answer (a 304 of the first incremental GitHub
			// sync). It must still run; TestRealPrometheus gives it data.
			errorsOnly := strings.Contains(expr, `code!~"2.."`)
			p.eventually(t, 30*time.Second, where+": "+expr, func() error {
				n, err := p.query(expr)
				if err == nil && n == 0 && !errorsOnly {
					err = fmt.Errorf("no data")
				}
				return err
			})
		}
	})

	t.Run("alerts hold on the slipping milestone, not on the healthy one", func(t *testing.T) {
		milestonesAlerted := func() (map[string][]string, error) {
			resp, err := http.Get(p.base + "/api/v1/alerts")
			if err != nil {
				return nil, err
			}
			defer resp.Body.Close()
			var v struct {
				Data struct {
					Alerts []struct {
						Labels map[string]string `json:"labels"`
					} `json:"alerts"`
				} `json:"data"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
				return nil, err
			}
			out := map[string][]string{}
			for _, a := range v.Data.Alerts {
				if m := a.Labels["milestone"]; m != "" {
					out[m] = append(out[m], a.Labels["alertname"]+"/"+a.Labels["severity"])
				}
			}
			return out, nil
		}
		// The rules wait 30m-1h before firing: a pending alert shows its condition holds.
		var got map[string][]string
		p.eventually(t, 60*time.Second, "an alert on Mobile launch", func() error {
			var err error
			if got, err = milestonesAlerted(); err != nil {
				return err
			}
			if len(got["Mobile launch"]) == 0 {
				return fmt.Errorf("alerts by milestone: %v", got)
			}
			return nil
		})
		// Info alerts may hold on a healthy milestone: without a configured baseline the demo's
		// GA counts its first items as scope added since the first snapshot (ScopeCreep/info).
		for _, m := range []string{"GA", "Beta"} {
			for _, a := range got[m] {
				if !strings.HasSuffix(a, "/info") {
					t.Errorf("alert %s on the healthy milestone %s", a, m)
				}
			}
		}
		t.Logf("alerts by milestone: %v", got)
	})
}
