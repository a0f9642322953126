package diagnose

import (
	"strings"
	"testing"
)

// p2sConfigured gives the healthy baseline a P2S configuration whose pool
// overlaps nothing (the lab's).
func p2sConfigured(ev *Evidence) {
	ev.Azure.Config.P2S = &P2SConfig{AddressPool: []string{"198.18.200.0/24"}, AuthTypes: []string{"Certificate"}}
	ev.P2S[0].VirtualIP = "198.18.200.1"
}

// poolOverOnprem is the pool moved onto the on-prem LAN, the client
// holding on-prem's first address.
func poolOverOnprem(ev *Evidence) {
	p2sConfigured(ev)
	ev.Azure.Config.P2S.AddressPool = []string{"198.18.10.0/24"}
	ev.Azure.Config.LocalGatewayPrefix = []string{"198.18.10.0/24"}
	ev.P2S[0].VirtualIP = "198.18.10.1"
}

func TestP2SPoolOverlap(t *testing.T) {
	v := Diagnose(with(configured, poolOverOnprem))
	checkVerdict(t, v, "p2s-pool-overlap", "overlaps the on-prem range 198.18.10.0/24")
	if v.Category != Routing {
		t.Errorf("category %s, want routing", v.Category)
	}
	if !strings.Contains(strings.Join(v.Facts, "\n"), "was given 198.18.10.1") {
		t.Errorf("the client's on-prem address is not a fact:\n%s", strings.Join(v.Facts, "\n"))
	}
	if v.UserError == "" {
		t.Error("no user-visible error stated")
	}
	for _, s := range v.Fix {
		if s.Source == "" {
			t.Errorf("fix step %d cites nothing", s.N)
		}
	}

	// Latent: no client holds an overlapping address yet; the
	// configuration alone names it.
	ev := with(configured, poolOverOnprem)
	ev.P2S[0].VirtualIP = ""
	checkVerdict(t, Diagnose(ev), "p2s-pool-overlap", "overlaps the on-prem range")

	// Inside the VNet (what Azure refuses on save, seen in a bundle).
	ev = with(configured, p2sConfigured)
	ev.Azure.Config.P2S.AddressPool = []string{"10.1.200.0/24"}
	checkVerdict(t, Diagnose(ev), "p2s-pool-overlap", "overlaps the VNet's address space 10.1.0.0/16")

	// The lab's pool overlaps nothing: healthy.
	if v := Diagnose(with(configured, p2sConfigured)); v.Category != Healthy {
		t.Errorf("a pool that overlaps nothing: %s/%s\n%s", v.Category, v.Fault, v)
	}
}

// noClientAuth: the client's certificate chains to the root and is valid,
// but carries EKU serverAuth only; the gateway refused it.
func noClientAuth(ev *Evidence) {
	ev.P2S[0].Connected = false
	ev.P2S[0].VirtualIP = ""
	ev.P2S[0].Cert.EKU = []string{"serverAuth"}
}

// revokedCert: the client's certificate is on the gateway's revoked list.
func revokedCert(ev *Evidence) {
	ev.P2S[0].Connected = false
	ev.P2S[0].VirtualIP = ""
	ev.P2S[0].Cert.Revoked = true
}

func TestP2SCertificateUserErrors(t *testing.T) {
	if v := Diagnose(with(noClientAuth)); !strings.Contains(v.UserError, "Error 798") || !strings.Contains(v.UserError, "Client Authentication EKU") {
		t.Errorf("EKU: user error %q", v.UserError)
	}
	if v := Diagnose(with(revokedCert)); !strings.Contains(v.UserError, "13801") || !strings.Contains(v.UserError, "revoked") {
		t.Errorf("revoked: user error %q", v.UserError)
	}
	// A connected client with the same certificate facts is not refused.
	ev := with(func(ev *Evidence) { ev.P2S[0].Cert.Revoked = true })
	if v := Diagnose(ev); v.Fault == "client-certificate-revoked" {
		t.Errorf("a connected client's certificate judged revoked: %s", v)
	}
}
