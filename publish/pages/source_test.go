package pages

import (
	"testing"
	"time"
)

func TestFileName(t *testing.T) {
	tests := []struct {
		program, week string
		format        Format
		want          string
	}{
		{"Checkout v2", "2026-W48", FormatHTML, "checkout-v2-2026-W48.html"},
		{"Checkout v2", "2026-W48", FormatMarkdown, "checkout-v2-2026-W48.md"},
		{"Checkout v2", "2026-W48", FormatConfluence, "checkout-v2-2026-W48.storage.xml"},
		{"../x", "../../2026-W48", FormatHTML, "x-unknown-week.html"},
	}
	for _, tt := range tests {
		if got := FileName(tt.program, tt.week, tt.format); got != tt.want {
			t.Errorf("FileName(%q, %q, %s): got %q, want %q", tt.program, tt.week, tt.format, got, tt.want)
		}
	}
}

func TestWeeks(t *testing.T) {
	tests := []struct {
		week, prev string
		monday     string
	}{
		{"2026-W48", "2026-W47", "2026-11-23"},
		{"2026-W01", "2025-W52", "2025-12-29"},
		{"2021-W01", "2020-W53", "2021-01-04"},
	}
	for _, tt := range tests {
		m, err := weekStart(tt.week)
		if err != nil || m.Format(time.DateOnly) != tt.monday {
			t.Errorf("weekStart(%s): got %v %v, want %s", tt.week, m, err, tt.monday)
		}
		if got, err := PreviousWeek(tt.week); err != nil || got != tt.prev {
			t.Errorf("PreviousWeek(%s): got %q %v, want %s", tt.week, got, err, tt.prev)
		}
	}
	for _, bad := range []string{"2026-W54", "2026-W00", "2026-48", "../2026-W01", "2026-W1"} {
		if ValidWeek(bad) {
			t.Errorf("ValidWeek(%q): got true, want false", bad)
		}
	}
}
