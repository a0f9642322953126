package azure_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// effective posts effectiveRouteTable for the VM's NIC and returns the
// routes (the long-running operation's result).
func effective(t *testing.T, s *server) []map[string]any {
	t.Helper()
	r := s.do(http.MethodPost, base+"networkInterfaces/"+azure.VMNIC+"/effectiveRouteTable"+version, nil)
	if r.status != http.StatusAccepted {
		t.Fatalf("effectiveRouteTable: status %d, body %s", r.status, r.body)
	}
	res := s.get(r.header.Get("Location"))
	if res.status != http.StatusOK {
		t.Fatalf("effectiveRouteTable result: status %d, body %s", res.status, res.body)
	}
	var out []map[string]any
	for _, v := range res.obj(t)["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

// activeFor returns the active route for prefix p.
func activeFor(routes []map[string]any, p string) map[string]any {
	for _, r := range routes {
		if r["state"] == "Active" && r["addressPrefix"].([]any)[0] == p {
			return r
		}
	}
	return nil
}

func stateOf(routes []map[string]any, source, p string) string {
	for _, r := range routes {
		if r["source"] == source && r["addressPrefix"].([]any)[0] == p {
			return r["state"].(string)
		}
	}
	return ""
}

func TestRouteTableEffectiveRoutes(t *testing.T) {
	m := azure.DefaultModel()
	m.LocalGateway.AddressPrefixes = []string{"198.18.10.0/24"}
	g := azure.New(m)
	s := serve(t, g)

	// Before: the on-prem prefix goes to the gateway, the VNet is local.
	routes := effective(t, s)
	if r := activeFor(routes, "198.18.10.0/24"); r == nil || r["source"] != "VirtualNetworkGateway" || r["nextHopType"] != "VirtualNetworkGateway" {
		t.Fatalf("on-prem route before the UDR: %v", r)
	}
	if r := activeFor(routes, "198.19.0.0/16"); r == nil || r["nextHopType"] != "VnetLocal" {
		t.Fatalf("VNet route: %v", r)
	}

	// A route table with a UDR to an appliance, not yet associated: no effect.
	rt := map[string]any{"location": "japaneast", "properties": map[string]any{"routes": []any{
		map[string]any{"name": "onprem-via-nva", "properties": map[string]any{"addressPrefix": "198.18.10.0/24", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "198.19.2.4"}},
	}}}
	if r := s.do(http.MethodPut, base+"routeTables/vm-rt"+version, rt); r.status != http.StatusCreated {
		t.Fatalf("PUT route table: status %d, body %s", r.status, r.body)
	}
	if r := activeFor(effective(t, s), "198.18.10.0/24"); r["source"] != "VirtualNetworkGateway" {
		t.Fatalf("an unassociated route table changed the effective routes: %v", r)
	}
	// Associated with the VM's subnet: the UDR wins, the gateway's route is Invalid.
	assoc := map[string]any{"properties": map[string]any{"addressPrefix": "198.19.1.0/24", "routeTable": map[string]any{"id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/vpnlab-rg/providers/Microsoft.Network/routeTables/vm-rt"}}}
	if r := s.do(http.MethodPut, base+"virtualNetworks/vpnlab-vnet/subnets/workload"+version, assoc); r.status != http.StatusOK {
		t.Fatalf("PUT subnet: status %d, body %s", r.status, r.body)
	}
	routes = effective(t, s)
	r := activeFor(routes, "198.18.10.0/24")
	if r == nil || r["source"] != "User" || r["nextHopType"] != "VirtualAppliance" || r["nextHopIpAddress"].([]any)[0] != "198.19.2.4" {
		t.Fatalf("on-prem route with the UDR: %v", r)
	}
	if st := stateOf(routes, "VirtualNetworkGateway", "198.18.10.0/24"); st != "Invalid" {
		t.Fatalf("the gateway's route is %q, want Invalid", st)
	}
	// The route table shows its subnet; deleting it while in use is refused.
	got := s.do(http.MethodGet, base+"routeTables/vm-rt"+version, nil)
	if subs := get(t, got.obj(t), "properties", "subnets").([]any); len(subs) != 1 {
		t.Fatalf("route table subnets: %v", subs)
	}
	if r := s.do(http.MethodDelete, base+"routeTables/vm-rt"+version, nil); r.status != http.StatusBadRequest || errorCode(t, r) != "InUseRouteTableCannotBeDeleted" {
		t.Fatalf("DELETE in use: status %d, body %s", r.status, r.body)
	}
	// Disassociate (a PUT without routeTable), then delete.
	if r := s.do(http.MethodPut, base+"virtualNetworks/vpnlab-vnet/subnets/workload"+version, map[string]any{"properties": map[string]any{"addressPrefix": "198.19.1.0/24"}}); r.status != http.StatusOK {
		t.Fatalf("disassociate: status %d, body %s", r.status, r.body)
	}
	if r := s.do(http.MethodDelete, base+"routeTables/vm-rt"+version, nil); r.status != http.StatusAccepted {
		t.Fatalf("DELETE: status %d, body %s", r.status, r.body)
	}
	if r := activeFor(effective(t, s), "198.18.10.0/24"); r["source"] != "VirtualNetworkGateway" {
		t.Fatalf("after the fix: %v", r)
	}
	// Every write is in the Activity Log, none in GatewayDiagnosticLog.
	var opsSeen []string
	for _, e := range g.Activity(time.Time{}) {
		opsSeen = append(opsSeen, e.OperationName)
	}
	for _, want := range []string{"Microsoft.Network/routeTables/write", "Microsoft.Network/virtualNetworks/subnets/write", "Microsoft.Network/routeTables/delete"} {
		if !slices.Contains(opsSeen, want) {
			t.Errorf("Activity Log lacks %s: %v", want, opsSeen)
		}
	}
	if l := ops(g, azure.CategoryGateway); len(l) != 0 {
		t.Errorf("route table writes logged as gateway configuration: %v", l)
	}
}

// The point-to-site pool is a gateway route of the VM's NIC, as Azure shows it.
func TestEffectiveRoutesP2SPool(t *testing.T) {
	m := azure.DefaultModel()
	m.Gateway.VpnClient = &azure.VpnClientConfiguration{AddressPrefixes: []string{"198.18.200.0/24"}}
	routes, ok := m.EffectiveRoutes(azure.VMNIC, []string{"198.18.10.0/24"})
	if !ok {
		t.Fatal("no NIC")
	}
	var gw []string
	for _, r := range routes {
		if r.Source == "VirtualNetworkGateway" && r.State == "Active" {
			gw = append(gw, r.AddressPrefix[0])
		}
	}
	if !slices.Equal(gw, []string{"198.18.10.0/24", "198.18.200.0/24"}) {
		t.Errorf("gateway routes %v", gw)
	}
	if _, ok := m.EffectiveRoutes("other-nic", nil); ok {
		t.Error("an unknown NIC has effective routes")
	}
}

func TestRouteTablePropagationAndValidation(t *testing.T) {
	m := azure.DefaultModel()
	m.LocalGateway.AddressPrefixes = []string{"198.18.10.0/24"}
	m.RouteTables = []azure.RouteTable{{Name: "rt", DisableBgpRoutePropagation: true,
		Routes: []azure.Route{{Name: "default-nva", AddressPrefix: "0.0.0.0/0", NextHopType: "VirtualAppliance", NextHopIPAddress: "198.19.2.4"}}}}
	m.VirtualNetwork.Subnets[1].RouteTable = "rt"
	s := serve(t, azure.New(m))
	routes := effective(t, s)
	if stateOf(routes, "VirtualNetworkGateway", "198.18.10.0/24") != "" {
		t.Fatalf("gateway routes propagated despite disableBgpRoutePropagation: %v", routes)
	}
	if r := activeFor(routes, "0.0.0.0/0"); r == nil || r["source"] != "User" {
		t.Fatalf("default route: %v", r)
	}
	for _, bad := range []map[string]any{
		{"name": "x", "properties": map[string]any{"addressPrefix": "198.18.10.0/24", "nextHopType": "VirtualAppliance"}},
		{"name": "x", "properties": map[string]any{"addressPrefix": "198.18.10.0/24", "nextHopType": "Internet", "nextHopIpAddress": "198.19.2.4"}},
		{"name": "x", "properties": map[string]any{"addressPrefix": "198.18.10.0/24", "nextHopType": "Appliance"}},
	} {
		r := s.do(http.MethodPut, base+"routeTables/rt2"+version, map[string]any{"properties": map[string]any{"routes": []any{bad}}})
		if r.status != http.StatusBadRequest {
			t.Errorf("PUT %v: status %d, want 400; body %s", bad, r.status, r.body)
		}
	}
}

func TestPeeringOverlap(t *testing.T) {
	m := azure.DefaultModel()
	m.LocalGateway.AddressPrefixes = []string{"198.18.10.0/24"}
	g := azure.New(m)
	s := serve(t, g)
	peer := func(prefix string) response {
		return s.do(http.MethodPut, base+"virtualNetworks/vpnlab-vnet/virtualNetworkPeerings/to-spoke"+version, map[string]any{"properties": map[string]any{
			"remoteVirtualNetwork": map[string]any{"id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/spoke-rg/providers/Microsoft.Network/virtualNetworks/spoke"},
			"remoteAddressSpace":   map[string]any{"addressPrefixes": []string{prefix}},
		}})
	}
	// A remote VNet overlapping the VNet itself is refused.
	if r := peer("198.19.128.0/17"); r.status != http.StatusBadRequest || errorCode(t, r) != azure.CodeVnetAddressSpacesOverlap {
		t.Fatalf("overlapping the VNet: status %d, body %s", r.status, r.body)
	}
	// One overlapping the on-prem range is accepted, and takes its traffic.
	if r := peer("198.18.10.0/25"); r.status != http.StatusCreated {
		t.Fatalf("peering: status %d, body %s", r.status, r.body)
	}
	routes := effective(t, s)
	if r := activeFor(routes, "198.18.10.0/25"); r == nil || r["nextHopType"] != "VNetPeering" {
		t.Fatalf("peering route: %v", r)
	}
	if r := activeFor(routes, "198.18.10.0/24"); r == nil || r["source"] != "VirtualNetworkGateway" {
		t.Fatalf("gateway route: %v", r)
	}
	// An LNG overlapping the VNet is refused.
	r := s.do(http.MethodPut, base+"localNetworkGateways/onprem-lng"+version, map[string]any{"properties": map[string]any{
		"localNetworkAddressSpace": map[string]any{"addressPrefixes": []string{"198.18.10.0/24", "198.19.1.0/24"}}}})
	if r.status != http.StatusBadRequest || errorCode(t, r) != azure.CodeConnectionOverlappingAddressSpaces {
		t.Fatalf("LNG overlapping the VNet: status %d, body %s", r.status, r.body)
	}
	// Delete the peering: the route goes.
	if r := s.do(http.MethodDelete, base+"virtualNetworks/vpnlab-vnet/virtualNetworkPeerings/to-spoke"+version, nil); r.status != http.StatusAccepted {
		t.Fatalf("DELETE peering: status %d, body %s", r.status, r.body)
	}
	if r := activeFor(effective(t, s), "198.18.10.0/25"); r != nil {
		t.Fatalf("peering route after the delete: %v", r)
	}
}
