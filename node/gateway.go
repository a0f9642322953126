package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strongswan/govici/vici"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/swan"
)

// TunnelIf is the userspace ESP device kernel-libipsec creates.
const TunnelIf = "ipsec0"

// GatewaySpec is everything a VPN gateway node is configured with.
type GatewaySpec struct {
	Conn      swan.Conn `json:"conn"`
	SharedKey string    `json:"shared_key,omitempty"`
	// PrivateKey (PEM) authenticates Conn when it uses a certificate.
	PrivateKey string `json:"private_key,omitempty"`
	// Extra connections (the point-to-site side of a gateway) and the
	// virtual IP pools they hand out.
	Extra []ExtraConn `json:"extra,omitempty"`
	Pools []Pool      `json:"pools,omitempty"`
	// VIPRoutes are routed into the tunnel from the virtual IP Conn is
	// given (a point-to-site client).
	VIPRoutes []string    `json:"vip_routes,omitempty"`
	BGP       *bgp.Config `json:"bgp,omitempty"`
	// TunnelRoutes are prefixes routed into the tunnel whatever BGP says
	// (static routes; Azure's local network gateway address space).
	TunnelRoutes []string `json:"tunnel_routes,omitempty"`
	// WANRoutes reach the peer's public address through the internet router.
	WANRoutes []Route `json:"wan_routes,omitempty"`
	// Loopback addresses (the BGP APIPA address) on lo.
	Loopback  []string `json:"loopback,omitempty"`
	TunnelMTU int      `json:"tunnel_mtu,omitempty"`
	MSSClamp  int      `json:"mss_clamp,omitempty"`
	// Retransmit bounds charon's dead-peer detection (0 = strongSwan's defaults).
	RetransmitTries   int     `json:"retransmit_tries,omitempty"`
	RetransmitTimeout float64 `json:"retransmit_timeout,omitempty"`
}

// ExtraConn is a further connection with its own key: the point-to-site
// side of a gateway, or a device's tunnel to the second instance of an
// active-active gateway (a pre-shared key and a BGP neighbour through it).
type ExtraConn struct {
	Conn       swan.Conn `json:"conn"`
	PrivateKey string    `json:"private_key,omitempty"`
	SharedKey  string    `json:"shared_key,omitempty"`
	BGPPeer    string    `json:"bgp_peer,omitempty"`
}

// Pool is a virtual IP address pool.
type Pool struct {
	Name  string `json:"name"`
	Addrs string `json:"addrs"`
}

// Route is a prefix and its next hop.
type Route struct {
	Prefix string `json:"prefix"`
	Via    string `json:"via"`
}

// TunnelEvent is what a gateway observes of its tunnel, passed to hooks.
type TunnelEvent struct {
	Kind       string // "ike-up", "ike-down", "child-up", "child-down", "log"
	Conn       string
	RemoteHost string
	LocalHost  string
	State      string
	Message    string // log events: charon's text
	Group      string // log events: charon's log group (IKE, CFG, ...)
	RemoteID   string
	RemoteVIP  string
	Level      int
}

// gateway is a running VPN gateway: charon, the speaker and their routes.
type gateway struct {
	spec    GatewaySpec
	log     *slog.Logger
	charon  *swan.Charon
	speaker *bgp.Speaker
	onEvent func(TunnelEvent)

	mu     sync.Mutex
	routes map[string]bool // prefixes this gateway routed into the tunnel from BGP

	resetMu   sync.Mutex  // one BGP session reset at a time
	rebooting atomic.Bool // an Azure instance's reset is under way
}

// startGateway brings the gateway up; onEvent (may be nil) sees tunnel events.
func startGateway(ctx context.Context, spec GatewaySpec, log *slog.Logger, onEvent func(TunnelEvent)) (*gateway, error) {
	g := &gateway{spec: spec, log: log, onEvent: onEvent, routes: map[string]bool{}}
	if g.onEvent == nil {
		g.onEvent = func(TunnelEvent) {}
	}
	if err := isolate(ctx); err != nil {
		return nil, err
	}
	if err := g.routeWAN(ctx); err != nil {
		// A standby instance has no public interface yet: it routes on activation.
		log.Info("wan routes deferred", "source", "node", "err", err)
	}
	for _, a := range spec.Loopback {
		if err := ip(ctx, "addr", "replace", a+"/32", "dev", "lo"); err != nil {
			return nil, err
		}
	}
	conf := swan.Conf(swan.ConfOptions{
		LogFile: "/var/log/vpnlab/charon.log", RetransmitTries: spec.RetransmitTries, RetransmitTimeout: spec.RetransmitTimeout,
	})
	ch, err := swan.StartCharon(ctx, "/etc/vpnlab/strongswan.conf", conf, os.Stderr)
	if err != nil {
		return nil, err
	}
	g.charon = ch
	if err := waitLink(ctx, TunnelIf, 10*time.Second); err != nil {
		return nil, err
	}
	mtu := spec.TunnelMTU
	if mtu == 0 {
		mtu = 1400
	}
	if err := ip(ctx, "link", "set", TunnelIf, "mtu", strconv.Itoa(mtu), "up"); err != nil {
		return nil, err
	}
	if spec.MSSClamp > 0 {
		if err := g.clampMSS(ctx, spec.MSSClamp); err != nil {
			return nil, err
		}
	}
	for _, p := range spec.TunnelRoutes {
		if err := g.routeIntoTunnel(ctx, p); err != nil {
			return nil, err
		}
	}
	if spec.BGP != nil {
		for _, p := range append([]bgp.Peer{spec.BGP.Peer}, spec.BGP.ExtraPeers...) {
			if err := g.routeIntoTunnel(ctx, p.Address+"/32"); err != nil {
				return nil, err
			}
		}
	}

	// Events first, so that nothing charon does after loading is missed.
	if err := g.watchCharon(ctx); err != nil {
		return nil, err
	}
	if err := g.loadConn(ctx); err != nil {
		return nil, err
	}
	if spec.BGP != nil {
		sp, err := bgp.Start(ctx, *spec.BGP, log)
		if err != nil {
			return nil, err
		}
		g.speaker = sp
		if err := sp.WatchBest(ctx, g.bestChanged); err != nil {
			return nil, fmt.Errorf("watch bgp: %w", err)
		}
		if err := sp.WatchPeers(ctx, func(p bgp.PeerStatus) {
			log.Info("bgp peer state", "source", "bgp", "neighbor", p.Neighbor, "state", p.State, "peer_asn", p.PeerASN)
		}); err != nil {
			return nil, fmt.Errorf("watch bgp peers: %w", err)
		}
	}
	return g, nil
}

// loadConn loads the shared key and the connection into charon.
func (g *gateway) loadConn(ctx context.Context) error {
	s, err := localVici(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, p := range g.spec.Pools {
		if err := swan.LoadPool(ctx, s, p.Name, p.Addrs); err != nil {
			return err
		}
	}
	conns := append([]ExtraConn{{Conn: g.spec.Conn, PrivateKey: g.spec.PrivateKey}}, g.spec.Extra...)
	for _, ec := range conns {
		c := ec.Conn
		switch {
		case c.LocalCert != "":
			if err := swan.LoadKey(ctx, s, ec.PrivateKey); err != nil {
				return err
			}
		case ec.Conn.Name == g.spec.Conn.Name || ec.SharedKey != "":
			owners := []string{c.LocalID}
			if c.RemoteID != "" {
				owners = append(owners, c.RemoteID)
			}
			key := g.spec.SharedKey
			if ec.SharedKey != "" {
				key = ec.SharedKey
			}
			if err := swan.LoadSharedKey(ctx, s, "psk-"+c.Name, key, owners...); err != nil {
				return err
			}
		}
		if err := swan.LoadConn(ctx, s, c); err != nil {
			return err
		}
		g.log.Info("connection loaded", "source", "node", "conn", c.Name, "initiator", c.Initiator,
			"ike_proposals", c.Proposals, "esp_proposals", c.ESPProposals)
	}
	return nil
}

// routeVIP puts the virtual IP charon was given on the tunnel interface and
// routes VIPRoutes from it (kernel-libipsec leaves that to us).
func (g *gateway) routeVIP(ctx context.Context) {
	s, err := localVici(ctx)
	if err != nil {
		return
	}
	defer s.Close()
	sas, err := swan.ListSAs(ctx, s)
	if err != nil {
		return
	}
	for _, sa := range sas {
		if sa.Conn != g.spec.Conn.Name || len(sa.LocalVIPs) == 0 {
			continue
		}
		vip := sa.LocalVIPs[0]
		if err := ip(ctx, "addr", "replace", vip+"/32", "dev", TunnelIf); err != nil {
			g.log.Warn("virtual ip", "source", "node", "err", err)
			return
		}
		for _, p := range g.spec.VIPRoutes {
			if err := ip(ctx, "route", "replace", p, "dev", TunnelIf, "src", vip); err != nil {
				g.log.Warn("virtual ip route", "source", "node", "err", err)
			}
		}
		g.log.Info("virtual ip installed", "source", "node", "vip", vip, "routes", g.spec.VIPRoutes)
	}
}

// watchCharon forwards charon's events to the log and to onEvent.
func (g *gateway) watchCharon(ctx context.Context) error {
	s, err := localVici(ctx)
	if err != nil {
		return err
	}
	if err := s.Subscribe("ike-updown", "child-updown", "log"); err != nil {
		s.Close()
		return fmt.Errorf("vici subscribe: %w", err)
	}
	events := make(chan vici.Event, 4096)
	s.NotifyEvents(events)
	go func() {
		defer s.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				g.handle(ev)
			}
		}
	}()
	return nil
}

func (g *gateway) handle(ev vici.Event) {
	m := ev.Message
	switch ev.Name {
	case "log":
		lvl, _ := strconv.Atoi(str(m.Get("level")))
		if lvl > 1 {
			return
		}
		te := TunnelEvent{Kind: "log", Conn: str(m.Get("ikesa-name")), Message: str(m.Get("msg")),
			Group: str(m.Get("group")), Level: lvl}
		g.log.Info(te.Message, "source", "charon", "group", te.Group, "level", lvl, "conn", te.Conn)
		g.onEvent(te)
	case "ike-updown", "child-updown":
		up := str(m.Get("up")) == "yes"
		for _, conn := range m.Keys() {
			sa, ok := m.Get(conn).(*vici.Message)
			if !ok {
				continue
			}
			te := TunnelEvent{Conn: conn, RemoteHost: str(sa.Get("remote-host")),
				LocalHost: str(sa.Get("local-host")), State: str(sa.Get("state"))}
			switch {
			case ev.Name == "ike-updown" && up:
				te.Kind = "ike-up"
			case ev.Name == "ike-updown":
				te.Kind = "ike-down"
			case up:
				te.Kind = "child-up"
			default:
				te.Kind = "child-down"
			}
			te.RemoteID = str(sa.Get("remote-id"))
			if v, ok := sa.Get("remote-vips").([]string); ok && len(v) > 0 {
				te.RemoteVIP = v[0]
			}
			g.log.Info(te.Kind, "source", "charon", "conn", conn, "state", te.State, "remote", te.RemoteHost)
			if te.Kind == "child-up" && len(g.spec.VIPRoutes) > 0 && conn == g.spec.Conn.Name {
				go g.routeVIP(context.Background())
			}
			if neighbor := g.neighborThrough(conn); te.Kind == "ike-down" && neighbor != "" {
				// The tunnel went down: so does the BGP session over it.
				go g.resetSession(neighbor)
			}
			g.onEvent(te)
		}
	}
}

// resetSession tears down the BGP session with neighbor unless it is down
// already (two IKE SAs of one connection deleted together: both sides had
// initiated) or the gateway is rebooting (it resets its sessions itself
// once its tunnels are gone: a Cease received through a remaining tunnel
// makes GoBGP hold the peer idle 5 s, a local reset 1 s).
func (g *gateway) resetSession(neighbor string) {
	if g.rebooting.Load() {
		return
	}
	g.resetMu.Lock()
	defer g.resetMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	peers, err := g.speaker.Peers(ctx)
	if err == nil && !slices.ContainsFunc(peers, func(p bgp.PeerStatus) bool { return p.Neighbor == neighbor && p.Established() }) {
		return
	}
	if err := g.speaker.ResetNeighbor(ctx, neighbor, "tunnel down"); err != nil {
		g.log.Warn("bgp reset", "source", "node", "err", err)
	}
}

// neighborThrough returns the BGP neighbour reached through conn, or "".
func (g *gateway) neighborThrough(conn string) string {
	if g.speaker == nil || g.spec.BGP == nil {
		return ""
	}
	if conn == g.spec.Conn.Name {
		return g.spec.BGP.Peer.Address
	}
	for _, ec := range g.spec.Extra {
		if ec.Conn.Name == conn {
			return ec.BGPPeer
		}
	}
	return ""
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// bestChanged keeps the tunnel routes in step with BGP's best paths.
func (g *gateway) bestChanged(r bgp.Route, withdrawn bool) {
	if g.speaker.IsLocal(r.NextHop) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g.mu.Lock()
	defer g.mu.Unlock()
	if withdrawn {
		if g.routes[r.Prefix] {
			delete(g.routes, r.Prefix)
			if err := ip(ctx, "route", "del", r.Prefix, "dev", TunnelIf); err != nil {
				g.log.Warn("withdraw route", "source", "node", "prefix", r.Prefix, "err", err)
			}
			g.log.Info("route withdrawn", "source", "node", "prefix", r.Prefix)
		}
		return
	}
	if err := g.routeIntoTunnel(ctx, r.Prefix); err != nil {
		g.log.Warn("install route", "source", "node", "prefix", r.Prefix, "err", err)
		return
	}
	g.routes[r.Prefix] = true
	g.log.Info("route installed", "source", "node", "prefix", r.Prefix, "next_hop", r.NextHop, "as_path", r.ASPathString())
}

// routeWAN routes the peer's public addresses through the internet router.
func (g *gateway) routeWAN(ctx context.Context) error {
	for _, r := range g.spec.WANRoutes {
		if err := ip(ctx, "route", "replace", r.Prefix, "via", r.Via); err != nil {
			return err
		}
	}
	return nil
}

func (g *gateway) routeIntoTunnel(ctx context.Context, prefix string) error {
	return ip(ctx, "route", "replace", prefix, "dev", TunnelIf)
}

func (g *gateway) clampMSS(ctx context.Context, mss int) error {
	for _, dir := range []string{"-o", "-i"} {
		if err := run(ctx, "iptables", "-t", "mangle", "-A", "FORWARD", dir, TunnelIf, "-p", "tcp",
			"--tcp-flags", "SYN,RST", "SYN", "-j", "TCPMSS", "--set-mss", strconv.Itoa(mss)); err != nil {
			return err
		}
	}
	return nil
}

// keepUp initiates the connection whenever it is down, as a device with an
// always-on tunnel does, until ctx ends.
func (g *gateway) keepUp(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := g.ensureUp(ctx); err != nil && !errors.Is(err, context.Canceled) {
			g.log.Debug("keep up", "source", "node", "err", err)
		}
	}
}

func (g *gateway) ensureUp(ctx context.Context) error {
	s, err := localVici(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	sas, err := swan.ListSAs(ctx, s)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range g.initiated() {
		if !slices.ContainsFunc(sas, func(sa swan.IKESA) bool {
			return sa.Conn == c.Name && (sa.Installed() || sa.State == "CONNECTING")
		}) {
			g.log.Info("tunnel down, initiating", "source", "node", "conn", c.Name)
			errs = append(errs, swan.Initiate(ctx, s, c.Child(), 0))
		}
	}
	return errors.Join(errs...)
}

// initiated returns the connections this gateway keeps up itself.
func (g *gateway) initiated() []swan.Conn {
	out := []swan.Conn{g.spec.Conn}
	for _, ec := range g.spec.Extra {
		if ec.Conn.Initiator {
			out = append(out, ec.Conn)
		}
	}
	return out
}

// terminate closes the main connection's IKE SAs.
func (g *gateway) terminate(ctx context.Context) error {
	s, err := localVici(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return swan.TerminateIKE(ctx, s, g.spec.Conn.Name)
}

// initiate starts the main connection without waiting for it.
func (g *gateway) initiate(ctx context.Context) error {
	s, err := localVici(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return swan.Initiate(ctx, s, g.spec.Conn.Child(), 0)
}

func (g *gateway) stop() {
	if g.speaker != nil {
		g.speaker.Stop()
	}
}
