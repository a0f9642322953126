package scenarios

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

// PathLab is what the path and selector faults (issue 13) act on beyond
// Lab; *lab.Lab satisfies it.
type PathLab interface {
	Lab
	// Renegotiate closes the device's IKE SA and initiates it again, as a
	// reauthentication or a reconnect after an outage would.
	Renegotiate(ctx context.Context) error
	// RouteVia routes prefix through another next hop in a node of the
	// on-prem LAN; UnrouteVia removes that route again.
	RouteVia(ctx context.Context, node, prefix, via string) error
	UnrouteVia(ctx context.Context, node, prefix, via string) error
	// NATPath puts a NAT with a UDP mapping timeout in front of the
	// device (port translation, unsolicited inbound dropped); UnNATPath
	// takes it away.
	NATPath(ctx context.Context, udpTimeout time.Duration) error
	UnNATPath(ctx context.Context) error
	// SetNATKeepalive sets a side's NAT-T keepalive interval (0: none)
	// for the IKE SAs it makes from then on.
	SetNATKeepalive(ctx context.Context, side contract.Side, every time.Duration) error
}

func pathLab(l Lab) (PathLab, error) {
	p, ok := l.(PathLab)
	if !ok {
		return nil, fmt.Errorf("this lab cannot take path faults")
	}
	return p, nil
}

// pathKinds are the path and selector fault kinds.
func pathKinds() map[string]kind {
	return map[string]kind{
		"traffic-selectors": build[trafficSelectors](func() *trafficSelectors { return &trafficSelectors{Side: "onprem"} }),
		"lan-route":         build[lanRoute](func() *lanRoute { return &lanRoute{Node: "onprem-host"} }),
		"nat":               build[natPath](func() *natPath { return &natPath{} }),
		"keepalive":         build[keepalive](func() *keepalive { return &keepalive{Side: "onprem", FixKeepalive: "20s"} }),
	}
}

// trafficSelectors gives one side's CHILD SA other traffic selectors (a
// policy-based device's proxy IDs / encryption domain) (seed 000 §5.3 ②:
// the phase 2 settings; azure-rules R4: Azure accepts whatever the device
// proposes, and drops what the selectors leave out).
type trafficSelectors struct {
	Side     contract.Side `yaml:"side"`
	LocalTS  []string      `yaml:"local_ts"`
	RemoteTS []string      `yaml:"remote_ts"`
}

func (f *trafficSelectors) Kind() string { return "traffic-selectors" }
func (f *trafficSelectors) Describe() string {
	return fmt.Sprintf("the %s side's traffic selectors become %s === %s", f.Side, orAny(f.LocalTS), orAny(f.RemoteTS))
}

func orAny(ts []string) string {
	if len(ts) == 0 {
		return "(as configured)"
	}
	return strings.Join(ts, ",")
}

func (f *trafficSelectors) check() error {
	if err := checkSide(f.Side); err != nil {
		return err
	}
	if len(f.LocalTS) == 0 && len(f.RemoteTS) == 0 {
		return fieldError{"local_ts", "give local_ts and/or remote_ts"}
	}
	for field, ts := range map[string][]string{"local_ts": f.LocalTS, "remote_ts": f.RemoteTS} {
		for _, p := range ts {
			if _, err := netip.ParsePrefix(p); err != nil {
				return fieldError{field, fmt.Sprintf("%q is not a prefix like 198.19.0.0/16", p)}
			}
		}
	}
	return nil
}
func (f *trafficSelectors) Inject(ctx context.Context, l Lab) error {
	return l.ChangeConn(ctx, f.Side, contract.ConnChange{LocalTS: f.LocalTS, RemoteTS: f.RemoteTS})
}

// Fix loads the side's configured (route-based, any-to-any) selectors
// again and re-initiates (seed 000 §5.3 ②).
func (f *trafficSelectors) Fix(ctx context.Context, l Lab) error { return l.RestoreConn(ctx, f.Side) }

// lanNodes are the nodes whose routes a lan-route fault may change.
var lanNodes = []string{"onprem-host"}

// lanRoute gives a node of the on-prem LAN a route to a prefix through
// another next hop than the VPN device, e.g. a stale route to an old
// router: what Azure sends arrives, the answers go elsewhere (seed 000
// §5.5 原因「戻りルートの欠落（片方向通信）」, 対処法②).
type lanRoute struct {
	Node   string `yaml:"node"`
	Prefix string `yaml:"prefix"`
	Via    string `yaml:"via"`
}

func (f *lanRoute) Kind() string { return "lan-route" }
func (f *lanRoute) Describe() string {
	return fmt.Sprintf("%s routes %s via %s instead of the VPN device", f.Node, f.Prefix, f.Via)
}
func (f *lanRoute) check() error {
	if !slices.Contains(lanNodes, f.Node) {
		return fieldError{"node", fmt.Sprintf("unknown node %q (nodes: %s)", f.Node, strings.Join(lanNodes, ", "))}
	}
	if _, err := netip.ParsePrefix(f.Prefix); err != nil {
		return fieldError{"prefix", "want a prefix like 198.19.0.0/16"}
	}
	a, err := netip.ParseAddr(f.Via)
	if err != nil || !labAddr(a) {
		return fieldError{"via", "want an IPv4 address inside the lab's ranges, like 198.18.10.254"}
	}
	return nil
}
func (f *lanRoute) Inject(ctx context.Context, l Lab) error {
	p, err := pathLab(l)
	if err != nil {
		return err
	}
	return p.RouteVia(ctx, f.Node, f.Prefix, f.Via)
}

// Fix removes the stray route, so the node reaches the VNet through the
// VPN device again (seed 000 §5.5 対処法② 戻りルートの確認).
func (f *lanRoute) Fix(ctx context.Context, l Lab) error {
	p, err := pathLab(l)
	if err != nil {
		return err
	}
	return p.UnrouteVia(ctx, f.Node, f.Prefix, f.Via)
}

// reestablish has the device re-establish its tunnel after a firewall
// block, so that a block of IKE alone shows: an established tunnel hides
// it until the next reauthentication or reconnect (issue 13).
func reestablish(ctx context.Context, l Lab) error {
	p, err := pathLab(l)
	if err != nil {
		return err
	}
	return p.Renegotiate(ctx)
}

// natPath puts a NAT on the path in front of the device: port translation
// with a UDP mapping timeout, and what arrives outside a mapping dropped
// (seed 000 §5.6 原因「Keepalive 不足」: the device sits behind a NAT).
type natPath struct {
	UDPTimeout string `yaml:"udp_timeout"` // e.g. 15s (shortened: real NATs keep UDP mappings 30–300 s)

	d time.Duration
}

func (f *natPath) Kind() string { return "nat" }
func (f *natPath) Describe() string {
	return fmt.Sprintf("a NAT in front of the device translates its UDP ports and forgets a mapping after %s idle", f.UDPTimeout)
}
func (f *natPath) check() error {
	var err error
	if f.d, err = time.ParseDuration(f.UDPTimeout); err != nil || f.d < 5*time.Second || f.d > 10*time.Minute {
		return fieldError{"udp_timeout", "want a duration of 5s..10m, like 15s"}
	}
	return nil
}
func (f *natPath) Inject(ctx context.Context, l Lab) error {
	p, err := pathLab(l)
	if err != nil {
		return err
	}
	return p.NATPath(ctx, f.d)
}

// Fix leaves the NAT where it is: the remedy is on the device, whose
// keepalives must refresh the mapping (seed 000 §5.6 対処法 Keepalive 値の調整).
func (f *natPath) Fix(ctx context.Context, l Lab) error { return nil }

// keepalive changes one side's keepalives: its NAT-T keepalive interval (0:
// none) and whether it runs dead peer detection; the side re-establishes
// its tunnel so that the new IKE SA uses them (seed 000 §5.6 原因
// 「対向ルーター側の Keepalive 不足」).
type keepalive struct {
	Side         contract.Side `yaml:"side"`
	NATKeepalive string        `yaml:"nat_keepalive"`     // e.g. 0s: none
	DPD          string        `yaml:"dpd"`               // "off", or empty to keep it
	FixKeepalive string        `yaml:"fix_nat_keepalive"` // what the fix sets, e.g. 10s

	every, fix time.Duration
}

func (f *keepalive) Kind() string { return "keepalive" }
func (f *keepalive) Describe() string {
	s := fmt.Sprintf("the %s side sends NAT-T keepalives every %s", f.Side, f.NATKeepalive)
	if f.every == 0 {
		s = fmt.Sprintf("the %s side sends no NAT-T keepalives", f.Side)
	}
	if f.DPD == "off" {
		s += " and runs no dead peer detection"
	}
	return s
}
func (f *keepalive) check() error {
	if err := checkSide(f.Side); err != nil {
		return err
	}
	var err error
	if f.every, err = time.ParseDuration(f.NATKeepalive); err != nil || f.every < 0 {
		return fieldError{"nat_keepalive", "want a duration, 0s for none"}
	}
	if f.fix, err = time.ParseDuration(f.FixKeepalive); err != nil || f.fix <= 0 {
		return fieldError{"fix_nat_keepalive", "want a positive duration, like 10s"}
	}
	if f.DPD != "" && f.DPD != "off" {
		return fieldError{"dpd", `want "off" or nothing`}
	}
	return nil
}
func (f *keepalive) Inject(ctx context.Context, l Lab) error {
	p, err := pathLab(l)
	if err != nil {
		return err
	}
	if err := p.SetNATKeepalive(ctx, f.Side, f.every); err != nil {
		return err
	}
	return l.ChangeConn(ctx, f.Side, contract.ConnChange{DPDOff: f.DPD == "off"})
}

// Fix sets keepalives shorter than the NAT's timeout and the side's DPD
// back, and re-establishes (seed 000 §5.6 対処法 Keepalive 値の調整).
func (f *keepalive) Fix(ctx context.Context, l Lab) error {
	p, err := pathLab(l)
	if err != nil {
		return err
	}
	if err := p.SetNATKeepalive(ctx, f.Side, f.fix); err != nil {
		return err
	}
	return l.RestoreConn(ctx, f.Side)
}
