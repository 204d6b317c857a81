package pages

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Versioner is a Source that can tell cheaply (one indexed row, no JSON) which report is the
// latest stored. The handler then keeps the pages it rendered until a newer report is stored,
// instead of reading, decoding and rendering the report for every request. The service's
// source implements it; a Source without it is read on every request.
type Versioner interface {
	LatestReportVersion(ctx context.Context) (string, error)
}

// pageMaxAge bounds how long a cached page is served within one report version. The rollup
// stores the day's snapshots just after the report, so a page rendered between the two lacks
// the day's burn-up point; it is rendered again after this long.
const pageMaxAge = time.Minute

// maxCachedPages bounds the cache: beyond it, a version's first pages are kept and the others
// rendered on each request (week pages of long-gone weeks, misspelled programs).
const maxCachedPages = 1000

// renderWait is how long a request that finds its page stale waits for the new render before
// it is answered with the stale page (the render goes on and serves the next requests). A
// reader who reloads right after a sync mostly gets the new page; under load, nobody waits for
// a render behind a busy CPU.
const renderWait = 50 * time.Millisecond

// backgroundRenderTimeout bounds a render that no request waits for any more.
const backgroundRenderTimeout = time.Minute

// cachedPage is one answer of the handler: a page (200) or a known miss (404, 503; msg set).
type cachedPage struct {
	version  string
	rendered time.Time
	code     int
	body     []byte
	msg      string
}

// cacheable: pages and misses that only a newer report changes (not "no report yet").
func (p *cachedPage) cacheable() bool {
	return p.code == http.StatusOK || p.code == http.StatusNotFound
}

// pageCache holds the rendered pages of the latest report version. A request that finds its
// page stale (a newer version, or older than pageMaxAge) starts one render of it in the
// background, waits for it up to renderWait and else gets the stale page. Requests for a page
// never rendered wait for the one render in flight rather than each rendering it.
type pageCache struct {
	now     func() time.Time
	onError func(key string, err error) // a background render failed

	mu       sync.Mutex
	entries  map[string]*cachedPage
	inflight map[string]*rendering
}

// rendering is a render in flight; done is closed when p and err are set.
type rendering struct {
	done chan struct{}
	p    *cachedPage
	err  error
}

func newPageCache(now func() time.Time, onError func(key string, err error)) *pageCache {
	return &pageCache{now: now, onError: onError, entries: map[string]*cachedPage{}, inflight: map[string]*rendering{}}
}

// get returns the answer for key under version: the cached one when fresh, else a new render
// (see pageCache). It returns nil, nil when ctx ends first.
func (c *pageCache) get(ctx context.Context, key, version string, render func(context.Context) (*cachedPage, error)) (*cachedPage, error) {
	c.mu.Lock()
	stale := c.entries[key]
	if stale != nil && stale.version == version && c.now().Sub(stale.rendered) < pageMaxAge {
		c.mu.Unlock()
		return stale, nil
	}
	r, busy := c.inflight[key]
	if !busy {
		r = &rendering{done: make(chan struct{})}
		c.inflight[key] = r
	}
	c.mu.Unlock()

	if !busy {
		if stale == nil {
			// Nothing to serve meanwhile: render in this request.
			c.render(ctx, key, version, r, render)
			return r.p, r.err
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundRenderTimeout)
			defer cancel()
			c.render(ctx, key, version, r, render)
			if r.err != nil {
				c.onError(key, r.err)
			}
		}()
	}
	var timeout <-chan time.Time
	if stale != nil {
		t := time.NewTimer(renderWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-r.done:
		if r.err != nil && stale != nil {
			return stale, nil // the failure is logged; the last good page is better than none
		}
		return r.p, r.err
	case <-timeout:
		return stale, nil
	case <-ctx.Done():
		return nil, nil
	}
}

func (c *pageCache) render(ctx context.Context, key, version string, r *rendering, render func(context.Context) (*cachedPage, error)) {
	defer func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.inflight, key)
		close(r.done)
		if r.err != nil || r.p == nil || !r.p.cacheable() {
			return
		}
		// A newer version makes every entry stale: drop them rather than let the map grow
		// with pages nobody asks for any more.
		for k, e := range c.entries {
			if e.version != version {
				delete(c.entries, k)
			}
		}
		if _, ok := c.entries[key]; ok || len(c.entries) < maxCachedPages {
			c.entries[key] = r.p
		}
	}()
	started := c.now()
	r.p, r.err = render(ctx)
	if r.p != nil {
		r.p.version, r.p.rendered = version, started
	}
}
