package store

import (
	"errors"
	"strings"
)

// The rollup loader reads a million rows per table, and the driver takes the connection's
// mutex on every column access (type, text and length: three times per text column, opened
// SQLITE_OPEN_FULLMUTEX) and allocates a string per text value. Most of the loader's CPU went
// there, so the wide queries ask SQLite for one packed text value per row instead: every
// field as "<byte length>:<bytes>", NULL as the empty string. The length prefix makes the
// encoding exact for any content (a separator could occur in a summary or a label), and the
// fields come back as substrings of the one value, without a copy each. The Jira issues' rows
// are packed the same way at write time (jira_rollup_rows, see jira_rollup_rows.go).

// packSQL returns the SQL expression that packs cols (column names or expressions) into one
// text value, read back with fields.
func packSQL(cols ...string) string {
	// One concat() call builds the value in one pass; a chain of || operators would copy the
	// growing value once per operator. concat() skips NULL arguments: a NULL field is empty.
	var b strings.Builder
	b.WriteString("concat(")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("octet_length(ifnull(" + c + ", '')), ':', " + c)
	}
	b.WriteString(")")
	return b.String()
}

var errPacked = errors.New("malformed packed row")

// fields reads a packed value field by field.
type fields struct {
	s   string
	err error
}

// next returns the next field, or "" and sets f.err when the value is malformed.
func (f *fields) next() string {
	n, i := 0, 0
	for ; i < len(f.s) && f.s[i] != ':'; i++ {
		c := f.s[i]
		if c < '0' || c > '9' {
			f.err = errPacked
			return ""
		}
		n = n*10 + int(c-'0')
	}
	if i == len(f.s) || i == 0 || len(f.s)-i-1 < n {
		f.err = errPacked
		return ""
	}
	v := f.s[i+1 : i+1+n]
	f.s = f.s[i+1+n:]
	return v
}

// int reads the next field as a decimal integer (the empty field is 0).
func (f *fields) int() int64 {
	s := f.next()
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			f.err = errPacked
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n
}

// bool reads the next field as a 0/1 flag.
func (f *fields) bool() bool {
	switch f.next() {
	case "1":
		return true
	case "0", "":
		return false
	}
	f.err = errPacked
	return false
}

// done reports the first error, or one when fields are left over.
func (f *fields) done() error {
	if f.err == nil && f.s != "" {
		return errPacked
	}
	return f.err
}
