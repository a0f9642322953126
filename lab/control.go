package lab

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/strongswan/govici/vici"
	"github.com/vishvananda/netlink"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/swan"
)

// The two sides of the site-to-site connection, as fault and fix methods
// name them.
const (
	Onprem = contract.Onprem
	Azure  = contract.Azure
)

// gatewayOf returns the node and the current gateway spec of a side.
func (l *Lab) gatewayOf(side contract.Side) (string, *contract.GatewaySpec, error) {
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
func (l *Lab) SetSharedKey(ctx context.Context, side contract.Side, key string) error {
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
func (l *Lab) RestoreSharedKey(ctx context.Context, side contract.Side) error {
	_, spec, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	return l.SetSharedKey(ctx, side, spec.SharedKey)
}

// ChangeConn reloads one side's connection changed as c says and
// renegotiates. The change is kept: RestoreConn undoes it.
func (l *Lab) ChangeConn(ctx context.Context, side contract.Side, ch contract.ConnChange) error {
	if err := l.LoadConn(ctx, side, ch); err != nil {
		return err
	}
	return l.Renegotiate(ctx)
}

// LoadConn reloads one side's connection changed as ch says without
// renegotiating: the SAs that are up keep what they were negotiated with
// (their rekeys too); SAs negotiated from now on, such as a CHILD SA the
// side initiates under the IKE SA that is up, take the change. The change
// is kept: RestoreConn undoes it.
func (l *Lab) LoadConn(ctx context.Context, side contract.Side, ch contract.ConnChange) error {
	name, spec, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	c := changed(spec.Conn, ch)
	if err := l.loadConn(ctx, name, spec, c); err != nil {
		return err
	}
	l.conns[side] = c
	return nil
}

// changed applies a change to a copy of a connection.
func changed(c swan.Conn, ch contract.ConnChange) swan.Conn {
	c.Proposals = slices.Clone(c.Proposals)
	c.ESPProposals = slices.Clone(c.ESPProposals)
	if len(ch.IKE) > 0 {
		c.Proposals = slices.Clone(ch.IKE)
	}
	if ch.IKEVersion != 0 {
		c.Version = ch.IKEVersion
	}
	if len(ch.ESP) > 0 {
		c.ESPProposals = slices.Clone(ch.ESP)
	}
	if ch.PeerAddress != "" {
		c.RemoteAddr, c.RemoteID = ch.PeerAddress, ch.PeerAddress
	}
	if ch.LocalID != "" {
		c.LocalID = ch.LocalID
	}
	if len(ch.LocalTS) > 0 {
		c.LocalTS = slices.Clone(ch.LocalTS)
	}
	if len(ch.RemoteTS) > 0 {
		c.RemoteTS = slices.Clone(ch.RemoteTS)
	}
	if ch.DPDOff {
		c.DPDDelay, c.DPDTimeout = 0, 0
	}
	if ch.ChildLifetime > 0 {
		c.ChildLifetime = ch.ChildLifetime
		if ch.ChildNoRekey {
			c.ChildLifetime, c.ChildHardLifetime, c.ChildNoRekey = 0, ch.ChildLifetime, true
		}
	}
	return c
}

// RestoreConn loads a side's configured connection again.
func (l *Lab) RestoreConn(ctx context.Context, side contract.Side) error {
	name, spec, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	if err := l.loadConn(ctx, name, spec, spec.Conn); err != nil {
		return err
	}
	delete(l.conns, side)
	return l.Renegotiate(ctx)
}

// Conn returns a side's connection as currently loaded.
func (l *Lab) Conn(side contract.Side) swan.Conn {
	if c, ok := l.conns[side]; ok {
		return c
	}
	_, spec, _ := l.gatewayOf(side)
	return spec.Conn
}

// loadConn loads c in place of spec's main connection and keeps the
// device's swanctl.conf (swan.DeviceConf) saying what is loaded, as an
// operator's change would.
func (l *Lab) loadConn(ctx context.Context, nodeName string, spec *contract.GatewaySpec, c swan.Conn) error {
	s, err := l.vici(ctx, nodeName)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := swan.LoadConn(ctx, s, c); err != nil {
		return err
	}
	conns := []swan.Conn{c}
	for _, ec := range spec.Extra {
		conns = append(conns, ec.Conn)
	}
	text, err := swan.Swanctl(conns...)
	if err != nil {
		return nil // a certificate gateway keeps no such file
	}
	r, err := l.Exec(ctx, nodeName, "sh", "-c", "cat > "+swan.DeviceConf+" <<'EOF'\n"+text+"EOF\n")
	if err != nil {
		return err
	}
	if r.ExitCode != 0 {
		return fmt.Errorf("%s: writing %s: %s", nodeName, swan.DeviceConf, strings.TrimSpace(r.Stderr))
	}
	return nil
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

// Block makes the internet router drop a class of traffic going one way
// (the router builds the rule: node.Fault).
func (l *Lab) Block(ctx context.Context, class contract.Class, dir contract.Direction) error {
	return l.routerFault(ctx, "add", "block", class, dir)
}

// Unblock lets a class of traffic through again.
func (l *Lab) Unblock(ctx context.Context, class contract.Class, dir contract.Direction) error {
	return l.routerFault(ctx, "del", "block", class, dir)
}

// LimitPath makes the internet router drop packets larger than max bytes,
// answering them with ICMP "fragmentation needed" only when icmp is set (a
// path MTU black hole otherwise).
func (l *Lab) LimitPath(ctx context.Context, max int, icmp bool) error {
	return l.routerLimit(ctx, "add", max, icmp)
}

// UnlimitPath removes a LimitPath with the same arguments.
func (l *Lab) UnlimitPath(ctx context.Context, max int, icmp bool) error {
	return l.routerLimit(ctx, "del", max, icmp)
}

func (l *Lab) routerFault(ctx context.Context, op, what string, class contract.Class, dir contract.Direction) error {
	prefix, ok := wanOf[dir]
	if !ok {
		return fmt.Errorf("unknown direction %q (directions: to-azure, to-onprem)", dir)
	}
	return l.routerExec(ctx, "vpnlab-node", "fault", op, what, string(class), prefix.String())
}

func (l *Lab) routerLimit(ctx context.Context, op string, max int, icmp bool) error {
	mode := "silent"
	if icmp {
		mode = "icmp"
	}
	return l.routerExec(ctx, "vpnlab-node", "fault", op, "limit", strconv.Itoa(max), mode)
}

func (l *Lab) routerExec(ctx context.Context, cmd ...string) error {
	r, err := l.Exec(ctx, Internet, cmd...)
	if err != nil {
		return err
	}
	if r.ExitCode != 0 {
		return fmt.Errorf("router %v: %s", cmd[1:], strings.TrimSpace(r.Stderr))
	}
	return nil
}

// SetTunnelMTU sets the MTU of a gateway's tunnel interface and clamps TCP
// MSS to fit (mss 0 = MTU − 40); the gateway does it (vpnlab-node tunnel).
func (l *Lab) SetTunnelMTU(ctx context.Context, side contract.Side, mtu, mss int) error {
	if mss == 0 {
		mss = mtu - 40
	}
	return l.setTunnel(ctx, side, mtu, mss)
}

// RestoreTunnelMTU sets a gateway's tunnel MTU and MSS clamp back to its
// spec's (the profile's; see contract.GatewaySpec), and its
// LAN host forgets the path MTU it learned meanwhile.
func (l *Lab) RestoreTunnelMTU(ctx context.Context, side contract.Side) error {
	_, spec, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	if err := l.setTunnel(ctx, side, cmp.Or(spec.TunnelMTU, contract.DefaultTunnelMTU), spec.MSSClamp); err != nil {
		return err
	}
	// The side's LAN hosts cached the smaller path MTU the tunnel reported
	// ("fragmentation needed"), for 10 minutes: forget it, or they would
	// keep sending small packets and hide a black hole on the path.
	host := OnpremHost
	if side == Azure {
		host = AzureVM
	}
	return l.inNetns(ctx, host, func(*netlink.Handle) error {
		if err := os.WriteFile("/proc/sys/net/ipv4/route/flush", []byte("1"), 0); err != nil {
			return fmt.Errorf("%s: flush the route cache: %w", host, err)
		}
		return nil
	})
}

// setTunnel runs vpnlab-node tunnel in a side's gateway (mss 0: no clamp).
func (l *Lab) setTunnel(ctx context.Context, side contract.Side, mtu, mss int) error {
	name, _, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	cmd := []string{"vpnlab-node", "tunnel", strconv.Itoa(mtu), strconv.Itoa(mss)}
	r, err := l.Exec(ctx, name, cmd...)
	if err != nil {
		return err
	}
	if r.ExitCode != 0 {
		return fmt.Errorf("%s %v: %s", name, cmd, strings.TrimSpace(r.Stderr))
	}
	return nil
}

// SetBGPPeerASN reconfigures a side's BGP neighbour with another peer ASN
// (0 keeps the configured one) and local ASN (0 keeps the speaker's own).
func (l *Lab) SetBGPPeerASN(ctx context.Context, side contract.Side, peerASN, localASN uint32) error {
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
func (l *Lab) RestoreBGPPeer(ctx context.Context, side contract.Side) error {
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
func (l *Lab) BGPConfig(side contract.Side) (local, peer uint32) {
	_, spec, _ := l.gatewayOf(side)
	if spec == nil || spec.BGP == nil {
		return 0, 0
	}
	return spec.BGP.ASN, spec.BGP.Peer.ASN
}

// readSpecs recovers the gateways' specs from an attached lab's containers.
func (l *Lab) readSpecs(ctx context.Context) error {
	read := func(name string, v any) error {
		r, err := l.Exec(ctx, name, "cat", contract.SpecFile)
		if err != nil {
			return err
		}
		if r.ExitCode != 0 {
			return fmt.Errorf("%s: read spec: %s", name, r.Stderr)
		}
		return json.Unmarshal([]byte(r.Stdout), v)
	}
	// Each node's spec is one exec: they run side by side.
	var (
		az   contract.AzureSpec
		rs   contract.RadiusSpec
		wg   sync.WaitGroup
		errs = make([]error, 4)
	)
	for i, r := range []struct {
		node string
		v    any
	}{{OnpremGW, &l.onprem}, {P2SClient, &l.p2s}, {AzureGW, &az}, {Radius, &rs}} {
		if r.node != OnpremGW && r.node != AzureGW && l.nodes[r.node] == nil {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = read(r.node, r.v) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	l.radius = radiusOf(rs) // nil without a RADIUS server
	return l.setAzure(az)
}

func (l *Lab) setAzure(az contract.AzureSpec) error {
	if az.API != nil {
		l.apiCA = az.API.CAPEM
	}
	l.identity = az.Identity
	gs, err := contract.AzureGatewaySpec(az)
	if err != nil {
		return err
	}
	l.azure = gs
	l.Model = az.Model
	l.Model.Connection.SharedKey = ""
	return nil
}

// LoadedConns lists the connections a gateway's charon has loaded (vici
// list-conns): what it runs now, including an operator's own reload.
func (l *Lab) LoadedConns(ctx context.Context, nodeName string) ([]swan.LoadedConn, error) {
	s, err := l.vici(ctx, nodeName)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return swan.ListConns(ctx, s)
}
