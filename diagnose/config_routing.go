package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Routing faults the configuration of both sides reveals (issue 13).

const (
	srcAzLNG    = "Azure: vpn-gateway-howto-site-to-site-resource-manager-portal (the local network gateway's address space lists every on-prem prefix routed to the VPN gateway)"
	srcAzBGPIP  = "Azure: vpn-gateway-bgp-overview / bgp-howto (the local network gateway's BGP peer IP is the device's BGP address; APIPA 169.254.21.0–22.255)"
	srcAzBGPAdv = "Azure: vpn-gateway-bgp-overview (with BGP the device advertises its on-prem prefixes; the local network gateway needs no address space)"
)

// covered reports whether every address of p lies in one of prefixes.
func covered(p string, prefixes []string) bool {
	pp, err := netip.ParsePrefix(strings.TrimSpace(p))
	if err != nil {
		return true // not judged
	}
	for _, q := range prefixes {
		qq, err := netip.ParsePrefix(strings.TrimSpace(q))
		if err == nil && qq.Bits() <= pp.Bits() && qq.Contains(pp.Addr()) {
			return true
		}
	}
	return false
}

// oneWay states traffic that reaches Azure and gets no answer back, and
// whether it was seen.
func (v *view) oneWay() (string, bool) {
	in, out := v.devPackets()
	if v.azCounters() && v.az.IngressDelta > 0 && (v.az.EgressDelta == 0 || (v.dev != nil && out > 0 && in == 0)) {
		return fmt.Sprintf("Azure received traffic (ingress +%d bytes) but sent none back to on-prem (egress +%d; on-prem CHILD SA %d packets out, %d in)",
			v.az.IngressDelta, v.az.EgressDelta, out, in), true
	}
	return "", false
}

// lngPrefixMissing: with static routing, an on-prem prefix is missing from
// the local network gateway's address space, so Azure has no route back to
// it (seed 000 §5.5 ③).
func lngPrefixMissing(v *view) (Verdict, bool) {
	if !v.tunnelCarries() || v.dev == nil || v.az == nil || v.az.Config.BGPEnabled {
		return Verdict{}, false
	}
	var missing []string
	for _, p := range v.dev.Config.LAN {
		if !covered(p, v.az.Config.LocalGatewayPrefix) {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return Verdict{}, false
	}
	facts := v.tunnelFacts()
	facts = append(facts, fmt.Sprintf("the local network gateway's address space is [%s], which does not contain the on-prem prefix(es) %s behind the device",
		strings.Join(v.az.Config.LocalGatewayPrefix, ", "), strings.Join(missing, ", ")),
		"the connection uses static routing (no BGP): Azure routes to on-prem only what the local network gateway lists")
	c := 0.8
	if f, ok := v.oneWay(); ok {
		facts = append(facts, f)
		c = 0.9
	}
	pf, _ := v.probeFacts()
	facts = append(facts, pf...)
	return Verdict{
		Category:   Routing,
		Fault:      "lng-prefix-missing",
		Summary:    fmt.Sprintf("The local network gateway's address space lacks %s: Azure has no route back to it, traffic is one-way", strings.Join(missing, ", ")),
		Facts:      facts,
		Confidence: c,
		Fix: steps(
			step{fmt.Sprintf("Add %s to the local network gateway's address space: Azure portal > Local network gateway > Configuration > Address space (every on-prem network, never 0.0.0.0/0).", strings.Join(missing, ", ")), srcLNGSpace},
			step{"Check the Azure VM's effective routes: the on-prem prefixes must show next hop \"Virtual network gateway\".", srcEffRoutes},
			step{"Azure routes into the tunnel only the local network gateway's prefixes when BGP is off.", srcAzLNG},
		),
	}, true
}

// bgpPeerAddressMismatch: the BGP session cannot form because the address
// one side peers with is not the other's (seed 000 §5.5 ④ BGP ピア IP).
func bgpPeerAddressMismatch(v *view) (Verdict, bool) {
	if !v.tunnelCarries() || v.dev == nil || v.az == nil || !v.bgpConfigured() || v.bgpUp() {
		return Verdict{}, false
	}
	cfg := v.dev.Config
	var reasons []string
	if cfg.BGPLocalAddress != "" && v.az.Config.LocalGatewayBGPAddr != "" && cfg.BGPLocalAddress != v.az.Config.LocalGatewayBGPAddr {
		reasons = append(reasons, fmt.Sprintf("the local network gateway's BGP peer IP is %s, but the device speaks BGP from %s",
			v.az.Config.LocalGatewayBGPAddr, cfg.BGPLocalAddress))
	}
	if cfg.BGPPeerAddress != "" && len(v.az.Config.GatewayBGPAddresses) > 0 && !slices.Contains(v.az.Config.GatewayBGPAddresses, cfg.BGPPeerAddress) {
		reasons = append(reasons, fmt.Sprintf("the device peers with %s, but the gateway's BGP address is %s",
			cfg.BGPPeerAddress, strings.Join(v.az.Config.GatewayBGPAddresses, ", ")))
	}
	if len(reasons) == 0 {
		return Verdict{}, false
	}
	facts := append(v.bgpFacts(), reasons...)
	in, out := v.devPackets()
	facts = append(facts, fmt.Sprintf("the tunnel is up: on-prem CHILD SA %d packets out, %d in", out, in))
	return Verdict{
		Category:   Routing,
		Fault:      "bgp-peer-address-mismatch",
		Summary:    "The tunnel is up but BGP never establishes: " + reasons[0],
		Facts:      facts,
		Confidence: 0.9,
		Fix: steps(
			step{"Compare the BGP peer IPs: Azure portal > VNet gateway > Configuration (BGP peer IP / custom APIPA) and Local network gateway > Configuration > BGP peer IP address, against the device's BGP source and neighbor addresses.", srcBGPCheck},
			step{"Set the local network gateway's BGP peer IP to the device's BGP address (or the device's neighbor to the gateway's BGP address).", srcAzBGPIP},
			step{"Check that the session becomes ESTABLISHED and routes are learned on both sides.", srcBGPCheck},
		),
	}, true
}

// bgpPrefixNotAdvertised: BGP is up but the device does not advertise an
// on-prem prefix, so Azure has no route to it (seed 000 §5.5 ④②).
func bgpPrefixNotAdvertised(v *view) (Verdict, bool) {
	if !v.tunnelCarries() || v.dev == nil || !v.bgpConfigured() || !v.bgpUp() || len(v.dev.Config.LAN) == 0 {
		return Verdict{}, false
	}
	var missing []string
	for _, p := range v.dev.Config.LAN {
		if !covered(p, v.dev.Config.Advertised) && (v.az == nil || !covered(p, v.az.Config.LocalGatewayPrefix)) {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return Verdict{}, false
	}
	facts := v.bgpFacts()
	facts = append(facts, fmt.Sprintf("the device advertises [%s] over BGP but not its on-prem prefix(es) %s", strings.Join(v.dev.Config.Advertised, ", "), strings.Join(missing, ", ")))
	c := 0.8
	if v.az != nil {
		for _, p := range v.az.BGPPeers {
			if strings.EqualFold(p.State, "Connected") && p.RoutesReceived == 0 {
				facts = append(facts, fmt.Sprintf("Azure's BGP peer %s is Connected but has learned 0 routes from on-prem", orDash(p.Neighbor)))
				c = 0.9
			}
		}
	}
	if f, ok := v.oneWay(); ok {
		facts = append(facts, f)
	}
	pf, _ := v.probeFacts()
	facts = append(facts, pf...)
	return Verdict{
		Category:   Routing,
		Fault:      "bgp-prefix-not-advertised",
		Summary:    fmt.Sprintf("BGP is up but the device does not advertise %s: Azure has no route back to it", strings.Join(missing, ", ")),
		Facts:      facts,
		Confidence: c,
		Fix: steps(
			step{fmt.Sprintf("Advertise %s from the device's BGP (network statement / redistribution) and check Azure's learned routes (Get-AzVirtualNetworkGatewayLearnedRoute).", strings.Join(missing, ", ")), srcBGPCheck},
			step{"Check the return route: the Azure VM's effective routes must show the on-prem prefix with next hop \"Virtual network gateway\".", srcReturn},
			step{"With BGP the local network gateway needs no address space; the device's advertisements are the routes Azure uses.", srcAzBGPAdv},
		),
	}, true
}
