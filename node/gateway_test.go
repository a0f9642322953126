package node

import (
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
)

// A tunnel that went down takes with it only a BGP session that may have
// ridden it: not one that came up since, over the tunnel that replaced it.
func TestRodeTunnel(t *testing.T) {
	const n = "169.254.21.1"
	est := func(up time.Duration) []bgp.PeerStatus {
		return []bgp.PeerStatus{{Neighbor: n, State: "ESTABLISHED", Uptime: up}}
	}
	tests := []struct {
		name  string
		peers []bgp.PeerStatus
		ago   time.Duration
		want  bool
	}{
		{"session older than the loss", est(5 * time.Minute), 200 * time.Millisecond, true},
		{"session of the same second as the loss", est(0), 300 * time.Millisecond, true},
		{"session came up after the loss (a late reset)", est(0), 3 * time.Second, false},
		{"session came up a second after the loss", est(time.Second), 2500 * time.Millisecond, false},
		{"uptime within a second of the loss", est(2 * time.Second), 2500 * time.Millisecond, true},
		{"session down already", []bgp.PeerStatus{{Neighbor: n, State: "ACTIVE"}}, time.Second, false},
		{"another neighbour", []bgp.PeerStatus{{Neighbor: "169.254.21.5", State: "ESTABLISHED", Uptime: time.Hour}}, time.Second, false},
	}
	for _, tt := range tests {
		if got := rodeTunnel(tt.peers, n, tt.ago); got != tt.want {
			t.Errorf("%s: rodeTunnel = %v, want %v", tt.name, got, tt.want)
		}
	}
}
