package metrics

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/cairn-dev/cairn/rollup"
)

var update = flag.Bool("update", false, "rewrite the golden exposition files in testdata")

// exposition renders what a scrape of c returns, in the text format.
func exposition(t testing.TB, c prometheus.Collector) []byte {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func golden(t *testing.T, name string, c prometheus.Collector) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, exposition(t, c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	defer f.Close()
	if err := testutil.CollectAndCompare(c, f); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}

func goldenCollector(r *rollup.Report) *Collector {
	clock := newClock(goldenNow)
	return New(newFixed(r), Options{Now: clock.Now})
}

func TestGoldenReport(t *testing.T) {
	golden(t, "report.prom", goldenCollector(testReport(goldenNow)))
}

// A missing report is no error page: the scrape answers with cairn_rollup_up 0 only.
func TestGoldenNoReport(t *testing.T) {
	golden(t, "no_report.prom", goldenCollector(nil))
}

func TestLint(t *testing.T) {
	problems, err := testutil.CollectAndLint(goldenCollector(testReport(goldenNow)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// promtool check metrics runs the same lint as CollectAndLint, from the Prometheus release CI
// installs; it fails CI when missing.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := needTool(t, "promtool")
	for _, r := range []*rollup.Report{testReport(goldenNow), nil} {
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(exposition(t, goldenCollector(r)))
		if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	}
}

// needTool skips when a tool is missing on a developer's machine, and fails under CI, where
// .ci/run installs it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: .ci/run must install it", name)
		}
		t.Skipf("%s not installed", name)
	}
	return path
}

func TestDescribeCoversCollect(t *testing.T) {
	// The pedantic registry fails Gather when Collect emits a metric Describe did not announce.
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(goldenCollector(testReport(goldenNow)))
	if _, err := reg.Gather(); err != nil {
		t.Fatal(err)
	}
}

func TestEveryMilestoneHasAllCategoriesAndStatuses(t *testing.T) {
	c := goldenCollector(testReport(goldenNow))
	// 6 milestones x 3 categories; 6 x 5 statuses; 2 programs x 5 statuses.
	for name, want := range map[string]int{"cairn_milestone_items": 18, "cairn_milestone_status": 30,
		"cairn_program_status": 10, "cairn_milestone_info": 6, "cairn_milestone_points": 6,
		"cairn_milestone_forecast_completion_timestamp_seconds": 12} {
		if got := testutil.CollectAndCount(c, name); got != want {
			t.Errorf("%s: got %d series, want %d", name, got, want)
		}
	}
	out := string(exposition(t, c))
	for _, bad := range []string{"PAY-12", "WEB-3", "acme/web", `team="unused"`, `team="ghost"`} {
		if strings.Contains(out, bad) {
			t.Errorf("exposition contains %q: no issue keys, PRs or teams feeding no program", bad)
		}
	}
}

func TestReadFailureKeepsLastReport(t *testing.T) {
	clock := newClock(goldenNow)
	src := newFixed(testReport(goldenNow))
	c := New(src, Options{Now: clock.Now})
	before := testutil.CollectAndCount(c, "cairn_milestone_items")
	src.err = errors.New("database is locked")
	clock.Advance(2 * time.Minute) // past MaxAge: the collector reads again and fails
	if got := testutil.ToFloat64(onlyUp(c)); got != 0 {
		t.Errorf("cairn_rollup_up after a failed read: got %v, want 0", got)
	}
	if got := testutil.CollectAndCount(c, "cairn_milestone_items"); got != before {
		t.Errorf("after a failed read: got %d item series, want the last report's %d", got, before)
	}
}

// onlyUp filters c to cairn_rollup_up.
func onlyUp(c *Collector) prometheus.Collector {
	return filter{c, "cairn_rollup_up"}
}

type filter struct {
	c    prometheus.Collector
	name string
}

func (f filter) Describe(ch chan<- *prometheus.Desc) { ch <- descUp }

func (f filter) Collect(ch chan<- prometheus.Metric) {
	all := make(chan prometheus.Metric)
	go func() { f.c.Collect(all); close(all) }()
	for m := range all {
		if m.Desc() == descUp {
			ch <- m
		}
	}
}

func TestCacheMaxAge(t *testing.T) {
	clock := newClock(goldenNow)
	src := newFixed(testReport(goldenNow))
	c := New(src, Options{Now: clock.Now, MaxAge: time.Minute})
	for range 3 {
		testutil.CollectAndCount(c)
	}
	if n := src.reads.Load(); n != 1 {
		t.Errorf("three scrapes within MaxAge: got %d reads, want 1", n)
	}
	clock.Advance(61 * time.Second)
	testutil.CollectAndCount(c)
	if n := src.reads.Load(); n != 2 {
		t.Errorf("a scrape after MaxAge: got %d reads, want 2", n)
	}
}
