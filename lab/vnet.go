package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// The VNet's routing as the fake Azure models it (route tables, peerings)
// and the VM that obeys it. Azure programs a NIC's effective routes into
// its host; the lab plays that part: after each change it makes through
// the API it reads the NIC's effective routes back from the API and
// installs them in azure-vm (SyncVMRoutes), so that a user-defined route or
// a peering really moves the VM's traffic.

// vmRouteProto tags the routes SyncVMRoutes installs in azure-vm, so that
// the next sync replaces them all.
const vmRouteProto = "77"

// vnetIf is azure-vm's interface on the VNet (a segment's name is its
// members' interface name).
const vnetIf = "azure-vnet"

// SetRouteTable creates (or replaces) a route table through the API and
// associates it with a subnet of the VNet, as a user does in the portal,
// then programs the VM's routes.
func (l *Lab) SetRouteTable(ctx context.Context, table, subnet string, routes []azure.Route, disablePropagation bool) error {
	var rs []map[string]any
	for _, r := range routes {
		p := map[string]any{"addressPrefix": r.AddressPrefix, "nextHopType": r.NextHopType}
		if r.NextHopIPAddress != "" {
			p["nextHopIpAddress"] = r.NextHopIPAddress
		}
		rs = append(rs, map[string]any{"name": r.Name, "properties": p})
	}
	if err := l.AzurePut(ctx, "routeTables", table, map[string]any{"routes": rs, "disableBgpRoutePropagation": disablePropagation}); err != nil {
		return err
	}
	if err := l.associate(ctx, subnet, l.Model.ID("routeTables", table)); err != nil {
		return err
	}
	return l.SyncVMRoutes(ctx)
}

// RemoveRouteTable dissociates the route table from the subnet and deletes
// it through the API (seed 000 §5.5 対処法⑤), then programs the VM's routes.
func (l *Lab) RemoveRouteTable(ctx context.Context, table, subnet string) error {
	if err := l.associate(ctx, subnet, ""); err != nil {
		return err
	}
	if err := l.azureDelete(ctx, "routeTables", table); err != nil {
		return err
	}
	return l.SyncVMRoutes(ctx)
}

// associate sets a subnet's route table ("" dissociates), keeping its prefix.
func (l *Lab) associate(ctx context.Context, subnet, tableID string) error {
	var cur struct {
		Properties struct {
			AddressPrefix string `json:"addressPrefix"`
		} `json:"properties"`
	}
	name := l.Model.VirtualNetwork.Name + "/subnets/" + subnet
	if err := l.AzureGet(ctx, "virtualNetworks", name, &cur); err != nil {
		return err
	}
	props := map[string]any{"addressPrefix": cur.Properties.AddressPrefix}
	if tableID != "" {
		props["routeTable"] = map[string]any{"id": tableID}
	}
	return l.AzurePut(ctx, "virtualNetworks", name, props)
}

// AddPeering peers the VNet with a remote VNet of the given address space
// through the API, then programs the VM's routes.
func (l *Lab) AddPeering(ctx context.Context, name, remoteVNet string, prefixes []string) error {
	props := map[string]any{
		"remoteVirtualNetwork":      map[string]any{"id": remoteVNet},
		"remoteAddressSpace":        map[string]any{"addressPrefixes": prefixes},
		"allowVirtualNetworkAccess": true,
	}
	if err := l.AzurePut(ctx, "virtualNetworks", l.Model.VirtualNetwork.Name+"/virtualNetworkPeerings/"+name, props); err != nil {
		return err
	}
	return l.SyncVMRoutes(ctx)
}

// RemovePeering deletes a peering through the API, then programs the VM's routes.
func (l *Lab) RemovePeering(ctx context.Context, name string) error {
	if err := l.azureDelete(ctx, "virtualNetworks", l.Model.VirtualNetwork.Name+"/virtualNetworkPeerings/"+name); err != nil {
		return err
	}
	return l.SyncVMRoutes(ctx)
}

func (l *Lab) azureDelete(ctx context.Context, kind, name string) error {
	a, err := l.AzureAPI()
	if err != nil {
		return err
	}
	var raw json.RawMessage
	err = a.do(ctx, http.MethodDelete, a.armURL(kind, name, "", nil), &raw)
	if err != nil && strings.Contains(err.Error(), "unexpected end of JSON input") {
		return nil // 204 No Content: already gone
	}
	return err
}

// EffectiveRoutes reads the VM NIC's effective routes from the API
// (az network nic show-effective-route-table).
func (l *Lab) EffectiveRoutes(ctx context.Context) ([]azure.EffectiveRoute, error) {
	a, err := l.AzureAPI()
	if err != nil {
		return nil, err
	}
	var v struct {
		Value []azure.EffectiveRoute `json:"value"`
	}
	if err := a.do(ctx, http.MethodPost, a.armURL("networkInterfaces", l.vmNIC(), "effectiveRouteTable", nil), &v); err != nil {
		return nil, err
	}
	return v.Value, nil
}

func (l *Lab) vmNIC() string {
	for _, n := range l.Model.NetworkInterfaces {
		if n.PrivateIP == AzureVMIP.String() {
			return n.Name
		}
	}
	return azure.VMNIC
}

// SyncVMRoutes installs the NIC's active effective routes in azure-vm, as
// Azure's host programs them: a virtual appliance as the next hop, None
// and Internet (the lab has no internet) as a black hole, a peered VNet on
// the VNet segment (where no host of the branch answers), the gateway via
// its GatewaySubnet address. The VNet's own prefix is the VM's connected
// route; 0.0.0.0/0 to Internet keeps the lab's default route through the
// gateway.
func (l *Lab) SyncVMRoutes(ctx context.Context) error {
	routes, err := l.EffectiveRoutes(ctx)
	if err != nil {
		return err
	}
	return l.execOK(AzureVM, "sh", "-c", vmRouteScript(routes))()
}

// vmRouteScript is the shell script that replaces azure-vm's synced routes.
func vmRouteScript(routes []azure.EffectiveRoute) string {
	gw := AzureGWAddr.String()
	cmds := []string{"ip route flush proto " + vmRouteProto, "ip route replace default via " + gw}
	for _, r := range routes {
		if r.State != "Active" || len(r.AddressPrefix) == 0 {
			continue
		}
		p, err := netip.ParsePrefix(r.AddressPrefix[0])
		if err != nil {
			continue
		}
		dst := p.Masked().String()
		if p.Bits() == 0 {
			dst = "default"
		}
		var how string
		switch r.NextHopType {
		case azure.NextHopVnetLocal:
			continue
		case azure.NextHopInternet:
			if p.Bits() == 0 {
				continue
			}
			how = "blackhole " + dst
		case azure.NextHopNone:
			how = "blackhole " + dst
		case azure.NextHopAppliance, azure.NextHopGateway:
			hop := gw
			if r.NextHopType == azure.NextHopAppliance {
				if len(r.NextHopIPAddress) == 0 {
					continue
				}
				hop = r.NextHopIPAddress[0]
			}
			if _, err := netip.ParseAddr(hop); err != nil {
				continue
			}
			how = dst + " via " + hop
		case azure.NextHopPeering:
			how = dst + " dev " + vnetIf
		default:
			continue
		}
		cmds = append(cmds, fmt.Sprintf("ip route replace %s proto %s", how, vmRouteProto))
	}
	return strings.Join(cmds, " && ")
}

// liveNetwork reads the VNet (subnets with their route table, peerings)
// and the route tables into m, as the API shows them now.
func (l *Lab) liveNetwork(ctx context.Context, m *azure.Model) error {
	var vn struct {
		Properties struct {
			Subnets []struct {
				Name       string `json:"name"`
				Properties struct {
					AddressPrefix string `json:"addressPrefix"`
					RouteTable    *struct {
						ID string `json:"id"`
					} `json:"routeTable"`
				} `json:"properties"`
			} `json:"subnets"`
			Peerings []struct {
				Name       string `json:"name"`
				Properties struct {
					Remote struct {
						ID string `json:"id"`
					} `json:"remoteVirtualNetwork"`
					Space struct {
						AddressPrefixes []string `json:"addressPrefixes"`
					} `json:"remoteAddressSpace"`
					AllowGatewayTransit bool `json:"allowGatewayTransit"`
				} `json:"properties"`
			} `json:"virtualNetworkPeerings"`
		} `json:"properties"`
	}
	if err := l.AzureGet(ctx, "virtualNetworks", m.VirtualNetwork.Name, &vn); err != nil {
		return err
	}
	m.VirtualNetwork.Subnets, m.VirtualNetwork.Peerings = nil, nil
	for _, s := range vn.Properties.Subnets {
		sn := azure.Subnet{Name: s.Name, AddressPrefix: s.Properties.AddressPrefix}
		if rt := s.Properties.RouteTable; rt != nil {
			sn.RouteTable = rt.ID[strings.LastIndex(rt.ID, "/")+1:]
		}
		m.VirtualNetwork.Subnets = append(m.VirtualNetwork.Subnets, sn)
	}
	for _, p := range vn.Properties.Peerings {
		m.VirtualNetwork.Peerings = append(m.VirtualNetwork.Peerings, azure.VNetPeering{Name: p.Name, RemoteVirtualNetwork: p.Properties.Remote.ID,
			RemoteAddressSpace: p.Properties.Space.AddressPrefixes, AllowGatewayTransit: p.Properties.AllowGatewayTransit})
	}
	a, err := l.AzureAPI()
	if err != nil {
		return err
	}
	var rts struct {
		Value []struct {
			Name       string `json:"name"`
			Properties struct {
				Disable bool `json:"disableBgpRoutePropagation"`
				Routes  []struct {
					Name       string `json:"name"`
					Properties struct {
						AddressPrefix    string `json:"addressPrefix"`
						NextHopType      string `json:"nextHopType"`
						NextHopIPAddress string `json:"nextHopIpAddress"`
					} `json:"properties"`
				} `json:"routes"`
			} `json:"properties"`
		} `json:"value"`
	}
	u := a.Base + "/subscriptions/" + m.SubscriptionID + "/resourceGroups/" + m.ResourceGroup + "/providers/Microsoft.Network/routeTables?api-version=" + APIVersion
	if err := a.do(ctx, http.MethodGet, u, &rts); err != nil {
		return err
	}
	m.RouteTables = nil
	for _, t := range rts.Value {
		rt := azure.RouteTable{Name: t.Name, DisableBgpRoutePropagation: t.Properties.Disable}
		for _, r := range t.Properties.Routes {
			rt.Routes = append(rt.Routes, azure.Route{Name: r.Name, AddressPrefix: r.Properties.AddressPrefix,
				NextHopType: r.Properties.NextHopType, NextHopIPAddress: r.Properties.NextHopIPAddress})
		}
		m.RouteTables = append(m.RouteTables, rt)
	}
	return nil
}
