package offline

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"strings"

	"github.com/vpnlab/vpnlab/diagnose"
)

// Certificates (.cer/.crt/.pem, PEM or DER): their metadata, never a key.
// A client certificate and the roots that issued it describe a
// point-to-site client when the inputs hold other client-side evidence
// (a client log, RasClient events, a certificate store listing); alone
// they describe nothing and are only counted. Private keys are dropped
// unread wherever they appear.

// derCertificate parses a DER certificate.
func derCertificate(der []byte) (diagnose.CertInfo, bool) {
	if len(der) < 2 || der[0] != 0x30 {
		return diagnose.CertInfo{}, false
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return diagnose.CertInfo{}, false
	}
	return certInfo(c), true
}

func certInfo(c *x509.Certificate) diagnose.CertInfo {
	sum := sha1.Sum(c.Raw)
	ci := diagnose.CertInfo{
		Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		Thumbprint: strings.ToUpper(hex.EncodeToString(sum[:])),
	}
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageClientAuth:
			ci.EKU = append(ci.EKU, "clientAuth")
		case x509.ExtKeyUsageServerAuth:
			ci.EKU = append(ci.EKU, "serverAuth")
		case x509.ExtKeyUsageAny:
			ci.EKU = append(ci.EKU, "any")
		default:
			ci.EKU = append(ci.EKU, "other")
		}
	}
	return ci
}

// hasPEMCert reports a PEM certificate block among head.
func hasPEMCert(head []string) bool {
	for _, l := range head {
		if strings.HasPrefix(strings.TrimSpace(l), "-----BEGIN CERTIFICATE-----") || strings.HasPrefix(strings.TrimSpace(l), "-----BEGIN TRUSTED CERTIFICATE-----") {
			return true
		}
	}
	return false
}

// onlyKeys reports whether every line of head is in a private key block.
func onlyKeys(head []string) bool {
	in := false
	for _, l := range head {
		if !in && !isKeyBegin(l) {
			return false
		}
		in = !isKeyEnd(l)
	}
	return len(head) > 0
}

// parsePEM reads the certificates of a PEM file.
func parsePEM(b *builder, s *source) {
	var block []string
	in := false
	s.lines(func(line string) bool {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "-----BEGIN CERTIFICATE-----"), strings.HasPrefix(t, "-----BEGIN TRUSTED CERTIFICATE-----"):
			in, block = true, []string{t}
			return true
		case in && strings.HasPrefix(t, "-----END"):
			in = false
			block = append(block, t)
			p, _ := pem.Decode([]byte(strings.Join(block, "\n")))
			if p == nil {
				return false
			}
			c, err := x509.ParseCertificate(p.Bytes)
			if err != nil {
				return false
			}
			b.certificate(certInfo(c))
			return true
		case in:
			block = append(block, t)
			return true
		}
		return false
	})
}
