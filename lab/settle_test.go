package lab

import (
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/swan"
)

func TestAllAnswered(t *testing.T) {
	for out, want := range map[string]bool{
		"--- 198.19.1.4 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 402ms\n":       true,
		"--- 198.19.1.4 ping statistics ---\n3 packets transmitted, 2 received, 33.3333% packet loss, time 402ms\n": false,
		"--- 198.19.1.4 ping statistics ---\n3 packets transmitted, 0 received, +3 errors, 100% packet loss\n":      false,
		"ping: connect: Network is unreachable\n": false,
	} {
		if got := allAnswered(out); got != want {
			t.Errorf("allAnswered(%q) = %v, want %v", out, got, want)
		}
	}
}

func TestSameSessions(t *testing.T) {
	gw := func(ike, child string, up time.Duration, notif uint64) GatewayStatus {
		return GatewayStatus{Node: OnpremGW,
			SAs:   []swan.IKESA{{UniqueID: ike, State: "ESTABLISHED", Children: []swan.ChildSA{{UniqueID: child, State: "INSTALLED"}}}},
			Peers: []bgp.PeerStatus{{Neighbor: "169.254.21.1", State: "ESTABLISHED", Uptime: up, NotificationsSent: notif}}}
	}
	st := func(g GatewayStatus) Status {
		az := g
		az.Node = AzureGW
		return Status{Onprem: g, Azure: az}
	}
	before := st(gw("7", "2", 0, 1))
	tests := []struct {
		name  string
		after Status
		want  bool
	}{
		{"the same SAs and sessions, a second later", st(gw("7", "2", time.Second, 1)), true},
		{"the IKE SA was replaced", st(gw("8", "3", time.Second, 1)), false},
		{"the CHILD SA was replaced", st(gw("7", "3", time.Second, 1)), false},
		{"BGP was reset and came back", st(gw("7", "2", 0, 2)), false},
		{"BGP went down", func() Status { s := st(gw("7", "2", 0, 1)); s.Onprem.Peers[0].State = "ACTIVE"; return s }(), false},
	}
	for _, tt := range tests {
		if got := tt.after.sameSessions(before); got != tt.want {
			t.Errorf("%s: sameSessions = %v, want %v", tt.name, got, tt.want)
		}
	}
}
