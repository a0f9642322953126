// Package pki issues the lab's point-to-site certificates: a root that is
// "uploaded" to the fake gateway, client certificates chained to it (EKU
// clientAuth, as Azure requires), and the gateway's own server certificate
// from a separate CA the clients trust. Private keys stay in memory and in
// the nodes' spec files; they are never printed.
package pki

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"
)

// Cert is a certificate with its key.
type Cert struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// CertPEM returns the certificate in PEM.
func (c Cert) CertPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw}))
}

// KeyPEM returns the private key in PEM (PKCS #1).
func (c Cert) KeyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(c.Key)}))
}

// PublicCertData is the certificate as Azure takes an uploaded root: the
// Base64 body of the PEM, without header lines.
func (c Cert) PublicCertData() string {
	s := c.CertPEM()
	s = strings.TrimPrefix(s, "-----BEGIN CERTIFICATE-----\n")
	s = strings.TrimSuffix(strings.TrimSpace(s), "-----END CERTIFICATE-----")
	return strings.ReplaceAll(s, "\n", "")
}

// Thumbprint is the SHA-1 of the DER, upper-case hex, as Azure lists it.
func Thumbprint(c *x509.Certificate) string {
	h := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(h[:]))
}

// keyBits is small enough to generate fast in tests, large enough for charon.
const keyBits = 2048

func newKey() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, keyBits) }

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// NewKeys generates n RSA keys in parallel.
func NewKeys(n int) ([]*rsa.PrivateKey, error) {
	keys := make([]*rsa.PrivateKey, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() { defer wg.Done(); keys[i], errs[i] = newKey() }()
	}
	wg.Wait()
	return keys, errors.Join(errs...)
}

// NewCA makes a self-signed CA valid from notBefore to notAfter.
func NewCA(cn string, notBefore, notAfter time.Time) (Cert, error) {
	key, err := newKey()
	if err != nil {
		return Cert{}, err
	}
	return NewCAWithKey(key, cn, notBefore, notAfter)
}

// NewCAWithKey makes a self-signed CA with a given key.
func NewCAWithKey(key *rsa.PrivateKey, cn string, notBefore, notAfter time.Time) (Cert, error) {
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Cert{}, fmt.Errorf("issue CA %s: %w", cn, err)
	}
	c, err := x509.ParseCertificate(der)
	return Cert{Cert: c, Key: key}, err
}

// Leaf describes an end-entity certificate.
type Leaf struct {
	CN        string
	DNSNames  []string
	IPs       []net.IP
	EKU       []x509.ExtKeyUsage
	NotBefore time.Time
	NotAfter  time.Time
}

// Issue signs a leaf certificate with ca. key may be nil (a new key is made),
// or the key of an earlier certificate (a reissue).
func Issue(ca Cert, l Leaf, key *rsa.PrivateKey) (Cert, error) {
	if key == nil {
		var err error
		if key, err = newKey(); err != nil {
			return Cert{}, err
		}
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: l.CN}, DNSNames: l.DNSNames, IPAddresses: l.IPs,
		NotBefore: l.NotBefore, NotAfter: l.NotAfter, ExtKeyUsage: l.EKU,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return Cert{}, fmt.Errorf("issue %s: %w", l.CN, err)
	}
	c, err := x509.ParseCertificate(der)
	return Cert{Cert: c, Key: key}, err
}

// EKUNames names the extended key usages as Azure's docs do.
func EKUNames(c *x509.Certificate) []string {
	var out []string
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageClientAuth:
			out = append(out, "clientAuth")
		case x509.ExtKeyUsageServerAuth:
			out = append(out, "serverAuth")
		default:
			out = append(out, fmt.Sprint(u))
		}
	}
	return out
}
