package diagnose

import (
	"encoding/json"
	"testing"
)

// FuzzDiagnose feeds arbitrary evidence bundles, as the lead's recorded
// testdata will be, through the engine: it must never panic and must keep
// the verdict's invariants.
func FuzzDiagnose(f *testing.F) {
	for _, ev := range benchEvidence() {
		b, err := json.Marshal(ev)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"onprem":{"ike_sas":null},"azure":{"logs":[{}]},"p2s":[{"cert":{}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev Evidence
		if json.Unmarshal(data, &ev) != nil {
			return
		}
		v := Diagnose(ev)
		checkInvariants(t, v)
		_ = v.String()
	})
}
