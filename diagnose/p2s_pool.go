package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

const (
	srcP2SPool     = "seed 002 「VPN Gateway側の設定確認 (IPアドレス範囲、ルート)」: P2Sアドレスプールが VNet のアドレス空間や他のネットワークと重複していないか確認 (重複しているとルーティングの問題が発生)"
	srcP2SPoolAddr = "seed 002 (P2S接続ではクライアントに P2S アドレスプールから IP アドレスが割り当てられ、VNet やオンプレミスのリソースと通信する)"
	srcAzP2SPool   = "Azure: vpn-gateway-howto-point-to-site-resource-manager-portal (the client address pool must not overlap the VNet or any network the clients reach; the portal refuses one inside the VNet)"
)

const userErrPoolOverlap = "No error: the VPN client connects and reaches the VNet; what fails is traffic to the on-prem addresses the pool shares (they are routed to P2S clients instead)"

// p2sPoolOverlap: the gateway's point-to-site address pool overlaps the
// VNet, the local network gateway's (on-prem) prefixes or the LAN behind
// the device, so a P2S client's address is also a VNet or on-prem one and
// traffic to it goes to the wrong place (seed 002 VPN Gateway側の設定確認).
// Configuration as evidence: the overlap is reported whether or not a
// client holds such an address yet.
func p2sPoolOverlap(v *view) (Verdict, bool) {
	if v.az == nil || v.az.Config.P2S == nil {
		return Verdict{}, false
	}
	cfg := v.az.Config
	var onprem []string
	onprem = append(onprem, cfg.LocalGatewayPrefix...)
	if v.dev != nil {
		onprem = append(onprem, v.dev.Config.LAN...)
	}
	var facts, with []string
	for _, pool := range cfg.P2S.AddressPool {
		if o := overlapping(pool, cfg.VNetPrefixes); len(o) > 0 {
			facts = append(facts, fmt.Sprintf("the P2S address pool %s overlaps the VNet's address space %s", pool, strings.Join(o, ", ")))
			with = append(with, "the VNet")
		}
		if o := overlapping(pool, onprem); len(o) > 0 {
			facts = append(facts, fmt.Sprintf("the P2S address pool %s overlaps the on-prem range %s (local network gateway's address space / the LAN behind the device): the gateway routes the whole pool to point-to-site clients, so the on-prem addresses in it are unreachable from the VNet", pool, strings.Join(o, ", ")))
			with = append(with, "on-prem")
		}
	}
	if len(facts) == 0 {
		return Verdict{}, false
	}
	for _, cl := range v.ev.P2S {
		if cl.VirtualIP == "" {
			continue
		}
		if in := containing(cl.VirtualIP, onprem); len(in) > 0 {
			facts = append(facts, fmt.Sprintf("P2S client %s was given %s, an address of the on-prem range %s: traffic from Azure to that on-prem address goes to this P2S client instead",
				orDash(cl.Name), cl.VirtualIP, strings.Join(in, ", ")))
		}
		if in := containing(cl.VirtualIP, cfg.VNetPrefixes); len(in) > 0 {
			facts = append(facts, fmt.Sprintf("P2S client %s was given %s, an address inside the VNet's %s", orDash(cl.Name), cl.VirtualIP, strings.Join(in, ", ")))
		}
	}
	return Verdict{
		Category:   Routing,
		Fault:      "p2s-pool-overlap",
		Summary:    fmt.Sprintf("The P2S client address pool %s overlaps %s: P2S clients get addresses that also belong there, and traffic to them is misrouted", strings.Join(cfg.P2S.AddressPool, ", "), strings.Join(dedupe(with), " and ")),
		Facts:      facts,
		Confidence: 0.9,
		UserError:  userErrPoolOverlap,
		Fix: steps(
			step{"Compare the P2S address pool with the VNet's address space, the local network gateway's prefixes and every network behind the device: Azure portal > Virtual network gateway > Point-to-site configuration > Address pool.", srcP2SPool},
			step{"Choose a pool that overlaps none of them (the lab's is 198.18.200.0/24) and save; connected clients are dropped and get an address of the new pool when they connect again.", srcAzP2SPool},
			step{"Have the users reconnect (download the client profile again if routes changed) and check that the on-prem addresses are reachable from Azure again.", srcP2SPoolAddr},
			step{"Address spaces must not overlap for routing to work.", srcOverlap},
		),
	}, true
}

// overlapping returns the prefixes of set that share an address with p.
func overlapping(p string, set []string) []string {
	pp, err := netip.ParsePrefix(strings.TrimSpace(p))
	if err != nil {
		return nil
	}
	var out []string
	for _, q := range set {
		if qq, err := netip.ParsePrefix(strings.TrimSpace(q)); err == nil && qq.Overlaps(pp) {
			out = append(out, q)
		}
	}
	return dedupe(out)
}

// containing returns the prefixes of set that contain address a.
func containing(a string, set []string) []string {
	aa, err := netip.ParseAddr(strings.TrimSpace(a))
	if err != nil {
		return nil
	}
	var out []string
	for _, q := range set {
		if qq, err := netip.ParsePrefix(strings.TrimSpace(q)); err == nil && qq.Contains(aa) {
			out = append(out, q)
		}
	}
	return dedupe(out)
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
