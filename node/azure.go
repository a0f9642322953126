package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/swan"
)

// RunAzure runs one instance of the fake Azure VPN gateway.
func RunAzure(ctx context.Context, specPath string) error {
	var spec contract.AzureSpec
	if err := readSpec(specPath, &spec); err != nil {
		return err
	}
	spec.Model.Connection.SharedKey = spec.SharedKey
	if vc := spec.Model.Gateway.VpnClient; vc != nil {
		vc.RadiusServerSecret = spec.RadiusSecret
	}
	if err := spec.Model.Validate(); err != nil {
		return fmt.Errorf("azure model: %w", err)
	}
	log, closer, err := newLogger("azure-" + spec.Instance)
	if err != nil {
		return err
	}
	defer closer.Close()
	gs, err := contract.AzureGatewaySpec(spec)
	if err != nil {
		return err
	}
	rc := &reconfigurer{spec: spec}
	var pr *peer
	opts := []azure.Option{azure.WithInstance(spec.Instance), azure.WithReconfigurer(rc)}
	if spec.Peer != "" {
		pr = newPeer(spec.Peer, spec.API)
		opts = append(opts, azure.WithForward(pr.proxy(spec.Instance)), azure.WithPeerLogs(pr.logs))
	}
	if spec.Identity != nil {
		opts = append(opts, azure.WithIdentity(*spec.Identity))
	}
	aa := spec.Model.Gateway.ActiveActive
	if pr != nil && aa {
		opts = append(opts, azure.WithPeerView(pr.view))
	}
	cp := azure.New(spec.Model, opts...)
	var own, primary []string
	if aa {
		own = []string{spec.Model.Gateway.PublicIPOf(spec.Instance)}
	} else {
		primary = []string{spec.Model.Gateway.PublicIP}
	}
	if spec.VNetVIP != "" {
		primary = append(primary, spec.VNetVIP)
	}
	in := &instance{name: spec.Instance, cp: cp, own: own, primary: primary, aa: aa, peer: pr, log: log}
	cp.GatewayEvent("SetGatewayConfiguration", fmt.Sprintf("Gateway instance %s configured: %d connection(s)", spec.Instance, 1))

	t := &tracker{cp: cp, log: log, local: gs.Conn.LocalAddr, peer: gs.Conn.RemoteAddr}
	g, err := startGateway(ctx, gs, log, t.event)
	if err != nil {
		return err
	}
	defer g.stop()
	rc.g = g
	if rc.rev, err = startRevocation(ctx, spec, log); err != nil {
		return err
	}
	if rc.rev != nil {
		s, err := localVici(ctx)
		if err != nil {
			return err
		}
		err = rc.rev.apply(ctx, s, spec.Model)
		_ = s.Close()
		if err != nil {
			return err
		}
	}
	in.g, in.t = g, t
	rc.in = in
	// The addresses come last: a peer that reaches the instance finds its
	// connections loaded (not a NO_PROPOSAL_CHOSEN from a bare charon).
	if err := in.start(ctx, spec.Active, spec.Primary); err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("/", cp.Handler())
	mux.Handle("/vpnlab/instance", rc.in)
	mux.Handle("/vpnlab/model", rc.in)
	mux.Handle("/vpnlab/view", rc.in)
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(contract.APIPort))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if spec.API != nil {
		cert, err := tls.X509KeyPair([]byte(spec.API.CertPEM), []byte(spec.API.KeyPEM))
		if err != nil {
			return fmt.Errorf("api certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	cp.GatewayEvent("SetConnectionConfiguration", fmt.Sprintf("Connection %s to %s configured", spec.Model.Connection.Name, gs.Conn.RemoteAddr))
	log.Info("azure gateway ready", "source", "node", "instance", spec.Instance, "active", spec.Active, "primary", spec.Primary,
		"active_active", aa, "api_port", contract.APIPort)
	go t.poll(ctx, g)
	select {
	case <-ctx.Done():
		return nil
	case err := <-g.charon.Done():
		return fmt.Errorf("charon exited: %v", err)
	}
}

// tracker turns charon and BGP observations into the control plane's state.
type tracker struct {
	cp    *azure.Gateway
	log   *slog.Logger
	local string
	peer  string // the site-to-site peer's public address

	mu         sync.Mutex
	revokedSA  string // the IKE SA whose client certificate charon just found revoked
	lastReason string
	connected  bool
	stopReason string // set while the instance is being stopped
}

func (t *tracker) setStopReason(r string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopReason = r
}

func (t *tracker) event(e TunnelEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e.Conn == contract.P2SConnName || (e.Kind == "log" && p2sLog(e.Message)) {
		t.p2s(e)
		return
	}
	switch e.Kind {
	case "log":
		if ike := ikeMessage(e.Message); ike.text != "" {
			remote := remoteOf(e.Message, t.local)
			if remote == "" {
				remote = t.peer // charon names no address in this line: the connection's peer
			}
			t.cp.IKELog(ike.level, remote, t.local, ike.dir, ike.text)
		}
		if r := disconnectReason(e.Message); r != "" {
			t.lastReason = r
		}
		if !t.connected && strings.Contains(e.Message, "parsed IKE_SA_INIT request") {
			t.cp.TunnelConnecting(remoteOf(e.Message, t.local))
		}
	case "child-up":
		t.connected = true
		t.cp.TunnelConnected(e.RemoteHost)
	case "child-down", "ike-down":
		if t.connected {
			reason := t.lastReason
			if t.stopReason != "" {
				reason = t.stopReason
			}
			if reason == "" {
				reason = "IKE SA closed"
				if e.Kind == "child-down" {
					reason = "CHILD SA closed"
				}
			}
			t.cp.TunnelDisconnected(e.RemoteHost, reason)
			t.connected = false
			t.lastReason = ""
		}
	}
}

// p2s writes the point-to-site diagnostic log.
func (t *tracker) p2s(e TunnelEvent) {
	switch e.Kind {
	case "child-up":
		t.cp.P2SEvent(azure.LevelInformational, fmt.Sprintf("Connection successful for user %s, virtual IP %s, from %s",
			e.RemoteID, e.RemoteVIP, e.RemoteHost))
	case "ike-down":
		if e.State == "ESTABLISHED" || e.State == "DELETING" {
			t.cp.P2SEvent(azure.LevelInformational, fmt.Sprintf("Disconnected user %s from %s", e.RemoteID, e.RemoteHost))
		}
	case "log":
		r := p2sFailure(e.Message)
		if r == "" {
			return
		}
		// charon ends a revoked certificate's check with "no trusted RSA
		// public key found for <client>": the client's certificate was
		// refused for its revocation, not for its root.
		if strings.Contains(r, "client certificate is revoked") && e.SA != "" {
			t.revokedSA = e.SA
		} else if e.SA != "" && e.SA == t.revokedSA && strings.Contains(e.Message, "no trusted") {
			r = "client certificate is revoked (OCSP status revoked): " + e.Message
			t.revokedSA = ""
		}
		t.cp.P2SEvent(azure.LevelError, "Connection failed: "+r)
	}
}

// poll refreshes traffic counters, BGP peers and routes every second.
func (t *tracker) poll(ctx context.Context, g *gateway) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := t.pollOnce(ctx, g); err != nil && !errors.Is(err, context.Canceled) {
			t.log.Debug("poll", "source", "node", "err", err)
		}
	}
}

func (t *tracker) pollOnce(ctx context.Context, g *gateway) error {
	s, err := localVici(ctx)
	if err != nil {
		return err
	}
	sas, err := swan.ListSAs(ctx, s)
	s.Close()
	if err != nil {
		return err
	}
	var in, out, pin, pout uint64
	mm, qm := 0, 0
	var sessions []azure.VpnClientConnectionHealthDetail
	for _, sa := range sas {
		if sa.Conn == contract.P2SConnName {
			// The connection's counters are the site-to-site tunnel's; a
			// point-to-site user is a session (the portal's P2S sessions).
			if s, ok := p2sSession(sa); ok {
				sessions = append(sessions, s)
			}
			continue
		}
		if sa.Established() {
			mm++
		}
		for _, c := range sa.Children {
			if c.Installed() {
				qm++
				in, out, pin, pout = in+c.BytesIn, out+c.BytesOut, pin+c.PacketsIn, pout+c.PacketsOut
			}
		}
	}
	t.cp.SetTraffic(in, out, pin, pout)
	t.cp.SetSACounts(mm, qm)
	t.cp.SetP2SSessions(sessions)
	if g.speaker == nil {
		return nil
	}
	peers, err := g.speaker.Peers(ctx)
	if err != nil {
		return err
	}
	for _, p := range peers {
		t.cp.SetBgpPeer(azure.BgpPeerStatus{
			LocalAddress: g.spec.BGP.LocalAddress, Neighbor: p.Neighbor, Asn: p.PeerASN,
			State: azureBgpState(p.State), ConnectedDuration: azure.ConnectedDuration(p.Uptime),
			RoutesReceived: int64(p.Received), MessagesSent: int64(p.MessagesSent), MessagesReceived: int64(p.MessagesReceived),
		})
	}
	learned, err := g.speaker.Learned(ctx)
	if err != nil {
		return err
	}
	advertised, err := g.speaker.Advertised(ctx)
	if err != nil {
		return err
	}
	local := g.spec.BGP.LocalAddress
	conv := func(rs []bgp.Route, origin string, weight int) []azure.GatewayRoute {
		var out []azure.GatewayRoute
		for _, r := range rs {
			src := r.Peer
			if src == "" {
				src = local
			}
			out = append(out, azure.GatewayRoute{LocalAddress: local, Network: r.Prefix, NextHop: r.NextHop,
				SourcePeer: src, Origin: origin, AsPath: r.ASPathString(), Weight: weight})
		}
		return out
	}
	t.cp.SetRoutes(conv(learned, "EBgp", 32768), conv(advertised, "Igp", 0))
	return nil
}

func azureBgpState(s string) string {
	switch s {
	case "ESTABLISHED":
		return azure.BgpStateConnected
	case "IDLE":
		return azure.BgpStateIdle
	case "CONNECT", "ACTIVE", "OPENSENT", "OPENCONFIRM":
		return azure.BgpStateConnecting
	case "":
		return azure.BgpStateUnknown
	}
	return azure.BgpStateUnknown
}

// p2sSession is a point-to-site user's session as getVpnclientConnectionHealth
// lists it: an established IKE SA with an installed CHILD SA.
func p2sSession(sa swan.IKESA) (azure.VpnClientConnectionHealthDetail, bool) {
	d := azure.VpnClientConnectionHealthDetail{VpnConnectionID: "IKEv2_" + sa.UniqueID, PublicIPAddress: sa.RemoteHost,
		VpnUserName: sa.RemoteID}
	if len(sa.RemoteVIPs) > 0 {
		d.PrivateIPAddress = sa.RemoteVIPs[0]
	}
	d.VpnConnectionDuration, _ = strconv.ParseInt(sa.Age, 10, 64)
	up := false
	for _, c := range sa.Children {
		if c.Installed() {
			up = true
			// The gateway's ingress is what the client sent.
			d.IngressBytesTransferred += int64(c.BytesIn)
			d.EgressBytesTransferred += int64(c.BytesOut)
			d.IngressPacketsTransferred += int64(c.PacketsIn)
			d.EgressPacketsTransferred += int64(c.PacketsOut)
		}
	}
	return d, up && sa.Established()
}
