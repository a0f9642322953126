package lab

import (
	"context"
	"net"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// signedInLab is a lab whose only node is the fake Azure API with sign-in
// (it checks every ARM request's token, as the lab's azure-gw does).
func signedInLab(t *testing.T) (*Lab, *azure.Gateway) {
	t.Helper()
	id, err := azure.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	g := azure.New(azure.DefaultModel(), azure.WithIdentity(id))
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	l := &Lab{id: "unit", Model: azure.DefaultModel(), identity: &id,
		nodes: map[string]*Node{AzureGW: {Name: AzureGW, ports: map[int]int{nodeAPIPort: p}}}}
	return l, g
}

// The fault catalog's writes go through the API with the lab's signed-in
// token; a named caller's change is recorded under that user.
func TestCatalogWritesSignIn(t *testing.T) {
	l, g := signedInLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	since := time.Now().Add(-time.Second)

	if err := l.SetLocalGateway(ctx, []string{"198.18.10.0/24", "198.18.11.0/24"}, ""); err != nil {
		t.Fatalf("SetLocalGateway: %v", err)
	}
	if got := g.Model().LocalGateway.AddressPrefixes; len(got) != 2 || got[1] != "198.18.11.0/24" {
		t.Errorf("address space after the PUT: %v", got)
	}
	if err := l.RestoreLocalGateway(ctx); err != nil {
		t.Fatalf("RestoreLocalGateway: %v", err)
	}
	if err := l.AzurePost(ctx, "virtualNetworkGateways", l.Model.Gateway.Name, "getBgpPeerStatus"); err != nil {
		t.Fatalf("AzurePost: %v", err)
	}
	if err := l.UpdateConnectionDPD(ctx, "netadmin@contoso.example", 30); err != nil {
		t.Fatalf("UpdateConnectionDPD: %v", err)
	}
	if got := g.Model().Connection.DpdTimeoutSeconds; got != 30 {
		t.Errorf("DPD timeout after the PUT: %d", got)
	}
	events, err := l.ActivityLog(ctx, since)
	if err != nil {
		t.Fatalf("ActivityLog: %v", err)
	}
	callers := map[string]string{}
	for _, e := range events {
		callers[e.OperationName] = e.Caller
	}
	if c := callers["Microsoft.Network/connections/write"]; c != "netadmin@contoso.example" {
		t.Errorf("the DPD change's caller is %q, want the named user (events %+v)", c, events)
	}
	if c := callers["Microsoft.Network/localNetworkGateways/write"]; c != l.identity.ClientID {
		t.Errorf("the lab's own change's caller is %q, want its service principal %s", c, l.identity.ClientID)
	}

	if err := l.RestoreConnectionDPD(ctx); err != nil {
		t.Fatalf("RestoreConnectionDPD: %v", err)
	}
	if got, want := g.Model().Connection.DpdTimeoutSeconds, azure.DefaultModel().Connection.DpdTimeoutSeconds; got != want {
		t.Errorf("DPD timeout after the revert: %d, want %d", got, want)
	}

	// A token the fake did not sign is refused, as Azure refuses it: the
	// test above would fail if the lab's writes went unsigned.
	a, err := l.AzureAPI()
	if err != nil {
		t.Fatal(err)
	}
	status, _, b, err := a.sendBody(ctx, "PUT", a.armURL("connections", l.Model.Connection.Name, "", nil), []byte(`{"properties":{}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if status != 200 && status != 201 && status != 202 {
		t.Errorf("signed PUT: %d %s", status, b)
	}
	l.identity = nil // as an older lab without sign-in: the fake still checks
	status, _, b, _ = a.sendBody(ctx, "PUT", a.armURL("connections", l.Model.Connection.Name, "", nil), []byte(`{"properties":{}}`), "")
	if status != 401 {
		t.Errorf("an unsigned token got %d %s, want 401", status, b)
	}
}
