package confluence_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/publish/pages/confluence"
	"github.com/cairn-dev/cairn/publish/pages/confluence/confluencetest"
)

var deployments = []confluencetest.Deployment{confluencetest.Cloud, confluencetest.DataCenter}

const (
	weekTitle   = "Checkout v2 status — 2026-W48"
	latestTitle = "Checkout v2 status — latest"
	bodyV1      = `<h2>Summary</h2><p>On track &amp; <ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">Green</ac:parameter></ac:structured-macro></p>`
	bodyV2      = `<h2>Summary</h2><p>At risk</p>`
)

// setup starts a fake of the given kind and a publisher pointed at it.
func setup(t *testing.T, d confluencetest.Deployment, mod func(*confluence.Options)) (*confluencetest.Server, *confluence.Publisher) {
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
	if mod != nil {
		mod(&opts)
	}
	p, err := confluence.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return srv, p
}

func publish(t *testing.T, p *confluence.Publisher, pages ...confluence.Page) []confluence.Result {
	t.Helper()
	res, err := p.Publish(context.Background(), pages...)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return res
}

func actions(res []confluence.Result) string {
	var s []string
	for _, r := range res {
		s = append(s, string(r.Action))
	}
	return strings.Join(s, ",")
}

func TestPublishLifecycle(t *testing.T) {
	for _, d := range deployments {
		t.Run(string(d), func(t *testing.T) {
			srv, p := setup(t, d, nil)
			ctx := context.Background()
			if _, err := p.Verify(ctx); err != nil {
				t.Fatalf("Verify: %v", err)
			}

			// create
			res := publish(t, p, confluence.Page{Title: weekTitle, Body: bodyV1}, confluence.Page{Title: latestTitle, Body: bodyV1})
			if got, want := actions(res), "created,created"; got != want {
				t.Fatalf("first publish: got %s, want %s", got, want)
			}
			pg, ok := srv.PageByTitle(weekTitle)
			if !ok || pg.Version != 1 || pg.Body != bodyV1 || pg.ParentID != confluencetest.ParentID {
				t.Fatalf("stored page after create: %+v", pg)
			}
			if res[0].URL == "" || res[0].ID != pg.ID {
				t.Errorf("result: got %+v, want id %s and a URL", res[0], pg.ID)
			}

			// unchanged: no new version
			res = publish(t, p, confluence.Page{Title: weekTitle, Body: "\n" + bodyV1 + "\n"})
			if got, want := actions(res), "unchanged"; got != want {
				t.Fatalf("same body: got %s, want %s", got, want)
			}
			if pg, _ := srv.PageByTitle(weekTitle); pg.Version != 1 || pg.Versions != 1 {
				t.Fatalf("unchanged publish created a version: %+v", pg)
			}

			// update: version = current + 1
			res = publish(t, p, confluence.Page{Title: weekTitle, Body: bodyV2})
			if got, want := actions(res), "updated"; got != want {
				t.Fatalf("new body: got %s, want %s", got, want)
			}
			if pg, _ := srv.PageByTitle(weekTitle); pg.Version != 2 || pg.Body != bodyV2 || !strings.HasPrefix(pg.Message, "cairn ") {
				t.Fatalf("stored page after update: %+v", pg)
			}
			if res[0].Version != 2 {
				t.Errorf("result version: got %d, want 2", res[0].Version)
			}

			// 409 once: re-read the version and succeed
			srv.ConflictOnNextUpdates(1)
			res = publish(t, p, confluence.Page{Title: weekTitle, Body: bodyV1})
			if got, want := actions(res), "updated"; got != want {
				t.Fatalf("after 409: got %s, want %s", got, want)
			}
			if pg, _ := srv.PageByTitle(weekTitle); pg.Version != 4 || pg.Body != bodyV1 {
				t.Fatalf("after 409 retry: got version %d body %q, want 4 and v1", pg.Version, pg.Body)
			}

			// Confluence normalises markup on save; the version message still says unchanged.
			res = publish(t, p, confluence.Page{Title: weekTitle, Body: bodyV1})
			if got, want := actions(res), "unchanged"; got != want {
				t.Fatalf("republish: got %s, want %s", got, want)
			}
		})
	}
}

func TestPublishGivesUpAfterRetries(t *testing.T) {
	for _, d := range deployments {
		t.Run(string(d), func(t *testing.T) {
			srv, p := setup(t, d, func(o *confluence.Options) { o.Retries = 2 })
			publish(t, p, confluence.Page{Title: weekTitle, Body: bodyV1})
			srv.ConflictOnNextUpdates(10)
			_, err := p.Publish(context.Background(), confluence.Page{Title: weekTitle, Body: bodyV2})
			var ae *confluence.APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusConflict {
				t.Fatalf("got %v, want a 409 APIError", err)
			}
			puts := 0
			for _, r := range srv.Requests() {
				if strings.HasPrefix(r, "PUT ") {
					puts++
				}
			}
			if puts != 3 {
				t.Errorf("got %d PUTs, want 3 (one try and two retries)", puts)
			}
		})
	}
}

func TestPublishBadToken(t *testing.T) {
	tests := []struct {
		name      string
		d         confluencetest.Deployment
		anonymous bool
	}{
		{"cloud 401", confluencetest.Cloud, false},
		{"datacenter 401", confluencetest.DataCenter, false},
		{"datacenter anonymous", confluencetest.DataCenter, true},
	}
	const bad = "wrong-token-s3cr3t-value"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := setup(t, tt.d, func(o *confluence.Options) { o.Token = bad })
			srv.ServeBadTokensAsAnonymous(tt.anonymous)
			_, err := p.Publish(context.Background(), confluence.Page{Title: weekTitle, Body: bodyV1})
			if !errors.Is(err, cairn.ErrUnauthorized) {
				t.Fatalf("got %v, want cairn.ErrUnauthorized", err)
			}
			basic := base64.StdEncoding.EncodeToString([]byte(confluencetest.Email + ":" + bad))
			if strings.Contains(err.Error(), bad) || strings.Contains(err.Error(), basic) {
				t.Fatalf("error leaks the token: %v", err)
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), "verify confluence user") {
				t.Errorf("error does not say what failed: %v", err)
			}
			for _, r := range srv.Requests() {
				if !strings.HasPrefix(r, "GET ") {
					t.Errorf("wrote with a bad token: %s", r)
				}
			}
			if len(srv.Pages()) != 0 {
				t.Errorf("pages created with a bad token: %+v", srv.Pages())
			}
		})
	}
}

func TestPublishRefusesBrokenBodyBeforeAnyRequest(t *testing.T) {
	tests := []struct{ name, body string }{
		{"empty", "  "},
		{"html entity", "<p>a&nbsp;b</p>"},
		{"unclosed", "<p>half rendered"},
		{"unbound prefix", `<x:foo/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := setup(t, confluencetest.Cloud, nil)
			_, err := p.Publish(context.Background(),
				confluence.Page{Title: latestTitle, Body: bodyV1}, confluence.Page{Title: weekTitle, Body: tt.body})
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("got %d requests, want none: %v", n, srv.Requests())
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	ok := confluence.Options{BaseURL: "https://acme.atlassian.net", Space: "TPM", Email: "a@b.c", Token: "tok-secret"}
	tests := []struct {
		name string
		mod  func(*confluence.Options)
	}{
		{"relative URL", func(o *confluence.Options) { o.BaseURL = "acme.atlassian.net" }},
		{"credentials in URL", func(o *confluence.Options) { o.BaseURL = "https://u:tok-secret@acme.atlassian.net" }},
		{"no space", func(o *confluence.Options) { o.Space = "" }},
		{"no token", func(o *confluence.Options) { o.Token = "" }},
		{"parent not digits", func(o *confluence.Options) { o.ParentID = "12a" }},
		{"cloud without email", func(o *confluence.Options) { o.Email = "" }},
		{"unknown deployment", func(o *confluence.Options) { o.Deployment = "server" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.mod(&o)
			_, err := confluence.New(o)
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			if strings.Contains(err.Error(), "tok-secret") {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestAutoDeployment(t *testing.T) {
	tests := []struct {
		url   string
		cloud bool
	}{
		{"https://acme.atlassian.net/wiki", true},
		{"https://ACME.atlassian.net", true},
		{"https://wiki.example.com/confluence", false},
	}
	for _, tt := range tests {
		p, err := confluence.New(confluence.Options{BaseURL: tt.url, Space: "TPM", Email: "a@b.c", Token: "t"})
		if err != nil {
			t.Fatalf("New(%s): %v", tt.url, err)
		}
		if p.Cloud() != tt.cloud {
			t.Errorf("%s: got cloud=%v, want %v", tt.url, p.Cloud(), tt.cloud)
		}
	}
}

func TestValidateStorage(t *testing.T) {
	tests := []struct {
		body string
		ok   bool
	}{
		{bodyV1, true},
		{`<p>a&#160;b</p><ac:link><ri:page ri:content-title="X"/></ac:link>`, true},
		{`<p>a&nbsp;b</p>`, false},
		{`<p>unclosed`, false},
		{`<br>`, false},
		{`<p>x</p></p>`, false},
	}
	for _, tt := range tests {
		err := confluence.ValidateStorage(tt.body)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateStorage(%q): got %v, want ok=%v", tt.body, err, tt.ok)
		}
	}
}
