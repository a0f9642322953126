package diagnose

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// BGP OPEN error 2/2 "Bad Peer AS"; GoBGP logs "as number mismatch
// expected 65514, received 65515".
var (
	sigBadPeerAS = sig{faults: []string{"bgp-asn-mismatch"}}
	reASMismatch = regexp.MustCompile(`(?i)expected\D{0,12}(\d+)\D{1,14}received\D{0,12}(\d+)`)
)

// tunnelCarries reports whether the tunnel is up and ESP crosses (or no
// counter says otherwise): the precondition of category ③ (seed 000 §5.1:
// "Connected" but traffic does not arrive).
func (v *view) tunnelCarries() bool {
	st, _ := v.tunnel()
	return st.up()
}

// bgpASNMismatch: the BGP session is refused for a wrong peer AS (seed 000
// §5.5 fix ④).
func bgpASNMismatch(v *view) (Verdict, bool) {
	if !v.tunnelCarries() || !v.bgpConfigured() || v.bgpUp() {
		return Verdict{}, false
	}
	var facts, reasons []string
	logSig := false
	var expected, received uint64

	dl, dok := v.devFind(sigBadPeerAS)
	if dok {
		logSig = true
		facts = append(facts, v.fact(dl))
		if m := reASMismatch.FindStringSubmatch(v.lines[dl.line].text); m != nil {
			expected, _ = strconv.ParseUint(m[1], 10, 32)
			received, _ = strconv.ParseUint(m[2], 10, 32)
		}
	}
	al, aok := v.azFind(sigBadPeerAS)
	if aok {
		logSig = true
		facts = append(facts, v.fact(al))
	}
	if expected != 0 {
		reasons = append(reasons, fmt.Sprintf("the on-prem BGP speaker expected peer AS %d but Azure's OPEN carried AS %d", expected, received))
	}

	// Configuration on both sides.
	devPeer, devLocal := v.devPeerASN(), v.devLocalASN()
	var azGW, azLNG uint32
	if v.az != nil {
		azGW, azLNG = v.az.Config.GatewayASN, v.az.Config.LocalGatewayASN
	}
	cfg := false
	if devPeer != 0 && azGW != 0 && devPeer != azGW {
		cfg = true
		reasons = append(reasons, fmt.Sprintf("the on-prem device is configured with peer ASN %d, but Azure's gateway ASN is %d", devPeer, azGW))
	}
	if devLocal != 0 && azLNG != 0 && devLocal != azLNG {
		cfg = true
		reasons = append(reasons, fmt.Sprintf("Azure's local network gateway registers the on-prem ASN as %d, but the device's local ASN is %d", azLNG, devLocal))
	}
	if v.az != nil && devLocal != 0 && azLNG == 0 {
		for _, p := range v.az.BGPPeers {
			if p.ASN != 0 && p.ASN != devLocal {
				cfg = true
				reasons = append(reasons, fmt.Sprintf("Azure expects BGP peer %s to be AS %d, but the device's local ASN is %d", orDash(p.Neighbor), p.ASN, devLocal))
				break
			}
		}
	}
	if devLocal != 0 && azGW != 0 && devLocal == azGW {
		cfg = true
		reasons = append(reasons, fmt.Sprintf("the on-prem ASN %d equals Azure's ASN: they must differ (eBGP)", devLocal))
	}

	var sent, rcvd uint64
	if v.dev != nil {
		for _, p := range v.dev.BGP {
			sent += p.NotificationsSent
			rcvd += p.NotificationsRcvd
		}
	}
	notif := sent+rcvd > 0
	if !logSig && !cfg && !notif {
		return Verdict{}, false
	}

	head := v.bgpFacts()
	head = append(head, reasons...)
	facts = append(head, facts...)
	in, out := v.devPackets()
	if v.dev != nil {
		facts = append(facts, fmt.Sprintf("the tunnel is up and carries traffic: on-prem CHILD SA %d packets out, %d in", out, in))
	}
	pf, _ := v.probeFacts()
	facts = append(facts, pf...)

	var miss []string
	c := 0.6
	switch {
	case logSig && cfg:
		c = 0.95
	case logSig || cfg:
		c = 0.85
	default:
		facts = append(facts, fmt.Sprintf("BGP NOTIFICATIONs were exchanged (sent %d, received %d) but their reason was not captured; OPEN error 2/2 Bad Peer AS is the usual one when the session never establishes", sent, rcvd))
		miss = append(miss, "BGP NOTIFICATION reason (the sending speaker's log)")
	}

	fix := []step{
		{"Compare Azure's ASN and BGP peer IP on both sides: Azure portal > VNet gateway > Configuration (ASN, BGP peer IP) and the local network gateway's BGP settings, against the device's neighbor (remote-as, neighbor address) and its local AS.", srcBGPCheck},
	}
	switch {
	case devPeer != 0 && azGW != 0 && devPeer != azGW:
		fix = append(fix, step{fmt.Sprintf("Set the device's peer (remote) AS to Azure's ASN %d (Azure's default is 65515; the on-prem ASN must differ from it).", azGW), srcAzBGP})
	case devLocal != 0 && azLNG != 0 && devLocal != azLNG:
		fix = append(fix, step{fmt.Sprintf("Make the local network gateway's ASN (%d) and the device's local AS (%d) the same — change whichever is wrong.", azLNG, devLocal), srcAzBGP})
	case expected != 0:
		fix = append(fix, step{fmt.Sprintf("Set the device's peer (remote) AS to %d, the AS Azure announces in its OPEN (the device expects %d).", received, expected), srcAzBGP})
	default:
		fix = append(fix, step{"Azure's default ASN is 65515; the on-prem ASN must be a different, non-reserved one, and both must match what each side configures for the other.", srcAzBGP})
	}
	fix = append(fix, step{"Reset the BGP session (clear the neighbor on the device) and check that it becomes ESTABLISHED and routes are received on both sides.", srcBGPCheck})

	sum := "The tunnel is up but BGP never establishes: the peer ASN configured on one side does not match the other's"
	if expected != 0 {
		sum += fmt.Sprintf(" (expected %d, received %d)", expected, received)
	} else if devPeer != 0 && azGW != 0 && devPeer != azGW {
		sum += fmt.Sprintf(" (device expects %d, Azure is %d)", devPeer, azGW)
	}
	return Verdict{
		Category:   Routing,
		Fault:      "bgp-asn-mismatch",
		Summary:    sum,
		Facts:      facts,
		Confidence: v.adjust(c),
		Missing:    miss,
		Fix:        steps(fix...),
	}, true
}

// routeMissing: connected, but traffic does not arrive (seed 000 §5.5
// fixes ①②③⑤).
func routeMissing(v *view) (Verdict, bool) {
	if !v.tunnelCarries() {
		return Verdict{}, false
	}
	pf, failed := v.probeFacts()
	reasons, specific, bgpDown := v.routeReasons(failed)
	if !failed && !specific && !bgpDown {
		return Verdict{}, false
	}
	if _, ok := v.lossAtExpiry(failed, specific || bgpDown); ok {
		// A CHILD SA that expires unrekeyed explains a partial loss
		// around its expiry: sa-lifetime-mismatch names it.
		return Verdict{}, false
	}
	if failed && !specific && !bgpDown && len(reasons) == 0 {
		if _, ok := configChange(v); ok {
			// Azure reapplied the connection for a change just before: a
			// loss that no route explains is its aftermath, config-change
			// names it (seed 000 §5.6).
			return Verdict{}, false
		}
		reasons = append(reasons, "the tunnel and its routing look right from the VPN devices; the loss is beyond them (VM effective routes, UDR, NSG or guest firewall)")
	}
	in, out := v.devPackets()

	facts := v.tunnelFacts()
	if v.dev != nil {
		facts = append(facts, fmt.Sprintf("on-prem CHILD SA in the window: %d packets out, %d packets in", out, in))
		if out > 0 && in == 0 && !v.azCounters() {
			facts = append(facts, "traffic leaves on-prem and nothing returns; without Azure's counters a missing return route and dropped ESP look alike")
		}
	}
	if v.azCounters() {
		facts = append(facts, fmt.Sprintf("Azure connection in the window: ingress +%d bytes, egress +%d bytes", v.az.IngressDelta, v.az.EgressDelta))
	}
	facts = append(facts, v.bgpFacts()...)
	facts = append(facts, pf...)
	facts = append(facts, reasons...)

	var miss []string
	if v.probes == nil {
		miss = append(miss, missingProbes)
	}
	c := 0.6
	switch {
	case specific && failed:
		c = 0.85
	case specific:
		c = 0.75
	case bgpDown:
		c = 0.6
	}

	fix := []step{
		{"Check the Azure VM's effective routes (portal > VM > Networking > Effective routes) for the on-prem prefixes, and the on-prem router's table for the VNet prefixes routed into the tunnel.", srcEffRoutes},
		{"Check the return route: the VM NIC's effective routes must send on-prem prefixes to next hop \"Virtual network gateway\", and on-prem must route the VNet to the VPN device.", srcReturn},
		{"Check the local network gateway's address space: every on-prem network is listed and it does not contain 0.0.0.0/0.", srcLNGSpace},
	}
	if v.bgpConfigured() {
		fix = append(fix, step{"With BGP, check Azure's ASN and BGP peer IP against the device, and that each side advertises its prefixes.", srcBGPCheck})
	}
	fix = append(fix,
		step{"Check route tables (UDR): 0.0.0.0/0 must not divert the traffic to an NVA, and the VNet's routes must be right.", srcUDR},
		step{"If the routes are right, check the NSGs on the VM's subnet/NIC and the guest firewall for the on-prem ranges, and test with a TCP connect (PsPing).", srcVMNSG},
	)
	return Verdict{
		Category:   Routing,
		Fault:      "route-missing",
		Summary:    "The tunnel is up but traffic does not arrive: a route (or its return route) is missing between on-prem and the VNet",
		Facts:      facts,
		Confidence: v.adjust(c),
		Missing:    miss,
		Fix:        steps(fix...),
	}, true
}

// routeReasons are what the devices show of a missing route: a target no
// prefix routed into the tunnel covers (specific), BGP down (bgpDown) or
// up without routes (specific), Azure receiving but not answering
// (specific). failed says the probes failed.
func (v *view) routeReasons(failed bool) (reasons []string, specific, bgpDown bool) {
	// Prefix coverage of the probe target.
	if tgt, ok := v.probeTarget(); ok && v.dev != nil {
		switch {
		case len(v.dev.Routes) > 0 && !v.routedIntoTunnel(tgt):
			specific = true
			reasons = append(reasons, fmt.Sprintf("no prefix routed into the tunnel covers %s (tunnel routes: %s)", tgt, joinMax(v.dev.Routes, 8)))
		case len(v.dev.Routes) == 0 && failed:
			specific = true
			reasons = append(reasons, fmt.Sprintf("the on-prem device routes no prefix into the tunnel, so %s is not reached through it", tgt))
		}
	}
	// Routes learned by BGP.
	// Absence of evidence is not a down session: judge BGP only when one
	// side reported its peers.
	if v.bgpConfigured() && v.bgpObserved() {
		if !v.bgpUp() {
			bgpDown = true
			reasons = append(reasons, "BGP is configured but not up, and nothing identifies a wrong ASN: no routes are exchanged")
		} else {
			if v.dev != nil && len(v.dev.BGP) > 0 {
				var n uint64
				for _, p := range v.dev.BGP {
					n += p.RoutesReceived
				}
				if n == 0 {
					specific = true
					reasons = append(reasons, "the on-prem BGP session is ESTABLISHED but has received 0 routes from Azure")
				}
			}
			if v.az != nil {
				for _, p := range v.az.BGPPeers {
					if strings.EqualFold(p.State, "Connected") && p.RoutesReceived == 0 {
						specific = true
						reasons = append(reasons, fmt.Sprintf("Azure's BGP peer %s is Connected but Azure has learned 0 routes from on-prem: no return route", orDash(p.Neighbor)))
					}
				}
			}
		}
	}
	// One-way traffic with Azure not answering.
	in, out := v.devPackets()
	if v.dev != nil && out > 0 && in == 0 && v.azCounters() && v.az.IngressDelta > 0 && v.az.EgressDelta == 0 {
		specific = true
		reasons = append(reasons, fmt.Sprintf("Azure received traffic (ingress +%d bytes) but sent nothing back (egress +0): the return route from the VNet is missing", v.az.IngressDelta))
	}
	return reasons, specific, bgpDown
}

// joinMax joins at most n items.
func joinMax(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(s[:n], ", "), len(s)-n)
}
