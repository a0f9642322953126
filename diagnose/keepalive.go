package diagnose

import "fmt"

const srcAzNATT = "Azure: vpn-gateway-vpn-faq (NAT-T is supported; behind NAT the device keeps NAT-T on and should initiate)"

// keepaliveNATTimeout: a NAT in front of the device forgets an idle UDP
// mapping sooner than anything on the device refreshes it (no NAT-T
// keepalive, no DPD shorter than the NAT's timeout): after an idle period
// what Azure sends no longer reaches the device (seed 000 §5.6 原因
// 「Keepalive 不足」). Latent while traffic keeps the mapping alive.
func keepaliveNATTimeout(v *view) (Verdict, bool) {
	if v.dev == nil || v.path == nil || v.path.NAT == nil || v.path.NAT.UDPTimeout <= 0 || v.dev.Config.NATKeepalive == nil {
		return Verdict{}, false
	}
	t, ka, dpd := v.path.NAT.UDPTimeout, *v.dev.Config.NATKeepalive, v.dev.Config.DPDDelay
	if (ka > 0 && ka < t) || (dpd > 0 && dpd < t) {
		return Verdict{}, false // something refreshes the mapping in time
	}
	st, _ := v.tunnel()
	if st == tunnelDown {
		return Verdict{}, false
	}
	kaText := fmt.Sprintf("every %d s", ka)
	if ka == 0 {
		kaText = "none"
	}
	dpdText := fmt.Sprintf("every %d s when idle", dpd)
	if dpd == 0 {
		dpdText = "off"
	}
	facts := v.tunnelFacts()
	facts = append(facts,
		fmt.Sprintf("a NAT on the path translates the device (%s) and forgets a UDP mapping after %d s without traffic", v.path.NAT.Inside, t),
		fmt.Sprintf("the device's configured NAT-T keepalive: %s; its DPD: %s — nothing refreshes the mapping within %d s of idle", kaText, dpdText, t))
	for _, sa := range v.dev.IKE {
		if sa.NATLocal {
			facts = append(facts, "IKE detected the NAT in front of the device (NAT-D)")
			break
		}
	}
	in, out := v.devPackets()
	var bite []string
	if st.up() && in == 0 && (out > 0 || (v.azCounters() && v.az.EgressDelta > 0)) {
		if v.azCounters() && v.az.EgressDelta > 0 {
			bite = append(bite, fmt.Sprintf("Azure sent %d bytes to on-prem in the window and the device's CHILD SA received 0 packets (it sent %d)", v.az.EgressDelta, out))
		} else {
			bite = append(bite, fmt.Sprintf("the device's CHILD SA sent %d packets in the window and received none", out))
		}
		if espPackets(v.path.ToOnprem) == 0 {
			bite = append(bite, "the path forwarded 0 ESP packets towards on-prem: what Azure sends goes to the mapping the NAT has forgotten, and the NAT drops it")
		}
	}
	out2 := Verdict{
		Category:   Operations,
		Fault:      "keepalive-nat-timeout",
		Confidence: 0.85,
		Fix: steps(
			step{fmt.Sprintf("Set the device's NAT-T keepalive (and DPD) shorter than the NAT's UDP timeout (%d s) — the recommended keepalive values — so that idle periods keep the mapping alive.", t), srcKeepalive},
			step{"Raise the NAT/firewall UDP session timeout for ports 500/4500 where it is shorter than a minute.", srcKeepalive},
			step{"Keep NAT-T on behind a NAT and let the device initiate; re-establish the tunnel and check that traffic from Azure still arrives after an idle period.", srcAzNATT},
		),
	}
	if len(bite) > 0 {
		pf, _ := v.probeFacts()
		facts = append(facts, bite...)
		facts = append(facts, pf...)
		out2.Summary = fmt.Sprintf("After an idle period the NAT in front of the device forgot its UDP mapping (timeout %d s) and the device sends no keepalive: what Azure sends no longer arrives", t)
		out2.Confidence = 0.9
	} else {
		out2.Summary = fmt.Sprintf("Latent keepalive shortage: the tunnel is up now, but after %d s without traffic the NAT in front of the device forgets its mapping and traffic from Azure stops", t)
		out2.Latent = fmt.Sprintf("the tunnel is up now; after %d s without traffic the NAT forgets the device's mapping, and what Azure sends is dropped until the device re-establishes", t)
		out2.Confidence = 0.8
	}
	out2.Facts = facts
	return out2, true
}
