package scenarios

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

var _ PathLab = (*recLab)(nil)

func (l *recLab) Renegotiate(context.Context) error { return l.rec("Renegotiate") }
func (l *recLab) RouteVia(_ context.Context, node, prefix, via string) error {
	return l.rec("RouteVia %s %s %s", node, prefix, via)
}
func (l *recLab) UnrouteVia(_ context.Context, node, prefix, via string) error {
	return l.rec("UnrouteVia %s %s %s", node, prefix, via)
}
func (l *recLab) NATPath(_ context.Context, d time.Duration) error { return l.rec("NATPath %s", d) }
func (l *recLab) UnNATPath(context.Context) error                  { return l.rec("UnNATPath") }
func (l *recLab) SetNATKeepalive(_ context.Context, side contract.Side, d time.Duration) error {
	return l.rec("SetNATKeepalive %s %s", side, d)
}

func TestPathInjectFix(t *testing.T) {
	tests := []struct {
		name        string
		fault       []string
		inject, fix []string
	}{
		{"traffic-selectors", []string{"  - kind: traffic-selectors", "    local_ts: [198.18.10.0/24]", "    remote_ts: [198.19.0.0/24]"},
			[]string{"ChangeConn onprem"}, []string{"RestoreConn onprem"}},
		{"lan-route", []string{"  - kind: lan-route", "    prefix: 198.19.0.0/16", "    via: 198.18.10.254"},
			[]string{"RouteVia onprem-host 198.19.0.0/16 198.18.10.254"}, []string{"UnrouteVia onprem-host 198.19.0.0/16 198.18.10.254"}},
		{"nat", []string{"  - kind: nat", "    udp_timeout: 15s"}, []string{"NATPath 15s"}, nil},
		{"keepalive", []string{"  - kind: keepalive", "    nat_keepalive: 0s", "    dpd: \"off\"", "    fix_nat_keepalive: 10s"},
			[]string{"SetNATKeepalive onprem 0s", "ChangeConn onprem"}, []string{"SetNATKeepalive onprem 10s", "RestoreConn onprem"}},
		{"firewall-block reestablish", []string{"  - kind: firewall-block", "    what: ike-udp500", "    reestablish: true"},
			[]string{"Block ike-udp500 to-azure", "Block ike-udp500 to-onprem", "Renegotiate"},
			[]string{"Unblock ike-udp500 to-azure", "Unblock ike-udp500 to-onprem"}},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parseOne(t, tt.fault...)
			covered[f.Kind()] = true
			l := &recLab{}
			if err := f.Inject(context.Background(), l); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.calls, tt.inject) {
				t.Errorf("Inject called %v, want %v", l.calls, tt.inject)
			}
			if f.Kind() == "keepalive" && (len(l.props) != 1 || !l.props[0].DPDOff) {
				t.Errorf("ChangeConn asked %+v", l.props)
			}
			if f.Kind() == "traffic-selectors" && (len(l.props) != 1 || l.props[0].RemoteTS[0] != "198.19.0.0/24" || l.props[0].LocalTS[0] != "198.18.10.0/24") {
				t.Errorf("ChangeConn asked %+v", l.props)
			}
			l.calls = nil
			if err := f.Fix(context.Background(), l); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.calls, tt.fix) {
				t.Errorf("Fix called %v, want %v", l.calls, tt.fix)
			}
		})
	}
	for k := range pathKinds() {
		if !covered[k] {
			t.Errorf("path kind %s has no Inject/Fix case", k)
		}
	}
}

func TestPathBadParams(t *testing.T) {
	tests := []struct {
		lines []string
		field string
	}{
		{[]string{"  - kind: traffic-selectors"}, "local_ts"},
		{[]string{"  - kind: traffic-selectors", "    remote_ts: [not-a-prefix]"}, "remote_ts"},
		{[]string{"  - kind: lan-route", "    node: onprem-gw", "    prefix: 198.19.0.0/16", "    via: 198.18.10.254"}, "node"},
		{[]string{"  - kind: lan-route", "    prefix: 198.19.0.0/16", "    via: 10.0.0.1"}, "via"},
		{[]string{"  - kind: nat", "    udp_timeout: 1s"}, "udp_timeout"},
		{[]string{"  - kind: keepalive", "    nat_keepalive: 0s", "    dpd: sometimes"}, "dpd"},
		{[]string{"  - kind: keepalive"}, "nat_keepalive"},
	}
	for _, tt := range tests {
		_, err := Parse("t.yaml", faultDoc(tt.lines...))
		if err == nil || !strings.Contains(err.Error(), "faults[0]."+tt.field) {
			t.Errorf("%v: error %v, want one naming %s", tt.lines, err, tt.field)
		}
	}
}
