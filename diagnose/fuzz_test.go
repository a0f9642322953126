package diagnose

import (
	"encoding/json"
	"fmt"
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

// TestSignatureContext: a signature with a context (after) reads a line
// only when the line before it gives the context, and then alone. The
// lines are synthetic (openssl s_client's chain walk).
func TestSignatureContext(t *testing.T) {
	run := func(lines ...string) Verdict {
		var ev Evidence
		for i, l := range lines {
			ev.Text = append(ev.Text, TextLine{Ref: fmt.Sprintf("paste.txt:%d", i+1), Text: l})
		}
		return Diagnose(ev)
	}
	ca := run("depth=1 CN = p2s-root", "verify error:num=10:certificate has expired")
	if ca.Fault != "root-certificate-expired" {
		t.Errorf("expiry under depth=1: %s, want root-certificate-expired", ca.Fault)
	}
	leaf := run("depth=0 CN = vpn.example.net", "verify error:num=10:certificate has expired")
	if leaf.Fault != "certificate-expired" {
		t.Errorf("expiry under depth=0: %s, want certificate-expired", leaf.Fault)
	}
	other := run("depth=1 CN = p2s-root", "unrelated", "verify error:num=10:certificate has expired")
	if other.Fault != "certificate-expired" {
		t.Errorf("context two lines up: %s, want certificate-expired", other.Fault)
	}
}
