package contract

import (
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
	TunnelMTU int      `json:"tunnel_mtu,omitempty"` // 0: DefaultTunnelMTU
	MSSClamp  int      `json:"mss_clamp,omitempty"`  // 0: no clamp
	// Retransmit bounds charon's dead-peer detection (0 = strongSwan's defaults).
	RetransmitTries   int     `json:"retransmit_tries,omitempty"`
	RetransmitTimeout float64 `json:"retransmit_timeout,omitempty"`
	// EAP is the user name and password a point-to-site client
	// authenticates with (Conn.LocalEAP); never printed.
	EAP *EAPCredential `json:"eap,omitempty"`
	// Radius is the RADIUS server a gateway relays its point-to-site
	// clients' EAP to (eap-radius), secret included; never printed.
	Radius *RadiusServer `json:"radius,omitempty"`
	// OCSP has charon fetch OCSP responses (the fake Azure gateway checks
	// its point-to-site clients' certificates against its revoked list).
	OCSP bool `json:"ocsp,omitempty"`
}

// EAPCredential is a user's EAP identity and password.
type EAPCredential struct {
	ID       string `json:"id"`
	Password string `json:"password"`
}

// RadiusServer is a RADIUS server's address and shared secret.
type RadiusServer struct {
	Address string `json:"address"`
	Secret  string `json:"secret"`
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

// SpecFile is where the lab puts a gateway node's spec.
const SpecFile = "/etc/vpnlab/spec.json"

// EventsFile is where a node keeps its structured event log.
const EventsFile = "/var/log/vpnlab/events.jsonl"

// LinksEnv names the interfaces a role waits for before it starts (comma
// separated): the lab wires a container after starting it.
const LinksEnv = "VPNLAB_LINKS"

// RadiusSpec configures the lab's RADIUS server (FreeRADIUS): the RADIUS
// clients it answers (a prefix and its shared secret) and its users. It
// holds secrets: never printed.
type RadiusSpec struct {
	Clients []RadiusClient  `json:"clients"`
	Users   []EAPCredential `json:"users"`
	// TLS, when set, has the server authenticate users with EAP-TLS:
	// client certificates verified against CAPEM (the P2S root), the
	// server presenting CertPEM (its chain) with KeyPEM. Never printed.
	TLS *RadiusTLS `json:"tls,omitempty"`
}

// RadiusTLS is the RADIUS server's EAP-TLS material.
type RadiusTLS struct {
	CAPEM   string `json:"ca_pem"`
	CertPEM string `json:"cert_pem"`
	KeyPEM  string `json:"key_pem"`
}

// RadiusClient is one RADIUS client entry (clients.conf).
type RadiusClient struct {
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
	Secret string `json:"secret"`
}

// RadiusLog is where the lab's RADIUS server logs (FreeRADIUS's radius.log).
const RadiusLog = "/var/log/freeradius/radius.log"

// DefaultTunnelMTU is a gateway's tunnel MTU when its spec sets none.
const DefaultTunnelMTU = 1400
