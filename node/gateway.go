package node

import (
	"cmp"
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
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/swan"
)

// TunnelEvent is what a gateway observes of its tunnel, passed to hooks.
type TunnelEvent struct {
	Kind       string // "ike-up", "ike-down", "child-up", "child-down", "log"
	Conn       string
	RemoteHost string
	LocalHost  string
	State      string
	Message    string // log events: charon's text
	Group      string // log events: charon's log group (IKE, CFG, ...)
	SA         string // log events: the IKE SA's unique id, if any
	RemoteID   string
	RemoteVIP  string
	Level      int
}

// gateway is a running VPN gateway: charon, the speaker and their routes.
type gateway struct {
	spec    contract.GatewaySpec
	log     *slog.Logger
	charon  *swan.Charon
	speaker *bgp.Speaker
	onEvent func(TunnelEvent)

	mu     sync.Mutex
	routes map[string]bool // prefixes this gateway routed into the tunnel from BGP

	conf swan.ConfOptions // strongswan.conf as written (rewritten when the RADIUS server changes)

	resetMu   sync.Mutex  // one BGP session reset at a time
	rebooting atomic.Bool // an Azure instance's reset is under way
}

// startGateway brings the gateway up; onEvent (may be nil) sees tunnel events.
func startGateway(ctx context.Context, spec contract.GatewaySpec, log *slog.Logger, onEvent func(TunnelEvent)) (*gateway, error) {
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
	g.conf = swan.ConfOptions{
		LogFile: "/var/log/vpnlab/charon.log", RetransmitTries: spec.RetransmitTries, RetransmitTimeout: spec.RetransmitTimeout,
		Radius: radiusServer(spec.Radius), EAPClient: spec.EAP != nil, OCSP: spec.OCSP,
	}
	ch, err := swan.StartCharon(ctx, charonConf, swan.Conf(g.conf), os.Stderr)
	if err != nil {
		return nil, err
	}
	g.charon = ch
	if err := waitLink(ctx, contract.TunnelIf, 10*time.Second); err != nil {
		return nil, err
	}
	mtu := cmp.Or(spec.TunnelMTU, contract.DefaultTunnelMTU)
	if err := setTunnel(ctx, mtu, spec.MSSClamp); err != nil {
		return nil, err
	}
	for _, p := range spec.TunnelRoutes {
		if err := g.routeIntoTunnel(ctx, p); err != nil {
			return nil, err
		}
	}
	if len(spec.Pools) > 0 {
		if err := routePools(ctx, spec.Pools); err != nil {
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

// charonConf is where a node's strongswan.conf is written.
const charonConf = "/etc/vpnlab/strongswan.conf"

// radiusServer is eap-radius's server: a point-to-site client gives up
// after about 7 s (3 retransmits from 1 s), so the gateway waits for RADIUS
// about 3.4 s (2 retransmits from 1 s) and answers the client in time.
func radiusServer(r *contract.RadiusServer) *swan.RadiusServer {
	if r == nil {
		return nil
	}
	return &swan.RadiusServer{Address: r.Address, Secret: r.Secret, Tries: 2, Timeout: 1}
}

// setRadius rewrites strongswan.conf with another RADIUS server and has
// charon reload it (eap-radius re-reads its servers).
func (g *gateway) setRadius(ctx context.Context, s *vici.Session, r *contract.RadiusServer) error {
	g.conf.Radius = radiusServer(r)
	if err := os.WriteFile(charonConf, []byte(swan.Conf(g.conf)), 0o600); err != nil {
		return fmt.Errorf("charon config: %w", err)
	}
	return swan.ReloadSettings(ctx, s)
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
	conns := append([]contract.ExtraConn{{Conn: g.spec.Conn, PrivateKey: g.spec.PrivateKey}}, g.spec.Extra...)
	for _, ec := range conns {
		c := ec.Conn
		switch {
		case c.LocalEAP != "" && g.spec.EAP != nil:
			if err := swan.LoadEAPSecret(ctx, s, "eap-"+c.Name, g.spec.EAP.ID, g.spec.EAP.Password); err != nil {
				return err
			}
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
	g.writeDeviceConf(conns)
	return nil
}

// writeDeviceConf keeps the loaded connections in swanctl.conf form where
// the gateway's operator edits them (swan.DeviceConf); a gateway with
// certificate connections has none.
func (g *gateway) writeDeviceConf(conns []contract.ExtraConn) {
	var cs []swan.Conn
	for _, ec := range conns {
		cs = append(cs, ec.Conn)
	}
	text, err := swan.Swanctl(cs...)
	if err != nil {
		return
	}
	if err := os.WriteFile(swan.DeviceConf, []byte(text), 0o644); err != nil {
		g.log.Warn("device config not written", "source", "node", "err", err)
	}
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
		if err := ip(ctx, "addr", "replace", vip+"/32", "dev", contract.TunnelIf); err != nil {
			g.log.Warn("virtual ip", "source", "node", "err", err)
			return
		}
		for _, p := range g.spec.VIPRoutes {
			if err := ip(ctx, "route", "replace", p, "dev", contract.TunnelIf, "src", vip); err != nil {
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
			Group: str(m.Get("group")), Level: lvl, SA: str(m.Get("ikesa-uniqueid"))}
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
			if neighbor := g.neighborThrough(conn); te.Kind == "ike-down" && neighbor != "" && te.State != "CONNECTING" {
				// The tunnel went down: so does the BGP session over it
				// (an IKE SA that never was established carried none).
				go g.resetSession(neighbor, time.Now())
			}
			g.onEvent(te)
		}
	}
}

// resetSession tears down the BGP session with neighbor that rode a tunnel
// which went down at down, unless it is down already (two IKE SAs of one
// connection deleted together: both sides had initiated), the session
// established is a newer one, over the tunnel that replaced it (a busy
// machine runs this late: a device that re-establishes starts a new IKE SA
// while the old one is deleted), or the gateway is rebooting (it resets its
// sessions itself once its tunnels are gone: a Cease received through a
// remaining tunnel makes GoBGP hold the peer idle 5 s, a local reset 1 s).
func (g *gateway) resetSession(neighbor string, down time.Time) {
	if g.rebooting.Load() {
		return
	}
	g.resetMu.Lock()
	defer g.resetMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	peers, err := g.speaker.Peers(ctx)
	if err == nil && !rodeTunnel(peers, neighbor, time.Since(down)) {
		return
	}
	if err := g.speaker.ResetNeighbor(ctx, neighbor, "tunnel down"); err != nil {
		g.log.Warn("bgp reset", "source", "node", "err", err)
	}
}

// rodeTunnel reports whether peers have an established session with
// neighbor that may have ridden a tunnel that went down ago: one that came
// up since is not (Uptime is in whole seconds, so a session counts as
// newer only when it is younger by more than a second).
func rodeTunnel(peers []bgp.PeerStatus, neighbor string, ago time.Duration) bool {
	return slices.ContainsFunc(peers, func(p bgp.PeerStatus) bool {
		return p.Neighbor == neighbor && p.Established() && p.Uptime+time.Second > ago
	})
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
			if err := ip(ctx, "route", "del", r.Prefix, "dev", contract.TunnelIf); err != nil {
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
	return ip(ctx, "route", "replace", prefix, "dev", contract.TunnelIf)
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

func (g *gateway) stop() {
	if g.speaker != nil {
		g.speaker.Stop()
	}
}
