package pages_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/publish/pages/confluence"
	"github.com/cairn-dev/cairn/publish/pages/confluence/confluencetest"
	"github.com/cairn-dev/cairn/rollup"
)

func newPublisher(t *testing.T, d confluencetest.Deployment) (*confluencetest.Server, *confluence.Publisher) {
	t.Helper()
	srv := confluencetest.NewServer(d)
	t.Cleanup(srv.Close)
	opts := confluence.Options{
		BaseURL: srv.BaseURL(), Deployment: confluence.Deployment(d), Space: confluencetest.SpaceKey,
		ParentID: confluencetest.ParentID, Email: confluencetest.Email, Token: confluencetest.Token,
		HTTPClient: srv.Client(), Backoff: time.Millisecond,
	}
	if d == confluencetest.DataCenter {
		opts.Email = "" // personal access token
	}
	pub, err := confluence.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return srv, pub
}

func actionsByTitle(res []confluence.Result) map[string]confluence.Action {
	m := map[string]confluence.Action{}
	for _, r := range res {
		m[r.Title] = r.Action
	}
	return m
}

// TestPublish runs the scheduled job against the fake Confluence of each deployment: the first
// run creates every program's week page and latest page and writes the files, a rerun
// changes nothing, the next week creates its page and updates the latest one through a 409.
func TestPublish(t *testing.T) {
	for _, d := range []confluencetest.Deployment{confluencetest.Cloud, confluencetest.DataCenter} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			srv, pub := newPublisher(t, d)
			src := newMemSource()
			dir := filepath.Join(t.TempDir(), "pages")
			o := pages.PublishOptions{Options: fixtureOptions, OutDir: dir, Confluence: pub}

			got, err := pages.Publish(ctx, src, o)
			if err != nil {
				t.Fatalf("first publish: %v", err)
			}
			week, latest := "Checkout v2 status — 2026-W48", "Checkout v2 status — latest"
			acts := actionsByTitle(got.Confluence)
			for _, title := range []string{week, latest, "../../etc/passwd status — 2026-W48", "../../etc/passwd status — latest"} {
				if acts[title] != confluence.Created {
					t.Errorf("first publish %q: got %q, want created", title, acts[title])
				}
			}
			storage := string(renderFixture(t, pages.FormatConfluence))
			if pg, ok := srv.PageByTitle(week); !ok || pg.Body != storage || pg.ParentID != confluencetest.ParentID {
				t.Errorf("week page: found %v, parent %q, body equal %v", ok, pg.ParentID, pg.Body == storage)
			}
			var names []string
			for _, p := range got.Files {
				names = append(names, filepath.Base(p))
			}
			sort.Strings(names)
			want := []string{
				"checkout-v2-2026-W48.html", "checkout-v2-2026-W48.md", "checkout-v2-2026-W48.storage.xml",
				"checkout-v2-latest.html", "checkout-v2-latest.md", "checkout-v2-latest.storage.xml",
				"etc-passwd-2026-W48.html", "etc-passwd-2026-W48.md", "etc-passwd-2026-W48.storage.xml",
				"etc-passwd-latest.html", "etc-passwd-latest.md", "etc-passwd-latest.storage.xml",
			}
			if strings.Join(names, " ") != strings.Join(want, " ") {
				t.Errorf("files:\n got %v\nwant %v", names, want)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "checkout-v2-latest.storage.xml")); err != nil || string(b) != storage {
				t.Errorf("latest storage file differs from the rendered page: %v", err)
			}
			if leftovers, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(leftovers) > 0 {
				t.Errorf("temporary files left behind: %v", leftovers)
			}

			// Same report again: nothing to send.
			got, err = pages.Publish(ctx, src, o)
			if err != nil {
				t.Fatalf("second publish: %v", err)
			}
			for title, a := range actionsByTitle(got.Confluence) {
				if a != confluence.Unchanged {
					t.Errorf("second publish %q: got %q, want unchanged", title, a)
				}
			}

			// A week later, with a concurrent edit of the latest page: the week page is new, the
			// latest page is updated to version 2 after re-reading it.
			next := *src.reports["2026-W48"]
			next.Week, next.AsOf = "2026-W49", next.AsOf.AddDate(0, 0, 7)
			next.Programs = next.Programs[:1]
			src.reports["2026-W49"], src.latest = &next, "2026-W49"
			srv.ConflictOnNextUpdates(1)
			got, err = pages.Publish(ctx, src, pages.PublishOptions{Options: fixtureOptions, Confluence: pub})
			if err != nil {
				t.Fatalf("third publish: %v", err)
			}
			acts = actionsByTitle(got.Confluence)
			if acts["Checkout v2 status — 2026-W49"] != confluence.Created || acts[latest] != confluence.Updated || len(got.Files) != 0 {
				t.Errorf("third publish: got %v, files %v", acts, got.Files)
			}
			if pg, _ := srv.PageByTitle(latest); !strings.Contains(pg.Body, "2026-W49") || pg.Version < 2 {
				t.Errorf("latest page: version %d, has week 49: %v", pg.Version, strings.Contains(pg.Body, "2026-W49"))
			}
			if pg, _ := srv.PageByTitle(week); pg.Version != 1 || pg.Body != storage {
				t.Errorf("week 48 page changed: version %d", pg.Version)
			}
		})
	}
}

func TestPublishBadTokenSendsNothing(t *testing.T) {
	srv, pub := newPublisher(t, confluencetest.Cloud)
	srv.SetCredentials(confluencetest.Email, "another-token")
	_, err := pages.Publish(context.Background(), newMemSource(), pages.PublishOptions{Options: fixtureOptions, Confluence: pub})
	if !errors.Is(err, cairn.ErrUnauthorized) {
		t.Fatalf("got %v, want an error wrapping cairn.ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), confluencetest.Token) {
		t.Errorf("the token leaked into the error: %v", err)
	}
	if n := len(srv.Pages()); n != 0 {
		t.Errorf("%d pages stored after a failed verification", n)
	}
}

func TestPublishErrors(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "pages")
	if _, err := pages.Publish(ctx, newMemSource(), pages.PublishOptions{}); err == nil {
		t.Errorf("no out dir and no Confluence: got nil error")
	}
	_, err := pages.Publish(ctx, newMemSource(), pages.PublishOptions{OutDir: dir, Programs: []string{"nope"}})
	if err == nil {
		t.Errorf("unknown program: got nil error")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("out dir created although nothing rendered: %v", err)
	}
	empty := &memSource{reports: map[string]*rollup.Report{}}
	if _, err := pages.Publish(ctx, empty, pages.PublishOptions{OutDir: dir}); !errors.Is(err, cairn.ErrNotFound) {
		t.Errorf("no report: got %v, want cairn.ErrNotFound", err)
	}
}
