package lab

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/node"
	"github.com/vpnlab/vpnlab/pki"
	"github.com/vpnlab/vpnlab/swan"
)

// p2sPKI is the lab's point-to-site PKI: the root uploaded to the gateway
// and its client certificate, and the gateway's own CA and certificate.
type p2sPKI struct {
	root, client, gwCA, gw pki.Cert
}

// newP2SPKI issues the lab's certificates, valid from an hour ago for a year.
// The four RSA keys are generated in parallel.
func newP2SPKI(now time.Time) (*p2sPKI, error) {
	keys, err := pki.NewKeys(4)
	if err != nil {
		return nil, err
	}
	from, to := now.Add(-time.Hour), now.AddDate(1, 0, 0)
	var p p2sPKI
	if p.root, err = pki.NewCAWithKey(keys[0], "P2SRootCert", from, to.AddDate(1, 0, 0)); err != nil {
		return nil, err
	}
	if p.client, err = pki.Issue(p.root, pki.Leaf{CN: "p2s-client", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		NotBefore: from, NotAfter: to}, keys[1]); err != nil {
		return nil, err
	}
	if p.gwCA, err = pki.NewCAWithKey(keys[2], "vpnlab Gateway CA", from, to.AddDate(1, 0, 0)); err != nil {
		return nil, err
	}
	if p.gw, err = pki.Issue(p.gwCA, pki.Leaf{CN: GatewayP2SID, DNSNames: []string{GatewayP2SID},
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, NotBefore: from, NotAfter: to}, keys[3]); err != nil {
		return nil, err
	}
	return &p, nil
}

// vpnClient is the gateway's point-to-site configuration with the lab's root uploaded.
func (p *p2sPKI) vpnClient() *azure.VpnClientConfiguration {
	return &azure.VpnClientConfiguration{
		AddressPrefixes: []string{P2SPool.String()}, Protocols: []string{"IkeV2"},
		AuthenticationTypes: []string{"Certificate"},
		RootCertificates:    []azure.VpnClientRootCertificate{{Name: "P2SRootCert", PublicCertData: p.root.PublicCertData()}},
	}
}

// p2sClientSpec is the road-warrior client's spec.
func (p *p2sPKI) clientSpec() node.GatewaySpec {
	return node.GatewaySpec{
		Conn: swan.Conn{
			Name: "azure-p2s", Version: 2, LocalAddr: P2SClientIP.String(), RemoteAddr: AzurePublic.String(),
			RemoteID: GatewayP2SID, LocalCert: p.client.CertPEM(), RemoteCACerts: []string{p.gwCA.CertPEM()},
			VIPs: []string{"0.0.0.0"}, Proposals: []string{"aes256gcm16-prfsha384-ecp384"}, ESPProposals: []string{"aes256gcm16"},
			LocalTS: []string{"dynamic"}, RemoteTS: []string{AzureVNet.String()}, DPDDelay: 30 * time.Second, Initiator: true,
		},
		PrivateKey: p.client.KeyPEM(),
		WANRoutes:  []node.Route{{Prefix: "203.0.113.0/24", Via: RouterOnprem.String()}},
		VIPRoutes:  []string{AzureVNet.String()},
		// A road warrior gives up on a silent gateway sooner than a site.
		RetransmitTries: 3, RetransmitTimeout: 1,
	}
}

// ReissueClientCert replaces the point-to-site client's certificate with
// one of the given validity (same key, same root) and reconnects it.
func (l *Lab) ReissueClientCert(ctx context.Context, notBefore, notAfter time.Time) error {
	if l.pki == nil {
		return fmt.Errorf("lab %s has no point-to-site client", l.id)
	}
	c, err := pki.Issue(l.pki.root, pki.Leaf{CN: "p2s-client", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		NotBefore: notBefore, NotAfter: notAfter}, l.pki.client.Key)
	if err != nil {
		return err
	}
	l.p2s.Conn.LocalCert = c.CertPEM()
	s, err := l.vici(ctx, P2SClient)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := swan.LoadConn(ctx, s, l.p2s.Conn); err != nil {
		return err
	}
	_ = swan.TerminateIKE(ctx, s, l.p2s.Conn.Name)
	return swan.Initiate(ctx, s, l.p2s.Conn.Child(), 0)
}

// RestoreClientCert reissues a currently valid client certificate.
func (l *Lab) RestoreClientCert(ctx context.Context) error {
	now := time.Now()
	return l.ReissueClientCert(ctx, now.Add(-time.Hour), now.AddDate(1, 0, 0))
}

// Roots returns the root certificates uploaded to the gateway, as its
// model (the portal's "Root certificates") lists them.
func (l *Lab) Roots() []*x509.Certificate {
	var out []*x509.Certificate
	if vc := l.Model.Gateway.VpnClient; vc != nil {
		for _, r := range vc.RootCertificates {
			der, err := base64.StdEncoding.DecodeString(r.PublicCertData)
			if err != nil {
				continue
			}
			if c, err := x509.ParseCertificate(der); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// ClientCert returns the certificate the point-to-site client is configured with.
func (l *Lab) ClientCert() (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(l.p2s.Conn.LocalCert))
	if b == nil {
		return nil, fmt.Errorf("lab %s: the point-to-site client has no certificate", l.id)
	}
	return x509.ParseCertificate(b.Bytes)
}

// ClientCerts returns the certificates the point-to-site client holds a key for.
func (l *Lab) ClientCerts(ctx context.Context) ([]*x509.Certificate, error) {
	s, err := l.vici(ctx, P2SClient)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	own, _, err := swan.Certs(ctx, s)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for _, der := range own {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// newAPICert issues the fake gateway API's TLS certificate for 127.0.0.1
// and localhost, from a CA of its own that the lab's clients trust.
func newAPICert(now time.Time) (*node.APICert, error) {
	keys, err := pki.NewKeys(2)
	if err != nil {
		return nil, err
	}
	from, to := now.Add(-time.Hour), now.AddDate(1, 0, 0)
	ca, err := pki.NewCAWithKey(keys[0], "vpnlab API CA", from, to)
	if err != nil {
		return nil, err
	}
	c, err := pki.Issue(ca, pki.Leaf{CN: "vpnlab Azure API", DNSNames: []string{"localhost"},
		IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		NotBefore: from, NotAfter: to}, keys[1])
	if err != nil {
		return nil, err
	}
	return &node.APICert{CertPEM: c.CertPEM(), KeyPEM: c.KeyPEM(), CAPEM: ca.CertPEM()}, nil
}
