package bgp

import (
	"testing"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestPeerStatus(t *testing.T) {
	established := &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: "169.254.21.1", PeerAsn: 65515, LocalAsn: 65010},
		State: &api.PeerState{
			SessionState: api.PeerState_ESTABLISHED,
			Messages: &api.Messages{
				Sent:     &api.Message{Total: 42, Notification: 1, Update: 3},
				Received: &api.Message{Total: 40, Notification: 2, Update: 5},
			},
		},
		Transport: &api.Transport{LocalAddress: "169.254.21.2", PassiveMode: true},
		AfiSafis: []*api.AfiSafi{
			{State: &api.AfiSafiState{Received: 3, Accepted: 2, Advertised: 1}},
			{State: &api.AfiSafiState{Received: 10, Accepted: 10, Advertised: 4}},
			{}, // a family without state counts nothing
		},
	}
	tests := []struct {
		name string
		p    *api.Peer
		want PeerStatus
	}{
		{
			name: "established",
			p:    established,
			want: PeerStatus{
				Neighbor: "169.254.21.1", LocalAddress: "169.254.21.2", LocalASN: 65010, PeerASN: 65515,
				State: "ESTABLISHED", Received: 13, Accepted: 12, Advertised: 5,
				MessagesSent: 42, MessagesReceived: 40, NotificationsSent: 1, NotificationsRcvd: 2,
				Passive: true,
			},
		},
		{
			name: "state ASNs win over the configuration",
			p: &api.Peer{
				Conf:  &api.PeerConf{NeighborAddress: "169.254.21.2", PeerAsn: 65010, LocalAsn: 65515},
				State: &api.PeerState{SessionState: api.PeerState_ACTIVE, PeerAsn: 65020, LocalAsn: 65516},
			},
			want: PeerStatus{Neighbor: "169.254.21.2", LocalASN: 65516, PeerASN: 65020, State: "ACTIVE"},
		},
		{
			name: "idle with an uptime from an earlier session",
			p: &api.Peer{
				Conf:   &api.PeerConf{NeighborAddress: "169.254.21.2", PeerAsn: 65010},
				State:  &api.PeerState{SessionState: api.PeerState_IDLE},
				Timers: &api.Timers{State: &api.TimersState{Uptime: timestamppb.New(time.Now().Add(-time.Hour))}},
			},
			want: PeerStatus{Neighbor: "169.254.21.2", PeerASN: 65010, State: "IDLE"},
		},
		{
			name: "empty",
			p:    &api.Peer{},
			want: PeerStatus{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := peerStatus(tt.p); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestPeerStatusUptime(t *testing.T) {
	p := &api.Peer{
		State:  &api.PeerState{SessionState: api.PeerState_ESTABLISHED},
		Timers: &api.Timers{State: &api.TimersState{Uptime: timestamppb.New(time.Now().Add(-90 * time.Second))}},
	}
	st := peerStatus(p)
	if !st.Established() {
		t.Errorf("Established() = false for state %q", st.State)
	}
	// Truncated to the second; the test may take a second to get here.
	if st.Uptime != 90*time.Second && st.Uptime != 91*time.Second {
		t.Errorf("uptime %v, want 1m30s", st.Uptime)
	}
}

func TestASPathString(t *testing.T) {
	tests := []struct {
		path []uint32
		want string
	}{
		{nil, ""},
		{[]uint32{65515}, "65515"},
		{[]uint32{65515, 65010, 65020}, "65515-65010-65020"},
		{[]uint32{4200000000, 12076}, "4200000000-12076"},
	}
	for _, tt := range tests {
		if got := (Route{ASPath: tt.path}).ASPathString(); got != tt.want {
			t.Errorf("ASPathString(%v) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestPrefixNLRI(t *testing.T) {
	tests := []struct {
		in      string
		prefix  string
		bits    uint32
		wantErr bool
	}{
		{in: "198.18.10.0/24", prefix: "198.18.10.0", bits: 24},
		{in: "198.19.1.4/16", prefix: "198.19.0.0", bits: 16}, // masked
		{in: "169.254.21.2/32", prefix: "169.254.21.2", bits: 32},
		{in: "198.18.10.0/33", wantErr: true},
		{in: "198.18.10.0", wantErr: true},
		{in: "nope", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := prefixNLRI(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("prefixNLRI(%q) = %v, want an error", tt.in, a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var p api.IPAddressPrefix
			if err := a.UnmarshalTo(&p); err != nil {
				t.Fatal(err)
			}
			if p.Prefix != tt.prefix || p.PrefixLen != tt.bits {
				t.Errorf("NLRI %s/%d, want %s/%d", p.Prefix, p.PrefixLen, tt.prefix, tt.bits)
			}
		})
	}
}
