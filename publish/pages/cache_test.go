package pages

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestPageCacheStale: a stale page (newer version, or older than pageMaxAge) is rendered again by
// the request that finds it so; a request arriving meanwhile gets the stale copy without waiting.
func TestPageCacheStale(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := newPageCache(clock)
	ctx := context.Background()
	renders := 0
	page := func(body string) func() (*cachedPage, bool) {
		return func() (*cachedPage, bool) {
			renders++
			return &cachedPage{code: 200, body: []byte(body)}, true
		}
	}
	if p := c.get(ctx, "k", "v1", page("one")); string(p.body) != "one" {
		t.Fatalf("first get: %q", p.body)
	}
	if p := c.get(ctx, "k", "v1", page("again")); string(p.body) != "one" || renders != 1 {
		t.Fatalf("second get: %q after %d renders, want the cached page", p.body, renders)
	}

	// A newer version, while its render is in flight: the stale page for the other request.
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan *cachedPage)
	go func() {
		done <- c.get(ctx, "k", "v2", func() (*cachedPage, bool) {
			close(started)
			<-release
			return &cachedPage{code: 200, body: []byte("two")}, true
		})
	}()
	<-started
	if p := c.get(ctx, "k", "v2", page("never")); string(p.body) != "one" {
		t.Errorf("during the render of v2: %q, want the stale page", p.body)
	}
	close(release)
	if p := <-done; string(p.body) != "two" {
		t.Errorf("render of v2: %q", p.body)
	}
	if p := c.get(ctx, "k", "v2", page("never")); string(p.body) != "two" {
		t.Errorf("after the render of v2: %q", p.body)
	}

	// Older than pageMaxAge: rendered again.
	mu.Lock()
	now = now.Add(pageMaxAge)
	mu.Unlock()
	if p := c.get(ctx, "k", "v2", page("three")); string(p.body) != "three" {
		t.Errorf("after pageMaxAge: %q, want a new render", p.body)
	}

	// Not cacheable (an error was written): the next request renders again.
	c.get(ctx, "e", "v2", func() (*cachedPage, bool) { return nil, false })
	if p := c.get(ctx, "e", "v2", page("ok")); p == nil || string(p.body) != "ok" {
		t.Errorf("after a failed render: %v", p)
	}
	// Entries of older versions are dropped when a newer one is stored.
	c.get(ctx, "x", "v3", page("x"))
	if _, ok := c.entries["k"]; ok {
		t.Errorf("the v2 entry survived a v3 render")
	}
}
