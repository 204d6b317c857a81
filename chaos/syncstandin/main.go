//go:build chaos

// Command syncstandin is the chaos suite's stand-in for `cairn sync --config FILE [--full]`
// until that command exists: it loads the same configuration and wires the real GitHub
// connector, syncer and store the same way, so the suite can SIGKILL a real process in the
// middle of a real sync. The suite uses the real binary as soon as `cairn sync` is built.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cairn-dev/cairn/config"
	ghc "github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cairn sync:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	path := fs.String("config", "cairn.yaml", "configuration file")
	full := fs.Bool("full", false, "full sync")
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "sync" {
		args = args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.AbandonRuns(ctx, time.Now()); err != nil {
		return err
	}
	var projects []string
	if cfg.Jira != nil {
		projects = cfg.Jira.Projects
	}
	client, err := ghc.New(ghc.Options{BaseURL: cfg.GitHub.URL, Token: cfg.GitHub.Token.Reveal(),
		JiraProjects: projects, LinkCommits: cfg.GitHub.LinkCommits, CaseInsensitiveKeys: cfg.GitHub.CaseInsensitiveKeys})
	if err != nil {
		return err
	}
	g := syncer.NewGitHub(db, client, syncer.GitHubOptions{Repos: cfg.GitHub.Repos, Concurrency: cfg.GitHub.Concurrency,
		Overlap: time.Duration(cfg.GitHub.Overlap)}, log, nil)
	res, err := g.Run(ctx, *full)
	if err != nil {
		return err
	}
	fmt.Println(res)
	return nil
}
