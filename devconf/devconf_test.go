package devconf

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/compat"
	"github.com/vpnlab/vpnlab/fakes/azure"
)

// labAzure is the lab's Azure side as the examples target it.
func labAzure(bgp bool) compat.Azure {
	m := azure.DefaultModel()
	m.LocalGateway.Asn = 65010
	m.Connection.SharedKey = ""
	if !bgp {
		m.Gateway.EnableBgp, m.Connection.EnableBgp = false, false
	}
	return compat.Lab(m)
}

// TestExamples: every registered syntax's example is detected as that
// syntax, imports with no unknown line and has no blocking finding
// against the lab's Azure side.
func TestExamples(t *testing.T) {
	for _, s := range Syntaxes() {
		t.Run(s.Name, func(t *testing.T) {
			r, err := Import("", File{Name: "example", Data: []byte(s.Example)})
			if err != nil {
				t.Fatal(err)
			}
			if r.Syntax != s.Name {
				t.Fatalf("detected as %s", r.Syntax)
			}
			for _, u := range r.Unknown {
				t.Errorf("unknown line %d: %s", u.Line, u.Text)
			}
			for _, f := range compat.Check(r.Device, labAzure(r.Device.BGP != nil)) {
				if f.Severity > compat.Note {
					t.Errorf("%v", f)
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	for _, tt := range []struct {
		name, data, want string
	}{
		{"empty", "", "example: unknown configuration syntax: the file is empty"},
		{"prose", "hello world\nthis is not a config\n", `example:1: unknown configuration syntax: "hello world"`},
		{"utf16", "\xff\xfeh\x00i\x00", "example:1: UTF-16 text"},
		{"binary", "abc\x00def", "example:1: not a text file"},
		{"swanctl unclosed", "connections {\n  azure {\n    version = 2\n", "example:2: section azure is not closed"},
		{"junos stray brace", "security {\n    ike {\n    }\n}\n}\n", "example:5: '}' without an open block"},
		{"fortigate unclosed", "config vpn ipsec phase1-interface\n    edit \"x\"\n        set ike-version 2\n", "example:1: config section is not closed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Import("", File{Name: "example", Data: []byte(tt.data)})
			var se *SyntaxError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// TestReadme: the README's section for network teams shows every
// registered syntax's example as the registry holds it.
func TestReadme(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Syntaxes() {
		if !strings.Contains(string(b), s.Example) || !strings.Contains(string(b), "--syntax "+s.Name) {
			t.Errorf("README lacks the %s example (regenerate the section from devconf.Syntaxes)", s.Name)
		}
	}
}

// PAN-OS XML exports read as the equivalent set commands.
func TestPanosXML(t *testing.T) {
	x := `<config><devices><entry name="localhost.localdomain"><network>
  <ike>
    <crypto-profiles>
      <ike-crypto-profiles>
        <entry name="azure-ike">
          <encryption><member>aes-256-cbc</member></encryption>
          <hash><member>sha256</member></hash>
          <dh-group><member>group14</member></dh-group>
        </entry>
      </ike-crypto-profiles>
      <ipsec-crypto-profiles>
        <entry name="azure-ipsec">
          <esp><encryption><member>aes-256-gcm</member></encryption><authentication><member>none</member></authentication></esp>
          <dh-group>no-pfs</dh-group>
        </entry>
      </ipsec-crypto-profiles>
    </crypto-profiles>
    <gateway>
      <entry name="azure">
        <protocol><version>ikev2</version></protocol>
        <peer-address><ip>203.0.113.10</ip></peer-address>
      </entry>
    </gateway>
  </ike>
</network></entry></devices></config>`
	r, err := Import("", File{Name: "running-config.xml", Data: []byte(x)})
	if err != nil {
		t.Fatal(err)
	}
	d := r.Device
	if r.Syntax != "panos" || d.IKEVersion.V != 2 || len(d.IKEProposals) != 1 || d.IKEProposals[0].V != "aes256-sha256-modp2048" ||
		d.IKEProposals[0].Line != 6 || d.PFS.V != "none" || len(d.Peers) != 1 || d.Peers[0].V != "203.0.113.10" {
		t.Fatalf("got %+v", d)
	}
	found := false
	for _, f := range compat.Check(d, compat.Assumed()) {
		found = found || f.Fault == "ike-policy-mismatch" && f.Line == 6
	}
	if !found {
		t.Error("DH group 14 not reported at the proposal's line")
	}
}
