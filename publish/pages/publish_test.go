package pages_test

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/publish/pages/confluence"
	"github.com/cairn-dev/cairn/publish/pages/confluence/confluencetest"
)

// TestPublishRenderedPage publishes the fixture's storage format to the fake Confluence as
// the week's page and the latest page, then again unchanged.
func TestPublishRenderedPage(t *testing.T) {
	srv := confluencetest.NewServer(confluencetest.Cloud)
	defer srv.Close()
	pub, err := confluence.New(confluence.Options{
		BaseURL: srv.BaseURL(), Deployment: confluence.DeploymentCloud, Space: confluencetest.SpaceKey,
		Email: confluencetest.Email, Token: confluencetest.Token, HTTPClient: srv.Client(), Backoff: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := string(renderFixture(t, pages.FormatConfluence))
	week := []confluence.Page{
		{Title: pages.Title(fixtureProgram, "2026-W48"), Body: body},
		{Title: pages.LatestTitle(fixtureProgram), Body: body},
	}
	for round, want := range []confluence.Action{confluence.Created, confluence.Unchanged} {
		res, err := pub.Publish(context.Background(), week...)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, r := range res {
			if r.Action != want {
				t.Errorf("round %d %q: got %s, want %s", round, r.Title, r.Action, want)
			}
		}
	}
	pg, ok := srv.PageByTitle("Checkout v2 status — 2026-W48")
	if !ok || pg.Body != body || pg.Version != 1 {
		t.Errorf("stored week page: ok=%v version=%d, body equal=%v", ok, pg.Version, pg.Body == body)
	}
}
