// Package ocsp is the fake Azure gateway's revocation check of point-to-site
// client certificates. Azure refuses a client certificate whose thumbprint
// is on the gateway's vpnClientRevokedCertificates; strongSwan has no
// thumbprint list, but its revocation plugin asks an OCSP responder about
// every client certificate it verifies. Responder answers charon's OCSP
// requests from the revoked list: a certificate whose thumbprint is listed
// is revoked, any other good. An OCSP request names a certificate by its
// issuer and serial number only, so Responder learns the client
// certificates it may be asked about (the lab hands the gateway those it
// issued, as Azure's gateway sees each certificate when the client
// connects) and maps their serials to thumbprints.
//
// Responses are signed by Responder's own OCSP signer, a self-signed
// certificate with EKU OCSPSigning that charon trusts as a locally
// installed OCSP signer (vici load-cert, flag ocsp).
package ocsp

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/pki"
)

// Validity is how long a response may be used: short, so that a
// thumbprint taken off the list is honoured at the client's next attempt.
const Validity = 5 * time.Second

// Responder answers OCSP requests about the point-to-site client certificates.
type Responder struct {
	key    *ecdsa.PrivateKey
	signer *x509.Certificate

	mu      sync.Mutex
	roots   []*x509.Certificate
	clients []*x509.Certificate
	revoked map[string]time.Time // upper-case thumbprint → when it was listed
	now     func() time.Time
}

// New makes a responder with a fresh signer (ECDSA P-256) valid for a year.
func New() (*Responder, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	sn, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: sn, Subject: pkix.Name{CommonName: "vpnlab Azure gateway OCSP signer"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Responder{key: key, signer: c, revoked: map[string]time.Time{}, now: time.Now}, nil
}

// SignerPEM is the signer's certificate, for charon to trust.
func (r *Responder) SignerPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.signer.Raw}))
}

// Signer is the signer's certificate.
func (r *Responder) Signer() *x509.Certificate { return r.signer }

// SetRoots sets the uploaded roots (the issuers requests name).
func (r *Responder) SetRoots(roots []*x509.Certificate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.roots = roots
}

// Learn adds client certificates the responder may be asked about.
func (r *Responder) Learn(certs ...*x509.Certificate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range certs {
		if !containsCert(r.clients, c) {
			r.clients = append(r.clients, c)
		}
	}
}

func containsCert(cs []*x509.Certificate, c *x509.Certificate) bool {
	for _, o := range cs {
		if bytes.Equal(o.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// SetRevoked sets the revoked thumbprints (any case, spaces ignored); a
// thumbprint already listed keeps the time it was listed at.
func (r *Responder) SetRevoked(thumbprints []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := map[string]time.Time{}
	for _, t := range thumbprints {
		t = strings.ToUpper(strings.ReplaceAll(t, " ", ""))
		if at, ok := r.revoked[t]; ok {
			next[t] = at
		} else {
			next[t] = r.now().Add(-time.Second)
		}
	}
	r.revoked = next
}

// ASN.1 of RFC 6960 (the parts this responder reads and writes).
type certID struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	NameHash      []byte
	IssuerKeyHash []byte
	SerialNumber  *big.Int
}

type request struct {
	TBS struct {
		Version       int           `asn1:"explicit,tag:0,default:0,optional"`
		RequestorName asn1.RawValue `asn1:"explicit,tag:1,optional"`
		List          []struct {
			Cert       certID
			Extensions []pkix.Extension `asn1:"explicit,tag:0,optional"`
		}
		Extensions []pkix.Extension `asn1:"explicit,tag:2,optional"`
	}
	Signature asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

type revokedInfo struct {
	RevocationTime time.Time `asn1:"generalized"`
}

type singleResponse struct {
	CertID     certID
	Good       asn1.Flag   `asn1:"tag:0,optional"`
	Revoked    revokedInfo `asn1:"tag:1,optional"`
	ThisUpdate time.Time   `asn1:"generalized"`
	NextUpdate time.Time   `asn1:"generalized,explicit,tag:0,optional"`
}

type responseData struct {
	ResponderID asn1.RawValue
	ProducedAt  time.Time `asn1:"generalized"`
	Responses   []singleResponse
	Extensions  []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

type basicResponse struct {
	TBS       responseData
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

type responseBytes struct {
	Type     asn1.ObjectIdentifier
	Response []byte
}

type response struct {
	Status asn1.Enumerated
	Bytes  responseBytes `asn1:"explicit,tag:0,optional"`
}

var (
	oidSHA1        = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidNonce       = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidBasic       = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidECDSASHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

// statusFor says whether the certificate id names is revoked (and since
// when); ok is false when no uploaded root issued it.
func (r *Responder) statusFor(id certID) (revoked bool, at time.Time, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !id.HashAlgorithm.Algorithm.Equal(oidSHA1) {
		return false, time.Time{}, false
	}
	var issuer *x509.Certificate
	for _, root := range r.roots {
		n, k := issuerHashes(root)
		if bytes.Equal(n, id.NameHash) && bytes.Equal(k, id.IssuerKeyHash) {
			issuer = root
			break
		}
	}
	if issuer == nil {
		return false, time.Time{}, false
	}
	for _, c := range r.clients {
		if c.SerialNumber.Cmp(id.SerialNumber) != 0 || !bytes.Equal(c.RawIssuer, issuer.RawSubject) {
			continue
		}
		if at, listed := r.revoked[pki.Thumbprint(c)]; listed {
			return true, at, true
		}
	}
	return false, time.Time{}, true
}

// issuerHashes are the SHA-1 hashes of a CA's name and public key an OCSP
// request names it by.
func issuerHashes(ca *x509.Certificate) (name, key []byte) {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(ca.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, nil
	}
	n, k := sha1.Sum(ca.RawSubject), sha1.Sum(spki.PublicKey.RightAlign())
	return n[:], k[:]
}

// Respond answers a DER OCSP request with a DER OCSP response.
func (r *Responder) Respond(der []byte) ([]byte, error) {
	var req request
	if _, err := asn1.Unmarshal(der, &req); err != nil {
		return marshalStatus(1) // malformedRequest
	}
	if len(req.TBS.List) == 0 {
		return marshalStatus(1)
	}
	now := r.now().UTC().Truncate(time.Second)
	data := responseData{
		ResponderID: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: r.signer.RawSubject},
		ProducedAt:  now,
	}
	for _, it := range req.TBS.List {
		revoked, at, ok := r.statusFor(it.Cert)
		if !ok {
			return marshalStatus(6) // unauthorized: not a certificate of an uploaded root
		}
		s := singleResponse{CertID: it.Cert, ThisUpdate: now.Add(-time.Second), NextUpdate: now.Add(Validity)}
		if revoked {
			s.Revoked = revokedInfo{RevocationTime: at.UTC().Truncate(time.Second)}
		} else {
			s.Good = true
		}
		data.Responses = append(data.Responses, s)
	}
	for _, e := range req.TBS.Extensions {
		if e.Id.Equal(oidNonce) {
			data.Extensions = append(data.Extensions, pkix.Extension{Id: oidNonce, Value: e.Value})
		}
	}
	tbs, err := asn1.Marshal(data)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(tbs)
	sig, err := r.key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	basic, err := asn1.Marshal(basicResponse{TBS: data, Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidECDSASHA256},
		Signature: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(response{Status: 0, Bytes: responseBytes{Type: oidBasic, Response: basic}})
}

func marshalStatus(s int) ([]byte, error) {
	return asn1.Marshal(struct{ Status asn1.Enumerated }{asn1.Enumerated(s)})
}

// ServeHTTP answers OCSP over HTTP (RFC 6960 appendix A: POST with the DER
// request as body, the DER response as application/ocsp-response).
func (r *Responder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "OCSP requests are POSTed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 64<<10))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := r.Respond(body)
	if err != nil {
		http.Error(w, fmt.Sprintf("ocsp: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	_, _ = w.Write(resp)
}
