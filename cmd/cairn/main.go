// Command cairn syncs Jira and GitHub into SQLite, rolls the data up into programs and
// milestones with forecasts, and publishes Prometheus metrics and weekly status pages.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // timezone and CRON_TZ must resolve in containers without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], Env{Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv})
	stop()
	os.Exit(code)
}
