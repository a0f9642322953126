package diagnose

import (
	"fmt"
	"strconv"
	"strings"
)

// Latent faults (issue 13): a mismatch that an established tunnel hides
// until the event that exposes it (a CHILD SA rekey, an SA expiry). The
// configuration of both sides names it before it bites; once it has, the
// same rule names it from the broken state.

const (
	srcAzQM       = "Azure: vpn-gateway-about-vpn-devices (IPsec quick-mode offers as responder: PFS only with the listed algorithm/group pairs; PFS is negotiated at the CHILD SA rekey)"
	srcAzLifetime = "Azure: vpn-gateway-about-vpn-devices (phase 2 SA lifetime 27,000 s / 102,400,000 KB; lifetimes need not match, but each side must rekey)"
	srcRekey      = "seed 000 §5.6 トラブル概要「定期的に切れたり」(rekey/lifetime)"
)

// azureQMResponder are Azure's default quick-mode offers as responder,
// strongSwan syntax (Azure: vpn-gateway-about-vpn-devices, offers 1–26).
var azureQMResponder = []string{
	"aes256gcm16", "aes256-sha1", "3des-sha1", "aes256-sha256", "aes128-sha1", "3des-sha256",
	"aes256-sha1-modp768", "aes256-sha1-modp1024", "aes256-sha1-modp2048",
	"aes128-sha1-modp768", "aes128-sha1-modp1024", "aes128-sha1-modp2048",
	"3des-sha1-modp768", "3des-sha1-modp1024", "3des-sha256-modp1024",
	"aes256-sha256-modp768", "aes256-sha256-modp1024", "aes256-sha256-modp2048",
	"aes256-sha1-modp2048s256", "aes256-sha256-modp2048s256",
	"aes128-sha256", "aes128-sha256-modp768", "aes128-sha256-modp1024", "aes128-sha256-modp2048",
	"3des-sha1-modp2048",
}

// azurePFS maps Azure's custom-policy PFS group names to strongSwan's.
var azurePFS = map[string]string{"None": "", "PFS1": "modp768", "PFS2": "modp1024", "PFS14": "modp2048", "PFS2048": "modp2048",
	"PFS24": "modp2048s256", "ECP256": "ecp256", "ECP384": "ecp384", "PFSMM": ""}

// splitDH splits a strongSwan ESP proposal into its algorithms and its
// DH (PFS) groups.
func splitDH(p string) (algs string, groups []string) {
	var a []string
	for _, part := range strings.Split(strings.ToLower(strings.TrimSpace(p)), "-") {
		switch {
		case strings.HasPrefix(part, "modp"), strings.HasPrefix(part, "ecp"), strings.HasPrefix(part, "curve"),
			strings.HasPrefix(part, "x25519"), strings.HasPrefix(part, "x448"), strings.HasPrefix(part, "ke"):
			groups = append(groups, part)
		case part == "esn" || part == "noesn":
		default:
			a = append(a, part)
		}
	}
	return strings.Join(a, "-"), groups
}

// rekeyAccepted reports whether Azure, as the responder, accepts one of
// the device's ESP proposals with PFS at a rekey; pfsOnly reports whether
// every device proposal requires a PFS group.
func (v *view) rekeyAccepted(props []string) (ok, pfsOnly bool, azDesc string) {
	offers := azureQMResponder
	azDesc = "Azure's default quick-mode offers (PFS only with DH 1, 2, 14, 24 on AES/3DES-SHA, none with GCM)"
	if p := v.az.Config.Policy; p != nil {
		enc := map[string]string{"GCMAES256": "aes256gcm16", "GCMAES192": "aes192gcm16", "GCMAES128": "aes128gcm16",
			"AES256": "aes256", "AES192": "aes192", "AES128": "aes128", "DES3": "3des", "DES": "des"}[p.IPsecEncryption]
		integ := map[string]string{"SHA256": "sha256", "SHA1": "sha1", "MD5": "md5"}[p.IPsecIntegrity]
		o := enc
		if integ != "" && !strings.Contains(enc, "gcm") {
			o += "-" + integ
		}
		if g := azurePFS[p.PFSGroup]; g != "" {
			o += "-" + g
		}
		offers = []string{o}
		azDesc = fmt.Sprintf("the connection's custom policy (%s/%s, PFS %s)", p.IPsecEncryption, p.IPsecIntegrity, orDash(p.PFSGroup))
	}
	pfsOnly = len(props) > 0
	for _, d := range props {
		da, dg := splitDH(d)
		if len(dg) == 0 {
			pfsOnly = false
		}
		for _, o := range offers {
			oa, og := splitDH(o)
			if oa != da {
				continue
			}
			if len(dg) == 0 && len(og) == 0 {
				return true, false, azDesc
			}
			for _, g := range dg {
				if len(og) > 0 && og[0] == g {
					return true, pfsOnly, azDesc
				}
			}
		}
	}
	return false, pfsOnly, azDesc
}

// rekeyRefused are the device's log messages of a CHILD SA rekey refused
// for its proposals (charon as responder or initiator, lower case).
var rekeyRefused = []string{"no acceptable proposal found", "no_proposal_chosen"}

// azureRekeyRefused reports whether a CHILD SA rekey that Azure starts
// fails on the device's PFS: Azure as initiator offers no PFS (or the
// custom policy's group), the device requires a group it does not offer,
// and Azure's lifetime runs out before the device's, so Azure is the one
// that rekeys.
func (v *view) azureRekeyRefused(props []string) (string, bool) {
	azGroup := ""
	desc := "Azure as initiator offers no PFS (its default quick-mode offers)"
	if p := v.az.Config.Policy; p != nil {
		azGroup = azurePFS[p.PFSGroup]
		desc = fmt.Sprintf("Azure as initiator offers the custom policy's PFS %s", orDash(p.PFSGroup))
	}
	if len(props) == 0 {
		return "", false
	}
	for _, d := range props {
		_, dg := splitDH(d)
		if len(dg) == 0 || (azGroup != "" && dg[0] == azGroup) {
			return "", false // the device accepts what Azure offers
		}
	}
	cfg := v.dev.Config
	az := v.azureChildLifetime()
	if !cfg.ChildNoRekey && (cfg.ChildLifetime <= 0 || cfg.ChildLifetime < az) {
		return "", false // the device rekeys first, with its own proposal
	}
	return fmt.Sprintf("%s, while the device's ESP proposals %s all require a PFS group; the device's CHILD SA lifetime (%d s) is not shorter than Azure's (%d s), so Azure starts the rekey and the device refuses it",
		desc, strings.Join(props, ", "), cfg.ChildLifetime, az), true
}

// childTimers returns the device's first installed CHILD SA's timers.
func (v *view) childTimers() (c ChildSA, ok bool) {
	for _, sa := range v.dev.IKE {
		for _, ch := range sa.Children {
			if strings.EqualFold(ch.State, "INSTALLED") {
				return ch, true
			}
		}
	}
	return ChildSA{}, false
}

// pfsMismatch: the device requires a PFS group for its CHILD SA that Azure
// does not offer with those algorithms; the first CHILD SA (built inside
// IKE_AUTH, without a key exchange) comes up, the first rekey fails.
func pfsMismatch(v *view) (Verdict, bool) {
	if v.dev == nil || v.az == nil {
		return Verdict{}, false
	}
	props := v.dev.Config.ESPProposals
	ok, pfsOnly, azDesc := v.rekeyAccepted(props)
	initFact, initFails := v.azureRekeyRefused(props)
	st, _ := v.tunnel()
	// Azure's own rekey failing explains only a tunnel that came up: a
	// first CHILD SA that failed in IKE_AUTH had no PFS to disagree on.
	initFails = initFails && st == tunnelUp
	if !pfsOnly || (ok && !initFails) {
		return Verdict{}, false
	}
	facts := v.tunnelFacts()
	if !ok {
		facts = append(facts, fmt.Sprintf("the device's ESP proposals %s all require a PFS group, and %s has none of them with those algorithms",
			strings.Join(props, ", "), azDesc))
	}
	if initFails {
		facts = append(facts, initFact)
	}
	facts = append(facts, "the first CHILD SA is built inside IKE_AUTH without a key exchange, so PFS is first negotiated at the CHILD SA rekey (CREATE_CHILD_SA with KE)")
	v.timerFacts(&facts)
	out := Verdict{
		Category:       TunnelSetup,
		Fault:          "pfs-mismatch",
		NetworkWatcher: nwIkePolicy,
		Fix: steps(
			step{"Compare the PFS group: Azure portal > VNet gateway > Connections > the connection > IPsec/IKE policy (PFS group), against the device's phase 2 / IPsec proposal's PFS (DH) group.", srcIKESettings},
			step{"Either set the device's PFS to None (Azure's default as initiator), or set a custom IPsec/IKE policy on the connection with the same PFS group the device uses.", srcRecommended},
			step{"PFS is negotiated at the CHILD SA rekey, not when the tunnel comes up: after the change, force a rekey (swanctl --rekey --child) and check that it succeeds.", srcAzQM},
		),
	}
	switch st {
	case tunnelUp:
		if l, failed := v.devContains(rekeyRefused); failed {
			// The rekey has already failed: the old SA carries traffic
			// until it expires.
			facts = append(facts, devLogFact(l))
			out.Summary = "A CHILD SA rekey failed on a PFS mismatch; the old SA still carries traffic and the tunnel drops when it expires"
			// No longer latent: the rekey has failed; only the old SA's
			// remaining lifetime hides it.
			out.Confidence = 0.85
			break
		}
		when := "at the next CHILD SA rekey"
		if initFails && !ok {
			when = "at the next CHILD SA rekey, whichever side starts it"
		} else if initFails {
			when = fmt.Sprintf("at the next CHILD SA rekey Azure starts (its lifetime, %d s, runs out first)", v.azureChildLifetime())
		}
		if c, ok := v.childTimers(); ok && c.RekeyInSeconds > 0 && !initFails {
			when = fmt.Sprintf("at the CHILD SA rekey in %d s (configured lifetime %d s)", c.RekeyInSeconds, v.dev.Config.ChildLifetime)
		}
		out.Summary = "Latent PFS mismatch: the tunnel is up now, but " + when + " the device proposes a PFS group Azure does not accept, and the CHILD SA will fail"
		out.Latent = "the tunnel is up now; the CHILD SA rekey will fail " + when + " (NO_PROPOSAL_CHOSEN), and traffic stops when the SA expires"
		out.Confidence = 0.8
	default:
		l, lok := v.devContains([]string{"no_proposal_chosen", "create_child_sa", "rekeying failed", "failed to rekey"})
		if !lok {
			return Verdict{}, false // a tunnel down for another reason
		}
		facts = append(facts, devLogFact(l))
		out.Summary = "The CHILD SA rekey failed: the device requires a PFS group Azure does not accept (PFS mismatch)"
		out.Confidence = 0.85
	}
	out.Facts = facts
	return out, true
}

// timerFacts states the device's configured timers and the current SA's.
func (v *view) timerFacts(facts *[]string) {
	cfg := v.dev.Config
	if cfg.ChildLifetime > 0 || cfg.IKELifetime > 0 {
		s := fmt.Sprintf("configured timers on the device: IKE SA %d s, CHILD SA %d s", cfg.IKELifetime, cfg.ChildLifetime)
		if cfg.ChildNoRekey {
			s += " (the device never rekeys its CHILD SA itself)"
		}
		*facts = append(*facts, s)
	}
	if c, ok := v.childTimers(); ok && (c.RekeyInSeconds > 0 || c.ExpiresInSeconds > 0) {
		s := fmt.Sprintf("the current CHILD SA was installed %d s ago", c.InstalledSeconds)
		if c.RekeyInSeconds > 0 && !cfg.ChildNoRekey {
			s += fmt.Sprintf("; rekey in %d s", c.RekeyInSeconds)
		}
		if c.ExpiresInSeconds > 0 {
			s += fmt.Sprintf("; hard expiry in %d s", c.ExpiresInSeconds)
		}
		*facts = append(*facts, s)
	}
}

// azureChildLifetime is Azure's phase 2 lifetime, or the custom policy's.
func (v *view) azureChildLifetime() int {
	if p := v.az.Config.Policy; p != nil && p.SALifetime > 0 {
		return p.SALifetime
	}
	return 27000
}

// saLifetimeMismatch: the device lets its CHILD SA expire without
// rekeying it, sooner than Azure would rekey it: the tunnel drops at every
// expiry ("it drops every N hours").
func saLifetimeMismatch(v *view) (Verdict, bool) {
	if v.dev == nil || v.az == nil {
		return Verdict{}, false
	}
	if !v.expiresUnrekeyed() {
		return Verdict{}, false
	}
	cfg := v.dev.Config
	az := v.azureChildLifetime()
	st, _ := v.tunnel()
	facts := v.tunnelFacts()
	facts = append(facts, fmt.Sprintf("the device's CHILD SA lifetime is %d s and the device does not rekey it; Azure's phase 2 lifetime is %d s, so Azure does not rekey it first", cfg.ChildLifetime, az))
	v.timerFacts(&facts)
	if st.up() {
		// A loss route-missing left to this rule: say why.
		_, failed := v.probeFacts()
		_, specific, bgpDown := v.routeReasons(failed)
		if f, ok := v.lossAtExpiry(failed, specific || bgpDown); ok {
			facts = append(facts, f)
		}
	}
	out := Verdict{
		Category: Operations,
		Fault:    "sa-lifetime-mismatch",
		Fix: steps(
			step{fmt.Sprintf("Make the device rekey its phase 2 SA before it expires (rekey margin), or set its lifetime at or above Azure's %d s so that Azure rekeys first.", az), srcAzLifetime},
			step{"Compare the phase 1/2 lifetimes on both sides: Azure portal > Connections > the connection > IPsec/IKE policy (SA lifetime) and the device's profile.", srcIKESettings},
			step{"A tunnel that drops at a fixed period is a lifetime/rekey problem: check the device log at each drop for an expiry without a rekey.", srcRekey},
		),
	}
	if l, ok := v.devContains([]string{"closing expired child_sa", "child_sa expired", "expired child_sa"}); ok && st != tunnelDown {
		// It has bitten already: the SA expired in the window.
		facts = append(facts, devLogFact(l))
		out.Summary = fmt.Sprintf("The CHILD SA expired at %s without a rekey, interrupting traffic: the device's lifetime (%d s) is shorter than Azure's %d s and it does not rekey; it recurs at every expiry", fmtTime(l.Time), cfg.ChildLifetime, az)
		out.Confidence = 0.9
		out.Facts = facts
		return out, true
	}
	switch st {
	case tunnelUp:
		when := fmt.Sprintf("when the CHILD SA expires (lifetime %d s)", cfg.ChildLifetime)
		if c, ok := v.childTimers(); ok && c.ExpiresInSeconds > 0 {
			when = fmt.Sprintf("in %d s, when the CHILD SA expires (lifetime %d s)", c.ExpiresInSeconds, cfg.ChildLifetime)
		}
		out.Summary = "Latent SA lifetime mismatch: the tunnel is up now, but its CHILD SA expires without a rekey " + when
		out.Latent = "the tunnel is up now; traffic stops " + when + ", and again after every re-establishment"
		out.Confidence = 0.8
	case tunnelIKEOnly:
		l, lok := v.devContains([]string{"expired", "lifetime", "deleting child_sa", "closing child_sa"})
		if lok {
			facts = append(facts, devLogFact(l))
		}
		out.Summary = fmt.Sprintf("The CHILD SA expired after %d s without a rekey: the device's lifetime is shorter than Azure's %d s and it does not rekey", cfg.ChildLifetime, az)
		out.Confidence = 0.85
	default:
		return Verdict{}, false
	}
	out.Facts = facts
	return out, true
}

// expiresUnrekeyed reports whether the device lets its CHILD SAs expire
// without rekeying them, sooner than Azure would rekey them.
func (v *view) expiresUnrekeyed() bool {
	if v.dev == nil || v.az == nil {
		return false
	}
	cfg := v.dev.Config
	return cfg.ChildNoRekey && cfg.ChildLifetime > 0 && cfg.ChildLifetime < v.azureChildLifetime()
}

// childChurn are the device's log lines of a CHILD SA that expired, was
// closed or was (re-)established; childExpired of one that expired (lower
// case).
var (
	childChurn   = []string{"closing expired child_sa", "child_sa expired", "expired child_sa", "deleting child_sa", "closing child_sa", "established with spis"}
	childExpired = []string{"closing expired child_sa", "child_sa expired", "expired child_sa"}
)

// lossAtExpiry reports whether a data-plane loss is one that CHILD SAs
// expiring unrekeyed explain: the device lets them expire (expiresUnrekeyed),
// nothing points at a route (routed: a prefix not routed into the tunnel,
// BGP down or without routes, Azure not answering), and the loss is
// transient around a CHILD SA change. Either it is partial (some probe
// crossed the tunnel, so the routes are there) and the current CHILD SA
// was installed within the window, expires within seconds, or the device
// logged one expiring, closing or being established in the window; or
// nothing crossed, but the device logged a CHILD SA expiring in the window
// and the current one was installed since. Between an expiry and the next
// CHILD SA the tunnel carries nothing, so probes run then fail (a TCP
// connect even with "no route to host") while others cross.
func (v *view) lossAtExpiry(failed, routed bool) (string, bool) {
	p := v.probes
	if !failed || routed || p == nil || !v.expiresUnrekeyed() {
		return "", false
	}
	var crossed []string
	if p.Ping != nil && p.Ping.Received > 0 {
		crossed = append(crossed, fmt.Sprintf("ping %d of %d", p.Ping.Received, p.Ping.Sent))
	}
	if p.TCPConnect != nil && p.TCPConnect.OK {
		crossed = append(crossed, "the TCP connect")
	}
	if p.TCPBulk != nil && p.TCPBulk.OK {
		crossed = append(crossed, "the bulk transfer")
	}
	c, ok := v.childTimers()
	window := int(v.ev.CollectedAt.Sub(v.ev.WindowStart).Seconds())
	installedInWindow := ok && c.ExpiresInSeconds > 0 && window > 0 && c.InstalledSeconds <= window
	const explains = "a CHILD SA that expires unrekeyed leaves the tunnel without one until the next is installed, which explains the loss; no route is missing"
	if len(crossed) == 0 {
		l, expired := v.devContains(childExpired)
		if !expired || !installedInWindow {
			return "", false
		}
		return fmt.Sprintf("no probe crossed the tunnel, but the device logged %s in the window and the current CHILD SA was installed %d s ago: %s",
			strconv.Quote(clip(l.Message)), c.InstalledSeconds, explains), true
	}
	var when string
	switch {
	case installedInWindow:
		when = fmt.Sprintf("the current CHILD SA was installed %d s ago, within the %d s window", c.InstalledSeconds, window)
	case ok && c.ExpiresInSeconds > 0 && c.ExpiresInSeconds <= max(5, v.dev.Config.ChildLifetime/10):
		when = fmt.Sprintf("the current CHILD SA expires in %d s", c.ExpiresInSeconds)
	default:
		l, logged := v.devContains(childChurn)
		if !logged {
			return "", false
		}
		when = "the device logged " + strconv.Quote(clip(l.Message)) + " in the window"
	}
	return fmt.Sprintf("the data-plane loss is partial (%s crossed the tunnel) and falls around a CHILD SA change (%s): %s",
		strings.Join(crossed, ", "), when, explains), true
}

// devContains returns the latest device log line containing any of subs
// (lower case): lifecycle markers, not fault signatures.
func (v *view) devContains(subs []string) (LogLine, bool) {
	for i := len(v.devLower) - 1; i >= 0; i-- {
		if matches(v.devLower[i], subs, nil) {
			return v.devLog[i], true
		}
	}
	return LogLine{}, false
}
