package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
)

const (
	srcAzTS     = "Azure: vpn-gateway-connect-multiple-policybased-rm-ps (route-based: any-to-any selectors; Azure accepts the selectors the device proposes and drops what they leave out)"
	srcTSCauseS = "seed 000 §5.5 原因「ローカルネットワークゲートウェイのアドレス空間不一致」"
)

// selectors are the traffic selectors the device's tunnel carries: those
// its installed CHILD SAs negotiated, else the configured ones.
func (v *view) selectors() (local, remote []string, negotiated bool) {
	if v.dev == nil {
		return nil, nil, false
	}
	for _, sa := range v.dev.IKE {
		for _, c := range sa.Children {
			if strings.EqualFold(c.State, "INSTALLED") && (len(c.LocalTS) > 0 || len(c.RemoteTS) > 0) {
				local = append(local, c.LocalTS...)
				remote = append(remote, c.RemoteTS...)
				negotiated = true
			}
		}
	}
	if negotiated {
		return local, remote, true
	}
	return v.dev.Config.LocalTS, v.dev.Config.RemoteTS, false
}

// tsCovers reports whether the selectors cover every address of p; a
// selector strongSwan prints with a protocol/port ("10.0.0.0/8[tcp/80]")
// covers only part of its prefix and is not counted.
func tsCovers(p string, ts []string) bool {
	var prefixes []string
	for _, t := range ts {
		if !strings.Contains(t, "[") {
			prefixes = append(prefixes, t)
		}
	}
	return covered(p, prefixes)
}

// trafficSelectorMismatch: the tunnel is up, but its traffic selectors
// leave out the VNet or the on-prem networks, so that traffic is dropped
// at the tunnel (seed 000 §5.3 ②: the phase 2 settings; azure-rules R4:
// Azure accepts the selectors the device proposes).
func trafficSelectorMismatch(v *view) (Verdict, bool) {
	if v.dev == nil || v.az == nil {
		return Verdict{}, false
	}
	st, _ := v.tunnel()
	var refusal []string
	if !st.up() {
		// No CHILD SA: only a refusal of the selectors (TS_UNACCEPTABLE)
		// makes them the suspect.
		dl, dok := v.devFind(sigTS)
		al, aok := v.azFind(sigTS)
		if !dok && !aok {
			return Verdict{}, false
		}
		if dok {
			refusal = append(refusal, v.fact(dl))
		}
		if aok {
			refusal = append(refusal, v.fact(al))
		}
	}
	local, remote, negotiated := v.selectors()
	if len(local) == 0 || len(remote) == 0 {
		return Verdict{}, false
	}
	var reasons []string
	var missRemote, missLocal []string
	for _, p := range v.az.Config.VNetPrefixes {
		if !tsCovers(p, remote) {
			missRemote = append(missRemote, p)
		}
	}
	lan := v.dev.Config.LAN
	if !v.az.Config.BGPEnabled && len(v.az.Config.LocalGatewayPrefix) > 0 {
		lan = v.az.Config.LocalGatewayPrefix
	}
	for _, p := range lan {
		if !tsCovers(p, local) {
			missLocal = append(missLocal, p)
		}
	}
	if len(missRemote) > 0 {
		reasons = append(reasons, fmt.Sprintf("the VNet prefix(es) %s are outside the tunnel's remote selectors %s", strings.Join(missRemote, ", "), strings.Join(remote, ", ")))
	}
	if len(missLocal) > 0 {
		reasons = append(reasons, fmt.Sprintf("the on-prem prefix(es) %s are outside the tunnel's local selectors %s", strings.Join(missLocal, ", "), strings.Join(local, ", ")))
	}
	if len(reasons) == 0 {
		return Verdict{}, false
	}
	if v.bgpConfigured() {
		if a := v.dev.Config.BGPPeerAddress; a != "" && !tsCovers(hostPrefix(a), remote) {
			reasons = append(reasons, fmt.Sprintf("Azure's BGP address %s is outside the remote selectors too: BGP over the tunnel cannot talk", a))
		}
	}
	how := "configured"
	if negotiated {
		how = "negotiated"
	}
	facts := v.tunnelFacts()
	facts = append(facts, fmt.Sprintf("the CHILD SA's %s traffic selectors: %s === %s", how, strings.Join(local, ", "), strings.Join(remote, ", ")))
	facts = append(facts, reasons...)
	if v.az.Config.PolicyBasedTS {
		facts = append(facts, "the connection uses policy-based traffic selectors: every on-prem × VNet prefix pair must be a selector")
	} else {
		facts = append(facts, "the connection is route-based without policy-based traffic selectors: Azure accepts the device's selectors, so the tunnel comes up, and drops what they leave out")
	}
	in, out := v.devPackets()
	facts = append(facts, fmt.Sprintf("on-prem CHILD SA in the window: %d packets out, %d packets in", out, in))
	pf, failed := v.probeFacts()
	facts = append(facts, pf...)
	if len(refusal) > 0 {
		facts = append(facts, "the gateway refused the selectors (TS_UNACCEPTABLE): no CHILD SA is built")
		facts = append(facts, refusal...)
	}
	c := 0.8
	if failed {
		c = 0.9
	}
	want := strings.Join(v.az.Config.VNetPrefixes, ", ")
	sum := "The tunnel is up, but its traffic selectors leave out " + strings.Join(append(missRemote, missLocal...), ", ") + ": that traffic is dropped at the tunnel"
	if len(refusal) > 0 {
		c = 0.9
		sum = "The CHILD SA is refused (TS_UNACCEPTABLE): the device's traffic selectors leave out " + strings.Join(append(missRemote, missLocal...), ", ")
	}
	return Verdict{
		Category:   TunnelSetup,
		Fault:      "traffic-selector-mismatch",
		Summary:    sum,
		Facts:      facts,
		Confidence: v.adjust(c),
		Fix: steps(
			step{"Compare the device's phase 2 selectors (proxy IDs / encryption domain / local and remote subnets) with Azure's side: the VNet address space (" + want + ") and the local network gateway's address space or the prefixes the device advertises.", srcIKESettings},
			step{"For a route-based gateway configure the device route-based (any-to-any selectors 0.0.0.0/0 and a tunnel interface); a policy-based device must list every on-prem × VNet prefix pair and the connection needs policy-based traffic selectors.", srcAzTS},
			step{"Make the local network gateway's address space and the device's protected networks the same, re-initiate, and check that the VM answers through the tunnel.", srcTSCauseS},
		),
	}, true
}

// hostPrefix makes an address a /32 (or /128) prefix.
func hostPrefix(a string) string {
	ad, err := netip.ParseAddr(a)
	if err != nil {
		return a
	}
	return netip.PrefixFrom(ad, ad.BitLen()).String()
}
