package scenarios

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

// kind builds a fault from its parameters (already decoded and checked for
// unknown fields).
type kind struct {
	params func() any // a pointer to the parameter struct, with defaults
	build  func(p any) (Fault, error)
}

// kinds registers every fault kind, explicitly.
func kinds() map[string]kind {
	ks := map[string]kind{
		"shared-key": {
			func() any { return &sharedKey{Side: "onprem", Value: "random"} },
			func(p any) (Fault, error) { f := p.(*sharedKey); return f, f.check() }},
		"ike-proposals": {
			func() any { return &ikeProposals{Side: "onprem"} },
			func(p any) (Fault, error) { f := p.(*ikeProposals); return f, f.check() }},
		"ipsec-proposals": {
			func() any { return &ipsecProposals{Side: "onprem", PFS: "none"} },
			func(p any) (Fault, error) { f := p.(*ipsecProposals); return f, f.check() }},
		"firewall-block": {
			func() any { return &firewallBlock{Direction: "both"} },
			func(p any) (Fault, error) { f := p.(*firewallBlock); return f, f.check() }},
		"path-mtu": {
			func() any { return &pathMTU{} },
			func(p any) (Fault, error) { f := p.(*pathMTU); return f, f.check() }},
		"certificate": {
			func() any { return &certificate{Which: "client", NotBefore: "-720h", NotAfter: "-24h"} },
			func(p any) (Fault, error) { f := p.(*certificate); return f, f.check() }},
		"maintenance": {
			func() any { return &maintenance{Planned: true, Switch: "8s"} },
			func(p any) (Fault, error) { f := p.(*maintenance); return f, f.check() }},
		"bgp-asn": {
			func() any { return &bgpASN{Side: "onprem", Field: "peer_asn"} },
			func(p any) (Fault, error) { f := p.(*bgpASN); return f, f.check() }},
	}
	maps.Copy(ks, catalogKinds())
	maps.Copy(ks, pathKinds())
	maps.Copy(ks, vnetKinds())
	return ks
}

// KindNames lists the fault kinds.
func KindNames() []string {
	var n []string
	for k := range kinds() {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// fieldError names the offending parameter.
type fieldError struct{ field, msg string }

func (e fieldError) Error() string { return e.field + ": " + e.msg }

func checkSide(s contract.Side) error {
	if !slices.Contains(contract.Sides, s) {
		return fieldError{"side", fmt.Sprintf("unknown side %q (sides: onprem, azure)", s)}
	}
	return nil
}

// sharedKey makes one side's pre-shared key differ (seed 000 §5.3 cause 1).
type sharedKey struct {
	Side  contract.Side `yaml:"side"`
	Value string        `yaml:"value"` // "random" or a key
}

func (f *sharedKey) Kind() string { return "shared-key" }
func (f *sharedKey) Describe() string {
	return fmt.Sprintf("the %s side's pre-shared key is changed (value redacted)", f.Side)
}
func (f *sharedKey) check() error {
	if err := checkSide(f.Side); err != nil {
		return err
	}
	if f.Value == "" || strings.ContainsAny(f.Value, " \t-~") {
		return fieldError{"value", "want \"random\" or printable ASCII without space, '-' or '~'"}
	}
	return nil
}
func (f *sharedKey) Inject(ctx context.Context, l Lab) error {
	key := f.Value
	if key == "random" {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		key = "wrong" + hex.EncodeToString(b)
	}
	return l.SetSharedKey(ctx, f.Side, key)
}
func (f *sharedKey) Fix(ctx context.Context, l Lab) error { return l.RestoreSharedKey(ctx, f.Side) }

// ikeProposals changes one side's IKE (phase 1) proposals.
type ikeProposals struct {
	Side      contract.Side `yaml:"side"`
	Proposals []string      `yaml:"proposals"`
	Version   int           `yaml:"version"`
}

func (f *ikeProposals) Kind() string { return "ike-proposals" }
func (f *ikeProposals) Describe() string {
	return fmt.Sprintf("the %s side's IKE proposals become %s", f.Side, strings.Join(f.Proposals, ","))
}
func (f *ikeProposals) check() error {
	if err := checkSide(f.Side); err != nil {
		return err
	}
	if len(f.Proposals) == 0 {
		return fieldError{"proposals", "at least one proposal is needed"}
	}
	if f.Version != 0 && f.Version != 1 && f.Version != 2 {
		return fieldError{"version", "want 1 or 2"}
	}
	return nil
}
func (f *ikeProposals) Inject(ctx context.Context, l Lab) error {
	return l.ChangeConn(ctx, f.Side, contract.ConnChange{IKE: f.Proposals, IKEVersion: f.Version})
}
func (f *ikeProposals) Fix(ctx context.Context, l Lab) error { return l.RestoreConn(ctx, f.Side) }

// ipsecProposals changes one side's ESP (phase 2) proposals and PFS group.
type ipsecProposals struct {
	Side      contract.Side `yaml:"side"`
	Proposals []string      `yaml:"proposals"`
	PFS       string        `yaml:"pfs"`
}

func (f *ipsecProposals) Kind() string { return "ipsec-proposals" }
func (f *ipsecProposals) Describe() string {
	return fmt.Sprintf("the %s side's ESP proposals become %s (PFS %s)", f.Side, strings.Join(f.Proposals, ","), f.PFS)
}
func (f *ipsecProposals) check() error {
	if err := checkSide(f.Side); err != nil {
		return err
	}
	if len(f.Proposals) == 0 {
		return fieldError{"proposals", "at least one proposal is needed"}
	}
	return nil
}
func (f *ipsecProposals) Inject(ctx context.Context, l Lab) error {
	var esp []string
	for _, p := range f.Proposals {
		if f.PFS != "" && f.PFS != "none" {
			p += "-" + f.PFS
		}
		esp = append(esp, p)
	}
	return l.ChangeConn(ctx, f.Side, contract.ConnChange{ESP: esp})
}
func (f *ipsecProposals) Fix(ctx context.Context, l Lab) error {
	return l.RestoreConn(ctx, f.Side)
}

// firewallBlock drops a class of IPsec traffic on the internet router
// (seed 000 §5.3 cause 2: UDP 500/4500 and ESP not allowed).
type firewallBlock struct {
	What      contract.Class `yaml:"what"`      // ike-udp500 (or udp500), ike-udp4500, esp-udp4500, esp
	Direction string         `yaml:"direction"` // to-azure, to-onprem, both
	// Reestablish has the device re-establish its tunnel once the block
	// is in place: a block of IKE alone shows only then.
	Reestablish bool `yaml:"reestablish"`
}

func (f *firewallBlock) Kind() string { return "firewall-block" }
func (f *firewallBlock) Describe() string {
	s := fmt.Sprintf("the internet router drops %s (%s)", f.What, f.Direction)
	if f.Reestablish {
		s += "; then the device re-establishes its tunnel"
	}
	return s
}
func (f *firewallBlock) check() error {
	if f.What == "udp500" {
		f.What = contract.IKE500 // the name scenario files have used
	}
	if !slices.Contains(contract.Classes, f.What) {
		var names []string
		for _, c := range contract.Classes {
			names = append(names, string(c))
		}
		return fieldError{"what", fmt.Sprintf("unknown class %q (classes: %s)", f.What, strings.Join(names, ", "))}
	}
	if len(f.directions()) == 0 {
		return fieldError{"direction", fmt.Sprintf("unknown direction %q (to-azure, to-onprem, both)", f.Direction)}
	}
	return nil
}
func (f *firewallBlock) directions() []contract.Direction {
	if f.Direction == "both" {
		return contract.Directions
	}
	if d := contract.Direction(f.Direction); slices.Contains(contract.Directions, d) {
		return []contract.Direction{d}
	}
	return nil
}
func (f *firewallBlock) Inject(ctx context.Context, l Lab) error {
	for _, d := range f.directions() {
		if err := l.Block(ctx, f.What, d); err != nil {
			return err
		}
	}
	if f.Reestablish {
		return reestablish(ctx, l)
	}
	return nil
}

// Fix allows the ports again (seed 000 §5.3 対処法④).
func (f *firewallBlock) Fix(ctx context.Context, l Lab) error {
	for _, d := range f.directions() {
		if err := l.Unblock(ctx, f.What, d); err != nil {
			return err
		}
	}
	return nil
}

// pathMTU limits the size of packets the path carries, optionally without
// the ICMP that would tell the sender (a PMTUD black hole).
type pathMTU struct {
	MaxPacket int  `yaml:"max_packet"` // largest IP packet the path carries
	ICMP      bool `yaml:"icmp"`       // answer bigger packets with "fragmentation needed"
}

// espOverhead is what ESP-in-UDP with AES-GCM adds to an inner packet:
// outer IPv4 20, UDP 8, ESP header 8, IV 8, padding and trailer up to 5, ICV 16.
const espOverhead = 70

func (f *pathMTU) Kind() string { return "path-mtu" }
func (f *pathMTU) Describe() string {
	return fmt.Sprintf("the path carries packets up to %d bytes; larger ones are dropped (ICMP: %v)", f.MaxPacket, f.ICMP)
}
func (f *pathMTU) check() error {
	if f.MaxPacket < 576 || f.MaxPacket > 1500 {
		return fieldError{"max_packet", "want 576..1500"}
	}
	return nil
}
func (f *pathMTU) Inject(ctx context.Context, l Lab) error {
	return l.LimitPath(ctx, f.MaxPacket, f.ICMP)
}

// Fix lowers the on-prem tunnel MTU to what the path carries and clamps
// MSS to fit (seed 000 §5.6 「MTU 調整」: Azure's MTU is fixed, adjust on
// premises). The path itself stays as it is.
func (f *pathMTU) Fix(ctx context.Context, l Lab) error {
	return l.SetTunnelMTU(ctx, contract.Onprem, f.MaxPacket-espOverhead, 0)
}

// Revert takes the fix's tunnel MTU and MSS clamp back to the profile's:
// the path still drops big packets, so the black hole is back.
func (f *pathMTU) Revert(ctx context.Context, l Lab) error {
	return l.RestoreTunnelMTU(ctx, contract.Onprem)
}

// bgpASN misconfigures an ASN of one side's BGP session (seed 000 §5.5 cause 4).
type bgpASN struct {
	Side  contract.Side `yaml:"side"`
	Field string        `yaml:"field"` // peer_asn: the ASN configured for the other side; local_asn: this side's own
	Value uint32        `yaml:"value"`
}

func (f *bgpASN) Kind() string { return "bgp-asn" }
func (f *bgpASN) Describe() string {
	return fmt.Sprintf("the %s side's BGP %s becomes %d", f.Side, f.Field, f.Value)
}
func (f *bgpASN) check() error {
	if err := checkSide(f.Side); err != nil {
		return err
	}
	if f.Field != "peer_asn" && f.Field != "local_asn" {
		return fieldError{"field", fmt.Sprintf("unknown field %q (peer_asn, local_asn)", f.Field)}
	}
	if f.Value == 0 {
		return fieldError{"value", "an ASN is needed"}
	}
	return nil
}
func (f *bgpASN) Inject(ctx context.Context, l Lab) error {
	if f.Field == "local_asn" {
		return l.SetBGPPeerASN(ctx, f.Side, 0, f.Value)
	}
	return l.SetBGPPeerASN(ctx, f.Side, f.Value, 0)
}
func (f *bgpASN) Fix(ctx context.Context, l Lab) error { return l.RestoreBGPPeer(ctx, f.Side) }

// certificate reissues the point-to-site client's certificate with another
// validity, relative to the moment of injection (seed 000 §5.6 real case:
// an expired certificate).
type certificate struct {
	Which     string `yaml:"which"`      // client
	NotBefore string `yaml:"not_before"` // e.g. -720h
	NotAfter  string `yaml:"not_after"`  // e.g. -24h: expired a day ago

	nb, na time.Duration
}

func (f *certificate) Kind() string { return "certificate" }
func (f *certificate) Describe() string {
	return fmt.Sprintf("the P2S %s certificate is reissued valid from now%s to now%s", f.Which, f.NotBefore, f.NotAfter)
}
func (f *certificate) check() error {
	if f.Which != "client" {
		return fieldError{"which", fmt.Sprintf("unknown certificate %q (certificates: client)", f.Which)}
	}
	var err error
	if f.nb, err = time.ParseDuration(f.NotBefore); err != nil {
		return fieldError{"not_before", "want a duration relative to now, like -720h"}
	}
	if f.na, err = time.ParseDuration(f.NotAfter); err != nil {
		return fieldError{"not_after", "want a duration relative to now, like -24h"}
	}
	if f.na <= f.nb {
		return fieldError{"not_after", "must be after not_before"}
	}
	return nil
}
func (f *certificate) Inject(ctx context.Context, l Lab) error {
	now := time.Now()
	return l.ReissueClientCert(ctx, now.Add(f.nb), now.Add(f.na))
}

// Fix reissues a valid certificate and reinstalls it on the client (seed 000
// §5.4 証明書で認証 ④).
func (f *certificate) Fix(ctx context.Context, l Lab) error { return l.RestoreClientCert(ctx) }

// maintenance is a gateway maintenance event: the active instance goes away
// and the standby takes over the public IP (seed 000 §3.2; seed 004).
type maintenance struct {
	Planned bool   `yaml:"planned"`
	Switch  string `yaml:"switch"` // how long the public IP is unassigned, e.g. 8s

	d time.Duration
}

func (f *maintenance) Kind() string { return "maintenance" }
func (f *maintenance) Describe() string {
	kind := "unplanned"
	if f.Planned {
		kind = "planned"
	}
	return fmt.Sprintf("%s maintenance: the active gateway instance goes away, the standby takes over after %s", kind, f.Switch)
}
func (f *maintenance) check() error {
	var err error
	if f.d, err = time.ParseDuration(f.Switch); err != nil || f.d < 0 || f.d > 5*time.Minute {
		return fieldError{"switch", "want a duration up to 5m, like 8s"}
	}
	return nil
}
func (f *maintenance) Inject(ctx context.Context, l Lab) error {
	return l.Failover(ctx, f.Planned, f.d)
}

// Fix: nothing to change. The device reconnected by its own retry logic;
// what remains is to check the logs (seed 004) and, for resilience, to
// consider active-active (seed 000 §2.4).
func (f *maintenance) Fix(ctx context.Context, l Lab) error { return nil }
