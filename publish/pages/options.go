package pages

import "log/slog"

// Options configure rendering. cmd fills them from the config.
type Options struct {
	// JiraURL is the Jira site items link to: {JiraURL}/browse/KEY and
	// {JiraURL}/issues/?jql=... Empty means Jira items are not linked.
	JiraURL string
	// GitHubURL is the GitHub web root; empty means https://github.com.
	GitHubURL string
	// UpcomingWeeks is how far ahead "Upcoming milestones" looks; zero means 6.
	UpcomingWeeks int
	// HistoryDays is how many days of snapshots the burn-up covers; zero means 182.
	HistoryDays int
	// Logger receives the Handler's errors; nil discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.GitHubURL == "" {
		o.GitHubURL = "https://github.com"
	}
	if o.UpcomingWeeks <= 0 {
		o.UpcomingWeeks = 6
	}
	if o.HistoryDays <= 0 {
		o.HistoryDays = 182
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
