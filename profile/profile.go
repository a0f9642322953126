package profile

import "time"

// Profile is what a network team configures on its on-premises VPN device.
type Profile struct {
	Name        string `yaml:"name"` // required
	Description string `yaml:"description"`
	IKE         IKE    `yaml:"ike"`
	IPsec       IPsec  `yaml:"ipsec"`
	// BGP is nil for static routing.
	BGP *BGP `yaml:"bgp"`
	// StaticRoutes are the prefixes routed into the tunnel when BGP is off
	// (typically the Azure VNet). They must be empty when BGP is on.
	StaticRoutes []string `yaml:"static_routes"`
	// LAN holds the on-premises prefixes behind the device; BGP advertises them.
	LAN []string `yaml:"lan"`
	// MSSClamp is the TCP MSS clamped on the tunnel; 0 means no clamping.
	// Azure recommends 1350.
	MSSClamp int `yaml:"mss_clamp"`
	// TunnelMTU is the tunnel interface MTU; 0 means the default, 1400.
	TunnelMTU int `yaml:"tunnel_mtu"`
}

// IKE holds the phase 1 settings.
type IKE struct {
	Version    int      `yaml:"version"`     // 1 or 2
	Proposals  []string `yaml:"proposals"`   // strongSwan syntax, e.g. aes256-sha256-modp1024
	Lifetime   Duration `yaml:"lifetime"`    // IKE SA lifetime
	DPDDelay   Duration `yaml:"dpd_delay"`   // idle time before a DPD probe, 9s..3600s like Azure
	DPDTimeout Duration `yaml:"dpd_timeout"` // IKEv1 only; IKEv2 uses retransmission
}

// IPsec holds the phase 2 (ESP) settings.
type IPsec struct {
	Proposals []string `yaml:"proposals"` // strongSwan syntax without a DH group, e.g. aes256gcm16
	Lifetime  Duration `yaml:"lifetime"`
	LifeKB    int64    `yaml:"life_kilobytes"`
	// PFS is "none" or a DH group keyword such as modp2048 or ecp256.
	PFS      string   `yaml:"pfs"`
	LocalTS  []string `yaml:"local_ts"`
	RemoteTS []string `yaml:"remote_ts"`
}

// BGP holds the BGP session over the tunnel.
type BGP struct {
	ASN          uint32   `yaml:"asn"`           // on-premises ASN
	PeerASN      uint32   `yaml:"peer_asn"`      // Azure's ASN
	LocalAddress string   `yaml:"local_address"` // APIPA address of the device
	PeerAddress  string   `yaml:"peer_address"`  // APIPA address of the Azure gateway
	ConnectRetry Duration `yaml:"connect_retry"`
	HoldTime     Duration `yaml:"hold_time"` // keepalive is a third of it
	Multihop     int      `yaml:"ebgp_multihop"`
}

// Default returns the reference profile: a route-based IKEv2 tunnel with
// BGP over APIPA and Azure's recommended algorithms.
// profiles/strongswan-route-based.yaml spells out the same values.
func Default() Profile {
	return Profile{
		Name:        "strongswan-route-based",
		Description: "Route-based IKEv2 with BGP over APIPA, using the algorithms Azure recommends.",
		IKE: IKE{
			Version:   2,
			Proposals: []string{"aes256-sha256-modp1024"},
			Lifetime:  seconds(28800),
			DPDDelay:  seconds(45),
		},
		IPsec: IPsec{
			Proposals: []string{"aes256gcm16"},
			Lifetime:  seconds(27000),
			LifeKB:    102400000,
			PFS:       "none",
			LocalTS:   []string{"0.0.0.0/0"},
			RemoteTS:  []string{"0.0.0.0/0"},
		},
		BGP: &BGP{
			ASN:          65010,
			PeerASN:      65515,
			LocalAddress: "169.254.21.2",
			PeerAddress:  "169.254.21.1",
			ConnectRetry: seconds(2),
			HoldTime:     seconds(180),
			Multihop:     255,
		},
		LAN:       []string{"198.18.10.0/24"},
		MSSClamp:  1350,
		TunnelMTU: defaultMTU,
	}
}

// WithDefaults returns p with every zero field that has a default set from
// Default. Name, Description, StaticRoutes, MSSClamp and IKE.DPDTimeout have
// none, and a nil BGP stays nil.
func (p Profile) WithDefaults() Profile {
	return p.withDefaults(func(string) bool { return true })
}

// withDefaults fills the zero fields for which unset reports true, so that
// Parse can leave a value the file gave explicitly, such as "asn: 0", for
// Validate to reject.
func (p Profile) withDefaults(unset func(field string) bool) Profile {
	d := Default()
	fill(&p.IKE.Version, d.IKE.Version, unset("ike.version"))
	fillList(&p.IKE.Proposals, d.IKE.Proposals, unset("ike.proposals"))
	fill(&p.IKE.Lifetime, d.IKE.Lifetime, unset("ike.lifetime"))
	fill(&p.IKE.DPDDelay, d.IKE.DPDDelay, unset("ike.dpd_delay"))
	fillList(&p.IPsec.Proposals, d.IPsec.Proposals, unset("ipsec.proposals"))
	fill(&p.IPsec.Lifetime, d.IPsec.Lifetime, unset("ipsec.lifetime"))
	fill(&p.IPsec.LifeKB, d.IPsec.LifeKB, unset("ipsec.life_kilobytes"))
	fill(&p.IPsec.PFS, d.IPsec.PFS, unset("ipsec.pfs"))
	fillList(&p.IPsec.LocalTS, d.IPsec.LocalTS, unset("ipsec.local_ts"))
	fillList(&p.IPsec.RemoteTS, d.IPsec.RemoteTS, unset("ipsec.remote_ts"))
	fillList(&p.LAN, d.LAN, unset("lan"))
	fill(&p.TunnelMTU, d.TunnelMTU, true) // 0 always means the default
	if p.BGP != nil {
		b := *p.BGP
		fill(&b.ASN, d.BGP.ASN, unset("bgp.asn"))
		fill(&b.PeerASN, d.BGP.PeerASN, unset("bgp.peer_asn"))
		fill(&b.LocalAddress, d.BGP.LocalAddress, unset("bgp.local_address"))
		fill(&b.PeerAddress, d.BGP.PeerAddress, unset("bgp.peer_address"))
		fill(&b.ConnectRetry, d.BGP.ConnectRetry, unset("bgp.connect_retry"))
		fill(&b.HoldTime, d.BGP.HoldTime, unset("bgp.hold_time"))
		fill(&b.Multihop, d.BGP.Multihop, unset("bgp.ebgp_multihop"))
		p.BGP = &b
	}
	return p
}

// ESPProposals returns the IPsec proposals with the PFS group appended to
// each, as strongSwan expects them ("aes256gcm16-modp2048"). With PFS "none"
// or empty they are returned unchanged.
func (p Profile) ESPProposals() []string {
	out := make([]string, len(p.IPsec.Proposals))
	for i, s := range p.IPsec.Proposals {
		if p.IPsec.PFS != "" && p.IPsec.PFS != "none" {
			s += "-" + p.IPsec.PFS
		}
		out[i] = s
	}
	return out
}

// Keepalive returns the BGP keepalive interval, a third of the hold time.
func (b BGP) Keepalive() time.Duration {
	return b.HoldTime.Duration / 3
}

func fill[T comparable](v *T, def T, unset bool) {
	var zero T
	if unset && *v == zero {
		*v = def
	}
}

func fillList(v *[]string, def []string, unset bool) {
	if unset && len(*v) == 0 {
		*v = def
	}
}
