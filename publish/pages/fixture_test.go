package pages_test

import (
	"time"

	"github.com/cairn-dev/cairn/publish/pages"
	"github.com/cairn-dev/cairn/rollup"
)

// evil is a summary that tries to break out of every format.
const evil = "</td><script>alert(1)</script> & ]]>"

const fixtureProgram = "Checkout v2"

var fixtureOptions = pages.Options{JiraURL: "https://acme.atlassian.net", GitHubURL: "https://github.com"}

var fixtureAsOf = time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

// forecast is an ok forecast from fixtureAsOf's day; p50 and p85 are completion instants (the
// exclusive end of the week, as the rollup stores them).
func forecast(p50, p85 time.Time, onTime float64, seed uint64, remaining int) rollup.ForecastSummary {
	return rollup.ForecastSummary{
		Status: rollup.ForecastOK, Remaining: remaining, Start: date(2026, 11, 27),
		P50: p50, P85: p85, P95: p85.AddDate(0, 0, 7), WeeksP50: 3, WeeksP85: 5, WeeksP95: 6,
		OnTime: ptr(onTime), Method: rollup.ForecastMethodExact, Trials: 10000, Seed: seed, HistoryWeeks: 12,
		Throughput: []int{4, 6, 3, 7, 5, 0, 6, 5, 4, 6, 3, 5},
	}
}

// fixture is a fixed week (2026-W48) of the Checkout v2 program, the week before, and 57
// days of snapshots of its first milestone; a second program has a hostile name.
func fixture() *pages.Inputs {
	return fixtureInputs()
}

func scope(todo, inProgress, done int) rollup.ScopeCounts {
	total := todo + inProgress + done
	return rollup.ScopeCounts{Todo: todo, InProgress: inProgress, Done: done, Total: total, DoneRatio: float64(done) / float64(total)}
}
