package scenarios

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// doc joins lines into a YAML file; line N of the file is argument N.
func doc(lines ...string) []byte { return []byte(strings.Join(lines, "\n") + "\n") }

var nonHealthy = []string{"tunnel-setup", "authentication", "routing", "operations"}

func TestShippedScenarios(t *testing.T) {
	yamls, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	all := All()
	if len(all) != len(yamls) {
		t.Fatalf("All() has %d scenarios, the package has %d files: %v", len(all), len(yamls), yamls)
	}
	kinds := KindNames()
	seen := map[string]bool{}
	for _, s := range all {
		t.Run(s.Name, func(t *testing.T) {
			if seen[s.Name] {
				t.Errorf("name %q is used twice", s.Name)
			}
			seen[s.Name] = true
			if want := "scenarios/" + s.Name + ".yaml"; s.File != want {
				t.Errorf("File = %q, want %q (the name is the file name)", s.File, want)
			}
			if s.Summary == "" {
				t.Error("no summary")
			}
			if s.Settle < 0 || s.Settle > 5*time.Minute {
				t.Errorf("Settle = %v", s.Settle)
			}
			for _, f := range s.Faults {
				if !slices.Contains(kinds, f.Kind()) {
					t.Errorf("fault kind %q is not in KindNames() %v", f.Kind(), kinds)
				}
				if f.Describe() == "" {
					t.Errorf("fault %s has no description", f.Kind())
				}
			}
			if s.Name == "healthy" {
				if len(s.Faults) != 0 {
					t.Errorf("healthy has %d faults", len(s.Faults))
				}
				if s.Expect.Category != "healthy" {
					t.Errorf("healthy expects category %q", s.Expect.Category)
				}
				return
			}
			if s.Briefing == "" {
				t.Error("no briefing")
			}
			if len(s.Faults) == 0 {
				t.Error("no faults")
			}
			if !slices.Contains(nonHealthy, s.Expect.Category) {
				t.Errorf("expect.category = %q, want one of %v", s.Expect.Category, nonHealthy)
			}
			if s.Expect.Fault == "" {
				t.Error("no expect.fault")
			}
		})
	}
	if !seen["healthy"] {
		t.Error("no healthy scenario")
	}
	for _, y := range yamls {
		if n := strings.TrimSuffix(y, ".yaml"); !seen[n] {
			t.Errorf("file %s gives no scenario named %q", y, n)
		}
	}
}

func TestNamesAndLookup(t *testing.T) {
	names := Names()
	if !slices.IsSorted(names) {
		t.Errorf("Names() not sorted: %v", names)
	}
	if len(names) != len(All()) {
		t.Errorf("Names() = %v, All() has %d", names, len(All()))
	}
	for _, n := range names {
		s, err := Lookup(n)
		if err != nil {
			t.Errorf("Lookup(%q): %v", n, err)
		} else if s.Name != n {
			t.Errorf("Lookup(%q) gave %q", n, s.Name)
		}
	}
	_, err := Lookup("nope")
	if err == nil {
		t.Fatal(`Lookup("nope") did not fail`)
	}
	want := `unknown scenario "nope" (known: ` + strings.Join(names, ", ") + ")"
	if err.Error() != want {
		t.Errorf("Lookup(\"nope\") = %q\nwant %q", err, want)
	}
	for _, n := range names {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("Lookup error does not list %q", n)
		}
	}
}

func TestKindNames(t *testing.T) {
	ks := KindNames()
	if !slices.IsSorted(ks) {
		t.Errorf("KindNames() not sorted: %v", ks)
	}
	if len(slices.Compact(slices.Clone(ks))) != len(ks) {
		t.Errorf("KindNames() has duplicates: %v", ks)
	}
	for _, s := range All() {
		for _, f := range s.Faults {
			if !slices.Contains(ks, f.Kind()) {
				t.Errorf("%s uses kind %q, not in KindNames() %v", s.File, f.Kind(), ks)
			}
		}
	}
	for _, want := range []string{"bgp-asn", "certificate", "firewall-block", "ike-proposals", "ipsec-proposals", "path-mtu", "shared-key"} {
		if !slices.Contains(ks, want) {
			t.Errorf("KindNames() lacks %q: %v", want, ks)
		}
	}
}

func TestParseGood(t *testing.T) {
	s, err := Parse("good.yaml", doc(
		"name: good",
		"summary: '  padded  '",
		"briefing: |",
		"  Something is off.",
		"expect:",
		"  category: routing",
		"  fault: f",
		"  network_watcher: NW",
		"faults:",
		"  - kind: bgp-asn",
		"    value: 65001",
	))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "good" || s.Summary != "padded" || s.Briefing != "Something is off." || s.File != "good.yaml" {
		t.Errorf("got %+v", s)
	}
	if s.Settle != 3*time.Second {
		t.Errorf("default Settle = %v, want 3s", s.Settle)
	}
	if s.Expect != (Expectation{Category: "routing", Fault: "f", NetworkWatcher: "NW"}) {
		t.Errorf("Expect = %+v", s.Expect)
	}
	if len(s.Faults) != 1 || s.Faults[0].Kind() != "bgp-asn" {
		t.Errorf("Faults = %v", s.Faults)
	}
	s, err = Parse("good.yaml", doc("name: good", "summary: s", "expect: {category: healthy}", "settle: 5m"))
	if err != nil || s.Settle != 5*time.Minute {
		t.Errorf("settle 5m: %v, %v", s.Settle, err)
	}
}

// head is a valid scenario up to line 5, "faults:"; a fault starts on line 6.
var head = []string{"name: x", "summary: s", "expect:", "  category: routing", "faults:"}

func faultDoc(lines ...string) []byte { return doc(append(slices.Clone(head), lines...)...) }

func TestParseErrors(t *testing.T) {
	kinds := "(kinds: " + strings.Join(KindNames(), ", ") + ")"
	cats := "tunnel-setup, authentication, routing, operations, healthy"
	tests := []struct {
		name string
		data []byte
		want []string // the error's lines
	}{
		{"unknown top-level field", doc("name: x", "summary: s", "expect:", "  category: healthy", "colour: blue"),
			[]string{"bad.yaml:5: field colour not found in type scenarios.file"}},
		{"wrong top-level types", doc("name: [x]", "summary: {a: b}", "expect: {category: healthy}"),
			[]string{"bad.yaml:1: cannot unmarshal !!seq into string", "bad.yaml:2: cannot unmarshal !!map into string"}},
		{"syntax error", doc("name: x", "  summary: s"),
			[]string{"bad.yaml:2: mapping values are not allowed in this context"}},
		{"missing name", doc("summary: s", "expect:", "  category: healthy"),
			[]string{"bad.yaml:1: name: required"}},
		{"empty name", doc("# comment", `name: ""`, "summary: s", "expect: {category: healthy}"),
			[]string{"bad.yaml:2: name: required"}},
		{"missing summary", doc("name: x", "expect:", "  category: healthy"),
			[]string{"bad.yaml:1: summary: required"}},
		{"blank summary", doc("name: x", "summary: '   '", "expect:", "  category: healthy"),
			[]string{"bad.yaml:2: summary: required"}},
		{"bad category", doc("name: x", "summary: s", "expect:", "  fault: f", "  category: broken"),
			[]string{`bad.yaml:5: expect.category: "broken" is not one of ` + cats}},
		{"missing expect", doc("name: x", "summary: s"),
			[]string{`bad.yaml:1: expect.category: "" is not one of ` + cats}},
		{"settle not a duration", doc("name: x", "summary: s", "expect: {category: healthy}", "", "settle: soon"),
			[]string{"bad.yaml:5: settle: want a duration up to 5m, like 3s"}},
		{"settle too long", doc("name: x", "summary: s", "expect: {category: healthy}", "settle: 6m"),
			[]string{"bad.yaml:4: settle: want a duration up to 5m, like 3s"}},
		{"settle negative", doc("name: x", "summary: s", "expect: {category: healthy}", "settle: -1s"),
			[]string{"bad.yaml:4: settle: want a duration up to 5m, like 3s"}},
		{"unknown P2S authentication", doc("name: x", "summary: s", "expect: {category: healthy}", "p2s_auth: password"),
			[]string{`bad.yaml:4: p2s_auth: "password" is not one of certificate, radius, radius-eap-tls`}},

		// any kind
		{"fault not a mapping", faultDoc("  - shared-key"),
			[]string{"bad.yaml:6: faults[0]: want a mapping with a kind"}},
		{"fault without kind", faultDoc("  - side: onprem"),
			[]string{"bad.yaml:6: faults[0].kind: required " + kinds}},
		{"unknown kind", faultDoc("  - side: onprem", "    kind: dns"),
			[]string{`bad.yaml:7: faults[0].kind: unknown kind "dns" ` + kinds}},
		{"unknown parameter", faultDoc("  - kind: path-mtu", "    max_packet: 1300", "    mtu: 1300"),
			[]string{"bad.yaml:8: faults[0].mtu: unknown parameter of path-mtu (parameters: max_packet, icmp)"}},
		{"unknown parameter of shared-key", faultDoc("  - kind: shared-key", "    key: abc"),
			[]string{"bad.yaml:7: faults[0].key: unknown parameter of shared-key (parameters: side, value)"}},
		{"wrong type int", faultDoc("  - kind: path-mtu", "    max_packet: big"),
			[]string{"bad.yaml:7: faults[0].max_packet: cannot unmarshal !!str `big` into int"}},
		{"wrong type bool", faultDoc("  - kind: path-mtu", "    max_packet: 1300", "    icmp: maybe"),
			[]string{"bad.yaml:8: faults[0].icmp: cannot unmarshal !!str `maybe` into bool"}},
		{"wrong type list", faultDoc("  - kind: ike-proposals", "    proposals: aes256-sha256-modp2048"),
			[]string{"bad.yaml:7: faults[0].proposals: cannot unmarshal !!str `aes256-...` into []string"}},
		{"wrong type uint32", faultDoc("  - kind: bgp-asn", "    value: -1"),
			[]string{"bad.yaml:7: faults[0].value: cannot unmarshal !!int `-1` into uint32"}},

		// shared-key
		{"unknown side", faultDoc("  - kind: shared-key", "    side: moon"),
			[]string{`bad.yaml:7: faults[0].side: unknown side "moon" (sides: onprem, azure)`}},
		{"shared-key value with space", faultDoc("  - kind: shared-key", "    value: two words"),
			[]string{`bad.yaml:7: faults[0].value: want "random" or printable ASCII without space, '-' or '~'`}},
		{"shared-key value with dash", faultDoc("  - kind: shared-key", "    value: a-b"),
			[]string{`bad.yaml:7: faults[0].value: want "random" or printable ASCII without space, '-' or '~'`}},
		{"shared-key empty value", faultDoc("  - kind: shared-key", `    value: ""`),
			[]string{`bad.yaml:7: faults[0].value: want "random" or printable ASCII without space, '-' or '~'`}},

		// ike-proposals, ipsec-proposals
		{"ike-proposals empty", faultDoc("  - kind: ike-proposals", "    proposals: []"),
			[]string{"bad.yaml:7: faults[0].proposals: at least one proposal is needed"}},
		{"ike-proposals missing", faultDoc("  - kind: ike-proposals", "    side: azure"),
			[]string{"bad.yaml:6: faults[0].proposals: at least one proposal is needed"}},
		{"ike-proposals version", faultDoc("  - kind: ike-proposals", "    proposals: [aes256-sha256-modp2048]", "    version: 3"),
			[]string{"bad.yaml:8: faults[0].version: want 1 or 2"}},
		{"ike-proposals side", faultDoc("  - kind: ike-proposals", "    proposals: [aes256-sha256-modp2048]", "    side: sun"),
			[]string{`bad.yaml:8: faults[0].side: unknown side "sun" (sides: onprem, azure)`}},
		{"ipsec-proposals empty", faultDoc("  - kind: ipsec-proposals", "    pfs: ecp256", "    proposals: []"),
			[]string{"bad.yaml:8: faults[0].proposals: at least one proposal is needed"}},

		{"ipsec-proposals side", faultDoc("  - kind: ipsec-proposals", "    side: mars", "    proposals: [aes128gcm16]"),
			[]string{`bad.yaml:7: faults[0].side: unknown side "mars" (sides: onprem, azure)`}},

		// firewall-block
		{"firewall-block bad what", faultDoc("  - kind: firewall-block", "    what: smtp"),
			[]string{`bad.yaml:7: faults[0].what: unknown class "smtp" (classes: ike-udp500, ike-udp4500, esp-udp4500, esp)`}},
		{"firewall-block missing what", faultDoc("  - kind: firewall-block", "    direction: both"),
			[]string{`bad.yaml:6: faults[0].what: unknown class "" (classes: ike-udp500, ike-udp4500, esp-udp4500, esp)`}},
		{"firewall-block bad direction", faultDoc("  - kind: firewall-block", "    what: esp", "    direction: up"),
			[]string{`bad.yaml:8: faults[0].direction: unknown direction "up" (to-azure, to-onprem, both)`}},

		// path-mtu
		{"path-mtu too small", faultDoc("  - kind: path-mtu", "    max_packet: 575"),
			[]string{"bad.yaml:7: faults[0].max_packet: want 576..1500"}},
		{"path-mtu too big", faultDoc("  - kind: path-mtu", "    max_packet: 1501"),
			[]string{"bad.yaml:7: faults[0].max_packet: want 576..1500"}},
		{"path-mtu missing", faultDoc("  - kind: path-mtu", "    icmp: true"),
			[]string{"bad.yaml:6: faults[0].max_packet: want 576..1500"}},

		// bgp-asn
		{"bgp-asn bad field", faultDoc("  - kind: bgp-asn", "    field: remote_asn", "    value: 65001"),
			[]string{`bad.yaml:7: faults[0].field: unknown field "remote_asn" (peer_asn, local_asn)`}},
		{"bgp-asn zero value", faultDoc("  - kind: bgp-asn", "    field: local_asn", "    value: 0"),
			[]string{"bad.yaml:8: faults[0].value: an ASN is needed"}},
		{"bgp-asn missing value", faultDoc("  - kind: bgp-asn", "    side: azure"),
			[]string{"bad.yaml:6: faults[0].value: an ASN is needed"}},
		{"bgp-asn bad side", faultDoc("  - kind: bgp-asn", "    side: moon", "    value: 65001"),
			[]string{`bad.yaml:7: faults[0].side: unknown side "moon" (sides: onprem, azure)`}},

		// certificate
		{"certificate bad which", faultDoc("  - kind: certificate", "    which: server"),
			[]string{`bad.yaml:7: faults[0].which: unknown certificate "server" (certificates: client)`}},
		{"certificate bad not_before", faultDoc("  - kind: certificate", "    not_before: yesterday"),
			[]string{"bad.yaml:7: faults[0].not_before: want a duration relative to now, like -720h"}},
		{"certificate bad not_after", faultDoc("  - kind: certificate", "    not_before: -48h", "    not_after: 3 days"),
			[]string{"bad.yaml:8: faults[0].not_after: want a duration relative to now, like -24h"}},
		{"certificate order", faultDoc("  - kind: certificate", "    not_after: -2h", "    not_before: -1h"),
			[]string{"bad.yaml:7: faults[0].not_after: must be after not_before"}},
		{"certificate empty validity", faultDoc("  - kind: certificate", "    not_before: -1h", "    not_after: -60m"),
			[]string{"bad.yaml:8: faults[0].not_after: must be after not_before"}},

		// maintenance
		{"maintenance bad switch", faultDoc("  - kind: maintenance", "    switch: later"),
			[]string{"bad.yaml:7: faults[0].switch: want a duration up to 5m, like 8s"}},
		{"maintenance switch too long", faultDoc("  - kind: maintenance", "    planned: false", "    switch: 6m"),
			[]string{"bad.yaml:8: faults[0].switch: want a duration up to 5m, like 8s"}},
		{"maintenance planned not a bool", faultDoc("  - kind: maintenance", "    planned: sometimes"),
			[]string{"bad.yaml:7: faults[0].planned: cannot unmarshal !!str `sometimes` into bool"}},

		{"several problems", doc(
			`name: ""`,                 // 1
			"summary: s",               // 2
			"expect:",                  // 3
			"  category: nope",         // 4
			"settle: forever",          // 5
			"faults:",                  // 6
			"  - kind: shared-key",     // 7
			"    side: moon",           // 8
			"  - kind: path-mtu",       // 9
			"    max_packet: big",      // 10
			"  - kind: firewall-block", // 11: valid
			"    what: esp",            // 12
			"  - kind: teleport",       // 13
			"  - kind: bgp-asn",        // 14
		), []string{
			"bad.yaml:1: name: required",
			`bad.yaml:4: expect.category: "nope" is not one of ` + cats,
			"bad.yaml:5: settle: want a duration up to 5m, like 3s",
			`bad.yaml:8: faults[0].side: unknown side "moon" (sides: onprem, azure)`,
			"bad.yaml:10: faults[1].max_packet: cannot unmarshal !!str `big` into int",
			`bad.yaml:13: faults[3].kind: unknown kind "teleport" ` + kinds,
			"bad.yaml:14: faults[4].value: an ASN is needed",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("bad.yaml", tt.data)
			if err == nil {
				t.Fatalf("no error; got %+v", s)
			}
			got := strings.Split(err.Error(), "\n")
			if !slices.Equal(got, tt.want) {
				t.Errorf("error:\n%s\nwant:\n%s", err, strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	if _, err := Parse("bad.yaml", nil); err == nil || !strings.HasPrefix(err.Error(), "bad.yaml:") {
		t.Errorf("empty file: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(p, doc("name: mine", "summary: s", "expect:", "  category: nope"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+":4: expect.category: ") {
		t.Errorf("Load: %v, want an error starting %q", err, p+":4: expect.category: ")
	}
	if _, err := Load(filepath.Join(dir, "absent.yaml")); err == nil {
		t.Error("Load of a missing file did not fail")
	}
	if err := os.WriteFile(p, doc("name: mine", "summary: s", "expect:", "  category: healthy"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := Load(p); err != nil || s.Name != "mine" || s.File != p {
		t.Errorf("Load: %+v, %v", s, err)
	}
}

// The RADIUS scenarios ask for a lab whose P2S users authenticate with
// RADIUS; the others keep certificates (and the lab's bring-up).
func TestP2SAuth(t *testing.T) {
	for _, sc := range All() {
		want := ""
		if sc.Faults != nil && sc.Faults[0].Kind() == "p2s-radius" {
			want = "radius"
		}
		if sc.Faults != nil && sc.Faults[0].Kind() == "p2s-client-eku" {
			want = "radius-eap-tls" // strongSwan's own pubkey auth does not check EKU
		}
		if sc.P2SAuth != want {
			t.Errorf("%s: p2s_auth %q, want %q", sc.Name, sc.P2SAuth, want)
		}
	}
}
