package azure_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// The point-to-site address pool is changed through the gateway's PUT, as
// Azure's: a pool over an on-prem range is accepted and applied, one
// inside the VNet is refused with the portal's message.
func TestPutP2SPool(t *testing.T) {
	m := azure.DefaultModel()
	m.Gateway.VpnClient = &azure.VpnClientConfiguration{AddressPrefixes: []string{"198.18.200.0/24"},
		Protocols: []string{"IkeV2"}, AuthenticationTypes: []string{"Certificate"}}
	pool := func(p ...string) map[string]any {
		return props(map[string]any{"vpnClientConfiguration": map[string]any{
			"vpnClientAddressPool": map[string]any{"addressPrefixes": p}}})
	}

	rec := &recorder{}
	g := azure.New(m, azure.WithReconfigurer(rec))
	s := serve(t, g)
	r := s.do(http.MethodPut, base+"virtualNetworkGateways/vpnlab-vng"+version, pool("198.19.200.0/24"))
	if r.status != http.StatusBadRequest {
		t.Fatalf("a pool inside the VNet: status %d, want 400; body %s", r.status, r.body)
	}
	wantValue(t, "error.code", errorCode(t, r), azure.CodeVpnClientAddressPoolOverlaps)
	if !strings.Contains(r.body, "overlaps with the virtual network's address space") {
		t.Errorf("message %s", r.body)
	}
	if n := len(rec.changes()); n != 0 {
		t.Errorf("Apply called %d times for a refused pool", n)
	}

	r = s.do(http.MethodPut, base+"virtualNetworkGateways/vpnlab-vng"+version, pool("198.18.10.0/24"))
	if r.status != http.StatusOK {
		t.Fatalf("a pool over on-prem: status %d; body %s", r.status, r.body)
	}
	if st, _ := s.await(r); st != "Succeeded" {
		t.Fatalf("operation %s", st)
	}
	cs := rec.changes()
	if len(cs) != 1 || !slices.Equal(cs[0].new.Gateway.VpnClient.AddressPrefixes, []string{"198.18.10.0/24"}) {
		t.Fatalf("applied %+v", cs)
	}
	if got := g.Model().Gateway.VpnClient.AddressPrefixes; !slices.Equal(got, []string{"198.18.10.0/24"}) {
		t.Errorf("model pool %v", got)
	}
}
