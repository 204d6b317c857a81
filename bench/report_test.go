package bench

import (
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want Size
		text string // its String, "" for an error
	}{
		{"10k", 10_000, "10k"}, {"100K", 100_000, "100k"}, {"1M", 1_000_000, "1M"}, {"2500", 2500, "2500"},
		{"", 0, ""}, {"-1k", 0, ""}, {"1G", 0, ""}, {"k", 0, ""},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != (tt.text != "") || got != tt.want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if tt.text != "" && got.String() != tt.text {
			t.Errorf("ParseSize(%q).String() = %q, want %q", tt.in, got.String(), tt.text)
		}
	}
}

func sampleResults() *Results {
	row := func(size Size, lat time.Duration, stage string, wall, cpu time.Duration, rss int64, reqs int) Row {
		return Row{Size: size, Latency: lat, Stage: stage, ServerRequests: reqs,
			ChildResult: ChildResult{Usage: Usage{Wall: wall, CPU: cpu, PeakRSS: rss}, Items: 100}}
	}
	r := &Results{Machine: "test machine", Command: "bench/run"}
	for _, s := range []Size{10_000, 100_000} {
		k := time.Duration(s / 10_000)
		r.Rows = append(r.Rows,
			row(s, 0, StageFetchFloor, k*time.Second, k*time.Second, 20<<20, 2000),
			row(s, -1, StageStoreFloor, k*time.Second/2, k*time.Second/2, 50<<20, 0),
			row(s, 0, StageFullSync, k*time.Second*3/2, k*time.Second*2, 40<<20, 2000),
			row(s, 0, StageIdleSync, time.Second/10, time.Second/10, 20<<20, 41),
			row(s, 0, StageJiraFetchFloor, k*time.Second, k*time.Second, 20<<20, 100),
			row(s, -1, StageJiraStoreFloor, k*time.Second, k*time.Second, 80<<20, 0),
			row(s, 0, StageJiraFull, k*time.Second*5/4, k*time.Second*2, 40<<20, int(s)/100),
			row(s, 0, StageJiraIdle, time.Second/10, time.Second/10, 30<<20, 120),
			row(s, -1, StageRollup, k*time.Second, k*time.Second, 100<<20, 0))
		sc := row(s, -1, StageScrape, time.Second, time.Second, 30<<20, 0)
		sc.Median = 15 * time.Millisecond * k
		r.Rows = append(r.Rows, sc)
	}
	return r
}

// TestMarkdownVerdicts checks the table and that verdicts follow the figures.
func TestMarkdownVerdicts(t *testing.T) {
	var b strings.Builder
	sampleResults().Markdown(&b)
	out := b.String()
	for _, want := range []string{
		"| 10k | 2k | 0 ms | GitHub full sync | 1.50 | 2.00 | 40.0 | 2000 |",
		// GitHub full sync 1.5 s over the slower floor (fetch, 1 s): 1.50×, CPU 2 / (1 + 0.5).
		"| GitHub: sync ≤ 1.5× the slower floor (#3's rule), no latency | 10k: 1.50× wall (CPU 1.33× both floors' CPU) | met |",
		// Jira: 10,000 issues in 1.25 s is 8,000/s; 100 requests per 1,000 issues.
		"| Jira: ≥ 5,000 issues/s end to end into SQLite, no latency (#3) | 10k: 8000 issues/s | met |",
		"| Jira: full sync ≤ 11 requests per 1,000 issues (#3) | 10k: 10.0 | met |",
		"| Jira: incremental with no changes ≤ 3 requests per project (#3) | 10k: 120 requests for 40 projects (3.0 each) | met |",
		"| GitHub: memory flat in repo size (#4) | 10k: 40.0 MB, 100k: 40.0 MB (1.00×) | met |",
		// The scrape median: 15 ms at 10k (met), 150 ms at 100k (not).
		"| /metrics scrape with 200 milestones and 50 teams ≤ 20 ms at the median (#7) | 10k:  | met |",
		"| /metrics scrape with 200 milestones and 50 teams ≤ 20 ms at the median (#7) | 100k:  | **not met** |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
}

func TestMergeKeepsOtherRows(t *testing.T) {
	r := sampleResults()
	next := &Results{Command: "bench/run --merge --sizes 100k --latency 0", Machine: "m2",
		Rows: []Row{{Size: 100_000, Latency: 0, Stage: StageFullSync}, {Size: 1_000_000, Latency: 0, Stage: StageFullSync}}}
	n10k := 0
	for _, row := range r.Rows {
		if row.Size == 10_000 {
			n10k++
		}
	}
	r.Merge(next)
	var got10k, got100k, got1M int
	for _, row := range r.Rows {
		switch row.Size {
		case 10_000:
			got10k++
		case 100_000:
			got100k++
		case 1_000_000:
			got1M++
		}
	}
	// 100k rows at 0 ms are replaced; its latency-independent rows (-1) stay.
	if got10k != n10k || got100k != 5 || got1M != 1 {
		t.Errorf("after merge: %d 10k rows (want %d), %d 100k (want 5: 4 latency-free + 1 new), %d 1M (want 1)", got10k, n10k, got100k, got1M)
	}
	if !strings.Contains(r.Command, "; then bench/run --merge") {
		t.Errorf("command %q does not tell both runs", r.Command)
	}
}

func TestSVGIsWellFormed(t *testing.T) {
	var b strings.Builder
	sampleResults().SVG(&b)
	out := b.String()
	if !strings.HasPrefix(out, "<svg ") || !strings.HasSuffix(out, "</svg>\n") || strings.Count(out, "<polyline") < 5 {
		t.Errorf("unexpected SVG:\n%s", out)
	}
}
