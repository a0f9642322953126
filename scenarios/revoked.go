package scenarios

import (
	"context"
	"fmt"
)

// RevokeLab is what the revoked-certificate fault kind acts on; *lab.Lab
// satisfies it.
type RevokeLab interface {
	// RevokeClientCert puts the P2S client's certificate's thumbprint on
	// the gateway's revoked list through the API and reconnects the client.
	RevokeClientCert(ctx context.Context) error
	// AllowClientCert takes it off the list and reconnects the client.
	AllowClientCert(ctx context.Context) error
}

// p2sRevoked revokes the point-to-site client's certificate on the gateway
// (Azure: vpnClientRevokedCertificates, by thumbprint; seed 002
// 「証明書関連のトラブルシューティング」 証明書が失効している).
type p2sRevoked struct{}

func (f *p2sRevoked) Kind() string { return "p2s-revoked" }
func (f *p2sRevoked) Describe() string {
	return "the P2S client certificate's thumbprint is added to the gateway's revoked client certificates through the Azure API"
}
func (f *p2sRevoked) check() error { return nil }
func (f *p2sRevoked) Inject(ctx context.Context, l Lab) error {
	r, ok := l.(RevokeLab)
	if !ok {
		return fmt.Errorf("this lab cannot revoke client certificates")
	}
	return r.RevokeClientCert(ctx)
}

// Fix removes the thumbprint from the revoked list (Azure:
// point-to-site-certificate-gateway#revokeclient, "Reinstate a client
// certificate": remove the thumbprint from the list) and has the client
// connect again.
func (f *p2sRevoked) Fix(ctx context.Context, l Lab) error {
	r, ok := l.(RevokeLab)
	if !ok {
		return fmt.Errorf("this lab cannot revoke client certificates")
	}
	return r.AllowClientCert(ctx)
}
