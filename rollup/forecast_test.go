package rollup

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// The research worked example (outputs.md §6.4): ten weeks of history (mean 4.0), 30 items
// left, start Monday 2025-06-02, due at the end of week 8 (Sunday 2025-07-27).
var (
	forecastWorkedHistory = []int{3, 5, 0, 4, 6, 2, 5, 4, 3, 8}
	forecastWorkedStart   = forecastDay(2025, 6, 2)
	forecastWorkedDue     = forecastDay(2025, 7, 27)
)

func forecastDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func forecastWorkedInput() ForecastInput {
	return ForecastInput{Remaining: 30, WeeklyThroughput: forecastWorkedHistory, Start: forecastWorkedStart, Due: forecastWorkedDue, Seed: 42}
}

func forecastWeeksOf(f Forecast) [3]int { return [3]int{f.WeeksP50, f.WeeksP85, f.WeeksP95} }
func forecastMCWeeksOf(f Forecast) [3]int {
	return [3]int{f.MonteCarloWeeksP50, f.MonteCarloWeeksP85, f.MonteCarloWeeksP95}
}

// §6.5 tests 2 and 3: the degenerate and geometric oracles, answered exactly and by the trials.
func TestRunForecastOracles(t *testing.T) {
	tests := []struct {
		name    string
		history []int
		remain  int
		trials  int
		want    [3]int
	}{
		{name: "constant 5, 30 left", history: []int{5}, remain: 30, want: [3]int{6, 6, 6}},
		{name: "constant 5 over 12 weeks, 31 left", history: slices.Repeat([]int{5}, 12), remain: 31, want: [3]int{7, 7, 7}},
		{name: "constant 3, 10 left", history: []int{3}, remain: 10, want: [3]int{4, 4, 4}},
		{name: "constant 1, 1 left", history: []int{1}, remain: 1, want: [3]int{1, 1, 1}},
		{name: "constant 7, 100 left", history: []int{7}, remain: 100, want: [3]int{15, 15, 15}},
		// P(W ≤ w) = 1 − (2/3)^w: every CDF value is ≥ 0.008 from 0.5, 0.85 and 0.95.
		{name: "geometric {0,0,10}, 10 left", history: []int{0, 0, 10}, remain: 10, trials: 100000, want: [3]int{2, 5, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ForecastInput{Remaining: tt.remain, WeeklyThroughput: tt.history, Start: forecastWorkedStart, Trials: tt.trials, Seed: 42}
			f := RunForecast(in)
			if f.Method != ForecastMethodExact {
				t.Errorf("Method: got %q, want %q", f.Method, ForecastMethodExact)
			}
			if got := forecastWeeksOf(f); got != tt.want {
				t.Errorf("exact weeks (P50, P85, P95): got %v, want %v", got, tt.want)
			}
			if got := forecastMCWeeksOf(f); got != tt.want {
				t.Errorf("Monte Carlo weeks (P50, P85, P95): got %v, want %v", got, tt.want)
			}
			if got, want := f.P85, forecastWorkedStart.AddDate(0, 0, 7*tt.want[1]); !got.Equal(want) {
				t.Errorf("P85: got %v, want %v", got, want)
			}
		})
	}
}

// Nearest rank on the exact CDF: P50 is the first week with P(W ≤ w) ≥ 0.5, also when the
// sum of twelfths that makes exactly 1/2 rounds to 0.49999999999999994.
func TestRunForecastExactOnStep(t *testing.T) {
	history := []int{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 3, 4} // half the weeks deliver ≥ 2
	cdf := forecastExactCDF(history, 2, 10)
	if cdf[1] >= 0.5 {
		t.Logf("P(W ≤ 1) = %.17f: the rounding this test guards against did not happen", cdf[1])
	}
	f := RunForecast(ForecastInput{Remaining: 2, WeeklyThroughput: history, Seed: 1})
	// P(W ≤ w) = 1/2, 7/9, 49/54, 26/27 for w = 1..4.
	if got, want := forecastWeeksOf(f), [3]int{1, 3, 4}; got != want {
		t.Errorf("weeks (P50, P85, P95): got %v, want %v", got, want)
	}
}

// A trial that finishes exactly at MaxWeeks is done, not "beyond the horizon".
func TestForecastSimulateHorizon(t *testing.T) {
	tests := []struct {
		name          string
		maxWeeks      int
		wantFinishing int // the week every trial ends in; maxWeeks+1 = unfinished
	}{
		{name: "done in the last week", maxWeeks: 3, wantFinishing: 3},
		{name: "one week short", maxWeeks: 2, wantFinishing: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counts := make([]int, tt.maxWeeks+2)
			forecastSimulate([]int{1}, nil, 3, tt.maxWeeks, 100, 1, counts)
			if got := counts[tt.wantFinishing]; got != 100 {
				t.Errorf("trials ending in week %d: got %d, want 100 (counts %v)", tt.wantFinishing, got, counts)
			}
		})
	}
}

func TestForecastExactCDFGeometric(t *testing.T) {
	cdf := forecastExactCDF([]int{0, 0, 10}, 10, 40)
	for w, got := range cdf {
		want := 1 - math.Pow(2.0/3, float64(w))
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("P(W ≤ %d): got %.15f, want %.15f", w, got, want)
		}
	}
}

func TestForecastExactCDFWorkedExample(t *testing.T) {
	// The exact column of the §6.4 table, to its four decimals.
	want := map[int]float64{4: 0.0005, 5: 0.0212, 6: 0.1422, 7: 0.3935, 8: 0.6632, 9: 0.8491, 10: 0.9434, 11: 0.9816, 12: 0.9947}
	cdf := forecastExactCDF(forecastWorkedHistory, 30, 52)
	for w := range 4 {
		if cdf[w] != 0 {
			t.Errorf("P(W ≤ %d): got %v, want 0 (8 items a week at most)", w, cdf[w])
		}
	}
	for w, p := range want {
		if math.Abs(cdf[w]-p) > 0.00005 {
			t.Errorf("P(W ≤ %d): got %.6f, want %.4f", w, cdf[w], p)
		}
	}
	for w := 1; w < len(cdf); w++ {
		if cdf[w] < cdf[w-1] {
			t.Errorf("P(W ≤ %d) = %v < P(W ≤ %d) = %v: want a non-decreasing CDF", w, cdf[w], w-1, cdf[w-1])
		}
	}
	if got := cdf[len(cdf)-1]; math.Abs(got-1) > 1e-12 {
		t.Errorf("P(W ≤ 52): got %v, want 1", got)
	}
}

// §6.5 test 4: the trials agree with the exact CDF within 4 binomial standard errors at every
// week (N = 100 000, fixed seed, so the test is deterministic).
func TestForecastMonteCarloMatchesExact(t *testing.T) {
	tests := []struct {
		name    string
		history []int
		remain  int
	}{
		{name: "worked example", history: forecastWorkedHistory, remain: 30},
		{name: "geometric", history: []int{0, 0, 10}, remain: 10},
		{name: "sparse weeks, long backlog", history: []int{0, 2, 0, 7, 1, 0, 12, 3, 0, 0, 4, 6}, remain: 120},
	}
	const n, maxWeeks = 100000, 520
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counts := make([]int, maxWeeks+2)
			forecastSimulate(tt.history, nil, tt.remain, maxWeeks, n, 42, counts)
			cdf := forecastExactCDF(tt.history, tt.remain, maxWeeks)
			cum := 0
			for w, p := range cdf {
				cum += counts[w]
				mc := float64(cum) / n
				bound := 4 * math.Sqrt(p*(1-p)/n)
				if math.Abs(mc-p) > bound+1e-12 {
					t.Errorf("P(W ≤ %d): got Monte Carlo %.5f, want exact %.5f ± %.5f", w, mc, p, bound)
				}
			}
			if counts[maxWeeks+1] != 0 {
				t.Errorf("unfinished trials: got %d, want 0", counts[maxWeeks+1])
			}
		})
	}
}

// §6.5 test 5 and the §6.4 results: the exact answer (8, 10, 11) with the 10 000-trial check at
// seed 42 (8, 9, 11; 6 708 trials on time).
func TestRunForecastWorkedExample(t *testing.T) {
	f := RunForecast(forecastWorkedInput())
	if f.Status != ForecastOK || f.Reason != "" {
		t.Errorf("Status, Reason: got %q, %q, want %q, \"\"", f.Status, f.Reason, ForecastOK)
	}
	if f.Method != ForecastMethodExact || f.Trials != 10000 || f.Seed != 42 || f.HistoryWeeks != 10 || f.MaxWeeks != 520 {
		t.Errorf("Method, Trials, Seed, HistoryWeeks, MaxWeeks: got %q, %d, %d, %d, %d, want exact, 10000, 42, 10, 520",
			f.Method, f.Trials, f.Seed, f.HistoryWeeks, f.MaxWeeks)
	}
	if got, want := forecastWeeksOf(f), [3]int{8, 10, 11}; got != want {
		t.Errorf("weeks (P50, P85, P95): got %v, want %v", got, want)
	}
	if got, want := forecastMCWeeksOf(f), [3]int{8, 9, 11}; got != want {
		t.Errorf("Monte Carlo weeks (P50, P85, P95): got %v, want %v", got, want)
	}
	// Instants are the exclusive end of the week; pages show the day before, as in §6.4.
	for _, d := range []struct {
		name      string
		got       time.Time
		want, day time.Time
	}{
		{"P50", f.P50, forecastDay(2025, 7, 28), forecastDay(2025, 7, 27)},
		{"P85", f.P85, forecastDay(2025, 8, 11), forecastDay(2025, 8, 10)},
		{"P95", f.P95, forecastDay(2025, 8, 18), forecastDay(2025, 8, 17)},
	} {
		if !d.got.Equal(d.want) {
			t.Errorf("%s: got %v, want %v", d.name, d.got, d.want)
		}
		if got := d.got.AddDate(0, 0, -1); !got.Equal(d.day) {
			t.Errorf("%s shown day: got %v, want %v", d.name, got, d.day)
		}
	}
	if got, want := f.OnTimeProbability, 0.6632; math.Abs(got-want) > 0.00005 {
		t.Errorf("OnTimeProbability: got %.6f, want %.4f", got, want)
	}
	if got, want := f.MonteCarloOnTime, 0.6708; got != want {
		t.Errorf("MonteCarloOnTime: got %v, want %v", got, want)
	}
	if f.UnfinishedRatio > 1e-12 {
		t.Errorf("UnfinishedRatio: got %v, want < 1e-12", f.UnfinishedRatio)
	}
	if p, ok := f.OnTime(); !ok || p != f.OnTimeProbability {
		t.Errorf("OnTime(): got %v, %v, want %v, true", p, ok, f.OnTimeProbability)
	}
}

// §6.4 "Lesson": P85 sits on a CDF step (exact 0.8491 at 9 weeks), so 10 000 trials flip
// between 9 and 10 with the seed while the exact answer does not move.
func TestRunForecastSeedsFlipOnStep(t *testing.T) {
	want := map[uint64]int{1: 9, 2: 10, 3: 10, 4: 10, 5: 9}
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			in := forecastWorkedInput()
			in.Seed = seed
			f := RunForecast(in)
			if f.MonteCarloWeeksP85 != want[seed] {
				t.Errorf("MonteCarloWeeksP85: got %d, want %d", f.MonteCarloWeeksP85, want[seed])
			}
			if f.WeeksP85 != 10 {
				t.Errorf("WeeksP85: got %d, want 10", f.WeeksP85)
			}
		})
	}
}

func TestRunForecastScopeGrowth(t *testing.T) {
	tests := []struct {
		name    string
		history []int
		growth  []int
		remain  int
		want    [3]int
		status  ForecastStatus
	}{
		// 5 done and 1 added a week: the gap 30 closes by 4 a week.
		{name: "constant growth", history: []int{5}, growth: []int{1}, remain: 30, want: [3]int{8, 8, 8}, status: ForecastLowConfidence},
		{name: "independent lengths", history: slices.Repeat([]int{5}, 6), growth: []int{1, 1, 1}, remain: 30, want: [3]int{8, 8, 8}, status: ForecastOK},
		// Paired sampling: every week nets exactly 1 (2−1 or 4−3). Independent sampling would not.
		{name: "paired weeks", history: []int{2, 4, 2, 4, 2, 4}, growth: []int{1, 3, 1, 3, 1, 3}, remain: 10, want: [3]int{10, 10, 10}, status: ForecastOK},
		{name: "descoping", history: slices.Repeat([]int{1}, 6), growth: slices.Repeat([]int{-1}, 6), remain: 10, want: [3]int{5, 5, 5}, status: ForecastOK},
		{name: "growth equals throughput", history: slices.Repeat([]int{3}, 6), growth: slices.Repeat([]int{3}, 6), remain: 5, want: [3]int{-1, -1, -1}, status: ForecastNotConverging},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := RunForecast(ForecastInput{Remaining: tt.remain, WeeklyThroughput: tt.history, ScopeGrowth: tt.growth,
				Start: forecastWorkedStart, Due: forecastWorkedDue, Seed: 7, MaxWeeks: 52})
			if f.Method != ForecastMethodMonteCarlo {
				t.Errorf("Method: got %q, want %q", f.Method, ForecastMethodMonteCarlo)
			}
			if got := forecastWeeksOf(f); got != tt.want {
				t.Errorf("weeks (P50, P85, P95): got %v, want %v", got, tt.want)
			}
			if forecastMCWeeksOf(f) != forecastWeeksOf(f) || f.MonteCarloOnTime != f.OnTimeProbability {
				t.Errorf("Monte Carlo fields: got %v and %v, want the answer %v and %v", forecastMCWeeksOf(f), f.MonteCarloOnTime, forecastWeeksOf(f), f.OnTimeProbability)
			}
			if f.Status != tt.status {
				t.Errorf("Status: got %q, want %q (reason %q)", f.Status, tt.status, f.Reason)
			}
			wantOnTime := 0.0
			if tt.want[0] >= 0 && tt.want[0] <= 8 {
				wantOnTime = 1
			}
			if f.OnTimeProbability != wantOnTime {
				t.Errorf("OnTimeProbability: got %v, want %v", f.OnTimeProbability, wantOnTime)
			}
		})
	}
}

func TestRunForecastZeroGrowthIsNoGrowth(t *testing.T) {
	in := forecastWorkedInput()
	want := RunForecast(in)
	in.ScopeGrowth = make([]int, len(forecastWorkedHistory))
	got := RunForecast(in)
	if a, b := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); a != b {
		t.Errorf("all-zero ScopeGrowth:\ngot  %s\nwant %s", a, b)
	}
}

func TestRunForecastStatus(t *testing.T) {
	six := []int{1, 2, 0, 3, 1, 2}
	tests := []struct {
		name       string
		in         ForecastInput
		want       ForecastStatus
		wantReason string // substring; "" means Reason must be empty
		wantDates  bool
	}{
		{name: "nil history", in: ForecastInput{Remaining: 5}, want: ForecastNone, wantReason: "no throughput history"},
		{name: "empty history", in: ForecastInput{Remaining: 5, WeeklyThroughput: []int{}}, want: ForecastNone, wantReason: "no throughput history"},
		{name: "all-zero history", in: ForecastInput{Remaining: 5, WeeklyThroughput: make([]int, 12)}, want: ForecastNone, wantReason: "no items completed in 12 weeks"},
		{name: "negative throughput", in: ForecastInput{Remaining: 5, WeeklyThroughput: []int{1, -2, 3}}, want: ForecastNone, wantReason: "negative throughput"},
		{name: "negative remaining", in: ForecastInput{Remaining: -1, WeeklyThroughput: six}, want: ForecastNone, wantReason: "negative remaining"},
		{name: "one week", in: ForecastInput{Remaining: 5, WeeklyThroughput: []int{2}}, want: ForecastLowConfidence, wantReason: "only 1 weeks", wantDates: true},
		{name: "five weeks", in: ForecastInput{Remaining: 5, WeeklyThroughput: six[:5]}, want: ForecastLowConfidence, wantReason: "only 5 weeks", wantDates: true},
		{name: "six weeks", in: ForecastInput{Remaining: 5, WeeklyThroughput: six}, want: ForecastOK, wantDates: true},
		{name: "done without history", in: ForecastInput{Remaining: 0}, want: ForecastDone, wantReason: "no remaining work", wantDates: true},
		{name: "too slow for the horizon", in: ForecastInput{Remaining: 100, WeeklyThroughput: slices.Repeat([]int{1}, 6), MaxWeeks: 52}, want: ForecastNotConverging, wantReason: "100.0% of outcomes not done within 52 weeks"},
		{name: "too slow and short history", in: ForecastInput{Remaining: 100, WeeklyThroughput: []int{1}, MaxWeeks: 52}, want: ForecastNotConverging, wantReason: "; only 1 weeks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Start = forecastWorkedStart
			f := RunForecast(tt.in)
			if f.Status != tt.want {
				t.Errorf("Status: got %q, want %q", f.Status, tt.want)
			}
			if tt.wantReason == "" && f.Reason != "" || !strings.Contains(f.Reason, tt.wantReason) {
				t.Errorf("Reason: got %q, want it to contain %q", f.Reason, tt.wantReason)
			}
			if got := !f.P50.IsZero(); got != tt.wantDates {
				t.Errorf("has P50: got %v, want %v", got, tt.wantDates)
			}
			for _, p := range []struct {
				w int
				t time.Time
			}{{f.WeeksP50, f.P50}, {f.WeeksP85, f.P85}, {f.WeeksP95, f.P95}} {
				if (p.w < 0) != p.t.IsZero() {
					t.Errorf("weeks %d with date %v: want weeks -1 exactly when the date is zero", p.w, p.t)
				}
			}
			if f.Status == ForecastNone {
				if !math.IsNaN(f.OnTimeProbability) || !math.IsNaN(f.MonteCarloOnTime) || f.Method != "" || f.Trials != 0 {
					t.Errorf("no forecast: got OnTime %v, MonteCarloOnTime %v, Method %q, Trials %d, want NaN, NaN, \"\", 0",
						f.OnTimeProbability, f.MonteCarloOnTime, f.Method, f.Trials)
				}
			}
		})
	}
}

func TestRunForecastDone(t *testing.T) {
	tests := []struct {
		name string
		due  time.Time
		want float64 // NaN: no due date
	}{
		{name: "no due date", want: math.NaN()},
		{name: "due later", due: forecastWorkedDue, want: 1},
		{name: "due on the start day", due: forecastWorkedStart, want: 1},
		{name: "due the day before (done at its midnight end)", due: forecastWorkedStart.AddDate(0, 0, -1), want: 1},
		{name: "due two days before", due: forecastWorkedStart.AddDate(0, 0, -2), want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := RunForecast(ForecastInput{Remaining: 0, WeeklyThroughput: forecastWorkedHistory, Start: forecastWorkedStart, Due: tt.due, Seed: 1})
			if f.Status != ForecastDone {
				t.Errorf("Status: got %q, want %q", f.Status, ForecastDone)
			}
			if got := forecastWeeksOf(f); got != [3]int{} {
				t.Errorf("weeks: got %v, want [0 0 0]", got)
			}
			for _, got := range []time.Time{f.P50, f.P85, f.P95} {
				if !got.Equal(forecastWorkedStart) {
					t.Errorf("completion: got %v, want Start %v", got, forecastWorkedStart)
				}
			}
			if got := f.OnTimeProbability; !(got == tt.want || math.IsNaN(got) && math.IsNaN(tt.want)) {
				t.Errorf("OnTimeProbability: got %v, want %v", got, tt.want)
			}
			if f.Method != "" || f.Trials != 0 {
				t.Errorf("Method, Trials: got %q, %d, want \"\", 0", f.Method, f.Trials)
			}
		})
	}
}

// The due day counts whole: the worked example's due Sunday 2025-07-27 means W_due = 8.
func TestRunForecastDueDay(t *testing.T) {
	cdf := forecastExactCDF(forecastWorkedHistory, 30, 520)
	tests := []struct {
		name     string
		start    time.Time
		due      time.Time
		maxWeeks int
		wantWeek int // W_due; -1: due before start
	}{
		{name: "due Sunday ending week 8", due: forecastDay(2025, 7, 27), wantWeek: 8},
		{name: "due late on that Sunday", due: time.Date(2025, 7, 27, 23, 59, 0, 0, time.UTC), wantWeek: 8},
		{name: "due that Sunday in UTC-5", due: time.Date(2025, 7, 27, 0, 0, 0, 0, time.FixedZone("UTC-5", -5*3600)), wantWeek: 8},
		{name: "due Saturday", due: forecastDay(2025, 7, 26), wantWeek: 7},
		{name: "due Monday after", due: forecastDay(2025, 7, 28), wantWeek: 8},
		{name: "due Saturday after", due: forecastDay(2025, 8, 2), wantWeek: 8},
		{name: "due Sunday ending week 9", due: forecastDay(2025, 8, 3), wantWeek: 9},
		{name: "start mid-day, due 8 weeks on", start: forecastWorkedStart.Add(10 * time.Hour), due: forecastDay(2025, 7, 28), wantWeek: 8},
		{name: "due on the start day", due: forecastWorkedStart, wantWeek: 0},
		{name: "due before start", due: forecastDay(2025, 5, 30), wantWeek: -1},
		{name: "due beyond the horizon", due: forecastDay(2030, 1, 1), maxWeeks: 20, wantWeek: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := forecastWorkedInput()
			in.Due, in.MaxWeeks = tt.due, tt.maxWeeks
			if !tt.start.IsZero() {
				in.Start = tt.start
			}
			maxWeeks := cmp.Or(tt.maxWeeks, DefaultForecastMaxWeeks)
			if got, ok := forecastDueWeek(in.Start, in.Due, maxWeeks); got != tt.wantWeek || !ok {
				t.Errorf("forecastDueWeek: got %d, %v, want %d, true", got, ok, tt.wantWeek)
			}
			f := RunForecast(in)
			want := 0.0
			if tt.wantWeek >= 0 {
				want = cdf[tt.wantWeek]
			}
			if f.OnTimeProbability != want {
				t.Errorf("OnTimeProbability: got %v, want %v", f.OnTimeProbability, want)
			}
		})
	}
}

func TestRunForecastNoDueDate(t *testing.T) {
	in := forecastWorkedInput()
	in.Due = time.Time{}
	f := RunForecast(in)
	if !math.IsNaN(f.OnTimeProbability) || !math.IsNaN(f.MonteCarloOnTime) {
		t.Errorf("OnTimeProbability, MonteCarloOnTime: got %v, %v, want NaN, NaN", f.OnTimeProbability, f.MonteCarloOnTime)
	}
	if _, ok := f.OnTime(); ok {
		t.Errorf("OnTime() ok: got true, want false")
	}
	if got, want := forecastWeeksOf(f), [3]int{8, 10, 11}; got != want {
		t.Errorf("weeks: got %v, want %v", got, want)
	}
	if f.Status != ForecastOK {
		t.Errorf("Status: got %q, want %q", f.Status, ForecastOK)
	}
}

// §6.5: the same seed gives the same forecast; the default seed changes with the ISO week.
func TestRunForecastDeterministic(t *testing.T) {
	inputs := map[string]ForecastInput{
		"exact":       forecastWorkedInput(),
		"monte-carlo": {Remaining: 40, WeeklyThroughput: forecastWorkedHistory, ScopeGrowth: []int{0, 1, 0, 2, 0, 0, 1, 0, 3, 1}, Start: forecastWorkedStart, Due: forecastWorkedDue, Seed: 99},
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			a, b := fmt.Sprintf("%+v", RunForecast(in)), fmt.Sprintf("%+v", RunForecast(in))
			if a != b {
				t.Errorf("second run:\ngot  %s\nwant %s", b, a)
			}
		})
	}
	t.Run("seed matters", func(t *testing.T) {
		in := forecastWorkedInput()
		in.Seed = 1
		a := RunForecast(in)
		in.Seed = 2
		b := RunForecast(in)
		if a.MonteCarloWeeksP85 == b.MonteCarloWeeksP85 {
			t.Errorf("MonteCarloWeeksP85 for seeds 1 and 2: got %d and %d, want them to differ", a.MonteCarloWeeksP85, b.MonteCarloWeeksP85)
		}
	})
}

func TestForecastSeed(t *testing.T) {
	// Pinned: changing the format silently reshuffles every team's forecast mid-week.
	if got, want := ForecastSeed("payments", "M1", 2025, 23), uint64(0x0ba8bae10b494964); got != want {
		t.Errorf("ForecastSeed(payments, M1, 2025, 23): got %#x, want %#x", got, want)
	}
	h := fnv.New64a()
	h.Write([]byte("payments\x00M1\x002025-W23"))
	if got, want := ForecastSeed("payments", "M1", 2025, 23), h.Sum64(); got != want {
		t.Errorf("ForecastSeed: got %#x, want FNV-1a 64 of %q = %#x", got, "payments\x00M1\x002025-W23", want)
	}
	y, w := forecastDay(2025, 6, 4).ISOWeek()
	base := ForecastSeed("payments", "M1", y, w)
	if again := ForecastSeed("payments", "M1", y, w); again != base {
		t.Errorf("same week again: got %#x, want %#x", again, base)
	}
	y2, w2 := forecastDay(2025, 6, 8).ISOWeek() // Sunday: same ISO week
	if got := ForecastSeed("payments", "M1", y2, w2); got != base {
		t.Errorf("later in the same ISO week: got %#x, want %#x", got, base)
	}
	differ := []struct {
		name               string
		program, milestone string
		year, week         int
	}{
		{"next ISO week", "payments", "M1", y, w + 1},
		{"same week, next year", "payments", "M1", y + 1, w},
		{"other milestone", "payments", "M2", y, w},
		{"other program", "ledger", "M1", y, w},
		{"separator", "paymentsM", "1", y, w},
	}
	for _, d := range differ {
		t.Run(d.name, func(t *testing.T) {
			if got := ForecastSeed(d.program, d.milestone, d.year, d.week); got == base {
				t.Errorf("got %#x, want a seed other than %#x", got, base)
			}
		})
	}
	t.Run("ISO year at a year boundary", func(t *testing.T) {
		// 2024-12-30 is in ISO week 2025-W01, like 2025-01-01.
		y1, w1 := forecastDay(2024, 12, 30).ISOWeek()
		y2, w2 := forecastDay(2025, 1, 1).ISOWeek()
		if a, b := ForecastSeed("p", "m", y1, w1), ForecastSeed("p", "m", y2, w2); a != b {
			t.Errorf("got %#x and %#x, want equal seeds", a, b)
		}
	})
}

// §6.5 test 6: properties.
func TestRunForecastProperties(t *testing.T) {
	inf := func(w int) int { // -1 (beyond the horizon) sorts last
		if w < 0 {
			return math.MaxInt
		}
		return w
	}
	t.Run("percentiles monotone in q", func(t *testing.T) {
		for _, in := range []ForecastInput{
			forecastWorkedInput(),
			{Remaining: 120, WeeklyThroughput: []int{0, 2, 0, 7, 1, 0, 12, 3, 0, 0, 4, 6}, Seed: 3},
			{Remaining: 30, WeeklyThroughput: forecastWorkedHistory, ScopeGrowth: []int{2, 0, 1, 5, 0, 0, 3, 1, 0, 2}, Seed: 3},
			{Remaining: 30, WeeklyThroughput: forecastWorkedHistory, MaxWeeks: 9, Seed: 3},
		} {
			f := RunForecast(in)
			for _, w := range [][3]int{forecastWeeksOf(f), forecastMCWeeksOf(f)} {
				if inf(w[0]) > inf(w[1]) || inf(w[1]) > inf(w[2]) {
					t.Errorf("remaining %d: got weeks %v, want P50 ≤ P85 ≤ P95", in.Remaining, w)
				}
			}
		}
	})
	t.Run("more remaining never earlier", func(t *testing.T) {
		prev := RunForecast(ForecastInput{Remaining: 1, WeeklyThroughput: forecastWorkedHistory, Start: forecastWorkedStart, Due: forecastWorkedDue})
		for r := 2; r <= 120; r++ {
			f := RunForecast(ForecastInput{Remaining: r, WeeklyThroughput: forecastWorkedHistory, Start: forecastWorkedStart, Due: forecastWorkedDue})
			for i, w := range forecastWeeksOf(f) {
				if inf(w) < inf(forecastWeeksOf(prev)[i]) {
					t.Errorf("remaining %d: got weeks %v, want ≥ %v (remaining %d)", r, forecastWeeksOf(f), forecastWeeksOf(prev), r-1)
				}
			}
			if f.OnTimeProbability > prev.OnTimeProbability {
				t.Errorf("remaining %d: got OnTimeProbability %v, want ≤ %v", r, f.OnTimeProbability, prev.OnTimeProbability)
			}
			prev = f
		}
	})
	t.Run("scope growth never earlier", func(t *testing.T) {
		base := RunForecast(forecastWorkedInput())
		in := forecastWorkedInput()
		in.ScopeGrowth = []int{0, 1, 0, 2, 0, 0, 1, 0, 3, 1}
		f := RunForecast(in)
		for i, w := range forecastWeeksOf(f) {
			if inf(w) < inf(forecastWeeksOf(base)[i]) {
				t.Errorf("with growth: got weeks %v, want ≥ %v", forecastWeeksOf(f), forecastWeeksOf(base))
			}
		}
		if f.OnTimeProbability >= base.OnTimeProbability {
			t.Errorf("with growth: got OnTimeProbability %v, want < %v", f.OnTimeProbability, base.OnTimeProbability)
		}
	})
	t.Run("cap respected", func(t *testing.T) {
		in := forecastWorkedInput()
		in.MaxWeeks = 9 // exact P(W ≤ 9) = 0.8491: P50 within, P85 and P95 beyond
		f := RunForecast(in)
		if got, want := forecastWeeksOf(f), [3]int{8, -1, -1}; got != want {
			t.Errorf("weeks: got %v, want %v", got, want)
		}
		if f.Status != ForecastNotConverging || !f.P85.IsZero() || !f.P95.IsZero() {
			t.Errorf("Status, P85, P95: got %q, %v, %v, want %q and zero dates", f.Status, f.P85, f.P95, ForecastNotConverging)
		}
		if math.Abs(f.UnfinishedRatio-(1-0.8491)) > 0.0001 {
			t.Errorf("UnfinishedRatio: got %.4f, want %.4f", f.UnfinishedRatio, 1-0.8491)
		}
		in.ScopeGrowth = []int{1}
		f = RunForecast(in)
		for _, w := range forecastWeeksOf(f) {
			if w < -1 || w > in.MaxWeeks {
				t.Errorf("Monte Carlo weeks with growth: got %v, want each in [0, %d] or -1", forecastWeeksOf(f), in.MaxWeeks)
			}
		}
	})
	t.Run("input not modified", func(t *testing.T) {
		history := []int{5, 1, 4, 0, 3, 2}
		growth := []int{2, 0, 1, 0, 0, 1}
		h, g := slices.Clone(history), slices.Clone(growth)
		RunForecast(ForecastInput{Remaining: 20, WeeklyThroughput: history})
		RunForecast(ForecastInput{Remaining: 20, WeeklyThroughput: history, ScopeGrowth: growth})
		if !slices.Equal(history, h) || !slices.Equal(growth, g) {
			t.Errorf("got history %v, growth %v, want %v, %v", history, growth, h, g)
		}
	})
}

func TestRunForecastDefaults(t *testing.T) {
	for _, n := range []int{0, -5} {
		f := RunForecast(ForecastInput{Remaining: 10, WeeklyThroughput: []int{1, 2, 3, 4, 5, 6}, Trials: n, MaxWeeks: n})
		if f.Trials != DefaultForecastTrials || f.MaxWeeks != DefaultForecastMaxWeeks {
			t.Errorf("Trials, MaxWeeks %d: got %d, %d, want %d, %d", n, f.Trials, f.MaxWeeks, DefaultForecastTrials, DefaultForecastMaxWeeks)
		}
	}
}

func TestRunForecastLargeBacklogUsesMonteCarlo(t *testing.T) {
	f := RunForecast(ForecastInput{Remaining: forecastMaxExactRemaining + 1, WeeklyThroughput: []int{1 << 12}, Trials: 100})
	want := (forecastMaxExactRemaining + 1 + 1<<12 - 1) / (1 << 12)
	if f.Method != ForecastMethodMonteCarlo || forecastWeeksOf(f) != [3]int{want, want, want} {
		t.Errorf("Method, weeks: got %q, %v, want %q, %d weeks", f.Method, forecastWeeksOf(f), ForecastMethodMonteCarlo, want)
	}
}

// forecastBenchMilestones returns n milestones shaped like a real program: 12 to 26 weeks of
// history of 0 to 15 items, 5 to 400 items left, a due date 2 to 20 weeks out.
func forecastBenchMilestones(n int) []ForecastInput {
	r := NewSplitMix64(2025)
	ins := make([]ForecastInput, n)
	for i := range ins {
		history := make([]int, 12+r.IntN(15))
		for w := range history {
			history[w] = r.IntN(16)
		}
		ins[i] = ForecastInput{
			Remaining:        5 + r.IntN(396),
			WeeklyThroughput: history,
			Start:            forecastWorkedStart,
			Due:              forecastWorkedStart.AddDate(0, 0, 7*(2+r.IntN(19))),
			Seed:             ForecastSeed("bench", fmt.Sprint("M", i), 2025, 23),
		}
		if i%4 == 0 { // a quarter model scope growth
			growth := make([]int, len(history))
			for w := range growth {
				growth[w] = r.IntN(3)
			}
			ins[i].ScopeGrowth = growth
		}
	}
	return ins
}

func BenchmarkRunForecast(b *testing.B) {
	b.Run("worked-example", func(b *testing.B) {
		in := forecastWorkedInput()
		for b.Loop() {
			RunForecast(in)
		}
	})
	b.Run("scope-growth", func(b *testing.B) {
		in := forecastWorkedInput()
		in.ScopeGrowth = []int{0, 1, 0, 2, 0, 0, 1, 0, 3, 1}
		for b.Loop() {
			RunForecast(in)
		}
	})
	b.Run("200-milestones", func(b *testing.B) {
		ins := forecastBenchMilestones(200)
		for b.Loop() {
			for _, in := range ins {
				RunForecast(in)
			}
		}
	})
}
