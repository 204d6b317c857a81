package rollup

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/store"
)

// Figures on the 2-core AMD EPYC CI machine (go test -bench, 2026-11-24):
//
//	BenchmarkCompute, 100k issues, 20k PRs, 200 milestones:   0.37 s/op,  93 MB allocated
//	BenchmarkCompute, 1M issues, 200k PRs, 200 milestones:     2.5-3.1 s/op, 0.86 GB allocated,
//	                                                            report JSON 101 MB, encoded in 0.9 s
//	BenchmarkBackfill, 100k issues, 84 days:                    0.35 s/op
//	store.BenchmarkLoadRollupData, 100k issues, 20k PRs:       0.55-0.6 s/op
//	store.BenchmarkLoadRollupData, 1M issues, 200k PRs:        6.4 s/op, ~0.9 GB heap after load
//	BenchmarkRun (load, compute, store), 1M issues, 200k PRs:  10.7 s/op, 3.9 GB allocated,
//	                                                            2.5 GB peak RSS (whole process, seeding included)
//
// BenchmarkRun on 2026-11-30 (2-core Xeon, shared with other work, slower than the figures above:
// the same code measured 15.8-18.2 s per Run), after the loader and item changes:
//
//	BenchmarkRun, 1M issues, 200k PRs:                         14.2 s/op, 2.44 GB allocated,
//	                                                            1580 MB peak RSS of the timed runs,
//	                                                            1.62 GB for the whole process
//	one Run, 300k issues, 60k PRs:                             0.73 GB allocated (was 1.12 GB),
//	                                                            peak RSS 430-490 MB (was 640 MB)
//
// BenchmarkRun at 1M issues, 200k PRs, later on 2026-11-30 (same machine, load average 4-6 from
// other work, the seeded database reused with CAIRN_BENCH_DB), old and new binaries alternated:
// the loader reads packed rows into a compact issue table, items are 128 bytes, the report is
// encoded on both cores:
//
//	before:  17.7-25.5 s/op, 17.6-21.2 CPU s, 1.42-1.43 GB peak RSS, 2.44 GB and 45M allocations
//	after:   9.8-23 s/op (wall follows the load), 14.4-16.6 cpu-s/op, 0.72-0.88 GB peak RSS,
//	         1.64 GB and 14.5M allocations
//
// genWorld builds a deterministic world: issues across 20 projects and 200 fix versions, each
// with a status history over the last 26 weeks, PRs across 20 repos (half carrying a key),
// some blocking links and closed sprints; and a spec with one milestone per version, 10 per
// program.
func genWorld(issues, prs, milestones int, asOf time.Time) (Input, Spec) {
	rng := NewSplitMix64(1)
	var d store.RollupData
	for v := range milestones {
		d.Versions = append(d.Versions, store.RollupVersion{ID: int64(v + 1), Project: fmt.Sprintf("P%02d", v%20),
			Name: fmt.Sprintf("V%03d", v), ReleaseDate: asOf.AddDate(0, 0, 7+rng.IntN(120))})
	}
	for s := range 40 {
		end := asOf.AddDate(0, 0, -7*(s%12+1))
		d.Sprints = append(d.Sprints, store.RollupSprint{ID: int64(s + 1), Name: fmt.Sprintf("S%02d", s),
			State: "closed", StartAt: end.AddDate(0, 0, -14), EndAt: end, Complete: end})
	}
	d.Issues = make([]store.RollupIssue, issues)
	for i := range issues {
		p := i % 20
		created := asOf.Add(-time.Duration(rng.IntN(26*7*24)) * time.Hour)
		is := store.RollupIssue{ID: int64(i + 1), Key: fmt.Sprintf("P%02d-%d", p, i), Project: fmt.Sprintf("P%02d", p),
			Type: "Story", Summary: "work", Created: created, Updated: created, Category: cairn.CategoryNew,
			VersionIDs: []int64{int64(rng.IntN(milestones) + 1)}, SprintIDs: []int64{int64(rng.IntN(40) + 1)}}
		if rng.IntN(3) > 0 {
			is.Points, is.Estimated = float64(1+rng.IntN(8)), true
		}
		t := created
		switch rng.IntN(4) {
		case 0: // to do
		case 1: // in progress
			t = t.Add(time.Duration(rng.IntN(200)) * time.Hour)
			is.Transitions = append(is.Transitions, store.RollupTransition{At: t, From: cairn.CategoryNew, To: cairn.CategoryIndeterminate})
			is.Category = cairn.CategoryIndeterminate
		default: // done
			t = t.Add(time.Duration(rng.IntN(100)) * time.Hour)
			is.Transitions = append(is.Transitions, store.RollupTransition{At: t, From: cairn.CategoryNew, To: cairn.CategoryIndeterminate})
			t = t.Add(time.Duration(1+rng.IntN(300)) * time.Hour)
			is.Transitions = append(is.Transitions, store.RollupTransition{At: t, From: cairn.CategoryIndeterminate, To: cairn.CategoryDone})
			is.Category, is.Resolved = cairn.CategoryDone, t
		}
		if t.After(asOf) {
			is.Transitions, is.Category = nil, cairn.CategoryNew
		}
		is.Flagged = rng.IntN(200) == 0
		d.Issues[i] = is
		if rng.IntN(50) == 0 {
			d.Links = append(d.Links, cairn.IssueLink{ID: int64(i), Type: "Blocks",
				FromKey: fmt.Sprintf("P%02d-%d", (i+1)%20, (i+1)%issues), ToKey: is.Key})
		}
	}
	for n := range prs {
		repo := fmt.Sprintf("acme/r%02d", n%20)
		created := asOf.Add(-time.Duration(rng.IntN(26*7*24)) * time.Hour)
		pr := store.RollupPR{Repo: repo, Number: n + 1, Title: "pr", State: "open", Created: created, Updated: created}
		if rng.IntN(3) > 0 {
			pr.State, pr.Merged, pr.Closed = "closed", created.Add(time.Duration(1+rng.IntN(96))*time.Hour), created.Add(96*time.Hour)
			if pr.Merged.After(asOf) {
				pr.State, pr.Merged, pr.Closed = "open", time.Time{}, time.Time{}
			}
		}
		if rng.IntN(2) == 0 {
			pr.FirstReview = created.Add(time.Duration(1+rng.IntN(48)) * time.Hour)
		}
		if rng.IntN(2) == 0 {
			d.PRLinks = append(d.PRLinks, cairn.PRIssueLink{Repo: repo, Number: n + 1, IssueKey: d.Issues[rng.IntN(issues)].Key})
		} else {
			pr.Milestone = fmt.Sprintf("m%d", n%10)
		}
		d.PRs = append(d.PRs, pr)
	}
	var spec Spec
	for v := range milestones {
		if v%10 == 0 {
			spec.Programs = append(spec.Programs, ProgramSpec{Name: fmt.Sprintf("Program %d", v/10)})
		}
		p := &spec.Programs[len(spec.Programs)-1]
		ms := MilestoneSpec{Name: fmt.Sprintf("M%03d", v), FixVersions: []string{fmt.Sprintf("V%03d", v)}}
		if v%20 == 0 {
			ms.GitHubMilestones = []string{fmt.Sprintf("acme/r%02d:m%d", v%20, v%10)}
		}
		p.Milestones = append(p.Milestones, ms)
	}
	return Input{Data: d}, spec
}

// benchSize reads a world size from the environment (CAIRN_BENCH_ISSUES, CAIRN_BENCH_PRS).
func benchSize(env string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkCompute: 100 000 issues, 20 000 PRs and 200 milestones unless CAIRN_BENCH_ISSUES
// and CAIRN_BENCH_PRS say otherwise.
func BenchmarkCompute(b *testing.B) {
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	in, spec := genWorld(benchSize("CAIRN_BENCH_ISSUES", 100_000), benchSize("CAIRN_BENCH_PRS", 20_000), 200, asOf)
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	var r *Report
	for b.Loop() {
		r = Compute(in, spec, asOf)
	}
	b.StopTimer()
	start := time.Now()
	body, err := json.Marshal(r)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(time.Since(start).Seconds(), "json-s")
	b.ReportMetric(float64(len(body))/(1<<20), "json-MB")
	b.ReportMetric(float64(len(in.Data.Issues)), "issues")
	b.ReportMetric(float64(len(in.Data.PRs)), "prs")
	b.ReportMetric(float64(len(Snapshots(r))), "milestones")
}

func BenchmarkBackfill(b *testing.B) {
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	in, spec := genWorld(100_000, 20_000, 200, asOf)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Backfill(in, spec, asOf, BackfillDays)
	}
}

func TestGeneratedWorldIsSane(t *testing.T) {
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	in, spec := genWorld(2000, 400, 20, asOf)
	r := Compute(in, spec, asOf)
	total := 0
	for _, p := range r.Programs {
		for _, m := range p.Milestones {
			total += m.Scope.Total
			if m.Forecast.Status == "" || m.Status == "" {
				t.Errorf("%s/%s: empty forecast or status", p.Name, m.Name)
			}
		}
	}
	// Every issue has one version and the versions are all milestones: at least 2000 items.
	if total < 2000 {
		t.Errorf("items in milestones: got %d, want at least 2000", total)
	}
}
