package diagnose

import (
	"fmt"
	"strings"
)

// ikeProbeFacts states the IKE reachability probes, and which answered.
func (v *view) ikeProbeFacts() (facts []string, open, shut int) {
	if v.probes == nil {
		return nil, 0, 0
	}
	for _, p := range v.probes.IKE {
		s := fmt.Sprintf("IKE_SA_INIT probe from the device to %s on UDP %d: ", p.Target, p.Port)
		if p.Answered {
			open++
			s += "answered"
			if p.Notify != "" {
				s += " (" + p.Notify + ")"
			}
		} else {
			shut++
			s += "no answer"
		}
		facts = append(facts, s)
	}
	return facts, open, shut
}

// ikePortsBlocked: IKE gets no answer because UDP 500 and/or 4500 is
// filtered between the device and the gateway, which itself is up (seed
// 000 §5.3 原因「必要ポート (UDP 500 / 4500、ESP) が許可されていない」,
// 対処法④). Told from an unreachable peer by what crossed: the device
// sends IKE and the path forwards none of it, Azure answers and its answers
// do not cross back, or one port answers the IKE probe and the other not.
func ikePortsBlocked(v *view) (Verdict, bool) {
	if !v.tunnelNotUp() || v.dev == nil {
		return Verdict{}, false
	}
	pf, open, shut := v.ikeProbeFacts()
	dl, dok := v.devFind(sigNoAnswer)
	var reasons []string
	dir := ""
	if p := v.path; p != nil {
		to, back := ikePackets(p.ToAzure), ikePackets(p.ToOnprem)
		_, azAnswered := v.azContains([]string{"sending ike sa_init response"})
		switch {
		case (dok || shut > 0) && to == 0:
			dir = "towards Azure"
			reasons = append(reasons, "the device sends IKE (retransmits, unanswered probes) but the path forwarded 0 IKE packets (UDP 500/4500) towards Azure: they are dropped before they reach the gateway")
		case to > 0 && back == 0 && azAnswered:
			dir = "towards on-prem"
			reasons = append(reasons, fmt.Sprintf("Azure's IKE log shows IKE_SA_INIT answered, but the path forwarded %d IKE packets to Azure and 0 back: the answers are dropped on the way", to))
		}
	}
	if open > 0 && shut > 0 {
		reasons = append(reasons, "the gateway answers IKE on one port and not on the other: that port is filtered")
	}
	if len(reasons) == 0 {
		return Verdict{}, false
	}
	facts := v.tunnelFacts()
	if dok {
		facts = append(facts, v.fact(dl))
	}
	facts = append(facts, pf...)
	facts = append(facts, reasons...)
	if _, ok := v.azContains([]string{"received ike sa_init"}); !ok && v.az != nil {
		facts = append(facts, "Azure's IKE diagnostic log shows no IKE_SA_INIT received in the window")
	}
	if v.az != nil && strings.EqualFold(v.az.ConnectionStatus, "Connected") {
		facts = append(facts, "Azure still shows the old tunnel Connected: the device dropped it and its DELETE did not cross either; Azure notices at its DPD timeout")
	}
	c := 0.8
	if shut > 0 && dir != "" {
		c = 0.9
	}
	sum := "IKE gets no answer: UDP 500/4500 is dropped on the path between the device and the gateway"
	if dir != "" {
		sum += " (" + dir + ")"
	}
	return Verdict{
		Category:       TunnelSetup,
		Fault:          "ike-ports-blocked",
		Summary:        sum + "; an established tunnel hides this until it is re-established",
		Facts:          facts,
		NetworkWatcher: nwPeerReachability,
		Confidence:     c,
		Fix: steps(
			step{"Allow UDP 500 and UDP 4500 (and ESP, IP protocol 50) between the device's public IP and the gateway's public IP(s), in both directions, on every firewall/UTM and NAT device on the path; a stateful firewall keeps old flows, so a new rule shows only at the next re-establishment.", srcPorts},
			step{"Read the firewall/UTM block logs for dropped UDP 500/4500 to or from the gateway at the times of the retransmits.", srcPortsLog},
			step{"Check that the device now gets IKE_SA_INIT answers (Network Watcher VPN troubleshoot / a capture on UDP 500 and 4500) and the tunnel re-establishes.", srcRRASNoAnswer},
		),
	}, true
}
