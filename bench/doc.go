// Package bench is cairn's benchmark harness: it builds worlds of 10k to 1M issues with the
// fake GitHub (and, as they land, the fake Jira), runs each stage (full sync, incremental
// sync with nothing and 1% changed, rollup with forecasts) in a child process of its own so
// that CPU, peak RSS and bytes written belong to that stage alone, and measures the physical
// floors of a sync in the same run: fetching and decoding the same pages without storing, and
// storing the same rows, pre-decoded, without fetching. Results are rendered as a Markdown
// table and an SVG scaling curve; bench/run drives it and BENCHMARKS.md holds the latest.
package bench
