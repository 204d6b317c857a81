package jira

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// parsePage reads a search envelope without decoding its issues: it finds each issue's bytes
// with a string-aware bracket scan, and leaves validating them to the issue decoder. Decoding
// the envelope with encoding/json would validate and copy every issue once more, a third of
// the cost of a page. Raw issues share the page's buffer.
func parsePage(b []byte) (searchPage, error) {
	var sp searchPage
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return sp, errors.New("search answer is not a JSON object")
	}
	i++
	seenIssues := false
	for {
		i = skipSpace(b, i)
		if i < len(b) && b[i] == '}' {
			break
		}
		if i >= len(b) || b[i] != '"' {
			return sp, fmt.Errorf("offset %d: expected a key", i)
		}
		kEnd, err := skipValue(b, i)
		if err != nil {
			return sp, err
		}
		var k string
		if err := json.Unmarshal(b[i:kEnd], &k); err != nil {
			return sp, err
		}
		i = skipSpace(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return sp, fmt.Errorf("offset %d: expected ':'", i)
		}
		i = skipSpace(b, i+1)
		vEnd, err := skipValue(b, i)
		if err != nil {
			return sp, err
		}
		v := b[i:vEnd]
		switch k {
		case "issues":
			seenIssues = true
			if sp.Issues, err = splitArray(v); err != nil {
				return sp, fmt.Errorf("issues: %w", err)
			}
		case "nextPageToken":
			err = json.Unmarshal(v, &sp.NextPageToken)
		case "isLast":
			err = json.Unmarshal(v, &sp.IsLast)
		case "startAt":
			err = json.Unmarshal(v, &sp.StartAt)
		case "maxResults":
			err = json.Unmarshal(v, &sp.MaxResults)
		case "total":
			err = json.Unmarshal(v, &sp.Total)
		}
		if err != nil {
			return sp, fmt.Errorf("%s: %w", k, err)
		}
		i = skipSpace(b, vEnd)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i >= len(b) || b[i] != '}' {
			return sp, fmt.Errorf("offset %d: expected ',' or '}'", i)
		}
		break
	}
	if skipSpace(b, i+1) != len(b) {
		return sp, errors.New("data after the search answer")
	}
	if !seenIssues {
		return sp, errNoIssues
	}
	return sp, nil
}

// splitArray returns the elements of a JSON array (or none for null).
func splitArray(v []byte) ([]json.RawMessage, error) {
	if string(v) == "null" {
		return nil, nil
	}
	if len(v) < 2 || v[0] != '[' {
		return nil, errors.New("not an array")
	}
	out := []json.RawMessage{}
	i := skipSpace(v, 1)
	if v[i] == ']' {
		return out, nil
	}
	for {
		end, err := skipValue(v, i)
		if err != nil {
			return nil, err
		}
		out = append(out, json.RawMessage(v[i:end:end]))
		i = skipSpace(v, end)
		if i < len(v) && v[i] == ',' {
			i = skipSpace(v, i+1)
			continue
		}
		if i < len(v) && v[i] == ']' {
			return out, nil
		}
		return nil, fmt.Errorf("offset %d: expected ',' or ']'", i)
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

var errTruncated = errors.New("unexpected end of JSON input")

// skipValue returns the end of the JSON value starting at i, matching brackets outside
// strings. Scalars end at the next delimiter; their validity is checked by their decoder.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errTruncated
	}
	switch b[i] {
	case '"':
		// Strings are most of a page's bytes: jump from quote to quote (IndexByte is
		// vectorised) and count the backslashes before each.
		for j := i + 1; ; j++ {
			k := bytes.IndexByte(b[j:], '"')
			if k < 0 {
				return 0, errTruncated
			}
			j += k
			escapes := 0
			for p := j - 1; p > i && b[p] == '\\'; p-- {
				escapes++
			}
			if escapes%2 == 0 {
				return j + 1, nil
			}
		}
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipValue(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errTruncated
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
		j++
	}
	if j == i {
		return 0, fmt.Errorf("offset %d: expected a value", i)
	}
	return j, nil
}
