package azure_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// Client certificates are revoked and allowed again through the gateway's
// PUT of vpnClientRevokedCertificates, as Azure's: a thumbprint that is not
// 40 hex digits is refused, a list is applied whole (the roots stay), an
// empty list allows every certificate again, and GET shows the list.
func TestPutRevokedCertificates(t *testing.T) {
	m := azure.DefaultModel()
	m.Gateway.VpnClient = &azure.VpnClientConfiguration{AddressPrefixes: []string{"198.18.200.0/24"},
		Protocols: []string{"IkeV2"}, AuthenticationTypes: []string{"Certificate"},
		RootCertificates: []azure.VpnClientRootCertificate{{Name: "P2SRootCert", PublicCertData: "MIIB"}}}
	revoked := func(thumbs ...string) map[string]any {
		rs := []map[string]any{}
		for i, t := range thumbs {
			rs = append(rs, map[string]any{"name": "laptop-" + string(rune('a'+i)), "properties": map[string]any{"thumbprint": t}})
		}
		return props(map[string]any{"vpnClientConfiguration": map[string]any{"vpnClientRevokedCertificates": rs}})
	}
	const thumb = "A78B9671ACB4F6CEE441B0029488453714DCCFA7"

	rec := &recorder{}
	g := azure.New(m, azure.WithReconfigurer(rec))
	s := serve(t, g)
	url := base + "virtualNetworkGateways/vpnlab-vng" + version
	r := s.do(http.MethodPut, url, revoked("not-a-thumbprint"))
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "vpnClientRevokedCertificates[0].properties.thumbprint") {
		t.Fatalf("a bad thumbprint: status %d, body %s", r.status, r.body)
	}
	if n := len(rec.changes()); n != 0 {
		t.Errorf("Apply called %d times for a refused list", n)
	}

	r = s.do(http.MethodPut, url, revoked(thumb))
	if r.status != http.StatusOK {
		t.Fatalf("revoke: status %d; body %s", r.status, r.body)
	}
	if st, _ := s.await(r); st != "Succeeded" {
		t.Fatalf("operation %s", st)
	}
	cs := rec.changes()
	if len(cs) != 1 {
		t.Fatalf("applied %d changes, want 1", len(cs))
	}
	vc := cs[0].new.Gateway.VpnClient
	if len(vc.RevokedCertificates) != 1 || vc.RevokedCertificates[0].Thumbprint != thumb || vc.RevokedCertificates[0].Name != "laptop-a" {
		t.Fatalf("applied revoked list %+v", vc.RevokedCertificates)
	}
	if len(vc.RootCertificates) != 1 {
		t.Errorf("the roots went with the revoked list: %+v", vc.RootCertificates)
	}
	get := s.do(http.MethodGet, url, nil)
	if !strings.Contains(get.body, `"thumbprint":"`+thumb+`"`) {
		t.Errorf("GET does not show the revoked thumbprint: %s", get.body)
	}

	r = s.do(http.MethodPut, url, revoked())
	if r.status != http.StatusOK {
		t.Fatalf("allow again: status %d; body %s", r.status, r.body)
	}
	if st, _ := s.await(r); st != "Succeeded" {
		t.Fatalf("operation %s", st)
	}
	if got := g.Model().Gateway.VpnClient.RevokedCertificates; len(got) != 0 {
		t.Errorf("model revoked list %+v after an empty PUT", got)
	}
}
