// Command cairnbench runs cairn's benchmark harness (see package bench and bench/run):
//
//	cairnbench [--sizes 10k,100k] [--latency 0,100ms] [--out DIR] [--scratch DIR [--keep]]
//
// writes DIR/latest.md (the table and goal checks), DIR/latest.json and DIR/scaling.svg.
// "cairnbench child JSON" runs one stage; the harness starts it, one process per stage.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/cairn-dev/cairn/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) > 2 && os.Args[1] == "child" {
		if err := child(ctx, os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "cairnbench child:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cairnbench:", err)
		os.Exit(1)
	}
}

func child(ctx context.Context, arg string) error {
	var a bench.ChildArgs
	if err := json.Unmarshal([]byte(arg), &a); err != nil {
		return err
	}
	// CAIRN_BENCH_CPUPROFILE=FILE profiles a stage run by hand (cairnbench child JSON).
	if path := os.Getenv("CAIRN_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := bench.RunChild(ctx, a)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("cairnbench", flag.ContinueOnError)
	sizes := fs.String("sizes", "10k,100k", "world `sizes` in issues, comma-separated (10k, 100k, 1M)")
	lats := fs.String("latency", "0,100ms", "per-request `latencies` of the fakes, comma-separated")
	out := fs.String("out", "bench/results", "output `directory`")
	scratch := fs.String("scratch", "", "scratch `directory` for databases (default: a temporary one)")
	keep := fs.Bool("keep", false, "keep each size's synced database in --scratch (DIR/SIZE/sync-0.db)")
	merge := fs.Bool("merge", false, "merge into the results in --out: rows of other sizes and latencies are kept")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := bench.Config{Log: os.Stderr}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := bench.ParseSize(s)
		if err != nil {
			return err
		}
		cfg.Sizes = append(cfg.Sizes, n)
	}
	for _, s := range strings.Split(*lats, ",") {
		s = strings.TrimSpace(s)
		if s == "0" {
			s = "0s"
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return fmt.Errorf("latency %q: want a duration such as 0 or 100ms", s)
		}
		cfg.Latencies = append(cfg.Latencies, d)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cfg.Self = self
	cfg.Dir = *scratch
	if *keep && cfg.Dir == "" {
		return fmt.Errorf("--keep needs --scratch: where to keep the databases")
	}
	cfg.Keep = *keep
	if cfg.Dir == "" {
		if cfg.Dir, err = os.MkdirTemp("", "cairnbench"); err != nil {
			return err
		}
		defer os.RemoveAll(cfg.Dir)
	}
	res, runErr := bench.Run(ctx, cfg)
	if res == nil {
		return runErr
	}
	res.Command = "bench/run --sizes " + *sizes + " --latency " + *lats
	if *merge {
		res.Command = "bench/run --merge --sizes " + *sizes + " --latency " + *lats
		if b, err := os.ReadFile(filepath.Join(*out, "latest.json")); err == nil {
			var prev bench.Results
			if err := json.Unmarshal(b, &prev); err != nil {
				return fmt.Errorf("merge: %w", err)
			}
			prev.Merge(res)
			res = &prev
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var md strings.Builder
	res.Markdown(&md)
	js, _ := json.MarshalIndent(res, "", "  ")
	var svg strings.Builder
	res.SVG(&svg)
	for name, body := range map[string]string{"latest.md": md.String(), "latest.json": string(js) + "\n", "scaling.svg": svg.String()} {
		if err := os.WriteFile(filepath.Join(*out, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	fmt.Print(md.String())
	return runErr
}
