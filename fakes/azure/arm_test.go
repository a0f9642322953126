package azure_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// slowApply is a Reconfigurer whose Apply waits until release is closed.
type slowApply struct{ release chan struct{} }

func (s *slowApply) Apply(ctx context.Context, _, _ azure.Model) error {
	select {
	case <-s.release:
	case <-ctx.Done():
	}
	return nil
}
func (s *slowApply) Reset(context.Context) error { return nil }

func TestListAndGenericResources(t *testing.T) {
	g, _ := newGateway(t)
	s := serve(t, g)
	rg := "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/vpnlab-rg"
	for kind, name := range map[string]string{"virtualNetworkGateways": "vpnlab-vng", "localNetworkGateways": "onprem-lng",
		"connections": "onprem-conn", "CONNECTIONS": "onprem-conn"} {
		r := s.do("GET", base+kind+version, nil)
		v, _ := r.obj(t)["value"].([]any)
		if r.status != 200 || len(v) != 1 || v[0].(map[string]any)["name"] != name {
			t.Errorf("list %s: %d %s", kind, r.status, r.body)
		}
	}
	r := s.do("GET", base+"routeFilters"+version, nil)
	if r.status != 404 || errorCode(t, r) != "InvalidResourceType" {
		t.Errorf("unknown kind: %d %s", r.status, r.body)
	}
	for _, p := range []string{subscription + "/resources" + version, rg + "/resources" + version} {
		r := s.do("GET", p, nil)
		if v, _ := r.obj(t)["value"].([]any); r.status != 200 || len(v) != 3 {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	r = s.do("GET", subscription+"/resources"+version+"&$filter=resourceType%20eq%20'Microsoft.Network/connections'", nil)
	if v, _ := r.obj(t)["value"].([]any); len(v) != 1 {
		t.Errorf("filtered: %s", r.body)
	}
	r = s.do("GET", base+"virtualNetworkGateways/vpnlab-vng/connections"+version, nil)
	if v, _ := r.obj(t)["value"].([]any); r.status != 200 || len(v) != 1 || !strings.Contains(r.body, `"connectionStatus":"Unknown"`) {
		t.Errorf("gateway connections: %d %s", r.status, r.body)
	}
	if strings.Contains(r.body, sharedKey) {
		t.Error("a list discloses the key")
	}
}

func TestPatchTagsAndEtag(t *testing.T) {
	g, _ := newGateway(t)
	s := serve(t, g)
	for _, p := range []string{"localNetworkGateways/onprem-lng", "virtualNetworkGateways/vpnlab-vng", "connections/onprem-conn"} {
		before := s.do("GET", base+p+version, nil).obj(t)
		etag, guid := before["etag"].(string), get(t, before, "properties", "resourceGuid")
		if !strings.HasPrefix(etag, `W/"`) {
			t.Fatalf("%s etag %q", p, etag)
		}
		r := s.do("PATCH", base+p+version, map[string]any{"tags": map[string]string{"env": "lab"}})
		if r.status != 200 || get(t, r.obj(t), "tags", "env") != "lab" {
			t.Fatalf("PATCH %s: %d %s", p, r.status, r.body)
		}
		if lro := r.header.Get("Azure-AsyncOperation") != ""; lro == strings.HasPrefix(p, "local") {
			t.Errorf("PATCH %s: Azure-AsyncOperation %q (Azure runs UpdateTags as an LRO for gateways and connections only)", p, r.header.Get("Azure-AsyncOperation"))
		}
		after := s.do("GET", base+p+version, nil).obj(t)
		if after["etag"] == etag || get(t, after, "properties", "resourceGuid") != guid {
			t.Errorf("%s: etag %v -> %v, guid %v -> %v", p, etag, after["etag"], guid, get(t, after, "properties", "resourceGuid"))
		}
		// A write with the old etag is refused; with the current one it goes.
		req := func(match string) response {
			req, _ := http.NewRequest("PATCH", s.srv.URL+base+p+version, strings.NewReader(`{"tags":{}}`))
			req.Header.Set("Authorization", "Bearer x")
			req.Header.Set("If-Match", match)
			resp, err := s.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return response{resp.StatusCode, resp.Header, string(b)}
		}
		if r := req(etag); r.status != 412 || errorCode(t, r) != "PreconditionFailed" {
			t.Errorf("stale If-Match on %s: %d %s", p, r.status, r.body)
		}
		if r := req(after["etag"].(string)); r.status != 200 || strings.Contains(r.body, `"tags"`) {
			t.Errorf("current If-Match on %s: %d %s", p, r.status, r.body)
		}
	}
	if n := len(ops(g, azure.CategoryGateway)); n != 6 {
		t.Errorf("%d gateway log records for 6 tag changes", n)
	}
}

// TestUpdatingWhileApplying: a PUT shows Updating, and its operation stays
// InProgress, until the change is applied; another change meanwhile is 409.
func TestUpdatingWhileApplying(t *testing.T) {
	slow := &slowApply{release: make(chan struct{})}
	g, _ := newGateway(t, azure.WithReconfigurer(slow))
	s := serve(t, g)
	path := base + "localNetworkGateways/onprem-lng" + version
	r := s.do("PUT", path, props(map[string]any{"localNetworkAddressSpace": map[string]any{"addressPrefixes": []string{"198.18.10.0/24", "198.18.11.0/24"}}}))
	if r.status != 200 || get(t, r.obj(t), "properties", "provisioningState") != "Updating" {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	if st := s.status(r); st != "InProgress" {
		t.Errorf("operation %s while applying", st)
	}
	if got := get(t, s.do("GET", path, nil).obj(t), "properties", "provisioningState"); got != "Updating" {
		t.Errorf("GET while applying: %v", got)
	}
	if r2 := s.do("PATCH", path, map[string]any{"tags": map[string]string{"a": "b"}}); r2.status != 409 {
		t.Errorf("concurrent change: %d %s", r2.status, r2.body)
	}
	close(slow.release)
	if st, _ := s.await(r); st != "Succeeded" {
		t.Errorf("operation %s", st)
	}
	after := s.do("GET", path, nil).obj(t)
	if get(t, after, "properties", "provisioningState") != "Succeeded" ||
		len(get(t, after, "properties", "localNetworkAddressSpace", "addressPrefixes").([]any)) != 2 {
		t.Errorf("after: %v", after)
	}
}

func TestActiveActiveBgpPeeringAddress(t *testing.T) {
	m := azure.DefaultModel()
	m.Gateway.ActiveActive, m.Gateway.PublicIP2 = true, "203.0.113.11"
	m.Gateway.BgpPeeringAddress, m.Gateway.BgpPeeringAddress2 = "198.19.255.4", "198.19.255.5"
	g := azure.New(m)
	r := serve(t, g).do("GET", base+"virtualNetworkGateways/vpnlab-vng"+version, nil).obj(t)
	wantValue(t, "bgpPeeringAddress", get(t, r, "properties", "bgpSettings", "bgpPeeringAddress"), "198.19.255.4,198.19.255.5")
	wantValue(t, "IN_1 default", get(t, r, "properties", "bgpSettings", "bgpPeeringAddresses", 1, "defaultBgpIpAddresses", 0), "198.19.255.5")
}

func TestDeleteAndNotFound(t *testing.T) {
	g, _ := newGateway(t)
	s := serve(t, g)
	for _, tt := range []struct {
		method, path string
		status       int
		code, text   string
	}{
		{"DELETE", base + "localNetworkGateways/onprem-lng" + version, 400, "InUseLocalNetworkGatewayCannotBeDeleted", "in use by connection"},
		{"DELETE", base + "virtualNetworkGateways/vpnlab-vng" + version, 400, "InUseVirtualNetworkGatewayCannotBeDeleted", "in use by connection"},
		{"DELETE", base + "connections/onprem-conn" + version, 409, "OperationNotAllowed", "does not delete"},
		{"GET", base + "virtualnetworkgateways/other" + version, 404, "ResourceNotFound", "'Microsoft.Network/virtualNetworkGateways/other'"},
		{"GET", base + "connections/onprem-conn/nope" + version, 404, "ResourceNotFound", "'Microsoft.Network/connections/onprem-conn'"},
	} {
		r := s.do(tt.method, tt.path, nil)
		if r.status != tt.status || errorCode(t, r) != tt.code || !strings.Contains(r.body, tt.text) {
			t.Errorf("%s %s: %d %s", tt.method, tt.path, r.status, r.body)
		}
	}
}
