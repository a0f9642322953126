package azure

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// The virtual network around the gateway, as far as routing needs it
// (issue 13, routing faults): its subnets with their route-table
// association, its peerings, the route tables (user-defined routes) and
// the VM's network interface, whose effective routes Azure computes from
// all of these and from the gateway's routes (seed 000 §5.5 対処法①⑤).
//
// Azure's rules followed here (https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview):
// system routes send the VNet's address space to VnetLocal, each peered
// VNet's to VNetPeering and 0.0.0.0/0 to Internet; the gateway adds the
// local network gateway's prefixes and the BGP-learned ones (source
// VirtualNetworkGateway) unless the subnet's route table disables gateway
// route propagation (and the point-to-site pool); user-defined routes (source User) come from the
// subnet's route table. The longest prefix wins; for the same prefix a
// user route wins, then the VNet's own and peering system routes, then
// the gateway's; the routes that lose show state Invalid.

// VirtualNetwork is the gateway's VNet (Microsoft.Network/virtualNetworks);
// its address space is [VirtualNetworkGateway.VNetAddressSpace].
type VirtualNetwork struct {
	Name     string        `json:"name"`
	Subnets  []Subnet      `json:"subnets,omitempty"`
	Peerings []VNetPeering `json:"peerings,omitempty"`
}

// Subnet is a subnet of the VNet; RouteTable names the associated route
// table ("" for none).
type Subnet struct {
	Name          string `json:"name"`
	AddressPrefix string `json:"addressPrefix"`
	RouteTable    string `json:"routeTable,omitempty"`
}

// VNetPeering is a peering to another VNet, which the lab does not run:
// its address space is given with the peering.
type VNetPeering struct {
	Name                 string   `json:"name"`
	RemoteVirtualNetwork string   `json:"remoteVirtualNetwork"` // the remote VNet's resource ID
	RemoteAddressSpace   []string `json:"remoteAddressSpace"`
	AllowGatewayTransit  bool     `json:"allowGatewayTransit,omitempty"`
}

// RouteTable is a route table (Microsoft.Network/routeTables).
type RouteTable struct {
	Name                       string  `json:"name"`
	DisableBgpRoutePropagation bool    `json:"disableBgpRoutePropagation,omitempty"`
	Routes                     []Route `json:"routes,omitempty"`
}

// Route is a user-defined route.
type Route struct {
	Name             string `json:"name"`
	AddressPrefix    string `json:"addressPrefix"`
	NextHopType      string `json:"nextHopType"` // VirtualNetworkGateway, VnetLocal, Internet, VirtualAppliance, None
	NextHopIPAddress string `json:"nextHopIpAddress,omitempty"`
}

// NetworkInterface is a VM's NIC (Microsoft.Network/networkInterfaces).
type NetworkInterface struct {
	Name      string `json:"name"`
	Subnet    string `json:"subnet"`
	PrivateIP string `json:"privateIpAddress"`
}

// Next hop types of routes and effective routes.
const (
	NextHopGateway   = "VirtualNetworkGateway"
	NextHopVnetLocal = "VnetLocal"
	NextHopInternet  = "Internet"
	NextHopAppliance = "VirtualAppliance"
	NextHopNone      = "None"
	NextHopPeering   = "VNetPeering" // effective routes only
)

// Sources of effective routes.
const (
	SourceDefault = "Default"
	SourceUser    = "User"
	SourceGateway = "VirtualNetworkGateway"
)

var routeNextHopTypes = []string{NextHopGateway, NextHopVnetLocal, NextHopInternet, NextHopAppliance, NextHopNone}

// EffectiveRoute is one route of a NIC's effective route table, in the
// shape of POST networkInterfaces/{nic}/effectiveRouteTable.
type EffectiveRoute struct {
	Name                       string   `json:"name,omitempty"`
	DisableBgpRoutePropagation bool     `json:"disableBgpRoutePropagation"`
	Source                     string   `json:"source"`
	State                      string   `json:"state"` // Active, Invalid
	AddressPrefix              []string `json:"addressPrefix"`
	NextHopIPAddress           []string `json:"nextHopIpAddress"`
	NextHopType                string   `json:"nextHopType"`
}

// subnet returns the named subnet, or nil.
func (v *VirtualNetwork) subnet(name string) *Subnet {
	for i := range v.Subnets {
		if strings.EqualFold(v.Subnets[i].Name, name) {
			return &v.Subnets[i]
		}
	}
	return nil
}

// routeTable returns the named route table, or nil.
func (m *Model) routeTable(name string) *RouteTable {
	for i := range m.RouteTables {
		if strings.EqualFold(m.RouteTables[i].Name, name) {
			return &m.RouteTables[i]
		}
	}
	return nil
}

// nic returns the named network interface, or nil.
func (m *Model) nic(name string) *NetworkInterface {
	for i := range m.NetworkInterfaces {
		if strings.EqualFold(m.NetworkInterfaces[i].Name, name) {
			return &m.NetworkInterfaces[i]
		}
	}
	return nil
}

// EffectiveRoutes computes the effective routes of NIC nic, given the
// prefixes the gateway learned by BGP; ok is false for an unknown NIC.
func (m Model) EffectiveRoutes(nic string, learned []string) (routes []EffectiveRoute, ok bool) {
	n := m.nic(nic)
	if n == nil {
		return nil, false
	}
	var rt *RouteTable
	if s := m.VirtualNetwork.subnet(n.Subnet); s != nil && s.RouteTable != "" {
		rt = m.routeTable(s.RouteTable)
	}
	none := []string{}
	for _, p := range m.Gateway.VNetAddressSpace {
		routes = append(routes, EffectiveRoute{Source: SourceDefault, AddressPrefix: []string{p}, NextHopType: NextHopVnetLocal, NextHopIPAddress: none})
	}
	for _, pe := range m.VirtualNetwork.Peerings {
		for _, p := range pe.RemoteAddressSpace {
			routes = append(routes, EffectiveRoute{Source: SourceDefault, AddressPrefix: []string{p}, NextHopType: NextHopPeering, NextHopIPAddress: none})
		}
	}
	routes = append(routes, EffectiveRoute{Source: SourceDefault, AddressPrefix: []string{"0.0.0.0/0"}, NextHopType: NextHopInternet, NextHopIPAddress: none})
	if rt == nil || !rt.DisableBgpRoutePropagation {
		hops := optional(m.Gateway.BgpPeeringAddress)
		if m.Gateway.ActiveActive && m.Gateway.BgpPeeringAddress2 != "" {
			hops = append(hops, m.Gateway.BgpPeeringAddress2)
		}
		var seen []string
		gwPrefixes := append(slices.Clone(m.LocalGateway.AddressPrefixes), learned...)
		if vc := m.Gateway.VpnClient; vc != nil {
			gwPrefixes = append(gwPrefixes, vc.AddressPrefixes...) // the point-to-site pool
		}
		for _, p := range gwPrefixes {
			if slices.Contains(seen, p) {
				continue
			}
			seen = append(seen, p)
			routes = append(routes, EffectiveRoute{Source: SourceGateway, AddressPrefix: []string{p}, NextHopType: NextHopGateway, NextHopIPAddress: nonNil(slices.Clone(hops))})
		}
	}
	if rt != nil {
		for _, r := range rt.Routes {
			routes = append(routes, EffectiveRoute{Name: r.Name, DisableBgpRoutePropagation: rt.DisableBgpRoutePropagation, Source: SourceUser,
				AddressPrefix: []string{r.AddressPrefix}, NextHopType: r.NextHopType, NextHopIPAddress: nonNil(optional(r.NextHopIPAddress))})
		}
	}
	// For each prefix the highest-ranked route is Active, the others Invalid.
	for i := range routes {
		routes[i].State = "Active"
		if rt != nil {
			routes[i].DisableBgpRoutePropagation = rt.DisableBgpRoutePropagation
		}
		for j := range routes {
			if j != i && samePrefix(routes[i].AddressPrefix[0], routes[j].AddressPrefix[0]) &&
				(rank(routes[j]) > rank(routes[i]) || rank(routes[j]) == rank(routes[i]) && j < i) {
				routes[i].State = "Invalid"
				break
			}
		}
	}
	return routes, true
}

// rank orders routes for the same prefix: user routes, then the VNet's own
// and peering system routes (which BGP routes cannot override), then the
// gateway's, then the other system routes.
func rank(r EffectiveRoute) int {
	switch {
	case r.Source == SourceUser:
		return 3
	case r.NextHopType == NextHopVnetLocal || r.NextHopType == NextHopPeering:
		return 2
	case r.Source == SourceGateway:
		return 1
	}
	return 0
}

func samePrefix(a, b string) bool {
	pa, err1 := netip.ParsePrefix(a)
	pb, err2 := netip.ParsePrefix(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return pa.Masked() == pb.Masked()
}

// overlaps reports whether two prefixes share an address.
func overlaps(a, b string) bool {
	pa, err1 := netip.ParsePrefix(a)
	pb, err2 := netip.ParsePrefix(b)
	return err1 == nil && err2 == nil && pa.Overlaps(pb)
}

// validateNetwork applies Azure's rules to the VNet, its peerings and the
// route tables.
func (m Model) validateNetwork(v *validator) {
	vnet := "virtualNetworks/" + m.VirtualNetwork.Name
	for _, pe := range m.VirtualNetwork.Peerings {
		for j, p := range pe.RemoteAddressSpace {
			field := fmt.Sprintf("virtualNetworkPeerings/%s.properties.remoteAddressSpace.addressPrefixes[%d]", pe.Name, j)
			if _, err := netip.ParsePrefix(p); err != nil {
				v.add(CodeInvalidAddressPrefix, vnet, field, "remote address prefix %q is not a CIDR prefix", p)
				continue
			}
			for _, q := range m.Gateway.VNetAddressSpace {
				if overlaps(p, q) {
					v.add(CodeVnetAddressSpacesOverlap, vnet, field,
						"Cannot create or update peering %s: the address space %s of the remote virtual network overlaps with the address space %s of %s.",
						pe.Name, p, q, m.VirtualNetwork.Name)
				}
			}
		}
	}
	for i, s := range m.VirtualNetwork.Subnets {
		if s.RouteTable != "" && m.routeTable(s.RouteTable) == nil {
			v.add(CodeInvalidResourceReference, vnet, fmt.Sprintf("properties.subnets[%d].properties.routeTable.id", i),
				"route table %s referenced by subnet %s was not found", s.RouteTable, s.Name)
		}
	}
	for _, rt := range m.RouteTables {
		res := "routeTables/" + rt.Name
		for i, r := range rt.Routes {
			field := fmt.Sprintf("properties.routes[%d]", i)
			if r.Name == "" {
				v.add(CodeInvalidParameter, res, field+".name", "route name is required")
			}
			if _, err := netip.ParsePrefix(r.AddressPrefix); err != nil {
				v.add(CodeInvalidAddressPrefix, res, field+".properties.addressPrefix", "route address prefix %q is not a CIDR prefix", r.AddressPrefix)
			}
			switch {
			case !slices.Contains(routeNextHopTypes, r.NextHopType):
				v.add(CodeInvalidParameter, res, field+".properties.nextHopType", "next hop type %q is not one of %s",
					r.NextHopType, strings.Join(routeNextHopTypes, ", "))
			case r.NextHopType == NextHopAppliance:
				if _, err := netip.ParseAddr(r.NextHopIPAddress); err != nil {
					v.add(CodeInvalidNextHopIPAddress, res, field+".properties.nextHopIpAddress",
						"route %s with next hop type VirtualAppliance needs a next hop IP address, got %q", r.Name, r.NextHopIPAddress)
				}
			case r.NextHopIPAddress != "":
				v.add(CodeInvalidNextHopIPAddress, res, field+".properties.nextHopIpAddress",
					"a next hop IP address is allowed only with next hop type VirtualAppliance, route %s has %s", r.Name, r.NextHopType)
			}
		}
	}
	// A local network gateway's address space must not overlap the VNet's
	// address space (MicrosoftDocs/azure-docs#110829, #61920: Azure refuses
	// the connection or the update with ConnectionOverlappingAddressSpaces).
	for i, p := range m.LocalGateway.AddressPrefixes {
		for _, q := range m.Gateway.VNetAddressSpace {
			if overlaps(p, q) {
				v.add(CodeConnectionOverlappingAddressSpaces, "localNetworkGateways/"+m.LocalGateway.Name,
					fmt.Sprintf("properties.localNetworkAddressSpace.addressPrefixes[%d]", i),
					"The address space %s of local network gateway %s overlaps with the address space %s of virtual network %s connected through connection %s.",
					p, m.LocalGateway.Name, q, m.VirtualNetwork.Name, m.Connection.Name)
			}
		}
	}
}

// networkActivity names the Activity Log operation and resource of a
// change to the VNet or the route tables (ok false for another change).
func networkActivity(old, next Model) (op, id string, ok bool) {
	vnetID := next.ID("virtualNetworks", next.VirtualNetwork.Name)
	for _, rt := range next.RouteTables {
		if o := old.routeTable(rt.Name); o == nil || !routeTablesEqual(*o, rt) {
			return "Microsoft.Network/routeTables/write", next.ID("routeTables", rt.Name), true
		}
	}
	for _, rt := range old.RouteTables {
		if next.routeTable(rt.Name) == nil {
			return "Microsoft.Network/routeTables/delete", next.ID("routeTables", rt.Name), true
		}
	}
	for _, s := range next.VirtualNetwork.Subnets {
		if o := old.VirtualNetwork.subnet(s.Name); o == nil || *o != s {
			return "Microsoft.Network/virtualNetworks/subnets/write", vnetID + "/subnets/" + s.Name, true
		}
	}
	for _, p := range next.VirtualNetwork.Peerings {
		if o := old.VirtualNetwork.peering(p.Name); o == nil || !peeringsEqual(*o, p) {
			return "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write", vnetID + "/virtualNetworkPeerings/" + p.Name, true
		}
	}
	for _, p := range old.VirtualNetwork.Peerings {
		if next.VirtualNetwork.peering(p.Name) == nil {
			return "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete", vnetID + "/virtualNetworkPeerings/" + p.Name, true
		}
	}
	return "", "", false
}

func routeTablesEqual(a, b RouteTable) bool {
	return a.Name == b.Name && a.DisableBgpRoutePropagation == b.DisableBgpRoutePropagation && slices.Equal(a.Routes, b.Routes)
}

func peeringsEqual(a, b VNetPeering) bool {
	return a.Name == b.Name && a.RemoteVirtualNetwork == b.RemoteVirtualNetwork && a.AllowGatewayTransit == b.AllowGatewayTransit &&
		slices.Equal(a.RemoteAddressSpace, b.RemoteAddressSpace)
}

// peering returns the named peering, or nil.
func (v *VirtualNetwork) peering(name string) *VNetPeering {
	for i := range v.Peerings {
		if strings.EqualFold(v.Peerings[i].Name, name) {
			return &v.Peerings[i]
		}
	}
	return nil
}
