package scenarios

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

var _ VNetLab = (*recLab)(nil)

func (l *recLab) SetRouteTable(_ context.Context, table, subnet string, routes []azure.Route, off bool) error {
	var rs []string
	for _, r := range routes {
		rs = append(rs, r.Name+"="+r.AddressPrefix+">"+r.NextHopType+":"+r.NextHopIPAddress)
	}
	return l.rec("SetRouteTable %s %s %s %v", table, subnet, strings.Join(rs, ","), off)
}
func (l *recLab) RemoveRouteTable(_ context.Context, table, subnet string) error {
	return l.rec("RemoveRouteTable %s %s", table, subnet)
}
func (l *recLab) AddPeering(_ context.Context, name, remote string, prefixes []string) error {
	return l.rec("AddPeering %s %s %v", name, remote, prefixes)
}
func (l *recLab) RemovePeering(_ context.Context, name string) error {
	return l.rec("RemovePeering %s", name)
}

const spokeID = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/spoke"

func TestVNetInjectFix(t *testing.T) {
	tests := []struct {
		fault       []string
		inject, fix []string
	}{
		{[]string{"  - kind: route-table", "    name: rt", "    routes:", "      - name: nva", "        prefix: 198.18.10.0/24",
			"        next_hop: VirtualAppliance", "        next_hop_ip: 198.19.2.4"},
			[]string{"SetRouteTable rt workload nva=198.18.10.0/24>VirtualAppliance:198.19.2.4 false"}, []string{"RemoveRouteTable rt workload"}},
		{[]string{"  - kind: route-table", "    name: rt", "    subnet: other", "    disable_bgp_route_propagation: true", "    routes:",
			"      - name: d", "        prefix: 0.0.0.0/0", "        next_hop: None"},
			[]string{"SetRouteTable rt other d=0.0.0.0/0>None: true"}, []string{"RemoveRouteTable rt other"}},
		{[]string{"  - kind: vnet-peering", "    name: p", "    remote_vnet: " + spokeID, "    remote_prefixes: [198.18.10.0/25]"},
			[]string{"AddPeering p " + spokeID + " [198.18.10.0/25]"}, []string{"RemovePeering p"}},
	}
	for _, tt := range tests {
		f := parseOne(t, tt.fault...)
		l := &recLab{}
		if err := f.Inject(context.Background(), l); err != nil || !slices.Equal(l.calls, tt.inject) {
			t.Errorf("%s Inject: %v, calls %v, want %v", f.Kind(), err, l.calls, tt.inject)
		}
		l.calls = nil
		if err := f.Fix(context.Background(), l); err != nil || !slices.Equal(l.calls, tt.fix) {
			t.Errorf("%s Fix: %v, calls %v, want %v", f.Kind(), err, l.calls, tt.fix)
		}
	}
	for _, bad := range [][]string{
		{"  - kind: route-table", "    name: rt", "    routes:", "      - name: nva", "        prefix: 198.18.10.0/24", "        next_hop: VirtualAppliance"},
		{"  - kind: route-table", "    name: rt", "    routes:", "      - name: nva", "        prefix: 198.18.10.0/24", "        next_hop: Appliance"},
		{"  - kind: route-table", "    name: rt", "    routes:", "      - name: nva", "        prefix: 198.18.10.0/24", "        next_hop: VirtualAppliance", "        next_hop_ip: 10.0.0.4"},
		{"  - kind: vnet-peering", "    name: p", "    remote_vnet: spoke", "    remote_prefixes: [198.18.10.0/25]"},
		{"  - kind: vnet-peering", "    name: p", "    remote_vnet: " + spokeID, "    remote_prefixes: [10.1.0.0/16]"},
	} {
		if _, err := Parse("t.yaml", faultDoc(bad...)); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}
