package azure

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// ForwardedHeader marks an ARM request a standby instance passed on to the
// active one; an instance never passes such a request on again, so two
// instances that both believe they are standby cannot loop.
const ForwardedHeader = "X-Vpnlab-Forwarded-By"

// WithForward sets where a standby instance sends the ARM requests it does
// not own: the active instance's API, so that a client keeps one endpoint
// across failovers, as Azure Resource Manager is one endpoint whatever
// instance is primary. An operation this instance started (a reset that
// made it standby, say) is still answered here. Default: none, a standby
// answers for itself.
func WithForward(h http.Handler) Option {
	return optionFunc(func(g *Gateway) { g.forward = h })
}

// InstanceView is what one instance of an active-active gateway knows
// that the gateway's API shows for both: its tunnels, its BGP peers and the
// routes it learned and advertises.
type InstanceView struct {
	Tunnels    []TunnelConnectionHealth `json:"tunnels"`
	BgpPeers   []BgpPeerStatus          `json:"bgpPeers"`
	Learned    []GatewayRoute           `json:"learnedRoutes"`
	Advertised []GatewayRoute           `json:"advertisedRoutes"`
	// P2SSessions are the point-to-site sessions the instance holds.
	P2SSessions []VpnClientConnectionHealthDetail `json:"p2sSessions,omitempty"`
}

// View returns this instance's own view.
func (g *Gateway) View() InstanceView {
	return InstanceView{Tunnels: g.Status().Tunnels, BgpPeers: g.BgpPeers(), Learned: g.LearnedRoutes(),
		Advertised: g.AdvertisedRoutes(), P2SSessions: g.P2SSessions()}
}

// WithPeerView sets how an instance of an active-active gateway reads the
// other instance's view, so that the API shows every tunnel
// (tunnelConnectionStatus), every BGP session and every learned route, as
// Azure's does. Default: none, an instance shows its own.
func WithPeerView(f func(ctx context.Context) (InstanceView, error)) Option {
	return optionFunc(func(g *Gateway) { g.peerView = f })
}

// otherView reads the other instance's view in active-active; ok is false
// otherwise.
func (g *Gateway) otherView(ctx context.Context, m Model) (v InstanceView, ok bool, err error) {
	if !m.Gateway.ActiveActive || g.peerView == nil {
		return InstanceView{}, false, nil
	}
	v, err = g.peerView(ctx)
	return v, true, err
}

// connectionStatus is the connection's status as the API shows it: in
// active-active, the tunnels of both instances, the connection Connected
// while either is, the byte counters summed.
func (g *Gateway) connectionStatus(ctx context.Context, m Model) ConnectionStatus {
	st := g.Status()
	v, ok, err := g.otherView(ctx, m)
	if !ok {
		return st
	}
	other := v.Tunnels
	if err != nil {
		// The other instance does not answer: its tunnel is not connected.
		other = []TunnelConnectionHealth{{Tunnel: m.Connection.Name + "_" + otherPublicIP(m, g.instance), ConnectionStatus: StatusNotConnected}}
	}
	st.Tunnels = append(st.Tunnels, other...)
	slices.SortFunc(st.Tunnels, func(a, b TunnelConnectionHealth) int { return strings.Compare(a.Tunnel, b.Tunnel) })
	st.IngressBytesTransferred, st.EgressBytesTransferred = 0, 0
	rank := map[string]int{StatusUnknown: 0, StatusNotConnected: 1, StatusConnecting: 2, StatusConnected: 3}
	best := StatusUnknown
	for _, t := range st.Tunnels {
		st.IngressBytesTransferred += t.IngressBytesTransferred
		st.EgressBytesTransferred += t.EgressBytesTransferred
		if rank[t.ConnectionStatus] > rank[best] {
			best = t.ConnectionStatus
		}
	}
	st.Status = best
	return st
}

func otherPublicIP(m Model, instance string) string {
	for _, ip := range m.Gateway.PublicIPs() {
		if ip != m.Gateway.PublicIPOf(instance) {
			return ip
		}
	}
	return m.Gateway.PublicIP
}

// Active reports whether this instance is the active one.
func (g *Gateway) Active() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.active
}

// forwards reports whether the ARM request, split into seg, goes to the
// other instance: everything while this one is standby, except the
// operations it started itself, and, while active, the operations the
// other one started (a reset through a standby's endpoint, say).
func (a *api) forwards(r *http.Request, seg []string) bool {
	if a.g.forward == nil || r.Header.Get(ForwardedHeader) != "" {
		return false
	}
	if id, ok := operationIn(seg); ok {
		_, known := a.g.ops.get(id)
		return !known
	}
	return !a.g.Active()
}

// operationIn finds the operation an ARM path names:
// .../locations/{l}/operations/{id}, .../locations/{l}/operationResults/{id}
// or .../networkWatchers/{nw}/troubleshoot/{id}/files.
func operationIn(seg []string) (string, bool) {
	for i := 0; i+1 < len(seg); i++ {
		switch {
		case i >= 2 && strings.EqualFold(seg[i-2], "locations") &&
			(strings.EqualFold(seg[i], "operations") || strings.EqualFold(seg[i], "operationResults")):
			return seg[i+1], true
		case strings.EqualFold(seg[i], "troubleshoot") && i+2 < len(seg) && strings.EqualFold(seg[i+2], "files"):
			return seg[i+1], true
		}
	}
	return "", false
}

// Replicate makes m this instance's model, as Azure's control plane keeps
// both instances of a gateway configured alike: the change is applied
// through the Reconfigurer and committed without a log record (the
// instance that took the change logged it). A model that does not validate
// is refused.
func (g *Gateway) Replicate(ctx context.Context, m Model) error {
	if err := m.Validate(); err != nil {
		return err
	}
	g.cfg.Lock()
	defer g.cfg.Unlock()
	old := g.Model()
	if err := g.reconf.Apply(ctx, old.clone(), m.clone()); err != nil {
		return g.applyFailed(err, m.Connection.SharedKey)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.model = m.clone()
	g.rememberKeyLocked(m.Connection.SharedKey)
	return nil
}
