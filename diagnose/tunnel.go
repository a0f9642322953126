package diagnose

import (
	"fmt"
	"strings"
)

// Questions of category ① tunnel setup (seed 000 §5.3) to the knowledge
// base's findings: the signatures themselves are data
// (diagnose/kb/signatures), so the live lab and a real device's logs are
// read by the same ones.
var (
	// IKE authentication refused: charon AUTHENTICATION_FAILED / MAC
	// mismatched, RRAS event 20111 (seed 001), Azure 13801.
	sigKey = sig{faults: []string{"shared-key-mismatch"}}
	// No proposal in phase 1; lines that are about phase 2 say nothing of it.
	sigProposalP1 = sig{faults: []string{"ike-policy-mismatch"}, unless: []string{"ipsec-policy-mismatch", "traffic-selector-mismatch"}}
	// No proposal in either phase; the SA state tells which.
	sigProposal = sig{faults: []string{"ike-policy-mismatch", "ipsec-policy-mismatch"}}
	// Phase 2 only: charon "no CHILD_SA built", Azure 13868 / Quick Mode,
	// TS_UNACCEPTABLE.
	sigChild = sig{faults: []string{"ipsec-policy-mismatch", "traffic-selector-mismatch"}}
	sigTS    = sig{faults: []string{"traffic-selector-mismatch"}}
	// No answer: retransmits, "giving up", error 809 (seed 001), DPD.
	sigNoAnswer = sig{faults: []string{"peer-unreachable", "ike-ports-blocked", "dpd-timeout"}}
)

// tunnelNotUp reports whether the believed tunnel state leaves IKE
// unfinished (no ESTABLISHED IKE SA, or only Azure's NotConnected).
func (v *view) tunnelNotUp() bool {
	st, _ := v.tunnel()
	return st == tunnelDown || (st == tunnelUnknown && v.hasS2S())
}

// adjust lowers c for a contradiction between the sides.
func (v *view) adjust(c float64) float64 {
	if _, contra := v.tunnel(); contra != "" {
		c -= 0.15
	}
	return c
}

// sharedKeyMismatch: IKE authentication fails (seed 000 §5.3 cause 1, fix ①).
func sharedKeyMismatch(v *view) (Verdict, bool) {
	if !v.tunnelNotUp() {
		return Verdict{}, false
	}
	dl, dok := v.devFind(sigKey)
	al, aok := v.azFind(sigKey)
	if !dok && !aok {
		return Verdict{}, false
	}
	facts := v.tunnelFacts()
	if dok {
		facts = append(facts, v.fact(dl))
	}
	if aok {
		facts = append(facts, v.fact(al))
	}
	c := v.adjust(v.sided(dok, aok))
	return Verdict{
		Category:       TunnelSetup,
		Fault:          "shared-key-mismatch",
		Summary:        "IKE authentication fails: the pre-shared key differs between the on-prem device and the Azure connection",
		Facts:          facts,
		NetworkWatcher: nwAuthentication,
		Confidence:     c,
		Fix: steps(
			step{"Compare the shared key on both sides: Azure portal > VNet gateway > Connections > the connection > 共有キー (Shared key); on the on-prem device, the VPN profile's pre-shared key. They must be identical (printable ASCII, no spaces).", srcSharedKey},
			step{"Set the same key on both sides (show Azure's with `az network vpn-connection shared-key show`, or reset it there) — the device log's AUTHENTICATION_FAILED / \"IKE authentication credentials are unacceptable\" means exactly this.", srcSharedKeyCLI},
			step{"Re-initiate the tunnel from the device and check that the IKE SA becomes ESTABLISHED and the Azure connection Connected.", srcRRASAuth},
		),
	}, true
}

// ikePolicyMismatch: no common IKE_SA (phase 1) proposal (seed 000 §5.3 fixes ②③).
func ikePolicyMismatch(v *view) (Verdict, bool) {
	if !v.tunnelNotUp() {
		return Verdict{}, false
	}
	// Phase-2 lines say nothing of phase 1.
	dl, dok := v.devFind(sigProposalP1)
	al, aok := v.azFind(sigProposalP1)
	if !dok && v.phase2Failed() {
		return Verdict{}, false // ipsecPolicyMismatch's: the IKE SA failed later
	}
	if !dok && !aok {
		return Verdict{}, false
	}
	facts := v.tunnelFacts()
	if dok {
		facts = append(facts, v.fact(dl))
	}
	if aok {
		facts = append(facts, v.fact(al))
	}
	facts = append(facts, v.proposalFacts(v.devIKEProposals(), "IKE")...)
	return Verdict{
		Category:       TunnelSetup,
		Fault:          "ike-policy-mismatch",
		Summary:        "IKE_SA (phase 1) negotiation fails: no IKE proposal is acceptable to both sides",
		Facts:          facts,
		NetworkWatcher: nwIkePolicy,
		Confidence:     v.adjust(v.sided(dok, aok)),
		Fix: steps(
			step{"Compare the IKE_SA (phase 1) settings: Azure portal > VNet gateway > Connections > the connection > IPsec/IKE policy, against the device's IKE proposals (encryption, integrity/PRF, DH group, IKE version).", srcIKESettings},
			step{"Align both sides on Azure's recommended policy — IKEv2, AES256 / SHA256 / DH group 2 — or set a custom IPsec/IKE policy on the connection that the device also offers.", srcRecommended},
			step{"Note that a custom policy replaces Azure's default offers as both initiator and responder; re-initiate and check that the IKE SA becomes ESTABLISHED.", srcAzPolicy},
		),
	}, true
}

// phase2Failed reports whether a log shows a CHILD SA (phase 2)
// negotiation failing, or, with Azure alone, that IKE got as far as
// IKE_AUTH.
func (v *view) phase2Failed() bool {
	if _, ok := v.devFind(sigChild); ok {
		return true
	}
	if _, ok := v.azFind(sigChild); ok {
		return true
	}
	return v.dev == nil && azPhase2(v)
}

// azPhase2 reports whether Azure's IKE log shows the IKE_AUTH exchange
// (so phase 1 completed) or a quick-mode error.
func azPhase2(v *view) bool {
	if _, ok := v.azFind(sigChild); ok {
		return true
	}
	_, ok := v.azContains([]string{"[sa_auth]", "ike auth message"})
	return ok
}

// peerUnreachable: IKE gets no answer (seed 000 §5.3 cause 2, fix ④).
func peerUnreachable(v *view) (Verdict, bool) {
	if !v.tunnelNotUp() {
		return Verdict{}, false
	}
	dl, dok := v.devFind(sigNoAnswer)
	al, aok := v.azFind(sigNoAnswer)
	var pathFact string
	pok := false
	if p := v.path; p != nil {
		to, back := ikePackets(p.ToAzure), ikePackets(p.ToOnprem)
		switch {
		case to > 0 && back == 0:
			pok = true
			pathFact = fmt.Sprintf("the path forwarded %d IKE packets (UDP 500/4500) to Azure and 0 back", to)
		case to == 0 && back > 0:
			pok = true
			pathFact = fmt.Sprintf("the path forwarded %d IKE packets from Azure and 0 to Azure", back)
		case to == 0 && back == 0 && dok:
			pok = true
			pathFact = "the path forwarded no IKE packet in either direction while the device was sending"
		}
	}
	if !dok && !aok && !pok {
		return Verdict{}, false
	}
	facts := v.tunnelFacts()
	if dok {
		facts = append(facts, v.fact(dl))
	}
	if aok {
		facts = append(facts, v.fact(al))
	}
	var miss []string
	if pok {
		facts = append(facts, pathFact)
	} else if v.path == nil {
		miss = append(miss, missingPath)
	}
	var c float64
	switch {
	case (dok || aok) && pok:
		c = 0.9
	case dok && aok:
		c = 0.85
	default:
		c = v.sided(dok, aok || pok)
		if !dok && !aok { // the path alone
			c = 0.65
		}
	}
	return Verdict{
		Category:       TunnelSetup,
		Fault:          "peer-unreachable",
		Summary:        "IKE packets get no answer: something between the device and the Azure gateway drops UDP 500/4500",
		Facts:          facts,
		NetworkWatcher: nwPeerReachability,
		Confidence:     v.adjust(c),
		Missing:        miss,
		Fix: steps(
			step{"Allow UDP 500 and UDP 4500 (and ESP, IP protocol 50) between the device's public IP and the Azure gateway's public IP, in both directions, on every firewall/UTM on the path.", srcPorts},
			step{"Check the firewall/UTM block logs for dropped UDP 500/4500 to or from the Azure gateway.", srcPortsLog},
			step{"Check that the device targets the Azure gateway's current public IP (a wrong address gives the same \"remote server is not responding\").", srcRRASNoAnswer},
			step{"Check that GatewaySubnet has no NSG attached.", srcGatewayNSG},
		),
	}, true
}

// ipsecPolicyMismatch: IKE SA up, no CHILD SA (seed 000 §5.3 fixes ②③).
func ipsecPolicyMismatch(v *view) (Verdict, bool) {
	st, _ := v.tunnel()
	var dl, al finding
	var dok, aok bool
	switch {
	case st == tunnelIKEOnly:
		dl, dok = v.devFind(sigChild)
		if !dok {
			dl, dok = v.devFind(sigProposal)
		}
		al, aok = v.azFind(sigChild)
		if !aok {
			al, aok = v.azFind(sigProposal)
		}
	case v.tunnelNotUp() && v.phase2Failed():
		// The IKE SA is gone (deleted between retries, or not seen), but
		// the logs show phase 1 completing and phase 2 failing.
		if _, p1 := v.devFind(sigProposalP1); p1 {
			return Verdict{}, false
		}
		dl, dok = v.devFind(sigChild)
		al, aok = v.azFind(sigChild)
		if !aok {
			al, aok = v.azFind(sigProposal)
		}
	}
	if !dok && !aok {
		return Verdict{}, false
	}
	facts := v.tunnelFacts()
	if dok {
		facts = append(facts, v.fact(dl))
	}
	if aok {
		facts = append(facts, v.fact(al))
	}
	ts := false
	if l, ok := v.devFind(sigTS); ok {
		ts = true
		if !dok || l.line != dl.line {
			facts = append(facts, v.fact(l))
		}
	}
	if _, ok := v.azFind(sigTS); ok {
		ts = true
	}
	facts = append(facts, v.proposalFacts(v.devESPProposals(), "ESP")...)
	if f := v.pfsFact(); f != "" {
		facts = append(facts, f)
	}
	fix := []step{
		{"Compare the IPsec (phase 2) settings: Azure portal > VNet gateway > Connections > the connection > IPsec/IKE policy, against the device's ESP proposals (encryption, integrity, PFS group).", srcIKESettings},
		{"Align on Azure's recommended phase 2 — AES256GCM (or AES256/SHA256) with PFS None: as initiator Azure offers no PFS, so a device that requires a PFS group fails unless a custom policy on the connection sets the same group.", srcRecommended},
		{"Azure's default quick-mode offers and the custom-policy rules are listed per SKU; re-initiate and check that a CHILD SA is INSTALLED.", srcAzDevices},
	}
	if ts {
		fix = append(fix, step{"The traffic selectors were refused (TS_UNACCEPTABLE): make the device's local/remote subnets match the local network gateway's address space and the VNet (or enable UsePolicyBasedTrafficSelectors for a policy-based device).", srcIKESettings})
	}
	return Verdict{
		Category:       TunnelSetup,
		Fault:          "ipsec-policy-mismatch",
		Summary:        "IKE SA is up but no CHILD SA (phase 2) is built: no IPsec proposal is acceptable to both sides",
		Facts:          facts,
		NetworkWatcher: nwIkePolicy,
		Confidence:     v.adjust(v.sided(dok, aok)),
		Fix:            steps(fix...),
	}, true
}

// minCounterPackets is how many packets the device must have sent in the
// window before Azure's ingress counter reading zero says ESP does not
// arrive: Azure's connection counters are sampled, and a few packets
// (BGP's connection attempts while the session is down) fall between two
// samples.
const minCounterPackets = 5

// espBlocked: IKE and the CHILD SA are up, but ESP does not cross (seed
// 000 §5.3 cause 2, fix ④): IKE keeps DPD answering, so only the counters
// and the data plane show it, and BGP over the tunnel dies of it.
func espBlocked(v *view) (Verdict, bool) {
	st, _ := v.tunnel()
	if !st.up() {
		return Verdict{}, false
	}
	in, out := v.devPackets()
	azk := v.azCounters()
	var facts []string
	signals := 0
	toAzure, toOnprem := false, false

	if v.dev != nil {
		// Sent but nothing arrived at Azure. Azure's counter is a sample
		// read at another moment than the device's: a zero counts only
		// when the device sent enough that the sample cannot have missed
		// it all, and not when the path saw the ESP cross.
		if out > 0 {
			pathCrossed := v.path != nil && !nearZero(espPackets(v.path.ToAzure), out)
			if azk && v.az.IngressDelta == 0 && out >= minCounterPackets && !pathCrossed {
				toAzure = true
				signals++
				facts = append(facts, fmt.Sprintf("Azure connection ingress grew by 0 bytes in the window while the on-prem CHILD SA sent %d packets", out))
			}
			if v.path != nil && nearZero(espPackets(v.path.ToAzure), out) && (!azk || v.az.IngressDelta == 0) {
				toAzure = true
				signals++
				facts = append(facts, fmt.Sprintf("the path forwarded %d ESP-in-UDP and %d raw ESP packets to Azure while the device sent %d",
					v.path.ToAzure.ESP4500, v.path.ToAzure.ESP, out))
			}
		}
		// Azure sent but nothing arrived on-prem. Counters Azure read once
		// (since the connection came up) cover more than the device's
		// window: their growth says Azure sent in the window only if the
		// device was talking then too (it sent and got nothing back); an
		// idle window says nothing.
		if in == 0 {
			if azk && v.az.EgressDelta > 0 && (out > 0 || !v.az.CountersSinceStart) && (v.path == nil || espPackets(v.path.ToOnprem) == 0) {
				toOnprem = true
				signals++
				facts = append(facts, fmt.Sprintf("Azure connection egress grew by %d bytes while the on-prem CHILD SA received 0 packets", v.az.EgressDelta))
			}
			if v.path != nil && espPackets(v.path.ToOnprem) == 0 && (!azk || v.az.EgressDelta > 0) && out > 0 {
				toOnprem = true
				signals++
				facts = append(facts, "the path forwarded 0 ESP packets towards on-prem")
			}
		}
		// Device alone: one-way while BGP must talk both ways.
		if !azk && v.path == nil && out > 0 && in == 0 && v.bgpConfigured() {
			toAzure = true
			signals++
			facts = append(facts, "BGP over the tunnel must send both ways, yet nothing came back: the device alone cannot tell which direction drops ESP")
		}
	} else if azk && v.az.IngressDelta == 0 && v.az.EgressDelta > 0 && v.bgpConfigured() {
		// Azure alone: it sends (BGP keepalives) and receives nothing.
		toAzure = true
		signals++
		facts = append(facts, fmt.Sprintf("Azure connection egress grew by %d bytes, ingress by 0, although BGP must send both ways", v.az.EgressDelta))
	}
	if !toAzure && !toOnprem {
		return Verdict{}, false
	}

	head := v.tunnelFacts()
	if v.dev != nil {
		head = append(head, fmt.Sprintf("on-prem CHILD SA in the window: %d packets out, %d packets in", out, in))
	}
	facts = append(head, facts...)
	if v.path != nil {
		if to, back := ikePackets(v.path.ToAzure), ikePackets(v.path.ToOnprem); to > 0 && back > 0 {
			facts = append(facts, fmt.Sprintf("IKE still crosses (%d IKE packets to Azure, %d back), so DPD keeps the SAs up: only ESP is dropped", to, back))
			signals++
		}
	}
	pf, failed := v.probeFacts()
	facts = append(facts, pf...)
	if failed {
		signals++
	}
	if v.bgpConfigured() {
		facts = append(facts, v.bgpFacts()...)
		if !v.bgpUp() {
			facts = append(facts, "BGP runs inside the tunnel: it is down because ESP does not cross (hold timer), not because of its own configuration")
		} else {
			facts = append(facts, "BGP is still up but will drop when its hold timer expires: its messages ride on ESP")
		}
	}
	var miss []string
	if v.path == nil {
		miss = append(miss, missingPath)
	}
	if v.probes == nil {
		miss = append(miss, missingProbes)
	}

	dir := "from the device to Azure"
	switch {
	case toAzure && toOnprem:
		dir = "in either direction"
	case toOnprem:
		dir = "from Azure to the device"
	}
	c := min(0.95, 0.55+0.1*float64(signals))
	if v.dev == nil {
		c = min(c, 0.6)
	} else if !azk && v.path == nil {
		c = min(c, 0.65)
	}
	return Verdict{
		Category:   TunnelSetup,
		Fault:      "esp-blocked",
		Summary:    "IKE and the CHILD SA are up but ESP does not cross " + dir + ": a firewall passes IKE (UDP 500/4500) and drops ESP / ESP-in-UDP",
		Facts:      facts,
		Confidence: v.adjust(c),
		Missing:    miss,
		Fix: steps(
			step{"Allow ESP (IP protocol 50) and ESP-in-UDP (UDP 4500 with a non-zero SPI, NAT-T) between the device and the Azure gateway in both directions on the on-prem firewall/UTM/router — not only IKE on UDP 500/4500.", srcPorts},
			step{"Check the firewall/UTM block logs for dropped UDP 4500 / ESP packets to or from the Azure gateway's public IP.", srcPortsLog},
			step{"Afterwards confirm that the CHILD SA's in and out counters and the connection's ingress and egress bytes both grow; BGP over the tunnel re-establishes by itself.", srcCounters},
		),
	}, true
}

// devIKEProposals and devESPProposals are the device's configured proposals.
func (v *view) devIKEProposals() []string {
	if v.dev == nil {
		return nil
	}
	return v.dev.Config.IKEProposals
}

func (v *view) devESPProposals() []string {
	if v.dev == nil {
		return nil
	}
	return v.dev.Config.ESPProposals
}

// proposalFacts states the device's proposals and Azure's policy kind.
func (v *view) proposalFacts(props []string, kind string) []string {
	var f []string
	if len(props) > 0 {
		f = append(f, fmt.Sprintf("on-prem %s proposals: %s", kind, strings.Join(props, ", ")))
	}
	if v.az != nil {
		if v.az.Config.CustomPolicy {
			f = append(f, "Azure connection uses a custom IPsec/IKE policy")
		} else {
			f = append(f, "Azure connection uses the default IPsec/IKE policy (no custom policy)")
		}
	}
	return f
}

// pfsFact notes a device that requires PFS against Azure's default policy,
// under which Azure as initiator offers no PFS.
func (v *view) pfsFact() string {
	if v.az == nil || v.az.Config.CustomPolicy {
		return ""
	}
	for _, p := range v.devESPProposals() {
		lp := strings.ToLower(p)
		for _, g := range []string{"modp", "ecp", "curve25519", "x25519", "curve448"} {
			if strings.Contains(lp, g) {
				return fmt.Sprintf("the device's ESP proposal %q requires a PFS group, but Azure's default policy offers PFS None as initiator", p)
			}
		}
	}
	return ""
}
