package scenarios

import (
	"context"
	"crypto/x509"
	"fmt"
)

// EKULab is what the client-certificate EKU fault kind acts on; *lab.Lab
// satisfies it.
type EKULab interface {
	// ReissueClientCertEKU gives the P2S client a certificate from the
	// same root whose extended key usage is eku only, and reconnects it.
	ReissueClientCertEKU(ctx context.Context, eku ...x509.ExtKeyUsage) error
	// RestoreClientCert reissues a valid client certificate (EKU Client
	// Authentication) and reconnects the client.
	RestoreClientCert(ctx context.Context) error
}

// p2sClientEKU gives the point-to-site client a certificate issued by the
// uploaded root, in its validity period, whose Enhanced Key Usage is
// Server Authentication only: no Client Authentication (Azure:
// vpn-gateway-certificates-point-to-site, a client certificate carries
// EKU 1.3.6.1.5.5.7.3.2; seed 002 「証明書関連のトラブルシューティング」).
type p2sClientEKU struct{}

func (f *p2sClientEKU) Kind() string { return "p2s-client-eku" }
func (f *p2sClientEKU) Describe() string {
	return "the P2S client's certificate is replaced by one from the same root with EKU Server Authentication only (no Client Authentication)"
}
func (f *p2sClientEKU) check() error { return nil }
func (f *p2sClientEKU) Inject(ctx context.Context, l Lab) error {
	r, ok := l.(EKULab)
	if !ok {
		return fmt.Errorf("this lab cannot reissue client certificates")
	}
	return r.ReissueClientCertEKU(ctx, x509.ExtKeyUsageServerAuth)
}

// Fix reissues the client certificate from the root with EKU Client
// Authentication and installs it with its key (Azure:
// vpn-gateway-certificates-point-to-site; seed 002 「証明書関連のトラブル
// シューティング」: obtain and install a new client certificate), then the
// client connects again.
func (f *p2sClientEKU) Fix(ctx context.Context, l Lab) error {
	r, ok := l.(EKULab)
	if !ok {
		return fmt.Errorf("this lab cannot reissue client certificates")
	}
	return r.RestoreClientCert(ctx)
}
