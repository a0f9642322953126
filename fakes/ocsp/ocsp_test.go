package ocsp

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/vpnlab/vpnlab/pki"
)

type fixture struct {
	r                *Responder
	root, other      pki.Cert
	client, stranger pki.Cert
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	now := time.Now()
	keys, err := pki.NewKeys(4)
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if f.root, err = pki.NewCAWithKey(keys[0], "P2SRootCert", now.Add(-time.Hour), now.AddDate(1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if f.other, err = pki.NewCAWithKey(keys[1], "OtherRootCert", now.Add(-time.Hour), now.AddDate(1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	leaf := pki.Leaf{CN: "p2s-client", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 1, 0)}
	if f.client, err = pki.Issue(f.root, leaf, keys[2]); err != nil {
		t.Fatal(err)
	}
	if f.stranger, err = pki.Issue(f.root, leaf, keys[3]); err != nil { // issued but never shown to the gateway
		t.Fatal(err)
	}
	if f.r, err = New(); err != nil {
		t.Fatal(err)
	}
	f.r.SetRoots([]*x509.Certificate{f.root.Cert})
	f.r.Learn(f.client.Cert)
	return f
}

// ask sends an OCSP request for c (issued by issuer) over HTTP and parses
// the answer, checking its signature with the responder's signer.
func ask(t *testing.T, f fixture, c, issuer *x509.Certificate) *xocsp.Response {
	t.Helper()
	req, err := xocsp.CreateRequest(c, issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.r)
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/ocsp-request", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/ocsp-response" {
		t.Fatalf("content type %q", ct)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	r, err := xocsp.ParseResponse(buf.Bytes(), f.r.Signer())
	if err != nil {
		t.Fatalf("parse/verify response: %v", err)
	}
	return r
}

func TestRevokedThumbprintIsRevoked(t *testing.T) {
	f := newFixture(t)
	if got := ask(t, f, f.client.Cert, f.root.Cert); got.Status != xocsp.Good {
		t.Fatalf("empty list: status %d, want good", got.Status)
	}
	f.r.SetRevoked([]string{"  " + pki.Thumbprint(f.stranger.Cert)})
	if got := ask(t, f, f.client.Cert, f.root.Cert); got.Status != xocsp.Good {
		t.Fatalf("another thumbprint listed: status %d, want good", got.Status)
	}
	// Azure takes thumbprints in any case.
	thumb := pki.Thumbprint(f.client.Cert)
	f.r.SetRevoked([]string{bytesLower(thumb)})
	got := ask(t, f, f.client.Cert, f.root.Cert)
	if got.Status != xocsp.Revoked {
		t.Fatalf("listed thumbprint: status %d, want revoked", got.Status)
	}
	if got.SerialNumber.Cmp(f.client.Cert.SerialNumber) != 0 {
		t.Fatalf("serial %v, want %v", got.SerialNumber, f.client.Cert.SerialNumber)
	}
	if !got.NextUpdate.After(got.ThisUpdate) || got.NextUpdate.Sub(time.Now()) > Validity+time.Second {
		t.Fatalf("validity %v..%v, want at most %v", got.ThisUpdate, got.NextUpdate, Validity)
	}
	// Taken off the list: good again.
	f.r.SetRevoked(nil)
	if got := ask(t, f, f.client.Cert, f.root.Cert); got.Status != xocsp.Good {
		t.Fatalf("list emptied: status %d, want good", got.Status)
	}
}

func bytesLower(s string) string { return string(bytes.ToLower([]byte(s))) }

func TestUnknownIssuerUnauthorized(t *testing.T) {
	f := newFixture(t)
	req, err := xocsp.CreateRequest(f.client.Cert, f.other.Cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := f.r.Respond(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := xocsp.ParseResponse(der, nil); err != (xocsp.ResponseError{Status: xocsp.Unauthorized}) {
		t.Fatalf("root not uploaded: %v, want unauthorized", err)
	}
	if der, err = f.r.Respond([]byte("junk")); err != nil {
		t.Fatal(err)
	}
	if _, err := xocsp.ParseResponse(der, nil); err != (xocsp.ResponseError{Status: xocsp.Malformed}) {
		t.Fatalf("junk: %v, want malformed", err)
	}
}

// charon sends a nonce and refuses a response without it.
func TestNonceEchoed(t *testing.T) {
	f := newFixture(t)
	var req request
	n, k := issuerHashes(f.root.Cert)
	req.TBS.List = append(req.TBS.List, struct {
		Cert       certID
		Extensions []pkix.Extension `asn1:"explicit,tag:0,optional"`
	}{Cert: certID{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA1, Parameters: asn1.NullRawValue}, NameHash: n, IssuerKeyHash: k, SerialNumber: f.client.Cert.SerialNumber}})
	nonce, _ := asn1.Marshal([]byte("0123456789abcdef"))
	req.TBS.Extensions = []pkix.Extension{{Id: oidNonce, Value: nonce}}
	der, err := asn1.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.r.Respond(der)
	if err != nil {
		t.Fatal(err)
	}
	var resp response
	if _, err := asn1.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	var basic basicResponse
	if _, err := asn1.Unmarshal(resp.Bytes.Response, &basic); err != nil {
		t.Fatal(err)
	}
	if len(basic.TBS.Extensions) != 1 || !basic.TBS.Extensions[0].Id.Equal(oidNonce) || !bytes.Equal(basic.TBS.Extensions[0].Value, nonce) {
		t.Fatalf("response extensions %v, want the request's nonce", basic.TBS.Extensions)
	}
	if _, err := xocsp.ParseResponse(out, f.r.Signer()); err != nil {
		t.Fatalf("response with nonce: %v", err)
	}
}
