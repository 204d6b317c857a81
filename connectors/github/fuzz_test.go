package github

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzExtractKeys checks the matcher against its contract: every key it returns belongs to a
// known project, is well formed, occurs in the text at a word boundary, and appears once.
func FuzzExtractKeys(f *testing.F) {
	for _, s := range []string{"PAY-12 Add login", "feature/PAY-12-login", "[PAY-1](WEB-2)", "pay-3-fix", "PAY-12a", "UTF-8"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	projects := []string{"PAY", "WEB", "MY_TEAM"}
	well := regexp.MustCompile(`^(PAY|WEB|MY_TEAM)-[1-9][0-9]*$`)
	f.Fuzz(func(t *testing.T, text string, ci bool) {
		keys := ExtractKeys(text, projects, ci)
		seen := map[string]bool{}
		hay := text
		if ci {
			hay = strings.ToUpper(text)
		}
		for _, k := range keys {
			if !well.MatchString(k) {
				t.Fatalf("key %q is not a well-formed key of %v", k, projects)
			}
			if seen[k] {
				t.Fatalf("key %q returned twice", k)
			}
			seen[k] = true
			if utf8.ValidString(text) && !strings.Contains(hay, k) {
				t.Fatalf("key %q not in text %q", k, text)
			}
		}
	})
}

var upperKey = regexp.MustCompile(`"[^"]*[A-Z][^"]*"\s*:`)

// FuzzSlimDecode checks that the slim decoder (goccy/go-json and the item splitter) accepts
// exactly what encoding/json accepts and gives the same items, with raw bytes that are each
// item's own JSON.
func FuzzSlimDecode(f *testing.F) {
	for _, s := range []string{`[]`, `[{"id":1,"number":2,"title":"a\u00e9\"]","user":{"login":"x"},"head":{"ref":"PAY-1"},"labels":[{"name":"bug"}],"created_at":"2024-01-01T00:00:00Z","closed_at":null,"milestone":{"title":"v1"}}]`,
		`[{"id":1},{"id":2,"draft":true,"requested_teams":[{"slug":"core"}]}]`, `[{"updated_at":1700000000}]`, `[{"Title":"case"}]`, `[1]`, `{}`, `[{"id":"1"}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !utf8.Valid(body) || upperKey.Match(body) || string(bytes.TrimSpace(body)) == "null" {
			// GitHub sends UTF-8 and lower-case keys; the libraries differ on invalid bytes
			// (each repairs them its own way) and on keys that only case-fold to a field.
			return
		}
		var want []wirePR
		werr := json.Unmarshal(body, &want)
		got, raws, gerr := decodeSlim[wirePR]("p", body)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("encoding/json error %v, slim error %v", werr, gerr)
		}
		if werr != nil {
			return
		}
		if len(got) != len(want) || len(raws) != len(want) {
			t.Fatalf("%d items, slim %d with %d raws", len(want), len(got), len(raws))
		}
		for i := range want {
			if !reflect.DeepEqual(want[i], got[i]) {
				t.Fatalf("item %d: encoding/json %+v, slim %+v", i, want[i], got[i])
			}
			var one wirePR
			if err := json.Unmarshal(raws[i], &one); err != nil || !reflect.DeepEqual(one, want[i]) {
				t.Fatalf("raw %d %q decodes to %+v (%v), want %+v", i, raws[i], one, err, want[i])
			}
		}
	})
}

// FuzzSplitArray checks the validating splitter against encoding/json: it accepts exactly the
// valid JSON arrays, and its elements are encoding/json's.
func FuzzSplitArray(f *testing.F) {
	for _, s := range []string{`[]`, ` [ 1 , "a\"]" , {"k":[true,false,null]} , -0.5e+3 ] `, `[{"":{""}}]`, `[1,]`, `[01]`, `["\u12G4"]`, "[\"\x01\"]", `[1e]`, `[-]`, `[.5]`, `[nul]`, `{}`, `"x"`, `[[[[]]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if string(bytes.TrimSpace(body)) == "null" {
			return // valid JSON, but not an array: GitHub's lists never answer it
		}
		got, ok := splitArray(body)
		var want []json.RawMessage
		err := json.Unmarshal(body, &want)
		if ok != (err == nil) {
			t.Fatalf("splitArray ok %v, encoding/json error %v", ok, err)
		}
		if !ok {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%d elements, encoding/json %d", len(got), len(want))
		}
		for i := range want {
			if string(got[i]) != string(want[i]) {
				t.Fatalf("element %d = %q, encoding/json %q", i, got[i], want[i])
			}
		}
	})
}
