package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/config"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/publish/pages/confluence"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
)

func reportCommand() *command {
	return &command{
		name:    "report",
		summary: "Render the weekly status pages from the stored rollup reports",
		help: `Reads the rollup reports stored in the config's database (written by every sync)
and renders one status page per program: the latest week, or the ISO week given
with --week, so a past week renders again exactly as it was. Nothing is fetched
from Jira or GitHub.

Files are named after the program's slug, the week and the format
(checkout-v2-2026-W48.html, .md, .storage.xml) and written atomically into
--out (default: the config's pages.out_dir); their paths are printed. With
--out - the page goes to stdout, which needs a single program (--program when
the report has several).

Exits 1 when there is no report yet (run cairn sync first) or the program or
week is unknown, 2 on bad flags.`,
		flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.program, "program", "", "render only this `program` (its name or slug)")
			fs.StringVar(&o.week, "week", "", "ISO `week` to render, e.g. 2026-W48 (default: the latest report)")
			fs.StringVar(&o.format, "format", "html", "page `format`: confluence, html or markdown")
			fs.StringVar(&o.out, "out", "", "output `dir`, or - for stdout (default: pages.out_dir)")
		},
		run: runReport,
	}
}

func runReport(ctx context.Context, env Env, o *options, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	format, err := pages.ParseFormat(o.format)
	if err != nil {
		return usageError{"--format: " + err.Error()}
	}
	if o.week != "" && !pages.ValidWeek(o.week) {
		return usageError{fmt.Sprintf("--week: must be an ISO week such as 2026-W48 (got %q)", o.week)}
	}
	logger, err := newLogger(env, o)
	if err != nil {
		return err
	}
	cfg, err := config.LoadEnv(o.configPath, env.LookupEnv)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return reportedError{err}
	}
	if _, err := os.Stat(cfg.Database); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no database at %s: run cairn sync first", cfg.Database)
	}
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()

	var programs []string
	if o.program != "" {
		programs = []string{o.program}
	}
	opts := pageOptions(cfg)
	opts.Logger = logger
	in, err := pages.Load(ctx, rollup.Reports{DB: db}, o.week, opts.HistoryDays, programs...)
	switch {
	case errors.Is(err, cairn.ErrNotFound) && o.week == "":
		return fmt.Errorf("no rollup report in %s yet: run cairn sync first", cfg.Database)
	case errors.Is(err, cairn.ErrNotFound):
		return fmt.Errorf("no report stored for week %s in %s (only the last report of each synced week is kept)", o.week, cfg.Database)
	case err != nil:
		return err
	}
	names := make([]string, 0, len(in.Report.Programs))
	found := o.program == ""
	for _, p := range in.Report.Programs {
		names = append(names, p.Name)
		found = found || p.Name == o.program || pages.Slug(p.Name) == o.program
	}
	if !found {
		return fmt.Errorf("unknown program %q: the report for %s has %s", o.program, in.Report.Week, quoteList(names))
	}
	r, err := pages.NewRenderer(opts)
	if err != nil {
		return err
	}
	if o.out == "-" {
		if o.program == "" && len(names) != 1 {
			return usageError{fmt.Sprintf("--out - writes one page: choose a program with --program (%s)", quoteList(names))}
		}
		name := o.program
		if name == "" {
			name = names[0]
		}
		body, err := r.Render(in.Report, in.Previous, in.Snapshots, name, format)
		if err != nil {
			return err
		}
		_, err = env.Stdout.Write(body)
		return err
	}
	dir := o.out
	if dir == "" {
		dir = cfg.Pages.OutDir
	}
	paths, err := r.WriteFiles(dir, in, []pages.Format{format}, programs...)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(env.Stdout, p)
	}
	return nil
}

// publishOptions turns the pages section of the config into the options of pages.Publish, the
// scheduled job: files into pages.out_dir, and to Confluence when pages.confluence is set.
func publishOptions(cfg *config.Config, logger *slog.Logger) (pages.PublishOptions, error) {
	o := pages.PublishOptions{Options: pageOptions(cfg), OutDir: cfg.Pages.OutDir}
	o.Logger = logger
	if c := cfg.Pages.Confluence; c != nil {
		pub, err := confluence.New(confluence.Options{
			BaseURL:    c.URL,
			Deployment: confluence.Deployment(c.Deployment),
			Space:      c.Space,
			ParentID:   c.ParentID,
			Email:      c.Email,
			Token:      c.Token.Reveal(),
		})
		if err != nil {
			return o, err
		}
		o.Confluence = pub
	}
	return o, nil
}

// pageOptions turns the config into the pages' link targets.
func pageOptions(cfg *config.Config) pages.Options {
	var o pages.Options
	if cfg.Jira != nil {
		o.JiraURL = strings.TrimRight(cfg.Jira.URL, "/")
	}
	if cfg.GitHub != nil {
		o.GitHubURL = githubWebURL(cfg.GitHub.URL)
	}
	return o
}

// githubWebURL turns the REST API base URL into the web root items link to:
// https://api.github.com/ gives https://github.com, a GitHub Enterprise Server
// https://ghe.example.com/api/v3/ gives https://ghe.example.com.
func githubWebURL(api string) string {
	u, err := url.Parse(api)
	if err != nil || u.Host == "" {
		return ""
	}
	if strings.EqualFold(u.Host, "api.github.com") {
		return "https://github.com"
	}
	path := strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v3")
	return u.Scheme + "://" + u.Host + path
}

func quoteList(names []string) string {
	if len(names) == 0 {
		return "no programs"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
