package pages_test

import (
	"fmt"
	"testing"

	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/rollup"
)

// bigInputs is the fixture program grown to 40 milestones, each with 182 days of snapshots,
// 60 items of evidence and two blockers: a large program's week.
func bigInputs() *pages.Inputs {
	in := fixture()
	cur := &in.Report.Programs[0]
	base := cur.Milestones[0]
	cur.Milestones = nil
	var snaps []rollup.Snapshot
	for i := range 40 {
		m := base
		m.Name = fmt.Sprintf("Milestone %02d", i)
		m.Evidence.Done, m.Evidence.Todo = nil, nil
		for k := range 60 {
			key := fmt.Sprintf("PAY-%d", 1000+60*i+k)
			if k%2 == 0 {
				m.Evidence.Done = append(m.Evidence.Done, key)
			} else {
				m.Evidence.Todo = append(m.Evidence.Todo, key)
			}
		}
		cur.Milestones = append(cur.Milestones, m)
		for d := range 182 {
			snaps = append(snaps, rollup.Snapshot{Program: cur.Name, Milestone: m.Name, Day: fixtureAsOf.AddDate(0, 0, d-181),
				Scope: 40 + d/10, Done: d / 5, OnTime: -1})
		}
	}
	in.Snapshots = snaps
	in.Previous.Programs[0].Milestones = cur.Milestones
	return in
}

// BenchmarkRender renders the 40-milestone program's page: Build (the view-model, charts and
// links) and one format per sub-benchmark.
func BenchmarkRender(b *testing.B) {
	in := bigInputs()
	r, err := pages.NewRenderer(fixtureOptions)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range pages.Formats {
		b.Run(string(f), func(b *testing.B) {
			var size int
			for b.Loop() {
				out, err := r.Render(in.Report, in.Previous, in.Snapshots, fixtureProgram, f)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}
