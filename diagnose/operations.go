package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Azure's side of the tunnel: inner MTU 1400, MSS 1350 (Azure:
// vpn-gateway-about-vpn-devices).
const (
	azureTunnelMTU = 1400
	azureMSS       = 1350
)

// mtuBlackhole: small packets cross, large ones vanish without an ICMP
// "fragmentation needed" (seed 000 §5.6 cause MTU, fix 「MTU 調整」).
func mtuBlackhole(v *view) (Verdict, bool) {
	if !v.tunnelCarries() || v.probes == nil {
		return Verdict{}, false
	}
	p := v.probes
	pm := p.PMTU
	smallOK := (p.Ping == nil || p.Ping.Sent == 0 || p.Ping.Received > 0) &&
		(p.TCPConnect == nil || p.TCPConnect.OK) &&
		((p.Ping != nil && p.Ping.Received > 0) || (p.TCPConnect != nil && p.TCPConnect.OK) || (pm != nil && pm.MaxPassing > 0))
	if !smallOK {
		return Verdict{}, false
	}
	bulkFail := p.TCPBulk != nil && !p.TCPBulk.OK
	silent := pm != nil && pm.MinSilent > 0 && pm.MinSilent > pm.MaxPassing
	if !silent && !(bulkFail && pm == nil) {
		return Verdict{}, false // PMTUD works (refused, not silent) or nothing is lost
	}

	tunMTU := azureTunnelMTU
	if v.dev != nil && v.dev.Config.TunnelMTU > 0 {
		tunMTU = v.dev.Config.TunnelMTU
	}
	pf, _ := v.probeFacts()
	facts := append([]string{"small packets cross the tunnel"}, pf...)
	if bulkFail {
		b := p.TCPBulk
		facts = append(facts, fmt.Sprintf("bulk TCP transfer of full-size segments failed after %d of %d bytes%s", b.Bytes, b.Wanted, errSuffix(b.Error)))
	}
	mtu := tunMTU
	if pm != nil {
		if silent {
			s := fmt.Sprintf("PMTU probe: packets up to %d bytes cross; from %d bytes they are lost silently, with no ICMP \"fragmentation needed\"", pm.MaxPassing, pm.MinSilent)
			if pm.MinSilent <= tunMTU {
				s += fmt.Sprintf(" — below the tunnel MTU %d, so the loss is on the path, not the device's own limit", tunMTU)
			}
			facts = append(facts, s)
		}
		if pm.MinRefused > 0 {
			facts = append(facts, fmt.Sprintf("PMTU probe: packets from %d bytes are refused with \"fragmentation needed\" (MTU %d)", pm.MinRefused, pm.ReportedMTU))
		}
		if pm.MaxPassing > 0 {
			mtu = min(tunMTU, pm.MaxPassing/10*10)
		}
	}
	mss := mtu - 40
	if v.dev != nil {
		switch c := v.dev.Config.MSSClamp; {
		case c == 0:
			facts = append(facts, "the device clamps no TCP MSS")
		case pm != nil && pm.MaxPassing > 0 && c+40 > pm.MaxPassing:
			facts = append(facts, fmt.Sprintf("the device clamps TCP MSS to %d, which still lets %d-byte packets through, above the path's %d", c, c+40, pm.MaxPassing))
		default:
			facts = append(facts, fmt.Sprintf("the device clamps TCP MSS to %d", c))
		}
	}
	var miss []string
	c := 0.85
	switch {
	case silent && bulkFail:
		c = 0.9
	case !silent:
		c = 0.65
		miss = append(miss, missingPMTU)
	}

	limit := "an unmeasured size"
	if pm != nil && pm.MaxPassing > 0 {
		limit = fmt.Sprintf("%d bytes", pm.MaxPassing)
	}
	return Verdict{
		Category:   Operations,
		Fault:      "mtu-blackhole",
		Summary:    fmt.Sprintf("Small packets cross but large ones are silently dropped (PMTU black hole): the path carries at most %s; use tunnel MTU %d / MSS %d", limit, mtu, mss),
		Facts:      facts,
		Confidence: v.adjust(c),
		Missing:    miss,
		Fix: steps(
			step{fmt.Sprintf("Lower the on-prem router/firewall tunnel MTU to %d (measured limit %s); Azure's MTU is fixed, so the on-prem side adapts.", mtu, limit), srcMTU},
			step{fmt.Sprintf("Clamp TCP MSS to %d (MTU − 40) on the on-prem device; Azure recommends MSS %d / MTU %d, which this path cannot carry if its limit is lower.", mss, azureMSS, azureTunnelMTU), srcAzMSS},
			step{"Find the hop that drops large packets without an ICMP \"fragmentation needed\" (firewall/UTM, ISP link) and let it send ICMP type 3 code 4 or raise its MTU; fragmented ESP is not supported.", srcAzFrag},
			step{"Rerun the bulk transfer and the PMTU probe to confirm.", srcMTUCause},
		),
	}, true
}

// maxFailover bounds the gap between a TunnelDisconnected and the
// TunnelConnected on the other instance that make a failover: beyond the
// documented unplanned 1–3 min, something else kept the tunnel down.
const maxFailover = 5 * time.Minute

// maintenanceFailover: Azure maintenance moved the tunnel to the other
// gateway instance (seed 000 §3.2, seed 004, reference §8).
func maintenanceFailover(v *view) (Verdict, bool) {
	if v.az == nil {
		return Verdict{}, false
	}
	var maint []AzureLog
	type change struct {
		t    time.Time
		up   bool
		inst string
		msg  AzureLog
	}
	var changes []change
	for i, l := range v.azLog {
		op := l.Operation
		// Tunnel changes first: a TunnelDisconnected whose reason mentions
		// maintenance is still a tunnel change.
		switch {
		case strings.EqualFold(op, "TunnelConnected"):
			changes = append(changes, change{l.Time, true, l.Instance, l})
		case strings.EqualFold(op, "TunnelDisconnected"):
			changes = append(changes, change{l.Time, false, l.Instance, l})
		case strings.EqualFold(op, "HostMaintenanceEvent"), strings.EqualFold(op, "GatewayTenantPrimaryChanged"),
			strings.Contains(v.azLower[i], "maintenance"):
			maint = append(maint, l)
		}
	}
	slices.SortStableFunc(changes, func(a, b change) int { return a.t.Compare(b.t) })

	var failover, flap []string
	var outage time.Duration
	for i, d := range changes {
		if d.up {
			continue
		}
		for _, u := range changes[i+1:] {
			if !u.up {
				continue
			}
			gap := u.t.Sub(d.t)
			desc := fmt.Sprintf("TunnelDisconnected on %s at %s%s, then TunnelConnected on %s at %s: %s",
				orDash(d.inst), fmtTime(d.t), reasonSuffix(d.msg), orDash(u.inst), fmtTime(u.t), outageText(gap, d.t, u.t))
			switch other := d.inst != "" && u.inst != "" && d.inst != u.inst; {
			case other && gap <= maxFailover:
				if len(failover) == 0 {
					outage = gap
				}
				failover = append(failover, desc+" — a failover to the other instance")
			case other:
				flap = append(flap, desc+" — on the other instance, but later than any documented failover")
			default:
				flap = append(flap, desc+" — the same instance, so a reconnect (DPD, peer delete), not a failover")
			}
			break
		}
	}
	if len(maint) == 0 && len(failover) == 0 {
		return Verdict{}, false
	}
	if len(failover) > 0 && !plannedMaintenance(v, maint) {
		return instanceFailure(v, maint, failover, flap, outage)
	}

	var facts []string
	for i, l := range maint {
		if i == 3 {
			facts = append(facts, fmt.Sprintf("and %d more maintenance records", len(maint)-3))
			break
		}
		facts = append(facts, fmt.Sprintf("Azure %s %s at %s: %q", orDash(l.Category), orDash(l.Operation), fmtTime(l.Time), clip(l.Message)))
	}
	facts = append(facts, failover...)
	facts = append(facts, flap...)
	st, _ := v.tunnel()
	if st.up() {
		facts = append(facts, "the tunnel is up again at collection time")
	} else {
		facts = append(facts, "the tunnel is still down at collection time: the re-negotiation after the update has not completed")
	}
	if v.dev != nil && v.dev.Config.DPDDelay > 0 {
		facts = append(facts, fmt.Sprintf("on-prem DPD delay %d s", v.dev.Config.DPDDelay))
	}

	c := 0.75
	switch {
	case len(maint) > 0 && len(failover) > 0:
		c = 0.9
	case len(failover) > 0:
		c = 0.8
	}
	if !st.up() {
		c -= 0.2
	}
	sum := "Azure gateway maintenance: the tunnel failed over to the other gateway instance"
	if len(failover) == 0 {
		sum = "Azure gateway maintenance is recorded in the window"
	}
	if outage > 0 {
		sum += fmt.Sprintf(", with a %s outage (documented 10–15 s)", outage.Round(time.Second))
	}
	return Verdict{
		Category:       Operations,
		Fault:          "maintenance-failover",
		Summary:        sum,
		Facts:          facts,
		NetworkWatcher: nwMaintenance,
		Confidence:     c,
		Fix: steps(
			step{"No configuration change is needed: during maintenance the active instance hands over to the standby one, with a 10–15 s interruption, and the device re-establishes by DPD/retry.", srcFailover},
			step{"Confirm it in Azure Service Health (planned maintenance / post-incident reports) for the gateway's subscription and region.", srcServiceHlth},
			step{"Maintenance is not announced beforehand; the GatewayDiagnosticLog / TunnelDiagnosticLog records it afterwards — keep diagnostic logs enabled to tell it from a fault.", srcMaintFAQ},
			step{"If the device took longer than a planned failover to come back, shorten its DPD/keepalive to the recommended value.", srcKeepalive},
			step{"If tens of seconds of outage matter, consider an active-active gateway with BGP, so that one instance's maintenance leaves the other tunnel up.", srcActive},
		),
	}, true
}

// outageText states an outage against the documented failover times.
func outageText(gap time.Duration, from, to time.Time) string {
	if from.IsZero() || to.IsZero() {
		return "outage unknown (no times)"
	}
	g := gap.Round(time.Second)
	switch {
	case gap <= 15*time.Second:
		return fmt.Sprintf("outage %s, within the documented planned failover of 10–15 s", g)
	case gap <= 3*time.Minute:
		return fmt.Sprintf("outage %s, longer than a planned failover (10–15 s), within an unplanned one (1–3 min)", g)
	}
	return fmt.Sprintf("outage %s, longer than documented failovers (10–15 s planned, 1–3 min unplanned)", g)
}

func reasonSuffix(l AzureLog) string {
	if l.Reason == "" {
		return ""
	}
	return fmt.Sprintf(" (%s)", l.Reason)
}

// certificateExpired: a P2S client's (or its root's) certificate is out of
// its validity period at CollectedAt (seed 000 §5.6 real case, §5.4 ②④).
func certificateExpired(v *view) (Verdict, bool) {
	at := v.ev.CollectedAt
	if at.IsZero() {
		return Verdict{}, false
	}
	var facts []string
	var first, kind string
	rootOnly := false
	for _, cl := range v.ev.P2S {
		if cl.Connected || cl.Cert == nil {
			continue
		}
		var found []string
		k := ""
		if t := certTime(*cl.Cert, at); t != "" {
			k = t
			found = append(found, certTimeFact("client certificate", *cl.Cert, at))
		}
		if root, ok := issuerRoot(*cl.Cert, cl.Roots); ok {
			if t := certTime(root, at); t != "" {
				if k == "" {
					k = t
					rootOnly = first == "" && t == "expired"
				}
				found = append(found, certTimeFact("issuing root certificate", root, at))
			}
		}
		if len(found) == 0 {
			continue
		}
		name := orDash(cl.Name)
		if first == "" {
			first, kind = name, k
		}
		facts = append(facts, fmt.Sprintf("P2S client %s is not connected", name))
		facts = append(facts, found...)
		if l, ok := p2sFind(v, cl, sigCertTime); ok {
			facts = append(facts, l)
		}
	}
	if first == "" {
		return Verdict{}, false
	}
	if kind == "not-yet-valid" {
		return Verdict{
			Category:   Authentication, // the catalog files it under ② (a wrong clock, not an expiry)
			Fault:      "certificate-not-yet-valid",
			Summary:    fmt.Sprintf("P2S client %s's certificate is not valid yet at collection time", first),
			Facts:      facts,
			Confidence: 0.85,
			Fix: steps(
				step{"Compare the certificate's validity start (NotBefore) with the client's and the issuer's clocks: Azure portal > Point-to-site configuration and the client's 証明書マネージャー.", srcCertExpiry},
				step{"Correct the clock that is wrong, or reissue the certificate with a validity period that has begun, and install it on the client.", srcCertReissue},
			),
		}, true
	}
	if rootOnly {
		return rootCertificateExpired(v, first, facts)
	}
	return Verdict{
		Category:   Operations,
		Fault:      "certificate-expired",
		Summary:    fmt.Sprintf("P2S client %s cannot connect: its certificate chain has expired", first),
		Facts:      facts,
		Confidence: 0.9,
		Fix: steps(
			step{"Check the expiry dates: Azure portal > VNet gateway > Point-to-site configuration > root certificates, and the client certificate in the client's 証明書マネージャー.", srcCertExpiry},
			step{"Reissue the expired certificate: a new root (upload its public key, Base64 .cer) if the root expired, and new client certificates from it.", srcCertReissue},
			step{"Regenerating the root and client certificates is what resolved the documented real case of this symptom.", srcCertCase},
			step{"Install the new client certificate with its private key in Current User\\Personal\\Certificates on each client, then reconnect.", srcCertInstall},
		),
	}, true
}
