package diagnose

import (
	"fmt"
	"strings"
)

// routeVia is the next hop of an `ip route get` line ("" when on-link or
// unknown).
func routeVia(line string) string {
	f := strings.Fields(line)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "via" {
			return f[i+1]
		}
	}
	return ""
}

// returnRouteMissing: the tunnel is up and routed, but a network on-prem
// routes the VNet elsewhere than through the VPN device, so traffic is
// one-way: what Azure sends arrives, the answers never enter the tunnel
// (seed 000 §5.5 原因「戻りルートの欠落（片方向通信）」, 対処法②).
func returnRouteMissing(v *view) (Verdict, bool) {
	if !v.tunnelCarries() || v.probes == nil || v.dev == nil {
		return Verdict{}, false
	}
	p := v.probes
	via := routeVia(p.Route)
	if p.Route == "" || p.Gateway == "" || via == p.Gateway {
		return Verdict{}, false
	}
	pf, failed := v.probeFacts()
	revFail := p.Reverse != nil && p.Reverse.Sent > 0 && p.Reverse.Received == 0
	if !failed && !revFail {
		return Verdict{}, false
	}
	tgt := p.Target
	if tgt == "" {
		tgt = "the Azure VM"
	}
	hop := via
	if hop == "" {
		hop = "no gateway (on-link)"
	}
	facts := v.tunnelFacts()
	facts = append(facts, fmt.Sprintf("the on-prem host's route to %s: %q — next hop %s, not the VPN device %s", tgt, clip(p.Route), hop, p.Gateway))
	if a, ok := v.probeTarget(); ok && v.routedIntoTunnel(a) {
		facts = append(facts, fmt.Sprintf("the VPN device itself routes %s into the tunnel", a))
	}
	facts = append(facts, pf...)
	if p.Reverse != nil && p.Reverse.Sent > 0 {
		facts = append(facts, fmt.Sprintf("ping from %s back to the on-prem host: %d of %d received", tgt, p.Reverse.Received, p.Reverse.Sent))
	}
	in, out := v.devPackets()
	facts = append(facts, fmt.Sprintf("on-prem CHILD SA in the window: %d packets in (from Azure), %d out", in, out))
	if v.azCounters() {
		facts = append(facts, fmt.Sprintf("Azure connection in the window: egress +%d bytes (sent to on-prem), ingress +%d bytes", v.az.EgressDelta, v.az.IngressDelta))
	}
	if in > out {
		facts = append(facts, "traffic from Azure reaches the device and the answers do not come back through it: one-way")
	}
	if v.bgpConfigured() {
		facts = append(facts, v.bgpFacts()...)
	}
	c := 0.8
	if revFail && in > 0 {
		c = 0.9
	}
	return Verdict{
		Category:   Routing,
		Fault:      "return-route-missing",
		Summary:    fmt.Sprintf("Traffic is one-way: the tunnel is up, but the on-prem host routes %s via %s instead of the VPN device %s, so answers to Azure never enter the tunnel", tgt, hop, p.Gateway),
		Facts:      facts,
		Confidence: v.adjust(c),
		Fix: steps(
			step{fmt.Sprintf("On-prem: route the VNet (%s) to the VPN device %s on every router and host between the workloads and the device (ip route get %s must name it), and remove the stale route via %s.", strings.Join(v.vnet(), ", "), p.Gateway, tgt, hop), srcReturn},
			step{"Azure: check the VM's effective routes: the on-prem prefixes must have next hop \"Virtual network gateway\".", srcEffRoutes},
			step{"Test both directions again (from on-prem to the VM and from the VM to on-prem) and compare the tunnel's in and out counters.", srcCounters},
		),
	}, true
}

// vnet is the VNet address space as Azure shows it.
func (v *view) vnet() []string {
	if v.az == nil || len(v.az.Config.VNetPrefixes) == 0 {
		return []string{"the VNet"}
	}
	return v.az.Config.VNetPrefixes
}
