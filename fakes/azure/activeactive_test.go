package azure_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

func activeActiveModel() azure.Model {
	m := azure.DefaultModel()
	m.Gateway.ActiveActive = true
	m.Gateway.PublicIP2 = "203.0.113.11"
	m.Gateway.CustomBgpIPAddresses = []string{"169.254.21.1", "169.254.21.5"}
	return m
}

func TestActiveActiveModel(t *testing.T) {
	m := activeActiveModel()
	if err := m.Validate(); err != nil {
		t.Fatalf("valid active-active model refused: %v", err)
	}
	gw := m.Gateway
	if gw.PublicIPOf("IN_0") != "203.0.113.10" || gw.PublicIPOf("IN_1") != "203.0.113.11" {
		t.Errorf("public IPs %s, %s", gw.PublicIPOf("IN_0"), gw.PublicIPOf("IN_1"))
	}
	if gw.CustomBgpIPOf("GatewayTenantWorker_IN_1") != "169.254.21.5" {
		t.Errorf("IN_1 BGP address %s, want 169.254.21.5", gw.CustomBgpIPOf("IN_1"))
	}
	as := azure.DefaultModel()
	as.Gateway.PublicIP2 = "203.0.113.11" // ignored in active-standby
	if as.Gateway.PublicIPOf("IN_1") != as.Gateway.PublicIP {
		t.Error("active-standby instances must share the public IP")
	}
	for _, bad := range []string{"", "not-an-ip", "203.0.113.10"} {
		m := activeActiveModel()
		m.Gateway.PublicIP2 = bad
		var v *azure.ValidationError
		if err := m.Validate(); !errors.As(err, &v) || !strings.Contains(v.Field, "ipConfigurations[1]") {
			t.Errorf("second public IP %q: got %v, want a validation error on ipConfigurations[1]", bad, err)
		}
	}
}

func TestActiveActiveGatewayResource(t *testing.T) {
	r := call(t, azure.New(activeActiveModel()), http.MethodGet, base+"virtualNetworkGateways/vpnlab-vng"+version)
	o := r.obj(t)
	if get(t, o, "properties", "activeActive") != true {
		t.Error("activeActive is not true")
	}
	if n := get(t, o, "properties", "ipConfigurations", 1, "name"); n != "activeActive" {
		t.Errorf("second ipConfiguration %v, want activeActive", n)
	}
	for i, want := range [][2]string{{"203.0.113.10", "169.254.21.1"}, {"203.0.113.11", "169.254.21.5"}} {
		p := get(t, o, "properties", "bgpSettings", "bgpPeeringAddresses", i)
		if get(t, p, "tunnelIpAddresses", 0) != want[0] || get(t, p, "customBgpIpAddresses", 0) != want[1] {
			t.Errorf("bgpPeeringAddresses[%d] = %v, want tunnel %s, custom %s", i, p, want[0], want[1])
		}
	}
}

// Each instance reports its own tunnel; the connection shows both, is
// Connected while either is, and sums the bytes.
func TestActiveActiveConnectionShowsEveryTunnel(t *testing.T) {
	m := activeActiveModel()
	in1 := azure.New(m, azure.WithInstance("IN_1"))
	in1.TunnelConnected("198.51.100.10")
	in1.SetTraffic(100, 200, 1, 2)
	in0 := azure.New(m, azure.WithPeerView(func(context.Context) (azure.InstanceView, error) { return in1.View(), nil }))
	in0.TunnelDisconnected("198.51.100.10", "gateway reset")
	in0.SetTraffic(10, 20, 1, 2)
	o := call(t, in0, http.MethodGet, base+"connections/onprem-conn"+version).obj(t)
	if s := get(t, o, "properties", "connectionStatus"); s != azure.StatusConnected {
		t.Errorf("connectionStatus %v, want Connected (IN_1's tunnel is)", s)
	}
	if b := get(t, o, "properties", "ingressBytesTransferred"); b != float64(110) {
		t.Errorf("ingress bytes %v, want 110", b)
	}
	want := map[string]string{"onprem-conn_203.0.113.10": azure.StatusNotConnected, "onprem-conn_203.0.113.11": azure.StatusConnected}
	ts := get(t, o, "properties", "tunnelConnectionStatus").([]any)
	if len(ts) != 2 {
		t.Fatalf("%d tunnels, want 2", len(ts))
	}
	for _, x := range ts {
		name := get(t, x, "tunnel").(string)
		if get(t, x, "connectionStatus") != want[name] {
			t.Errorf("tunnel %s: %v, want %s", name, get(t, x, "connectionStatus"), want[name])
		}
	}
	// The other instance does not answer: its tunnel shows NotConnected.
	lone := azure.New(m, azure.WithPeerView(func(context.Context) (azure.InstanceView, error) {
		return azure.InstanceView{}, errors.New("connection refused")
	}))
	o = call(t, lone, http.MethodGet, base+"connections/onprem-conn"+version).obj(t)
	if got := get(t, o, "properties", "tunnelConnectionStatus", 1, "connectionStatus"); got != azure.StatusNotConnected {
		t.Errorf("unreachable instance's tunnel %v, want NotConnected", got)
	}
}

// getBgpPeerStatus and getLearnedRoutes show both instances' sessions and
// routes, each with its instance's local address.
func TestActiveActiveBgpShowsBothInstances(t *testing.T) {
	m := activeActiveModel()
	m.Connection.EnableBgp = true
	m.LocalGateway.BgpPeeringAddress = "169.254.21.2"
	in1 := azure.New(m, azure.WithInstance("IN_1"))
	in1.SetBgpPeer(azure.BgpPeerStatus{LocalAddress: "169.254.21.5", Neighbor: "169.254.21.2", Asn: 65010, State: azure.BgpStateConnected})
	in0 := azure.New(m, azure.WithPeerView(func(context.Context) (azure.InstanceView, error) { return in1.View(), nil }))
	in0.SetBgpPeer(azure.BgpPeerStatus{LocalAddress: "169.254.21.1", Neighbor: "169.254.21.2", Asn: 65010, State: azure.BgpStateIdle})
	s := serve(t, in0)
	r := s.do(http.MethodPost, base+"virtualNetworkGateways/vpnlab-vng/getBgpPeerStatus"+version, nil)
	_, res := s.await(r)
	body := s.get(r.header.Get("Location"))
	got := map[string]string{}
	for _, p := range get(t, body.obj(t), "value").([]any) {
		got[get(t, p, "localAddress").(string)] = get(t, p, "state").(string)
	}
	if want := map[string]string{"169.254.21.1": "Idle", "169.254.21.5": "Connected"}; len(got) != 2 || got["169.254.21.1"] != want["169.254.21.1"] || got["169.254.21.5"] != want["169.254.21.5"] {
		t.Errorf("BGP peers by local address %v, want %v (%s)", got, want, res.body)
	}
	in1.SetRoutes([]azure.GatewayRoute{{LocalAddress: "169.254.21.5", Network: "198.18.10.0/24", NextHop: "169.254.21.2", Origin: "EBgp", AsPath: "65010"}},
		[]azure.GatewayRoute{{LocalAddress: "169.254.21.5", Network: "198.19.0.0/16", NextHop: "169.254.21.5", Origin: "Igp", AsPath: "65515"}})
	in0.SetRoutes([]azure.GatewayRoute{{LocalAddress: "169.254.21.1", Network: "198.18.10.0/24", NextHop: "169.254.21.2", Origin: "EBgp", AsPath: "65010"}},
		[]azure.GatewayRoute{{LocalAddress: "169.254.21.1", Network: "198.19.0.0/16", NextHop: "169.254.21.1", Origin: "Igp", AsPath: "65515"}})
	for _, action := range []string{"getLearnedRoutes", "getAdvertisedRoutes?peer=169.254.21.2&"} {
		path := base + "virtualNetworkGateways/vpnlab-vng/" + action
		if strings.Contains(action, "?") {
			path += strings.TrimPrefix(version, "?")
		} else {
			path += version
		}
		r := s.do(http.MethodPost, path, nil)
		s.await(r)
		locals := map[any]bool{}
		for _, rt := range get(t, s.get(r.header.Get("Location")).obj(t), "value").([]any) {
			locals[get(t, rt, "localAddress")] = true
		}
		if !locals["169.254.21.1"] || !locals["169.254.21.5"] {
			t.Errorf("%s: routes from local addresses %v, want both instances'", action, locals)
		}
	}
}

// gatewayVip names the instance to reset: the other instance's VIP goes
// to the other instance; an address that is not the gateway's is refused.
func TestActiveActiveResetByVip(t *testing.T) {
	m := activeActiveModel()
	rec1 := &recorder{}
	in1 := azure.New(m, azure.WithInstance("IN_1"), azure.WithReconfigurer(rec1))
	rec0 := &recorder{}
	in0 := azure.New(m, azure.WithReconfigurer(rec0), azure.WithForward(forwardTo(t, serve(t, in1).srv)))
	s := serve(t, in0)
	r := s.do(http.MethodPost, base+"virtualNetworkGateways/vpnlab-vng/reset"+version+"&gatewayVip=203.0.113.11", nil)
	if r.status != http.StatusAccepted {
		t.Fatalf("reset IN_1's VIP: %d %s", r.status, r.body)
	}
	if st, body := s.await(r); st != "Succeeded" {
		t.Fatalf("reset = %s (%s)", st, body.body)
	}
	if rec1.resetCount() != 1 || rec0.resetCount() != 0 {
		t.Errorf("resets: IN_0 %d, IN_1 %d; want only IN_1", rec0.resetCount(), rec1.resetCount())
	}
	r = s.do(http.MethodPost, base+"virtualNetworkGateways/vpnlab-vng/reset"+version+"&gatewayVip=203.0.113.10", nil)
	if st, _ := s.await(r); st != "Succeeded" || rec0.resetCount() != 1 {
		t.Errorf("reset IN_0's VIP: %s, IN_0 resets %d", st, rec0.resetCount())
	}
	r = s.do(http.MethodPost, base+"virtualNetworkGateways/vpnlab-vng/reset"+version+"&gatewayVip=203.0.113.99", nil)
	if r.status != http.StatusBadRequest || errorCode(t, r) != "InvalidParameter" {
		t.Errorf("reset of a foreign VIP: %d %s, want 400 InvalidParameter", r.status, r.body)
	}
}
