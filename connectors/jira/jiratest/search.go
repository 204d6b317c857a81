package jiratest

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
)

// lite is what ordering and paging need of an issue; cheap to compute for generated ones.
type lite struct {
	id               int64
	project          string
	num              int
	created, updated int64 // unix ms
}

func liteOf(is *cairn.Issue) lite {
	return lite{id: is.ID, project: is.ProjectKey, num: numOf(is.Key), created: is.Created.UnixMilli(), updated: is.Updated.UnixMilli()}
}

func (g *genSpec) lite(i int) lite {
	c, u := g.times(i)
	return lite{id: g.idBase + int64(i), project: g.key, num: i, created: c.UnixMilli(), updated: u.UnixMilli()}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare orders two issues by the query's ORDER BY, then by id.
func (q *query) compare(a, b lite) int {
	for _, o := range q.order {
		var c int
		switch o.field {
		case "updated":
			c = cmpInt(a.updated, b.updated)
		case "created":
			c = cmpInt(a.created, b.created)
		case "id":
			c = cmpInt(a.id, b.id)
		case "key":
			c = strings.Compare(a.project, b.project)
			if c == 0 {
				c = cmpInt(int64(a.num), int64(b.num))
			}
		}
		if o.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(a.id, b.id)
}

// ascending reports whether every ORDER BY field is ascending: generated issues are then
// already in order, project by project.
func (q *query) ascending() bool {
	for _, o := range q.order {
		if o.desc {
			return false
		}
	}
	return true
}

func (q *query) inScope(project string) bool {
	if q.projects == nil {
		return true
	}
	for _, p := range q.projects {
		if p == project {
			return true
		}
	}
	return false
}

// cursorPos is the last issue a page returned; nil pos means "from the start".
type cursorPos struct {
	ok bool
	at lite
}

// page returns up to limit matching ids after pos, and whether more follow (s.mu held).
func (s *Server) page(q *query, pos cursorPos, limit int) ([]int64, cursorPos, bool) {
	match := func(is *cairn.Issue) bool { return q.pred == nil || q.pred(is) }
	// Stored issues in scope, sorted.
	var stored []lite
	for _, r := range s.recs {
		if q.inScope(r.is.ProjectKey) && match(&r.is) {
			l := liteOf(&r.is)
			if !pos.ok || q.compare(l, pos.at) > 0 {
				stored = append(stored, l)
			}
		}
	}
	sort.Slice(stored, func(a, b int) bool { return q.compare(stored[a], stored[b]) < 0 })
	// Generated streams, one per project, each in index order when the order is ascending.
	type stream struct {
		p    *project
		next int
		cur  lite
		ok   bool
	}
	var streams []*stream
	var extra []lite // generated issues when the order is not ascending
	for _, p := range s.projOrder {
		g := p.gen
		if g == nil || g.n == 0 || !q.inScope(p.Key) {
			continue
		}
		if !q.ascending() {
			for i := 1; i <= g.n; i++ {
				if !p.hidden[i] && s.genMatch(q, p, i) {
					if l := g.lite(i); !pos.ok || q.compare(l, pos.at) > 0 {
						extra = append(extra, l)
					}
				}
			}
			continue
		}
		// First index after pos and at or after the time bounds (all monotone in i).
		lo := sort.Search(g.n, func(k int) bool {
			l := g.lite(k + 1)
			if pos.ok && q.compare(l, pos.at) <= 0 {
				return false
			}
			for f, t := range q.after {
				v := l.updated
				if f == "created" {
					v = l.created
				}
				if time.UnixMilli(v).Before(t) {
					return false
				}
			}
			return true
		}) + 1
		st := &stream{p: p, next: lo}
		streams = append(streams, st)
	}
	if len(extra) > 0 {
		stored = append(stored, extra...)
		sort.Slice(stored, func(a, b int) bool { return q.compare(stored[a], stored[b]) < 0 })
	}
	advance := func(st *stream) {
		st.ok = false
		g := st.p.gen
		for st.next <= g.n {
			i := st.next
			st.next++
			if st.p.hidden[i] || !s.genMatch(q, st.p, i) {
				continue
			}
			st.cur, st.ok = g.lite(i), true
			return
		}
	}
	for _, st := range streams {
		advance(st)
	}
	ids := make([]int64, 0, min(limit, 1024))
	si := 0
	for {
		var best *stream
		for _, st := range streams {
			if st.ok && (best == nil || q.compare(st.cur, best.cur) < 0) {
				best = st
			}
		}
		var pick lite
		switch {
		case best != nil && (si >= len(stored) || q.compare(best.cur, stored[si]) < 0):
			pick = best.cur
			if len(ids) < limit {
				advance(best)
			}
		case si < len(stored):
			pick = stored[si]
			si++
		default:
			return ids, pos, false
		}
		if len(ids) == limit {
			return ids, pos, true
		}
		ids = append(ids, pick.id)
		pos = cursorPos{ok: true, at: pick}
	}
}

// genMatch evaluates the query on generated issue i, building it only when needed.
func (s *Server) genMatch(q *query, p *project, i int) bool {
	if q.pred == nil {
		return true
	}
	if q.trivial {
		c, u := p.gen.times(i)
		return q.pred(&cairn.Issue{ProjectKey: p.Key, Created: c, Updated: u})
	}
	is := p.gen.issue(i)
	return q.pred(&is)
}

// count counts the matches of a query (Data Center's total).
func (s *Server) count(q *query) int {
	n := 0
	pos := cursorPos{}
	for {
		ids, next, more := s.page(q, pos, 5000)
		n += len(ids)
		if !more {
			return n
		}
		pos = next
	}
}

func encodeToken(c cursorPos) string {
	raw := strconv.FormatInt(c.at.id, 36) + "." + c.at.project + "." + strconv.Itoa(c.at.num) + "." +
		strconv.FormatInt(c.at.created, 36) + "." + strconv.FormatInt(c.at.updated, 36)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeToken(tok string) (cursorPos, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return cursorPos{}, false
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 5 {
		return cursorPos{}, false
	}
	id, e1 := strconv.ParseInt(parts[0], 36, 64)
	num, e2 := strconv.Atoi(parts[2])
	c, e3 := strconv.ParseInt(parts[3], 36, 64)
	u, e4 := strconv.ParseInt(parts[4], 36, 64)
	if e1 != nil || e2 != nil || e3 != nil || e4 != nil {
		return cursorPos{}, false
	}
	return cursorPos{ok: true, at: lite{id: id, project: parts[1], num: num, created: c, updated: u}}, true
}
