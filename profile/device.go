package profile

import (
	"github.com/vpnlab/vpnlab/compat"
)

// Device returns the profile as the vendor-neutral device configuration
// that compat.Check compares with the Azure side. Values carry no file or
// line (a profile loaded from YAML keeps those in its own errors); peer is
// the Azure gateway address the device connects to and local its own
// public address, as the lab assigns them.
func (p Profile) Device(peer, local string) compat.Device {
	at := func(v string) compat.Value[string] { return compat.At(v, compat.Source{}) }
	list := func(vs []string) []compat.Value[string] {
		var out []compat.Value[string]
		for _, v := range vs {
			out = append(out, at(v))
		}
		return out
	}
	none := compat.Source{}
	d := compat.Device{
		Name:          p.Name,
		IKEVersion:    compat.At(p.IKE.Version, none),
		IKEProposals:  list(p.IKE.Proposals),
		IKELifetime:   compat.At(p.IKE.Lifetime.Duration, none),
		ESPProposals:  list(p.IPsec.Proposals),
		PFS:           at(p.IPsec.PFS),
		ChildLifetime: compat.At(p.IPsec.Lifetime.Duration, none),
		ChildLifeKB:   compat.At(p.IPsec.LifeKB, none),
		DPD:           compat.At(p.IKE.DPDDelay.Duration, none),
		PolicyBased:   compat.At(false, none),
		LocalTS:       list(p.IPsec.LocalTS),
		RemoteTS:      list(p.IPsec.RemoteTS),
		NATT:          at("auto"),
		MSSClamp:      compat.At(p.MSSClamp, none),
		TunnelMTU:     compat.At(p.TunnelMTU, none),
		StaticRoutes:  list(p.StaticRoutes),
	}
	if peer != "" {
		d.Peers = []compat.Value[string]{at(peer)}
	}
	if local != "" {
		d.LocalAddress = at(local)
	}
	if b := p.BGP; b != nil {
		d.BGP = &compat.BGP{
			ASN:          compat.At(b.ASN, none),
			LocalAddress: at(b.LocalAddress),
			Neighbors: []compat.Neighbor{{Address: at(b.PeerAddress), ASN: compat.At(b.PeerASN, none),
				Multihop: compat.At(b.Multihop, none)}},
			Announced: list(p.LAN),
			HoldTime:  compat.At(b.HoldTime.Duration, none),
		}
	}
	return d
}
