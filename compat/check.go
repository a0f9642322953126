package compat

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// Where Azure's rules are written. The reference (azure-rules.md, shared
// with the team) gives each rule with the revision of the page it read.
const (
	docDEV  = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-devices"
	docFAQ  = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-vpn-faq"
	docPOL  = "https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto"
	docPBTS = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-connect-multiple-policybased-rm-ps"
	docBGP  = "https://learn.microsoft.com/azure/vpn-gateway/configure-bgp"
	docHA   = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-highlyavailable"
	docRFC  = "https://www.rfc-editor.org/rfc/rfc7296#section-1.3"
)

// Kind is one kind of check: what it compares, the fault it points at and
// the Azure rule behind it.
type Kind struct {
	ID       string
	Category string
	Fault    string
	Rule     string
	RuleSrc  string
	run      func(*checker, Kind)
}

// Kinds lists every check in the order Check runs them: the registry that
// the CLI's help and the README are made from.
func Kinds() []Kind {
	return []Kind{
		{"ike-version", "tunnel-setup", "ike-version-mismatch",
			"The connection's IKE version is IKEv2 unless IKEv1 was chosen at creation; policy-based gateways speak IKEv1 only.",
			"azure-rules R1; " + docFAQ, (*checker).ikeVersion},
		{"ike-proposal", "tunnel-setup", "ike-policy-mismatch",
			"Without a custom policy Azure's main mode offers AES256/AES128/3DES with SHA1/SHA256 and DH group 2 only; with one, only that policy.",
			"azure-rules R2.1, R3; " + docDEV, (*checker).ikeProposal},
		{"esp-proposal", "tunnel-setup", "ipsec-policy-mismatch",
			"Azure accepts as responder GCM-AES256, AES256/AES128/3DES with SHA1/SHA256 (some with PFS 1/2/14/24) and as initiator offers six combinations, all without PFS; with a custom policy only that policy.",
			"azure-rules R2.2, R3; " + docDEV, (*checker).espProposal},
		{"pfs", "tunnel-setup", "pfs-mismatch",
			"Azure's default quick mode as initiator uses no PFS; a custom policy's PFS group must be matched. IKEv2 creates the first CHILD SA without a key exchange, so PFS shows at the first rekey.",
			"azure-rules R2.2, R3; " + docDEV + "; " + docRFC, (*checker).pfs},
		{"lifetime", "operations", "sa-lifetime-mismatch",
			"IKE SA 28,800 s (fixed), CHILD SA 27,000 s and 102,400,000 KB by default, at least 300 s and 1,024 KB; lifetimes are local and need not match.",
			"azure-rules R2, R3; " + docFAQ, (*checker).lifetime},
		{"dpd", "operations", "dpd-timeout",
			"Route-based gateways use DPD (timeout 45 s by default, 9-3,600 s); policy-based gateways do not.",
			"azure-rules R6; " + docDEV, (*checker).dpd},
		{"traffic-selectors", "tunnel-setup", "traffic-selector-mismatch",
			"Route-based: any-to-any selectors; policy-based gateways and usePolicyBasedTrafficSelectors need every on-premises x VNet prefix pair. Azure accepts the selectors the device proposes; what they leave out is dropped.",
			"azure-rules R4; " + docPBTS, (*checker).trafficSelectors},
		{"peer-address", "tunnel-setup", "wrong-peer-address",
			"The device connects to the gateway's public IP (both instances' IPs on an active-active gateway); the local network gateway names the device's public IP.",
			"azure-rules R1; " + docFAQ + "; " + docHA, (*checker).peerAddress},
		{"identity", "tunnel-setup", "ike-identity-mismatch",
			"The local network gateway identifies the device by its public IP; the gateway identifies itself by its public IP.",
			"azure-rules R1, R9; " + docFAQ, (*checker).identity},
		{"nat-t", "tunnel-setup", "nat-t-problem",
			"NAT-T is supported; behind NAT the device must keep NAT-T on and should initiate.",
			"azure-rules R9; " + docFAQ, (*checker).natt},
		{"shared-key", "tunnel-setup", "shared-key-mismatch",
			"Site-to-site authentication is by pre-shared key only; the key is printable ASCII without space, '-' or '~' and must be equal on both sides.",
			"azure-rules R1, R10; " + docFAQ, (*checker).sharedKey},
		{"bgp-asn", "routing", "bgp-asn-mismatch",
			"The device's ASN is the local network gateway's, differs from the gateway's (65515 by default) and is not reserved (8074, 8075, 12076, 65515, 65517-65520, 23456, 64496-64511, 65535-65551).",
			"azure-rules R5.1; " + docFAQ, (*checker).bgpASN},
		{"bgp-peer", "routing", "bgp-peer-address-mismatch",
			"The device peers with the gateway's BGP address (GatewaySubnet, or custom APIPA 169.254.21.0-169.254.22.255, one per instance); its own BGP address is the local network gateway's and not its public IP.",
			"azure-rules R5.2-R5.4; " + docBGP, (*checker).bgpPeer},
		{"bgp-multihop", "routing", "bgp-session-down",
			"Azure's GatewaySubnet BGP address is not on the tunnel's subnet: enable eBGP multihop where the device checks for a connected peer; BGP needs BGP enabled on both the connection and the device.",
			"azure-rules R5.5; " + docBGP, (*checker).bgpSession},
		{"bgp-prefixes", "routing", "bgp-prefix-not-advertised",
			"Azure learns the on-premises prefixes from BGP or the local network gateway's address space; a prefix equal to a VNet prefix is not accepted; the default route forces tunnelling.",
			"azure-rules R4, R5.6; " + docFAQ, (*checker).bgpPrefixes},
		{"mss", "operations", "mtu-blackhole",
			"Clamp TCP MSS to 1350 or set the tunnel MTU to 1400; fragmented ESP packets are not supported.",
			"azure-rules R7; " + docDEV, (*checker).mss},
		{"placeholder", "", "",
			"Published samples carry stand-ins for the user's values.",
			"azure-rules R14; " + "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-download-vpndevicescript", (*checker).placeholders},
		{"azure-side", "", "",
			"What Azure itself would refuse in the given resources, or what was assumed.",
			"azure-rules R1-R5; " + docFAQ, (*checker).azureSide},
	}
}

// Check compares a device configuration with the Azure side and returns
// the findings, worst first, then by line. It is pure: no I/O, no clock.
func Check(d Device, a Azure) []Finding {
	c := &checker{d: d, a: a, m: a.Model}
	for _, k := range Kinds() {
		k.run(c, k)
	}
	slices.SortStableFunc(c.out, func(x, y Finding) int {
		return cmp.Or(cmp.Compare(y.Severity, x.Severity), cmp.Compare(x.File, y.File), cmp.Compare(x.Line, y.Line))
	})
	return c.out
}

type checker struct {
	d   Device
	a   Azure
	m   azure.Model
	out []Finding
}

func (c *checker) add(k Kind, sev Severity, src Source, want, fix, format string, args ...any) {
	c.out = append(c.out, Finding{Severity: sev, Category: k.Category, Fault: k.Fault, Check: k.ID,
		Source: src, Message: fmt.Sprintf(format, args...), Rule: k.Rule, RuleSrc: k.RuleSrc, Fix: fix, Want: want})
}

// addAs is add with another fault than the kind's own.
func (c *checker) addAs(k Kind, category, fault string, sev Severity, src Source, want, fix, format string, args ...any) {
	k.Category, k.Fault = category, fault
	c.add(k, sev, src, want, fix, format, args...)
}

func (c *checker) given(p Part) bool { return c.a.Given[p] }

// anchor is where a finding about something the configuration leaves out
// points: the connection's first line as the importer gave it.
func (c *checker) anchor(or Source) Source {
	if or.Line > 0 {
		return or
	}
	if c.d.IKEVersion.Line > 0 {
		return c.d.IKEVersion.Source
	}
	return firstSource(c.d.Peers, or)
}

func (c *checker) ikeVersion(k Kind) {
	want := c.a.ikeVersion()
	v := c.d.IKEVersion
	if !v.Set || v.V == want {
		return
	}
	why := "the connection speaks IKEv2 (Azure's default)"
	switch {
	case c.a.policyBased():
		why = "a policy-based gateway speaks IKEv1 only"
	case want == 1:
		why = "the connection was created with connectionProtocol IKEv1"
	}
	c.add(k, Down, v.Source, fmt.Sprintf("ikev%d", want),
		fmt.Sprintf("Configure IKEv%d on the device (Azure cannot change a connection's IKE version; recreate the connection to change it there).", want),
		"the device speaks IKEv%d, but %s", v.V, why)
}

// ikeOffers returns what Azure accepts in phase 1, and whether it is a custom policy.
func (c *checker) ikeOffers() ([]string, bool) {
	if p := c.a.custom(); p != nil {
		if ike, _, err := p.Proposals(); err == nil {
			return []string{ike}, true
		}
	}
	return azure.DefaultIKEOffers, false
}

func (c *checker) ikeProposal(k Kind) {
	if len(c.d.IKEProposals) == 0 {
		return
	}
	offers, custom := c.ikeOffers()
	dev := values(c.d.IKEProposals)
	if firstAccepted(dev, offers, true) != "" {
		return
	}
	src := firstSource(c.d.IKEProposals, c.d.IKEVersion.Source)
	want := offers[0]
	if !custom {
		want = "aes256-sha256-modp1024" // Microsoft's recommended set [REC]
	}
	what := "Azure's default main mode offers (DH group 2 only)"
	if custom {
		what = "the connection's custom IPsec/IKE policy (" + offers[0] + ")"
	}
	if firstAccepted(dev, offers, false) != "" {
		c.add(k, Down, src, want, "Add DH group "+dhName(parseProposal(want).dh)+" to the IKE proposal, or set a custom IPsec/IKE policy on the connection with the device's group.",
			"the IKE proposals %s share no DH group with %s", strings.Join(dev, ", "), what)
		return
	}
	c.add(k, Down, src, want, "Add an IKE proposal "+want+" (or set a custom IPsec/IKE policy on the connection that the device matches).",
		"no IKE proposal of the device (%s) matches %s", strings.Join(dev, ", "), what)
}

func dhName(dh []string) string {
	if len(dh) == 0 {
		return "none"
	}
	names := map[string]string{"modp768": "1", "modp1024": "2 (modp1024)", "modp2048": "14 (modp2048)",
		"modp2048s256": "24", "ecp256": "19 (ecp256)", "ecp384": "20 (ecp384)", "modp1536": "5"}
	if n, ok := names[dh[0]]; ok {
		return n
	}
	return dh[0]
}

// espOffers returns what Azure accepts in phase 2 as responder and what it
// offers as initiator.
func (c *checker) espOffers() (responder, initiator []string, custom bool) {
	if p := c.a.custom(); p != nil {
		if _, esp, err := p.Proposals(); err == nil {
			return []string{esp}, []string{esp}, true
		}
	}
	return azure.DefaultESPResponderOffers, azure.DefaultESPInitiatorOffers, false
}

func (c *checker) pfsGroup() string {
	if c.d.PFS.Set {
		return c.d.PFS.V
	}
	return "none"
}

func (c *checker) espProposal(k Kind) {
	if len(c.d.ESPProposals) == 0 {
		return
	}
	resp, init, custom := c.espOffers()
	dev := values(c.d.ESPProposals)
	src := firstSource(c.d.ESPProposals, c.d.PFS.Source)
	if firstAccepted(dev, resp, false) == "" {
		want := "aes256gcm16"
		if custom {
			want = strings.Join(parseProposal(resp[0]).enc, "") + optional("-", strings.Join(parseProposal(resp[0]).integ, ""))
		}
		what := "Azure's default quick mode offers"
		if custom {
			what = "the connection's custom policy (" + resp[0] + ")"
		}
		c.add(k, Down, src, want, "Add the ESP proposal "+want+" (Azure's first offer) to the device.",
			"no ESP proposal of the device (%s) matches %s", strings.Join(dev, ", "), what)
		return
	}
	// Azure initiates too: after a reset, a failover, or when its lifetime
	// expires first. Its offers must then be acceptable to the device.
	if !custom && firstAccepted(dev, init, false) == "" {
		c.add(k, Latent, src, "aes256gcm16", "Add aes256gcm16 or aes256-sha1 to the device's ESP proposals.",
			"Azure accepts the device's ESP proposals (%s), but none of what Azure offers when it initiates (%s): the tunnel breaks when Azure rekeys or reconnects after a gateway reset",
			strings.Join(dev, ", "), strings.Join(init, ", "))
	}
}

func optional(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

func (c *checker) pfs(k Kind) {
	if len(c.d.ESPProposals) == 0 {
		return
	}
	resp, _, custom := c.espOffers()
	dev := values(c.d.ESPProposals)
	if firstAccepted(dev, resp, false) == "" {
		return // esp-proposal reports it
	}
	pfs := c.pfsGroup()
	src := c.d.PFS.Source
	if !c.d.PFS.Set {
		src = firstSource(c.d.ESPProposals, Source{})
	}
	sev := Latent
	when := "IKEv2 creates the first CHILD SA without a key exchange, so it comes up and fails at the first CHILD SA rekey"
	if c.a.ikeVersion() == 1 {
		sev, when = Down, "quick mode fails"
	}
	if custom {
		if firstAccepted(withPFS(dev, pfs), resp, true) != "" {
			return
		}
		want := dhName(parseProposal(resp[0]).dh)
		wantKW := strings.Join(parseProposal(resp[0]).dh, "")
		c.add(k, sev, src, cmp.Or(wantKW, "none"), "Set the device's PFS group to "+want+", as the connection's custom policy says.",
			"the device's PFS is %s but the connection's custom policy uses %s: %s", pfs, want, when)
		return
	}
	if pfs == "none" {
		return
	}
	if firstAccepted(withPFS(dev, pfs), resp, true) == "" {
		c.add(k, sev, src, "none", "Turn PFS off on the device (Azure's default offers have none), or set a custom IPsec/IKE policy with this PFS group.",
			"the device requires PFS %s, which Azure accepts with none of the device's ESP proposals: %s", pfs, when)
		return
	}
	childMax := azure.DefaultChildLifetime
	if v := c.d.ChildLifetime; v.Set && v.V > 0 && v.V < childMax*9/10 {
		c.add(k, Note, src, "none", "Turn PFS off on the device, or set a custom IPsec/IKE policy on the connection with PFS group "+pfs+" so that Azure uses it too.",
			"the device requires PFS %s, which Azure offers only as responder; it holds while the device initiates every CHILD SA rekey (its lifetime %s is shorter than Azure's 27,000 s)", pfs, v.V)
		return
	}
	c.add(k, Latent, src, "none", "Turn PFS off on the device, or set a custom IPsec/IKE policy on the connection with PFS group "+pfs+" so that Azure uses it too.",
		"the device requires PFS %s; Azure accepts it as responder but offers no PFS when it initiates a CHILD SA (its 27,000 s lifetime expires first): the rekey is refused and the tunnel drops", pfs)
}

func (c *checker) lifetime(k Kind) {
	childMax := azure.DefaultChildLifetime
	if p := c.a.custom(); p != nil && p.SaLifeTimeSeconds > 0 {
		childMax = time.Duration(p.SaLifeTimeSeconds) * time.Second
	}
	if v := c.d.ChildLifetime; v.Set && v.V > 0 && v.V < 300*time.Second {
		c.add(k, Degrades, v.Source, "27000s", "Set the CHILD SA lifetime to 3,600-27,000 s.",
			"the CHILD SA lifetime %s is below Azure's minimum of 300 s: the tunnel rekeys constantly", v.V)
	}
	if v := c.d.ChildLifeKB; v.Set && v.V > 0 && v.V < 1024 {
		c.add(k, Degrades, v.Source, "102400000", "Set the CHILD SA volume lifetime to 102,400,000 KB or remove it.",
			"the CHILD SA volume lifetime %d KB is below Azure's minimum of 1,024 KB", v.V)
	}
	if c.a.ikeVersion() == 1 {
		if v := c.d.IKELifetime; v.Set && v.V > azure.IKELifetime {
			c.add(k, Note, v.Source, "28800s", "Set the phase 1 lifetime to 28,800 s so that the device, not Azure, decides when main mode is renewed.",
				"phase 1 lifetime %s is longer than Azure's fixed 28,800 s; IKEv1 connections drop for up to 5 s at every main mode rekey", v.V)
		}
		return
	}
	if v := c.d.ChildLifetime; v.Set && v.V > childMax && c.pfsGroup() != "none" {
		c.add(k, Note, v.Source, childMax.String(), "Shorten the device's CHILD SA lifetime below Azure's so that the device initiates the rekeys.",
			"the CHILD SA lifetime %s is longer than Azure's %s: Azure initiates every CHILD SA rekey", v.V, childMax)
	}
}

func (c *checker) dpd(k Kind) {
	v := c.d.DPD
	if !v.Set {
		return
	}
	if c.a.policyBased() {
		if v.V > 0 {
			c.add(k, Note, v.Source, "off", "", "a policy-based gateway does not answer DPD; the device's DPD (%s) may tear down an idle tunnel", v.V)
		}
		return
	}
	if v.V == 0 {
		c.add(k, Degrades, v.Source, "45s", "Enable dead peer detection (on demand or periodic, 10-45 s).",
			"dead peer detection is off: after a gateway failover or a lost SA the device keeps sending into a dead tunnel until its next rekey")
	}
}

func (c *checker) trafficSelectors(k Kind) {
	local, remote := values(c.d.LocalTS), values(c.d.RemoteTS)
	anyAny := isAny(local) && isAny(remote)
	src := firstSource(c.d.LocalTS, firstSource(c.d.RemoteTS, firstSource(c.d.Peers, Source{})))
	usePBTS := c.m.Connection.UsePolicyBasedTrafficSelectors
	switch {
	case c.a.policyBased() && anyAny:
		c.add(k, Down, src, "prefix pairs", "Configure the on-premises x VNet prefix pairs as the device's selectors (a crypto map or policy-based VPN).",
			"the device proposes any-to-any selectors, but a policy-based gateway only has the local network gateway x VNet prefix pairs")
		return
	case usePBTS && anyAny && !c.d.PolicyBased.V:
		c.add(k, Latent, src, "prefix pairs", "Turn usePolicyBasedTrafficSelectors off on the connection, or configure every on-premises x VNet prefix pair on the device.",
			"the connection uses policy-based traffic selectors: when Azure initiates it proposes the prefix pairs, which a tunnel interface with any-to-any selectors refuses")
	case !c.a.policyBased() && !usePBTS && c.d.PolicyBased.Set && c.d.PolicyBased.V && !anyAny && len(c.d.LocalTS)+len(c.d.RemoteTS) > 2:
		c.add(k, Note, src, "", "If the device cannot use a route-based tunnel, set usePolicyBasedTrafficSelectors and a custom IPsec/IKE policy on the connection.",
			"a policy-based device with several prefix pairs against a route-based connection without usePolicyBasedTrafficSelectors: Azure accepts the pairs the device proposes, and proposes 0.0.0.0/0 itself when it initiates")
	}
	if anyAny {
		return
	}
	if c.given(PartVNet) || c.given(PartGateway) {
		for _, p := range c.m.Gateway.VNetAddressSpace {
			if !covered(p, remote) {
				c.add(k, Degrades, firstSource(c.d.RemoteTS, src), p, "Add "+p+" to the device's remote selectors (or use any-to-any on a tunnel interface).",
					"the VNet prefix %s is outside the device's remote traffic selectors (%s): its traffic is dropped", p, strings.Join(remote, ", "))
			}
		}
	}
	if c.given(PartLocalGateway) {
		for _, p := range c.m.LocalGateway.AddressPrefixes {
			if !covered(p, local) && !c.bgpAddress(p) {
				c.add(k, Degrades, firstSource(c.d.LocalTS, src), p, "Add "+p+" to the device's local traffic selectors, or remove it from the local network gateway.",
					"the local network gateway's prefix %s is outside the device's local traffic selectors (%s): Azure routes it into the tunnel and the device drops it", p, strings.Join(local, ", "))
			}
		}
	}
}

// bgpAddress reports whether p is the host route of the device's BGP address.
func (c *checker) bgpAddress(p string) bool {
	return c.d.BGP != nil && c.d.BGP.LocalAddress.Set && (p == c.d.BGP.LocalAddress.V+"/32")
}

func isAny(ts []string) bool {
	return len(ts) == 0 || slices.Contains(ts, "0.0.0.0/0")
}

// covered reports whether prefix p lies inside one of ts.
func covered(p string, ts []string) bool {
	pp, err := netip.ParsePrefix(p)
	if err != nil {
		return true // not ours to judge
	}
	for _, t := range ts {
		tp, err := netip.ParsePrefix(t)
		if err != nil {
			if a, err2 := netip.ParseAddr(t); err2 == nil {
				tp = netip.PrefixFrom(a, a.BitLen())
			} else {
				continue
			}
		}
		if tp.Bits() <= pp.Bits() && tp.Contains(pp.Addr()) {
			return true
		}
	}
	return false
}

func (c *checker) peerAddress(k Kind) {
	if !c.given(PartGateway) {
		return
	}
	ips := c.m.Gateway.PublicIPs()
	if len(ips) == 0 || ips[0] == "" {
		return
	}
	var matched []string
	var real []Value[string]
	for _, p := range c.d.Peers {
		if IsPlaceholder(p.V) {
			continue
		}
		real = append(real, p)
		if slices.Contains(ips, p.V) {
			matched = append(matched, p.V)
		}
	}
	if len(real) == 0 {
		return
	}
	if len(matched) == 0 {
		c.add(k, Down, real[0].Source, ips[0], "Set the remote peer to the gateway's public IP "+strings.Join(ips, " and ")+".",
			"the device connects to %s, but the gateway's public IP is %s", strings.Join(values(real), ", "), strings.Join(ips, ", "))
		return
	}
	if len(ips) > 1 {
		for _, ip := range ips {
			if !slices.Contains(matched, ip) {
				c.addAs(k, "operations", "maintenance-failover", Latent, real[0].Source, ip,
					"Add a second tunnel (and BGP session) to "+ip+".",
					"the gateway is active-active but the device has no tunnel to %s: when the other instance is serviced, traffic stops", ip)
			}
		}
	}
}

func (c *checker) identity(k Kind) {
	if v := c.d.RemoteID; v.Set && !IsPlaceholder(v.V) && c.given(PartGateway) && c.m.Gateway.PublicIP != "" {
		if _, err := netip.ParseAddr(v.V); err == nil && !slices.Contains(c.m.Gateway.PublicIPs(), v.V) {
			c.add(k, Down, v.Source, c.m.Gateway.PublicIP, "Expect the gateway's public IP as its identity.",
				"the device expects the identity %s from Azure, but the gateway identifies as its public IP %s", v.V, c.m.Gateway.PublicIP)
		}
	}
	lng := c.m.LocalGateway.GatewayIPAddress
	id := c.d.LocalID
	if !id.Set {
		id = c.d.LocalAddress
	}
	if !id.Set || IsPlaceholder(id.V) || IsPlaceholder(lng) {
		return
	}
	addr, err := netip.ParseAddr(id.V)
	if err != nil {
		if c.d.LocalID.Set && c.given(PartLocalGateway) && lng != "" {
			c.add(k, Down, id.Source, lng, "Send the device's public IP "+lng+" as its IKE identity.",
				"the device identifies as %q, but the local network gateway names it by its public IP %s", id.V, lng)
		}
		return
	}
	switch {
	case c.given(PartLocalGateway) && lng != "" && id.V != lng && !addr.IsPrivate() && !cgnat(addr):
		c.add(k, Down, id.Source, lng, "Use "+lng+" (the local network gateway's IP address) as the device's public address and identity, or correct the local network gateway.",
			"the device's public address/identity is %s, but the local network gateway names %s", id.V, lng)
	case (addr.IsPrivate() || cgnat(addr)) && !c.d.LocalID.Set:
		c.add(k, Note, id.Source, cmp.Or(lng, "the public IP"), "Set the device's local IKE identity to its public IP.",
			"the device's IKE address %s is private (behind NAT) and no local identity is set: it identifies with the private address", id.V)
	case (addr.IsPrivate() || cgnat(addr)) && c.d.LocalID.Set:
		c.add(k, Down, id.Source, cmp.Or(lng, "the public IP"), "Set the device's local IKE identity to its public IP.",
			"the device identifies with the private address %s; Azure expects its public IP", id.V)
	}
}

func cgnat(a netip.Addr) bool { return netip.MustParsePrefix("100.64.0.0/10").Contains(a) }

func (c *checker) natt(k Kind) {
	a, err := netip.ParseAddr(c.d.LocalAddress.V)
	behindNAT := err == nil && (a.IsPrivate() || cgnat(a))
	if !behindNAT {
		return
	}
	if v := c.d.NATT; v.Set && v.V == "off" {
		c.add(k, Down, v.Source, "auto", "Turn NAT traversal on.",
			"NAT traversal is off, but the device's IKE address %s is private: ESP cannot pass the NAT", c.d.LocalAddress.V)
	}
}

func (c *checker) sharedKey(k Kind) {
	v := c.d.PSK
	if !v.Set || v.V.Empty() {
		c.add(k, Down, c.anchor(v.Source), "psk", "Authenticate with the connection's pre-shared key.",
			"the device has no pre-shared key for Azure; site-to-site connections authenticate with a pre-shared key only")
		return
	}
	if v.V.Placeholder() {
		return // reported as a placeholder
	}
	if v.V.Opaque() {
		if c.m.Connection.SharedKey != "" {
			c.add(k, Note, v.Source, "", "Compare the device's key with the connection's (az network vpn-connection shared-key show) without printing either.",
				"the device stores its pre-shared key encrypted: it cannot be compared with the connection's here")
		}
		return
	}
	if p := azure.SharedKeyProblem(v.V.v); p != "" {
		c.add(k, Down, v.Source, "", "Use a key Azure accepts on both sides (az network vpn-connection shared-key update).",
			"Azure cannot hold the device's pre-shared key: %s", p)
		return
	}
	if key := c.m.Connection.SharedKey; key != "" && !v.V.Equal(key) {
		c.add(k, Down, v.Source, "", "Set the same pre-shared key on both sides (az network vpn-connection shared-key show/update); neither is printed here.",
			"the device's pre-shared key differs from the connection's shared key")
	}
}

// bgpOn reports whether Azure runs BGP on this connection, when known.
func (c *checker) bgpOn() (on, known bool) {
	if !c.given(PartConnection) {
		return false, false
	}
	return c.m.Connection.EnableBgp && (c.m.Gateway.EnableBgp || !c.given(PartGateway)), true
}

func (c *checker) bgpASN(k Kind) {
	b := c.d.BGP
	if b == nil {
		return
	}
	gw := c.m.Gateway.Asn
	if gw == 0 {
		gw = azure.DefaultASN
	}
	if v := b.ASN; v.Set {
		switch {
		case azure.ReservedASN(v.V):
			c.add(k, Down, v.Source, "65010", "Use a private ASN in 64512-65514 or 65521-65534 on the device and the local network gateway.",
				"the device's ASN %d is reserved; Azure refuses it on the local network gateway", v.V)
		case v.V == gw:
			c.add(k, Down, v.Source, "", "Use an ASN different from the gateway's.", "the device's ASN %d equals the gateway's: Azure peers by eBGP only", v.V)
		case c.given(PartLocalGateway) && c.m.LocalGateway.Asn != 0 && c.m.LocalGateway.Asn != v.V:
			c.add(k, Down, v.Source, fmt.Sprint(c.m.LocalGateway.Asn), fmt.Sprintf("Make the device's ASN and the local network gateway's ASN (%d) the same.", c.m.LocalGateway.Asn),
				"the device's ASN is %d, the local network gateway says %d", v.V, c.m.LocalGateway.Asn)
		}
	}
	for _, n := range b.Neighbors {
		if n.ASN.Set && n.ASN.V != gw {
			c.add(k, Down, n.ASN.Source, fmt.Sprint(gw), fmt.Sprintf("Set the neighbor's remote AS to %d.", gw),
				"the device expects AS %d from Azure, but the gateway's ASN is %d", n.ASN.V, gw)
		}
	}
}

var apipaRange = [2]netip.Addr{netip.MustParseAddr("169.254.21.0"), netip.MustParseAddr("169.254.22.255")}

func isAPIPA(a netip.Addr) bool { return netip.MustParsePrefix("169.254.0.0/16").Contains(a) }

func (c *checker) azureBGPAddresses() []string {
	var out []string
	out = append(out, c.m.Gateway.CustomBgpIPAddresses...)
	if c.m.Gateway.BgpPeeringAddress != "" {
		out = append(out, strings.Split(c.m.Gateway.BgpPeeringAddress, ",")...)
	}
	return out
}

func (c *checker) bgpPeer(k Kind) {
	b := c.d.BGP
	if b == nil {
		return
	}
	azureAddrs := c.azureBGPAddresses()
	var peered []string
	for _, n := range b.Neighbors {
		v := n.Address
		a, err := netip.ParseAddr(v.V)
		if err != nil || IsPlaceholder(v.V) {
			continue
		}
		switch {
		case isAPIPA(a) && (a.Compare(apipaRange[0]) < 0 || a.Compare(apipaRange[1]) > 0) && !slices.Contains(azureAddrs, v.V):
			c.add(k, Down, v.Source, "169.254.21.1", "Peer with the gateway's custom APIPA BGP address (169.254.21.0-169.254.22.255).",
				"the device peers with %s, outside the range Azure takes APIPA BGP addresses from (169.254.21.0-169.254.22.255)", v.V)
		case c.given(PartGateway) && len(azureAddrs) > 0 && !slices.Contains(azureAddrs, v.V):
			c.add(k, Down, v.Source, azureAddrs[0], "Peer with the gateway's BGP address "+strings.Join(azureAddrs, " or ")+".",
				"the device peers with %s, but the gateway's BGP addresses are %s", v.V, strings.Join(azureAddrs, ", "))
		default:
			peered = append(peered, v.V)
		}
	}
	if c.given(PartGateway) && c.m.Gateway.ActiveActive && len(c.m.Gateway.CustomBgpIPAddresses) > 1 && len(peered) == 1 {
		for _, a := range c.m.Gateway.CustomBgpIPAddresses {
			if !slices.Contains(peered, a) {
				c.addAs(k, "operations", "maintenance-failover", Latent, b.Neighbors[0].Address.Source, a, "Add a BGP session to "+a+" over the second tunnel.",
					"the gateway is active-active but the device has no BGP session with instance address %s", a)
			}
		}
	}
	v := b.LocalAddress
	if !v.Set || IsPlaceholder(v.V) {
		return
	}
	lng := c.m.LocalGateway
	switch {
	case c.given(PartLocalGateway) && lng.BgpPeeringAddress != "" && v.V != lng.BgpPeeringAddress:
		c.add(k, Down, v.Source, lng.BgpPeeringAddress, "Make the device's BGP source address and the local network gateway's BGP peer IP ("+lng.BgpPeeringAddress+") the same.",
			"the device's BGP address is %s, the local network gateway says %s", v.V, lng.BgpPeeringAddress)
	case c.given(PartLocalGateway) && v.V == lng.GatewayIPAddress:
		c.add(k, Down, v.Source, "", "Use a loopback or APIPA address as the BGP address, not the public IP.",
			"the device's BGP address is its public IP %s; Azure needs another address", v.V)
	}
}

func (c *checker) bgpSession(k Kind) {
	on, known := c.bgpOn()
	b := c.d.BGP
	switch {
	case known && on && b == nil:
		c.add(k, Down, firstSource(c.d.Peers, Source{}), "bgp", "Configure BGP on the device, or turn BGP off on the connection and list the on-premises prefixes in the local network gateway.",
			"BGP is enabled on the connection but the device runs no BGP session: Azure learns no on-premises route from it")
		return
	case known && !on && b != nil:
		c.add(k, Down, b.ASN.Source, "", "Enable BGP on the connection (and the gateway), or remove BGP from the device.",
			"the device runs BGP but the connection has BGP disabled: the session never comes up")
		return
	case b == nil:
		return
	}
	for _, n := range b.Neighbors {
		a, err := netip.ParseAddr(n.Address.V)
		if err != nil || isAPIPA(a) {
			continue
		}
		if !n.Multihop.Set || n.Multihop.V <= 1 {
			src := n.Multihop.Source
			if !n.Multihop.Set {
				src = n.Address.Source
			}
			c.add(k, Down, src, "255", "Enable eBGP multihop (ebgp-multihop 255 / multihop ttl / disable-connected-check) for the neighbor and route its /32 into the tunnel.",
				"the neighbor %s is Azure's GatewaySubnet address, not on the tunnel's subnet, and eBGP multihop is off: a device that checks for connected eBGP peers never opens the session", n.Address.V)
		}
	}
	if v := b.HoldTime; v.Set && v.V != 180*time.Second && v.V != 0 {
		c.add(k, Note, v.Source, "180s", "Use keepalive 60 s and hold time 180 s, as Azure does.",
			"the BGP hold time %s differs from Azure's fixed 180 s (keepalive 60 s)", v.V)
	}
}

func (c *checker) bgpPrefixes(k Kind) {
	b := c.d.BGP
	if b == nil {
		if c.given(PartLocalGateway) && len(c.m.LocalGateway.AddressPrefixes) == 0 {
			c.addAs(k, "routing", "lng-prefix-missing", Down, firstSource(c.d.LocalTS, Source{}), "",
				"List the on-premises prefixes in the local network gateway's address space.",
				"without BGP the local network gateway's address space is what Azure routes to the device, and it is empty")
		}
		return
	}
	if len(b.Announced) == 0 && (!c.given(PartLocalGateway) || len(c.m.LocalGateway.AddressPrefixes) == 0) {
		c.add(k, Degrades, b.ASN.Source, "", "Announce the on-premises prefixes over BGP (network statements / export policy).",
			"the device announces no prefix over BGP: Azure learns no on-premises route")
	}
	for _, p := range b.Announced {
		if p.V == "0.0.0.0/0" {
			c.addAs(k, "routing", "default-route-conflict", Note, p.Source, "", "Announce the default route only if the VNet's Internet traffic is meant to go on premises.",
				"the device announces 0.0.0.0/0: Azure sends the VNet's Internet traffic through the tunnel (forced tunnelling)")
			continue
		}
		for _, v := range c.m.Gateway.VNetAddressSpace {
			if overlaps(p.V, v) {
				c.addAs(k, "routing", "address-space-overlap", Degrades, p.Source, "", "Do not announce prefixes that overlap the VNet.",
					"the device announces %s, which overlaps the VNet prefix %s", p.V, v)
			}
		}
	}
}

func overlaps(a, b string) bool {
	pa, err1 := netip.ParsePrefix(a)
	pb, err2 := netip.ParsePrefix(b)
	return err1 == nil && err2 == nil && pa.Overlaps(pb)
}

func (c *checker) mss(k Kind) {
	mss, mtu := c.d.MSSClamp, c.d.TunnelMTU
	switch {
	case mss.Set && mss.V > 1350:
		c.add(k, Degrades, mss.Source, "1350", "Clamp the TCP MSS to 1350.",
			"the TCP MSS clamp %d is above 1350: full-size segments do not fit the tunnel and ESP is not fragmented", mss.V)
	case mss.Set && mss.V > 0:
	case mtu.Set && mtu.V > 0 && mtu.V <= 1400:
	case c.d.MSSOutside:
		c.add(k, Note, c.anchor(Source{}), "1350", "Clamp the TCP MSS to 1350 where the device's firewall is configured (for example iptables TCPMSS on the tunnel interface).",
			"MSS clamping is not part of this configuration's syntax and was not checked: without it large packets are black-holed")
	default:
		src := mss.Source
		if !mss.Set {
			src = mtu.Source
		}
		c.add(k, Degrades, c.anchor(src), "1350", "Clamp the TCP MSS to 1350 on the tunnel (or set the tunnel MTU to 1400).",
			"no TCP MSS clamp and no tunnel MTU of 1400 or less: large packets are black-holed (fragmented ESP is not supported)")
	}
}

func (c *checker) placeholders(k Kind) {
	check := func(what string, v Value[string]) {
		if v.Set && IsPlaceholder(v.V) {
			c.add(k, Note, v.Source, "", "Replace it with the real value.", "%s %q is a placeholder", what, v.V)
		}
	}
	for _, p := range c.d.Peers {
		check("the remote peer", p)
	}
	check("the local address", c.d.LocalAddress)
	check("the local identity", c.d.LocalID)
	check("the remote identity", c.d.RemoteID)
	if c.d.PSK.Set && c.d.PSK.V.Placeholder() {
		c.add(k, Note, c.d.PSK.Source, "", "Replace it with the connection's shared key.", "the pre-shared key is a placeholder (masked or a sample value)")
	}
	for _, ts := range [][]Value[string]{c.d.LocalTS, c.d.RemoteTS, c.d.StaticRoutes} {
		for _, v := range ts {
			check("the prefix", v)
		}
	}
	if c.d.BGP != nil {
		for _, n := range c.d.BGP.Neighbors {
			check("the BGP neighbor", n.Address)
		}
		check("the BGP address", c.d.BGP.LocalAddress)
	}
	for _, n := range c.d.Notes {
		c.out = append(c.out, Finding{Severity: Note, Check: "device", Source: n.Source, Message: n.V})
	}
}

func (c *checker) azureSide(k Kind) {
	if len(c.a.Given) == 0 {
		c.add(k, Note, Source{}, "", "Pass the gateway, VNet, local network gateway and connection with --azure to check addresses, prefixes, ASNs and the key.",
			"no Azure resources given: assumed a route-based VpnGw1 gateway with Azure's defaults (IKEv2, default policies, ASN 65515, DPD 45 s)")
		return
	}
	var missing []string
	for _, p := range []Part{PartGateway, PartVNet, PartLocalGateway, PartConnection} {
		if !c.given(p) {
			missing = append(missing, string(p))
		}
	}
	if len(missing) > 0 {
		c.add(k, Note, Source{}, "", "", "not given: %s; Azure's defaults assumed there", strings.Join(missing, ", "))
	}
}
