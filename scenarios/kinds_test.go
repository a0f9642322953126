package scenarios

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

// recLab is a Lab that records its calls, one line each, and keeps the
// arguments a line cannot show.
type recLab struct {
	calls []string
	props []contract.ConnChange // ChangeConn's arguments, in order
	keys  []string              // SetSharedKey's keys, in order
	certs [][2]time.Time        // ReissueClientCert's notBefore, notAfter
	err   error                 // returned by every call
}

var _ Lab = (*recLab)(nil)

func (l *recLab) rec(format string, a ...any) error {
	l.calls = append(l.calls, fmt.Sprintf(format, a...))
	return l.err
}

func (l *recLab) SetSharedKey(_ context.Context, side contract.Side, key string) error {
	l.keys = append(l.keys, key)
	return l.rec("SetSharedKey %s", side)
}
func (l *recLab) RestoreSharedKey(_ context.Context, side contract.Side) error {
	return l.rec("RestoreSharedKey %s", side)
}
func (l *recLab) ChangeConn(_ context.Context, side contract.Side, p contract.ConnChange) error {
	l.props = append(l.props, p)
	return l.rec("ChangeConn %s", side)
}
func (l *recLab) RestoreConn(_ context.Context, side contract.Side) error {
	return l.rec("RestoreConn %s", side)
}
func (l *recLab) Block(_ context.Context, class contract.Class, dir contract.Direction) error {
	return l.rec("Block %s %s", class, dir)
}
func (l *recLab) Unblock(_ context.Context, class contract.Class, dir contract.Direction) error {
	return l.rec("Unblock %s %s", class, dir)
}
func (l *recLab) LimitPath(_ context.Context, max int, icmp bool) error {
	return l.rec("LimitPath %d %v", max, icmp)
}
func (l *recLab) UnlimitPath(_ context.Context, max int, icmp bool) error {
	return l.rec("UnlimitPath %d %v", max, icmp)
}
func (l *recLab) SetTunnelMTU(_ context.Context, side contract.Side, mtu, mss int) error {
	return l.rec("SetTunnelMTU %s %d %d", side, mtu, mss)
}
func (l *recLab) SetBGPPeerASN(_ context.Context, side contract.Side, peerASN, localASN uint32) error {
	return l.rec("SetBGPPeerASN %s %d %d", side, peerASN, localASN)
}
func (l *recLab) RestoreBGPPeer(_ context.Context, side contract.Side) error {
	return l.rec("RestoreBGPPeer %s", side)
}
func (l *recLab) ReissueClientCert(_ context.Context, notBefore, notAfter time.Time) error {
	l.certs = append(l.certs, [2]time.Time{notBefore, notAfter})
	return l.rec("ReissueClientCert")
}
func (l *recLab) RestoreClientCert(_ context.Context) error { return l.rec("RestoreClientCert") }
func (l *recLab) RestoreTunnelMTU(_ context.Context, side contract.Side) error {
	return l.rec("RestoreTunnelMTU %s", side)
}
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
			[]string{"ChangeConn onprem"}, []string{"RestoreConn onprem"}},
		{"ipsec-proposals", []string{"  - kind: ipsec-proposals", "    side: azure", "    proposals: [aes128gcm16]"},
			[]string{"ChangeConn azure"}, []string{"RestoreConn azure"}},
		{"firewall-block esp-udp4500 both", []string{"  - kind: firewall-block", "    what: esp-udp4500", "    direction: both"},
			[]string{"Block esp-udp4500 to-azure", "Block esp-udp4500 to-onprem"},
			[]string{"Unblock esp-udp4500 to-azure", "Unblock esp-udp4500 to-onprem"}},
		{"firewall-block ike-udp4500 default both", []string{"  - kind: firewall-block", "    what: ike-udp4500"},
			[]string{"Block ike-udp4500 to-azure", "Block ike-udp4500 to-onprem"},
			[]string{"Unblock ike-udp4500 to-azure", "Unblock ike-udp4500 to-onprem"}},
		{"firewall-block udp500 to-azure", []string{"  - kind: firewall-block", "    what: udp500", "    direction: to-azure"},
			[]string{"Block ike-udp500 to-azure"}, []string{"Unblock ike-udp500 to-azure"}},
		{"firewall-block esp to-onprem", []string{"  - kind: firewall-block", "    what: esp", "    direction: to-onprem"},
			[]string{"Block esp to-onprem"}, []string{"Unblock esp to-onprem"}},
		{"path-mtu black hole", []string{"  - kind: path-mtu", "    max_packet: 1300", "    icmp: false"},
			[]string{"LimitPath 1300 false"}, []string{"SetTunnelMTU onprem 1230 0"}},
		{"path-mtu with icmp", []string{"  - kind: path-mtu", "    max_packet: 1400", "    icmp: true"},
			[]string{"LimitPath 1400 true"}, []string{"SetTunnelMTU onprem 1330 0"}},
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
		_, path := pathKinds()[k]                                               // the path kinds': catalog_path_test.go
		_, vnet := vnetKinds()[k]                                               // the VNet's: catalog_vnet_test.go
		if _, cat := catalogKinds()[k]; !covered[k] && !cat && !path && !vnet { // the catalog's: catalog_test.go
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
		"ike-proposals":     {"    proposals: [aes256-sha256-modp2048]"},
		"ipsec-proposals":   {"    proposals: [aes256gcm16]"},
		"firewall-block":    {"    what: esp"},
		"path-mtu":          {"    max_packet: 1300"},
		"bgp-asn":           {"    value: 65001"},
		"peer-address":      {"    address: 203.0.113.20"},
		"ike-identity":      {"    local_id: 198.18.99.10"},
		"bgp-withdraw":      {"    prefix: 198.18.10.0/24"},
		"p2s-pool":          {"    prefixes: [198.18.10.0/24]"},
		"p2s-radius":        {"    address: 198.19.2.11"},
		"local-gateway":     {"    prefixes: [198.18.20.0/24]"},
		"child-sa":          {"    lifetime: 30s"},
		"connection-update": {"    dpd_timeout: 30"},
		"traffic-selectors": {"    remote_ts: [198.19.0.0/24]"},
		"lan-route":         {"    prefix: 198.19.0.0/16", "    via: 198.18.10.254"},
		"nat":               {"    udp_timeout: 15s"},
		"keepalive":         {"    nat_keepalive: 0s"},
		"route-table":       {"    name: rt", "    routes:", "      - name: r", "        prefix: 198.18.10.0/24", "        next_hop: None"},
		"vnet-peering":      {"    name: p", "    remote_vnet: " + spokeID, "    remote_prefixes: [198.18.10.0/25]"},
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

// proposals returns the one ChangeConn request l recorded.
func proposals(t *testing.T, l *recLab) contract.ConnChange {
	t.Helper()
	if len(l.props) != 1 {
		t.Fatalf("%d ChangeConn calls", len(l.props))
	}
	return l.props[0]
}

func TestProposals(t *testing.T) {
	tests := []struct {
		name  string
		fault []string
		want  contract.ConnChange
	}{
		{"ike keeps version", []string{"  - kind: ike-proposals", "    proposals: [aes128-sha1-modp1024, 3des-md5-modp1024]"},
			contract.ConnChange{IKE: []string{"aes128-sha1-modp1024", "3des-md5-modp1024"}}},
		{"ike version 1", []string{"  - kind: ike-proposals", "    proposals: [aes128-sha1-modp1024]", "    version: 1"},
			contract.ConnChange{IKE: []string{"aes128-sha1-modp1024"}, IKEVersion: 1}},
		{"ipsec default pfs none", []string{"  - kind: ipsec-proposals", "    proposals: [aes128gcm16]"},
			contract.ConnChange{ESP: []string{"aes128gcm16"}}},
		{"ipsec pfs none", []string{"  - kind: ipsec-proposals", "    proposals: [aes128gcm16, aes256-sha256]", "    pfs: none"},
			contract.ConnChange{ESP: []string{"aes128gcm16", "aes256-sha256"}}},
		{"ipsec pfs ecp384", []string{"  - kind: ipsec-proposals", "    proposals: [aes128gcm16, aes256-sha256]", "    pfs: ecp384"},
			contract.ConnChange{ESP: []string{"aes128gcm16-ecp384", "aes256-sha256-ecp384"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parseOne(t, tt.fault...)
			l := &recLab{}
			if err := f.Inject(context.Background(), l); err != nil {
				t.Fatal(err)
			}
			got := proposals(t, l)
			if !slices.Equal(got.IKE, tt.want.IKE) || got.IKEVersion != tt.want.IKEVersion || !slices.Equal(got.ESP, tt.want.ESP) {
				t.Errorf("proposals %+v, want %+v", got, tt.want)
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
	if p := proposals(t, l); !slices.Equal(p.ESP, []string{"aes128gcm16"}) || p.IKE != nil {
		t.Errorf("phase2-mismatch proposals %+v", p)
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
		"esp-blocked":          {"Block esp-udp4500 to-azure", "Block esp-udp4500 to-onprem", "Unblock esp-udp4500 to-azure", "Unblock esp-udp4500 to-onprem"},
		"healthy":              nil,
		"maintenance-failover": {"Failover true 8s"},
		"mtu-blackhole":        {"LimitPath 1300 false", "SetTunnelMTU onprem 1230 0"},
		"phase2-mismatch":      {"ChangeConn onprem", "RestoreConn onprem"},
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

// TestRevert checks that a fix which works around its fault (the path-MTU
// fix adapts the device; the path stays limited) is taken back before the
// fault is injected again, and that faults whose fix undoes them need no
// Revert.
func TestRevert(t *testing.T) {
	f := parseOne(t, "  - kind: path-mtu", "    max_packet: 1300", "    icmp: false")
	r, ok := f.(Reverter)
	if !ok {
		t.Fatal("path-mtu's fix adapts the device: it must be revertible")
	}
	l := &recLab{}
	if err := r.Revert(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	if want := []string{"RestoreTunnelMTU onprem"}; !slices.Equal(l.calls, want) {
		t.Errorf("Revert called %v, want %v", l.calls, want)
	}
	if _, ok := parseOne(t, "  - kind: shared-key", "    side: azure", "    value: Secret123").(Reverter); ok {
		t.Error("shared-key's fix restores the key: no Revert wanted")
	}
}
