//go:build chaos && race

package chaos

// raceEnabled: the race detector slows every request about tenfold, so latencies mean nothing.
const raceEnabled = true
