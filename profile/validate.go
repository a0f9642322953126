package profile

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Validate checks p as it stands and reports every problem, each a
// *FieldError without file or line, joined with errors.Join. Zero values
// that WithDefaults would fill are errors: validate p.WithDefaults() for a
// profile built in Go.
func (p Profile) Validate() error {
	if errs := p.validate(nil); len(errs) > 0 {
		return joinErrors(errs)
	}
	return nil
}

// Limits, after Azure where it publishes one (learn.microsoft.com/azure/vpn-gateway).
const (
	minDPD, maxDPD  = 9 * time.Second, 3600 * time.Second // DPD timeout 9..3600 s
	minSALifetime   = 300 * time.Second                   // QM SA ≥ 300 s; no IKE figure, so IKE too
	minLifeKB       = 1024                                // QM SA ≥ 1024 KB
	minHoldTime     = 3 * time.Second                     // RFC 4271
	maxHoldTime     = 65535 * time.Second                 // RFC 4271
	minMSS, maxMSS  = 536, 1460
	minMTU, maxMTU  = 576, 1500
	defaultMTU      = 1400
	ipv4TCPOverhead = 40
)

var (
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	// Azure's custom APIPA range for BGP peers.
	apipaFirst = netip.MustParseAddr("169.254.21.0")
	apipaLast  = netip.MustParseAddr("169.254.22.255")
)

// checker collects problems; with a source it gives each its file and line.
type checker struct {
	src  *source
	errs []*FieldError
}

func (p Profile) validate(src *source) []*FieldError {
	c := &checker{src: src}
	if p.Name == "" {
		c.add("name", "required")
	} else if !namePattern.MatchString(p.Name) {
		c.add("name", "%q: use letters, digits, '.', '_' and '-'", p.Name)
	}
	c.ike(p.IKE)
	c.ipsec(p.IPsec)
	c.bgp(p.BGP)
	c.routing(p)
	c.mtu(p.MSSClamp, p.TunnelMTU)
	return c.errs
}

func (c *checker) add(field, format string, args ...any) {
	e := &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	if c.src != nil {
		if c.src.broken(field) {
			return // already reported as undecodable
		}
		e.File, e.Line = c.src.file, c.src.line(field)
	}
	c.errs = append(c.errs, e)
}

func (c *checker) ike(ike IKE) {
	if ike.Version != 1 && ike.Version != 2 {
		c.add("ike.version", "must be 1 or 2, got %d", ike.Version)
	}
	c.proposals("ike.proposals", ike.Proposals, checkIKEProposal)
	c.duration("ike.lifetime", ike.Lifetime, minSALifetime, 0)
	c.duration("ike.dpd_delay", ike.DPDDelay, minDPD, maxDPD)
	c.duration("ike.dpd_timeout", ike.DPDTimeout, 0, 0)
}

func (c *checker) ipsec(ipsec IPsec) {
	c.proposals("ipsec.proposals", ipsec.Proposals, checkESPProposal)
	c.duration("ipsec.lifetime", ipsec.Lifetime, minSALifetime, 0)
	if ipsec.LifeKB < minLifeKB {
		c.add("ipsec.life_kilobytes", "must be at least %d, got %d", minLifeKB, ipsec.LifeKB)
	}
	if !slices.Contains(pfsKeywords, ipsec.PFS) {
		c.add("ipsec.pfs", "unknown DH group %q (known: %s)", ipsec.PFS, strings.Join(pfsKeywords, ", "))
	}
	c.prefixes("ipsec.local_ts", ipsec.LocalTS, "needs at least one prefix")
	c.prefixes("ipsec.remote_ts", ipsec.RemoteTS, "needs at least one prefix")
}

func (c *checker) proposals(field string, list []string, check func(string) []string) {
	if len(list) == 0 {
		c.add(field, "needs at least one proposal")
	}
	for i, s := range list {
		for _, problem := range check(s) {
			c.add(fmt.Sprintf("%s[%d]", field, i), "%s", problem)
		}
	}
}

func (c *checker) bgp(b *BGP) {
	if b == nil {
		return
	}
	switch owner := reservedASN(b.ASN); {
	case b.ASN == 0:
		c.add("bgp.asn", "required; use a private ASN such as 65010")
	case owner != "":
		c.add("bgp.asn", "%d is reserved by %s", b.ASN, owner)
	case b.ASN == b.PeerASN:
		c.add("bgp.asn", "%d equals bgp.peer_asn; the on-premises and Azure ASNs must differ", b.ASN)
	}
	if b.PeerASN == 0 {
		c.add("bgp.peer_asn", "required; Azure's default is 65515")
	}
	local := c.apipa("bgp.local_address", b.LocalAddress)
	peer := c.apipa("bgp.peer_address", b.PeerAddress)
	if local.IsValid() && local == peer {
		c.add("bgp.peer_address", "%s equals bgp.local_address", peer)
	}
	c.duration("bgp.connect_retry", b.ConnectRetry, time.Second, 0)
	c.duration("bgp.hold_time", b.HoldTime, minHoldTime, maxHoldTime)
	if b.Multihop < 1 || b.Multihop > 255 {
		c.add("bgp.ebgp_multihop", "must be 1..255, got %d", b.Multihop)
	}
}

// reservedASN returns who reserves asn, or "" (vpn-gateway-vpn-faq, BGP).
func reservedASN(asn uint32) string {
	switch {
	case asn == 8074, asn == 8075, asn == 12076, asn == 65515, asn >= 65517 && asn <= 65520:
		return "Azure"
	case asn == 23456, asn >= 64496 && asn <= 64511, asn >= 65535 && asn <= 65551, asn == 4294967295:
		return "IANA"
	}
	return ""
}

// apipa checks a BGP peering address and returns it, or the zero Addr.
func (c *checker) apipa(field, s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	switch {
	case s == "":
		c.add(field, "required")
	case err != nil || !a.Is4():
		c.add(field, "want an IPv4 address, got %q", s)
	case a.Less(apipaFirst) || apipaLast.Less(a):
		c.add(field, "%s is outside Azure's APIPA range %s-%s", a, apipaFirst, apipaLast)
	default:
		return a
	}
	return netip.Addr{}
}

func (c *checker) routing(p Profile) {
	lan := c.prefixes("lan", p.LAN, "needs at least one prefix")
	required := "" // with BGP
	if p.BGP == nil {
		required = "static routing (no bgp section) needs at least one prefix, such as the Azure VNet"
	}
	static := c.prefixes("static_routes", p.StaticRoutes, required)
	if p.BGP != nil && len(p.StaticRoutes) > 0 {
		c.add("static_routes", "must be empty with bgp: BGP learns the routes; remove one of the two")
		return
	}
	for _, r := range static {
		for _, l := range lan {
			if r.pfx.Overlaps(l.pfx) {
				c.add(fmt.Sprintf("static_routes[%d]", r.index), "%s overlaps lan[%d] %s", r.pfx, l.index, l.pfx)
			}
		}
	}
}

type indexedPrefix struct {
	index int
	pfx   netip.Prefix
}

// prefixes checks a list of CIDR prefixes and returns the valid ones. An
// empty list is an error, given by ifEmpty, unless ifEmpty is "".
func (c *checker) prefixes(field string, list []string, ifEmpty string) []indexedPrefix {
	if ifEmpty != "" && len(list) == 0 {
		c.add(field, "%s", ifEmpty)
	}
	var out []indexedPrefix
	for i, s := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		pfx, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			c.add(f, "invalid prefix %q: want CIDR notation such as 198.18.10.0/24", s)
		case pfx.Masked() != pfx:
			c.add(f, "%s has host bits set; did you mean %s?", pfx, pfx.Masked())
		default:
			out = append(out, indexedPrefix{i, pfx})
		}
	}
	return out
}

// duration checks d is whole seconds and at least lo, and at most hi when
// hi is not 0.
func (c *checker) duration(field string, d Duration, lo, hi time.Duration) {
	switch {
	case d.Duration%time.Second != 0:
		c.add(field, "must be whole seconds, got %s", d.Duration)
	case hi > 0 && (d.Duration < lo || d.Duration > hi):
		c.add(field, "must be %s..%s, got %s", secs(lo), secs(hi), secs(d.Duration))
	case d.Duration < lo:
		c.add(field, "must be at least %s, got %s", secs(lo), secs(d.Duration))
	}
}

// secs formats whole seconds the way Azure's documentation gives them.
func secs(d time.Duration) string {
	return fmt.Sprintf("%ds", d/time.Second)
}

func (c *checker) mtu(mss, mtu int) {
	mssOK := mss == 0 || mss >= minMSS && mss <= maxMSS
	mtuOK := mtu == 0 || mtu >= minMTU && mtu <= maxMTU
	if !mssOK {
		c.add("mss_clamp", "must be 0 (no clamping) or %d..%d, got %d", minMSS, maxMSS, mss)
	}
	if !mtuOK {
		c.add("tunnel_mtu", "must be 0 (%d) or %d..%d, got %d", defaultMTU, minMTU, maxMTU, mtu)
	}
	if mtu == 0 {
		mtu = defaultMTU
	}
	if mss != 0 && mssOK && mtuOK && mss > mtu-ipv4TCPOverhead {
		c.add("mss_clamp", "%d does not fit a tunnel MTU of %d: at most %d (MTU less 40 bytes of IPv4 and TCP headers)",
			mss, mtu, mtu-ipv4TCPOverhead)
	}
}
