package azure_test

import (
	"net/http"
	"testing"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

// getVpnclientConnectionHealth lists the sessions the instance holds (the
// portal's "Point-to-site sessions"), none before a client connects.
func TestGetVpnClientConnectionHealth(t *testing.T) {
	g, _ := newGateway(t)
	path := base + "virtualNetworkGateways/vpnlab-vng/getVpnclientConnectionHealth" + version
	r := lro(t, g, path, nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	if list, _ := r.obj(t)["value"].([]any); len(list) != 0 {
		t.Fatalf("sessions before any client: %s", r.body)
	}
	g.SetP2SSessions([]azure.VpnClientConnectionHealthDetail{{VpnConnectionID: "IKEv2_7", VpnConnectionDuration: 42,
		PublicIPAddress: "198.51.100.20", PrivateIPAddress: "198.18.200.1", VpnUserName: "p2s-client", IngressBytesTransferred: 840}})
	r = lro(t, g, path, nil)
	s := get(t, r.obj(t), "value", 0)
	wantKeys(t, "session", s, "vpnConnectionId", "vpnConnectionDuration", "publicIpAddress", "privateIpAddress", "vpnUserName",
		"ingressBytesTransferred", "egressBytesTransferred", "ingressPacketsTransferred", "egressPacketsTransferred")
	wantValue(t, "vpnUserName", get(t, s, "vpnUserName"), "p2s-client")
	wantValue(t, "privateIpAddress", get(t, s, "privateIpAddress"), "198.18.200.1")
	wantValue(t, "vpnConnectionDuration", get(t, s, "vpnConnectionDuration"), float64(42))
	g.SetP2SSessions(nil)
	if list, _ := lro(t, g, path, nil).obj(t)["value"].([]any); len(list) != 0 {
		t.Fatal("the session stays after the client left")
	}
}
