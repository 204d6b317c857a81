package rollup

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// encodeReport returns json.Marshal(r), byte for byte, with the programs encoded on every core:
// a report of a million items is 100 MB of JSON, a second of one core's time.
func encodeReport(r *Report) ([]byte, error) {
	if len(r.Programs) < 2 {
		return json.Marshal(r)
	}
	parts := make([][]byte, len(r.Programs))
	errs := make([]error, len(r.Programs))
	parallel(len(r.Programs), func(i int) {
		parts[i], errs[i] = json.Marshal(&r.Programs[i])
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	shell := *r
	shell.Programs = nil
	head, err := json.Marshal(&shell)
	if err != nil {
		return nil, err
	}
	// The programs field follows as_of and week, whose text cannot hold it.
	const null = `"programs":null`
	k := bytes.Index(head, []byte(null))
	if k < 0 {
		return nil, fmt.Errorf("encode report: no programs field in %.80s", head)
	}
	n := len(head) + 1
	for _, p := range parts {
		n += len(p) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, head[:k]...)
	out = append(out, `"programs":[`...)
	for i, p := range parts {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, p...)
	}
	out = append(out, ']')
	return append(out, head[k+len(null):]...), nil
}
