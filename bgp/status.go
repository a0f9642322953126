package bgp

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"google.golang.org/protobuf/types/known/anypb"
)

// GRPCPort is the port a node's speaker serves GoBGP's gRPC API on; the lab
// publishes it on the host's 127.0.0.1 only.
const GRPCPort = 50051

// PeerStatus is one BGP neighbour as GoBGP reports it.
type PeerStatus struct {
	Neighbor          string        `json:"neighbor"`
	LocalAddress      string        `json:"local_address,omitempty"`
	LocalASN          uint32        `json:"local_asn"`
	PeerASN           uint32        `json:"peer_asn"`
	State             string        `json:"state"` // IDLE, CONNECT, ACTIVE, OPENSENT, OPENCONFIRM, ESTABLISHED
	Uptime            time.Duration `json:"uptime"`
	Received          uint64        `json:"routes_received"`
	Accepted          uint64        `json:"routes_accepted"`
	Advertised        uint64        `json:"routes_advertised"`
	MessagesSent      uint64        `json:"messages_sent"`
	MessagesReceived  uint64        `json:"messages_received"`
	NotificationsSent uint64        `json:"notifications_sent"`
	NotificationsRcvd uint64        `json:"notifications_received"`
	Passive           bool          `json:"passive"`
}

// Established reports whether the session is up.
func (p PeerStatus) Established() bool { return p.State == "ESTABLISHED" }

// Route is one prefix in a speaker's table.
type Route struct {
	Prefix  string   `json:"prefix"`
	NextHop string   `json:"next_hop"`
	ASPath  []uint32 `json:"as_path"`
	Origin  string   `json:"origin"` // IGP, EGP, INCOMPLETE
	Peer    string   `json:"peer,omitempty"`
	Best    bool     `json:"best"`
}

// ASPathString renders the path as Azure does ("65010-65020").
func (r Route) ASPathString() string {
	s := make([]string, len(r.ASPath))
	for i, a := range r.ASPath {
		s[i] = fmt.Sprint(a)
	}
	return strings.Join(s, "-")
}

func peerStatus(p *api.Peer) PeerStatus {
	st := PeerStatus{}
	if c := p.GetConf(); c != nil {
		st.Neighbor = c.NeighborAddress
		st.PeerASN = c.PeerAsn
		st.LocalASN = c.LocalAsn
	}
	if s := p.GetState(); s != nil {
		st.State = strings.TrimPrefix(s.SessionState.String(), "SESSION_STATE_")
		if s.LocalAsn != 0 {
			st.LocalASN = s.LocalAsn
		}
		if s.PeerAsn != 0 {
			st.PeerASN = s.PeerAsn
		}
		if m := s.GetMessages(); m != nil {
			st.MessagesSent = m.GetSent().GetTotal()
			st.MessagesReceived = m.GetReceived().GetTotal()
			st.NotificationsSent = m.GetSent().GetNotification()
			st.NotificationsRcvd = m.GetReceived().GetNotification()
		}
	}
	if t := p.GetTransport(); t != nil {
		st.LocalAddress = t.LocalAddress
		st.Passive = t.PassiveMode
	}
	if t := p.GetTimers().GetState(); t != nil && t.Uptime != nil && st.State == "ESTABLISHED" {
		st.Uptime = time.Since(t.Uptime.AsTime()).Truncate(time.Second)
	}
	for _, af := range p.GetAfiSafis() {
		if s := af.GetState(); s != nil {
			st.Received += s.Received
			st.Accepted += s.Accepted
			st.Advertised += s.Advertised
		}
	}
	return st
}

var family = &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}

func routes(d *api.Destination) []Route {
	var out []Route
	for _, p := range d.GetPaths() {
		r := Route{Prefix: d.Prefix, Best: p.Best, Peer: p.NeighborIp}
		for _, a := range p.GetPattrs() {
			decodeAttr(a, &r)
		}
		out = append(out, r)
	}
	return out
}

func decodeAttr(a *anypb.Any, r *Route) {
	m, err := a.UnmarshalNew()
	if err != nil {
		return
	}
	switch v := m.(type) {
	case *api.NextHopAttribute:
		r.NextHop = v.NextHop
	case *api.OriginAttribute:
		r.Origin = [...]string{"IGP", "EGP", "INCOMPLETE"}[min(v.Origin, 2)]
	case *api.AsPathAttribute:
		for _, s := range v.Segments {
			r.ASPath = append(r.ASPath, s.Numbers...)
		}
	}
}

func prefixNLRI(prefix string) (*anypb.Any, error) {
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		return nil, err
	}
	return anypb.New(&api.IPAddressPrefix{Prefix: p.Masked().Addr().String(), PrefixLen: uint32(p.Bits())})
}
