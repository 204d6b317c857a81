package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// Env is what a command may touch of the outside world; tests pass their own.
type Env struct {
	Stdout    io.Writer
	Stderr    io.Writer
	LookupEnv func(string) (string, bool)
}

// Getenv returns an environment variable, or "".
func (e Env) Getenv(key string) string {
	v, _ := e.LookupEnv(key)
	return v
}

// command is one subcommand of cairn.
type command struct {
	name    string
	summary string
	usage   string // arguments after the command name
	help    string // longer description
	// flags registers the command's own flags; may be nil.
	flags func(fs *flag.FlagSet, o *options)
	run   func(ctx context.Context, env Env, o *options, args []string) error
}

// options holds global and per-command flag values.
type options struct {
	configPath string
	logLevel   string
	logFormat  string

	// sync
	only string
	full bool

	// report
	program string
	week    string
	format  string
	out     string

	// demo
	addr  string
	db    string
	seed  int64
	scale int

	// serve
	grace time.Duration
}

// reportedError is a failure the command has already explained on stderr: exit code 1,
// nothing more printed.
type reportedError struct{ err error }

func (e reportedError) Error() string { return e.err.Error() }
func (e reportedError) Unwrap() error { return e.err }

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func commands() []*command {
	// In the order a user meets them: try it, run it, the one-shot jobs, then the helpers.
	return []*command{
		demoCommand(),
		serveCommand(),
		syncCommand(),
		reportCommand(),
		checkCommand(),
		versionCommand(),
	}
}

func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// globalFlags registers the flags every command accepts, before or after its name.
func globalFlags(fs *flag.FlagSet, o *options, env Env) {
	def := "cairn.yaml"
	if v := env.Getenv("CAIRN_CONFIG"); v != "" {
		def = v
	}
	fs.StringVar(&o.configPath, "config", def, "configuration `file` (env CAIRN_CONFIG)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "text", "log `format`: text or json (logs go to stderr)")
}

// Run parses args and runs one command, returning the process exit code.
func Run(ctx context.Context, args []string, env Env) int {
	o := &options{}
	top := flag.NewFlagSet("cairn", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	globalFlags(top, o, env)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(env.Stdout, top)
			return exitOK
		}
		fmt.Fprintf(env.Stderr, "cairn: %v\n\n", err)
		printUsage(env.Stderr, top)
		return exitUsage
	}
	rest := top.Args()
	if len(rest) == 0 {
		printUsage(env.Stderr, top)
		return exitUsage
	}
	name := rest[0]
	if name == "help" {
		if len(rest) > 1 && findCommand(rest[1]) != nil {
			return Run(ctx, []string{rest[1], "--help"}, env)
		}
		printUsage(env.Stdout, top)
		return exitOK
	}
	cmd := findCommand(name)
	if cmd == nil {
		fmt.Fprintf(env.Stderr, "cairn: unknown command %q\n\n", name)
		printUsage(env.Stderr, top)
		return exitUsage
	}

	fs := flag.NewFlagSet("cairn "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// Flags given before the command name become the defaults of the same flags after it.
	globalFlags(fs, o, env)
	top.Visit(func(f *flag.Flag) { _ = fs.Set(f.Name, f.Value.String()) })
	if cmd.flags != nil {
		cmd.flags(fs, o)
	}
	if err := fs.Parse(rest[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandUsage(env.Stdout, cmd, fs)
			return exitOK
		}
		fmt.Fprintf(env.Stderr, "cairn %s: %v\n\n", cmd.name, err)
		printCommandUsage(env.Stderr, cmd, fs)
		return exitUsage
	}
	err := cmd.run(ctx, env, o, fs.Args())
	var ue usageError
	var re reportedError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &re):
		return exitFailure
	case errors.As(err, &ue):
		fmt.Fprintf(env.Stderr, "cairn %s: %v\n\n", cmd.name, err)
		printCommandUsage(env.Stderr, cmd, fs)
		return exitUsage
	default:
		fmt.Fprintf(env.Stderr, "cairn %s: %v\n", cmd.name, err)
		return exitFailure
	}
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `cairn keeps a TPM's programs current: it syncs Jira and GitHub into SQLite,
rolls the work up into programs and milestones with forecasts, and publishes
Prometheus metrics and weekly status pages.

Usage:
  cairn [global flags] <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nGlobal flags (also accepted after the command):\n")
	printFlags(w, fs)
	fmt.Fprint(w, "\nRun 'cairn <command> --help' for a command's flags.\n")
}

func printCommandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: cairn %s [flags]%s\n\n%s\n", c.name, c.usage, c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.help))
	}
	fmt.Fprint(w, "\nFlags:\n")
	printFlags(w, fs)
}

// printFlags lists flags with double dashes, as SREs' other tools do.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	var lines []string
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		head := "  --" + f.Name
		if name != "" {
			head += " " + name
		}
		line := fmt.Sprintf("%-28s %s", head, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			line += fmt.Sprintf(" (default %q)", f.DefValue)
		}
		lines = append(lines, line)
	})
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// newLogger builds the structured logger the flags ask for, writing to stderr.
func newLogger(env Env, o *options) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, usageError{fmt.Sprintf("--log-level: must be debug, info, warn or error (got %q)", o.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch o.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(env.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.Stderr, opts)), nil
	default:
		return nil, usageError{fmt.Sprintf("--log-format: must be text or json (got %q)", o.logFormat)}
	}
}

func noArgs(args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Sprintf("unexpected arguments: %s", strings.Join(args, " "))}
	}
	return nil
}
