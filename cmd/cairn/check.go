package main

import (
	"context"
	"fmt"

	"github.com/cairn-dev/cairn/config"
)

func checkCommand() *command {
	return &command{
		name:    "check",
		summary: "Validate the configuration and print what would be synced and published",
		help: `Reads the configuration file, expands ${VAR} and ${VAR:-default} from the
environment, and validates every key. Problems are printed one per line as
FILE:LINE: path.to.key: what is wrong (got VALUE); secrets are never printed.
Exits 0 when the file is valid, 1 when it is not.`,
		run: func(_ context.Context, env Env, o *options, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			cfg, err := config.LoadEnv(o.configPath, env.LookupEnv)
			if err != nil {
				// One problem per line, FILE:LINE: first, so editors can jump to them.
				fmt.Fprintln(env.Stderr, err)
				return reportedError{err}
			}
			fmt.Fprintf(env.Stdout, "%s: ok\n%s", o.configPath, cfg.Summary())
			return nil
		},
	}
}
