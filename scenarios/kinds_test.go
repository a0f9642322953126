package scenarios

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/swan"
)

// recLab is a Lab that records its calls, one line each, and keeps the
// arguments a line cannot show.
type recLab struct {
	calls []string
	edits []func(*swan.Conn) // SetConn's edits, in order
	keys  []string           // SetSharedKey's keys, in order
	certs [][2]time.Time     // ReissueClientCert's notBefore, notAfter
	err   error              // returned by every call
}

var _ Lab = (*recLab)(nil)

func (l *recLab) rec(format string, a ...any) error {
	l.calls = append(l.calls, fmt.Sprintf(format, a...))
	return l.err
}

func (l *recLab) SetSharedKey(_ context.Context, side, key string) error {
	l.keys = append(l.keys, key)
	return l.rec("SetSharedKey %s", side)
}
func (l *recLab) RestoreSharedKey(_ context.Context, side string) error {
	return l.rec("RestoreSharedKey %s", side)
}
func (l *recLab) SetConn(_ context.Context, side string, edit func(*swan.Conn)) error {
	l.edits = append(l.edits, edit)
	return l.rec("SetConn %s", side)
}
func (l *recLab) RestoreConn(_ context.Context, side string) error {
	return l.rec("RestoreConn %s", side)
}
func (l *recLab) RouterRule(_ context.Context, add bool, rule ...string) error {
	return l.rec("RouterRule %v %s", add, strings.Join(rule, " "))
}
func (l *recLab) SetTunnelMTU(_ context.Context, side string, mtu, mss int) error {
	return l.rec("SetTunnelMTU %s %d %d", side, mtu, mss)
}
func (l *recLab) SetBGPPeerASN(_ context.Context, side string, peerASN, localASN uint32) error {
	return l.rec("SetBGPPeerASN %s %d %d", side, peerASN, localASN)
}
func (l *recLab) RestoreBGPPeer(_ context.Context, side string) error {
	return l.rec("RestoreBGPPeer %s", side)
}
func (l *recLab) ReissueClientCert(_ context.Context, notBefore, notAfter time.Time) error {
	l.certs = append(l.certs, [2]time.Time{notBefore, notAfter})
	return l.rec("ReissueClientCert")
}
func (l *recLab) RestoreClientCert(_ context.Context) error { return l.rec("RestoreClientCert") }
func (l *recLab) Failover(_ context.Context, planned bool, switchTime time.Duration) error {
	return l.rec("Failover %v %v", planned, switchTime)
}

// parseOne parses one fault, given as the lines of its mapping.
func parseOne(t *testing.T, lines ...string) Fault {
	t.Helper()
	s, err := Parse("t.yaml", faultDoc(lines...))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Faults) != 1 {
		t.Fatalf("%d faults", len(s.Faults))
	}
	return s.Faults[0]
}

const (
	toAzure  = "-d 203.0.113.0/24"
	toOnprem = "-d 198.51.100.0/24"
	espNATT  = "-p udp --dport 4500 -m u32 --u32 0>>22&0x3C@8=1:0xFFFFFFFF"
	ikeNATT  = "-p udp --dport 4500 -m u32 --u32 0>>22&0x3C@8=0"
)

// TestInjectFix checks the Lab calls of each kind's Inject and Fix.
func TestInjectFix(t *testing.T) {
	tests := []struct {
		name   string
		fault  []string // the fault's lines
		inject []string // want calls
		fix    []string
	}{
		{"shared-key value", []string{"  - kind: shared-key", "    side: azure", "    value: Secret123"},
			[]string{"SetSharedKey azure"}, []string{"RestoreSharedKey azure"}},
		{"ike-proposals", []string{"  - kind: ike-proposals", "    proposals: [aes128-sha1-modp1024]"},
			[]string{"SetConn onprem"}, []string{"RestoreConn onprem"}},
		{"ipsec-proposals", []string{"  - kind: ipsec-proposals", "    side: azure", "    proposals: [aes128gcm16]"},
			[]string{"SetConn azure"}, []string{"RestoreConn azure"}},
		{"firewall-block esp-udp4500 both", []string{"  - kind: firewall-block", "    what: esp-udp4500", "    direction: both"},
			[]string{"RouterRule true " + toAzure + " " + espNATT + " -j DROP", "RouterRule true " + toOnprem + " " + espNATT + " -j DROP"},
			[]string{"RouterRule false " + toAzure + " " + espNATT + " -j DROP", "RouterRule false " + toOnprem + " " + espNATT + " -j DROP"}},
		{"firewall-block ike-udp4500 default both", []string{"  - kind: firewall-block", "    what: ike-udp4500"},
			[]string{"RouterRule true " + toAzure + " " + ikeNATT + " -j DROP", "RouterRule true " + toOnprem + " " + ikeNATT + " -j DROP"},
			[]string{"RouterRule false " + toAzure + " " + ikeNATT + " -j DROP", "RouterRule false " + toOnprem + " " + ikeNATT + " -j DROP"}},
		{"firewall-block udp500 to-azure", []string{"  - kind: firewall-block", "    what: udp500", "    direction: to-azure"},
			[]string{"RouterRule true " + toAzure + " -p udp --dport 500 -j DROP"},
			[]string{"RouterRule false " + toAzure + " -p udp --dport 500 -j DROP"}},
		{"firewall-block esp to-onprem", []string{"  - kind: firewall-block", "    what: esp", "    direction: to-onprem"},
			[]string{"RouterRule true " + toOnprem + " -p esp -j DROP"},
			[]string{"RouterRule false " + toOnprem + " -p esp -j DROP"}},
		{"path-mtu black hole", []string{"  - kind: path-mtu", "    max_packet: 1300", "    icmp: false"},
			[]string{"RouterRule true -p udp -m length --length 1301:65535 -j DROP"},
			[]string{"SetTunnelMTU onprem 1230 0"}},
		{"path-mtu with icmp", []string{"  - kind: path-mtu", "    max_packet: 1400", "    icmp: true"},
			[]string{"RouterRule true -p udp -m length --length 1401:65535 -j REJECT --reject-with icmp-host-unreachable"},
			[]string{"SetTunnelMTU onprem 1330 0"}},
		{"bgp-asn peer_asn", []string{"  - kind: bgp-asn", "    field: peer_asn", "    value: 65514"},
			[]string{"SetBGPPeerASN onprem 65514 0"}, []string{"RestoreBGPPeer onprem"}},
		{"bgp-asn local_asn", []string{"  - kind: bgp-asn", "    side: azure", "    field: local_asn", "    value: 65010"},
			[]string{"SetBGPPeerASN azure 0 65010"}, []string{"RestoreBGPPeer azure"}},
		{"certificate", []string{"  - kind: certificate"},
			[]string{"ReissueClientCert"}, []string{"RestoreClientCert"}},
		{"maintenance planned", []string{"  - kind: maintenance", "    switch: 12s"},
			[]string{"Failover true 12s"}, nil},
		{"maintenance unplanned default switch", []string{"  - kind: maintenance", "    planned: false"},
			[]string{"Failover false 8s"}, nil},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parseOne(t, tt.fault...)
			covered[f.Kind()] = true
			ctx := context.Background()
			l := &recLab{}
			if err := f.Inject(ctx, l); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.calls, tt.inject) {
				t.Errorf("Inject called\n%s\nwant\n%s", strings.Join(l.calls, "\n"), strings.Join(tt.inject, "\n"))
			}
			l.calls = nil
			if err := f.Fix(ctx, l); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.calls, tt.fix) {
				t.Errorf("Fix called\n%s\nwant\n%s", strings.Join(l.calls, "\n"), strings.Join(tt.fix, "\n"))
			}
		})
	}
	for _, k := range KindNames() {
		if !covered[k] {
			t.Errorf("kind %s has no Inject/Fix case here", k)
		}
	}
}

// TestInjectErrors checks that a Lab error comes back, and that a
// firewall block stops at its first failing rule.
func TestInjectErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, k := range KindNames() {
		t.Run(k, func(t *testing.T) {
			f := minimal(t, k)
			l := &recLab{err: boom}
			if err := f.Inject(context.Background(), l); !errors.Is(err, boom) {
				t.Errorf("Inject = %v, want boom", err)
			}
			if k == "firewall-block" && len(l.calls) != 1 {
				t.Errorf("Inject went on after an error: %v", l.calls)
			}
		})
	}
	f := parseOne(t, "  - kind: firewall-block", "    what: esp")
	l := &recLab{err: boom}
	if err := f.Fix(context.Background(), l); !errors.Is(err, boom) || len(l.calls) != 1 {
		t.Errorf("firewall-block Fix = %v after %v", err, l.calls)
	}
}

// minimal is a valid fault of kind k with as few parameters as it takes.
func minimal(t *testing.T, k string) Fault {
	t.Helper()
	extra := map[string][]string{
		"ike-proposals":   {"    proposals: [aes256-sha256-modp2048]"},
		"ipsec-proposals": {"    proposals: [aes256gcm16]"},
		"firewall-block":  {"    what: esp"},
		"path-mtu":        {"    max_packet: 1300"},
		"bgp-asn":         {"    value: 65001"},
	}
	return parseOne(t, append([]string{"  - kind: " + k}, extra[k]...)...)
}

func TestKindMethod(t *testing.T) {
	for _, k := range KindNames() {
		f := minimal(t, k)
		if f.Kind() != k {
			t.Errorf("kind %s builds a fault whose Kind() is %q", k, f.Kind())
		}
		if f.Describe() == "" {
			t.Errorf("kind %s: empty Describe()", k)
		}
	}
}

func TestSharedKey(t *testing.T) {
	ctx := context.Background()
	f := parseOne(t, "  - kind: shared-key", "    side: onprem", "    value: random")
	l := &recLab{}
	for range 2 {
		if err := f.Inject(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if len(l.keys) != 2 {
		t.Fatalf("keys %v", l.keys)
	}
	for _, k := range l.keys {
		if k == "" || k == "random" || strings.ContainsAny(k, " \t-~") {
			t.Errorf("random key %q", k)
		}
	}
	if l.keys[0] == l.keys[1] {
		t.Errorf("two injections set the same key %q", l.keys[0])
	}

	// a key given in the file is used as it is, and never described
	f = parseOne(t, "  - kind: shared-key", "    value: Secret123")
	l = &recLab{}
	if err := f.Inject(ctx, l); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.keys, []string{"Secret123"}) || !slices.Equal(l.calls, []string{"SetSharedKey onprem"}) {
		t.Errorf("Inject: keys %v, calls %v", l.keys, l.calls)
	}
	if d := f.Describe(); strings.Contains(d, "Secret123") {
		t.Errorf("Describe() shows the key: %q", d)
	}
	for _, s := range All() {
		for _, f := range s.Faults {
			if sk, ok := f.(*sharedKey); ok && sk.Value != "random" && strings.Contains(f.Describe(), sk.Value) {
				t.Errorf("%s: Describe() shows the key: %q", s.File, f.Describe())
			}
		}
	}
}

// edited applies the one SetConn edit l recorded to a copy of c.
func edited(t *testing.T, l *recLab, c swan.Conn) swan.Conn {
	t.Helper()
	if len(l.edits) != 1 {
		t.Fatalf("%d SetConn edits", len(l.edits))
	}
	l.edits[0](&c)
	return c
}

func TestProposals(t *testing.T) {
	base := swan.Conn{
		Name:         "azure",
		Version:      2,
		Proposals:    []string{"aes256-sha256-modp1024"},
		ESPProposals: []string{"aes256gcm16"},
	}
	tests := []struct {
		name    string
		fault   []string
		ike     []string
		version int
		esp     []string
	}{
		{"ike keeps version", []string{"  - kind: ike-proposals", "    proposals: [aes128-sha1-modp1024, 3des-md5-modp1024]"},
			[]string{"aes128-sha1-modp1024", "3des-md5-modp1024"}, 2, base.ESPProposals},
		{"ike version 1", []string{"  - kind: ike-proposals", "    proposals: [aes128-sha1-modp1024]", "    version: 1"},
			[]string{"aes128-sha1-modp1024"}, 1, base.ESPProposals},
		{"ipsec default pfs none", []string{"  - kind: ipsec-proposals", "    proposals: [aes128gcm16]"},
			base.Proposals, 2, []string{"aes128gcm16"}},
		{"ipsec pfs none", []string{"  - kind: ipsec-proposals", "    proposals: [aes128gcm16, aes256-sha256]", "    pfs: none"},
			base.Proposals, 2, []string{"aes128gcm16", "aes256-sha256"}},
		{"ipsec pfs ecp384", []string{"  - kind: ipsec-proposals", "    proposals: [aes128gcm16, aes256-sha256]", "    pfs: ecp384"},
			base.Proposals, 2, []string{"aes128gcm16-ecp384", "aes256-sha256-ecp384"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parseOne(t, tt.fault...)
			l := &recLab{}
			if err := f.Inject(context.Background(), l); err != nil {
				t.Fatal(err)
			}
			c := edited(t, l, base)
			if !slices.Equal(c.Proposals, tt.ike) || c.Version != tt.version || !slices.Equal(c.ESPProposals, tt.esp) {
				t.Errorf("edited conn: IKE %v v%d, ESP %v; want IKE %v v%d, ESP %v",
					c.Proposals, c.Version, c.ESPProposals, tt.ike, tt.version, tt.esp)
			}
			if c.Name != base.Name {
				t.Errorf("edit changed the name to %q", c.Name)
			}
		})
	}
	// the shipped phase 2 mismatch
	s, err := Lookup("phase2-mismatch")
	if err != nil {
		t.Fatal(err)
	}
	l := &recLab{}
	if err := s.Faults[0].Inject(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	if c := edited(t, l, base); !slices.Equal(c.ESPProposals, []string{"aes128gcm16"}) {
		t.Errorf("phase2-mismatch ESP %v", c.ESPProposals)
	}
}

func TestCertificateValidity(t *testing.T) {
	tests := []struct {
		name      string
		fault     []string
		nb, na    time.Duration
		describes string
	}{
		{"defaults", []string{"  - kind: certificate"}, -720 * time.Hour, -24 * time.Hour, "now-720h to now-24h"},
		{"expired a year", []string{"  - kind: certificate", "    not_before: -8760h", "    not_after: -24h"},
			-8760 * time.Hour, -24 * time.Hour, "now-8760h to now-24h"},
		{"not yet valid", []string{"  - kind: certificate", "    not_before: 1h", "    not_after: 48h"},
			time.Hour, 48 * time.Hour, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parseOne(t, tt.fault...)
			l := &recLab{}
			now := time.Now()
			if err := f.Inject(context.Background(), l); err != nil {
				t.Fatal(err)
			}
			if len(l.certs) != 1 {
				t.Fatalf("%d reissues", len(l.certs))
			}
			near := func(what string, got time.Time, d time.Duration) {
				if diff := got.Sub(now.Add(d)); diff < -2*time.Second || diff > 2*time.Second {
					t.Errorf("%s = %v, want now%+v ±2s (off by %v)", what, got, d, diff)
				}
			}
			near("notBefore", l.certs[0][0], tt.nb)
			near("notAfter", l.certs[0][1], tt.na)
			if !strings.Contains(f.Describe(), tt.describes) {
				t.Errorf("Describe() = %q, want it to contain %q", f.Describe(), tt.describes)
			}
		})
	}
	// the shipped expired certificate is in the past
	s, err := Lookup("cert-expired")
	if err != nil {
		t.Fatal(err)
	}
	l := &recLab{}
	if err := s.Faults[0].Inject(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	if len(l.certs) != 1 || !l.certs[0][1].Before(time.Now()) || !l.certs[0][0].Before(l.certs[0][1]) {
		t.Errorf("cert-expired reissues %v", l.certs)
	}
}

// TestShippedFaults injects and fixes every shipped scenario against the
// recording lab: each non-healthy one acts on the lab.
func TestShippedFaults(t *testing.T) {
	want := map[string][]string{
		"bgp-asn-mismatch":     {"SetBGPPeerASN onprem 65514 0", "RestoreBGPPeer onprem"},
		"cert-expired":         {"ReissueClientCert", "RestoreClientCert"},
		"esp-blocked":          {"RouterRule true " + toAzure + " " + espNATT + " -j DROP", "RouterRule true " + toOnprem + " " + espNATT + " -j DROP", "RouterRule false " + toAzure + " " + espNATT + " -j DROP", "RouterRule false " + toOnprem + " " + espNATT + " -j DROP"},
		"healthy":              nil,
		"maintenance-failover": {"Failover true 8s"},
		"mtu-blackhole":        {"RouterRule true -p udp -m length --length 1301:65535 -j DROP", "SetTunnelMTU onprem 1230 0"},
		"phase2-mismatch":      {"SetConn onprem", "RestoreConn onprem"},
		"psk-mismatch":         {"SetSharedKey onprem", "RestoreSharedKey onprem"},
	}
	for _, s := range All() {
		w, ok := want[s.Name]
		if !ok {
			t.Logf("%s: no expected calls listed here; skipped", s.Name)
			continue
		}
		l := &recLab{}
		for _, f := range s.Faults {
			if err := f.Inject(context.Background(), l); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range s.Faults {
			if err := f.Fix(context.Background(), l); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(l.calls, w) {
			t.Errorf("%s called\n%s\nwant\n%s", s.Name, strings.Join(l.calls, "\n"), strings.Join(w, "\n"))
		}
	}
}
