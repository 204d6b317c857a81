package jiratest

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// A tiny append-only JSON writer: the fake renders large pages fast and without reflection, so
// benchmarks measure the connector, not the fake.

const jiraTime = "2006-01-02T15:04:05.000-0700"

// sep appends a comma unless b ends an opening bracket or a key.
func sep(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' && b[n-1] != '[' && b[n-1] != ':' {
		b = append(b, ',')
	}
	return b
}

func key(b []byte, k string) []byte {
	b = sep(b)
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

func kvs(b []byte, k, v string) []byte { return appendString(key(b, k), v) }

func kvn(b []byte, k string, v int64) []byte { return strconv.AppendInt(key(b, k), v, 10) }

func kvb(b []byte, k string, v bool) []byte { return strconv.AppendBool(key(b, k), v) }

func kvnull(b []byte, k string) []byte { return append(key(b, k), "null"...) }

// kvsn writes a string, or null when empty.
func kvsn(b []byte, k, v string) []byte {
	if v == "" {
		return kvnull(b, k)
	}
	return kvs(b, k, v)
}

func kvt(b []byte, k string, t time.Time, loc *time.Location) []byte {
	if t.IsZero() {
		return kvnull(b, k)
	}
	b = append(key(b, k), '"')
	b = t.In(loc).AppendFormat(b, jiraTime)
	return append(b, '"')
}

func kvdate(b []byte, k string, t time.Time) []byte {
	if t.IsZero() {
		return kvnull(b, k)
	}
	b = append(key(b, k), '"')
	b = t.UTC().AppendFormat(b, "2006-01-02")
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
