package jira

import (
	"encoding/json"
	"testing"
)

// skipValue must end a string at its closing quote whatever the backslashes before the
// quotes inside it, as encoding/json reads them.
func TestSkipValueStrings(t *testing.T) {
	for _, s := range []string{`""`, `"a"`, `"\""`, `"\\"`, `"\\\""`, `"a\\\\"`, `"\\\\\"b"`, `"\u0022"`, `"é\n"`} {
		if !json.Valid([]byte(s)) {
			t.Fatalf("test case %s is not JSON", s)
		}
		in := `{"k":` + s + `,"n":1}`
		end, err := skipValue([]byte(in), 5)
		if err != nil || in[5:end] != s {
			t.Errorf("skipValue(%s) = %q, %v; want %s", in, in[5:min(end, len(in))], err, s)
		}
		whole, err := skipValue([]byte(in), 0)
		if err != nil || whole != len(in) {
			t.Errorf("skipValue of the object %s ended at %d, %v; want %d", in, whole, err, len(in))
		}
	}
	for _, s := range []string{`"abc`, `"abc\"`, `"\\\"`} {
		if _, err := skipValue([]byte(s), 0); err == nil {
			t.Errorf("skipValue(%s): no error for an unterminated string", s)
		}
	}
}
