package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/config"
	ghc "github.com/cairn-dev/cairn/connectors/github"
	jc "github.com/cairn-dev/cairn/connectors/jira"
	"github.com/cairn-dev/cairn/store"
	"github.com/cairn-dev/cairn/syncer"
)

// runnerOptions are the wiring of the runners that does not come from the config.
type runnerOptions struct {
	// Only is "" (every configured connector), cairn.ConnectorJira or cairn.ConnectorGitHub.
	Only string
	// Observer receives what the connectors see on the wire; nil discards.
	Observer cairn.Observer
	// Progress receives progress events; nil discards.
	Progress syncer.ProgressFunc
}

// newRunners builds the sync runners of the configured connectors, Jira first. It touches no
// network: the clients connect on their first run.
func newRunners(cfg *config.Config, db *store.DB, log *slog.Logger, o runnerOptions) ([]syncer.Runner, error) {
	var out []syncer.Runner
	if cfg.Jira != nil && (o.Only == "" || o.Only == cairn.ConnectorJira) {
		r, err := newJiraRunner(cfg, db, log, o)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if cfg.GitHub != nil && (o.Only == "" || o.Only == cairn.ConnectorGitHub) {
		r, err := newGitHubRunner(cfg, db, log, o)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func newJiraRunner(cfg *config.Config, db *store.DB, log *slog.Logger, o runnerOptions) (*syncer.Jira, error) {
	j := cfg.Jira
	fields := map[string]string{}
	for concept, id := range map[string]string{
		cairn.JiraConceptStoryPoints: j.Fields.StoryPoints,
		cairn.JiraConceptEpicLink:    j.Fields.EpicLink,
		cairn.JiraConceptSprint:      j.Fields.Sprint,
		cairn.JiraConceptStartDate:   j.Fields.StartDate,
	} {
		if id != "" {
			fields[concept] = id
		}
	}
	client, err := jc.New(jc.Options{
		BaseURL:    j.URL,
		Deployment: string(j.Deployment),
		Email:      j.Email,
		Token:      j.Token.Reveal(),
		Fields:     fields,
		PageSize:   j.PageSize,
		Observer:   o.Observer,
		Workers:    j.Concurrency,
	})
	if err != nil {
		return nil, fmt.Errorf("jira: %w", err)
	}
	return syncer.NewJira(db, client, syncer.JiraOptions{
		Projects:    j.Projects,
		JQL:         j.JQL,
		Overlap:     time.Duration(j.Overlap),
		Concurrency: j.Concurrency,
	}, log, o.Progress), nil
}

func newGitHubRunner(cfg *config.Config, db *store.DB, log *slog.Logger, o runnerOptions) (*syncer.GitHub, error) {
	g := cfg.GitHub
	opts := ghc.Options{
		BaseURL:             g.URL,
		Token:               g.Token.Reveal(),
		CaseInsensitiveKeys: g.CaseInsensitiveKeys,
		LinkCommits:         g.LinkCommits,
		Observer:            o.Observer,
	}
	if cfg.Jira != nil {
		opts.JiraProjects = cfg.Jira.Projects
	}
	if g.App.IsSet() {
		pem, err := os.ReadFile(g.App.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("github app private key: %w", err)
		}
		opts.Token, opts.AppID, opts.InstallationID, opts.PrivateKeyPEM = "", g.App.AppID, g.App.InstallationID, pem
	}
	client, err := ghc.New(opts)
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	return syncer.NewGitHub(db, client, syncer.GitHubOptions{
		Repos:       g.Repos,
		Concurrency: g.Concurrency,
		Overlap:     time.Duration(g.Overlap),
	}, log, o.Progress), nil
}
