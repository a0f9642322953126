package lab

import (
	"crypto/x509"
	"encoding/pem"
	"slices"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

// RADIUS certificate authentication: the client keeps its certificate and
// runs EAP-TLS as the name in it, checking the RADIUS server's name; the
// RADIUS server verifies clients against the P2S root and presents a
// certificate from the gateway CA, which the client trusts.
func TestRadiusEAPTLSSetup(t *testing.T) {
	p, err := newP2SPKI(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := newRadiusSetup()
	if err := r.useTLS(p); err != nil {
		t.Fatal(err)
	}
	vc, client := p.vpnClient(), p.clientSpec()
	r.useRadius(vc, &client)
	c := client.Conn
	if c.LocalEAP != "eap-tls" || c.EAPID != P2SClientEAPID || c.AAAID != RadiusServerID {
		t.Errorf("client auth %q as %q, server %q", c.LocalEAP, c.EAPID, c.AAAID)
	}
	if c.LocalCert != p.client.CertPEM() || client.PrivateKey == "" || client.EAP != nil {
		t.Error("the EAP-TLS client lost its certificate or key, or got a password")
	}
	if len(vc.AuthenticationTypes) != 1 || vc.AuthenticationTypes[0] != "Radius" || len(vc.RootCertificates) != 0 {
		t.Errorf("gateway P2S: %v, %d roots", vc.AuthenticationTypes, len(vc.RootCertificates))
	}
	if !slices.Contains(p.client.Cert.DNSNames, P2SClientEAPID) {
		t.Errorf("client certificate names %v, not its EAP identity", p.client.Cert.DNSNames)
	}
	spec := r.spec()
	if spec.TLS == nil || spec.TLS.CAPEM != p.root.CertPEM() {
		t.Fatal("the RADIUS server does not verify clients against the P2S root")
	}
	b, _ := pem.Decode([]byte(spec.TLS.CertPEM))
	if b == nil {
		t.Fatal("no server certificate")
	}
	srv, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.gwCA.Cert)
	if _, err := srv.Verify(x509.VerifyOptions{DNSName: RadiusServerID, Roots: pool,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("server certificate: %v", err)
	}
	// Without TLS: EAP-MSCHAPv2, no certificate, no TLS material.
	r2 := newRadiusSetup()
	client2 := p.clientSpec()
	r2.useRadius(p.vpnClient(), &client2)
	if client2.Conn.LocalEAP != "eap-mschapv2" || client2.Conn.LocalCert != "" || r2.spec().TLS != nil {
		t.Errorf("MSCHAPv2 setup: %q, cert %v, TLS %v", client2.Conn.LocalEAP, client2.Conn.LocalCert != "", r2.spec().TLS != nil)
	}
}

// An attached lab reads its RADIUS setup back from the server's spec, the
// EAP-TLS mode included (without it, evidence of an attached EAP-TLS lab
// would take the client for an EAP-MSCHAPv2 user and skip its certificate).
func TestRadiusOfSpec(t *testing.T) {
	p, err := newP2SPKI(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := newRadiusSetup()
	if err := r.useTLS(p); err != nil {
		t.Fatal(err)
	}
	l := &Lab{radius: radiusOf(r.spec())}
	if !l.RadiusAuth() || !l.EAPTLS() {
		t.Errorf("attached EAP-TLS lab: RADIUS %v, EAP-TLS %v; want both", l.RadiusAuth(), l.EAPTLS())
	}
	l = &Lab{radius: radiusOf(newRadiusSetup().spec())}
	if !l.RadiusAuth() || l.EAPTLS() {
		t.Errorf("attached EAP-MSCHAPv2 lab: RADIUS %v, EAP-TLS %v; want RADIUS only", l.RadiusAuth(), l.EAPTLS())
	}
	if radiusOf(contract.RadiusSpec{}) != nil {
		t.Error("a spec without client or user gives a RADIUS setup")
	}
}
