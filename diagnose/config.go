package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Configuration-based rules (issue 13): faults that both sides' configured
// values reveal, read against the tunnel state and the logs. Each cites its
// seed section or Azure page.

const (
	srcPeerAddr   = "seed 000 §5.3 対処法② (VPN 接続プロファイルの接続先 = Azure VPN Gateway のパブリック IP)"
	srcIKEVersion = "Azure: vpn-gateway-vpn-faq (IKEv2 is the default connection protocol; connectionProtocol cannot change after creation)"
	srcIdentity   = "Azure: vpn-gateway-vpn-faq (NAT-T: the device behind NAT must identify itself by the public IP the local network gateway registers)"
	srcLNGIP      = "seed 000 §5.5 対処法③ ローカルネットワークゲートウェイのアドレス空間 / IP アドレス"
	srcAzHAUnpl   = "Azure: vpn-gateway-highlyavailable (unplanned failover 1–3 min; active-active keeps the other tunnel)"
	srcActivity   = "seed 000 §5.6 対処法「直前に行った変更の棚卸し」(Azure portal > アクティビティログ)"
	srcChange     = "seed 000 §5.6 原因「Azure 側または対向ネットワーク側の運用中の設定変更」"
)

// wrongPeerAddress: the device sends IKE to an address that is none of the
// gateway's public IPs (seed 000 §5.3 ②; seed 001 error 809).
func wrongPeerAddress(v *view) (Verdict, bool) {
	if !v.tunnelNotUp() || v.dev == nil || v.az == nil {
		return Verdict{}, false
	}
	ra, ips := v.dev.Config.RemoteAddr, v.az.Config.PublicIPs
	if ra == "" || ra == "%any" || len(ips) == 0 || slices.Contains(ips, ra) {
		return Verdict{}, false
	}
	facts := v.tunnelFacts()
	facts = append(facts, fmt.Sprintf("the device sends IKE to %s, but the Azure gateway's public IP is %s", ra, strings.Join(ips, ", ")))
	if l, ok := v.devFind(sigNoAnswer); ok {
		facts = append(facts, v.fact(l))
	}
	if p := v.path; p != nil {
		facts = append(facts, fmt.Sprintf("the path forwarded %d IKE packets towards Azure's range and %d back", ikePackets(p.ToAzure), ikePackets(p.ToOnprem)))
	}
	return Verdict{
		Category:       TunnelSetup,
		Fault:          "wrong-peer-address",
		Summary:        fmt.Sprintf("The device targets %s, which is not the Azure gateway's public IP (%s): its IKE gets no answer", ra, strings.Join(ips, ", ")),
		Facts:          facts,
		NetworkWatcher: nwPeerReachability,
		Confidence:     0.9,
		Fix: steps(
			step{fmt.Sprintf("Read the gateway's public IP (Azure portal > VNet gateway > Overview > Public IP address: %s) and set it as the peer (remote gateway) address of the device's VPN profile.", strings.Join(ips, ", ")), srcPeerAddr},
			step{"A gateway recreated or moved to another public IP keeps nothing of the old address: every device must be updated.", srcRRASNoAnswer},
			step{"Re-initiate from the device and check that the IKE SA becomes ESTABLISHED and the connection Connected.", srcIKESettings},
		),
	}, true
}

// ikeVersionMismatch: the device speaks another IKE version than the
// connection's protocol (seed 000 §5.3 ②).
func ikeVersionMismatch(v *view) (Verdict, bool) {
	if !v.tunnelNotUp() || v.dev == nil || v.az == nil {
		return Verdict{}, false
	}
	dv := v.dev.Config.IKEVersion
	av := 0
	switch strings.ToUpper(v.az.Config.ConnectionProtocol) {
	case "IKEV2":
		av = 2
	case "IKEV1":
		av = 1
	}
	if dv == 0 || av == 0 || dv == av {
		return Verdict{}, false
	}
	facts := v.tunnelFacts()
	facts = append(facts, fmt.Sprintf("the device is configured for IKEv%d, the Azure connection's protocol is IKEv%d", dv, av))
	if l, ok := v.devFind(sigProposal); ok {
		facts = append(facts, v.fact(l))
	} else if l, ok := v.devFind(sigNoAnswer); ok {
		facts = append(facts, v.fact(l))
	}
	if l, ok := v.azContains([]string{"ikev1", "main mode", "unsupported", "no ike config", "no_proposal", "invalid major"}); ok {
		facts = append(facts, azLogFact(l))
	}
	return Verdict{
		Category:       TunnelSetup,
		Fault:          "ike-version-mismatch",
		Summary:        fmt.Sprintf("The device negotiates IKEv%d but the Azure connection uses IKEv%d: no IKE SA can be built", dv, av),
		Facts:          facts,
		NetworkWatcher: nwIkePolicy,
		Confidence:     0.9,
		Fix: steps(
			step{fmt.Sprintf("Compare the IKE version: Azure portal > VNet gateway > Connections > the connection > IKE protocol (IKEv%d), against the device's VPN profile (IKEv%d).", av, dv), srcIKESettings},
			step{"Set the device to IKEv2, the version Azure recommends for route-based gateways; the connection's protocol cannot be changed after creation (recreate it for IKEv1).", srcIKEVersion},
			step{"Re-initiate from the device and check that the IKE SA becomes ESTABLISHED.", srcRecommended},
		),
	}, true
}

// ikeIdentityMismatch: the device's IKE identity is not the address the
// local network gateway registers (seed 000 §5.3 ②; NAT'd private
// address as ID). It precedes the shared-key rule: both end in
// AUTHENTICATION_FAILED.
func ikeIdentityMismatch(v *view) (Verdict, bool) {
	if !v.tunnelNotUp() || v.dev == nil || v.az == nil {
		return Verdict{}, false
	}
	id, want := v.dev.Config.LocalID, v.az.Config.LocalGatewayIP
	if id == "" || want == "" || id == want {
		return Verdict{}, false
	}
	al, aok := v.azContains([]string{"no matching peer config", "peer config", "identity", "authentication_failed"})
	dl, dok := v.devFind(sigKey)
	if !aok && !dok {
		return Verdict{}, false
	}
	facts := v.tunnelFacts()
	facts = append(facts, fmt.Sprintf("the device identifies itself as %q in IKE_AUTH, but the local network gateway registers the device as %s", id, want))
	if a, err := netip.ParseAddr(id); err == nil && a.String() != v.dev.Config.LocalAddr && v.dev.Config.LocalAddr != "" {
		facts = append(facts, fmt.Sprintf("%s is not the address the device sends from (%s): typically a private address behind NAT used as the IKE ID", id, v.dev.Config.LocalAddr))
	}
	if aok {
		facts = append(facts, azLogFact(al))
	}
	if dok {
		facts = append(facts, v.fact(dl))
	}
	return Verdict{
		Category:       TunnelSetup,
		Fault:          "ike-identity-mismatch",
		Summary:        fmt.Sprintf("Azure finds no connection for the device's IKE identity %q (it expects %s), so IKE authentication fails", id, want),
		Facts:          facts,
		NetworkWatcher: nwAuthentication,
		Confidence:     v.adjust(v.sided(dok, aok)),
		Fix: steps(
			step{fmt.Sprintf("Set the device's local IKE identity to the public IP the local network gateway registers (%s), not its private/inside address.", want), srcIdentity},
			step{"Check Azure portal > Local network gateway > IP address against the device's public (post-NAT) address.", srcLNGIP},
			step{"Re-initiate and check that the IKE SA becomes ESTABLISHED; a shared-key check is pointless until the identities match.", srcIKESettings},
		),
	}, true
}

// plannedMaintenance reports whether the maintenance records announce a
// planned event (HostMaintenanceEvent, or a record naming maintenance), as
// opposed to a bare primary change after an instance failed.
func plannedMaintenance(v *view, maint []AzureLog) bool {
	for _, l := range maint {
		if strings.EqualFold(l.Operation, "HostMaintenanceEvent") ||
			strings.Contains(strings.ToLower(l.Message+" "+l.Reason), "maintenance") {
			return true
		}
	}
	for i, l := range v.azLog {
		if strings.EqualFold(l.Operation, "TunnelDisconnected") && strings.Contains(v.azLower[i], "maintenance") {
			return true
		}
	}
	return false
}

// instanceFailure: the active instance failed without announced
// maintenance and the standby took over (unplanned failover).
func instanceFailure(v *view, maint []AzureLog, failover, flap []string, outage time.Duration) (Verdict, bool) {
	var facts []string
	for _, l := range maint {
		facts = append(facts, fmt.Sprintf("Azure %s %s at %s: %q", orDash(l.Category), orDash(l.Operation), fmtTime(l.Time), clip(l.Message)))
	}
	facts = append(facts, "no HostMaintenanceEvent or maintenance notice in the GatewayDiagnosticLog of the window: not planned maintenance")
	for i, l := range v.azLog {
		if strings.EqualFold(l.Operation, "TunnelDisconnected") && l.Reason != "" {
			facts = append(facts, fmt.Sprintf("TunnelDisconnected on %s: %s", orDash(l.Instance), l.Reason))
			_ = i
			break
		}
	}
	facts = append(facts, failover...)
	facts = append(facts, flap...)
	st, _ := v.tunnel()
	c := 0.85
	if st.up() {
		facts = append(facts, "the tunnel is up again at collection time, on the other instance")
	} else {
		facts = append(facts, "the tunnel is still down at collection time")
		c -= 0.2
	}
	sum := "Unplanned failover: the active gateway instance failed and the standby took over"
	if outage > 0 {
		sum += fmt.Sprintf(", with a %s outage (documented 1–3 min unplanned, 10–15 s planned)", outage.Round(time.Second))
	}
	return Verdict{
		Category:   Operations,
		Fault:      "instance-failure",
		Summary:    sum,
		Facts:      facts,
		Confidence: c,
		Fix: steps(
			step{"No configuration change is needed on the device: after a host failure the standby instance takes the public IP and re-establishes the tunnel (1–3 min unplanned).", srcAzHAUnpl},
			step{"Check Azure Service Health (Resource health of the gateway, post-incident report) for the time of the TunnelDisconnected/GatewayTenantPrimaryChanged records.", srcServiceHlth},
			step{"Keep diagnostic logs enabled: an unannounced primary change without HostMaintenanceEvent is how an instance failure shows.", srcMaintFAQ},
			step{"If the outage matters, use an active-active gateway with BGP so that one instance's failure leaves the other tunnel up.", srcActive},
		),
	}, true
}
