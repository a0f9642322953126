package azure_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

func peer(state string) azure.BgpPeerStatus {
	return azure.BgpPeerStatus{
		LocalAddress: "169.254.21.1",
		Neighbor:     "169.254.21.2",
		Asn:          65020,
		State:        state,
	}
}

func TestSetBgpPeerLogsTransitions(t *testing.T) {
	tests := []struct {
		name   string
		states []string
		want   []string // RouteDiagnosticLog operation names
	}{
		{"connecting only", []string{"Idle", "Connecting"}, nil},
		{"connects", []string{"Connecting", "Connected"}, []string{"BgpConnectedEvent"}},
		{"stays connected", []string{"Connected", "Connected"}, []string{"BgpConnectedEvent"}},
		{"drops to idle", []string{"Connected", "Idle", "Idle"}, []string{"BgpConnectedEvent", "BgpDisconnectedEvent"}},
		{"flaps", []string{"Connected", "Stopped", "Connecting", "Connected"},
			[]string{"BgpConnectedEvent", "BgpDisconnectedEvent", "BgpConnectedEvent"}},
		{"empty state is Unknown", []string{"Connected", ""}, []string{"BgpConnectedEvent", "BgpDisconnectedEvent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _ := newGateway(t)
			for _, s := range tt.states {
				g.SetBgpPeer(peer(s))
			}
			var got []string
			for _, r := range g.Logs(azure.CategoryRoute, time.Time{}) {
				got = append(got, r.OperationName)
				if !strings.Contains(r.Message, "169.254.21.2") || r.Instance != "GatewayTenantWorker_IN_0" {
					t.Errorf("record = %+v, want the neighbor in Message and instance IN_0", r)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("records %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBgpPeers(t *testing.T) {
	g, _ := newGateway(t)
	got := g.BgpPeers()
	want := azure.BgpPeerStatus{LocalAddress: "169.254.21.1", Neighbor: "169.254.21.2", Asn: 65020, State: "Unknown"}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("configured peers = %+v, want [%+v]", got, want)
	}

	p := peer("Connected")
	p.ConnectedDuration = "00:01:30"
	p.RoutesReceived, p.MessagesSent, p.MessagesReceived = 1, 5, 6
	g.SetBgpPeer(p)
	g.SetBgpPeer(azure.BgpPeerStatus{LocalAddress: "198.19.255.30", Neighbor: "198.18.10.4", Asn: 65030})
	got = g.BgpPeers()
	if len(got) != 2 || got[0] != p || got[1].Neighbor != "198.18.10.4" {
		t.Errorf("peers = %+v, want %+v then 198.18.10.4", got, p)
	}
	if len(got) > 1 && got[1].State != "Unknown" {
		t.Errorf("peer reported without state has state %q, want Unknown", got[1].State)
	}
}

func TestSetRoutesLogsLearnedChanges(t *testing.T) {
	r1 := azure.GatewayRoute{LocalAddress: "169.254.21.1", Network: "198.18.10.0/24", NextHop: "169.254.21.2",
		SourcePeer: "169.254.21.2", Origin: "EBgp", AsPath: "65020", Weight: 32768}
	r2 := r1
	r2.Network = "10.3.0.0/16"
	adv := azure.GatewayRoute{LocalAddress: "169.254.21.1", Network: "198.19.0.0/16", NextHop: "169.254.21.1",
		Origin: "Igp", AsPath: "65515"}

	g, _ := newGateway(t)
	steps := []struct {
		name       string
		learned    []azure.GatewayRoute
		advertised []azure.GatewayRoute
		want       []string // substrings of the new records' messages, in order
	}{
		{"first routes", []azure.GatewayRoute{r1}, []azure.GatewayRoute{adv}, []string{"198.18.10.0/24 learned"}},
		{"same routes", []azure.GatewayRoute{r1}, []azure.GatewayRoute{adv}, nil},
		{"advertised only", []azure.GatewayRoute{r1}, nil, nil},
		{"one more", []azure.GatewayRoute{r1, r2}, nil, []string{"10.3.0.0/16 learned"}},
		{"swap", []azure.GatewayRoute{r2}, nil, []string{"198.18.10.0/24 withdrawn"}},
		{"all gone", nil, nil, []string{"10.3.0.0/16 withdrawn"}},
		{"duplicated route", []azure.GatewayRoute{r1, r1}, nil, []string{"198.18.10.0/24 learned"}},
		{"duplicate withdrawn", nil, nil, []string{"198.18.10.0/24 withdrawn"}},
	}
	seen := 0
	for _, s := range steps {
		g.SetRoutes(s.learned, s.advertised)
		recs := g.Logs(azure.CategoryRoute, time.Time{})[seen:]
		seen += len(recs)
		if len(recs) != len(s.want) {
			t.Fatalf("%s: %d new records %+v, want %d", s.name, len(recs), recs, len(s.want))
		}
		for i, r := range recs {
			if r.OperationName != "BgpRouteUpdate" || !strings.Contains(r.Message, s.want[i]) {
				t.Errorf("%s: record %q %q, want BgpRouteUpdate containing %q", s.name, r.OperationName, r.Message, s.want[i])
			}
		}
		if got := g.LearnedRoutes(); len(got) != len(s.learned) {
			t.Errorf("%s: LearnedRoutes() = %v, want %v", s.name, got, s.learned)
		}
		if got := g.AdvertisedRoutes(); len(got) != len(s.advertised) {
			t.Errorf("%s: AdvertisedRoutes() = %v, want %v", s.name, got, s.advertised)
		}
	}
}

func TestConnectedDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "00:00:00"},
		{-time.Second, "00:00:00"},
		{90 * time.Second, "00:01:30"},
		{25*time.Hour + 2*time.Minute + 3*time.Second, "1.01:02:03"},
		{9*24*time.Hour + time.Hour + 4*time.Minute + 53*time.Second + 576863700*time.Nanosecond, "9.01:04:53.5768637"},
		{time.Second + 150*time.Nanosecond, "00:00:01.0000001"},
	}
	for _, tt := range tests {
		if got := azure.ConnectedDuration(tt.d); got != tt.want {
			t.Errorf("ConnectedDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
