package diagnose

import (
	"encoding/json"
	"github.com/vpnlab/vpnlab/diagnose/kb"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorded maps each bundle in testdata/ (recorded from real lab runs) to
// the verdict it must produce.
var recorded = map[string]struct{ category, fault, nw string }{
	"healthy.json":              {Healthy, "", ""},
	"psk-mismatch.json":         {TunnelSetup, "shared-key-mismatch", "Authentication"},
	"esp-blocked.json":          {TunnelSetup, "esp-blocked", ""},
	"phase2-mismatch.json":      {TunnelSetup, "ipsec-policy-mismatch", "IkePolicyMismatch"},
	"mtu-blackhole.json":        {Operations, "mtu-blackhole", ""},
	"bgp-asn-mismatch.json":     {Routing, "bgp-asn-mismatch", ""},
	"cert-expired.json":         {Operations, "certificate-expired", ""},
	"maintenance-failover.json": {Operations, "maintenance-failover", "PlannedMaintenance"},
}

func loadBundle(t testing.TB, name string) Evidence {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev Evidence
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

func TestRecordedBundles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if len(files) < len(recorded) {
		t.Fatalf("testdata has %d bundles, want %d", len(files), len(recorded))
	}
	for _, f := range files {
		name := filepath.Base(f)
		want, ok := recorded[name]
		if !ok {
			t.Errorf("%s: no expectation for this bundle", name)
			continue
		}
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			v := Diagnose(loadBundle(t, name))
			if v.Category != want.category || v.Fault != want.fault || v.NetworkWatcher != want.nw {
				t.Fatalf("got %s/%s (NW %q), want %s/%s (NW %q)\n%s", v.Category, v.Fault, v.NetworkWatcher,
					want.category, want.fault, want.nw, v)
			}
			if want.fault != "" && v.Confidence < 0.75 {
				t.Errorf("confidence %.2f with both sides' evidence, want >= 0.75", v.Confidence)
			}
		})
	}
}

// One side missing: the verdict stands where that side's evidence suffices,
// with less confidence, and names what is missing.
func TestRecordedPartial(t *testing.T) {
	tests := []struct {
		bundle   string
		drop     string // "onprem" or "azure"
		category string
		fault    string
	}{
		{"psk-mismatch.json", "onprem", TunnelSetup, "shared-key-mismatch"},
		{"psk-mismatch.json", "azure", TunnelSetup, "shared-key-mismatch"},
		{"phase2-mismatch.json", "azure", TunnelSetup, "ipsec-policy-mismatch"},
		{"maintenance-failover.json", "onprem", Operations, "maintenance-failover"},
	}
	for _, tt := range tests {
		t.Run(tt.bundle+"-without-"+tt.drop, func(t *testing.T) {
			full := Diagnose(loadBundle(t, tt.bundle))
			ev := loadBundle(t, tt.bundle)
			if tt.drop == "onprem" {
				ev.Onprem = nil
			} else {
				ev.Azure = nil
			}
			v := Diagnose(ev)
			if v.Category != tt.category || v.Fault != tt.fault {
				t.Fatalf("got %s/%s, want %s/%s\n%s", v.Category, v.Fault, tt.category, tt.fault, v)
			}
			if v.Confidence >= full.Confidence {
				t.Errorf("confidence %.2f, want below the full bundle's %.2f", v.Confidence, full.Confidence)
			}
			if len(v.Missing) == 0 {
				t.Errorf("Missing is empty; want the absent side named")
			}
		})
	}
}

// Contradictory evidence: the Azure side claims Connected while the device
// has no SA. The device wins for the tunnel state; the contradiction is named.
func TestRecordedContradiction(t *testing.T) {
	ev := loadBundle(t, "psk-mismatch.json")
	full := Diagnose(ev)
	ev.Azure.ConnectionStatus = "Connected"
	v := Diagnose(ev)
	if v.Fault != "shared-key-mismatch" {
		t.Fatalf("got %s/%s, want shared-key-mismatch\n%s", v.Category, v.Fault, v)
	}
	if v.Confidence >= full.Confidence {
		t.Errorf("confidence %.2f, want below %.2f", v.Confidence, full.Confidence)
	}
	if !strings.Contains(strings.ToLower(strings.Join(v.Facts, "\n")), "contradict") {
		t.Errorf("no fact names the contradiction:\n%s", v)
	}
}

// Nothing at all to go on: unknown, not a guess.
func TestRecordedNothingLeft(t *testing.T) {
	ev := loadBundle(t, "psk-mismatch.json")
	ev.Onprem, ev.Azure, ev.Path, ev.Probes, ev.P2S = nil, nil, nil, nil, nil
	if v := Diagnose(ev); v.Category != Unknown {
		t.Fatalf("got %s/%s, want unknown\n%s", v.Category, v.Fault, v)
	}
}

func BenchmarkDiagnoseRecorded(b *testing.B) {
	var bundles []Evidence
	for name := range recorded {
		if _, err := os.Stat(filepath.Join("testdata", name)); err == nil {
			bundles = append(bundles, loadBundle(b, name))
		}
	}
	kb.Default() // loaded once per process, not per bundle
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Diagnose(bundles[i%len(bundles)])
	}
}

// TestP2SClientFailureNotHealthy: the healthy lab run's bundle with one
// synthetic line appended to its P2S client's log (the client's DPD gave
// up on the gateway): a healthy site-to-site tunnel must not hide it. The
// unchanged bundle stays healthy (TestRecordedBundles).
func TestP2SClientFailureNotHealthy(t *testing.T) {
	ev := loadBundle(t, "healthy.json")
	if len(ev.P2S) == 0 || len(ev.P2S[0].Log) == 0 {
		t.Fatal("healthy.json has no P2S client log")
	}
	cl := &ev.P2S[0]
	lastTime := cl.Log[len(cl.Log)-1].Time
	cl.Log = append(cl.Log, LogLine{Time: lastTime.Add(30e9), Source: "charon", Message: "giving up after 5 retransmits"}) // synthetic
	v := Diagnose(ev)
	if v.Category == Healthy {
		t.Fatalf("a P2S client whose log ends in its DPD giving up was judged healthy:\n%s", v)
	}
	if v.Fault != "peer-unreachable" {
		t.Errorf("fault %q, want peer-unreachable (the client's request went unanswered)\n%s", v.Fault, v)
	}
	found := false
	for _, c := range v.Cited {
		if strings.Contains(c.Line, "giving up after 5 retransmits") {
			found = true
		}
	}
	if !found {
		t.Errorf("the client's line is not cited: %+v", v.Cited)
	}
	// The same line earlier in the log, followed by a success, is not the
	// client's last word: healthy.
	ev2 := loadBundle(t, "healthy.json")
	c2 := &ev2.P2S[0]
	c2.Log = append([]LogLine{{Time: c2.Log[0].Time, Source: "charon", Message: "giving up after 5 retransmits"}}, c2.Log...) // synthetic
	if v2 := Diagnose(ev2); v2.Category != Healthy {
		t.Errorf("a failure followed by the client's successful connection: %s/%s, want healthy", v2.Category, v2.Fault)
	}
}
