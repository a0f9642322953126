package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/swan"
)

const nodeAPIPort = contract.APIPort

// GatewayStatus is what one VPN gateway reports through vici and GoBGP.
type GatewayStatus struct {
	Node    string           `json:"node"`
	SAs     []swan.IKESA     `json:"ike_sas"`
	Peers   []bgp.PeerStatus `json:"bgp_peers"`
	Learned []bgp.Route      `json:"bgp_learned"`
	// P2SUsers counts the point-to-site users this instance holds an
	// installed SA with (an Azure instance; shown apart from SAs).
	P2SUsers int      `json:"p2s_users,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// TunnelUp reports whether an IKE SA is established with an installed CHILD_SA.
func (g GatewayStatus) TunnelUp() bool {
	for _, sa := range g.SAs {
		if sa.Installed() {
			return true
		}
	}
	return false
}

// BGPUp reports whether every BGP peer is established and sent routes.
func (g GatewayStatus) BGPUp() bool {
	if len(g.Peers) == 0 {
		return false
	}
	for _, p := range g.Peers {
		if !p.Established() || p.Received == 0 {
			return false
		}
	}
	return true
}

// AzureView is the fake gateway as its Azure-like API shows it.
type AzureView struct {
	ConnectionStatus string `json:"connectionStatus"`
	// Tunnels is tunnelConnectionStatus: one tunnel per instance in active-active.
	Tunnels      []azure.TunnelConnectionHealth `json:"tunnelConnectionStatus,omitempty"`
	IngressBytes uint64                         `json:"ingressBytesTransferred"`
	EgressBytes  uint64                         `json:"egressBytesTransferred"`
	BgpPeers     []azure.BgpPeerStatus          `json:"bgpPeers"`
	TunnelLog    []azure.LogRecord              `json:"tunnelDiagnosticLog"`
	// P2SSessions are the gateway's point-to-site sessions (read only
	// when the lab has a point-to-site client).
	P2SSessions []azure.VpnClientConnectionHealthDetail `json:"p2sSessions,omitempty"`
	Errors      []string                                `json:"errors,omitempty"`
}

// Status is the whole lab at one moment.
type Status struct {
	Lab    string        `json:"lab"`
	Onprem GatewayStatus `json:"onprem"`
	Azure  GatewayStatus `json:"azure"`
	// AzureIN1 is the second instance of an active-active gateway (Azure
	// is then IN_0); in active-standby Azure is the active instance.
	AzureIN1 *GatewayStatus              `json:"azure_in1,omitempty"`
	P2S      *GatewayStatus              `json:"p2s_client,omitempty"`
	API      AzureView                   `json:"azure_api"`
	Env      *Env                        `json:"env,omitempty"` // what your own Azure tools need (lab env)
	Router   map[string]contract.Counter `json:"router_counters"`
	Errors   []string                    `json:"errors,omitempty"`
	Elapsed  time.Duration               `json:"-"`
	// StaticRouting: the device runs no BGP, so health needs none.
	StaticRouting bool `json:"static_routing,omitempty"`
}

// Healthy reports whether the tunnel, BGP and the Azure view are all up.
func (s Status) Healthy() bool {
	if s.AzureIN1 != nil && !(s.AzureIN1.TunnelUp() && (s.StaticRouting || s.AzureIN1.BGPUp())) {
		return false
	}
	bgpOK := s.StaticRouting || (s.Onprem.BGPUp() && s.Azure.BGPUp())
	return s.Onprem.TunnelUp() && s.Azure.TunnelUp() && bgpOK &&
		s.API.ConnectionStatus == "Connected" && s.p2sUp()
}

// p2sUp reports whether the point-to-site client (if any) is connected:
// its SA is installed and an Azure instance in service holds one too. A
// client keeps the SA of an instance that went away (a failover) until
// its dead peer detection gives up, tens of seconds later.
func (s Status) p2sUp() bool {
	if s.P2S == nil {
		return true
	}
	held := s.Azure.P2SUsers > 0 || (s.AzureIN1 != nil && s.AzureIN1.P2SUsers > 0)
	return s.P2S.TunnelUp() && held
}

// Status reads every gateway, the Azure API and the router.
func (l *Lab) Status(ctx context.Context) Status {
	start := time.Now()
	s := l.health(ctx)
	l.azureDetail(ctx, &s.API)
	if c, err := l.RouterCounters(ctx); err != nil {
		s.Errors = append(s.Errors, err.Error())
	} else {
		s.Router = c
	}
	s.Elapsed = time.Since(start)
	return s
}

// health reads only what Healthy judges: both gateways, the connection's
// status and the P2S client. Wait polls it; Status adds the rest.
func (l *Lab) health(ctx context.Context) Status {
	s := Status{Lab: l.id, StaticRouting: l.onprem.BGP == nil}
	s.Onprem = l.gatewayStatus(ctx, OnpremGW)
	if l.Model.Gateway.ActiveActive {
		s.Azure = l.gatewayStatus(ctx, AzureGW)
		in1 := l.gatewayStatus(ctx, AzureGW1)
		s.AzureIN1 = &in1
	} else {
		// A reset through the API may have switched instances.
		if err := l.findActive(ctx); err != nil {
			s.Errors = append(s.Errors, err.Error())
		}
		s.Azure = l.gatewayStatus(ctx, l.active)
	}
	s.API = l.azureConnection(ctx)
	if e, err := l.Env(); err == nil {
		s.Env = &e
	}
	if l.nodes[P2SClient] != nil {
		p := GatewayStatus{Node: P2SClient}
		sas, err := l.SAs(ctx, P2SClient)
		if err != nil {
			p.Errors = append(p.Errors, err.Error())
		}
		p.SAs = sas
		s.P2S = &p
	}
	return s
}

func (l *Lab) gatewayStatus(ctx context.Context, name string) GatewayStatus {
	g := GatewayStatus{Node: name}
	fail := func(err error) { g.Errors = append(g.Errors, err.Error()) }
	sas, err := l.SAs(ctx, name)
	if err != nil {
		fail(err)
	}
	for _, sa := range sas {
		switch {
		case sa.Conn != contract.P2SConnName: // point-to-site users are shown apart
			g.SAs = append(g.SAs, sa)
		case sa.Installed():
			g.P2SUsers++
		}
	}
	c, err := l.BGP(name)
	if err != nil {
		fail(err)
		return g
	}
	defer c.Close()
	if g.Peers, err = c.Peers(ctx); err != nil {
		fail(err)
	}
	for _, p := range g.Peers {
		rs, err := c.Learned(ctx, p.Neighbor)
		if err != nil {
			fail(err)
		}
		g.Learned = append(g.Learned, rs...)
	}
	return g
}

// SAs lists a gateway's IKE SAs over vici.
func (l *Lab) SAs(ctx context.Context, name string) ([]swan.IKESA, error) {
	n := l.nodes[name]
	if n == nil {
		return nil, fmt.Errorf("no node %s", name)
	}
	addr, err := n.Addr(swan.ViciPort)
	if err != nil {
		return nil, err
	}
	s, err := swan.Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return swan.ListSAs(ctx, s)
}

// BGP connects to a gateway's speaker over gRPC.
func (l *Lab) BGP(name string) (*bgp.Client, error) {
	n := l.nodes[name]
	if n == nil {
		return nil, fmt.Errorf("no node %s", name)
	}
	addr, err := n.Addr(bgp.GRPCPort)
	if err != nil {
		return nil, err
	}
	return bgp.Dial(addr)
}

// azureConnection reads the connection resource.
func (l *Lab) azureConnection(ctx context.Context) AzureView {
	var v AzureView
	a, err := l.AzureAPI()
	if err != nil {
		v.Errors = append(v.Errors, err.Error())
		return v
	}
	if c, err := a.Connection(ctx); err != nil {
		v.Errors = append(v.Errors, err.Error())
	} else {
		v.ConnectionStatus = c.Properties.ConnectionStatus
		v.Tunnels = c.Properties.Tunnels
		v.IngressBytes, v.EgressBytes = c.Properties.IngressBytesTransferred, c.Properties.EgressBytesTransferred
	}
	return v
}

// azureDetail adds BGP peers and the tunnel log to the Azure view.
func (l *Lab) azureDetail(ctx context.Context, v *AzureView) {
	a, err := l.AzureAPI()
	if err != nil {
		return // azureConnection recorded it
	}
	if v.BgpPeers, err = a.BgpPeers(ctx); err != nil {
		v.Errors = append(v.Errors, err.Error())
	}
	if v.TunnelLog, err = l.AzureLogs(ctx, "TunnelDiagnosticLog"); err != nil {
		v.Errors = append(v.Errors, err.Error())
	}
	if l.nodes[P2SClient] != nil {
		if v.P2SSessions, err = a.P2SSessions(ctx); err != nil {
			v.Errors = append(v.Errors, err.Error())
		}
	}
}

// RouterCounters reads what the internet router forwarded, per class.
func (l *Lab) RouterCounters(ctx context.Context) (map[string]contract.Counter, error) {
	r, err := l.Exec(ctx, Internet, "vpnlab-node", "counters")
	if err != nil {
		return nil, err
	}
	if r.ExitCode != 0 {
		return nil, fmt.Errorf("router counters: exit %d: %s", r.ExitCode, r.Stderr)
	}
	var c map[string]contract.Counter
	if err := json.Unmarshal([]byte(r.Stdout), &c); err != nil {
		return nil, fmt.Errorf("router counters: %w", err)
	}
	return c, nil
}

// Timings are the bring-up milestones Wait observed.
type Timings struct {
	Up       time.Duration // StartHealthy: the containers ran their roles (Wait's times count from then)
	TunnelUp time.Duration // both ends have an installed CHILD_SA
	BGPUp    time.Duration // both speakers established, routes exchanged
	Healthy  time.Duration // and the Azure API reports Connected
}

// Wait polls until the lab is healthy or ctx ends; it returns when each
// milestone was first seen, measured from the call.
func (l *Lab) Wait(ctx context.Context) (Timings, Status, error) {
	start := time.Now()
	var t Timings
	for {
		s := l.health(ctx)
		if t.TunnelUp == 0 && s.Onprem.TunnelUp() && s.Azure.TunnelUp() {
			t.TunnelUp = time.Since(start)
		}
		if t.BGPUp == 0 && s.Onprem.BGPUp() && s.Azure.BGPUp() {
			t.BGPUp = time.Since(start)
		}
		if s.Healthy() {
			t.Healthy = time.Since(start)
			return t, s, nil
		}
		select {
		case <-ctx.Done():
			return t, s, errors.Join(errors.New("lab did not become healthy"), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// BGPPeers reads a node's BGP sessions through GoBGP's API.
func (l *Lab) BGPPeers(ctx context.Context, name string) ([]bgp.PeerStatus, error) {
	c, err := l.BGP(name)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Peers(ctx)
}

// AzureConnection reads the connection resource through the Azure-like API.
func (l *Lab) AzureConnection(ctx context.Context) (ConnectionView, error) {
	a, err := l.AzureAPI()
	if err != nil {
		return ConnectionView{}, err
	}
	return a.Connection(ctx)
}

// AzureBGPPeers reads getBgpPeerStatus through the Azure-like API.
func (l *Lab) AzureBGPPeers(ctx context.Context) ([]azure.BgpPeerStatus, error) {
	a, err := l.AzureAPI()
	if err != nil {
		return nil, err
	}
	return a.BgpPeers(ctx)
}

// AzureModel is the Azure model the lab was configured with (no shared key).
func (l *Lab) AzureModel() azure.Model { return l.Model }

// OnpremLAN is the on-prem LAN's prefixes, as the device profile has them.
func (l *Lab) OnpremLAN() []string { return l.Profile.LAN }

// StartHealthy is the one way to bring a lab up and wait until it is
// healthy: Start, then Wait for at most the healthy timeout (60 s, or
// WithHealthyTimeout). Like Start it returns the partial lab with its
// error, which the caller closes (Close accepts nil).
func StartHealthy(ctx context.Context, opts ...Option) (*Lab, Timings, Status, error) {
	start := time.Now()
	l, err := Start(ctx, opts...)
	if err != nil {
		return l, Timings{}, Status{}, err
	}
	up := time.Since(start)
	wctx, cancel := context.WithTimeout(ctx, l.healthyTimeout)
	defer cancel()
	t, st, err := l.Wait(wctx)
	t.Up = up
	return l, t, st, err
}
