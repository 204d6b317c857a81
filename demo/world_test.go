package demo

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/config"
)

var asOf = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(7, 1, asOf), Generate(7, 1, asOf)
	if !reflect.DeepEqual(a.Issues, b.Issues) || !reflect.DeepEqual(a.PRs, b.PRs) || !reflect.DeepEqual(a.Reviews, b.Reviews) {
		t.Fatal("the same seed gave two worlds")
	}
	c := Generate(8, 1, asOf)
	if reflect.DeepEqual(a.Issues, c.Issues) {
		t.Fatal("another seed gave the same world")
	}
}

func TestWorldHasEveryCase(t *testing.T) {
	w := Generate(1, 1, asOf)
	for _, c := range []string{caseDone, caseOnTrack, caseSlipping, caseOverdue, caseGrowth, caseStalled, caseNoDue} {
		if w.Cases[c] == "" {
			t.Errorf("no milestone shows %q", c)
		}
	}
	var hostileSeen, nonASCII, unestimated, blockedAcross, subtasks, reopened int
	keys := map[string]cairn.Issue{}
	for _, is := range w.Issues {
		keys[is.Key] = is
	}
	for _, is := range w.Issues {
		if is.Summary == hostile {
			hostileSeen++
		}
		if strings.ContainsFunc(is.Summary, func(r rune) bool { return r > 127 }) {
			nonASCII++
		}
		if is.StoryPoints == nil && !is.Subtask && is.IssueType != "Epic" {
			unestimated++
		}
		if is.Subtask {
			subtasks++
			if keys[is.ParentKey].Key == "" {
				t.Errorf("%s: parent %s does not exist", is.Key, is.ParentKey)
			}
		}
		done := 0
		for i, tr := range is.Transitions {
			if i > 0 && tr.At.Before(is.Transitions[i-1].At) {
				t.Errorf("%s: history goes back in time at %d", is.Key, i)
			}
			if tr.At.After(w.AsOf) {
				t.Errorf("%s: history in the future (%v)", is.Key, tr.At)
			}
			if tr.ToCategory == cairn.CategoryDone {
				done++
			}
		}
		if done > 1 {
			reopened++
		}
		for _, l := range is.Links {
			if l.ToKey == is.Key && strings.HasPrefix(l.FromKey, "CORE-") && strings.HasPrefix(is.Key, "MOB-") {
				blockedAcross++
			}
		}
	}
	for name, n := range map[string]int{"hostile summary": hostileSeen, "non-ASCII summaries": nonASCII,
		"unestimated items": unestimated, "cross-program blockers": blockedAcross, "sub-tasks": subtasks, "reopened issues": reopened} {
		if n == 0 {
			t.Errorf("world has no %s", name)
		}
	}
	linked, unlinked := 0, 0
	for _, pr := range w.PRs {
		if strings.Contains(pr.Title+pr.HeadRef+pr.Body, "-") && (strings.Contains(pr.Title, "PAY-") || strings.Contains(pr.HeadRef, "pay-") ||
			strings.Contains(pr.Body, "[") || strings.Contains(pr.Title, ": ")) {
			linked++
		}
		if strings.HasPrefix(pr.Title, "Bump ") {
			unlinked++
		}
	}
	if linked == 0 || unlinked == 0 || len(w.Reviews) == 0 {
		t.Errorf("PRs: %d carry keys, %d do not, %d reviews; want some of each", linked, unlinked, len(w.Reviews))
	}
}

func TestScaleGrowsTheWorld(t *testing.T) {
	small, big := Generate(1, 1, asOf), Generate(1, 4, asOf)
	if len(big.Issues) < 3*len(small.Issues) {
		t.Errorf("scale 4: got %d issues, scale 1: %d", len(big.Issues), len(small.Issues))
	}
}

func TestConfigLoads(t *testing.T) {
	w := Generate(1, 1, asOf)
	body := w.Config(ConfigOptions{JiraURL: "http://127.0.0.1:1", GitHubURL: "http://127.0.0.1:2/api/v3/",
		Database: "/tmp/demo.db", Listen: "127.0.0.1:0", OutDir: "/tmp/pages"})
	env := map[string]string{EnvJiraToken: "j", EnvGitHubToken: "g", EnvAPIToken: "a"}
	cfg, err := config.Parse("demo.yaml", body, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("demo config does not load:\n%v\n%s", err, body)
	}
	if len(cfg.Programs) != 2 || len(cfg.Teams) != 6 {
		t.Errorf("got %d programs and %d teams, want 2 and 6", len(cfg.Programs), len(cfg.Teams))
	}
}
