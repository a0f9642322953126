package profile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const example = "../profiles/strongswan-route-based.yaml"

func TestProfilesLoad(t *testing.T) {
	files, err := filepath.Glob("../profiles/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found %d profiles in ../profiles, want at least 3", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Validate(); err != nil {
				t.Error(err)
			}
			if want := strings.TrimSuffix(filepath.Base(f), ".yaml"); p.Name != want {
				t.Errorf("name %q, want the file's name %q", p.Name, want)
			}
		})
	}
}

// The example spells out every default, and Default returns it.
func TestExampleIsDefault(t *testing.T) {
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	raw, _, errs := decode(example, data)
	if len(errs) > 0 {
		t.Fatal(joinErrors(errs))
	}
	if !reflect.DeepEqual(raw, Default()) {
		t.Errorf("%s as written:\n%+v\nDefault():\n%+v", example, raw, Default())
	}
	loaded, err := Load(example)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded, Default()) {
		t.Errorf("Load(%s) = %+v, want Default()", example, loaded)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	data, err := yaml.Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("marshalled", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if len(got.StaticRoutes) == 0 {
		got.StaticRoutes = nil // marshalled as []
	}
	if !reflect.DeepEqual(got, Default()) {
		t.Errorf("round trip = %+v, want Default()", got)
	}
}

func TestParseFillsOnlyWhatIsLeftOut(t *testing.T) {
	p, err := Parse("x.yaml", []byte("name: x\nike:\n  version: 1\nbgp: {asn: 65020}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Name, want.Description, want.MSSClamp = "x", "", 0
	want.IKE.Version, want.BGP.ASN = 1, 65020
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}

	p, err = Parse("x.yaml", []byte("name: x\nbgp:\nstatic_routes: [198.19.0.0/16]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.BGP != nil {
		t.Errorf("bgp left empty: got %+v, want nil (static routing)", p.BGP)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // the start of each error, in order
	}{
		{
			name: "unknown field",
			in:   "name: x\nbgp:\n  asn: 65020\n  hold: 90s\n",
			want: []string{`x.yaml:4: bgp.hold: unknown field (known: asn, peer_asn, local_address, peer_address, connect_retry, hold_time, ebgp_multihop)`},
		},
		{
			name: "unknown top-level field",
			in:   "name: x\nbgp: {}\npsk: secret\n",
			want: []string{`x.yaml:3: psk: unknown field (known: name, description, ike,`},
		},
		{
			name: "bad proposal in a list element",
			in:   "name: x\nbgp: {}\nike:\n  proposals:\n    - aes256-sha256-modp1024\n    - aes257-sha256-modp1024\n",
			want: []string{`x.yaml:6: ike.proposals[1]: unknown algorithm "aes257" (known: aes128, aes192, aes256, aes128gcm16, `},
		},
		{
			name: "bad proposal in a flow list",
			in:   "name: x\nbgp: {}\nipsec:\n  proposals: [aes256gcm16, aes256-sha1-modp2048]\n",
			want: []string{`x.yaml:4: ipsec.proposals[1]: modp2048: set PFS in ipsec.pfs, not in the proposal`},
		},
		{
			name: "uppercase keyword",
			in:   "name: x\nbgp: {}\nike: {proposals: [AES256-sha1-modp1024]}\n",
			want: []string{`x.yaml:3: ike.proposals[0]: unknown algorithm "AES256": keywords are lowercase, "aes256"`},
		},
		{
			name: "IKE proposal without DH",
			in:   "name: x\nbgp: {}\nike: {proposals: [aes256-sha1]}\n",
			want: []string{`x.yaml:3: ike.proposals[0]: an IKE proposal needs a DH group`},
		},
		{
			name: "classic ESP without integrity",
			in:   "name: x\nbgp: {}\nipsec: {proposals: [aes256]}\n",
			want: []string{`x.yaml:3: ipsec.proposals[0]: classic encryption aes256 needs an integrity algorithm`},
		},
		{
			name: "unknown PFS group",
			in:   "name: x\nbgp: {}\nipsec:\n  pfs: pfs2048\n",
			want: []string{`x.yaml:4: ipsec.pfs: unknown DH group "pfs2048" (known: none, modp768,`},
		},
		{
			name: "bad duration",
			in:   "name: x\nbgp: {}\nike:\n  dpd_delay: 45x\n",
			want: []string{`x.yaml:4: ike.dpd_delay: invalid duration "45x": want a duration such as "45s"`},
		},
		{
			name: "DPD below range",
			in:   "name: x\nbgp: {}\nike:\n  dpd_delay: 5\n",
			want: []string{`x.yaml:4: ike.dpd_delay: must be 9s..3600s, got 5s`},
		},
		{
			name: "DPD above range",
			in:   "name: x\nbgp: {}\nike:\n  dpd_delay: 2h\n",
			want: []string{`x.yaml:4: ike.dpd_delay: must be 9s..3600s, got 7200s`},
		},
		{
			name: "fractional seconds",
			in:   "name: x\nbgp: {}\nipsec:\n  lifetime: 300.5s\n",
			want: []string{`x.yaml:4: ipsec.lifetime: must be whole seconds, got 5m0.5s`},
		},
		{
			name: "short IPsec lifetime and volume",
			in:   "name: x\nbgp: {}\nipsec:\n  lifetime: 60s\n  life_kilobytes: 512\n",
			want: []string{
				`x.yaml:4: ipsec.lifetime: must be at least 300s, got 60s`,
				`x.yaml:5: ipsec.life_kilobytes: must be at least 1024, got 512`,
			},
		},
		{
			name: "bad CIDR",
			in:   "name: x\nbgp: {}\nlan:\n  - 198.18.10.0/24\n  - 198.18.300.0/24\n",
			want: []string{`x.yaml:5: lan[1]: invalid prefix "198.18.300.0/24"`},
		},
		{
			name: "host bits in a traffic selector",
			in:   "name: x\nbgp: {}\nipsec:\n  remote_ts: [198.19.0.1/16]\n",
			want: []string{`x.yaml:4: ipsec.remote_ts[0]: 198.19.0.1/16 has host bits set; did you mean 198.19.0.0/16?`},
		},
		{
			name: "ASN equal to peer",
			in:   "name: x\nbgp:\n  asn: 65020\n  peer_asn: 65020\n",
			want: []string{`x.yaml:3: bgp.asn: 65020 equals bgp.peer_asn`},
		},
		{
			name: "ASN reserved by Azure",
			in:   "name: x\nbgp:\n  asn: 65518\n",
			want: []string{`x.yaml:3: bgp.asn: 65518 is reserved by Azure`},
		},
		{
			name: "explicit zero ASN",
			in:   "name: x\nbgp:\n  asn: 0\n",
			want: []string{`x.yaml:3: bgp.asn: required`},
		},
		{
			name: "ASN not a number",
			in:   "name: x\nbgp:\n  asn: abc\n",
			want: []string{`x.yaml:3: bgp.asn: want an integer in 0..4294967295, got "abc"`},
		},
		{
			name: "BGP address outside APIPA",
			in:   "name: x\nbgp:\n  local_address: 169.254.23.1\n  peer_address: 198.51.100.1\n",
			want: []string{
				`x.yaml:3: bgp.local_address: 169.254.23.1 is outside Azure's APIPA range 169.254.21.0-169.254.22.255`,
				`x.yaml:4: bgp.peer_address: 198.51.100.1 is outside`,
			},
		},
		{
			name: "BGP address IPv6",
			in:   "name: x\nbgp:\n  peer_address: fe80::1\n",
			want: []string{`x.yaml:3: bgp.peer_address: want an IPv4 address, got "fe80::1"`},
		},
		{
			name: "static routes with BGP",
			in:   "name: x\nbgp: {}\nstatic_routes: [198.19.0.0/16]\n",
			want: []string{`x.yaml:3: static_routes: must be empty with bgp`},
		},
		{
			name: "static routing without routes",
			in:   "name: x\n",
			want: []string{`x.yaml:1: static_routes: static routing (no bgp section) needs at least one prefix`},
		},
		{
			name: "static route overlaps LAN",
			in:   "name: x\nstatic_routes:\n  - 198.18.0.0/15\n",
			want: []string{`x.yaml:3: static_routes[0]: 198.18.0.0/15 overlaps lan[0] 198.18.10.0/24`},
		},
		{
			name: "MSS too big for the MTU",
			in:   "name: x\nbgp: {}\nmss_clamp: 1400\ntunnel_mtu: 1400\n",
			want: []string{`x.yaml:3: mss_clamp: 1400 does not fit a tunnel MTU of 1400: at most 1360`},
		},
		{
			name: "MTU out of range",
			in:   "name: x\nbgp: {}\ntunnel_mtu: 9000\n",
			want: []string{`x.yaml:3: tunnel_mtu: must be 0 (1400) or 576..1500, got 9000`},
		},
		{
			name: "missing name",
			in:   "description: no name\nbgp: {}\n",
			want: []string{`x.yaml:1: name: required`},
		},
		{
			name: "wrong kind",
			in:   "name: x\nbgp: {}\nike: [2]\nlan: 198.18.10.0/24\n",
			want: []string{
				`x.yaml:3: ike: want a mapping, got a list`,
				`x.yaml:4: lan: want a list, got "198.18.10.0/24"`,
			},
		},
		{
			name: "duplicate key",
			in:   "name: x\nbgp:\n  asn: 65020\n  asn: 65030\n",
			want: []string{`x.yaml:4: bgp.asn: already set at line 3`},
		},
		{
			name: "syntax error",
			in:   "name: x\n  bad: indent\n",
			want: []string{`x.yaml:2: mapping values are not allowed in this context`},
		},
		{
			name: "two documents",
			in:   "name: x\n---\nname: y\n",
			want: []string{`x.yaml:2: a profile is one YAML document`},
		},
		{
			name: "empty file",
			in:   "",
			want: []string{`x.yaml: name: required`, `x.yaml: static_routes: static routing`},
		},
		{
			name: "all problems reported in line order",
			in: `name: x
ike:
  version: 3
  proposals: [aes256-sha1-modp1024, aes256-foo-modp1024]
  dpd_delay: 1s
  lifetime: soon
ipsec:
  local_ts: [10.0.0.0/8, nope]
bgp:
  asn: 65020
  peer_asn: 65020
  colour: blue
mss_clamp: 100
`,
			want: []string{
				`x.yaml:3: ike.version: must be 1 or 2, got 3`,
				`x.yaml:4: ike.proposals[1]: unknown algorithm "foo"`,
				`x.yaml:5: ike.dpd_delay: must be 9s..3600s, got 1s`,
				`x.yaml:6: ike.lifetime: invalid duration "soon"`,
				`x.yaml:8: ipsec.local_ts[1]: invalid prefix "nope"`,
				`x.yaml:10: bgp.asn: 65020 equals bgp.peer_asn`,
				`x.yaml:12: bgp.colour: unknown field`,
				`x.yaml:13: mss_clamp: must be 0 (no clamping) or 536..1460, got 100`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("x.yaml", []byte(tt.in))
			if err == nil {
				t.Fatalf("no error, got %+v", p)
			}
			if !reflect.DeepEqual(p, Profile{}) {
				t.Errorf("profile with an error = %+v, want zero", p)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for i, want := range tt.want {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("error %d:\n got  %s\n want %s...", i, lines[i], want)
				}
			}
		})
	}
}

func TestFieldErrorsUnwrap(t *testing.T) {
	_, err := Parse("x.yaml", []byte("name: x\nbgp: {asn: 65515}\nlan: [nope]\n"))
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("%v: not a *FieldError", err)
	}
	if fe.File != "x.yaml" || fe.Line != 2 || fe.Field != "bgp.asn" {
		t.Errorf("first error = %+v", *fe)
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok || len(joined.Unwrap()) != 2 {
		t.Errorf("want two joined errors, got %v", err)
	}
}

func TestLoad(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}

	path := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(path, []byte("name: x\nbgp:\n  asn: 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	if want := path + ":3: bgp.asn: "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want an error starting %q", err, want)
	}
}

func TestValidateWithoutFile(t *testing.T) {
	err := Profile{}.Validate()
	if err == nil {
		t.Fatal("zero profile validated")
	}
	for _, want := range []string{"name: required", "ike.version: must be 1 or 2, got 0", "ipsec.pfs: unknown DH group \"\""} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), ":0:") {
		t.Errorf("line 0 in:\n%v", err)
	}
	p := Default()
	p.BGP.PeerAddress = p.BGP.LocalAddress
	if err := p.Validate(); err == nil || err.Error() != "bgp.peer_address: 169.254.21.2 equals bgp.local_address" {
		t.Errorf("got %v", err)
	}
}
