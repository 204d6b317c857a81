package pages

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// eventually polls cond for up to 10 s: background renders finish when the scheduler says.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
	}
}

// TestPageCacheStale: a stale page (newer version, or older than pageMaxAge) is rendered again in
// the background; requests meanwhile get the stale copy; a failed render keeps it.
func TestPageCacheStale(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	var failures []string
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := newPageCache(clock, func(key string, err error) { mu.Lock(); failures = append(failures, key); mu.Unlock() })
	ctx := context.Background()
	var renders sync.Map
	page := func(body string) func(context.Context) (*cachedPage, error) {
		return func(context.Context) (*cachedPage, error) {
			renders.Store(body, true)
			return &cachedPage{code: 200, body: []byte(body)}, nil
		}
	}
	body := func(key, version, next string) string {
		p, err := c.get(ctx, key, version, page(next))
		if err != nil || p == nil {
			t.Fatalf("get %s %s: %v %v", key, version, p, err)
		}
		return string(p.body)
	}
	if got := body("k", "v1", "one"); got != "one" {
		t.Fatalf("first get: %q", got)
	}
	if got := body("k", "v1", "again"); got != "one" {
		t.Fatalf("second get: %q, want the cached page", got)
	}
	if _, ok := renders.Load("again"); ok {
		t.Errorf("a fresh page was rendered again")
	}

	// A newer version whose render is slow: the stale page meanwhile, for every request.
	started, release := make(chan struct{}), make(chan struct{})
	p, err := c.get(ctx, "k", "v2", func(context.Context) (*cachedPage, error) {
		close(started)
		<-release
		return &cachedPage{code: 200, body: []byte("two")}, nil
	})
	<-started
	if err != nil || string(p.body) != "one" {
		t.Errorf("while v2 renders: %v %v, want the stale page", p, err)
	}
	if got := body("k", "v2", "never"); got != "one" {
		t.Errorf("while v2 renders, another request: %q, want the stale page", got)
	}
	close(release)
	eventually(t, "the v2 page", func() bool { return body("k", "v2", "never") == "two" })
	if _, ok := renders.Load("never"); ok {
		t.Errorf("a second render started while one was in flight")
	}

	// Older than pageMaxAge: rendered again.
	mu.Lock()
	now = now.Add(pageMaxAge)
	mu.Unlock()
	eventually(t, "the page rendered after pageMaxAge", func() bool { return body("k", "v2", "three") == "three" })

	// A failed background render keeps the stale page and is reported.
	mu.Lock()
	now = now.Add(pageMaxAge)
	mu.Unlock()
	p, err = c.get(ctx, "k", "v2", func(context.Context) (*cachedPage, error) { return nil, errors.New("boom") })
	if err != nil || string(p.body) != "three" {
		t.Errorf("failed re-render: %v %v, want the stale page", p, err)
	}
	eventually(t, "the failure reported", func() bool { mu.Lock(); defer mu.Unlock(); return len(failures) == 1 })

	// With nothing cached, a failure is the request's, and the next request renders again.
	if _, err := c.get(ctx, "e", "v2", func(context.Context) (*cachedPage, error) { return nil, errors.New("boom") }); err == nil {
		t.Errorf("failed first render: no error")
	}
	if got := body("e", "v2", "ok"); got != "ok" {
		t.Errorf("after a failed render: %q", got)
	}
	// Entries of older versions are dropped when a newer one is stored.
	body("x", "v3", "x")
	c.mu.Lock()
	_, ok := c.entries["k"]
	c.mu.Unlock()
	if ok {
		t.Errorf("the v2 entry survived a v3 render")
	}
}
