package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
)

// Routing faults of the VNet itself, judged from the Azure model (route
// tables, peerings, address spaces) and the VM NIC's effective routes
// (issue 13; seed 000 §5.5 対処法①⑤, §2.3 注意事項).

const (
	srcAzUDR     = "Azure: virtual-networks-udr-overview (a user-defined route wins over the gateway's route for the same prefix; the longest prefix wins)"
	srcOverlap   = "seed 000 §2.3 注意事項 (VNet とオンプレミスの IP アドレス空間が重複すると正常なルーティングができない)"
	srcAzOverlap = "Azure: vpn-gateway-vpn-faq / nat-overview (on-premises and VNet address spaces must not overlap; NAT rules on the gateway translate an overlapping range)"
)

// onpremPrefixes are the on-prem networks as the evidence shows them: the
// device's LAN, its advertisements and the local network gateway's space.
func (v *view) onpremPrefixes() []string {
	var out []string
	add := func(ps []string) {
		for _, p := range ps {
			if pp, err := netip.ParsePrefix(strings.TrimSpace(p)); err == nil {
				if s := pp.Masked().String(); !contains(out, s) {
					out = append(out, s)
				}
			}
		}
	}
	if v.dev != nil {
		add(v.dev.Config.LAN)
	}
	if v.az != nil {
		add(v.az.Config.LocalGatewayPrefix)
	}
	return out
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// onpremHosts are the on-prem addresses whose return path matters: the
// probing host (the src of its route to the VM), else the first host of
// each on-prem prefix.
func (v *view) onpremHosts() []netip.Addr {
	var out []netip.Addr
	if v.probes != nil {
		f := strings.Fields(v.probes.Route)
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "src" {
				if a, err := netip.ParseAddr(f[i+1]); err == nil {
					out = append(out, a)
				}
			}
		}
	}
	for _, p := range v.onpremPrefixes() {
		pp := netip.MustParsePrefix(p)
		if a := pp.Addr().Next(); pp.Contains(a) && !containsAddr(out, pp) {
			out = append(out, a)
		}
	}
	return out
}

func containsAddr(as []netip.Addr, p netip.Prefix) bool {
	for _, a := range as {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// effectiveFor is the VM's active effective route for a, by longest prefix.
func (v *view) effectiveFor(a netip.Addr) (EffectiveRoute, bool) {
	best, bits, ok := EffectiveRoute{}, -1, false
	if v.az == nil {
		return best, false
	}
	for _, r := range v.az.EffectiveRoutes {
		if !strings.EqualFold(r.State, "Active") {
			continue
		}
		for _, s := range r.Prefixes {
			p, err := netip.ParsePrefix(s)
			if err == nil && p.Contains(a) && p.Bits() > bits {
				best, bits, ok = r, p.Bits(), true
			}
		}
	}
	return best, ok
}

func routeText(r EffectiveRoute) string {
	s := fmt.Sprintf("%s %s → %s", r.Source, strings.Join(r.Prefixes, ","), r.NextHop)
	if len(r.NextHopIP) > 0 {
		s += " " + strings.Join(r.NextHopIP, ",")
	}
	if r.Name != "" {
		s += fmt.Sprintf(" (route %s)", r.Name)
	}
	return s
}

func (v *view) vmName() string {
	if v.az != nil && v.az.VMNIC != "" {
		return "the Azure VM's NIC " + v.az.VMNIC
	}
	return "the Azure VM's NIC"
}

// routingSymptoms are the data-plane facts shared by the VNet rules: the
// one-way counters and the probes; seen says whether traffic failed.
func (v *view) routingSymptoms() (facts []string, seen bool) {
	if f, ok := v.oneWay(); ok {
		facts, seen = append(facts, f), true
	}
	pf, failed := v.probeFacts()
	return append(facts, pf...), seen || failed
}

// udrOverride: a user-defined route on the VM's subnet takes the VM's
// traffic for on-prem away from the gateway, to an appliance, the
// internet or nowhere (seed 000 §5.5 原因「Azure 側の UDR の優先度誤り」, 対処法⑤).
func udrOverride(v *view) (Verdict, bool) {
	if !v.tunnelCarries() || v.az == nil || len(v.az.EffectiveRoutes) == 0 {
		return Verdict{}, false
	}
	var hit EffectiveRoute
	var host netip.Addr
	found := false
	for _, a := range v.onpremHosts() {
		if r, ok := v.effectiveFor(a); ok && r.Source == "User" && r.NextHop != "VirtualNetworkGateway" {
			hit, host, found = r, a, true
			break
		}
	}
	if !found {
		return Verdict{}, false
	}
	table, subnet := v.udrTable(hit)
	facts := v.tunnelFacts()
	facts = append(facts, fmt.Sprintf("%s's effective route for the on-prem address %s is the user-defined route %s, not the virtual network gateway", v.vmName(), host, routeText(hit)))
	if table != "" {
		facts = append(facts, fmt.Sprintf("route table %s is associated with subnet %s%s", table, orDash(subnet), v.propagation(table)))
	}
	for _, r := range v.az.EffectiveRoutes {
		if r.Source == "VirtualNetworkGateway" && !strings.EqualFold(r.State, "Active") {
			facts = append(facts, fmt.Sprintf("the gateway's route %s is %s: the user route overrides it", strings.Join(r.Prefixes, ","), r.State))
		}
	}
	sym, seen := v.routingSymptoms()
	facts = append(facts, sym...)
	c := 0.8
	if seen {
		c = 0.9
	}
	del := "az network route-table route delete -g <rg> --route-table-name " + orDash(table) + " -n " + orDash(hit.Name)
	return Verdict{
		Category:   Routing,
		Fault:      "udr-override",
		Summary:    fmt.Sprintf("A user-defined route (%s) on the VM's subnet sends the VM's traffic for on-prem %s to %s instead of the VPN gateway: answers never enter the tunnel", orDash(hit.Name), strings.Join(hit.Prefixes, ","), hopText(hit)),
		Facts:      facts,
		Confidence: v.adjust(c),
		Fix: steps(
			step{fmt.Sprintf("Check the route tables of the VM's subnet (portal > Route tables): route %s sends %s to %s. On-prem prefixes and 0.0.0.0/0 must not go to an NVA that does not forward to the gateway.", orDash(hit.Name), strings.Join(hit.Prefixes, ","), hopText(hit)), srcUDR},
			step{fmt.Sprintf("Delete the route (%s) or dissociate route table %s from subnet %s; a user route wins over the gateway's route for the same prefix.", del, orDash(table), orDash(subnet)), srcAzUDR},
			step{"Check the VM's effective routes again: the on-prem prefixes must show next hop \"Virtual network gateway\" (az network nic show-effective-route-table).", srcEffRoutes},
		),
	}, true
}

func hopText(r EffectiveRoute) string {
	if len(r.NextHopIP) > 0 {
		return r.NextHop + " " + strings.Join(r.NextHopIP, ",")
	}
	return r.NextHop
}

// udrTable finds the route table and subnet a user route came from.
func (v *view) udrTable(r EffectiveRoute) (table, subnet string) {
	for _, t := range v.az.Config.RouteTables {
		for _, u := range t.Routes {
			if u.Name == r.Name && contains(r.Prefixes, u.Prefix) {
				table = t.Name
			}
		}
	}
	for _, s := range v.az.Config.Subnets {
		if table != "" && s.RouteTable == table {
			subnet = s.Name
		}
	}
	return table, subnet
}

func (v *view) propagation(table string) string {
	for _, t := range v.az.Config.RouteTables {
		if t.Name == table && t.DisablePropagation {
			return "; gateway route propagation is disabled on it"
		}
	}
	return ""
}

// addressSpaceOverlap: an Azure range (the VNet or a peered VNet) overlaps
// the on-prem network, so the VNet keeps traffic for that part of the
// branch local instead of sending it to the gateway (seed 000 §2.3 注意事項,
// §5.5 対処法③).
func addressSpaceOverlap(v *view) (Verdict, bool) {
	if !v.tunnelCarries() || v.az == nil {
		return Verdict{}, false
	}
	type azRange struct{ prefix, what string }
	var ranges []azRange
	for _, p := range v.az.Config.VNetPrefixes {
		ranges = append(ranges, azRange{p, "the VNet's address space"})
	}
	for _, pe := range v.az.Config.Peerings {
		for _, p := range pe.RemotePrefix {
			ranges = append(ranges, azRange{p, fmt.Sprintf("the peered VNet %s (peering %s)", vnetName(pe.RemoteVNet), pe.Name)})
		}
	}
	var reasons []string
	for _, op := range v.onpremPrefixes() {
		o := netip.MustParsePrefix(op)
		for _, r := range ranges {
			if p, err := netip.ParsePrefix(r.prefix); err == nil && p.Overlaps(o) {
				reasons = append(reasons, fmt.Sprintf("%s uses %s, which overlaps the on-prem prefix %s", r.what, r.prefix, op))
			}
		}
	}
	if len(reasons) == 0 {
		return Verdict{}, false
	}
	facts := v.tunnelFacts()
	facts = append(facts, reasons...)
	for _, a := range v.onpremHosts() {
		if r, ok := v.effectiveFor(a); ok && r.NextHop != "VirtualNetworkGateway" {
			facts = append(facts, fmt.Sprintf("%s's effective route for the on-prem address %s is %s: the VNet keeps that traffic instead of sending it to the gateway", v.vmName(), a, routeText(r)))
			break
		}
	}
	sym, seen := v.routingSymptoms()
	facts = append(facts, sym...)
	c := 0.8
	if seen {
		c = 0.9
	}
	return Verdict{
		Category:   Routing,
		Fault:      "address-space-overlap",
		Summary:    "Azure and on-prem address spaces overlap: " + reasons[0] + ", so traffic for that range stays in Azure instead of entering the tunnel",
		Facts:      facts,
		Confidence: v.adjust(c),
		Fix: steps(
			step{fmt.Sprintf("Compare the VNet's and its peered VNets' address spaces with the on-prem prefixes (%s): %s.", strings.Join(v.onpremPrefixes(), ", "), strings.Join(reasons, "; ")), srcOverlap},
			step{"Remove the overlap: renumber one side (or disconnect the overlapping peered VNet until it is renumbered); where renumbering is impossible, translate the range with NAT rules on the VPN gateway.", srcAzOverlap},
			step{"Check the VM's effective routes again: the on-prem prefixes must show next hop \"Virtual network gateway\" (az network nic show-effective-route-table).", srcEffRoutes},
		),
	}, true
}

// vnetName is the last segment of a VNet's resource ID.
func vnetName(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}
