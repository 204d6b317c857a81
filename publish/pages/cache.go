package pages

import (
	"context"
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

// cachedPage is one answer of the handler: a page (200) or a known miss (404, msg set).
type cachedPage struct {
	version  string
	rendered time.Time
	code     int
	body     []byte
	msg      string
}

// pageCache holds the rendered pages of the latest report version. A request that finds its
// page stale (a newer version, or older than pageMaxAge) renders it again; requests for the same
// page meanwhile get the stale copy instead of waiting, and requests for a page never rendered
// wait for the one render in flight rather than each rendering it.
type pageCache struct {
	now func() time.Time

	mu       sync.Mutex
	entries  map[string]*cachedPage
	inflight map[string]chan struct{} // closed when the render of the key is stored
}

func newPageCache(now func() time.Time) *pageCache {
	return &pageCache{now: now, entries: map[string]*cachedPage{}, inflight: map[string]chan struct{}{}}
}

// get returns the cached answer for key under version, rendering it with render when there is
// none or it is stale. render returns the answer and whether it may be cached.
func (c *pageCache) get(ctx context.Context, key, version string, render func() (*cachedPage, bool)) *cachedPage {
	for {
		c.mu.Lock()
		e := c.entries[key]
		fresh := e != nil && e.version == version && c.now().Sub(e.rendered) < pageMaxAge
		if fresh {
			c.mu.Unlock()
			return e
		}
		if wait, busy := c.inflight[key]; busy {
			c.mu.Unlock()
			if e != nil {
				return e // stale while another request renders it again
			}
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil
			}
		}
		done := make(chan struct{})
		c.inflight[key] = done
		c.mu.Unlock()
		return c.render(key, version, done, render)
	}
}

func (c *pageCache) render(key, version string, done chan struct{}, render func() (*cachedPage, bool)) (p *cachedPage) {
	keep := false
	defer func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.inflight, key)
		close(done)
		if !keep {
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
			c.entries[key] = p
		}
	}()
	started := c.now()
	p, keep = render()
	if p != nil {
		p.version, p.rendered = version, started
	}
	keep = keep && p != nil
	return p
}
