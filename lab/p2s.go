package lab

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/moby/moby/client"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/pki"
	"github.com/vpnlab/vpnlab/swan"
)

// p2sPKI is the lab's point-to-site PKI: the root uploaded to the gateway
// and its client certificate, and the gateway's own CA and certificate.
type p2sPKI struct {
	root, client, gwCA, gw pki.Cert
	// kept is the root the administrator keeps when it is not root (a
	// fault replaced it with an expired one).
	kept *pki.Cert
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
	if p.client, err = pki.Issue(p.root, pki.Leaf{CN: "p2s-client", DNSNames: []string{P2SClientEAPID}, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
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
func (p *p2sPKI) clientSpec() contract.GatewaySpec {
	return contract.GatewaySpec{
		Conn: swan.Conn{
			Name: "azure-p2s", Version: 2, LocalAddr: P2SClientIP.String(), RemoteAddr: AzurePublic.String(),
			RemoteID: GatewayP2SID, LocalCert: p.client.CertPEM(), RemoteCACerts: []string{p.gwCA.CertPEM()},
			VIPs: []string{"0.0.0.0"}, Proposals: []string{"aes256gcm16-prfsha384-ecp384"}, ESPProposals: []string{"aes256gcm16"},
			LocalTS: []string{"dynamic"}, RemoteTS: []string{AzureVNet.String()}, DPDDelay: 30 * time.Second, Initiator: true,
		},
		PrivateKey: p.client.KeyPEM(),
		WANRoutes:  []contract.Route{{Prefix: AzureWAN.String(), Via: RouterOnprem.String()}},
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
	return l.reissueClientCert(ctx, pki.Leaf{CN: "p2s-client", DNSNames: []string{P2SClientEAPID}, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		NotBefore: notBefore, NotAfter: notAfter})
}

// ReissueClientCertEKU replaces the point-to-site client's certificate
// with one from the same root and key, valid now, whose extended key
// usage is eku only (say serverAuth, without Client Authentication), and
// reconnects it.
func (l *Lab) ReissueClientCertEKU(ctx context.Context, eku ...x509.ExtKeyUsage) error {
	if l.pki == nil {
		return fmt.Errorf("lab %s has no point-to-site client", l.id)
	}
	now := time.Now()
	return l.reissueClientCert(ctx, pki.Leaf{CN: "p2s-client", DNSNames: []string{P2SClientEAPID}, EKU: eku, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)})
}

func (l *Lab) reissueClientCert(ctx context.Context, leaf pki.Leaf) error {
	c, err := pki.Issue(l.pki.root, leaf, l.pki.client.Key)
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
	if err := l.writeP2SClientFiles(ctx); err != nil {
		return err
	}
	_ = swan.TerminateIKE(ctx, s, l.p2s.Conn.Name)
	return swan.Initiate(ctx, s, l.p2s.Conn.Child(), 0)
}

// The point-to-site client's files: its certificate, key and the
// gateway's CA where swanctl reads them, its connection in swanctl.conf
// naming them, and the administrator's copy of the root (certificate and
// key) that client certificates are issued from, as seed 000 §5.4 has the
// customer keep it. A trainee renews the certificate with openssl and
// `swanctl --load-creds`, `--load-conns`.
const (
	p2sClientCertFile = "p2s-client.pem"
	p2sGatewayCAFile  = "gateway-ca.pem"
	// P2SRootDir holds the administrator's root certificate (root.pem) and key (root.key).
	P2SRootDir = "/root/p2s-root"
	// P2SClientCertPath is the client's certificate file.
	P2SClientCertPath = "/etc/swanctl/x509/" + p2sClientCertFile
)

// Files follow the client's state: with its certificate removed (a fault)
// neither the certificate nor its key is there, while swanctl.conf (the
// imported profile) still names the certificate (error 798: the
// certificate cannot be found); the root kept is the one the client's
// certificate comes from.
func (l *Lab) writeP2SClientFiles(ctx context.Context) error {
	conn := l.p2s.Conn
	conn.LocalCert, conn.RemoteCACerts = p2sClientCertFile, []string{p2sGatewayCAFile}
	root := l.pki.root
	if l.pki.kept != nil {
		root = *l.pki.kept
	}
	var files []fileEntry
	if l.p2s.Conn.LocalCert != "" {
		files = append(files, fileEntry{"/etc/swanctl/x509/" + p2sClientCertFile, l.p2s.Conn.LocalCert},
			fileEntry{"/etc/swanctl/private/p2s-client.key", l.p2s.PrivateKey})
	} else if err := l.execOK(P2SClient, "rm", "-f", "/etc/swanctl/x509/"+p2sClientCertFile, "/etc/swanctl/private/p2s-client.key")(); err != nil {
		return err
	}
	conf, err := swan.Swanctl(conn)
	if err != nil {
		return err
	}
	files = append(files, fileEntry{"/etc/swanctl/x509ca/" + p2sGatewayCAFile, l.pki.gwCA.CertPEM()},
		fileEntry{P2SRootDir + "/root.pem", root.CertPEM()},
		fileEntry{P2SRootDir + "/root.key", root.KeyPEM()},
		fileEntry{swan.DeviceConf, conf})
	return l.writeFiles(ctx, P2SClient, []string{P2SRootDir}, files)
}

// fileEntry is a file the lab writes into a node (mode 0600).
type fileEntry struct{ path, data string }

// writeFiles writes files (and first the directories dirs, mode 0700) into
// a node through the Docker API's archive upload: their contents, private
// keys among them, never appear on a command line (docker exec's arguments
// are visible in ps and in Docker's events).
func (l *Lab) writeFiles(ctx context.Context, nodeName string, dirs []string, files []fileEntry) error {
	n := l.nodes[nodeName]
	if n == nil {
		return fmt.Errorf("no node %s", nodeName)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	for _, d := range dirs {
		h := &tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(d, "/") + "/", Mode: 0o700, ModTime: now}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
	}
	for _, f := range files {
		data := strings.TrimSpace(f.data) + "\n"
		h := &tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(f.path, "/"), Mode: 0o600, Size: int64(len(data)), ModTime: now}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if _, err := l.cli.CopyToContainer(ctx, n.ContainerID, client.CopyToContainerOptions{DestinationPath: "/", Content: &buf}); err != nil {
		return fmt.Errorf("%s: writing files: %w", nodeName, err)
	}
	return nil
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
func newAPICert(now time.Time) (*contract.APICert, error) {
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
	return &contract.APICert{CertPEM: c.CertPEM(), KeyPEM: c.KeyPEM(), CAPEM: ca.CertPEM()}, nil
}
