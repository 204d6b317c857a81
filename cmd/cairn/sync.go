package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/config"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/service"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

func syncCommand() *command {
	return &command{
		name:    "sync",
		summary: "Sync Jira and GitHub into the database once, then update the rollup",
		help: `Runs each configured connector once, side by side, and prints one line per
connector: issues new, updated and deleted, versions and sprints (Jira), reviews
(GitHub), requests and seconds. Later runs fetch only what changed since the last
successful one; a run that was cut off resumes where it stopped. --full lists
everything instead, refreshes boards, sprints and fields, and marks issues that
are gone from Jira or GitHub as deleted (deleted_at; nothing is removed).

When every connector succeeded, the rollup is recomputed so that cairn report and
the metrics see the new data. Logs go to stderr. Ctrl-C stops cleanly: what was
stored stays, the run is recorded as failed, and the next sync resumes.
Exits 1 when a connector failed (after the others ran), 2 on bad flags.`,
		flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.only, "only", "", "sync only this `connector`: jira or github")
			fs.BoolVar(&o.full, "full", false, "list everything and reconcile deletions, instead of fetching what changed")
		},
		run: runSync,
	}
}

func runSync(ctx context.Context, env Env, o *options, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	switch o.only {
	case "", cairn.ConnectorJira, cairn.ConnectorGitHub:
	default:
		return usageError{fmt.Sprintf("--only: must be jira or github (got %q)", o.only)}
	}
	cfg, err := config.LoadEnv(o.configPath, env.LookupEnv)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return reportedError{err}
	}
	// Whatever goes to the terminal passes a filter that blanks the configured secrets, in
	// case an upstream echoes one back in an error.
	scrub := newScrubber(secretsOf(cfg))
	stdout, stderr := scrub.writer(env.Stdout), scrub.writer(env.Stderr)
	log, err := newLogger(Env{Stdout: stdout, Stderr: stderr, LookupEnv: env.LookupEnv}, o)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		fmt.Fprintf(stderr, "cairn sync: %v\n", err)
		return reportedError{err}
	}
	if o.only == cairn.ConnectorJira && cfg.Jira == nil || o.only == cairn.ConnectorGitHub && cfg.GitHub == nil {
		return fail(fmt.Errorf("--only %s: %s has no %s section", o.only, o.configPath, o.only))
	}
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	if n, err := db.AbandonRuns(ctx, db.Now()); err != nil {
		return fail(err)
	} else if n > 0 {
		log.Warn("runs left running by a stopped process marked failed", "runs", n)
	}
	// On a terminal, one line per connector redrawn in place; otherwise throttled log lines.
	f, isFile := env.Stderr.(*os.File)
	progress := service.NewProgress(stderr, isFile && service.IsTerminal(f), log)
	runners, err := newRunners(cfg, db, log, runnerOptions{Only: o.only, Progress: progress.Func()})
	if err != nil {
		return fail(err)
	}
	if len(runners) == 0 {
		return fail(fmt.Errorf("nothing to sync: %s has no jira or github section", o.configPath))
	}

	results := make([]syncer.Result, len(runners))
	errs := make([]error, len(runners))
	var wg sync.WaitGroup
	for i, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = r.Run(ctx, o.full)
		}()
	}
	wg.Wait()
	progress.Finish()
	failed := 0
	for i, r := range runners {
		res := results[i]
		if res.Connector == "" {
			res.Connector = r.Name()
		}
		switch {
		case errs[i] == nil:
			fmt.Fprintln(stdout, res)
		case res.RunID == 0:
			failed++
			fmt.Fprintf(stdout, "%s: failed before the run started\n", res.Connector)
		default:
			failed++
			fmt.Fprintf(stdout, "%s (failed)\n", res)
		}
		if errs[i] != nil {
			log.Error("sync failed", "connector", res.Connector, "err", errs[i])
		}
	}
	if failed > 0 {
		if ctx.Err() != nil {
			return fail(errors.New("interrupted: what was stored stays, and the next sync resumes"))
		}
		return reportedError{fmt.Errorf("%d of %d connectors failed", failed, len(runners))}
	}
	rep, err := rollup.Run(ctx, db, rollupSpec(cfg), db.Now())
	if err != nil {
		return fail(err)
	}
	milestones := 0
	for _, p := range rep.Programs {
		milestones += len(p.Milestones)
	}
	fmt.Fprintf(stdout, "rollup: %d programs, %d milestones\n", len(rep.Programs), milestones)
	return nil
}

// secretsOf lists the secret values of a config.
func secretsOf(cfg *config.Config) []string {
	var out []string
	add := func(s config.Secret) {
		if v := s.Reveal(); len(v) >= 4 { // blanking a one-letter "secret" would garble every line
			out = append(out, v)
		}
	}
	add(cfg.APIToken)
	if cfg.Jira != nil {
		add(cfg.Jira.Token)
	}
	if cfg.GitHub != nil {
		add(cfg.GitHub.Token)
	}
	if cfg.Pages.Confluence != nil {
		add(cfg.Pages.Confluence.Token)
	}
	return out
}

// scrubber replaces secrets in text with <secret>.
type scrubber struct{ r *strings.Replacer }

func newScrubber(secrets []string) *scrubber {
	if len(secrets) == 0 {
		return &scrubber{}
	}
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s, "<secret>")
	}
	return &scrubber{r: strings.NewReplacer(pairs...)}
}

// writer returns w behind the scrubber. Each Write is scrubbed whole: log/slog and fmt write
// a line at a time, so a secret is never split between two writes.
func (s *scrubber) writer(w io.Writer) io.Writer {
	if s.r == nil {
		return w
	}
	return &scrubWriter{w: w, r: s.r}
}

type scrubWriter struct {
	mu sync.Mutex
	w  io.Writer
	r  *strings.Replacer
}

func (s *scrubWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := io.WriteString(s.w, s.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
