package demo

import (
	"slices"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/config"
	"github.com/cairn-dev/cairn/connectors/github"
	"github.com/cairn-dev/cairn/rollup"
	"github.com/cairn-dev/cairn/store"
)

// TestRollupShowsEveryCase runs the real rollup straight on the generated world (no fakes, no
// store) and checks that it shows what the world was built to show. The end-to-end demo test in
// cmd/cairn checks the same through the fakes, the connectors and the store.
func TestRollupShowsEveryCase(t *testing.T) {
	// The demo generates its world at start-up: every day of the week and hour of the day
	// must show every case, whatever the ISO week boundaries do to throughput.
	for day := range 7 {
		for _, tt := range []struct {
			seed  uint64
			scale int
		}{{1, 1}, {2, 1}, {3, 2}, {42, 4}, {uint64(day) + 100, 1}} {
			at := asOf.Add(time.Duration(day)*24*time.Hour + time.Duration(tt.seed%24)*time.Hour)
			w := Generate(tt.seed, tt.scale, at)
			spec := specOf(t, w)
			in := rollup.Input{Data: rollupData(w)}
			in.History = rollup.Backfill(in, spec, w.AsOf, rollup.BackfillDays)
			r := rollup.Compute(in, spec, w.AsOf)
			if err := CheckReport(r); err != nil {
				t.Errorf("seed %d scale %d at %v:\n%v", tt.seed, tt.scale, at, err)
			}
		}
	}
}

func specOf(t *testing.T, w *World) rollup.Spec {
	t.Helper()
	body := w.Config(ConfigOptions{JiraURL: "http://127.0.0.1:1", GitHubURL: "http://127.0.0.1:2/api/v3/",
		Database: "demo.db", Listen: "127.0.0.1:0", OutDir: "pages"})
	cfg, err := config.Parse("demo.yaml", body, func(string) (string, bool) { return "x", true })
	if err != nil {
		t.Fatal(err)
	}
	// As cmd/cairn's rollupSpec does, with the default thresholds.
	spec := rollup.Spec{Thresholds: rollup.DefaultThresholds()}
	for _, tm := range cfg.Teams {
		spec.Teams = append(spec.Teams, rollup.TeamSpec{Name: tm.Name, JiraProjects: tm.JiraProjects, Repos: tm.Repos})
	}
	for _, p := range cfg.Programs {
		ps := rollup.ProgramSpec{Name: p.Name}
		for _, m := range p.Milestones {
			ms := rollup.MilestoneSpec{Name: m.Name, FixVersions: m.Jira.FixVersions, Epics: m.Jira.Epics,
				GitHubMilestones: m.GitHub.Milestones}
			if !m.Due.IsZero() {
				ms.Due = m.Due.In(time.UTC)
			}
			ps.Milestones = append(ps.Milestones, ms)
		}
		spec.Programs = append(spec.Programs, ps)
	}
	return spec
}

// rollupData is what the store would hold after a full sync of the world.
func rollupData(w *World) store.RollupData {
	d := store.RollupData{DataAsOf: map[string]time.Time{cairn.ConnectorJira: w.AsOf, cairn.ConnectorGitHub: w.AsOf}}
	seenLink := map[int64]bool{}
	for _, is := range w.Issues {
		ri := store.RollupIssue{ID: is.ID, Key: is.Key, Project: is.ProjectKey, Type: is.IssueType, Subtask: is.Subtask,
			Summary: is.Summary, Status: is.Status, Category: is.StatusCategory, Assignee: is.Assignee,
			Priority: is.Priority, Labels: is.Labels, Components: is.Components, EpicKey: is.EpicKey,
			ParentKey: is.ParentKey, Flagged: is.Flagged, Created: is.Created, Updated: is.Updated,
			Resolved: is.Resolved, VersionIDs: is.FixVersionIDs, SprintIDs: is.SprintIDs}
		if is.StoryPoints != nil {
			ri.Points, ri.Estimated = *is.StoryPoints, true
		}
		for _, tr := range is.Transitions {
			ri.Transitions = append(ri.Transitions, store.RollupTransition{At: tr.At, From: tr.FromCategory, To: tr.ToCategory})
		}
		d.Issues = append(d.Issues, ri)
		for _, l := range is.Links {
			if !seenLink[l.ID] {
				seenLink[l.ID] = true
				d.Links = append(d.Links, l)
			}
		}
	}
	for _, v := range w.Versions {
		d.Versions = append(d.Versions, store.RollupVersion{ID: v.ID, Project: v.ProjectKey, Name: v.Name,
			ReleaseDate: v.ReleaseDate, Released: v.Released})
	}
	for _, s := range w.Sprints {
		d.Sprints = append(d.Sprints, store.RollupSprint{ID: s.ID, Name: s.Name, State: s.State, StartAt: s.StartAt,
			EndAt: s.EndAt, Complete: s.CompleteAt})
	}
	first := map[string]time.Time{}
	for _, rv := range w.Reviews {
		k := prKey(rv.Repo, rv.Number)
		if f, ok := first[k]; !ok || rv.SubmittedAt.Before(f) {
			first[k] = rv.SubmittedAt
		}
	}
	for _, p := range w.PRs {
		d.PRs = append(d.PRs, store.RollupPR{Repo: p.Repo, Number: p.Number, Title: p.Title, State: p.State,
			Author: p.Author, Draft: p.Draft, Milestone: p.Milestone, Labels: p.Labels, Created: p.Created,
			Updated: p.Updated, Closed: p.Closed, Merged: p.Merged, FirstReview: first[prKey(p.Repo, p.Number)]})
		var keys []string
		for _, text := range []string{p.Title, p.HeadRef, p.Body} {
			keys = append(keys, github.ExtractKeys(text, w.Projects, true)...)
		}
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			d.PRLinks = append(d.PRLinks, cairn.PRIssueLink{Repo: p.Repo, Number: p.Number, IssueKey: k})
		}
	}
	for _, m := range w.Milestones {
		d.Milestones = append(d.Milestones, store.RollupMilestone{Repo: m.Repo, Title: m.Title, State: m.State, DueOn: m.DueOn})
	}
	return d
}
