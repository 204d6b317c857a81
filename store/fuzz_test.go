package store

import (
	"database/sql"
	"testing"
	"time"
)

// FuzzTimeRoundTrip: every time the store writes (FormatTime) reads back as the same instant,
// through both the reference parser (ParseTime) and the rollup loader's allocation-free one.
func FuzzTimeRoundTrip(f *testing.F) {
	f.Add(int64(0), int64(0))
	f.Add(int64(1764460800), int64(123456789))
	f.Add(int64(-62135596800), int64(1))         // 0001-01-01
	f.Add(int64(253402300799), int64(999999999)) // 9999-12-31T23:59:59.999999999
	f.Add(int64(1700000000), int64(100))
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		const lo, hi = -62135596800, 253402300799 // the four-digit years RFC 3339 can write
		if sec < lo || sec > hi {
			sec = lo + (sec%(hi-lo)+(hi-lo))%(hi-lo)
		}
		nsec = (nsec%1e9 + 1e9) % 1e9
		want := time.Unix(sec, nsec).UTC()
		s := FormatTime(want)
		if got := ParseTime(sql.NullString{String: s, Valid: true}); !got.Equal(want) {
			t.Fatalf("ParseTime(%q) = %v, want %v", s, got, want)
		}
		if got := parseBytes([]byte(s)); !got.Equal(want) {
			t.Fatalf("parseBytes(%q) = %v, want %v", s, got, want)
		}
	})
}

// FuzzParseBytes: whatever the reference parser accepts, the fast one reads the same.
func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{"2026-11-30T09:00:00Z", "2026-11-30T09:00:00.5Z", "2026-11-30", "2026-11-30T09:00:00+01:00",
		"", "2026-02-30", "2026-11-30T09:00:00.1234567890Z", "0001-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref := ParseTime(sql.NullString{String: s, Valid: true})
		if ref.IsZero() {
			return // rejected by the reference: the database never holds it
		}
		if got := parseBytes([]byte(s)); !got.Equal(ref) {
			t.Fatalf("parseBytes(%q) = %v, ParseTime reads %v", s, got, ref)
		}
	})
}
