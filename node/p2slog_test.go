package node

import (
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
)

// charon ends a revoked client certificate's check with "no trusted RSA
// public key found": the P2SDiagnosticLog names the revocation for that
// IKE SA, and the root for another SA's.
func TestP2SLogRevoked(t *testing.T) {
	cp := azure.New(azure.DefaultModel())
	tr := &tracker{cp: cp}
	for _, e := range []TunnelEvent{
		{Kind: "log", Conn: contract.P2SConnName, SA: "3", Message: "certificate was revoked on Dec 01 19:17:25 UTC 2026, reason: unspecified"},
		{Kind: "log", Conn: contract.P2SConnName, SA: "3", Message: "no trusted RSA public key found for 'CN=p2s-client'"},
		{Kind: "log", Conn: contract.P2SConnName, SA: "4", Message: "no trusted RSA public key found for 'CN=p2s-client'"},
	} {
		tr.event(e)
	}
	var got []string
	for _, r := range cp.Logs(azure.CategoryP2S, time.Time{}) {
		got = append(got, r.Message)
	}
	want := []string{
		"Connection failed: client certificate is revoked: certificate was revoked on",
		"Connection failed: client certificate is revoked (OCSP status revoked): no trusted RSA public key found for 'CN=p2s-client'",
		"Connection failed: client certificate does not chain to an uploaded root certificate: no trusted RSA public key found for 'CN=p2s-client'",
	}
	if len(got) != len(want) {
		t.Fatalf("P2SDiagnosticLog:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("record %d: %q, want %q…", i, got[i], want[i])
		}
	}
}
