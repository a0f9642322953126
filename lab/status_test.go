package lab

import (
	"testing"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/swan"
)

func installed(conn string) swan.IKESA {
	return swan.IKESA{Conn: conn, State: "ESTABLISHED", Children: []swan.ChildSA{{State: "INSTALLED"}}}
}

// After a failover the point-to-site client still shows the SA it had
// with the instance that went away until its DPD gives up: the lab is not
// healthy until an instance in service holds the client's SA again.
func TestHealthyNeedsTheP2SClientOnAnInstanceInService(t *testing.T) {
	peers := []bgp.PeerStatus{{State: "ESTABLISHED", Received: 1}}
	s := Status{
		Onprem: GatewayStatus{SAs: []swan.IKESA{installed("azure")}, Peers: peers},
		Azure:  GatewayStatus{SAs: []swan.IKESA{installed("onprem-conn")}, Peers: peers},
		API:    AzureView{ConnectionStatus: "Connected"},
		P2S:    &GatewayStatus{SAs: []swan.IKESA{installed(contract.P2SConnName)}},
	}
	if s.Healthy() {
		t.Error("healthy although no Azure instance in service holds the P2S client's SA")
	}
	s.Azure.P2SUsers = 1
	if !s.Healthy() {
		t.Errorf("not healthy with the P2S SA on both ends: %+v", s)
	}
	s.P2S.SAs = nil
	if s.Healthy() {
		t.Error("healthy with the P2S client disconnected")
	}
	s.P2S = nil // a lab without a P2S client
	if !s.Healthy() {
		t.Error("a lab without a P2S client is judged on the site-to-site tunnel alone")
	}
}
