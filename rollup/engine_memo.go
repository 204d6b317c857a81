package rollup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/cairn-dev/cairn/store"
)

// forecastMemo remembers forecasts by their whole input: RunForecast is a pure function of it
// (seeded per milestone and ISO week), so a forecast whose input did not change is the one
// run before, exactly. Most of a rollup's compute time is forecasting, and one changed
// milestone changes one forecast (and those sharing its teams' throughput, which moves only
// when an item's done week does).
type forecastMemo struct {
	mu        sync.Mutex
	last, now map[string]Forecast
}

func newForecastMemo() *forecastMemo {
	return &forecastMemo{last: map[string]Forecast{}, now: map[string]Forecast{}}
}

// run returns RunForecast(in), from the memo when it holds in's forecast; a nil memo runs it.
func (fm *forecastMemo) run(in ForecastInput) Forecast {
	if fm == nil {
		return RunForecast(in)
	}
	k := forecastKey(in)
	fm.mu.Lock()
	f, ok := fm.now[k]
	if !ok {
		f, ok = fm.last[k]
	}
	fm.mu.Unlock()
	if !ok {
		f = RunForecast(in)
	}
	fm.mu.Lock()
	fm.now[k] = f
	fm.mu.Unlock()
	return f
}

// keep carries the last run's forecast of key k over to this run (its milestone's result was
// reused, so its forecast was not looked up).
func (fm *forecastMemo) keep(k string) {
	if f, ok := fm.last[k]; ok {
		fm.now[k] = f
	}
}

// rotate keeps the forecasts of the run just ended, and only those.
func (fm *forecastMemo) rotate() {
	fm.last, fm.now = fm.now, map[string]Forecast{}
}

// forecastKey encodes every field of in (a nil scope growth apart from an empty one; times
// with their location, since the due day is read in its own).
func forecastKey(in ForecastInput) string {
	b := make([]byte, 0, 256)
	ints := func(v []int) {
		if v == nil {
			b = append(b, 'n')
		}
		b = append(b, '[')
		for _, n := range v {
			b = strconv.AppendInt(b, int64(n), 10)
			b = append(b, ',')
		}
		b = append(b, ']')
	}
	tm := func(t time.Time) {
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '@')
		b = append(b, t.Location().String()...)
		b = append(b, ';')
	}
	b = strconv.AppendInt(b, int64(in.Remaining), 10)
	b = append(b, ';')
	ints(in.WeeklyThroughput)
	ints(in.ScopeGrowth)
	tm(in.Start)
	tm(in.Due)
	b = strconv.AppendInt(b, int64(in.Trials), 10)
	b = append(b, ';')
	b = strconv.AppendUint(b, in.Seed, 10)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(in.MaxWeeks), 10)
	return string(b)
}

// encodedMilestone is a milestone's report as last encoded: its body until it is stored (then
// only its hash is kept: the store has it, see store.ReportPart).
type encodedMilestone struct {
	body  []byte
	hash  string
	fresh bool // encoded by the last encodeParts
}

// encodeMemo encodes a report in parts (store.SaveReportParts): each milestone's JSON is a
// part, re-encoded only when the milestone's report changed (the Engine knows which: those it
// recomputed, and those whose status or reasons moved).
type encodeMemo struct {
	ms []encodedMilestone // by global milestone index (the spec's order)
}

// encodeParts returns r's JSON as a skeleton and parts: the skeleton with each part's body
// inserted at its offset is json.Marshal(r), byte for byte (encodeReport's result). changed
// says which milestones (by global index) changed since the last call; nil: all.
func (em *encodeMemo) encodeParts(r *Report, changed []bool) ([]byte, []store.ReportPart, error) {
	n := 0
	for _, p := range r.Programs {
		n += len(p.Milestones)
	}
	if len(em.ms) != n {
		em.ms = make([]encodedMilestone, n)
	}
	// The milestones that changed, encoded on every core.
	type job struct {
		g int
		m *MilestoneReport
	}
	var jobs []job
	g := 0
	for pi := range r.Programs {
		for k := range r.Programs[pi].Milestones {
			m := &r.Programs[pi].Milestones[k]
			if em.ms[g].hash == "" || changed == nil || changed[g] {
				jobs = append(jobs, job{g, m})
			}
			g++
		}
	}
	errs := make([]error, len(jobs))
	parallel(len(jobs), func(i int) {
		j := jobs[i]
		body, err := json.Marshal(j.m)
		if err != nil {
			errs[i] = err
			return
		}
		em.ms[j.g] = encodedMilestone{body: body, hash: store.PartHash(body), fresh: true}
	})
	for _, err := range errs {
		if err != nil {
			em.ms = nil
			return nil, nil, err
		}
	}

	// The skeleton: the report with each program's milestones left out, spliced back as parts.
	shell := *r
	shell.Programs = nil
	head, err := json.Marshal(&shell)
	if err != nil {
		return nil, nil, err
	}
	const nullPrograms = `"programs":null`
	k := bytes.Index(head, []byte(nullPrograms))
	if k < 0 {
		return nil, nil, fmt.Errorf("encode report: no programs field in %.80s", head)
	}
	var skel []byte
	var parts []store.ReportPart
	if r.Programs == nil {
		return head, nil, nil
	}
	skel = append(skel, head[:k]...)
	skel = append(skel, `"programs":[`...)
	g = 0
	for pi := range r.Programs {
		if pi > 0 {
			skel = append(skel, ',')
		}
		p := r.Programs[pi]
		if len(p.Milestones) == 0 { // nil or empty: encoded as it is
			body, err := json.Marshal(&p)
			if err != nil {
				return nil, nil, err
			}
			skel = append(skel, body...)
			continue
		}
		ms := p.Milestones
		p.Milestones = nil
		body, err := json.Marshal(&p)
		if err != nil {
			return nil, nil, err
		}
		const nullMs = `"milestones":null`
		j := bytes.Index(body, []byte(nullMs))
		if j < 0 {
			return nil, nil, fmt.Errorf("encode report: no milestones field in %.80s", body)
		}
		skel = append(skel, body[:j]...)
		skel = append(skel, `"milestones":[`...)
		for i := range ms {
			if i > 0 {
				skel = append(skel, ',')
			}
			e := &em.ms[g]
			parts = append(parts, store.ReportPart{Offset: len(skel), Body: e.body, Hash: e.hash})
			g++
		}
		skel = append(skel, ']')
		skel = append(skel, body[j+len(nullMs):]...)
	}
	skel = append(skel, ']')
	skel = append(skel, head[k+len(nullPrograms):]...)
	return skel, parts, nil
}

// stored drops the bodies of the parts just stored: the next reports refer to them by hash.
func (em *encodeMemo) stored() {
	for i := range em.ms {
		em.ms[i].body = nil
	}
}
