package azure

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// BGP peer states (BgpPeerStatus.State).
const (
	BgpStateUnknown    = "Unknown"
	BgpStateStopped    = "Stopped"
	BgpStateIdle       = "Idle"
	BgpStateConnecting = "Connecting"
	BgpStateConnected  = "Connected"
)

// BgpPeerStatus is one BGP peer as getBgpPeerStatus reports it.
type BgpPeerStatus struct {
	LocalAddress      string `json:"localAddress"`
	Neighbor          string `json:"neighbor"`
	Asn               uint32 `json:"asn"`
	State             string `json:"state"`             // Unknown|Stopped|Idle|Connecting|Connected
	ConnectedDuration string `json:"connectedDuration"` // .NET TimeSpan, see [ConnectedDuration]
	RoutesReceived    int64  `json:"routesReceived"`
	MessagesSent      int64  `json:"messagesSent"`
	MessagesReceived  int64  `json:"messagesReceived"`
}

// GatewayRoute is one route as getLearnedRoutes and getAdvertisedRoutes
// report it.
type GatewayRoute struct {
	LocalAddress string `json:"localAddress"`
	Network      string `json:"network"`
	NextHop      string `json:"nextHop"`
	SourcePeer   string `json:"sourcePeer"`
	Origin       string `json:"origin"` // Network|IBgp|EBgp|Igp
	AsPath       string `json:"asPath"` // e.g. "65020" or "12076-65020"
	Weight       int    `json:"weight"` // e.g. 32768
}

// ConnectedDuration formats d the way Azure writes a BGP peer's
// connectedDuration, a .NET TimeSpan: "[d.]hh:mm:ss[.fffffff]",
// e.g. "9.01:04:53.5768637".
func ConnectedDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	s := d / time.Second
	ticks := (d - s*time.Second) / 100 // .NET ticks are 100 ns
	out := fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	if days > 0 {
		out = fmt.Sprintf("%d.%s", days, out)
	}
	if ticks > 0 {
		out = fmt.Sprintf("%s.%07d", out, ticks)
	}
	return out
}

// SetBgpPeer records the status of the BGP peer p.Neighbor (an empty State
// means Unknown). A change to Connected writes a BgpConnectedEvent record,
// a change from Connected a BgpDisconnectedEvent record.
func (g *Gateway) SetBgpPeer(p BgpPeerStatus) {
	if p.State == "" {
		p.State = BgpStateUnknown
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	was := g.peers[p.Neighbor].State
	g.peers[p.Neighbor] = p
	switch {
	case p.State == BgpStateConnected && was != BgpStateConnected:
		g.logLocked(LogRecord{
			Category:      CategoryRoute,
			OperationName: OperationBgpConnectedEvent,
			Level:         LevelInformational,
			Message: fmt.Sprintf("BGP peer %s (AS %d) connected, local address %s",
				p.Neighbor, p.Asn, p.LocalAddress),
		})
	case was == BgpStateConnected && p.State != BgpStateConnected:
		g.logLocked(LogRecord{
			Category:      CategoryRoute,
			OperationName: OperationBgpDisconnectedEvent,
			Level:         LevelWarning,
			Message: fmt.Sprintf("BGP peer %s (AS %d) disconnected, state %s, local address %s",
				p.Neighbor, p.Asn, p.State, p.LocalAddress),
		})
	}
}

// BgpPeers returns the BGP peers sorted by neighbor address. The local
// network gateway's peer is listed with state Unknown until the speaker
// reports it, as Azure lists configured peers.
func (g *Gateway) BgpPeers() []BgpPeerStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.bgpPeersLocked()
}

func (g *Gateway) bgpPeersLocked() []BgpPeerStatus {
	peers := make([]BgpPeerStatus, 0, len(g.peers)+1)
	for _, p := range g.peers {
		peers = append(peers, p)
	}
	lng := g.model.LocalGateway
	if _, ok := g.peers[lng.BgpPeeringAddress]; !ok && g.model.Connection.EnableBgp && lng.BgpPeeringAddress != "" {
		peers = append(peers, BgpPeerStatus{
			LocalAddress: g.localBgpAddress(lng.BgpPeeringAddress),
			Neighbor:     lng.BgpPeeringAddress,
			Asn:          lng.Asn,
			State:        BgpStateUnknown,
		})
	}
	slices.SortFunc(peers, func(a, b BgpPeerStatus) int { return cmp.Compare(a.Neighbor, b.Neighbor) })
	return peers
}

// localBgpAddress is the gateway address that peers with neighbor: the
// instance's custom APIPA address for an APIPA neighbor, else the default one.
func (g *Gateway) localBgpAddress(neighbor string) string {
	gw := g.model.Gateway
	if a, err := netip.ParseAddr(neighbor); err == nil && a.IsLinkLocalUnicast() && len(gw.CustomBgpIPAddresses) > 0 {
		return gw.CustomBgpIPOf(g.instance)
	}
	return gw.BgpPeeringAddress
}

// SetRoutes replaces the learned and advertised routes. Each learned route
// that appears or disappears writes a BgpRouteUpdate record.
func (g *Gateway) SetRoutes(learned, advertised []GatewayRoute) {
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.learned
	g.learned = slices.Clone(learned)
	g.advertised = slices.Clone(advertised)
	was, is := routeSet(old), routeSet(learned)
	for _, r := range old {
		if !is[r] {
			g.logRouteLocked("withdrawn", r)
			is[r] = true // log a duplicated route once
		}
	}
	for _, r := range learned {
		if !was[r] {
			g.logRouteLocked("learned", r)
			was[r] = true // log a duplicated route once
		}
	}
}

func (g *Gateway) logRouteLocked(verb string, r GatewayRoute) {
	g.logLocked(LogRecord{
		Category:      CategoryRoute,
		OperationName: OperationBgpRouteUpdate,
		Level:         LevelInformational,
		Message: fmt.Sprintf("Route %s %s from %s: next hop %s, AS path %s, origin %s, weight %d",
			r.Network, verb, r.SourcePeer, r.NextHop, r.AsPath, r.Origin, r.Weight),
	})
}

func routeSet(routes []GatewayRoute) map[GatewayRoute]bool {
	set := make(map[GatewayRoute]bool, len(routes))
	for _, r := range routes {
		set[r] = true
	}
	return set
}

// LearnedRoutes returns the routes the gateway learned, as last set.
func (g *Gateway) LearnedRoutes() []GatewayRoute {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.learned)
}

// AdvertisedRoutes returns the routes the gateway advertises, as last set.
func (g *Gateway) AdvertisedRoutes() []GatewayRoute {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.advertised)
}
