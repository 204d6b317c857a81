package bench

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// stageTitle is how a stage reads in the table.
var stageTitle = map[string]string{
	StageFetchFloor:  "GitHub fetch+decode floor",
	StageStoreFloor:  "GitHub store floor (pre-decoded rows)",
	StageFullSync:    "GitHub full sync",
	StageIdleSync:    "GitHub incremental, nothing changed",
	StageChangedSync: "GitHub incremental, 1% changed",
	StageRollupFirst: "rollup with forecasts, first run (history backfill)",
	StageRollup:      "rollup with forecasts",
	StageScrape:      "/metrics scrape ×201",
	StageRender:      "page render (20 programs × 3 formats) ×5",
}

func latencyText(d time.Duration) string {
	if d < 0 {
		return "–"
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

func mb(n int64) string { return fmt.Sprintf("%.1f", float64(n)/(1<<20)) }

// fillFloors derives the floors of full syncs recorded without them (older results).
func (r *Results) fillFloors() {
	for i, row := range r.Rows {
		if row.Stage != StageFullSync || row.FloorCPU > 0 {
			continue
		}
		fetch, ok1 := r.find(row.Size, row.Latency, StageFetchFloor)
		store, ok2 := r.find(row.Size, -1, StageStoreFloor)
		if ok1 && ok2 {
			r.Rows[i].FloorWall = max(fetch.Wall, store.Wall)
			r.Rows[i].FloorCPU = fetch.CPU + store.CPU
		}
	}
}

// Markdown writes the results table and the goal checks.
func (r *Results) Markdown(w io.Writer) {
	r.fillFloors()
	lo, hi := 0.0, 0.0
	for i, row := range r.Rows {
		if i == 0 || row.Load1 < lo {
			lo = row.Load1
		}
		hi = max(hi, row.Load1)
	}
	fmt.Fprintf(w, "Machine: %s  \nRun: %s  \nCommand: `%s`  \n", r.Machine, r.Started.Format(time.RFC3339), r.Command)
	fmt.Fprintf(w, "Load average (1 min) at the end of each stage: %.1f to %.1f on %d cores: anything above the stage's own\n", lo, hi, runtime.NumCPU())
	fmt.Fprintf(w, "use is other work on the machine, and wall times grow with it; CPU seconds and RSS much less.\n\n")
	fmt.Fprintln(w, "| issues | PRs | latency | stage | wall s | CPU s | peak RSS MB | requests | written MB | DB MB | items/s | × floor | note |")
	fmt.Fprintln(w, "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, row := range r.Rows {
		title := stageTitle[row.Stage]
		if title == "" {
			title = row.Stage
		}
		rate, ratio := "", ""
		if row.Items > 0 && row.Wall > 0 {
			rate = fmt.Sprintf("%.0f", float64(row.Items)/row.Wall.Seconds())
		}
		note := row.Note
		if row.FloorWall > 0 {
			ratio = fmt.Sprintf("%.2f", row.Wall.Seconds()/row.FloorWall.Seconds())
			note = fmt.Sprintf("CPU %.2f× fetch + store floors' CPU", row.CPU.Seconds()/row.FloorCPU.Seconds())
		}
		reqs := ""
		if row.ServerRequests > 0 || strings.HasPrefix(row.Stage, "github") {
			reqs = fmt.Sprint(row.ServerRequests)
		}
		db := ""
		if row.DBBytes > 0 {
			db = mb(row.DBBytes)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.2f | %.2f | %s | %s | %s | %s | %s | %s | %s |\n",
			row.Size, Size(row.Size.PRs()), latencyText(row.Latency), title, row.Wall.Seconds(), row.CPU.Seconds(),
			mb(row.PeakRSS), reqs, mb(row.WriteByte), db, rate, ratio, note)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Items are PRs + reviews + GitHub issues stored (or decoded, for the fetch floor), scrapes, or pages; requests are what the fake")
	fmt.Fprintln(w, "served during the stage (304s included); written is bytes passed to write(2) by the stage's process")
	fmt.Fprintln(w, "(/proc/self/io wchar: database, WAL, checkpoints, and socket writes: requests sent, or for a scrape the gzipped answers); × floor is wall time over the slower of the")
	fmt.Fprintln(w, "fetch floor at the same latency and the store floor.")
	fmt.Fprintln(w)
	r.goals(w)
}

func (r *Results) find(size Size, lat time.Duration, stage string) (Row, bool) {
	for _, row := range r.Rows {
		if row.Size == size && row.Stage == stage && (row.Latency == lat || row.Latency < 0) {
			return row, true
		}
	}
	return Row{}, false
}

func (r *Results) sizes() []Size {
	var out []Size
	seen := map[Size]bool{}
	for _, row := range r.Rows {
		if !seen[row.Size] {
			seen[row.Size] = true
			out = append(out, row.Size)
		}
	}
	return out
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

// goals checks the speed goals of the other issues against this run's figures.
func (r *Results) goals(w io.Writer) {
	fmt.Fprintln(w, "| goal (issue) | measured | verdict |")
	fmt.Fprintln(w, "|---|---|---|")
	sizes := r.sizes()
	for _, s := range sizes {
		full, ok := r.find(s, 0, StageFullSync)
		if !ok {
			continue
		}
		prs := float64(s.PRs()) / full.Wall.Seconds()
		fmt.Fprintf(w, "| GitHub: ≥ 3,000 PRs/s end to end with reviews, no latency (#4) | %s: %.0f PRs/s | %s |\n", s, prs, verdict(prs >= 3000))
		ratio := full.Wall.Seconds() / full.FloorWall.Seconds()
		fmt.Fprintf(w, "| sync ≤ 1.5× the slower floor (#3, applied to GitHub), no latency | %s: %.2f× wall (CPU %.2f× both floors' CPU) | %s |\n",
			s, ratio, full.CPU.Seconds()/full.FloorCPU.Seconds(), verdict(ratio <= 1.5))
		if slow, ok := r.find(s, 100*time.Millisecond, StageFullSync); ok {
			ratio := slow.Wall.Seconds() / slow.FloorWall.Seconds()
			fmt.Fprintf(w, "| sync ≤ 1.5× the slower floor, 100 ms latency | %s: %.2f× | %s |\n", s, ratio, verdict(ratio <= 1.5))
		}
		if idle, ok := r.find(s, 0, StageIdleSync); ok {
			per := float64(idle.ServerRequests) / repos
			fmt.Fprintf(w, "| GitHub: idle incremental costs a few requests per repo (#4) | %s: %d requests for %d repos (%.1f per repo) | %s |\n",
				s, idle.ServerRequests, repos, per, verdict(per <= 6))
		}
	}
	if len(sizes) >= 2 {
		lo, hi := sizes[0], sizes[len(sizes)-1]
		a, okA := r.find(lo, 0, StageFullSync)
		b, okB := r.find(hi, 0, StageFullSync)
		if okA && okB {
			g := float64(b.PeakRSS) / float64(a.PeakRSS)
			fmt.Fprintf(w, "| GitHub: memory flat in repo size (#4; #3 asks ≤ 1.2× for 10× the issues) | peak RSS %s: %s MB, %s: %s MB (%.2f×) | %s |\n",
				lo, mb(a.PeakRSS), hi, mb(b.PeakRSS), g, verdict(g <= 1.2))
		}
	}
	for _, s := range sizes {
		sc, ok := r.find(s, -1, StageScrape)
		if !ok {
			continue
		}
		fmt.Fprintf(w, "| /metrics scrape with 200 milestones and 50 teams ≤ 20 ms at the median (#7) | %s: %s | %s |\n", s, sc.Note, verdict(sc.Median <= 20*time.Millisecond))
	}
	for _, s := range sizes {
		ro, ok := r.find(s, -1, StageRollup)
		if !ok {
			continue
		}
		want := s == 1_000_000
		note := ""
		if !want {
			note = " (the goal is set at 1M; smaller sizes shown for the curve)"
		}
		fmt.Fprintf(w, "| rollup of 1M issues, 200k PRs, 200 milestones with forecasts ≤ 10 s and ≤ 1 GB RSS (#6) | %s: %.1f s, %s MB%s | %s |\n",
			s, ro.Wall.Seconds(), mb(ro.PeakRSS), note, map[bool]string{true: verdict(ro.Wall.Seconds() <= 10 && ro.PeakRSS <= 1<<30), false: "–"}[want])
	}
	fmt.Fprintln(w)
}
