package service

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cairn-dev/cairn/syncer"
)

// Progress shows the progress of syncs in flight. On a terminal it keeps one line per
// invocation, rewritten in place, with a segment per connector (scopes done, items, pages, the
// scope being synced, rate-limit waits, and an ETA where the upstream gave a total); elsewhere
// it writes structured log lines, at most one per scope every LogEvery plus every wait and
// every finished scope. Its Event method is a syncer.ProgressFunc. Safe for concurrent use.
type Progress struct {
	w   io.Writer
	tty bool
	log *slog.Logger
	// Now is the clock (tests replace it). Width is the terminal line's width in columns.
	Now      func() time.Time
	Width    int
	LogEvery time.Duration

	mu    sync.Mutex
	conns map[string]*connProgress
	drawn time.Time
}

type connProgress struct {
	scopes  map[string]*scopeProgress
	current string
	wait    time.Duration
	waitAt  time.Time
}

type scopeProgress struct {
	first  time.Time
	logged time.Time
	items  int
	total  int
	pages  int
	done   bool
}

// NewProgress returns a Progress writing a live line to w when tty is true, or log lines to log.
func NewProgress(w io.Writer, tty bool, log *slog.Logger) *Progress {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Progress{w: w, tty: tty, log: log, Now: time.Now, Width: 100, LogEvery: 10 * time.Second,
		conns: map[string]*connProgress{}}
}

// IsTerminal reports whether f is a character device (a terminal, not a pipe or a file).
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Func returns p.Event as a syncer.ProgressFunc.
func (p *Progress) Func() syncer.ProgressFunc { return p.Event }

// Event records one progress event and shows it.
func (p *Progress) Event(e syncer.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.Now()
	c := p.conns[e.Connector]
	if c == nil {
		c = &connProgress{scopes: map[string]*scopeProgress{}}
		p.conns[e.Connector] = c
	}
	sc := c.scopes[e.Scope]
	if sc == nil {
		sc = &scopeProgress{first: now}
		c.scopes[e.Scope] = sc
	}
	switch e.Kind {
	case "wait":
		c.wait, c.waitAt = e.Wait, now
	default:
		c.wait = 0
		sc.items, sc.pages = e.Items, e.Pages
		if e.Total > 0 {
			sc.total = e.Total
		}
		sc.done = sc.done || e.Kind == "done"
		c.current = e.Scope
	}
	if p.tty {
		if e.Kind != "page" || now.Sub(p.drawn) >= 100*time.Millisecond {
			p.drawLocked(now)
		}
		return
	}
	args := []any{"connector", e.Connector, "scope", e.Scope, "items", sc.items, "pages", sc.pages}
	if sc.total > 0 {
		args = append(args, "total", sc.total)
	}
	switch e.Kind {
	case "wait":
		p.log.Info("sync waiting for the rate limit", append(args, "wait_seconds", e.Wait.Seconds())...)
	case "done":
		p.log.Info("sync scope done", args...)
	default:
		if now.Sub(sc.logged) < p.LogEvery {
			return
		}
		sc.logged = now
		if eta, ok := sc.eta(now); ok {
			args = append(args, "eta_seconds", eta.Round(time.Second).Seconds())
		}
		p.log.Info("sync progress", args...)
	}
}

// eta estimates the time left from the rate so far; ok is false without a total.
func (sc *scopeProgress) eta(now time.Time) (time.Duration, bool) {
	if sc.total <= 0 || sc.items <= 0 || sc.done {
		return 0, false
	}
	left := sc.total - sc.items
	if left <= 0 {
		return 0, true
	}
	elapsed := now.Sub(sc.first)
	if elapsed <= 0 {
		return 0, false // no rate yet
	}
	return time.Duration(float64(elapsed) / float64(sc.items) * float64(left)), true
}

// Line is the live line as it would be drawn now.
func (p *Progress) Line() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lineLocked(p.Now())
}

func (p *Progress) lineLocked(now time.Time) string {
	names := make([]string, 0, len(p.conns))
	for n := range p.conns {
		names = append(names, n)
	}
	sort.Strings(names)
	var segs []string
	for _, n := range names {
		c := p.conns[n]
		var items, pages, done int
		var eta time.Duration
		etaKnown := false
		for _, sc := range c.scopes {
			items += sc.items
			pages += sc.pages
			if sc.done {
				done++
			}
			if d, ok := sc.eta(now); ok {
				eta, etaKnown = max(eta, d), true
			}
		}
		seg := fmt.Sprintf("%s %d/%d scopes, %d items, %d pages", n, done, len(c.scopes), items, pages)
		if left := c.wait - now.Sub(c.waitAt); c.wait > 0 && left > 0 {
			seg += fmt.Sprintf(", rate limit: waiting %s", left.Round(time.Second))
		} else if sc := c.scopes[c.current]; sc != nil && !sc.done {
			seg += ", " + c.current
			if sc.total > 0 {
				seg += fmt.Sprintf(" %d%%", min(100, sc.items*100/sc.total))
			}
		}
		if etaKnown {
			seg += ", ETA " + eta.Round(time.Second).String()
		}
		segs = append(segs, seg)
	}
	line := strings.Join(segs, " | ")
	if r := []rune(line); p.Width > 1 && len(r) > p.Width-1 {
		line = string(r[:p.Width-2]) + "…"
	}
	return line
}

func (p *Progress) drawLocked(now time.Time) {
	line := sanitize(p.lineLocked(now))
	// Carriage return, the line, then erase what a longer previous line left.
	fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	p.drawn = now
}

// Finish draws the final state and ends the live line, so what is printed next starts on a
// fresh line. It does nothing when not on a terminal.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty || len(p.conns) == 0 {
		return
	}
	p.drawLocked(p.Now())
	fmt.Fprintln(p.w)
	p.conns = map[string]*connProgress{}
}

// sanitize drops control characters (scope names come from upstream) so the line cannot move
// the cursor or change the terminal.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
