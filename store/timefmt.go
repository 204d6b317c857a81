package store

import (
	"database/sql"
	"encoding/json"
	"time"
)

// FormatTime renders t as UTC RFC 3339 text, the one time format of the database.
func FormatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// NullTime renders t for a nullable column: NULL when t is zero.
func NullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return FormatTime(t)
}

// NullDate renders a calendar date (YYYY-MM-DD) for a nullable column.
func NullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(time.DateOnly)
}

// NullString renders s for a nullable column: NULL when empty.
func NullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ParseTime reads a time column written by FormatTime, NullTime or NullDate; NULL or bad text
// gives the zero time.
func ParseTime(s sql.NullString) time.Time {
	if !s.Valid || s.String == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s.String); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// JSONList renders a string list as a JSON array column; nil becomes [].
func JSONList(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list)
	return string(b)
}

// ParseJSONList reads a JSON array column.
func ParseJSONList(s string) []string {
	var out []string
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
