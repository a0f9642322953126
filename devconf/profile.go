package devconf

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/compat"
	"github.com/vpnlab/vpnlab/profile"
)

// Lab addresses the stand-in uses instead of the device's own.
const (
	labLAN      = "198.18.10.0/24"
	labVNet     = "198.19.0.0/16"
	labBGPLocal = "169.254.21.2"
	labBGPPeer  = "169.254.21.1"
)

// ToProfile turns an imported device into the lab's device profile, so
// that the lab's strongSwan and GoBGP stand-in runs the device's
// algorithms, PFS, lifetimes, DPD, IKE version, BGP ASNs and multihop, and
// MSS/MTU. Addresses and prefixes become the lab's; whatever the stand-in
// cannot run as configured is listed, never guessed silently.
func ToProfile(d compat.Device, syntax string) (profile.Profile, []string) {
	def := profile.Default()
	p := profile.Profile{
		Name:        "imported-" + regexp.MustCompile(`[^a-z0-9-]+`).ReplaceAllString(strings.ToLower(syntax+"-"+d.Name), "-"),
		Description: "imported from a " + syntax + " configuration by vpnlab validate",
		IKE: profile.IKE{
			Version:   or(d.IKEVersion, 2),
			Lifetime:  profile.Duration{Duration: or(d.IKELifetime, def.IKE.Lifetime.Duration)},
			DPDDelay:  profile.Duration{Duration: or(d.DPD, def.IKE.DPDDelay.Duration)},
			Proposals: values(d.IKEProposals),
		},
		IPsec: profile.IPsec{
			Proposals: values(d.ESPProposals),
			Lifetime:  profile.Duration{Duration: or(d.ChildLifetime, def.IPsec.Lifetime.Duration)},
			LifeKB:    or(d.ChildLifeKB, def.IPsec.LifeKB),
			PFS:       or(d.PFS, "none"),
			LocalTS:   []string{"0.0.0.0/0"},
			RemoteTS:  []string{"0.0.0.0/0"},
		},
		LAN:       []string{labLAN},
		MSSClamp:  or(d.MSSClamp, 0),
		TunnelMTU: or(d.TunnelMTU, 0),
	}
	notes := []string{"addresses are the lab's: the device's peer, local address, identities, BGP addresses and prefixes are mapped onto the lab's (" +
		labLAN + " on premises, " + labVNet + " in Azure, APIPA " + labBGPLocal + "/" + labBGPPeer + ")"}
	if d.PolicyBased.V && (len(d.LocalTS) > 0 || len(d.RemoteTS) > 0) {
		p.IPsec.LocalTS, p.IPsec.RemoteTS = []string{labLAN}, []string{labVNet}
		notes = append(notes, fmt.Sprintf("policy-based selectors %s <-> %s run as the lab's %s <-> %s",
			strings.Join(values(d.LocalTS), ","), strings.Join(values(d.RemoteTS), ","), labLAN, labVNet))
	}
	if d.TunnelMTU.Set && d.TunnelMTU.V > 1500 {
		p.TunnelMTU = 0
	}
	if d.BGP != nil {
		b := &profile.BGP{ASN: d.BGP.ASN.V, PeerASN: 65515, LocalAddress: labBGPLocal, PeerAddress: labBGPPeer,
			ConnectRetry: def.BGP.ConnectRetry, HoldTime: def.BGP.HoldTime, Multihop: 1}
		if len(d.BGP.Neighbors) > 0 {
			n := d.BGP.Neighbors[0]
			b.PeerASN = or(n.ASN, uint32(65515))
			b.Multihop = max(or(n.Multihop, 1), 1)
		}
		if d.BGP.HoldTime.Set {
			b.HoldTime = profile.Duration{Duration: d.BGP.HoldTime.V}
		}
		p.BGP = b
	} else {
		p.StaticRoutes = []string{labVNet}
	}
	if d.NATT.V == "off" {
		notes = append(notes, "NAT-T is off on the device; the lab's stand-in always encapsulates ESP in UDP (kernel-libipsec), and the lab has no NAT")
	}
	if d.MSSOutside {
		notes = append(notes, "MSS clamping is outside this configuration; the lab runs the stand-in without it")
	}
	if len(d.Peers) > 1 {
		notes = append(notes, fmt.Sprintf("the device has %d peers; the lab's stand-in runs one tunnel per gateway instance", len(d.Peers)))
	}
	// Whatever the profile refuses goes back to the lab's default, said.
	for range 3 {
		err := p.Validate()
		if err == nil {
			break
		}
		for _, fe := range fieldErrors(err) {
			notes = append(notes, fmt.Sprintf("%s: the stand-in cannot run the device's value (%s); the lab uses its default", fe.Field, fe.Msg))
			reset(&p, def, fe.Field)
		}
	}
	return p, notes
}

func fieldErrors(err error) []*profile.FieldError {
	var out []*profile.FieldError
	var fe *profile.FieldError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if errors.As(e, &fe) {
				out = append(out, fe)
			}
		}
	} else if errors.As(err, &fe) {
		out = append(out, fe)
	}
	return out
}

// reset sets one field (as FieldError names it) back to the default.
func reset(p *profile.Profile, def profile.Profile, field string) {
	switch f := strings.SplitN(field, "[", 2)[0]; f {
	case "ike.version":
		p.IKE.Version = def.IKE.Version
	case "ike.proposals":
		p.IKE.Proposals = def.IKE.Proposals
	case "ike.lifetime":
		p.IKE.Lifetime = def.IKE.Lifetime
	case "ike.dpd_delay":
		p.IKE.DPDDelay = def.IKE.DPDDelay
	case "ipsec.proposals":
		p.IPsec.Proposals = def.IPsec.Proposals
	case "ipsec.lifetime":
		p.IPsec.Lifetime = def.IPsec.Lifetime
	case "ipsec.life_kilobytes":
		p.IPsec.LifeKB = def.IPsec.LifeKB
	case "ipsec.pfs":
		p.IPsec.PFS = def.IPsec.PFS
	case "mss_clamp", "tunnel_mtu":
		p.MSSClamp, p.TunnelMTU = def.MSSClamp, def.TunnelMTU
	default:
		if strings.HasPrefix(f, "bgp.") && p.BGP != nil {
			b := *def.BGP
			b.ASN, b.PeerASN = p.BGP.ASN, p.BGP.PeerASN
			if f == "bgp.asn" {
				b.ASN = def.BGP.ASN
			}
			if f == "bgp.peer_asn" {
				b.PeerASN = def.BGP.PeerASN
			}
			p.BGP = &b
		}
	}
}

func or[T comparable](v compat.Value[T], def T) T {
	var zero T
	if v.Set && v.V != zero {
		return v.V
	}
	return def
}

func values(vs []compat.Value[string]) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.V)
	}
	return out
}

var _ = time.Second
