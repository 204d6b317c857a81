package syncer

import (
	"testing"
	"time"
)

// fuzzZones are time zones with the awkward transitions: none, one-hour DST both ways,
// half-hour DST (Lord Howe), quarter-hour offsets (Kathmandu, Chatham), and a zone that
// skipped a whole day (Apia, 2011-12-30).
var fuzzZones = []string{"UTC", "America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe",
	"Asia/Kathmandu", "Pacific/Chatham", "Pacific/Apia", "America/Sao_Paulo"}

// FuzzJQLSince: the lower bound of an incremental search, read back as JQL reads it (minutes,
// in the user's zone, either reading of a repeated local time), is never after the instant it
// stands for, so no update is missed, and is never more than an hour and a minute before it,
// so the search stays incremental.
func FuzzJQLSince(f *testing.F) {
	f.Add(int64(1764460800), uint8(0))
	f.Add(int64(1762063200), uint8(1)) // 2025-11-02 06:00 UTC: New York falls back
	f.Add(int64(1762059600), uint8(1))
	// 2025-04-05 14:45 UTC in Lord Howe: the first 01:45 of the half hour repeated when DST
	// ends; "01:45" could read as the second one, half an hour later.
	f.Add(int64(1743864300), uint8(4))
	f.Add(int64(1325239200), uint8(7)) // Apia skips 2011-12-30
	f.Fuzz(func(t *testing.T, sec int64, zone uint8) {
		loc, err := time.LoadLocation(fuzzZones[int(zone)%len(fuzzZones)])
		if err != nil {
			t.Skip(err)
		}
		const lo, span = 946684800, 1_000_000_000 // 2000 to 2031
		if sec < lo || sec >= lo+span {
			sec = lo + (sec%span+span)%span
		}
		at := time.Unix(sec, 0)
		s := jqlSince(at, loc)
		read, err := time.ParseInLocation(jqlTimeLayout, s, loc)
		if err != nil {
			t.Fatalf("jqlSince(%v, %s) = %q: %v", at, loc, s, err)
		}
		// Every instant whose local minute reads s is a reading Jira may take.
		for _, d := range []time.Duration{-2 * time.Hour, -time.Hour, -30 * time.Minute, 0, 30 * time.Minute, time.Hour, 2 * time.Hour} {
			u := read.Add(d)
			if u.In(loc).Format(jqlTimeLayout) != s {
				continue
			}
			if u.After(at) {
				t.Fatalf("jqlSince(%v, %s) = %q, which can read as %v: after the instant, so updates between are missed", at.UTC(), loc, s, u.UTC())
			}
		}
		if at.Sub(read) > time.Hour+time.Minute {
			t.Fatalf("jqlSince(%v, %s) = %q reads as %v: more than an hour back", at.UTC(), loc, s, read.UTC())
		}
	})
}
