package diagnose

import (
	"fmt"
	"strings"
)

// healthyOrUnknown is the verdict when no fault rule matched: healthy when
// every check passes, else unknown, naming what is not right or not seen.
func healthyOrUnknown(v *view) Verdict {
	if !v.hasS2S() {
		facts := []string{"neither the on-prem device nor the Azure side was seen"}
		for _, cl := range v.ev.P2S {
			facts = append(facts, p2sState(cl))
		}
		return Verdict{
			Category:   Unknown,
			Summary:    "Evidence too thin: nothing from the on-prem device or the Azure side, so the tunnel cannot be judged",
			Facts:      facts,
			Confidence: 0.1,
		}
	}

	var good, bad, miss []string
	st, contra := v.tunnel()
	switch st {
	case tunnelUp:
		if v.dev != nil {
			good = append(good, "on-prem device: "+v.devSADesc())
		}
	case tunnelIKEOnly:
		bad = append(bad, "the IKE SA is ESTABLISHED but no CHILD SA is INSTALLED, and no log line explains why")
	case tunnelDown:
		bad = append(bad, "the tunnel is down ("+v.tunnelDownDesc()+") and no log line, counter or path count identifies the cause")
	default:
		bad = append(bad, fmt.Sprintf("Azure connection status %q says nothing of the tunnel", v.az.ConnectionStatus))
	}
	if v.az != nil && v.az.ConnectionStatus != "" {
		s := "Azure connection status " + v.az.ConnectionStatus
		if v.azCounters() {
			s += fmt.Sprintf(" (ingress +%d, egress +%d bytes in the window)", v.az.IngressDelta, v.az.EgressDelta)
		}
		good = append(good, s)
	}
	if contra != "" {
		good = append(good, contra)
	}

	// Traffic through the CHILD SA.
	if v.dev != nil && st.up() {
		in, out := v.devPackets()
		bin, bout := v.devBytes()
		switch {
		case in > 0 && out > 0:
			good = append(good, fmt.Sprintf("on-prem CHILD SA carried %d packets in and %d out in the window", in, out))
		case in+out == 0 && bin+bout > 0:
			good = append(good, fmt.Sprintf("on-prem CHILD SA was idle in the window (%d bytes in, %d out since it was installed)", bin, bout))
		case in+out == 0:
			bad = append(bad, "the CHILD SA has carried no traffic at all")
		default:
			bad = append(bad, fmt.Sprintf("the CHILD SA carried traffic one way only (%d packets in, %d out) and no rule explains it", in, out))
		}
	}

	// BGP.
	if v.bgpConfigured() {
		if v.bgpUp() {
			good = append(good, v.bgpFacts()...)
		} else {
			bad = append(bad, "BGP is configured but not up")
			bad = append(bad, v.bgpFacts()...)
		}
	}

	// Data plane.
	if p := v.probes; p == nil {
		miss = append(miss, missingProbes)
	} else {
		pf, failed := v.probeFacts()
		if failed {
			bad = append(bad, pf...)
		} else {
			good = append(good, pf...)
		}
		if p.Ping != nil && p.Ping.Received > 0 && p.Ping.Received < p.Ping.Sent {
			bad = append(bad, fmt.Sprintf("ping lost %d of %d packets: intermittent loss no rule explains", p.Ping.Sent-p.Ping.Received, p.Ping.Sent))
		}
		if b := p.TCPBulk; b != nil {
			if b.OK {
				good = append(good, fmt.Sprintf("bulk TCP transfer of %d bytes succeeded", b.Bytes))
			} else {
				bad = append(bad, fmt.Sprintf("bulk TCP transfer failed after %d of %d bytes%s, yet the path MTU looks right", b.Bytes, b.Wanted, errSuffix(b.Error)))
			}
		}
		if pm := p.PMTU; pm != nil {
			switch {
			case pm.MinSilent > 0 && pm.MinSilent > pm.MaxPassing:
				bad = append(bad, fmt.Sprintf("PMTU probe: packets from %d bytes are lost silently", pm.MinSilent))
			case pm.MinRefused > 0:
				good = append(good, fmt.Sprintf("PMTU probe: packets up to %d bytes cross, larger ones are refused with \"fragmentation needed\" (MTU %d): path MTU discovery works", pm.MaxPassing, pm.ReportedMTU))
			case pm.MaxPassing > 0:
				good = append(good, fmt.Sprintf("PMTU probe: packets up to %d bytes cross, none lost silently", pm.MaxPassing))
			}
		}
	}

	// Point-to-site clients.
	certs := false
	for _, cl := range v.ev.P2S {
		certs = certs || cl.Cert != nil
		switch {
		case !cl.Connected:
			bad = append(bad, p2sState(cl)+", and no certificate problem explains it")
		case cl.Cert != nil && !v.ev.CollectedAt.IsZero() && certTime(*cl.Cert, v.ev.CollectedAt) != "":
			bad = append(bad, p2sState(cl)+" although "+certTimeFact("its certificate", *cl.Cert, v.ev.CollectedAt))
		default:
			good = append(good, p2sState(cl))
		}
	}
	if certs && v.ev.CollectedAt.IsZero() {
		miss = append(miss, missingTime)
	}

	// Reconnects that were not failovers (those are maintenanceFailover's).
	if n := v.countAz("TunnelDisconnected"); n > 0 && st.up() {
		good = append(good, fmt.Sprintf("Azure logged %d TunnelDisconnected event(s) in the window, none followed by a reconnect on the other instance (no failover); the tunnel is up again", n))
	}

	if len(bad) == 0 {
		c := 0.95
		switch {
		case v.dev != nil && v.az != nil && v.probes != nil:
		case v.dev != nil && v.az != nil:
			c = 0.85
		case v.probes != nil:
			c = 0.75
		default:
			c = 0.65
		}
		if contra != "" {
			c -= 0.15
		}
		return Verdict{
			Category:   Healthy,
			Summary:    "The tunnel is up and carries traffic; no fault found",
			Facts:      good,
			Confidence: c,
			Missing:    miss,
		}
	}

	if v.dev != nil && len(v.devLog) == 0 {
		miss = append(miss, "on-prem device log (charon, BGP) of the window")
	}
	if v.az != nil && len(v.azLog) == 0 {
		miss = append(miss, "Azure diagnostic logs (IKE, tunnel, gateway) of the window")
	}
	if v.path == nil && !st.up() {
		miss = append(miss, missingPath)
	}
	c := 0.35
	if st == tunnelUnknown {
		c = 0.2
	}
	return Verdict{
		Category:   Unknown,
		Summary:    "No rule identifies a fault, but the evidence is not healthy: " + bad[0],
		Facts:      append(bad, good...),
		Confidence: c,
		Missing:    miss,
	}
}

// tunnelDownDesc says who reports the tunnel down.
func (v *view) tunnelDownDesc() string {
	var parts []string
	if v.dev != nil {
		parts = append(parts, "on-prem device: "+v.devSADesc())
	}
	if v.az != nil && v.az.ConnectionStatus != "" {
		parts = append(parts, "Azure: "+v.az.ConnectionStatus)
	}
	return strings.Join(parts, "; ")
}

// countAz counts Azure log rows of an operation in the window.
func (v *view) countAz(op string) int {
	n := 0
	for _, l := range v.azLog {
		if strings.EqualFold(l.Operation, op) {
			n++
		}
	}
	return n
}

// p2sState states a P2S client's connection.
func p2sState(cl P2SClient) string {
	if cl.Connected {
		s := "P2S client " + orDash(cl.Name) + " is connected"
		if cl.VirtualIP != "" {
			s += " (" + cl.VirtualIP + ")"
		}
		return s
	}
	return "P2S client " + orDash(cl.Name) + " is not connected"
}
