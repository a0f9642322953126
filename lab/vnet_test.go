package lab

import (
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

func TestVMRouteScript(t *testing.T) {
	m := azure.DefaultModel()
	m.LocalGateway.AddressPrefixes = []string{"198.18.10.0/24"}
	m.RouteTables = []azure.RouteTable{{Name: "rt", Routes: []azure.Route{
		{Name: "nva", AddressPrefix: "198.18.10.0/24", NextHopType: "VirtualAppliance", NextHopIPAddress: "198.19.2.4"},
		{Name: "drop", AddressPrefix: "198.18.99.0/24", NextHopType: "None"},
	}}}
	m.VirtualNetwork.Subnets[1].RouteTable = "rt"
	m.VirtualNetwork.Peerings = []azure.VNetPeering{{Name: "p", RemoteVirtualNetwork: "x", RemoteAddressSpace: []string{"198.18.64.0/24"}}}
	routes, _ := m.EffectiveRoutes(azure.VMNIC, nil)
	got := vmRouteScript(routes)
	for _, want := range []string{
		"ip route flush proto 77",
		"ip route replace default via 198.19.255.30",
		"ip route replace 198.18.10.0/24 via 198.19.2.4 proto 77",
		"ip route replace blackhole 198.18.99.0/24 proto 77",
		"ip route replace 198.18.64.0/24 dev azure-vnet proto 77",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("script lacks %q:\n%s", want, got)
		}
	}
	// The overridden gateway route and the VNet's own prefix are not installed.
	if strings.Contains(got, "198.18.10.0/24 via 198.19.255.30") || strings.Contains(got, "198.19.0.0/16") {
		t.Errorf("script installs an inactive or connected route:\n%s", got)
	}
	// A default route to an appliance replaces the lab's default.
	m.RouteTables[0].Routes = []azure.Route{{Name: "all", AddressPrefix: "0.0.0.0/0", NextHopType: "VirtualAppliance", NextHopIPAddress: "198.19.2.4"}}
	routes, _ = m.EffectiveRoutes(azure.VMNIC, nil)
	if got := vmRouteScript(routes); !strings.Contains(got, "ip route replace default via 198.19.2.4 proto 77") {
		t.Errorf("default route to the appliance:\n%s", got)
	}
}
