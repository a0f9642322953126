package scenarios

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// VNetLab is what the Azure-side routing faults (issue 13: user-defined
// routes, overlapping address spaces) act on beyond Lab; *lab.Lab
// satisfies it. Each change goes through the fake Azure's API and then
// into the VM's routes, as Azure programs a NIC's effective routes.
type VNetLab interface {
	Lab
	SetRouteTable(ctx context.Context, table, subnet string, routes []azure.Route, disablePropagation bool) error
	RemoveRouteTable(ctx context.Context, table, subnet string) error
	AddPeering(ctx context.Context, name, remoteVNet string, prefixes []string) error
	RemovePeering(ctx context.Context, name string) error
}

func vnetLab(l Lab) (VNetLab, error) {
	v, ok := l.(VNetLab)
	if !ok {
		return nil, fmt.Errorf("this lab cannot take VNet routing faults")
	}
	return v, nil
}

// vnetKinds are the fault kinds of the VNet's routing.
func vnetKinds() map[string]kind {
	return map[string]kind{
		"route-table":  build[routeTable](func() *routeTable { return &routeTable{Subnet: azure.WorkloadSubnet} }),
		"vnet-peering": build[vnetPeering](func() *vnetPeering { return &vnetPeering{} }),
	}
}

// udr is one user-defined route of a route-table fault.
type udr struct {
	Name    string `yaml:"name"`
	Prefix  string `yaml:"prefix"`
	NextHop string `yaml:"next_hop"`    // VirtualAppliance, VirtualNetworkGateway, VnetLocal, Internet, None
	HopIP   string `yaml:"next_hop_ip"` // for VirtualAppliance
}

// routeTable creates a route table with user-defined routes and associates
// it with a subnet of the VNet through the Azure API (seed 000 §5.5 原因
// 「Azure 側の UDR（ユーザー定義ルート）の優先度誤り」, 対処法⑤).
type routeTable struct {
	Name               string `yaml:"name"`
	Subnet             string `yaml:"subnet"`
	Routes             []udr  `yaml:"routes"`
	DisablePropagation bool   `yaml:"disable_bgp_route_propagation"`
}

func (f *routeTable) Kind() string { return "route-table" }
func (f *routeTable) Describe() string {
	var rs []string
	for _, r := range f.Routes {
		s := r.Prefix + " → " + r.NextHop
		if r.HopIP != "" {
			s += " " + r.HopIP
		}
		rs = append(rs, s)
	}
	d := fmt.Sprintf("route table %s (%s) is associated with subnet %s", f.Name, strings.Join(rs, ", "), f.Subnet)
	if f.DisablePropagation {
		d += ", gateway route propagation disabled"
	}
	return d
}
func (f *routeTable) check() error {
	if f.Name == "" {
		return fieldError{"name", "a route table name is needed"}
	}
	if f.Subnet == "" {
		return fieldError{"subnet", "a subnet name is needed, like workload"}
	}
	if len(f.Routes) == 0 {
		return fieldError{"routes", "at least one route is needed"}
	}
	hops := []string{azure.NextHopAppliance, azure.NextHopGateway, azure.NextHopVnetLocal, azure.NextHopInternet, azure.NextHopNone}
	for _, r := range f.Routes {
		if r.Name == "" {
			return fieldError{"routes", "every route needs a name"}
		}
		if _, err := netip.ParsePrefix(r.Prefix); err != nil {
			return fieldError{"routes", fmt.Sprintf("%q is not a prefix like 198.18.10.0/24", r.Prefix)}
		}
		if !slices.Contains(hops, r.NextHop) {
			return fieldError{"routes", fmt.Sprintf("next_hop %q is not one of %s", r.NextHop, strings.Join(hops, ", "))}
		}
		if r.NextHop == azure.NextHopAppliance {
			a, err := netip.ParseAddr(r.HopIP)
			if err != nil || !labAddr(a) {
				return fieldError{"routes", "a VirtualAppliance route needs next_hop_ip inside the lab's ranges, like 198.19.2.4"}
			}
		}
	}
	return nil
}
func (f *routeTable) routes() []azure.Route {
	var out []azure.Route
	for _, r := range f.Routes {
		out = append(out, azure.Route{Name: r.Name, AddressPrefix: r.Prefix, NextHopType: r.NextHop, NextHopIPAddress: r.HopIP})
	}
	return out
}
func (f *routeTable) Inject(ctx context.Context, l Lab) error {
	v, err := vnetLab(l)
	if err != nil {
		return err
	}
	return v.SetRouteTable(ctx, f.Name, f.Subnet, f.routes(), f.DisablePropagation)
}

// Fix dissociates the route table from the subnet and deletes it through
// the API, so the gateway's routes apply again (seed 000 §5.5 対処法⑤:
// 0.0.0.0/0 and the on-prem prefixes must not go to an NVA).
func (f *routeTable) Fix(ctx context.Context, l Lab) error {
	v, err := vnetLab(l)
	if err != nil {
		return err
	}
	return v.RemoveRouteTable(ctx, f.Name, f.Subnet)
}

// vnetPeering peers the VNet with another VNet whose address space Azure
// accepts but which overlaps the on-prem network, so the VNet routes that
// part of the branch to the peered VNet instead of the gateway (seed 000
// §2.3 注意事項: overlapping VNet and on-prem address spaces break routing).
type vnetPeering struct {
	Name           string   `yaml:"name"`
	RemoteVNet     string   `yaml:"remote_vnet"` // the remote VNet's resource ID
	RemotePrefixes []string `yaml:"remote_prefixes"`
}

func (f *vnetPeering) Kind() string { return "vnet-peering" }
func (f *vnetPeering) Describe() string {
	return fmt.Sprintf("the VNet is peered (%s) with a VNet whose address space is %s", f.Name, strings.Join(f.RemotePrefixes, ", "))
}
func (f *vnetPeering) check() error {
	if f.Name == "" {
		return fieldError{"name", "a peering name is needed"}
	}
	if !strings.Contains(strings.ToLower(f.RemoteVNet), "/providers/microsoft.network/virtualnetworks/") {
		return fieldError{"remote_vnet", "want a virtual network's resource ID"}
	}
	if len(f.RemotePrefixes) == 0 {
		return fieldError{"remote_prefixes", "the remote VNet's address space is needed"}
	}
	for _, p := range f.RemotePrefixes {
		pp, err := netip.ParsePrefix(p)
		if err != nil || !labAddr(pp.Addr()) {
			return fieldError{"remote_prefixes", fmt.Sprintf("%q is not a prefix inside the lab's ranges", p)}
		}
	}
	return nil
}
func (f *vnetPeering) Inject(ctx context.Context, l Lab) error {
	v, err := vnetLab(l)
	if err != nil {
		return err
	}
	return v.AddPeering(ctx, f.Name, f.RemoteVNet, f.RemotePrefixes)
}

// Fix removes the peering through the API until one side is renumbered
// (seed 000 §2.3; address-space-overlap in the knowledge base).
func (f *vnetPeering) Fix(ctx context.Context, l Lab) error {
	v, err := vnetLab(l)
	if err != nil {
		return err
	}
	return v.RemovePeering(ctx, f.Name)
}
