package node

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/strongswan/govici/vici"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/fakes/ocsp"
	"github.com/vpnlab/vpnlab/swan"
)

// revocation enforces the gateway's revoked client certificates
// (vpnClientRevokedCertificates) in charon: while the list is not empty,
// an authority section per uploaded root has charon's revocation plugin
// ask the instance's OCSP responder about every client certificate, and
// the responder answers "revoked" for a listed thumbprint. With an empty
// list no authority is loaded and charon fetches nothing.
type revocation struct {
	r   *ocsp.Responder
	log *slog.Logger

	mu     sync.Mutex
	signer bool     // the responder's signer is loaded in charon
	loaded []string // authority sections loaded
}

// startRevocation starts the OCSP responder of a gateway with point-to-site
// (nil without), on the instance's loopback.
func startRevocation(ctx context.Context, spec contract.AzureSpec, log *slog.Logger) (*revocation, error) {
	if spec.P2S == nil {
		return nil, nil
	}
	r, err := ocsp.New()
	if err != nil {
		return nil, fmt.Errorf("ocsp responder: %w", err)
	}
	for _, p := range spec.P2S.ClientCerts {
		b, _ := pem.Decode([]byte(p))
		if b == nil {
			return nil, fmt.Errorf("ocsp responder: a client certificate is not PEM")
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("ocsp responder: client certificate: %w", err)
		}
		r.Learn(c)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(contract.OCSPPort))
	if err != nil {
		return nil, fmt.Errorf("ocsp responder: %w", err)
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	context.AfterFunc(ctx, func() { _ = srv.Close() })
	return &revocation{r: r, log: log}, nil
}

// apply sets the responder's roots and revoked list from m and loads or
// unloads the authority sections.
func (v *revocation) apply(ctx context.Context, s *vici.Session, m azure.Model) error {
	if v == nil {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	var roots []*x509.Certificate
	var thumbs []string
	want := map[string]string{} // authority name → the root's PEM
	if vc := m.Gateway.VpnClient; vc != nil && !vc.Radius() {
		for _, r := range vc.RevokedCertificates {
			thumbs = append(thumbs, r.Thumbprint)
		}
		for _, r := range vc.RootCertificates {
			der, err := base64.StdEncoding.DecodeString(r.PublicCertData)
			if err != nil {
				continue
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				continue
			}
			roots = append(roots, c)
			if len(thumbs) > 0 {
				want["p2s-revocation-"+strconv.Itoa(len(roots))] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
			}
		}
	}
	v.r.SetRoots(roots)
	v.r.SetRevoked(thumbs)
	if len(want) > 0 && !v.signer {
		if err := swan.LoadOCSPSigner(ctx, s, v.r.SignerPEM()); err != nil {
			return err
		}
		v.signer = true
	}
	var names []string
	for name, p := range want {
		if err := swan.LoadAuthority(ctx, s, name, p, []string{contract.OCSPURI}); err != nil {
			return err
		}
		names = append(names, name)
	}
	for _, name := range v.loaded {
		if _, ok := want[name]; !ok {
			if err := swan.UnloadAuthority(ctx, s, name); err != nil {
				return err
			}
		}
	}
	slices.Sort(names)
	v.loaded = names
	v.log.Info("p2s revocation", "source", "node", "revoked", len(thumbs), "authorities", names)
	return nil
}
