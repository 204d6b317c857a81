package jira

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// FuzzSprintField: the sprint field of any shape never panics the decoder, and an old Data
// Center sprint string yields its id whatever its name holds (commas, brackets, "id=").
func FuzzSprintField(f *testing.F) {
	f.Add(int64(444), int64(12), "Sprint 7", []byte(`[{"id":1,"name":"S1"}]`))
	f.Add(int64(0), int64(0), "a,id=9]", []byte(`["com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=3,rapidViewId=1]"]`))
	f.Add(int64(9007199254740993), int64(-1), "[id=5", []byte(`null`))
	f.Add(int64(7), int64(1), "", []byte(`[{"id":"x"},"garbage",17,{"id":2}]`))
	f.Fuzz(func(t *testing.T, id, board int64, name string, raw []byte) {
		_ = parseSprints(raw) // any bytes: no panic
		if id < 0 {
			id = -(id + 1)
		}
		s := fmt.Sprintf("com.atlassian.greenhopper.service.sprint.Sprint@1a2b3c[id=%d,rapidViewId=%d,state=CLOSED,name=%s,goal=,startDate=2026-01-05T09:00:00.000Z,endDate=2026-01-19T09:00:00.000Z,completeDate=<null>,sequence=%d]",
			id, board, name, id)
		field, err := json.Marshal([]string{s})
		if err != nil {
			t.Skip()
		}
		if got := parseSprints(field); !slices.Equal(got, []int64{id}) {
			t.Fatalf("parseSprints(%s) = %v, want [%d]", field, got, id)
		}
		obj, _ := json.Marshal([]map[string]any{{"id": id, "name": name, "state": "closed"}})
		if got := parseSprints(obj); !slices.Equal(got, []int64{id}) {
			t.Fatalf("parseSprints(%s) = %v, want [%d]", obj, got, id)
		}
	})
}
