package service_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/service"
	"github.com/cairn-dev/cairn/syncer"
)

type stepClock struct{ now time.Time }

func (c *stepClock) Now() time.Time { return c.now }

func TestProgressTerminalLine(t *testing.T) {
	var out bytes.Buffer
	clock := &stepClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	p := service.NewProgress(&out, true, nil)
	p.Now = clock.Now
	p.Width = 200
	p.Event(syncer.Event{Connector: "jira", Scope: "PAY", Kind: "page", Items: 100, Total: 400, Pages: 1})
	clock.now = clock.now.Add(10 * time.Second)
	p.Event(syncer.Event{Connector: "jira", Scope: "PAY", Kind: "page", Items: 200, Total: 400, Pages: 2})
	p.Event(syncer.Event{Connector: "github", Scope: "acme/api\x1b[2J", Kind: "done", Items: 30, Pages: 1})
	p.Event(syncer.Event{Connector: "github", Scope: "acme/web", Kind: "wait", Wait: 30 * time.Second})

	want := "github 1/2 scopes, 30 items, 1 pages, rate limit: waiting 30s | " +
		"jira 0/1 scopes, 200 items, 2 pages, PAY 50%, ETA 10s"
	if got := p.Line(); got != want {
		t.Errorf("line:\ngot  %q\nwant %q", got, want)
	}
	if !strings.HasPrefix(out.String(), "\r") || !strings.HasSuffix(out.String(), "\x1b[K") {
		t.Errorf("output is not a line rewritten in place: %q", out.String())
	}
	if strings.Contains(out.String(), "\x1b[2J") {
		t.Error("a control sequence from a scope name reached the terminal")
	}
	p.Finish()
	if !strings.HasSuffix(out.String(), "\n") {
		t.Error("Finish did not end the line")
	}

	p.Width = 20
	p.Event(syncer.Event{Connector: "jira", Scope: "WEB", Kind: "page", Items: 1, Pages: 1})
	if got := []rune(p.Line()); len(got) != 19 {
		t.Errorf("line %q: got %d columns, want 19", string(got), len(got))
	}
}

func TestProgressLogLines(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
	clock := &stepClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	p := service.NewProgress(&bytes.Buffer{}, false, log)
	p.Now = clock.Now
	p.Event(syncer.Event{Connector: "jira", Scope: "PAY", Kind: "page", Items: 100, Total: 400, Pages: 1})
	clock.now = clock.now.Add(time.Second)
	p.Event(syncer.Event{Connector: "jira", Scope: "PAY", Kind: "page", Items: 200, Total: 400, Pages: 2}) // throttled
	clock.now = clock.now.Add(10 * time.Second)
	p.Event(syncer.Event{Connector: "jira", Scope: "PAY", Kind: "page", Items: 300, Total: 400, Pages: 3})
	p.Event(syncer.Event{Connector: "jira", Scope: "PAY", Kind: "wait", Wait: 5 * time.Second})
	p.Event(syncer.Event{Connector: "jira", Scope: "PAY", Kind: "done", Items: 400, Total: 400, Pages: 4})
	p.Finish()
	want := `level=INFO msg="sync progress" connector=jira scope=PAY items=100 pages=1 total=400
level=INFO msg="sync progress" connector=jira scope=PAY items=300 pages=3 total=400 eta_seconds=4
level=INFO msg="sync waiting for the rate limit" connector=jira scope=PAY items=300 pages=3 total=400 wait_seconds=5
level=INFO msg="sync scope done" connector=jira scope=PAY items=400 pages=4 total=400
`
	if got := out.String(); got != want {
		t.Errorf("log:\ngot\n%s\nwant\n%s", got, want)
	}
}
