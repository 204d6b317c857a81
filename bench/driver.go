package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cairn-dev/cairn/connectors/github/githubtest"
)

// Config is one harness run.
type Config struct {
	Sizes     []Size
	Latencies []time.Duration
	Dir       string // scratch directory for databases
	// Keep leaves each size's synced database in Dir (DIR/SIZE/sync-0.db) for measuring a
	// stage again by hand: "cairnbench child" with the logged as-of time.
	Keep bool
	Self string    // the executable that runs stages ("cairnbench child ...")
	Log  io.Writer // progress lines
}

// Row is one measured stage.
type Row struct {
	Size    Size          `json:"size"`
	Latency time.Duration `json:"latency_ns"`
	Stage   string        `json:"stage"`
	ChildResult
	// ServerRequests is what the fake served during the stage (304s and faults included).
	ServerRequests int `json:"server_requests"`
	// Load1 is the machine's 1-minute load average when the stage ended: other work on the
	// machine shows here.
	Load1 float64 `json:"load1"`
	// FloorWall is the stage's physical floor: the slower of the fetch floor (same latency)
	// and the store floor; zero for stages without one.
	FloorWall time.Duration `json:"floor_wall_ns,omitempty"`
	// FloorCPU is the CPU time of the fetch floor and the store floor together: what a sync
	// must spend at least, whatever else the machine does.
	FloorCPU time.Duration `json:"floor_cpu_ns,omitempty"`
}

// Results are a whole run.
type Results struct {
	Started time.Time `json:"started"`
	Machine string    `json:"machine"`
	Command string    `json:"command"`
	Rows    []Row     `json:"rows"`
}

// Merge adds the rows of next to r, replacing r's rows of the same size measured in next
// (rows of a latency next did not measure are kept), and notes both commands.
func (r *Results) Merge(next *Results) {
	type key struct {
		size Size
		lat  time.Duration
	}
	measured := map[key]bool{}
	for _, row := range next.Rows {
		measured[key{row.Size, row.Latency}] = true
	}
	var rows []Row
	for _, row := range r.Rows {
		if !measured[key{row.Size, row.Latency}] {
			rows = append(rows, row)
		}
	}
	rows = append(rows, next.Rows...)
	slices.SortStableFunc(rows, func(a, b Row) int { return int(a.Size - b.Size) })
	r.Rows = rows
	r.Command += "; then " + next.Command
	r.Machine = next.Machine
}

// AsOf is the rollup's clock: the harness's start (the fake Jira's history ends now).
var AsOf = time.Now().UTC().Truncate(time.Second)

// Run measures every size at every latency.
func Run(ctx context.Context, cfg Config) (*Results, error) {
	res := &Results{Started: time.Now().UTC(), Machine: Machine()}
	logf := func(format string, args ...any) {
		fmt.Fprintf(cfg.Log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
	for _, size := range cfg.Sizes {
		rows, err := runSize(ctx, cfg, size, logf)
		res.Rows = append(res.Rows, rows...)
		if err != nil {
			return res, fmt.Errorf("size %s: %w", size, err)
		}
	}
	return res, nil
}

func runSize(ctx context.Context, cfg Config, size Size, logf func(string, ...any)) ([]Row, error) {
	dir := filepath.Join(cfg.Dir, size.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if !cfg.Keep {
		defer os.RemoveAll(dir)
	}
	logf("size %s: %d Jira issues in %d projects; %d PRs and %d GitHub issues in %d repos", size, int(size), jiraProjects,
		size.PRs(), size.GitHubIssues(), repos)
	data := GitHubWorld(size)
	var latency atomic.Int64
	gh := githubtest.New(githubtest.Options{RateLimit: 1 << 40, OnRequest: func(*http.Request) {
		if d := time.Duration(latency.Load()); d > 0 {
			time.Sleep(d)
		}
	}})
	defer gh.Close()
	gh.Load(data)

	var rows []Row
	// stage runs one stage in a child against url; served counts the fake's requests.
	stage := func(lat time.Duration, name, url, db string, served func() int) (Row, error) {
		before := served()
		logf("size %s latency %v: %s", size, lat, name)
		cr, err := runChild(ctx, cfg.Self, ChildArgs{Stage: name, URL: url, DB: db, Issues: int(size), AsOf: AsOf})
		if err != nil {
			return Row{}, fmt.Errorf("%s: %w", name, err)
		}
		r := Row{Size: size, Latency: lat, Stage: name, ChildResult: cr, ServerRequests: served() - before, Load1: loadAvg()}
		logf("  wall %.2fs cpu %.2fs rss %dMB requests %d items %d", cr.Wall.Seconds(), cr.CPU.Seconds(), cr.PeakRSS>>20, r.ServerRequests, cr.Items)
		return r, nil
	}
	ghServed := func() int { return gh.Stats().Requests }
	none := func() int { return 0 }
	// Warm the fakes' rendered pages and caches so that no stage pays for them.
	if _, err := stage(0, StageFetchFloor, gh.BaseURL(), "", ghServed); err != nil {
		return rows, err
	}
	jira0 := JiraServer(size, 0)
	defer jira0.Close()
	if _, err := stage(0, StageJiraFetchFloor, jira0.URL, "", func() int { return jira0.Stats().Requests }); err != nil {
		return rows, err
	}
	var ghStore, jiraStore Row
	var rollupDB string
	for li, lat := range cfg.Latencies {
		db := filepath.Join(dir, fmt.Sprintf("sync-%d.db", li))
		// GitHub.
		latency.Store(int64(lat))
		fetch, err := stage(lat, StageFetchFloor, gh.BaseURL(), "", ghServed)
		if err != nil {
			return rows, err
		}
		rows = append(rows, fetch)
		if li == 0 {
			latency.Store(0)
			if ghStore, err = stage(0, StageStoreFloor, gh.BaseURL(), filepath.Join(dir, "gh-store-floor.db"), none); err != nil {
				return rows, err
			}
			ghStore.Latency, ghStore.ServerRequests = -1, 0 // independent of latency; fetching is outside
			rows = append(rows, ghStore)
			latency.Store(int64(lat))
		}
		full, err := stage(lat, StageFullSync, gh.BaseURL(), db, ghServed)
		if err != nil {
			return rows, err
		}
		full.FloorWall, full.FloorCPU = max(fetch.Wall, ghStore.Wall), fetch.CPU+ghStore.CPU
		rows = append(rows, full)
		idle, err := stage(lat, StageIdleSync, gh.BaseURL(), db, ghServed)
		if err != nil {
			return rows, err
		}
		rows = append(rows, idle)
		if err := changeOnePercent(gh, data); err != nil {
			return rows, err
		}
		changed, err := stage(lat, StageChangedSync, gh.BaseURL(), db, ghServed)
		if err != nil {
			return rows, err
		}
		rows = append(rows, changed)
		latency.Store(0)

		// Jira: a site per latency (the fake's latency is fixed at its start).
		jira := jira0
		if lat != 0 {
			jira = JiraServer(size, lat)
			defer jira.Close()
		}
		jServed := func() int { return jira.Stats().Requests }
		jfetch, err := stage(lat, StageJiraFetchFloor, jira.URL, "", jServed)
		if err != nil {
			return rows, err
		}
		rows = append(rows, jfetch)
		if li == 0 {
			if jiraStore, err = stage(0, StageJiraStoreFloor, jira0.URL, filepath.Join(dir, "jira-store-floor.db"), none); err != nil {
				return rows, err
			}
			jiraStore.Latency = -1
			rows = append(rows, jiraStore)
		}
		jfull, err := stage(lat, StageJiraFull, jira.URL, db, jServed)
		if err != nil {
			return rows, err
		}
		jfull.FloorWall, jfull.FloorCPU = max(jfetch.Wall, jiraStore.Wall), jfetch.CPU+jiraStore.CPU
		rows = append(rows, jfull)
		jidle, err := stage(lat, StageJiraIdle, jira.URL, db, jServed)
		if err != nil {
			return rows, err
		}
		rows = append(rows, jidle)
		if err := ChangeJiraOnePercent(jira, size); err != nil {
			return rows, err
		}
		jchanged, err := stage(lat, StageJiraChanged, jira.URL, db, jServed)
		if err != nil {
			return rows, err
		}
		rows = append(rows, jchanged)
		if li == 0 {
			rollupDB = db
			if cfg.Keep {
				logf("size %s: synced database kept at %s; the rollup's as-of is %s", size, db, AsOf.Format(time.RFC3339))
			}
		} else {
			os.Remove(db)
		}
	}
	for _, name := range []string{StageRollupFirst, StageRollup, StageScrape, StageRender} {
		r, err := stage(0, name, "", rollupDB, none)
		if err != nil {
			return rows, err
		}
		r.Latency = -1
		rows = append(rows, r)
	}
	return rows, nil
}

// loadAvg is the 1-minute load average (0 where /proc/loadavg is absent).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var l float64
	fmt.Sscan(string(b), &l)
	return l
}

// changeOnePercent bumps every 100th pull request and issue of every repo (updated now).
func changeOnePercent(srv *githubtest.Server, data []githubtest.Repo) error {
	for _, r := range data {
		for i := 0; i < len(r.PRs); i += 100 {
			if err := srv.UpdatePR(r.FullName(), r.PRs[i].Number, func(p *githubtest.PR) { p.Title += " (edited)" }); err != nil {
				return err
			}
		}
		for i := 0; i < len(r.Issues); i += 100 {
			if err := srv.UpdateIssue(r.FullName(), r.Issues[i].Number, func(is *githubtest.Issue) { is.Title += " (edited)" }); err != nil {
				return err
			}
		}
	}
	return nil
}

// runChild runs one stage in a process of its own and decodes its result.
func runChild(ctx context.Context, self string, a ChildArgs) (ChildResult, error) {
	arg, err := json.Marshal(a)
	if err != nil {
		return ChildResult{}, err
	}
	cmd := exec.CommandContext(ctx, self, "child", string(arg))
	// A child outlives nothing: if the harness dies, so does the stage it was measuring.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return ChildResult{}, fmt.Errorf("%v: %s", err, bytes.TrimSpace(errb.Bytes()))
	}
	var cr ChildResult
	if err := json.Unmarshal(out.Bytes(), &cr); err != nil {
		return ChildResult{}, fmt.Errorf("decode child result %q: %w", out.String(), err)
	}
	return cr, nil
}
