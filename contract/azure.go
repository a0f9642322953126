package contract

import (
	"net/netip"
	"strconv"
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
	// RadiusSecret is the point-to-site RADIUS server's shared secret
	// (Model never carries it either).
	RadiusSecret string `json:"radius_secret,omitempty"`
	Instance     string `json:"instance"` // IN_0 or IN_1
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
	// Identity, when set, signs clients in as an Azure Stack Hub cloud and
	// makes the API check their tokens (both instances share it).
	Identity *azure.Identity `json:"identity,omitempty"`
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
	// ClientCerts are the client certificates (PEM) the lab issued, as
	// Azure's gateway sees each when its client connects: the gateway
	// maps the thumbprints on its revoked list to them (an OCSP request
	// names a certificate by serial number only).
	ClientCerts []string `json:"client_certs,omitempty"`
}

// OCSPPort is where the fake gateway's OCSP responder listens, on the
// instance's loopback only: its charon asks it about client certificates.
const OCSPPort = 8089

// OCSPURI is the responder's address for charon.
var OCSPURI = "http://127.0.0.1:" + strconv.Itoa(OCSPPort) + "/"

// P2SConnName is the fake gateway's point-to-site connection.
const P2SConnName = "p2s"

// Azure's default point-to-site IKEv2 offers (point-to-site-about).
var (
	azureP2SIKE = []string{"aes256gcm16-prfsha384-ecp384-ecp256-modp2048", "aes256-sha384-ecp384-ecp256-modp2048",
		"aes256-sha256-ecp384-ecp256-modp2048-modp1024"}
	azureP2SESP = []string{"aes256gcm16", "aes256-sha256", "aes256-sha1"}
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
		Proposals: azure.DefaultIKEOffers, IKELifetime: azure.IKELifetime,
		DPDDelay:     time.Duration(m.Connection.DpdTimeoutSeconds) * time.Second,
		ESPProposals: azure.DefaultESPResponderOffers, ChildLifetime: azure.DefaultChildLifetime, ChildLifeKB: azure.DefaultChildLifeKB,
		LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"},
	}
	if m.Connection.ConnectionProtocol == "IKEv1" {
		c.Version = 1
	}
	if len(m.Connection.IpsecPolicies) > 0 {
		ike, esp, err := m.Connection.IpsecPolicies[0].Proposals()
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
		p2s := swan.Conn{
			Name: P2SConnName, Version: 2, LocalAddr: public, RemoteAddr: "%any",
			LocalID: s.P2S.ID, LocalCert: s.P2S.CertPEM, RemoteCACerts: roots, Pools: []string{"p2s-pool"},
			Proposals: azureP2SIKE, IKELifetime: azure.IKELifetime, DPDDelay: c.DPDDelay,
			ESPProposals: azureP2SESP, ChildLifetime: azure.DefaultChildLifetime,
			LocalTS: m.Gateway.VNetAddressSpace, RemoteTS: []string{"dynamic"},
		}
		if vc.Radius() {
			// Clients authenticate with EAP, which the gateway relays to
			// the RADIUS server (point-to-site-how-to-radius-ps).
			p2s.RemoteCACerts, p2s.RemoteEAPRadius = nil, true
			secret := vc.RadiusServerSecret
			if secret == "" {
				secret = s.RadiusSecret
			}
			spec.Radius = &RadiusServer{Address: vc.RadiusServerAddress, Secret: secret}
		}
		spec.Extra = append(spec.Extra, ExtraConn{PrivateKey: s.P2S.KeyPEM, Conn: p2s})
		spec.OCSP = !vc.Radius()
		for _, p := range vc.AddressPrefixes {
			// The node routes the pool to point-to-site (not into the
			// site-to-site tunnel's routes).
			spec.Pools = append(spec.Pools, Pool{Name: "p2s-pool", Addrs: p})
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
