package scenarios

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

// recLab takes the catalog's faults too.
var _ CatalogLab = (*recLab)(nil)

func (l *recLab) RemoveClientCert(context.Context) error { return l.rec("RemoveClientCert") }
func (l *recLab) ReplaceP2SRoot(_ context.Context, mode string) error {
	return l.rec("ReplaceP2SRoot %s", mode)
}
func (l *recLab) RestoreP2SRoot(context.Context) error { return l.rec("RestoreP2SRoot") }
func (l *recLab) SetP2SPool(_ context.Context, prefixes []string) error {
	return l.rec("SetP2SPool %v", prefixes)
}
func (l *recLab) RestoreP2SPool(context.Context) error { return l.rec("RestoreP2SPool") }
func (l *recLab) SetRadiusServer(_ context.Context, address string, wrongSecret bool) error {
	return l.rec("SetRadiusServer %s %v", address, wrongSecret)
}
func (l *recLab) RestoreRadiusServer(context.Context) error { return l.rec("RestoreRadiusServer") }
func (l *recLab) RevokeClientCert(context.Context) error    { return l.rec("RevokeClientCert") }
func (l *recLab) AllowClientCert(context.Context) error     { return l.rec("AllowClientCert") }
func (l *recLab) ReissueClientCertEKU(_ context.Context, eku ...x509.ExtKeyUsage) error {
	return l.rec("ReissueClientCertEKU %v", eku)
}
func (l *recLab) BlockRadius(_ context.Context, on bool) error {
	return l.rec("BlockRadius %v", on)
}
func (l *recLab) AzurePut(_ context.Context, kind, name string, props any) error {
	b, _ := json.Marshal(props)
	return l.rec("AzurePut %s/%s %s", kind, name, b)
}
func (l *recLab) WithdrawPrefix(_ context.Context, side contract.Side, prefix string) error {
	return l.rec("WithdrawPrefix %s %s", side, prefix)
}
func (l *recLab) RestorePrefix(_ context.Context, side contract.Side, prefix string) error {
	return l.rec("RestorePrefix %s %s", side, prefix)
}
func (l *recLab) SetLocalGateway(_ context.Context, prefixes []string, bgpAddr string) error {
	return l.rec("SetLocalGateway %v %s", prefixes, bgpAddr)
}
func (l *recLab) RestoreLocalGateway(context.Context) error { return l.rec("RestoreLocalGateway") }
func (l *recLab) UpdateConnectionDPD(_ context.Context, caller string, seconds int) error {
	return l.rec("UpdateConnectionDPD %s %d", caller, seconds)
}
func (l *recLab) RestoreConnectionDPD(context.Context) error { return l.rec("RestoreConnectionDPD") }
func (l *recLab) AzurePost(_ context.Context, kind, name, action string) error {
	return l.rec("AzurePost %s/%s/%s", kind, name, action)
}

// TestCatalogInjectFix checks the Lab calls of each catalog kind's Inject
// and Fix, and what the connection edits do.
func TestCatalogInjectFix(t *testing.T) {
	tests := []struct {
		name   string
		fault  []string
		inject []string
		fix    []string
		conn   func(c contract.ConnChange) bool // the change asked of ChangeConn
	}{
		{"peer-address", []string{"  - kind: peer-address", "    address: 203.0.113.20"},
			[]string{"ChangeConn onprem"}, []string{"RestoreConn onprem"},
			func(c contract.ConnChange) bool { return c.PeerAddress == "203.0.113.20" }},
		{"ike-identity", []string{"  - kind: ike-identity", "    local_id: 198.18.99.10"},
			[]string{"ChangeConn onprem"}, []string{"RestoreConn onprem"},
			func(c contract.ConnChange) bool { return c.LocalID == "198.18.99.10" }},
		{"p2s-client-cert", []string{"  - kind: p2s-client-cert"},
			[]string{"RemoveClientCert"}, []string{"RestoreClientCert"}, nil},
		{"p2s-root other", []string{"  - kind: p2s-root"},
			[]string{"ReplaceP2SRoot other"}, []string{"RestoreP2SRoot"}, nil},
		{"p2s-root expired", []string{"  - kind: p2s-root", "    action: expired"},
			[]string{"ReplaceP2SRoot expired"}, []string{"RestoreP2SRoot"}, nil},
		{"p2s-pool", []string{"  - kind: p2s-pool", "    prefixes: [198.18.10.0/24]"},
			[]string{"SetP2SPool [198.18.10.0/24]"}, []string{"RestoreP2SPool"}, nil},
		{"p2s-revoked", []string{"  - kind: p2s-revoked"},
			[]string{"RevokeClientCert"}, []string{"AllowClientCert"}, nil},
		{"p2s-client-eku: serverAuth only", []string{"  - kind: p2s-client-eku"},
			[]string{"ReissueClientCertEKU [serverAuth]"}, []string{"RestoreClientCert"}, nil},
		{"p2s-radius address", []string{"  - kind: p2s-radius", "    address: 198.19.2.11"},
			[]string{"SetRadiusServer 198.19.2.11 false"}, []string{"RestoreRadiusServer"}, nil},
		{"p2s-radius secret", []string{"  - kind: p2s-radius", "    action: secret"},
			[]string{"SetRadiusServer  true"}, []string{"RestoreRadiusServer"}, nil},
		{"p2s-radius block", []string{"  - kind: p2s-radius", "    action: block"},
			[]string{"BlockRadius true"}, []string{"BlockRadius false"}, nil},
		{"bgp-withdraw", []string{"  - kind: bgp-withdraw", "    prefix: 198.18.10.0/24"},
			[]string{"WithdrawPrefix onprem 198.18.10.0/24"}, []string{"RestorePrefix onprem 198.18.10.0/24"}, nil},
		{"local-gateway prefixes", []string{"  - kind: local-gateway", "    prefixes: [198.18.20.0/24]"},
			[]string{"SetLocalGateway [198.18.20.0/24] "}, []string{"RestoreLocalGateway"}, nil},
		{"local-gateway bgp", []string{"  - kind: local-gateway", "    bgp_peering_address: 169.254.21.6"},
			[]string{"SetLocalGateway [] 169.254.21.6"}, []string{"RestoreLocalGateway"}, nil},
		{"child-sa pfs", []string{"  - kind: child-sa", "    proposals: [aes256gcm16]", "    pfs: ecp384", "    lifetime: 30s"},
			[]string{"ChangeConn onprem"}, []string{"RestoreConn onprem"},
			func(c contract.ConnChange) bool {
				return len(c.ESP) == 1 && c.ESP[0] == "aes256gcm16-ecp384" && c.ChildLifetime == 30*time.Second && !c.ChildNoRekey
			}},
		{"child-sa no rekey", []string{"  - kind: child-sa", "    lifetime: 30s", "    no_rekey: true"},
			[]string{"ChangeConn onprem"}, []string{"RestoreConn onprem"},
			func(c contract.ConnChange) bool {
				return c.ChildLifetime == 30*time.Second && c.ChildNoRekey && c.ESP == nil
			}},
		{"connection-update", []string{"  - kind: connection-update", "    dpd_timeout: 30"},
			[]string{"UpdateConnectionDPD netadmin@contoso.example 30"}, []string{"RestoreConnectionDPD"}, nil},
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
			if tt.conn != nil {
				if len(l.props) != 1 || !tt.conn(l.props[0]) {
					t.Errorf("ChangeConn asked %+v", l.props)
				}
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
	for k := range catalogKinds() {
		if !covered[k] {
			t.Errorf("catalog kind %s has no Inject/Fix case", k)
		}
	}
}

// TestCatalogBadParams names the field of each catalog kind's bad parameter.
func TestCatalogBadParams(t *testing.T) {
	tests := []struct {
		lines []string
		want  string
	}{
		{[]string{"  - kind: peer-address", "    address: 8.8.8.8"}, "faults[0].address"},
		{[]string{"  - kind: peer-address", "    address: nowhere"}, "faults[0].address"},
		{[]string{"  - kind: ike-identity"}, "faults[0].local_id"},
		{[]string{"  - kind: p2s-root", "    action: delete"}, "faults[0].action"},
		{[]string{"  - kind: p2s-client-cert", "    action: expire"}, "faults[0].action"},
		{[]string{"  - kind: p2s-radius", "    action: drop"}, "faults[0].action"},
		{[]string{"  - kind: p2s-radius", "    address: radius.example"}, "faults[0].address"},
		{[]string{"  - kind: p2s-radius", "    action: secret", "    address: 198.19.2.11"}, "faults[0].address"},
		{[]string{"  - kind: bgp-withdraw", "    prefix: lan"}, "faults[0].prefix"},
		{[]string{"  - kind: child-sa", "    lifetime: 1s"}, "faults[0].lifetime"},
		{[]string{"  - kind: child-sa", "    no_rekey: true"}, "faults[0].no_rekey"},
		{[]string{"  - kind: child-sa"}, "faults[0].proposals"},
		{[]string{"  - kind: connection-update", "    dpd_timeout: 5"}, "faults[0].dpd_timeout"},
		{[]string{"  - kind: connection-update", "    dpd_timeout: 30", "    caller: bob"}, "faults[0].caller"},
		{[]string{"  - kind: local-gateway"}, "faults[0].prefixes"},
		{[]string{"  - kind: local-gateway", "    prefixes: [x]"}, "faults[0].prefixes"},
		{[]string{"  - kind: local-gateway", "    bgp_peering_address: peer"}, "faults[0].bgp_peering_address"},
	}
	for _, tt := range tests {
		_, err := Parse("t.yaml", faultDoc(tt.lines...))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want it to name %s", tt.lines, err, tt.want)
		}
	}
}

// offline defaults to true; a scenario judged from configuration says false.
func TestOfflineField(t *testing.T) {
	for name, want := range map[string]bool{"psk-mismatch": true, "config-change": false, "pfs-mismatch": false} {
		s, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.Offline != want {
			t.Errorf("%s: Offline = %v, want %v", name, s.Offline, want)
		}
	}
}
