package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/config"
	"github.com/cairn-dev/cairn/demo"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
)

// envDemoTick sets how often the demo world moves (a Go duration, default 1m).
const envDemoTick = "CAIRN_DEMO_TICK"

// Demo schedules: frequent enough to watch, light enough for a laptop.
const (
	demoDefaultTick = time.Minute
	demoMaxScale    = 100
	// The demo's data is disposable: Ctrl-C cancels a running sync after a second (what it
	// stored stays consistent) instead of letting it finish.
	demoShutdownGrace = time.Second
)

func demoCommand() *command {
	return &command{
		name:    "demo",
		summary: "Run cairn against a generated, moving program on a fake Jira and GitHub",
		help: `Generates a realistic program world (2 programs, 7 milestones, 6 teams across
4 Jira projects and 5 GitHub repos, 26 weeks of history), serves it from a fake
Jira Cloud and a fake GitHub on 127.0.0.1, writes a config pointing at them into a
temporary directory, and runs the real service against it: real connectors over
HTTP, the SQLite store, the rollup, /metrics, the status pages and the JSON API.
After the first full sync and rollup it prints where to look.

The world keeps moving: every minute (CAIRN_DEMO_TICK, e.g. 10s) a few issues
change status, pull requests open, get reviewed and merge, and every fourth
time the growing milestone gains an issue; the connectors sync every minute,
incrementally.

Nothing is written outside the temporary directory, which is removed on exit;
--db keeps the database in a file of your choice instead. The same --seed and
--scale give the same world. No credentials are needed: the fakes' tokens are
random and passed to the service through its environment, never printed. To
start syncs by hand (POST /api/v1/sync), choose the API token yourself with
CAIRN_DEMO_API_TOKEN.`,
		flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.addr, "addr", "127.0.0.1:9184", "listen `address` of the service (port 0 picks a free one)")
			fs.StringVar(&o.db, "db", "", "keep the database in this `file` (default: a temporary file)")
			fs.Int64Var(&o.seed, "seed", 1, "world `seed`: the same seed gives the same program")
			fs.IntVar(&o.scale, "scale", 1, "world `size` multiplier, 1..100 (1 is about 230 issues and 130 pull requests)")
		},
		run: runDemo,
	}
}

func runDemo(ctx context.Context, env Env, o *options, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if o.scale < 1 || o.scale > demoMaxScale {
		return usageError{fmt.Sprintf("--scale: must be 1..%d (got %d)", demoMaxScale, o.scale)}
	}
	if o.seed < 0 {
		return usageError{fmt.Sprintf("--seed: must not be negative (got %d)", o.seed)}
	}
	tick := demoDefaultTick
	if v := env.Getenv(envDemoTick); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return usageError{fmt.Sprintf("%s: must be a positive duration such as 30s (got %q)", envDemoTick, v)}
		}
		tick = d
	}
	if _, err := newLogger(env, o); err != nil { // bad --log-level or --log-format: exit 2 before any work
		return err
	}
	began := time.Now()
	d, err := startDemo(ctx, env, o)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := d.waitReady(ctx, began)
	if err != nil {
		if ctx.Err() != nil {
			return nil // interrupted while starting: a clean stop
		}
		return err
	}
	if err := demo.CheckReport(rep); err != nil {
		// The generator is tested against the real rollup; say so if a world still misses a case.
		d.log.Warn("the demo world does not show every case", "err", err)
	}
	d.tick = tick
	d.printBanner(env.Stdout, rep, time.Since(began))
	d.moveEvery(tick, d.log)
	<-ctx.Done()
	fmt.Fprintln(env.Stdout, "stopping the demo")
	return d.Close()
}

// demoRun is a running demo: the fakes, the config written for them, the store and the
// service, and the world's motion.
type demoRun struct {
	dir        string // temporary directory, removed by Close
	configPath string
	cfg        *config.Config
	fakes      *demo.Fakes
	motion     *demo.Motion
	db         *store.DB
	main       *Main
	log        *slog.Logger
	tick       time.Duration

	stopMotion context.CancelFunc
	motionDone chan struct{}
	closeOnce  sync.Once
	closeErr   error
}

// startDemo generates the world, starts the fakes, writes the config, and starts the service
// as `cairn serve` runs it (Main) with a full sync of every connector.
func startDemo(ctx context.Context, env Env, o *options) (_ *demoRun, err error) {
	dir, err := os.MkdirTemp("", "cairn-demo-")
	if err != nil {
		return nil, err
	}
	d := &demoRun{dir: dir}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	dbPath := filepath.Join(dir, "cairn.db")
	if o.db != "" {
		if dbPath, err = filepath.Abs(o.db); err != nil {
			return nil, err
		}
	}
	w := demo.Generate(uint64(o.seed), o.scale, time.Now())
	d.fakes = demo.Start(w, nil)
	d.motion = demo.NewMotion(d.fakes, uint64(o.seed), nil)
	d.configPath = filepath.Join(dir, "cairn.yaml")
	body := w.Config(demo.ConfigOptions{JiraURL: d.fakes.Jira.BaseURL(), GitHubURL: d.fakes.GitHub.EnterpriseURL(),
		Database: dbPath, Listen: o.addr, OutDir: filepath.Join(dir, "pages")})
	if err := os.WriteFile(d.configPath, body, 0o600); err != nil {
		return nil, err
	}
	// The fakes' tokens reach the config through the environment, as real secrets do. An API
	// token set in the real environment wins, so that a script can trigger syncs.
	vars := d.fakes.Env(newDemoToken())
	lookup := func(k string) (string, bool) {
		if v, ok := env.LookupEnv(k); ok && k == demo.EnvAPIToken && v != "" {
			return v, true
		}
		if v, ok := vars[k]; ok {
			return v, true
		}
		return env.LookupEnv(k)
	}
	if d.cfg, err = config.LoadEnv(d.configPath, lookup); err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	// Logs pass a filter that blanks the tokens, in case an upstream echoes one back.
	scrub := newScrubber(secretsOf(d.cfg))
	if d.log, err = newLogger(Env{Stdout: env.Stdout, Stderr: scrub.writer(env.Stderr), LookupEnv: env.LookupEnv}, o); err != nil {
		return nil, err
	}
	if d.db, err = store.Open(ctx, d.cfg.Database); err != nil {
		return nil, err
	}
	// The world is generated afresh at every start, also over a --db kept from an earlier
	// demo: every connector syncs in full now rather than only when it never succeeded.
	d.main = NewMain(d.cfg, d.log)
	d.main.DB, d.main.NoBootSync = d.db, true
	d.main.ShutdownGrace = demoShutdownGrace
	if err := d.main.Run(ctx); err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%w (another cairn? --addr 127.0.0.1:0 takes a free port)", err)
		}
		return nil, err
	}
	if _, err := d.main.Service.Sync(ctx, "all", true); err != nil {
		return nil, err
	}
	return d, nil
}

func newDemoToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// waitReady waits until each connector has a successful full sync that started after since
// and a rollup has been stored after them, and returns that report. A failed run fails it.
func (d *demoRun) waitReady(ctx context.Context, since time.Time) (*rollup.Report, error) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		rep, done, err := d.ready(ctx, since)
		if err != nil || done {
			return rep, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func (d *demoRun) ready(ctx context.Context, since time.Time) (*rollup.Report, bool, error) {
	var last time.Time
	for _, c := range []string{cairn.ConnectorJira, cairn.ConnectorGitHub} {
		runs, err := d.db.Runs(ctx, c, 1)
		if err != nil {
			return nil, false, err
		}
		if len(runs) == 0 || runs[0].StartedAt.Before(since.Truncate(time.Second)) {
			return nil, false, nil
		}
		switch runs[0].Status {
		case cairn.RunFailed:
			return nil, false, fmt.Errorf("first %s sync failed: %s", c, runs[0].Error)
		case cairn.RunOK:
			if runs[0].FinishedAt.After(last) {
				last = runs[0].FinishedAt
			}
		default:
			return nil, false, nil
		}
	}
	rep, err := rollup.Reports{DB: d.db}.LatestReport(ctx)
	if errors.Is(err, cairn.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return rep, !rep.AsOf.Before(last), nil
}

// printBanner says where to look. Only URLs, paths and the world's own names are printed.
func (d *demoRun) printBanner(w io.Writer, rep *rollup.Report, took time.Duration) {
	base := "http://" + d.main.Addr()
	fmt.Fprintf(w, "cairn demo: ready in %.1fs (%d Jira issues, %d pull requests synced from the fakes)\n\n",
		took.Seconds(), len(d.fakes.World.Issues), len(d.fakes.World.PRs))
	fmt.Fprintln(w, "Status pages:")
	for _, p := range rep.Programs {
		fmt.Fprintf(w, "  %-15s %-6s %s/programs/%s\n", p.Name, p.Status, base, url.PathEscape(pages.Slug(p.Name)))
	}
	fmt.Fprintln(w, "\nWhat the world shows:")
	for _, c := range demo.CaseList() {
		status := ""
		if p := rep.Program(c.Program); p != nil {
			if m := p.Milestone(c.Milestone); m != nil {
				status = string(m.Status)
			}
		}
		fmt.Fprintf(w, "  %-13s %s / %s (%s)\n", c.Shows+":", c.Program, c.Milestone, status)
	}
	fmt.Fprintf(w, "\nAll programs:   %s/programs\n", base)
	fmt.Fprintf(w, "Metrics:        %s/metrics\n", base)
	fmt.Fprintf(w, "Sync runs:      %s/api/v1/runs\n", base)
	fmt.Fprintf(w, "JSON API:       %s/api/v1/programs\n", base)
	fmt.Fprintf(w, "Config:         %s\n", d.configPath)
	fmt.Fprintf(w, "Database:       %s\n", d.cfg.Database)
	fmt.Fprintf(w, "Page files:     %s (HTML, Markdown, Confluence; every 5 minutes)\n", d.cfg.Pages.OutDir)
	fmt.Fprintf(w, "\nThe world moves every %s; cairn syncs it every minute. Ctrl-C to stop.\n", d.tick)
}

// moveEvery starts the world's motion; Close stops it.
func (d *demoRun) moveEvery(tick time.Duration, logger *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	d.stopMotion, d.motionDone = cancel, make(chan struct{})
	go func() {
		defer close(d.motionDone)
		d.motion.Run(ctx, tick, logger)
	}()
}

// Close stops the motion, the service, the store and the fakes, and removes the temporary
// directory (a --db file outside it stays).
func (d *demoRun) Close() error {
	d.closeOnce.Do(func() {
		var errs []error
		if d.stopMotion != nil {
			d.stopMotion()
			<-d.motionDone
		}
		if d.main != nil {
			errs = append(errs, d.main.Close())
		}
		if d.db != nil {
			errs = append(errs, d.db.Close())
		}
		if d.fakes != nil {
			d.fakes.Close()
		}
		errs = append(errs, os.RemoveAll(d.dir))
		d.closeErr = errors.Join(errs...)
	})
	return d.closeErr
}
