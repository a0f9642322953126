package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/strongswan/govici/vici"

	"github.com/vpnlab/vpnlab/node"
	"github.com/vpnlab/vpnlab/swan"
)

// The two sides of the site-to-site connection, as fault and fix methods
// name them.
const (
	Onprem = "onprem"
	Azure  = "azure"
)

// gatewayOf returns the node and the current gateway spec of a side.
func (l *Lab) gatewayOf(side string) (string, *node.GatewaySpec, error) {
	switch side {
	case Onprem:
		return OnpremGW, &l.onprem, nil
	case Azure:
		return l.active, &l.azure, nil
	}
	return "", nil, fmt.Errorf("unknown side %q (sides: onprem, azure)", side)
}

func (l *Lab) vici(ctx context.Context, nodeName string) (*vici.Session, error) {
	n := l.nodes[nodeName]
	if n == nil {
		return nil, fmt.Errorf("no node %s", nodeName)
	}
	addr, err := n.Addr(swan.ViciPort)
	if err != nil {
		return nil, err
	}
	return swan.Dial(ctx, addr)
}

// SetSharedKey loads another pre-shared key on one side and renegotiates,
// as an operator re-entering the key would. The key is never logged.
func (l *Lab) SetSharedKey(ctx context.Context, side string, key string) error {
	name, spec, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	s, err := l.vici(ctx, name)
	if err != nil {
		return err
	}
	defer s.Close()
	c := spec.Conn
	if err := swan.LoadSharedKey(ctx, s, "psk-"+c.Name, key, c.LocalID, c.RemoteID); err != nil {
		return err
	}
	return l.Renegotiate(ctx)
}

// RestoreSharedKey loads the lab's own key on one side again.
func (l *Lab) RestoreSharedKey(ctx context.Context, side string) error {
	_, spec, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	return l.SetSharedKey(ctx, side, spec.SharedKey)
}

// SetConn reloads one side's connection changed by edit and renegotiates.
// The change is kept: RestoreConn undoes it.
func (l *Lab) SetConn(ctx context.Context, side string, edit func(*swan.Conn)) error {
	name, spec, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	c := spec.Conn
	c.Proposals = append([]string(nil), c.Proposals...)
	c.ESPProposals = append([]string(nil), c.ESPProposals...)
	edit(&c)
	if err := l.loadConn(ctx, name, c); err != nil {
		return err
	}
	l.conns[side] = c
	return l.Renegotiate(ctx)
}

// RestoreConn loads a side's configured connection again.
func (l *Lab) RestoreConn(ctx context.Context, side string) error {
	name, spec, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	if err := l.loadConn(ctx, name, spec.Conn); err != nil {
		return err
	}
	delete(l.conns, side)
	return l.Renegotiate(ctx)
}

// Conn returns a side's connection as currently loaded.
func (l *Lab) Conn(side string) swan.Conn {
	if c, ok := l.conns[side]; ok {
		return c
	}
	_, spec, _ := l.gatewayOf(side)
	return spec.Conn
}

func (l *Lab) loadConn(ctx context.Context, nodeName string, c swan.Conn) error {
	s, err := l.vici(ctx, nodeName)
	if err != nil {
		return err
	}
	defer s.Close()
	return swan.LoadConn(ctx, s, c)
}

// Renegotiate closes the on-prem device's IKE SA and initiates it again.
func (l *Lab) Renegotiate(ctx context.Context) error {
	s, err := l.vici(ctx, OnpremGW)
	if err != nil {
		return err
	}
	defer s.Close()
	// With no SA up (the fault already broke it) there is nothing to close.
	_ = swan.TerminateIKE(ctx, s, l.onprem.Conn.Name)
	// Give the DELETE a moment to reach the peer before the new IKE_SA_INIT.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(200 * time.Millisecond):
	}
	return swan.Initiate(ctx, s, l.onprem.Conn.Child(), 0)
}

// RouterRule adds (or, with add false, deletes) an iptables rule in the
// router's fault chain, where network faults live.
func (l *Lab) RouterRule(ctx context.Context, add bool, rule ...string) error {
	op := "-I"
	if !add {
		op = "-D"
	}
	args := append([]string{"iptables", op, node.FaultChain}, rule...)
	r, err := l.Exec(ctx, Internet, args...)
	if err != nil {
		return err
	}
	if r.ExitCode != 0 {
		return fmt.Errorf("router %v: %s", args, r.Stderr)
	}
	return nil
}

// SetTunnelMTU sets the MTU of a gateway's tunnel interface and clamps TCP
// MSS to fit (mss 0 = MTU − 40).
func (l *Lab) SetTunnelMTU(ctx context.Context, side string, mtu, mss int) error {
	name, _, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	if mss == 0 {
		mss = mtu - 40
	}
	cmds := [][]string{
		{"ip", "link", "set", node.TunnelIf, "mtu", strconv.Itoa(mtu)},
		{"iptables", "-t", "mangle", "-F", "FORWARD"},
	}
	for _, dir := range []string{"-o", "-i"} {
		cmds = append(cmds, []string{"iptables", "-t", "mangle", "-A", "FORWARD", dir, node.TunnelIf, "-p", "tcp",
			"--tcp-flags", "SYN,RST", "SYN", "-j", "TCPMSS", "--set-mss", strconv.Itoa(mss)})
	}
	for _, c := range cmds {
		r, err := l.Exec(ctx, name, c...)
		if err != nil {
			return err
		}
		if r.ExitCode != 0 {
			return fmt.Errorf("%s %v: %s", name, c, r.Stderr)
		}
	}
	return nil
}

// SetBGPPeerASN reconfigures a side's BGP neighbour with another peer ASN
// (0 keeps the configured one) and local ASN (0 keeps the speaker's own).
func (l *Lab) SetBGPPeerASN(ctx context.Context, side string, peerASN, localASN uint32) error {
	name, spec, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	if spec.BGP == nil {
		return fmt.Errorf("%s runs no BGP", name)
	}
	if peerASN == 0 {
		peerASN = spec.BGP.Peer.ASN
	}
	c, err := l.BGP(name)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.SetPeerASN(ctx, spec.BGP.Peer.Address, peerASN, localASN)
}

// RestoreBGPPeer configures a side's BGP neighbour as the lab set it up.
func (l *Lab) RestoreBGPPeer(ctx context.Context, side string) error {
	_, spec, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	if spec.BGP == nil {
		return nil
	}
	return l.SetBGPPeerASN(ctx, side, spec.BGP.Peer.ASN, 0)
}

// BGPConfig returns a side's configured BGP ASNs (0s without BGP).
func (l *Lab) BGPConfig(side string) (local, peer uint32) {
	_, spec, _ := l.gatewayOf(side)
	if spec == nil || spec.BGP == nil {
		return 0, 0
	}
	return spec.BGP.ASN, spec.BGP.Peer.ASN
}

// readSpecs recovers the gateways' specs from an attached lab's containers.
func (l *Lab) readSpecs(ctx context.Context) error {
	read := func(name string, v any) error {
		r, err := l.Exec(ctx, name, "cat", node.SpecFile)
		if err != nil {
			return err
		}
		if r.ExitCode != 0 {
			return fmt.Errorf("%s: read spec: %s", name, r.Stderr)
		}
		return json.Unmarshal([]byte(r.Stdout), v)
	}
	var az node.AzureSpec
	if err := read(OnpremGW, &l.onprem); err != nil {
		return err
	}
	if l.nodes[P2SClient] != nil {
		if err := read(P2SClient, &l.p2s); err != nil {
			return err
		}
	}
	if err := read(AzureGW, &az); err != nil {
		return err
	}
	return l.setAzure(az)
}

func (l *Lab) setAzure(az node.AzureSpec) error {
	if az.API != nil {
		l.apiCA = az.API.CAPEM
	}
	gs, err := node.AzureGatewaySpec(az)
	if err != nil {
		return err
	}
	l.azure = gs
	l.Model = az.Model
	l.Model.Connection.SharedKey = ""
	return nil
}
