package diagnose

import "testing"

// vnetRouted gives the Azure side the VNet as a live lab reports it: its
// subnets and the VM NIC's effective routes, on-prem through the gateway.
func vnetRouted(ev *Evidence) {
	a := ev.Azure
	a.Config.VNetPrefixes = []string{"198.19.0.0/16"}
	a.Config.Subnets = []AzureSubnet{{Name: "GatewaySubnet", Prefix: "198.19.255.0/27"}, {Name: "workload", Prefix: "198.19.1.0/24"}}
	a.VMNIC, a.VMAddress = "vpnlab-vm-nic", "198.19.1.4"
	a.EffectiveRoutes = []EffectiveRoute{
		{Source: "Default", State: "Active", Prefixes: []string{"198.19.0.0/16"}, NextHop: "VnetLocal"},
		{Source: "Default", State: "Active", Prefixes: []string{"0.0.0.0/0"}, NextHop: "Internet"},
		{Source: "VirtualNetworkGateway", State: "Active", Prefixes: []string{"198.18.10.0/24"}, NextHop: "VirtualNetworkGateway", NextHopIP: []string{"198.19.255.30"}},
	}
	ev.Probes.Route = "198.19.1.4 via 198.18.10.1 dev onprem-lan src 198.18.10.10 uid 0"
}

// udrToNVA: a route table on the VM's subnet sends on-prem to an appliance.
func udrToNVA(ev *Evidence) {
	a := ev.Azure
	a.Config.RouteTables = []AzureRouteTable{{Name: "workload-rt", Routes: []AzureUDR{{Name: "onprem-via-firewall", Prefix: "198.18.10.0/24", NextHop: "VirtualAppliance", NextHopIP: "198.19.2.4"}}}}
	a.Config.Subnets[1].RouteTable = "workload-rt"
	a.EffectiveRoutes[2].State = "Invalid"
	a.EffectiveRoutes = append(a.EffectiveRoutes, EffectiveRoute{Source: "User", State: "Active", Prefixes: []string{"198.18.10.0/24"},
		NextHop: "VirtualAppliance", NextHopIP: []string{"198.19.2.4"}, Name: "onprem-via-firewall"})
	a.EgressDelta = 0
	noData(ev)
}

// spokeOverlap: a peered VNet uses part of the branch LAN.
func spokeOverlap(ev *Evidence) {
	a := ev.Azure
	a.Config.Peerings = []AzurePeering{{Name: "hub-to-analytics", RemoteVNet: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/analytics-vnet",
		RemotePrefix: []string{"198.18.10.0/25"}}}
	a.EffectiveRoutes = append(a.EffectiveRoutes, EffectiveRoute{Source: "Default", State: "Active", Prefixes: []string{"198.18.10.0/25"}, NextHop: "VNetPeering"})
	a.EgressDelta = 0
	noData(ev)
}

func vnetEvidence() []Evidence {
	return []Evidence{with(configured, vnetRouted, udrToNVA), with(configured, vnetRouted, spokeOverlap)}
}

func TestVNetVerdicts(t *testing.T) {
	tests := []struct {
		name        string
		ev          Evidence
		fault, fact string
	}{
		{"UDR to an appliance", with(configured, vnetRouted, udrToNVA), "udr-override", "is the user-defined route User 198.18.10.0/24 → VirtualAppliance 198.19.2.4 (route onprem-via-firewall)"},
		{"UDR names its table", with(configured, vnetRouted, udrToNVA), "udr-override", "route table workload-rt is associated with subnet workload"},
		{"UDR: the gateway's route is overridden", with(configured, vnetRouted, udrToNVA), "udr-override", "the gateway's route 198.18.10.0/24 is Invalid"},
		{"UDR, traffic not yet tried", with(configured, vnetRouted, udrToNVA, func(ev *Evidence) { ev.Probes.Ping = nil; ev.Probes.TCPConnect = nil }),
			"udr-override", "route table workload-rt"},
		{"default route to an NVA without gateway propagation", with(configured, vnetRouted, func(ev *Evidence) {
			a := ev.Azure
			a.Config.RouteTables = []AzureRouteTable{{Name: "rt", DisablePropagation: true, Routes: []AzureUDR{{Name: "all-to-nva", Prefix: "0.0.0.0/0", NextHop: "VirtualAppliance", NextHopIP: "198.19.2.4"}}}}
			a.Config.Subnets[1].RouteTable = "rt"
			a.EffectiveRoutes = append(a.EffectiveRoutes[:1], EffectiveRoute{Source: "User", State: "Active", Prefixes: []string{"0.0.0.0/0"}, NextHop: "VirtualAppliance", NextHopIP: []string{"198.19.2.4"}, Name: "all-to-nva"})
			noData(ev)
		}), "udr-override", "gateway route propagation is disabled"},
		{"spoke overlapping the branch", with(configured, vnetRouted, spokeOverlap), "address-space-overlap", "the peered VNet analytics-vnet (peering hub-to-analytics) uses 198.18.10.0/25, which overlaps the on-prem prefix 198.18.10.0/24"},
		{"overlap: the VM's route for the branch is the peering", with(configured, vnetRouted, spokeOverlap), "address-space-overlap", "effective route for the on-prem address 198.18.10.10 is Default 198.18.10.0/25 → VNetPeering"},
		{"VNet itself overlapping the branch", with(configured, vnetRouted, func(ev *Evidence) {
			ev.Azure.Config.VNetPrefixes = append(ev.Azure.Config.VNetPrefixes, "198.18.0.0/16")
		}),
			"address-space-overlap", "the VNet's address space uses 198.18.0.0/16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Diagnose(tt.ev)
			checkVerdict(t, v, tt.fault, tt.fact)
			if v.Category != Routing {
				t.Errorf("category %s", v.Category)
			}
		})
	}
}

// The VNet's routes as a healthy lab reports them change no verdict: a user
// route through the gateway, an unrelated peering, an appliance for
// another prefix.
func TestVNetHealthy(t *testing.T) {
	for name, f := range map[string]func(*Evidence){
		"plain": func(*Evidence) {},
		"UDR to the gateway": func(ev *Evidence) {
			ev.Azure.EffectiveRoutes = append(ev.Azure.EffectiveRoutes, EffectiveRoute{Source: "User", State: "Active", Prefixes: []string{"198.18.10.0/24"}, NextHop: "VirtualNetworkGateway", Name: "to-gw"})
		},
		"UDR for another prefix": func(ev *Evidence) {
			ev.Azure.EffectiveRoutes = append(ev.Azure.EffectiveRoutes, EffectiveRoute{Source: "User", State: "Active", Prefixes: []string{"198.18.99.0/24"}, NextHop: "VirtualAppliance", NextHopIP: []string{"198.19.2.4"}, Name: "x"})
		},
		"peering elsewhere": func(ev *Evidence) {
			ev.Azure.Config.Peerings = []AzurePeering{{Name: "p", RemoteVNet: "x/virtualNetworks/spoke", RemotePrefix: []string{"198.18.64.0/24"}}}
		},
	} {
		if v := Diagnose(with(configured, vnetRouted, f)); v.Category != Healthy {
			t.Errorf("%s: %s/%s\n%s", name, v.Category, v.Fault, v)
		}
	}
}
