package azure_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

const (
	base    = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/vpnlab-rg/providers/Microsoft.Network/"
	version = "?api-version=2023-09-01"
)

type response struct {
	status int
	header http.Header
	body   string
}

// obj decodes the body as a JSON object.
func (r response) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func call(t *testing.T, g *azure.Gateway, method, path string) response {
	t.Helper()
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	return send(t, srv, method, srv.URL+path, nil)
}

// send performs one request with a bearer token; body, unless nil, is
// sent as is if it is a string, else marshalled to JSON.
func send(t *testing.T, srv *httptest.Server, method, url string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer anything")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// lro starts a long-running action with POST and follows it the way the
// Azure SDK does: 202, then the Azure-AsyncOperation URL until a terminal
// status, then the Location URL. It returns the final response.
func lro(t *testing.T, g *azure.Gateway, path string, body any) response {
	t.Helper()
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	return follow(t, srv, send(t, srv, http.MethodPost, srv.URL+path, body))
}

func follow(t *testing.T, srv *httptest.Server, r response) response {
	t.Helper()
	if r.status != http.StatusAccepted {
		t.Fatalf("status %d, want 202; body %s", r.status, r.body)
	}
	async, location := r.header.Get("Azure-AsyncOperation"), r.header.Get("Location")
	if !strings.HasPrefix(async, srv.URL+"/") || !strings.HasPrefix(location, srv.URL+"/") {
		t.Fatalf("polling URLs %q, %q are not absolute on %s", async, location, srv.URL)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := send(t, srv, http.MethodGet, async, nil)
		if st.status != http.StatusOK {
			t.Fatalf("GET Azure-AsyncOperation: status %d, body %s", st.status, st.body)
		}
		status, _ := st.obj(t)["status"].(string)
		if status != "InProgress" {
			if status != "Succeeded" {
				t.Fatalf("operation status %q: %s", status, st.body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("operation still in progress after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return send(t, srv, http.MethodGet, location, nil)
}

// get walks a decoded JSON value along keys (object keys or list indexes).
func get(t *testing.T, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: %v is not an object", k, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("missing key %q in %v", k, m)
			}
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at [%d]: %v is not a list that long", k, v)
			}
			v = l[k]
		}
	}
	return v
}

// keys returns the sorted keys of a JSON object.
func keys(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is not an object", v)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func wantKeys(t *testing.T, what string, v any, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := keys(t, v); !slices.Equal(got, want) {
		t.Errorf("%s keys = %v, want %v", what, got, want)
	}
}

func wantValue(t *testing.T, what string, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v (%T), want %v (%T)", what, got, got, want, want)
	}
}

func TestGetVirtualNetworkGateway(t *testing.T) {
	g, _ := newGateway(t)
	r := call(t, g, http.MethodGet, base+"virtualNetworkGateways/vpnlab-vng"+version)
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	v := r.obj(t)
	m := g.Model()
	gwID := m.ID("virtualNetworkGateways", "vpnlab-vng")
	wantKeys(t, "resource", v, "id", "name", "etag", "type", "location", "properties")
	wantValue(t, "id", v["id"], gwID)
	wantValue(t, "name", v["name"], "vpnlab-vng")
	wantValue(t, "type", v["type"], "Microsoft.Network/virtualNetworkGateways")
	wantValue(t, "location", v["location"], "japaneast")

	p := get(t, v, "properties")
	wantKeys(t, "properties", p, "resourceGuid", "provisioningState", "gatewayType", "vpnType", "sku", "activeActive",
		"enableBgp", "bgpSettings", "ipConfigurations")
	wantValue(t, "provisioningState", get(t, p, "provisioningState"), "Succeeded")
	wantValue(t, "gatewayType", get(t, p, "gatewayType"), "Vpn")
	wantValue(t, "vpnType", get(t, p, "vpnType"), "RouteBased")
	wantValue(t, "sku.name", get(t, p, "sku", "name"), "VpnGw1")
	wantValue(t, "sku.tier", get(t, p, "sku", "tier"), "VpnGw1")
	wantValue(t, "activeActive", get(t, p, "activeActive"), false)
	wantValue(t, "enableBgp", get(t, p, "enableBgp"), true)

	bgp := get(t, p, "bgpSettings")
	wantKeys(t, "bgpSettings", bgp, "asn", "bgpPeeringAddress", "peerWeight", "bgpPeeringAddresses")
	wantValue(t, "asn", get(t, bgp, "asn"), float64(65515))
	wantValue(t, "bgpPeeringAddress", get(t, bgp, "bgpPeeringAddress"), "198.19.255.30")
	wantValue(t, "peerWeight", get(t, bgp, "peerWeight"), float64(0))
	addr := get(t, bgp, "bgpPeeringAddresses", 0)
	wantKeys(t, "bgpPeeringAddresses[0]", addr, "ipconfigurationId", "defaultBgpIpAddresses", "customBgpIpAddresses", "tunnelIpAddresses")
	wantValue(t, "ipconfigurationId", get(t, addr, "ipconfigurationId"), gwID+"/ipConfigurations/default")
	wantValue(t, "defaultBgpIpAddresses[0]", get(t, addr, "defaultBgpIpAddresses", 0), "198.19.255.30")
	wantValue(t, "customBgpIpAddresses[0]", get(t, addr, "customBgpIpAddresses", 0), "169.254.21.1")
	wantValue(t, "tunnelIpAddresses[0]", get(t, addr, "tunnelIpAddresses", 0), "203.0.113.10")

	ipc := get(t, p, "ipConfigurations", 0)
	wantKeys(t, "ipConfigurations[0]", ipc, "id", "name", "properties")
	wantValue(t, "ipConfigurations[0].id", get(t, ipc, "id"), gwID+"/ipConfigurations/default")
	wantKeys(t, "ipConfigurations[0].properties", get(t, ipc, "properties"),
		"privateIPAllocationMethod", "subnet", "publicIPAddress", "provisioningState")
	if id, _ := get(t, ipc, "properties", "subnet", "id").(string); !strings.HasSuffix(id, "/subnets/GatewaySubnet") {
		t.Errorf("subnet id = %q, want a GatewaySubnet", id)
	}
}

func TestGetLocalNetworkGateway(t *testing.T) {
	g, _ := newGateway(t)
	r := call(t, g, http.MethodGet, base+"localNetworkGateways/onprem-lng"+version)
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	v := r.obj(t)
	wantKeys(t, "resource", v, "id", "name", "etag", "type", "location", "properties")
	wantValue(t, "id", v["id"], g.Model().ID("localNetworkGateways", "onprem-lng"))
	wantValue(t, "type", v["type"], "Microsoft.Network/localNetworkGateways")
	p := get(t, v, "properties")
	wantKeys(t, "properties", p, "resourceGuid", "provisioningState", "gatewayIpAddress", "localNetworkAddressSpace", "bgpSettings")
	wantValue(t, "gatewayIpAddress", get(t, p, "gatewayIpAddress"), "198.51.100.10")
	wantValue(t, "addressPrefixes[0]", get(t, p, "localNetworkAddressSpace", "addressPrefixes", 0), "198.18.10.0/24")
	wantValue(t, "bgpSettings.asn", get(t, p, "bgpSettings", "asn"), float64(65020))
	wantValue(t, "bgpSettings.bgpPeeringAddress", get(t, p, "bgpSettings", "bgpPeeringAddress"), "169.254.21.2")
}

func TestGetConnection(t *testing.T) {
	m := azure.DefaultModel()
	m.Connection.IpsecPolicies = []azure.IpsecPolicy{validPolicy()}
	c := newClock()
	g := azure.New(m, azure.WithClock(c.now))

	r := call(t, g, http.MethodGet, base+"connections/onprem-conn"+version)
	p := get(t, r.obj(t), "properties")
	wantValue(t, "initial connectionStatus", get(t, p, "connectionStatus"), "Unknown")

	g.TunnelConnected(onpremIP)
	g.SetTraffic(1234, 5678, 1, 2)
	r = call(t, g, http.MethodGet, base+"connections/onprem-conn"+version)
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	v := r.obj(t)
	wantKeys(t, "resource", v, "id", "name", "etag", "type", "location", "properties")
	wantValue(t, "type", v["type"], "Microsoft.Network/connections")
	wantValue(t, "id", v["id"], m.ID("connections", "onprem-conn"))
	p = get(t, v, "properties")
	wantKeys(t, "properties", p, "resourceGuid", "provisioningState", "connectionType", "connectionProtocol", "connectionMode",
		"routingWeight", "enableBgp", "dpdTimeoutSeconds", "usePolicyBasedTrafficSelectors", "ipsecPolicies",
		"trafficSelectorPolicies", "connectionStatus", "ingressBytesTransferred", "egressBytesTransferred",
		"tunnelConnectionStatus", "virtualNetworkGateway1", "localNetworkGateway2")
	wantValue(t, "connectionType", get(t, p, "connectionType"), "IPsec")
	wantValue(t, "connectionProtocol", get(t, p, "connectionProtocol"), "IKEv2")
	wantValue(t, "connectionStatus", get(t, p, "connectionStatus"), "Connected")
	wantValue(t, "ingressBytesTransferred", get(t, p, "ingressBytesTransferred"), float64(1234))
	wantValue(t, "egressBytesTransferred", get(t, p, "egressBytesTransferred"), float64(5678))
	wantValue(t, "enableBgp", get(t, p, "enableBgp"), true)
	wantValue(t, "dpdTimeoutSeconds", get(t, p, "dpdTimeoutSeconds"), float64(45))
	wantValue(t, "usePolicyBasedTrafficSelectors", get(t, p, "usePolicyBasedTrafficSelectors"), false)
	wantValue(t, "virtualNetworkGateway1.id", get(t, p, "virtualNetworkGateway1", "id"), m.ID("virtualNetworkGateways", "vpnlab-vng"))
	wantValue(t, "localNetworkGateway2.id", get(t, p, "localNetworkGateway2", "id"), m.ID("localNetworkGateways", "onprem-lng"))

	pol := get(t, p, "ipsecPolicies", 0)
	wantKeys(t, "ipsecPolicies[0]", pol, "saLifeTimeSeconds", "saDataSizeKilobytes", "ipsecEncryption",
		"ipsecIntegrity", "ikeEncryption", "ikeIntegrity", "dhGroup", "pfsGroup")
	wantValue(t, "ipsecPolicies[0].dhGroup", get(t, pol, "dhGroup"), "DHGroup14")

	tun := get(t, p, "tunnelConnectionStatus", 0)
	wantKeys(t, "tunnelConnectionStatus[0]", tun, "tunnel", "connectionStatus", "ingressBytesTransferred",
		"egressBytesTransferred", "lastConnectionEstablishedUtcTime")
	wantValue(t, "tunnel", get(t, tun, "tunnel"), "onprem-conn_203.0.113.10")
	wantValue(t, "tunnel connectionStatus", get(t, tun, "connectionStatus"), "Connected")
	wantValue(t, "lastConnectionEstablishedUtcTime", get(t, tun, "lastConnectionEstablishedUtcTime"), "03/01/2026 03:00:01")

	if strings.Contains(strings.ToLower(r.body), "sharedkey") || strings.Contains(r.body, sharedKey) {
		t.Errorf("connection discloses the shared key: %s", r.body)
	}
}

func TestGetConnectionDefaultsDpd(t *testing.T) {
	m := azure.DefaultModel()
	m.Connection.DpdTimeoutSeconds = 0 // unset: Azure's default applies
	r := call(t, azure.New(m), http.MethodGet, base+"connections/onprem-conn"+version)
	wantValue(t, "dpdTimeoutSeconds", get(t, r.obj(t), "properties", "dpdTimeoutSeconds"), float64(45))
}

// TestGetSharedKeyReturnsKey: an authorised caller reads the key, as
// from Azure (Get-AzVirtualNetworkGatewayConnectionSharedKey).
func TestGetSharedKeyReturnsKey(t *testing.T) {
	g, _ := newGateway(t)
	r := call(t, g, http.MethodGet, base+"connections/onprem-conn/sharedkey"+version)
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	v := r.obj(t)
	wantKeys(t, "sharedkey", v, "value")
	wantValue(t, "value", v["value"], sharedKey)
	if l := g.Logs("", time.Time{}); strings.Contains(fmt.Sprint(l), sharedKey) {
		t.Errorf("reading the key logged it: %v", l)
	}
}

func TestGetBgpPeerStatus(t *testing.T) {
	g, _ := newGateway(t)
	g.SetBgpPeer(azure.BgpPeerStatus{LocalAddress: "169.254.21.1", Neighbor: "169.254.21.2", Asn: 65020,
		State: "Connected", ConnectedDuration: "00:10:00", RoutesReceived: 2, MessagesSent: 30, MessagesReceived: 31})
	g.SetBgpPeer(azure.BgpPeerStatus{LocalAddress: "198.19.255.30", Neighbor: "198.18.10.4", Asn: 65030, State: "Idle"})

	tests := []struct {
		query     string
		neighbors []string
	}{
		{version, []string{"169.254.21.2", "198.18.10.4"}},
		{version + "&peer=169.254.21.2", []string{"169.254.21.2"}},
		{version + "&peer=192.0.2.1", nil},
	}
	for _, tt := range tests {
		r := lro(t, g, base+"virtualNetworkGateways/vpnlab-vng/getBgpPeerStatus"+tt.query, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d, body %s", tt.query, r.status, r.body)
		}
		v := r.obj(t)
		wantKeys(t, "response", v, "value")
		list, _ := v["value"].([]any)
		var got []string
		for i := range list {
			wantKeys(t, "peer", get(t, list, i), "localAddress", "neighbor", "asn", "state", "connectedDuration",
				"routesReceived", "messagesSent", "messagesReceived")
			got = append(got, get(t, list, i, "neighbor").(string))
		}
		if !slices.Equal(got, tt.neighbors) {
			t.Errorf("%s: neighbors %v, want %v", tt.query, got, tt.neighbors)
		}
	}
	r := lro(t, g, base+"virtualNetworkGateways/vpnlab-vng/getBgpPeerStatus"+version+"&peer=169.254.21.2", nil)
	p := get(t, r.obj(t), "value", 0)
	wantValue(t, "state", get(t, p, "state"), "Connected")
	wantValue(t, "asn", get(t, p, "asn"), float64(65020))
	wantValue(t, "connectedDuration", get(t, p, "connectedDuration"), "00:10:00")
	wantValue(t, "messagesReceived", get(t, p, "messagesReceived"), float64(31))
}

func TestGetRoutes(t *testing.T) {
	g, _ := newGateway(t)
	learned := azure.GatewayRoute{LocalAddress: "169.254.21.1", Network: "198.18.10.0/24", NextHop: "169.254.21.2",
		SourcePeer: "169.254.21.2", Origin: "EBgp", AsPath: "65020", Weight: 32768}
	advertised := azure.GatewayRoute{LocalAddress: "169.254.21.1", Network: "198.19.0.0/16", NextHop: "169.254.21.1",
		Origin: "Igp", AsPath: "65515"}
	g.SetRoutes([]azure.GatewayRoute{learned}, []azure.GatewayRoute{advertised})

	tests := []struct {
		action, query string
		networks      []string
	}{
		{"getLearnedRoutes", version, []string{"198.18.10.0/24"}},
		{"getAdvertisedRoutes", version + "&peer=169.254.21.2", []string{"198.19.0.0/16"}},
		{"getAdvertisedRoutes", version, []string{"198.19.0.0/16"}},
		{"getAdvertisedRoutes", version + "&peer=192.0.2.1", nil},
	}
	for _, tt := range tests {
		r := lro(t, g, base+"virtualNetworkGateways/vpnlab-vng/"+tt.action+tt.query, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s%s: status %d, body %s", tt.action, tt.query, r.status, r.body)
		}
		v := r.obj(t)
		wantKeys(t, "response", v, "value")
		list, _ := v["value"].([]any)
		var got []string
		for i := range list {
			wantKeys(t, "route", get(t, list, i), "localAddress", "network", "nextHop", "sourcePeer", "origin", "asPath", "weight")
			got = append(got, get(t, list, i, "network").(string))
		}
		if !slices.Equal(got, tt.networks) {
			t.Errorf("%s%s: networks %v, want %v", tt.action, tt.query, got, tt.networks)
		}
	}
	r := lro(t, g, base+"virtualNetworkGateways/vpnlab-vng/getLearnedRoutes"+version, nil)
	route := get(t, r.obj(t), "value", 0)
	wantValue(t, "origin", get(t, route, "origin"), "EBgp")
	wantValue(t, "weight", get(t, route, "weight"), float64(32768))
	wantValue(t, "asPath", get(t, route, "asPath"), "65020")
}

func TestDiagnostics(t *testing.T) {
	g, c := newGateway(t)
	g.GatewayEvent("SetGatewayConfiguration", "configured")
	g.TunnelConnected(onpremIP)
	mid := c.t
	g.TunnelDisconnected(onpremIP, "DPD timeout")

	tests := []struct {
		query string
		ops   []string
	}{
		{"", []string{"SetGatewayConfiguration", "TunnelConnected", "TunnelDisconnected"}},
		{"?category=TunnelDiagnosticLog", []string{"TunnelConnected", "TunnelDisconnected"}},
		// An unescaped "+09:00" offset, as people type it.
		{"?category=TunnelDiagnosticLog&since=" + mid.Format(time.RFC3339Nano), []string{"TunnelConnected", "TunnelDisconnected"}},
		{"?since=" + mid.Add(time.Second).UTC().Format(time.RFC3339), []string{"TunnelDisconnected"}},
		{"?category=RouteDiagnosticLog", nil},
	}
	for _, tt := range tests {
		r := call(t, g, http.MethodGet, "/vpnlab/diagnostics"+tt.query)
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d, body %s", tt.query, r.status, r.body)
		}
		v := r.obj(t)
		wantKeys(t, "response", v, "value")
		list, _ := v["value"].([]any)
		var got []string
		for i := range list {
			got = append(got, get(t, list, i, "OperationName").(string))
		}
		if !slices.Equal(got, tt.ops) {
			t.Errorf("%s: operations %v, want %v", tt.query, got, tt.ops)
		}
	}
	r := call(t, g, http.MethodGet, "/vpnlab/diagnostics?category=TunnelDiagnosticLog")
	down := get(t, r.obj(t), "value", 1)
	wantValue(t, "status_s", get(t, down, "status_s"), "Disconnected")
	wantValue(t, "stateChangeReason_s", get(t, down, "stateChangeReason_s"), "DPD timeout")
	wantValue(t, "instance_s", get(t, down, "instance_s"), "GatewayTenantWorker_IN_0")
	wantValue(t, "remoteIP_s", get(t, down, "remoteIP_s"), onpremIP)
}

func TestErrors(t *testing.T) {
	g, _ := newGateway(t)
	tests := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"missing api-version on gateway", "GET", base + "virtualNetworkGateways/vpnlab-vng", 400, "MissingApiVersionParameter"},
		{"empty api-version", "GET", base + "virtualNetworkGateways/vpnlab-vng?api-version=", 400, "MissingApiVersionParameter"},
		{"missing api-version on LNG", "GET", base + "localNetworkGateways/onprem-lng", 400, "MissingApiVersionParameter"},
		{"missing api-version on connection", "GET", base + "connections/onprem-conn", 400, "MissingApiVersionParameter"},
		{"missing api-version on sharedkey", "GET", base + "connections/onprem-conn/sharedkey", 400, "MissingApiVersionParameter"},
		{"missing api-version on action", "POST", base + "virtualNetworkGateways/vpnlab-vng/getBgpPeerStatus", 400, "MissingApiVersionParameter"},
		{"missing api-version on unknown", "GET", base + "connections/nope", 400, "MissingApiVersionParameter"},
		{"unknown gateway", "GET", base + "virtualNetworkGateways/other" + version, 404, "ResourceNotFound"},
		{"unknown LNG", "GET", base + "localNetworkGateways/other" + version, 404, "ResourceNotFound"},
		{"unknown connection", "GET", base + "connections/other" + version, 404, "ResourceNotFound"},
		{"unknown connection key", "GET", base + "connections/other/sharedkey" + version, 404, "ResourceNotFound"},
		{"unknown type", "GET", base + "publicIPAddresses/vpnlab-vng-pip" + version, 404, "ResourceNotFound"},
		{"unknown action", "POST", base + "virtualNetworkGateways/vpnlab-vng/nope" + version, 404, "ResourceNotFound"},
		{"unknown connection action", "POST", base + "connections/onprem-conn/sharedkey/nope" + version, 404, "ResourceNotFound"},
		{"unknown provider", "GET", strings.Replace(base, "Microsoft.Network", "Microsoft.Compute", 1) + "virtualMachines/vm" + version, 404, "ResourceNotFound"},
		{"unknown resource group", "GET", strings.Replace(base, "vpnlab-rg", "other-rg", 1) + "connections/onprem-conn" + version, 404, "ResourceGroupNotFound"},
		{"unknown subscription", "GET", strings.Replace(base, "00000000-0000-0000-0000-000000000000", "11111111-1111-1111-1111-111111111111", 1) + "connections/onprem-conn" + version, 404, "SubscriptionNotFound"},
		{"GET on action", "GET", base + "virtualNetworkGateways/vpnlab-vng/getBgpPeerStatus" + version, 405, "MethodNotAllowed"},
		{"DELETE on gateway", "DELETE", base + "virtualNetworkGateways/vpnlab-vng" + version, 400, "InUseVirtualNetworkGatewayCannotBeDeleted"},
		{"GET on reset", "GET", base + "virtualNetworkGateways/vpnlab-vng/reset" + version, 405, "MethodNotAllowed"},
		{"POST on sharedkey", "POST", base + "connections/onprem-conn/sharedkey" + version, 405, "MethodNotAllowed"},
		{"unknown operation", "GET", "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/japaneast/operations/nope" + version, 404, "NotFound"},
		{"operation in another location", "GET", "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/westus/operations/nope" + version, 404, "NotFound"},
		{"bad since", "GET", "/vpnlab/diagnostics?since=yesterday", 400, "InvalidParameter"},
		{"unknown category", "GET", "/vpnlab/diagnostics?category=Nope", 400, "InvalidParameter"},
		{"unknown route", "GET", "/nope", 404, "NotFound"},
		{"POST on healthz", "POST", "/healthz", 405, "MethodNotAllowed"},
		{"POST on diagnostics", "POST", "/vpnlab/diagnostics", 405, "MethodNotAllowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, g, tt.method, tt.path)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
			v := r.obj(t)
			wantKeys(t, "body", v, "error")
			wantKeys(t, "error", v["error"], "code", "message")
			wantValue(t, "error.code", get(t, v, "error", "code"), tt.code)
			if msg, _ := get(t, v, "error", "message").(string); msg == "" {
				t.Error("empty error message")
			}
		})
	}
}

func TestPathsAreCaseInsensitive(t *testing.T) {
	g, _ := newGateway(t)
	path := "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/resourcegroups/VPNLAB-RG/providers/microsoft.network/virtualnetworkgateways/VPNLAB-VNG/getbgppeerstatus" + version
	if r := lro(t, g, path, nil); r.status != http.StatusOK {
		t.Errorf("status %d, body %s", r.status, r.body)
	}
}

func TestHealthz(t *testing.T) {
	g, _ := newGateway(t)
	r := call(t, g, http.MethodGet, "/healthz")
	if r.status != http.StatusOK || r.body != "ok" {
		t.Errorf("healthz = %d %q, want 200 ok", r.status, r.body)
	}
}

var uuid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestResponseHeaders(t *testing.T) {
	g, _ := newGateway(t)
	paths := []struct{ method, path string }{
		{"GET", base + "virtualNetworkGateways/vpnlab-vng" + version},
		{"GET", base + "connections/onprem-conn" + version},
		{"GET", base + "localNetworkGateways/onprem-lng" + version},
		{"GET", base + "connections/onprem-conn"},
		{"GET", base + "connections/nope" + version},
		{"GET", "/vpnlab/diagnostics"},
	}
	seen := map[string]bool{}
	for _, p := range paths {
		r := call(t, g, p.method, p.path)
		if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s %s: Content-Type %q", p.method, p.path, ct)
		}
		id := r.header.Get("x-ms-request-id")
		if !uuid.MatchString(id) {
			t.Errorf("%s %s: x-ms-request-id %q is not a UUID", p.method, p.path, id)
		}
		if seen[id] {
			t.Errorf("x-ms-request-id %q repeated", id)
		}
		seen[id] = true
	}
}

// TestSharedKeyNeverServed feeds the key through every input the daemon
// has and checks that no endpoint returns it.
func TestSharedKeyNeverServed(t *testing.T) {
	g, _ := newGateway(t)
	g.IKELog("error", onpremIP, "", "RECEIVED", "PSK "+sharedKey+" rejected")
	g.TunnelConnected(onpremIP)
	g.TunnelDisconnected(onpremIP, "bad key "+sharedKey)
	g.GatewayEvent("SetConnectionConfiguration", "key="+sharedKey)

	paths := []struct{ method, path string }{
		{"GET", base + "virtualNetworkGateways/vpnlab-vng" + version},
		{"GET", base + "localNetworkGateways/onprem-lng" + version},
		{"GET", base + "connections/onprem-conn" + version},
		{"POST", base + "virtualNetworkGateways/vpnlab-vng/getBgpPeerStatus" + version},
		{"POST", base + "virtualNetworkGateways/vpnlab-vng/getLearnedRoutes" + version},
		{"POST", base + "virtualNetworkGateways/vpnlab-vng/getAdvertisedRoutes" + version},
		{"GET", "/vpnlab/diagnostics"},
	}
	for _, p := range paths {
		var r response
		if p.method == http.MethodPost {
			r = lro(t, g, p.path, nil)
		} else {
			r = call(t, g, p.method, p.path)
		}
		if r.status != http.StatusOK {
			t.Errorf("%s %s: status %d", p.method, p.path, r.status)
		}
		if strings.Contains(r.body, sharedKey) {
			t.Errorf("%s %s discloses the shared key: %s", p.method, p.path, r.body)
		}
	}
	r := call(t, g, http.MethodGet, "/vpnlab/diagnostics")
	if n := strings.Count(r.body, "<redacted>"); n != 4 {
		t.Errorf("diagnostics has %d <redacted> markers, want 4: %s", n, r.body)
	}
	b, err := json.Marshal(g.Model())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), sharedKey) {
		t.Errorf("Model marshals the shared key: %s", b)
	}
}

// TestConcurrentUse is meant for go test -race: the daemon feeds events
// while clients read.
func TestConcurrentUse(t *testing.T) {
	g := azure.New(azure.DefaultModel())
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			g.TunnelConnecting(onpremIP)
			g.TunnelConnected(onpremIP)
			g.SetTraffic(uint64(i), uint64(i), 1, 1)
			g.SetBgpPeer(peer("Connected"))
			g.SetRoutes([]azure.GatewayRoute{{Network: "198.18.10.0/24"}}, nil)
			g.IKELog("info", onpremIP, "", "SEND", "x")
			g.TunnelDisconnected(onpremIP, "DPD timeout")
		}
	}()
	for _, p := range []string{
		base + "connections/onprem-conn" + version,
		"/vpnlab/diagnostics",
		base + "virtualNetworkGateways/vpnlab-vng/getBgpPeerStatus" + version,
	} {
		for range 20 {
			method := http.MethodGet
			if strings.Contains(p, "getBgpPeerStatus") {
				method = http.MethodPost
			}
			want := http.StatusOK
			if method == http.MethodPost {
				want = http.StatusAccepted
			}
			if r := send(t, srv, method, srv.URL+p, nil); r.status != want {
				t.Errorf("%s: status %d, want %d", p, r.status, want)
			}
		}
	}
	<-done
	if got := g.Status().Status; got != "NotConnected" {
		t.Errorf("final status %q, want NotConnected", got)
	}
}
