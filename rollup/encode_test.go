package rollup

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestEncodeReportIsMarshal: the parallel encoding is json.Marshal's, byte for byte, on a
// generated world's report and on reports with no, one and empty programs.
func TestEncodeReportIsMarshal(t *testing.T) {
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	in, spec := genWorld(2000, 400, 30, asOf)
	in.History = Backfill(in, spec, asOf.AddDate(0, 0, -1), 14)
	full := Compute(in, spec, asOf)
	one := *full
	one.Programs = full.Programs[:1]
	none := *full
	none.Programs = nil
	empty := *full
	empty.Programs = []ProgramReport{}
	odd := *full
	odd.Week = `"programs":null` // the field's text elsewhere must not fool the splice
	odd.Programs = []ProgramReport{{Name: "<&>"}, {Name: `"programs":null`}}
	for name, r := range map[string]*Report{"full": full, "one": &one, "none": &none, "empty": &empty} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeReport(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: encodeReport differs from json.Marshal (%d bytes, want %d)", name, len(got), len(want))
		}
	}
	if got, err := encodeReport(&odd); err == nil {
		if want, _ := json.Marshal(&odd); !bytes.Equal(got, want) {
			t.Errorf("odd week: encodeReport differs from json.Marshal")
		}
	}
}
