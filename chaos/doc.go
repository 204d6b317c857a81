//go:build chaos

// Package chaos is cairn's chaos suite, run with `go test -tags chaos ./chaos/...`: it kills a
// real sync process at random moments, storms the fakes with rate limits, server errors, cut
// connections and slow bodies, fills and write-protects the database mid-sync, loads the HTTP
// endpoints with wrk during a sync, and checks that secrets leak nowhere. After each ordeal
// the database must equal a clean run's, table by table. CHAOS_SCALE=full runs bigger worlds
// than the CI default; CHAOS_SEED changes the random moments (the seed is logged).
package chaos
