package rollup

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"time"
)

// Forecast defaults and thresholds.
const (
	// DefaultForecastTrials is the number of Monte Carlo trials when ForecastInput.Trials is 0.
	DefaultForecastTrials = 10000
	// DefaultForecastMaxWeeks is the horizon when ForecastInput.MaxWeeks is 0: ten years.
	DefaultForecastMaxWeeks = 520
	// MinForecastHistoryWeeks is the history length below which a forecast is low confidence.
	MinForecastHistoryWeeks = 6
)

// ForecastStatus says how far a Forecast can be trusted. It is a stable snake_case string, fit
// for a metric label or a page.
type ForecastStatus string

// The forecast statuses. Reason explains every status but ForecastOK.
const (
	// ForecastOK is a forecast from at least MinForecastHistoryWeeks weeks of history.
	ForecastOK ForecastStatus = "ok"
	// ForecastLowConfidence is a forecast from fewer than MinForecastHistoryWeeks weeks of
	// history. All numbers are filled in; show them with a warning.
	ForecastLowConfidence ForecastStatus = "low_confidence"
	// ForecastNotConverging means more than 5 % of outcomes do not finish within MaxWeeks
	// (typically scope grows as fast as it is delivered), so WeeksP95 is -1 and P95 is zero,
	// and WeeksP85 and WeeksP50 may be too.
	ForecastNotConverging ForecastStatus = "not_converging"
	// ForecastDone means nothing remains: every percentile is week 0, dated Start.
	ForecastDone ForecastStatus = "done"
	// ForecastNone means no forecast can be made: work remains but the throughput history is
	// empty or all zero, or the input is invalid (negative counts). Weeks are -1, dates zero,
	// probabilities NaN.
	ForecastNone ForecastStatus = "no_forecast"
)

// Forecast methods, the values of Forecast.Method.
const (
	// ForecastMethodExact: the percentiles and P(on time) come from the exact distribution of
	// weeks-to-complete, computed by convolving the throughput history (no scope growth).
	ForecastMethodExact = "exact"
	// ForecastMethodMonteCarlo: they come from the Monte Carlo trials (scope growth is modelled).
	ForecastMethodMonteCarlo = "monte-carlo"
)

// ForecastInput is what RunForecast needs for one milestone.
type ForecastInput struct {
	// Remaining is the number of items not done (same granularity as WeeklyThroughput).
	Remaining int
	// WeeklyThroughput is the number of items completed per complete week, oldest first,
	// zero weeks included, current partial week excluded (typically the last 12 to 26 weeks).
	WeeklyThroughput []int
	// ScopeGrowth is the number of items added to the scope per week (negative for net
	// descoping); nil or all zero means no scope growth. When it has the same length as
	// WeeklyThroughput the two are taken as the same weeks and sampled in pairs (one index per
	// simulated week), which keeps their correlation; otherwise each simulated week draws a
	// second, independent index into ScopeGrowth.
	ScopeGrowth []int
	// Start is week 0 of the forecast: the as-of time, or the Monday 00:00 UTC that starts the
	// first simulated week. Completion after w weeks is Start + 7·w calendar days.
	Start time.Time
	// Due is the due day; zero means no due date. Only its calendar date (in its own location)
	// counts: the milestone is on time if it completes by the end of that day.
	Due time.Time
	// Trials is the number of Monte Carlo trials; 0 means DefaultForecastTrials.
	Trials int
	// Seed seeds the trials; use ForecastSeed so that reruns within an ISO week are identical.
	Seed uint64
	// MaxWeeks is the horizon in weeks; 0 means DefaultForecastMaxWeeks. A trial still
	// unfinished after MaxWeeks counts as "beyond the horizon" (and as late).
	MaxWeeks int
}

// Forecast is the answer to "when will this milestone be done?" at three confidence levels.
//
// Completion after w weeks is the instant Start + 7·w days, the exclusive end of week w: that is
// what P50, P85 and P95 hold and what metrics export as timestamps. A page that shows a calendar
// day shows the last day of week w, P85.AddDate(0, 0, -1) (for the research worked example,
// Start Monday 2025-06-02 and 8 weeks: P50 is 2025-07-28T00:00, shown as "by 2025-07-27").
//
// Percentiles are nearest-rank: WeeksP85 is the smallest w with P(weeks ≤ w) ≥ 0.85. A
// percentile that is not reached within MaxWeeks, or that cannot be computed (ForecastNone),
// has weeks -1 and a zero date: WeeksPxx is -1 exactly when Pxx.IsZero().
type Forecast struct {
	// Status says how far the numbers can be trusted; Reason explains it in a lowercase phrase
	// (empty for ForecastOK).
	Status ForecastStatus
	Reason string

	// P50, P85 and P95 are the completion instants at 50, 85 and 95 % confidence.
	P50, P85, P95 time.Time
	// WeeksP50, WeeksP85 and WeeksP95 are the same in whole weeks from Start (-1: see above).
	WeeksP50, WeeksP85, WeeksP95 int

	// OnTimeProbability is P(completion ≤ end of the due day), in [0, 1]. It is NaN when
	// there is no due date or no forecast (ForecastNone); test it with math.IsNaN or use
	// OnTime (encoding/json cannot encode NaN: store it as null). Outcomes beyond MaxWeeks count as late. For ForecastDone it is 1 if Start is
	// not after the due day, else 0.
	OnTimeProbability float64

	// Method is ForecastMethodExact or ForecastMethodMonteCarlo; empty for ForecastDone and
	// ForecastNone, where nothing is simulated.
	Method string
	// Trials is the number of Monte Carlo trials run (0 when none ran) and Seed their seed.
	Trials int
	Seed   uint64
	// HistoryWeeks is len(WeeklyThroughput); MaxWeeks the horizon used.
	HistoryWeeks int
	MaxWeeks     int
	// UnfinishedRatio is the share of outcomes (probability mass or trials, per Method) that
	// do not finish within MaxWeeks. The exact method stops once less than 1e-13 of the mass is
	// left, so a tiny value means "less than 1e-13".
	UnfinishedRatio float64

	// MonteCarloOnTime and MonteCarloWeeksP50/P85/P95 are the Monte Carlo estimates, also when
	// Method is exact, where they are its check (they agree within sampling error: at 10 000
	// trials a percentile may sit one week off when the exact CDF is close to 0.5, 0.85 or
	// 0.95). NaN and -1 when not computed, as for the main fields.
	MonteCarloOnTime                                           float64
	MonteCarloWeeksP50, MonteCarloWeeksP85, MonteCarloWeeksP95 int
}

// OnTime returns OnTimeProbability and whether it is defined (there is a due date and a
// forecast).
func (f Forecast) OnTime() (p float64, ok bool) {
	return f.OnTimeProbability, !math.IsNaN(f.OnTimeProbability)
}

// ForecastSeed returns the default seed for a milestone's forecast: FNV-1a 64 over
// "program\x00milestone\x00YYYY-Www" (ISO year and week, as from time.Time.ISOWeek). Reruns in
// the same ISO week repeat the same trials exactly; a new week draws new ones.
func ForecastSeed(program, milestone string, isoYear, isoWeek int) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%04d-W%02d", program, milestone, isoYear, isoWeek)
	return h.Sum64()
}

// Tuning of the exact method.
const (
	// forecastCDFTolerance absorbs rounding when a CDF value is exactly on a quantile.
	forecastCDFTolerance = 1e-9
	// forecastNegligibleMass ends the convolution: less unfinished mass cannot move a
	// percentile or P(on time) by anything a page or a metric shows.
	forecastNegligibleMass = 1e-13
	// forecastMaxExactRemaining bounds the convolution's memory (two float64 per item); a
	// larger backlog is answered by the Monte Carlo trials.
	forecastMaxExactRemaining = 1 << 17
)

// forecastPercentiles are the confidence levels reported, in percent.
var forecastPercentiles = [3]int{50, 85, 95}

// RunForecast forecasts when in.Remaining items will be done, by throughput sampling: each
// trial draws a week's throughput uniformly, with replacement, from in.WeeklyThroughput (and,
// with scope growth, the week's added scope from in.ScopeGrowth) until the remaining work is
// done, and counts the weeks. With no scope growth the weeks-to-complete distribution is also
// computed exactly, by convolution, and that is the answer (Method exact), the trials being
// its check; with scope growth the trials are the answer (Method monte-carlo).
//
// RunForecast is pure and deterministic: the same input gives the same Forecast, bit for bit,
// on every platform. It does not modify its input's slices.
func RunForecast(in ForecastInput) Forecast {
	trials := in.Trials
	if trials <= 0 {
		trials = DefaultForecastTrials
	}
	maxWeeks := in.MaxWeeks
	if maxWeeks <= 0 {
		maxWeeks = DefaultForecastMaxWeeks
	}
	f := Forecast{
		Seed:               in.Seed,
		HistoryWeeks:       len(in.WeeklyThroughput),
		MaxWeeks:           maxWeeks,
		WeeksP50:           -1,
		WeeksP85:           -1,
		WeeksP95:           -1,
		OnTimeProbability:  math.NaN(),
		MonteCarloOnTime:   math.NaN(),
		MonteCarloWeeksP50: -1,
		MonteCarloWeeksP85: -1,
		MonteCarloWeeksP95: -1,
	}
	dueWeek, hasDue := forecastDueWeek(in.Start, in.Due, maxWeeks)

	if reason := forecastInvalid(in); reason != "" {
		f.Status, f.Reason = ForecastNone, reason
		return f
	}
	if in.Remaining == 0 {
		f.Status, f.Reason = ForecastDone, "no remaining work"
		f.P50, f.P85, f.P95 = in.Start, in.Start, in.Start
		f.WeeksP50, f.WeeksP85, f.WeeksP95 = 0, 0, 0
		f.MonteCarloWeeksP50, f.MonteCarloWeeksP85, f.MonteCarloWeeksP95 = 0, 0, 0
		if hasDue {
			f.OnTimeProbability = 0
			if dueWeek >= 0 {
				f.OnTimeProbability = 1
			}
			f.MonteCarloOnTime = f.OnTimeProbability
		}
		return f
	}

	var growth []int
	if slices.ContainsFunc(in.ScopeGrowth, func(n int) bool { return n != 0 }) {
		growth = in.ScopeGrowth
	}

	// Monte Carlo: always run, as the answer or as the exact answer's check.
	counts := make([]int, maxWeeks+2) // counts[w]: trials done after w weeks; [maxWeeks+1]: unfinished
	forecastSimulate(in.WeeklyThroughput, growth, in.Remaining, maxWeeks, trials, in.Seed, counts)
	f.Trials = trials
	mcWeeks := [3]int{}
	for i, pct := range forecastPercentiles {
		mcWeeks[i] = forecastRankWeeks(counts, trials, pct)
	}
	f.MonteCarloWeeksP50, f.MonteCarloWeeksP85, f.MonteCarloWeeksP95 = mcWeeks[0], mcWeeks[1], mcWeeks[2]
	if hasDue {
		onTime := 0
		for _, c := range counts[:dueWeek+1] {
			onTime += c
		}
		f.MonteCarloOnTime = float64(onTime) / float64(trials)
	}

	weeks := mcWeeks
	if growth == nil && in.Remaining <= forecastMaxExactRemaining {
		cdf := forecastExactCDF(in.WeeklyThroughput, in.Remaining, maxWeeks)
		f.Method = ForecastMethodExact
		for i, pct := range forecastPercentiles {
			weeks[i] = forecastCDFWeeks(cdf, float64(pct)/100)
		}
		if hasDue {
			f.OnTimeProbability = 0
			if dueWeek >= 0 {
				f.OnTimeProbability = cdf[dueWeek]
			}
		}
		f.UnfinishedRatio = max(0, 1-cdf[maxWeeks])
	} else {
		f.Method = ForecastMethodMonteCarlo
		f.OnTimeProbability = f.MonteCarloOnTime
		f.UnfinishedRatio = float64(counts[maxWeeks+1]) / float64(trials)
	}
	f.WeeksP50, f.WeeksP85, f.WeeksP95 = weeks[0], weeks[1], weeks[2]
	f.P50 = forecastCompletion(in.Start, weeks[0])
	f.P85 = forecastCompletion(in.Start, weeks[1])
	f.P95 = forecastCompletion(in.Start, weeks[2])

	var reasons []string
	if f.WeeksP95 < 0 {
		r := fmt.Sprintf("%.1f%% of outcomes not done within %d weeks", 100*f.UnfinishedRatio, maxWeeks)
		if growth != nil {
			r += ": scope grows about as fast as it is delivered"
		}
		reasons = append(reasons, r)
	}
	if f.HistoryWeeks < MinForecastHistoryWeeks {
		reasons = append(reasons, fmt.Sprintf("only %d weeks of throughput history (fewer than %d)",
			f.HistoryWeeks, MinForecastHistoryWeeks))
	}
	switch {
	case f.WeeksP95 < 0:
		f.Status = ForecastNotConverging
	case f.HistoryWeeks < MinForecastHistoryWeeks:
		f.Status = ForecastLowConfidence
	default:
		f.Status = ForecastOK
	}
	f.Reason = strings.Join(reasons, "; ")
	return f
}

// forecastInvalid returns why no forecast can be made from in, or "".
func forecastInvalid(in ForecastInput) string {
	if in.Remaining < 0 {
		return fmt.Sprintf("negative remaining work (%d)", in.Remaining)
	}
	if in.Remaining == 0 {
		return ""
	}
	if len(in.WeeklyThroughput) == 0 {
		return "no throughput history"
	}
	total := 0
	for i, n := range in.WeeklyThroughput {
		if n < 0 {
			return fmt.Sprintf("negative throughput in history week %d (%d)", i, n)
		}
		total += n
	}
	if total == 0 {
		return fmt.Sprintf("no items completed in %d weeks of throughput history", len(in.WeeklyThroughput))
	}
	return ""
}

// forecastCompletion is the completion instant after w weeks: the end of week w.
func forecastCompletion(start time.Time, w int) time.Time {
	if w < 0 {
		return time.Time{}
	}
	return start.AddDate(0, 0, 7*w)
}

// forecastDueWeek returns W_due, the largest w in [0, maxWeeks] whose completion instant is
// not after the end of the due day, or -1 when even week 0 is; ok is false without a due date.
// Outcomes after maxWeeks count as late even when the due day is later still.
func forecastDueWeek(start, due time.Time, maxWeeks int) (w int, ok bool) {
	if due.IsZero() {
		return 0, false
	}
	y, m, d := due.Date()
	end := time.Date(y, m, d+1, 0, 0, 0, 0, due.Location())
	if start.After(end) {
		return -1, true
	}
	w = min(int(end.Sub(start)/(7*24*time.Hour)), maxWeeks)
	for w < maxWeeks && !forecastCompletion(start, w+1).After(end) {
		w++
	}
	for w > 0 && forecastCompletion(start, w).After(end) {
		w--
	}
	return w, true
}

// forecastSimulate runs the Monte Carlo trials and adds each trial's weeks-to-complete to
// counts (len maxWeeks+2; unfinished trials go to counts[maxWeeks+1]). Every simulated week
// makes one draw, history[IntN(len(history))], so with seed 42 the research worked example's
// trials are reproduced draw for draw; growth (nil for none) adds that week's scope, paired
// with the same index when it is as long as history, else from a second draw.
func forecastSimulate(history, growth []int, remaining, maxWeeks, trials int, seed uint64, counts []int) {
	rng := SplitMix64{state: seed}
	n := len(history)
	if growth == nil {
		for range trials {
			done, w := 0, 0
			for done < remaining && w < maxWeeks {
				done += history[rng.IntN(n)]
				w++
			}
			if done < remaining {
				w = maxWeeks + 1
			}
			counts[w]++
		}
		return
	}
	paired := len(growth) == n
	for range trials {
		target, done, w := remaining, 0, 0
		for done < target && w < maxWeeks {
			i := rng.IntN(n)
			done += history[i]
			if !paired {
				i = rng.IntN(len(growth))
			}
			target += growth[i]
			w++
		}
		if done < target {
			w = maxWeeks + 1
		}
		counts[w]++
	}
}

// forecastRankWeeks returns the nearest-rank percentile of the trials in counts, the
// ceil(pct/100·trials)-th smallest weeks-to-complete, or -1 when that trial did not finish.
func forecastRankWeeks(counts []int, trials, pct int) int {
	rank := max((pct*trials+99)/100, 1)
	seen := 0
	for w, c := range counts[:len(counts)-1] {
		seen += c
		if seen >= rank {
			return w
		}
	}
	return -1
}

// forecastCDFWeeks returns the smallest w with cdf[w] ≥ q (up to rounding), or -1.
func forecastCDFWeeks(cdf []float64, q float64) int {
	for w, p := range cdf {
		if p >= q-forecastCDFTolerance {
			return w
		}
	}
	return -1
}

// forecastExactCDF returns cdf[w] = P(weeks-to-complete ≤ w) for w = 0..maxWeeks when every
// week's throughput is drawn independently and uniformly from history and nothing is added:
// P(W ≤ w) = P(S_w ≥ remaining), S_w the sum of w draws. It convolves the distribution of the
// not-yet-finished sums (below remaining) with the throughput distribution once per week,
// absorbing sums that reach remaining. Cost: O(remaining · distinct values · weeks).
func forecastExactCDF(history []int, remaining, maxWeeks int) []float64 {
	cdf := make([]float64, maxWeeks+1)
	if remaining <= 0 {
		for w := range cdf {
			cdf[w] = 1
		}
		return cdf
	}
	vals, probs := forecastDistribution(history)
	minVal, maxVal := vals[0], vals[len(vals)-1]
	cur := make([]float64, remaining) // cur[s] = P(sum after w weeks == s), s < remaining
	next := make([]float64, remaining)
	cur[0] = 1
	lo, hi := 0, 0 // cur is zero outside [lo, hi]
	done := 0.0
	for w := 1; w <= maxWeeks; w++ {
		nlo, nhi := lo+minVal, min(hi+maxVal, remaining-1)
		if nlo <= nhi {
			clear(next[nlo : nhi+1])
		}
		for s := lo; s <= hi; s++ {
			ps := cur[s]
			if ps == 0 {
				continue
			}
			for j, v := range vals {
				// The explicit conversion forbids a fused multiply-add, so every
				// GOARCH computes the same bits.
				m := float64(ps * probs[j])
				if t := s + v; t < remaining {
					next[t] += m
				} else {
					done += m
				}
			}
		}
		cur, next = next, cur
		lo, hi = nlo, nhi
		live := 0.0
		for s := lo; s <= hi; s++ {
			live += cur[s]
		}
		cdf[w] = min(done, 1)
		if live < forecastNegligibleMass {
			for k := w + 1; k <= maxWeeks; k++ {
				cdf[k] = cdf[w]
			}
			break
		}
	}
	return cdf
}

// forecastDistribution returns the distinct values of history, ascending, and the share of
// weeks with each.
func forecastDistribution(history []int) (vals []int, probs []float64) {
	sorted := slices.Clone(history)
	slices.Sort(sorted)
	n := float64(len(sorted))
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		vals = append(vals, sorted[i])
		probs = append(probs, float64(j-i)/n)
		i = j
	}
	return vals, probs
}
