package lab

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/pki"
)

// Point-to-site with RADIUS authentication (issue 13): a real RADIUS
// server (FreeRADIUS) on the VNet, the gateway's P2S configuration
// pointing at it (vpnAuthenticationTypes ["Radius"], radiusServerAddress,
// radiusServerSecret), charon's eap-radius relaying the clients' EAP to it,
// and the P2S client authenticating with EAP-MSCHAPv2 (a user name and
// password) instead of a certificate. Only labs started WithRadius run it.

// Radius is the RADIUS server's node.
const Radius = "azure-radius"

var (
	// RadiusIP is the RADIUS server's address on the VNet.
	RadiusIP = netip.MustParseAddr("198.19.2.10")
	// GatewaySubnet holds the gateway instances' VNet addresses: the
	// RADIUS server lists it as its client, as Azure's documentation asks.
	GatewaySubnet = netip.MustParsePrefix("198.19.255.0/27")
)

// P2SUser is the point-to-site user the lab's RADIUS server knows.
const P2SUser = "p2s-user"

// P2SClientEAPID is the name in the client certificate (a DNS SAN), its
// EAP-TLS identity.
const P2SClientEAPID = "p2s-client.vpnlab.example"

// radiusSetup is a RADIUS lab's secrets (never printed).
type radiusSetup struct {
	secret   string // the shared secret of the gateway and the server
	password string // the P2S user's password
	// tls: EAP-TLS instead of EAP-MSCHAPv2 (WithRadiusEAPTLS)
	tls *contract.RadiusTLS
}

// WithRadius runs the lab's point-to-site with RADIUS authentication
// against a FreeRADIUS server on the VNet.
func WithRadius() Option { return func(c *config) error { c.radius = true; return nil } }

// WithRadiusEAPTLS runs the lab's point-to-site with RADIUS authentication
// where the client proves itself with its certificate in EAP-TLS and the
// RADIUS server verifies it against the P2S root (Azure: point-to-site
// RADIUS with certificate authentication; seed 002).
func WithRadiusEAPTLS() Option {
	return func(c *config) error { c.radius, c.radiusTLS = true, true; return nil }
}

// RadiusServerID is the identity the RADIUS server's EAP-TLS certificate
// names, which the client checks.
const RadiusServerID = "azure-radius.vpnlab.example"

// useTLS gives the RADIUS server the P2S root to verify client
// certificates and a server certificate of its own, from the lab's
// gateway CA (which the client already trusts).
func (r *radiusSetup) useTLS(p *p2sPKI) error {
	from, to := p.gw.Cert.NotBefore, p.gw.Cert.NotAfter
	c, err := pki.Issue(p.gwCA, pki.Leaf{CN: RadiusServerID, DNSNames: []string{RadiusServerID},
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, NotBefore: from, NotAfter: to}, nil)
	if err != nil {
		return fmt.Errorf("RADIUS server certificate: %w", err)
	}
	r.tls = &contract.RadiusTLS{CAPEM: p.root.CertPEM(), CertPEM: c.CertPEM() + "\n" + p.gwCA.CertPEM(), KeyPEM: c.KeyPEM()}
	return nil
}

// radiusOf is the RADIUS setup of an attached lab, read back from its
// server's spec (nil when it has no client or user): EAP-TLS included, so
// that evidence of an attached lab reads the client's certificate.
func radiusOf(rs contract.RadiusSpec) *radiusSetup {
	if len(rs.Clients) == 0 || len(rs.Users) == 0 {
		return nil
	}
	return &radiusSetup{secret: rs.Clients[0].Secret, password: rs.Users[0].Password, tls: rs.TLS}
}

// EAPTLS reports whether the lab's RADIUS users authenticate with EAP-TLS.
func (l *Lab) EAPTLS() bool { return l.radius != nil && l.radius.tls != nil }

func newRadiusSetup() *radiusSetup {
	return &radiusSetup{secret: newSharedKey(), password: newSharedKey()[:20]}
}

// spec is the RADIUS server's configuration.
func (r *radiusSetup) spec() contract.RadiusSpec {
	return contract.RadiusSpec{
		Clients: []contract.RadiusClient{{Name: "azure-gateway-subnet", Prefix: GatewaySubnet.String(), Secret: r.secret}},
		Users:   []contract.EAPCredential{{ID: P2SUser, Password: r.password}},
		TLS:     r.tls,
	}
}

// useRadius switches the gateway's P2S configuration and the client to
// RADIUS: the model names the server (the secret goes in the spec apart),
// the client authenticates with EAP-MSCHAPv2.
func (r *radiusSetup) useRadius(vc *azure.VpnClientConfiguration, client *contract.GatewaySpec) {
	vc.AuthenticationTypes = []string{"Radius"}
	vc.RadiusServerAddress = RadiusIP.String()
	vc.RootCertificates = nil
	if r.tls != nil {
		// EAP-TLS: the client keeps its certificate and key.
		client.Conn.LocalEAP, client.Conn.EAPID, client.Conn.LocalID = "eap-tls", P2SClientEAPID, P2SClientEAPID
		client.Conn.AAAID = RadiusServerID
		return
	}
	client.Conn.LocalCert, client.PrivateKey = "", ""
	client.Conn.LocalEAP, client.Conn.EAPID = "eap-mschapv2", P2SUser
	client.Conn.LocalID = P2SUser
	client.EAP = &contract.EAPCredential{ID: P2SUser, Password: r.password}
}

// radiusPlan is the RADIUS server's node: on the VNet, nothing published.
func (r *radiusSetup) plan() nodePlan {
	return nodePlan{name: Radius, cmd: []string{"radius"}, spec: mustJSON(r.spec()),
		attach: []attachment{{"azure-vnet", RadiusIP}}}
}

// RadiusAuth reports whether the lab's point-to-site users authenticate
// with RADIUS.
func (l *Lab) RadiusAuth() bool { return l.radius != nil }

// errNoRadius is the error of a RADIUS action on a lab without it.
var errNoRadius = errors.New("this lab's point-to-site does not use RADIUS (start it with RADIUS: a scenario with p2s_auth: radius)")

// SetRadiusServer changes the gateway's RADIUS server through the API, as
// a user editing the point-to-site configuration in the portal: address
// (when not empty) and, when secret is set, a shared secret ("wrong": one
// that differs from the server's). Then the client connects again.
func (l *Lab) SetRadiusServer(ctx context.Context, address string, wrongSecret bool) error {
	if l.radius == nil {
		return errNoRadius
	}
	vc := map[string]any{}
	if address != "" {
		vc["radiusServerAddress"] = address
	}
	if wrongSecret {
		vc["radiusServerSecret"] = "wrong" + newSharedKey()[:16]
	}
	if err := l.AzurePut(ctx, "virtualNetworkGateways", l.Model.Gateway.Name, map[string]any{"vpnClientConfiguration": vc}); err != nil {
		return err
	}
	return l.reconnectP2S(ctx)
}

// RestoreRadiusServer puts the lab's RADIUS server and its secret back in
// the gateway's point-to-site configuration and reconnects the client.
func (l *Lab) RestoreRadiusServer(ctx context.Context) error {
	if l.radius == nil {
		return errNoRadius
	}
	if err := l.AzurePut(ctx, "virtualNetworkGateways", l.Model.Gateway.Name, map[string]any{"vpnClientConfiguration": map[string]any{
		"radiusServerAddress": RadiusIP.String(), "radiusServerSecret": l.radius.secret}}); err != nil {
		return err
	}
	return l.reconnectP2S(ctx)
}

// BlockRadius has the RADIUS server's host firewall (an NSG on its
// subnet, in Azure's terms) drop, or no longer drop, RADIUS (UDP 1812)
// from the GatewaySubnet; a block has the client connect again.
func (l *Lab) BlockRadius(ctx context.Context, on bool) error {
	if l.radius == nil || l.nodes[Radius] == nil {
		return errNoRadius
	}
	op := "-I"
	if !on {
		op = "-D"
	}
	r, err := l.Exec(ctx, Radius, "iptables", op, "INPUT", "-p", "udp", "--dport", "1812", "-s", GatewaySubnet.String(), "-j", "DROP")
	if err != nil {
		return err
	}
	if r.ExitCode != 0 {
		return fmt.Errorf("%s: iptables %s: exit %d: %s", Radius, op, r.ExitCode, r.Stderr)
	}
	return l.reconnectP2S(ctx)
}

// RadiusLog returns the RADIUS server's log (FreeRADIUS's radius.log).
func (l *Lab) RadiusLog(ctx context.Context) (string, error) {
	if l.nodes[Radius] == nil {
		return "", fmt.Errorf("lab %s runs no RADIUS server", l.id)
	}
	r, err := l.Exec(ctx, Radius, "cat", contract.RadiusLog)
	if err != nil {
		return "", err
	}
	if r.ExitCode != 0 {
		return "", fmt.Errorf("%s: read %s: exit %d", Radius, contract.RadiusLog, r.ExitCode)
	}
	return r.Stdout, nil
}

// RadiusClients returns the RADIUS server's client entries without their
// secrets (name and prefix), as its administrator lists them.
func (l *Lab) RadiusClients() []contract.RadiusClient {
	if l.radius == nil {
		return nil
	}
	var out []contract.RadiusClient
	for _, c := range l.radius.spec().Clients {
		out = append(out, contract.RadiusClient{Name: c.Name, Prefix: c.Prefix})
	}
	return out
}
