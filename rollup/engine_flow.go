package rollup

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync"
)

// flowMemo remembers each team's and program's flow with a fingerprint of everything flow()
// reads: per item its kind, category, points, created, started and done times, reopened count
// and sprint ids, and which side of asOf and of the trailing window's start its done time
// falls; per PR its created, first review and merge times and the same two sides of the last
// two; the window's weeks; every sprint (name, state, end) and its sides. Two calls with the
// same fingerprint compute the same flow (the same values in the same order), so a flow whose
// fingerprint did not change is the one computed before. The fingerprint is 128 bits (two
// independently seeded maphash sums): two different inputs share one with probability 2⁻¹²⁸.
// Hashing is a pass over the group's items; the flow it saves sorts their durations and walks
// their sprints.
type flowMemo struct {
	seeds [2]maphash.Seed
	mu    sync.Mutex
	last  map[string]flowEntry
	now   map[string]flowEntry
}

type flowEntry struct {
	key  [2]uint64
	flow Flow
}

func newFlowMemo() *flowMemo {
	return &flowMemo{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		last: map[string]flowEntry{}, now: map[string]flowEntry{}}
}

// flow returns wd.flow(items, prs, win), from the memo when group's fingerprint is unchanged; a
// nil memo computes it.
func (fm *flowMemo) flow(wd *world, group string, items, prs []int32, win *window) Flow {
	if fm == nil {
		return wd.flow(items, prs, win)
	}
	key := fm.fingerprint(wd, items, prs, win)
	fm.mu.Lock()
	e, ok := fm.last[group]
	fm.mu.Unlock()
	if !ok || e.key != key {
		e = flowEntry{key: key, flow: wd.flow(items, prs, win)}
	}
	fm.mu.Lock()
	fm.now[group] = e
	fm.mu.Unlock()
	return e.flow
}

// rotate keeps the flows of the run just ended, and only those.
func (fm *flowMemo) rotate() {
	fm.last, fm.now = fm.now, map[string]flowEntry{}
}

func (fm *flowMemo) fingerprint(wd *world, items, prs []int32, win *window) [2]uint64 {
	var h [2]maphash.Hash
	h[0].SetSeed(fm.seeds[0])
	h[1].SetSeed(fm.seeds[1])
	buf := make([]byte, 0, 4096)
	flush := func() {
		h[0].Write(buf)
		h[1].Write(buf)
		buf = buf[:0]
	}
	u64 := func(v uint64) { buf = binary.LittleEndian.AppendUint64(buf, v) }
	i64 := func(v int64) { u64(uint64(v)) }
	sides := func(sec int64, nsec int32, zero bool) byte {
		if zero {
			return 0
		}
		t := unstamp(sec, nsec)
		var b byte = 1
		if !t.After(win.asOf) {
			b |= 2
		}
		if !t.Before(win.from) {
			b |= 4
		}
		return b
	}
	// The window: its weeks (fixed within a day) and the sprints' sides of it.
	i64(win.end.Unix())
	i64(int64(len(win.weeks)))
	for _, s := range wd.data.Sprints {
		end := s.Complete
		if end.IsZero() {
			end = s.EndAt
		}
		i64(s.ID)
		u64(uint64(len(s.Name)))
		buf = append(buf, s.Name...)
		u64(uint64(len(s.State)))
		buf = append(buf, s.State...)
		i64(end.Unix())
		i64(int64(end.Nanosecond()))
		buf = append(buf, sides(end.Unix(), int32(end.Nanosecond()), end.IsZero()))
	}
	u64(uint64(len(items)))
	for _, i := range items {
		it := &wd.items[i]
		i64(it.createdSec)
		i64(it.startedSec)
		i64(it.doneSec)
		u64(uint64(uint32(it.createdNsec)) | uint64(uint32(it.startedNsec))<<32)
		u64(uint64(uint32(it.doneNsec)) | uint64(it.reopened)<<32 | uint64(it.cat)<<48)
		var kind byte
		if it.issue >= 0 {
			kind = 1
			ids := wd.iss.SprintIDs(&wd.iss.Rows[it.issue])
			u64(uint64(len(ids)))
			for _, id := range ids {
				i64(id)
			}
		}
		u64(math.Float64bits(it.points))
		buf = append(buf, kind, sides(it.doneSec, it.doneNsec, it.done().IsZero()))
		if len(buf) > 3500 {
			flush()
		}
	}
	u64(uint64(len(prs)))
	for _, p := range prs {
		pr := &wd.data.PRs[p]
		for _, t := range [...]int64{pr.Created.Unix(), pr.FirstReview.Unix(), pr.Merged.Unix()} {
			i64(t)
		}
		u64(uint64(uint32(pr.Created.Nanosecond())) | uint64(uint32(pr.FirstReview.Nanosecond()))<<32)
		u64(uint64(uint32(pr.Merged.Nanosecond())))
		buf = append(buf, boolByte(pr.Created.IsZero()),
			sides(pr.FirstReview.Unix(), int32(pr.FirstReview.Nanosecond()), pr.FirstReview.IsZero()),
			sides(pr.Merged.Unix(), int32(pr.Merged.Nanosecond()), pr.Merged.IsZero()))
		if len(buf) > 3500 {
			flush()
		}
	}
	flush()
	return [2]uint64{h[0].Sum64(), h[1].Sum64()}
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
