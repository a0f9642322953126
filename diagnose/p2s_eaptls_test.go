package diagnose

import (
	"strings"
	"testing"
	"time"
)

// radiusEAPTLS: P2S users authenticate with their certificate in EAP-TLS,
// which the gateway relays to RADIUS server 198.19.2.10 (no roots on the
// gateway: the RADIUS server holds them). The lines are the ones the
// lab's client and FreeRADIUS printed in a live run.
func radiusEAPTLS(ev *Evidence) {
	radiusAuth(ev)
	cl := &ev.P2S[0]
	cl.Cert = &CertInfo{Subject: "CN=p2s-client", Issuer: "CN=P2SRootCert", NotBefore: t0.Add(-time.Hour),
		NotAfter: t0.AddDate(1, 0, 0), EKU: []string{"clientAuth"}, Thumbprint: "8872B98F5BF28BDCF18BEDF5AA75F4E9FAA28632"}
	cl.Roots, cl.EAP, cl.User = nil, "eap-tls", "p2s-client.vpnlab.example"
	ev.Radius.Log = []LogLine{{Time: t0.Add(time.Second), Source: "freeradius",
		Message: "Auth: (6) Login OK: [p2s-client.vpnlab.example] (from client azure-gateway-subnet port 2 cli 198.51.100.20[4500])"}}
}

// eapTLSPurpose: the client's certificate has EKU serverAuth only; the
// RADIUS server's OpenSSL refuses it for the TLS client purpose.
func eapTLSPurpose(ev *Evidence) {
	cl := &ev.P2S[0]
	cl.Connected, cl.VirtualIP = false, ""
	cl.Cert.EKU = []string{"serverAuth"}
	for i, m := range []string{"sending TLS client certificate 'CN=p2s-client'", "parsed IKE_AUTH response 7 [ EAP/FAIL ]",
		"received EAP_FAILURE, EAP authentication failed"} {
		cl.Log = append(cl.Log, LogLine{Time: t0.Add(time.Duration(10+i) * time.Second), Source: "charon", Message: m})
	}
	for i, m := range []string{"ERROR: (18) eap_tls:   ERROR: (TLS) OpenSSL says error 26 : unsuitable certificate purpose",
		"ERROR: (18) eap_tls: ERROR: (TLS) Alert write:fatal:unsupported certificate",
		"Auth: (18) Login incorrect (eap_tls: (TLS) OpenSSL says error 26 : unsuitable certificate purpose): [p2s-client.vpnlab.example] (from client azure-gateway-subnet port 4 cli 198.51.100.20[4500])"} {
		ev.Radius.Log = append(ev.Radius.Log, LogLine{Time: t0.Add(time.Duration(11+i) * time.Second), Source: "freeradius", Message: m})
	}
}

func TestEAPTLSClientCertificateEKU(t *testing.T) {
	if v := Diagnose(with(configured, radiusEAPTLS)); v.Category != Healthy {
		t.Fatalf("connected EAP-TLS client: %s/%s\n%s", v.Category, v.Fault, v)
	}
	v := Diagnose(with(configured, radiusEAPTLS, eapTLSPurpose))
	checkVerdict(t, v, "client-certificate-eku", "OpenSSL says error 26 : unsuitable certificate purpose")
	if v.Confidence != 0.9 {
		t.Errorf("confidence %.2f, want 0.90 (the RADIUS server's own words)", v.Confidence)
	}
	if !strings.Contains(v.Summary, "RADIUS server's EAP-TLS check") || strings.Contains(v.Summary, "uploaded root") {
		t.Errorf("summary %q: no root is uploaded to the gateway, the RADIUS server checks", v.Summary)
	}
	// Another user's refusal on the RADIUS server is not this client's.
	ev := with(configured, radiusEAPTLS, eapTLSPurpose)
	for i := range ev.Radius.Log {
		ev.Radius.Log[i].Message = strings.ReplaceAll(ev.Radius.Log[i].Message, "p2s-client.vpnlab.example", "other-user.example")
	}
	if v := Diagnose(ev); strings.Contains(strings.Join(v.Facts, "\n"), "unsuitable certificate purpose") || v.Confidence > 0.85 {
		t.Errorf("another user's line was taken as this client's: %.2f %q", v.Confidence, v.Facts)
	}
}
