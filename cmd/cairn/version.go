package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time: go build -ldflags "-X main.version=1.2.3 -X main.commit=abc123".
var (
	version = "dev"
	commit  = ""
)

// buildInfo returns the version, the VCS revision and the Go version of this binary.
func buildInfo() (ver, rev, goVersion string) {
	ver, rev = version, commit
	if info, ok := debug.ReadBuildInfo(); ok {
		if ver == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			ver = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && rev == "" {
				rev = s.Value
			}
		}
	}
	if rev == "" {
		rev = "unknown"
	}
	return ver, rev, runtime.Version()
}

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "Print the version, commit and Go version",
		run: func(_ context.Context, env Env, _ *options, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			v, r, g := buildInfo()
			fmt.Fprintf(env.Stdout, "cairn %s (commit %s, %s %s/%s)\n", v, r, g, runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
