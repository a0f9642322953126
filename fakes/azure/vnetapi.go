package azure

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// ARM routes of the VNet, its route tables and the VM's NIC (vnet.go):
//
//	GET    routeTables                                       list
//	GET    routeTables/{name}
//	PUT    routeTables/{name}                                create or replace (routes, disableBgpRoutePropagation)
//	DELETE routeTables/{name}                                400 InUseRouteTableCannotBeDeleted while a subnet uses it
//	GET    virtualNetworks/{vnet}
//	GET    virtualNetworks/{vnet}/subnets/{subnet}
//	PUT    virtualNetworks/{vnet}/subnets/{subnet}           properties.routeTable.id associates (absent: none)
//	GET    virtualNetworks/{vnet}/virtualNetworkPeerings/{name}
//	PUT    virtualNetworks/{vnet}/virtualNetworkPeerings/{name}
//	DELETE virtualNetworks/{vnet}/virtualNetworkPeerings/{name}
//	GET    networkInterfaces/{nic}
//	POST   networkInterfaces/{nic}/effectiveRouteTable       LRO
//
// These writes are not the gateway's configuration: they are in the
// Activity Log but write no GatewayDiagnosticLog record. A PUT replaces the
// resource, as ARM does (unlike the lab's merging PUT of the gateway's
// resources). The remote VNet of a peering is not in the lab: the PUT gives
// its address space in properties.remoteAddressSpace.
const (
	typeRouteTable       = "Microsoft.Network/routeTables"
	typeVirtualNetwork   = "Microsoft.Network/virtualNetworks"
	typeNetworkInterface = "Microsoft.Network/networkInterfaces"
)

// networkKind serves the routes above; ok false when kind is none of them.
func (a *api) networkKind(w http.ResponseWriter, r *http.Request, m Model, kind, name string, rest []string) bool {
	switch strings.ToLower(kind) {
	case "routetables":
		if len(rest) > 0 {
			notFound(w, m, typeName("routeTables", name, strings.Join(rest, "/")))
		} else {
			a.routeTable(w, r, m, name)
		}
	case "virtualnetworks":
		if !strings.EqualFold(name, m.VirtualNetwork.Name) {
			notFound(w, m, typeName("virtualNetworks", name, ""))
			return true
		}
		a.virtualNetwork(w, r, m, rest)
	case "networkinterfaces":
		a.networkInterface(w, r, m, name, strings.Join(rest, "/"))
	default:
		return false
	}
	return true
}

// listNetwork serves the list of a network kind; ok false for another kind.
func (a *api) listNetwork(w http.ResponseWriter, r *http.Request, m Model, kind string) bool {
	var out []any
	switch strings.ToLower(kind) {
	case "routetables":
		for _, rt := range m.RouteTables {
			out = append(out, m.routeTableResource(rt))
		}
	case "virtualnetworks":
		out = append(out, m.virtualNetworkResource())
	case "networkinterfaces":
		for _, n := range m.NetworkInterfaces {
			out = append(out, m.nicResource(n))
		}
	default:
		return false
	}
	if allow(w, r, http.MethodGet) {
		writeJSON(w, http.StatusOK, list(out))
	}
	return true
}

type routeProps struct {
	AddressPrefix     string `json:"addressPrefix"`
	NextHopType       string `json:"nextHopType"`
	NextHopIPAddress  string `json:"nextHopIpAddress,omitempty"`
	ProvisioningState string `json:"provisioningState,omitempty"`
}

type routeTableProps struct {
	ResourceGUID               string          `json:"resourceGuid"`
	ProvisioningState          string          `json:"provisioningState"`
	DisableBgpRoutePropagation bool            `json:"disableBgpRoutePropagation"`
	Routes                     []routeResource `json:"routes"`
	Subnets                    []subResource   `json:"subnets,omitempty"`
}

type routeResource struct {
	ID         string     `json:"id,omitempty"`
	Name       string     `json:"name"`
	Etag       string     `json:"etag,omitempty"`
	Type       string     `json:"type,omitempty"`
	Properties routeProps `json:"properties"`
}

func (m Model) routeTableResource(rt RouteTable) resource {
	id := m.ID("routeTables", rt.Name)
	p := routeTableProps{ResourceGUID: guidOf(id), ProvisioningState: "Succeeded", DisableBgpRoutePropagation: rt.DisableBgpRoutePropagation,
		Routes: []routeResource{}}
	for _, r := range rt.Routes {
		p.Routes = append(p.Routes, routeResource{ID: id + "/routes/" + r.Name, Name: r.Name, Etag: etagOf(r), Type: typeRouteTable + "/routes",
			Properties: routeProps{r.AddressPrefix, r.NextHopType, r.NextHopIPAddress, "Succeeded"}})
	}
	for _, s := range m.VirtualNetwork.Subnets {
		if strings.EqualFold(s.RouteTable, rt.Name) {
			p.Subnets = append(p.Subnets, subResource{m.subnetID(s.Name)})
		}
	}
	return resource{ID: id, Name: rt.Name, Etag: etagOf(rt), Type: typeRouteTable, Location: m.Location, Properties: p}
}

func (m Model) subnetID(name string) string {
	return m.ID("virtualNetworks", m.VirtualNetwork.Name) + "/subnets/" + name
}

type subnetProps struct {
	AddressPrefix     string       `json:"addressPrefix"`
	ProvisioningState string       `json:"provisioningState"`
	RouteTable        *subResource `json:"routeTable,omitempty"`
}

type subnetResource struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Etag       string      `json:"etag"`
	Type       string      `json:"type"`
	Properties subnetProps `json:"properties"`
}

func (m Model) subnetResource(s Subnet) subnetResource {
	p := subnetProps{AddressPrefix: s.AddressPrefix, ProvisioningState: "Succeeded"}
	if s.RouteTable != "" {
		p.RouteTable = &subResource{m.ID("routeTables", s.RouteTable)}
	}
	return subnetResource{ID: m.subnetID(s.Name), Name: s.Name, Etag: etagOf(s), Type: typeVirtualNetwork + "/subnets", Properties: p}
}

type peeringProps struct {
	PeeringState              string       `json:"peeringState"`
	ProvisioningState         string       `json:"provisioningState"`
	RemoteVirtualNetwork      subResource  `json:"remoteVirtualNetwork"`
	RemoteAddressSpace        addressSpace `json:"remoteAddressSpace"`
	AllowVirtualNetworkAccess bool         `json:"allowVirtualNetworkAccess"`
	AllowGatewayTransit       bool         `json:"allowGatewayTransit"`
	UseRemoteGateways         bool         `json:"useRemoteGateways"`
}

type peeringResource struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Etag       string       `json:"etag"`
	Type       string       `json:"type"`
	Properties peeringProps `json:"properties"`
}

func (m Model) peeringResource(p VNetPeering) peeringResource {
	return peeringResource{ID: m.ID("virtualNetworks", m.VirtualNetwork.Name) + "/virtualNetworkPeerings/" + p.Name, Name: p.Name,
		Etag: etagOf(p), Type: typeVirtualNetwork + "/virtualNetworkPeerings",
		Properties: peeringProps{PeeringState: "Connected", ProvisioningState: "Succeeded", RemoteVirtualNetwork: subResource{p.RemoteVirtualNetwork},
			RemoteAddressSpace: addressSpace{nonNil(p.RemoteAddressSpace)}, AllowVirtualNetworkAccess: true, AllowGatewayTransit: p.AllowGatewayTransit}}
}

func (m Model) virtualNetworkResource() resource {
	id := m.ID("virtualNetworks", m.VirtualNetwork.Name)
	subnets, peerings := []subnetResource{}, []peeringResource{}
	for _, s := range m.VirtualNetwork.Subnets {
		subnets = append(subnets, m.subnetResource(s))
	}
	for _, p := range m.VirtualNetwork.Peerings {
		peerings = append(peerings, m.peeringResource(p))
	}
	return resource{ID: id, Name: m.VirtualNetwork.Name, Etag: etagOf(m.VirtualNetwork), Type: typeVirtualNetwork, Location: m.Location,
		Properties: map[string]any{
			"resourceGuid": guidOf(id), "provisioningState": "Succeeded",
			"addressSpace": addressSpace{nonNil(m.Gateway.VNetAddressSpace)},
			"subnets":      subnets, "virtualNetworkPeerings": peerings,
		}}
}

func (m Model) nicResource(n NetworkInterface) resource {
	id := m.ID("networkInterfaces", n.Name)
	return resource{ID: id, Name: n.Name, Etag: etagOf(n), Type: typeNetworkInterface, Location: m.Location,
		Properties: map[string]any{
			"resourceGuid": guidOf(id), "provisioningState": "Succeeded",
			"ipConfigurations": []any{map[string]any{
				"id": id + "/ipConfigurations/ipconfig1", "name": "ipconfig1",
				"properties": map[string]any{"privateIPAddress": n.PrivateIP, "privateIPAllocationMethod": "Static",
					"subnet": subResource{m.subnetID(n.Subnet)}, "primary": true},
			}},
		}}
}

// networkChange runs an edit of the VNet or the route tables and answers
// with the resource respond returns from the committed model.
func (a *api) networkChange(w http.ResponseWriter, r *http.Request, status int, e edit, respond func(Model) any) {
	next, err := a.g.change(r.Context(), "", "", e)
	if err != nil {
		a.changeFailed(w, err)
		return
	}
	a.done(w, r, next, status, respond(next))
}

func (a *api) routeTable(w http.ResponseWriter, r *http.Request, m Model, name string) {
	if !allow(w, r, http.MethodGet, http.MethodPut, http.MethodDelete) {
		return
	}
	cur := m.routeTable(name)
	switch r.Method {
	case http.MethodGet:
		if cur == nil {
			notFound(w, m, typeName("routeTables", name, ""))
			return
		}
		writeJSON(w, http.StatusOK, m.routeTableResource(*cur))
	case http.MethodDelete:
		if cur == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if !preconditions(w, r, m.routeTableResource(*cur)) {
			return
		}
		for _, s := range m.VirtualNetwork.Subnets {
			if strings.EqualFold(s.RouteTable, cur.Name) {
				writeError(w, http.StatusBadRequest, "InUseRouteTableCannotBeDeleted", fmt.Sprintf(
					"Route table %s is in use and cannot be deleted. In use by %s.", m.ID("routeTables", cur.Name), m.subnetID(s.Name)))
				return
			}
		}
		tname := cur.Name
		next, err := a.g.change(r.Context(), "", "", func(m *Model) ([]string, error) {
			m.RouteTables = slices.DeleteFunc(m.RouteTables, func(rt RouteTable) bool { return rt.Name == tname })
			return []string{"routeTables/" + tname + " (deleted)"}, nil
		})
		if err != nil {
			a.changeFailed(w, err)
			return
		}
		a.finished(w, r, next, nil)
	default:
		var body struct {
			Location   string `json:"location"`
			Properties struct {
				DisableBgpRoutePropagation bool `json:"disableBgpRoutePropagation"`
				Routes                     []struct {
					Name       string     `json:"name"`
					Properties routeProps `json:"properties"`
				} `json:"routes"`
			} `json:"properties"`
		}
		if !a.readJSON(w, r, &body) {
			return
		}
		if cur != nil && !preconditions(w, r, m.routeTableResource(*cur)) {
			return
		}
		rt := RouteTable{Name: name, DisableBgpRoutePropagation: body.Properties.DisableBgpRoutePropagation}
		if cur != nil {
			rt.Name = cur.Name
		}
		for _, x := range body.Properties.Routes {
			rt.Routes = append(rt.Routes, Route{Name: x.Name, AddressPrefix: x.Properties.AddressPrefix,
				NextHopType: x.Properties.NextHopType, NextHopIPAddress: x.Properties.NextHopIPAddress})
		}
		status := http.StatusOK
		if cur == nil {
			status = http.StatusCreated
		}
		a.networkChange(w, r, status, func(m *Model) ([]string, error) {
			if old := m.routeTable(rt.Name); old != nil {
				if routeTablesEqual(*old, rt) {
					return nil, nil
				}
				*old = rt
			} else {
				m.RouteTables = append(m.RouteTables, rt)
			}
			return []string{"routeTables/" + rt.Name}, nil
		}, func(m Model) any { return m.routeTableResource(*m.routeTable(rt.Name)) })
	}
}

func (a *api) virtualNetwork(w http.ResponseWriter, r *http.Request, m Model, rest []string) {
	switch {
	case len(rest) == 0:
		if allow(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, m.virtualNetworkResource())
		}
	case len(rest) == 2 && strings.EqualFold(rest[0], "subnets"):
		a.subnet(w, r, m, rest[1])
	case len(rest) == 2 && strings.EqualFold(rest[0], "virtualNetworkPeerings"):
		a.peering(w, r, m, rest[1])
	default:
		notFound(w, m, typeName("virtualNetworks", m.VirtualNetwork.Name, strings.Join(rest, "/")))
	}
}

func (a *api) subnet(w http.ResponseWriter, r *http.Request, m Model, name string) {
	if !allow(w, r, http.MethodGet, http.MethodPut) {
		return
	}
	cur := m.VirtualNetwork.subnet(name)
	if cur == nil {
		if r.Method == http.MethodPut {
			writeError(w, http.StatusBadRequest, "OperationNotAllowed", fmt.Sprintf(
				"The lab's virtual network %s has the subnets it was built with; creating subnet %s is not supported.", m.VirtualNetwork.Name, name))
			return
		}
		notFound(w, m, typeName("virtualNetworks", m.VirtualNetwork.Name, "subnets/"+name))
		return
	}
	if r.Method == http.MethodGet {
		writeJSON(w, http.StatusOK, m.subnetResource(*cur))
		return
	}
	var body struct {
		Properties struct {
			AddressPrefix string       `json:"addressPrefix"`
			RouteTable    *subResource `json:"routeTable"`
		} `json:"properties"`
	}
	if !a.readJSON(w, r, &body) || !preconditions(w, r, m.subnetResource(*cur)) {
		return
	}
	sname := cur.Name
	if p := body.Properties.AddressPrefix; p != "" && p != cur.AddressPrefix {
		writeError(w, http.StatusBadRequest, "OperationNotAllowed", fmt.Sprintf(
			"The lab does not renumber subnet %s (%s); only its route table association changes.", sname, cur.AddressPrefix))
		return
	}
	table := ""
	if rt := body.Properties.RouteTable; rt != nil && rt.ID != "" {
		i := strings.LastIndex(rt.ID, "/")
		if i < 0 || !strings.EqualFold(rt.ID, m.ID("routeTables", rt.ID[i+1:])) {
			writeError(w, http.StatusBadRequest, CodeInvalidResourceReference, fmt.Sprintf(
				"Resource %s referenced by resource %s was not found.", rt.ID, m.subnetID(sname)))
			return
		}
		table = rt.ID[i+1:]
		if t := m.routeTable(table); t != nil {
			table = t.Name
		}
	}
	a.networkChange(w, r, http.StatusOK, func(m *Model) ([]string, error) {
		s := m.VirtualNetwork.subnet(sname)
		if s.RouteTable == table {
			return nil, nil
		}
		s.RouteTable = table
		return []string{"subnets/" + sname + ".routeTable"}, nil
	}, func(m Model) any { return m.subnetResource(*m.VirtualNetwork.subnet(sname)) })
}

func (a *api) peering(w http.ResponseWriter, r *http.Request, m Model, name string) {
	if !allow(w, r, http.MethodGet, http.MethodPut, http.MethodDelete) {
		return
	}
	cur := m.VirtualNetwork.peering(name)
	switch r.Method {
	case http.MethodGet:
		if cur == nil {
			notFound(w, m, typeName("virtualNetworks", m.VirtualNetwork.Name, "virtualNetworkPeerings/"+name))
			return
		}
		writeJSON(w, http.StatusOK, m.peeringResource(*cur))
	case http.MethodDelete:
		if cur == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		pname := cur.Name
		next, err := a.g.change(r.Context(), "", "", func(m *Model) ([]string, error) {
			m.VirtualNetwork.Peerings = slices.DeleteFunc(m.VirtualNetwork.Peerings, func(p VNetPeering) bool { return p.Name == pname })
			return []string{"virtualNetworkPeerings/" + pname + " (deleted)"}, nil
		})
		if err != nil {
			a.changeFailed(w, err)
			return
		}
		a.finished(w, r, next, nil)
	default:
		var body struct {
			Properties struct {
				RemoteVirtualNetwork subResource  `json:"remoteVirtualNetwork"`
				RemoteAddressSpace   addressSpace `json:"remoteAddressSpace"`
				AllowGatewayTransit  bool         `json:"allowGatewayTransit"`
			} `json:"properties"`
		}
		if !a.readJSON(w, r, &body) {
			return
		}
		if body.Properties.RemoteVirtualNetwork.ID == "" || len(body.Properties.RemoteAddressSpace.AddressPrefixes) == 0 {
			writeError(w, http.StatusBadRequest, CodeInvalidParameter,
				"A peering needs properties.remoteVirtualNetwork.id and, in the lab (which does not run the remote network), properties.remoteAddressSpace.addressPrefixes.")
			return
		}
		p := VNetPeering{Name: name, RemoteVirtualNetwork: body.Properties.RemoteVirtualNetwork.ID,
			RemoteAddressSpace: body.Properties.RemoteAddressSpace.AddressPrefixes, AllowGatewayTransit: body.Properties.AllowGatewayTransit}
		if cur != nil {
			p.Name = cur.Name
		}
		status := http.StatusOK
		if cur == nil {
			status = http.StatusCreated
		}
		a.networkChange(w, r, status, func(m *Model) ([]string, error) {
			if old := m.VirtualNetwork.peering(p.Name); old != nil {
				if peeringsEqual(*old, p) {
					return nil, nil
				}
				*old = p
			} else {
				m.VirtualNetwork.Peerings = append(m.VirtualNetwork.Peerings, p)
			}
			return []string{"virtualNetworkPeerings/" + p.Name}, nil
		}, func(m Model) any { return m.peeringResource(*m.VirtualNetwork.peering(p.Name)) })
	}
}

func (a *api) networkInterface(w http.ResponseWriter, r *http.Request, m Model, name, action string) {
	n := m.nic(name)
	if n == nil {
		notFound(w, m, typeName("networkInterfaces", name, action))
		return
	}
	switch strings.ToLower(action) {
	case "":
		if allow(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, m.nicResource(*n))
		}
	case "effectiveroutetable":
		if allow(w, r, http.MethodPost) {
			routes, _ := m.EffectiveRoutes(n.Name, a.g.learnedPrefixes())
			a.finished(w, r, m, list(routes))
		}
	default:
		notFound(w, m, typeName("networkInterfaces", name, action))
	}
}

// learnedPrefixes are the prefixes the gateway learned from its BGP peers.
func (g *Gateway) learnedPrefixes() []string {
	var out []string
	for _, r := range g.LearnedRoutes() {
		if strings.EqualFold(r.Origin, "EBgp") && !slices.Contains(out, r.Network) {
			out = append(out, r.Network)
		}
	}
	return out
}
