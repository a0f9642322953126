package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/swan"
)

// APIPort is the port the fake gateway's Azure-like API listens on; the lab
// publishes it on the host's 127.0.0.1 only.
const APIPort = 8080

// AzureSpec configures one instance of the fake Azure VPN gateway.
type AzureSpec struct {
	Model     azure.Model `json:"model"`
	SharedKey string      `json:"shared_key"` // the connection's key; Model never carries it
	Instance  string      `json:"instance"`   // IN_0 or IN_1
	// Active says whether the instance starts in service, Primary whether
	// it starts as the primary, holding VNetVIP (and in active-standby the
	// public IP). In active-standby only the primary is active.
	Active  bool `json:"active"`
	Primary bool `json:"primary"`
	// VNetVIP is the GatewaySubnet address the VNet routes on-prem traffic
	// to; it follows the active instance with the public IP.
	VNetVIP string `json:"vnet_vip,omitempty"`
	// Peer is the other instance's GatewaySubnet address: a reset hands over
	// to it, changes are replicated to it and a standby forwards the ARM
	// requests it gets to it.
	Peer      string  `json:"peer,omitempty"`
	WANRoutes []Route `json:"wan_routes,omitempty"`
	// P2S is the gateway's own certificate for point-to-site, used when the
	// model has a VPN client configuration.
	P2S *P2SCert `json:"p2s,omitempty"`
	// API, when set, serves the Azure-like API over HTTPS with this
	// certificate (issued by APICA, which clients trust).
	API *APICert `json:"api,omitempty"`
}

// APICert is the API server's TLS certificate and key, and its CA.
type APICert struct {
	CertPEM string `json:"cert"`
	KeyPEM  string `json:"key"`
	CAPEM   string `json:"ca"`
}

// P2SCert is the gateway's point-to-site server certificate and identity.
type P2SCert struct {
	ID      string `json:"id"` // e.g. azuregateway-....vpn.azure.com
	CertPEM string `json:"cert"`
	KeyPEM  string `json:"key"`
}

// P2SConnName is the fake gateway's point-to-site connection.
const P2SConnName = "p2s"

// Azure's default point-to-site IKEv2 offers (point-to-site-about).
var (
	azureP2SIKE = []string{"aes256gcm16-prfsha384-ecp384-ecp256-modp2048", "aes256-sha384-ecp384-ecp256-modp2048",
		"aes256-sha256-ecp384-ecp256-modp2048-modp1024"}
	azureP2SESP = []string{"aes256gcm16", "aes256-sha256", "aes256-sha1"}
)

// Azure's default offers (vpn-gateway-about-vpn-devices): IKE main mode in
// order, and the quick mode offers Azure accepts as responder.
var (
	azureIKE = []string{
		"aes256-sha1-modp1024", "aes256-sha256-modp1024", "aes128-sha1-modp1024",
		"aes128-sha256-modp1024", "3des-sha1-modp1024", "3des-sha256-modp1024",
	}
	azureESP = []string{
		"aes256gcm16", "aes256-sha1", "3des-sha1", "aes256-sha256", "aes128-sha1", "3des-sha256",
		"aes256-sha1-modp768", "aes256-sha1-modp1024", "aes256-sha1-modp2048",
		"aes128-sha1-modp768", "aes128-sha1-modp1024", "aes128-sha1-modp2048",
		"3des-sha1-modp768", "3des-sha1-modp1024", "3des-sha256-modp1024",
		"aes256-sha256-modp768", "aes256-sha256-modp1024", "aes256-sha256-modp2048",
		"aes256-sha1-modp2048s256", "aes256-sha256-modp2048s256",
		"aes128-sha256", "aes128-sha256-modp768", "aes128-sha256-modp1024", "aes128-sha256-modp2048",
		"3des-sha1-modp2048",
	}
)

const (
	azureIKELifetime   = 28800 * time.Second
	azureChildLifetime = 27000 * time.Second
	azureChildLifeKB   = 102400000
)

// AzureGatewaySpec derives the gateway runtime's spec from the Azure model,
// as Azure configures its own instances.
func AzureGatewaySpec(s AzureSpec) (GatewaySpec, error) {
	m := s.Model
	public := m.Gateway.PublicIPOf(s.Instance)
	c := swan.Conn{
		Name: m.Connection.Name, Version: 2,
		LocalAddr: public, RemoteAddr: m.LocalGateway.GatewayIPAddress,
		LocalID: public, RemoteID: m.LocalGateway.GatewayIPAddress,
		Proposals: azureIKE, IKELifetime: azureIKELifetime,
		DPDDelay:     time.Duration(m.Connection.DpdTimeoutSeconds) * time.Second,
		ESPProposals: azureESP, ChildLifetime: azureChildLifetime, ChildLifeKB: azureChildLifeKB,
		LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"},
	}
	if m.Connection.ConnectionProtocol == "IKEv1" {
		c.Version = 1
	}
	if len(m.Connection.IpsecPolicies) > 0 {
		ike, esp, err := customPolicy(m.Connection.IpsecPolicies[0])
		if err != nil {
			return GatewaySpec{}, err
		}
		c.Proposals, c.ESPProposals = []string{ike}, []string{esp}
		p := m.Connection.IpsecPolicies[0]
		c.ChildLifetime = time.Duration(p.SaLifeTimeSeconds) * time.Second
		c.ChildLifeKB = int64(p.SaDataSizeKilobytes)
	}
	spec := GatewaySpec{
		Conn: c, SharedKey: s.SharedKey, WANRoutes: s.WANRoutes,
		TunnelRoutes: m.LocalGateway.AddressPrefixes,
		// Azure declares a peer dead after its DPD timeout: a few quick retransmits.
		RetransmitTries: 3, RetransmitTimeout: 2,
	}
	if vc := m.Gateway.VpnClient; vc != nil && s.P2S != nil {
		var roots []string
		for _, r := range vc.RootCertificates {
			roots = append(roots, "-----BEGIN CERTIFICATE-----\n"+r.PublicCertData+"\n-----END CERTIFICATE-----\n")
		}
		spec.Extra = append(spec.Extra, ExtraConn{PrivateKey: s.P2S.KeyPEM, Conn: swan.Conn{
			Name: P2SConnName, Version: 2, LocalAddr: public, RemoteAddr: "%any",
			LocalID: s.P2S.ID, LocalCert: s.P2S.CertPEM, RemoteCACerts: roots, Pools: []string{"p2s-pool"},
			Proposals: azureP2SIKE, IKELifetime: azureIKELifetime, DPDDelay: c.DPDDelay,
			ESPProposals: azureP2SESP, ChildLifetime: azureChildLifetime,
			LocalTS: m.Gateway.VNetAddressSpace, RemoteTS: []string{"dynamic"},
		}})
		for _, p := range vc.AddressPrefixes {
			spec.Pools = append(spec.Pools, Pool{Name: "p2s-pool", Addrs: p})
			spec.TunnelRoutes = append(spec.TunnelRoutes, p)
		}
	}
	if m.Gateway.EnableBgp && m.Connection.EnableBgp {
		local := m.Gateway.BgpPeeringAddress
		if a := m.Gateway.CustomBgpIPOf(s.Instance); a != "" {
			local = a
		}
		peer := m.LocalGateway.BgpPeeringAddress
		apipa := isAPIPA(peer)
		spec.Loopback = []string{local}
		spec.BGP = &bgp.Config{
			ASN: m.Gateway.Asn, RouterID: local, LocalAddress: local, Advertise: m.Gateway.VNetAddressSpace,
			GRPCAddr: "0.0.0.0:" + strconv.Itoa(bgp.GRPCPort),
			Peer: bgp.Peer{
				Address: peer, ASN: m.LocalGateway.Asn,
				Passive:  apipa, // Azure does not initiate BGP to APIPA peers
				HoldTime: 180 * time.Second, ConnectRetry: 5 * time.Second, Multihop: 255,
			},
		}
	}
	return spec, nil
}

func isAPIPA(a string) bool {
	ip, err := netip.ParseAddr(a)
	return err == nil && netip.MustParsePrefix("169.254.0.0/16").Contains(ip)
}

// customPolicy renders an Azure IPsec/IKE policy as strongSwan proposals.
func customPolicy(p azure.IpsecPolicy) (ike, esp string, err error) {
	enc := map[string]string{"DES": "des", "DES3": "3des", "AES128": "aes128", "AES192": "aes192", "AES256": "aes256",
		"GCMAES128": "aes128gcm16", "GCMAES192": "aes192gcm16", "GCMAES256": "aes256gcm16"}
	integ := map[string]string{"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256", "SHA384": "sha384",
		"GCMAES128": "", "GCMAES192": "", "GCMAES256": ""}
	dh := map[string]string{"None": "", "DHGroup1": "modp768", "DHGroup2": "modp1024", "DHGroup14": "modp2048",
		"DHGroup2048": "modp2048", "DHGroup24": "modp2048s256", "ECP256": "ecp256", "ECP384": "ecp384",
		"PFS1": "modp768", "PFS2": "modp1024", "PFS14": "modp2048", "PFS2048": "modp2048", "PFS24": "modp2048s256", "PFSMM": ""}
	join := func(parts ...string) string {
		var out []string
		for _, s := range parts {
			if s != "" {
				out = append(out, s)
			}
		}
		return strings.Join(out, "-")
	}
	ie, ok1 := enc[p.IkeEncryption]
	ii, ok2 := integ[p.IkeIntegrity]
	ig, ok3 := dh[p.DhGroup]
	ee, ok4 := enc[p.IpsecEncryption]
	ei, ok5 := integ[p.IpsecIntegrity]
	pg, ok6 := dh[p.PfsGroup]
	if p.IpsecEncryption == "None" {
		ee, ok4 = "null", true
	}
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return "", "", fmt.Errorf("ipsec policy: unsupported algorithm in %+v", p)
	}
	if strings.HasPrefix(p.IkeIntegrity, "GCM") {
		// GCM integrity in IKE means a PRF is still needed.
		ii = "prfsha256"
	}
	return join(ie, ii, ig), join(ee, ei, pg), nil
}

// RunAzure runs one instance of the fake Azure VPN gateway.
func RunAzure(ctx context.Context, specPath string) error {
	var spec AzureSpec
	if err := readSpec(specPath, &spec); err != nil {
		return err
	}
	spec.Model.Connection.SharedKey = spec.SharedKey
	if err := spec.Model.Validate(); err != nil {
		return fmt.Errorf("azure model: %w", err)
	}
	log, closer, err := newLogger("azure-" + spec.Instance)
	if err != nil {
		return err
	}
	defer closer.Close()
	gs, err := AzureGatewaySpec(spec)
	if err != nil {
		return err
	}
	rc := &reconfigurer{spec: spec}
	var pr *peer
	opts := []azure.Option{azure.WithInstance(spec.Instance), azure.WithReconfigurer(rc)}
	if spec.Peer != "" {
		pr = newPeer(spec.Peer, spec.API)
		opts = append(opts, azure.WithForward(pr.proxy(spec.Instance)))
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
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(APIPort))
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
		"active_active", aa, "api_port", APIPort)
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
	if e.Conn == P2SConnName || (e.Kind == "log" && p2sLog(e.Message)) {
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
		if r := p2sFailure(e.Message); r != "" {
			t.cp.P2SEvent(azure.LevelError, "Connection failed: "+r)
		}
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
	for _, sa := range sas {
		if sa.Conn == P2SConnName {
			continue // the connection's counters are the site-to-site tunnel's
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
