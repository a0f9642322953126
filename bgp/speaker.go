package bgp

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
	"github.com/osrg/gobgp/v3/pkg/server"
	"google.golang.org/protobuf/types/known/anypb"
)

// Config is a speaker with one eBGP neighbour, or more: a device that
// peers with both instances of an active-active gateway has ExtraPeers.
type Config struct {
	ASN          uint32
	RouterID     string
	LocalAddress string // source of the session, also the next hop advertised
	Advertise    []string
	Peer         Peer
	ExtraPeers   []Peer `json:",omitempty"`
	GRPCAddr     string // "" = no gRPC API
}

// Peer is the neighbour's configuration.
type Peer struct {
	Address      string
	ASN          uint32
	Passive      bool // wait for the neighbour to connect (Azure with APIPA peers)
	ConnectRetry time.Duration
	HoldTime     time.Duration // keepalive is a third of it
	Multihop     uint32
}

// Speaker is a running GoBGP server.
type Speaker struct {
	srv *server.BgpServer
	cfg Config
}

// Start starts the speaker, configures the peer and originates cfg.Advertise.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Speaker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []server.ServerOption{server.LoggerOption(&logger{log: log})}
	if cfg.GRPCAddr != "" {
		opts = append(opts, server.GrpcListenAddress(cfg.GRPCAddr))
	}
	srv := server.NewBgpServer(opts...)
	go srv.Serve()
	s := &Speaker{srv: srv, cfg: cfg}
	err := srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn: cfg.ASN, RouterId: cfg.RouterID, ListenPort: 179, ListenAddresses: []string{"0.0.0.0"},
	}})
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("start bgp: %w", err)
	}
	for _, p := range append([]Peer{cfg.Peer}, cfg.ExtraPeers...) {
		if err := s.addPeer(ctx, p); err != nil {
			srv.Stop()
			return nil, err
		}
	}
	for _, p := range cfg.Advertise {
		if err := s.Originate(ctx, p); err != nil {
			srv.Stop()
			return nil, err
		}
	}
	return s, nil
}

// AddPeer configures the (main) neighbour.
func (s *Speaker) AddPeer(ctx context.Context, p Peer) error {
	if err := s.addPeer(ctx, p); err != nil {
		return err
	}
	s.cfg.Peer = p
	return nil
}

func (s *Speaker) addPeer(ctx context.Context, p Peer) error {
	hold := uint64(p.HoldTime / time.Second)
	if hold == 0 {
		hold = 180
	}
	retry := uint64(p.ConnectRetry / time.Second)
	if retry == 0 {
		retry = 5
	}
	peer := &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: p.Address, PeerAsn: p.ASN},
		Transport: &api.Transport{
			LocalAddress: s.cfg.LocalAddress,
			PassiveMode:  p.Passive,
			RemotePort:   179,
		},
		Timers: &api.Timers{Config: &api.TimersConfig{
			ConnectRetry: retry, HoldTime: hold, KeepaliveInterval: max(hold/3, 1),
			IdleHoldTimeAfterReset: 1,
		}},
		AfiSafis: []*api.AfiSafi{{Config: &api.AfiSafiConfig{Family: family, Enabled: true}}},
	}
	if p.Multihop > 0 {
		peer.EbgpMultihop = &api.EbgpMultihop{Enabled: true, MultihopTtl: p.Multihop}
	}
	if err := s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: peer}); err != nil {
		return fmt.Errorf("add bgp peer %s: %w", p.Address, err)
	}
	return nil
}

// SetPeer replaces the neighbour's configuration (a changed ASN, say).
func (s *Speaker) SetPeer(ctx context.Context, p Peer) error {
	if err := s.srv.DeletePeer(ctx, &api.DeletePeerRequest{Address: s.cfg.Peer.Address}); err != nil {
		return fmt.Errorf("delete bgp peer %s: %w", s.cfg.Peer.Address, err)
	}
	return s.AddPeer(ctx, p)
}

// Originate advertises prefix with the speaker's local address as next hop.
func (s *Speaker) Originate(ctx context.Context, prefix string) error {
	nlri, err := prefixNLRI(prefix)
	if err != nil {
		return fmt.Errorf("originate %s: %w", prefix, err)
	}
	origin, _ := anypb.New(&api.OriginAttribute{Origin: 0})
	nh, _ := anypb.New(&api.NextHopAttribute{NextHop: s.cfg.LocalAddress})
	_, err = s.srv.AddPath(ctx, &api.AddPathRequest{Path: &api.Path{
		Family: family, Nlri: nlri, Pattrs: []*anypb.Any{origin, nh},
	}})
	if err != nil {
		return fmt.Errorf("originate %s: %w", prefix, err)
	}
	return nil
}

// Peers returns the neighbours' status.
func (s *Speaker) Peers(ctx context.Context) ([]PeerStatus, error) {
	var out []PeerStatus
	err := s.srv.ListPeer(ctx, &api.ListPeerRequest{EnableAdvertised: true}, func(p *api.Peer) {
		out = append(out, peerStatus(p))
	})
	return out, err
}

// Learned returns the routes received from the neighbour (adj-rib-in).
func (s *Speaker) Learned(ctx context.Context) ([]Route, error) {
	return s.list(ctx, api.TableType_ADJ_IN, s.cfg.Peer.Address)
}

// Advertised returns the routes sent to the neighbour (adj-rib-out).
func (s *Speaker) Advertised(ctx context.Context) ([]Route, error) {
	return s.list(ctx, api.TableType_ADJ_OUT, s.cfg.Peer.Address)
}

func (s *Speaker) list(ctx context.Context, t api.TableType, peer string) ([]Route, error) {
	var out []Route
	err := s.srv.ListPath(ctx, &api.ListPathRequest{TableType: t, Name: peer, Family: family},
		func(d *api.Destination) { out = append(out, routes(d)...) })
	if err != nil {
		return nil, fmt.Errorf("list %s routes: %w", t, err)
	}
	return out, nil
}

// WatchBest calls fn with every change of a best path, the speaker's own
// included (see IsLocal). It returns at once; watching ends with ctx.
func (s *Speaker) WatchBest(ctx context.Context, fn func(r Route, withdrawn bool)) error {
	return s.srv.WatchEvent(ctx, &api.WatchEventRequest{Table: &api.WatchEventRequest_Table{
		Filters: []*api.WatchEventRequest_Table_Filter{{Type: api.WatchEventRequest_Table_Filter_BEST, Init: true}},
	}}, func(r *api.WatchEventResponse) {
		for _, p := range r.GetTable().GetPaths() {
			var nlri api.IPAddressPrefix
			if err := p.Nlri.UnmarshalTo(&nlri); err != nil {
				continue
			}
			rt := Route{Prefix: nlri.Prefix + "/" + strconv.Itoa(int(nlri.PrefixLen)), Peer: p.NeighborIp, Best: true}
			for _, a := range p.Pattrs {
				decodeAttr(a, &rt)
			}
			fn(rt, p.IsWithdraw)
		}
	})
}

// WatchPeers calls fn with every state change of a neighbour.
func (s *Speaker) WatchPeers(ctx context.Context, fn func(PeerStatus)) error {
	return s.srv.WatchEvent(ctx, &api.WatchEventRequest{Peer: &api.WatchEventRequest_Peer{}},
		func(r *api.WatchEventResponse) {
			if p := r.GetPeer(); p != nil && p.Type == api.WatchEventResponse_PeerEvent_STATE {
				fn(peerStatus(p.Peer))
			}
		})
}

// Stop stops the speaker.
func (s *Speaker) Stop() {
	_ = s.srv.StopBgp(context.Background(), &api.StopBgpRequest{})
	s.srv.Stop()
}

// IsLocal reports whether addr is the speaker's own next hop (a route it originated).
func (s *Speaker) IsLocal(addr string) bool {
	return addr == s.cfg.LocalAddress || net.ParseIP(addr).IsUnspecified()
}

// logger adapts GoBGP's logger to slog; GoBGP's fields become attributes, so
// the reason of a NOTIFICATION it sends stays machine-readable.
type logger struct {
	log   *slog.Logger
	level gobgplog.LogLevel
}

func (l *logger) emit(lv slog.Level, msg string, f gobgplog.Fields) {
	attrs := make([]any, 0, 2*len(f)+2)
	attrs = append(attrs, "source", "bgp")
	for k, v := range f {
		attrs = append(attrs, k, fmt.Sprint(v))
	}
	l.log.Log(context.Background(), lv, msg, attrs...)
}

func (l *logger) Panic(msg string, f gobgplog.Fields) { l.emit(slog.LevelError, msg, f); panic(msg) }
func (l *logger) Fatal(msg string, f gobgplog.Fields) { l.emit(slog.LevelError, msg, f) }
func (l *logger) Error(msg string, f gobgplog.Fields) { l.emit(slog.LevelError, msg, f) }
func (l *logger) Warn(msg string, f gobgplog.Fields)  { l.emit(slog.LevelWarn, msg, f) }
func (l *logger) Info(msg string, f gobgplog.Fields)  { l.emit(slog.LevelInfo, msg, f) }
func (l *logger) Debug(msg string, f gobgplog.Fields) {
	if l.level >= gobgplog.DebugLevel {
		l.emit(slog.LevelDebug, msg, f)
	}
}
func (l *logger) SetLevel(level gobgplog.LogLevel) { l.level = level }
func (l *logger) GetLevel() gobgplog.LogLevel      { return l.level }

// Reset tears the session down (a hard reset, as a tunnel interface going
// down does to a BGP session over it); it comes up again by itself.
func (s *Speaker) Reset(ctx context.Context, reason string) error {
	return s.ResetNeighbor(ctx, s.cfg.Peer.Address, reason)
}

// ResetNeighbor tears down the session with one neighbour.
func (s *Speaker) ResetNeighbor(ctx context.Context, addr, reason string) error {
	err := s.srv.ResetPeer(ctx, &api.ResetPeerRequest{Address: addr, Communication: reason})
	if err != nil {
		return fmt.Errorf("reset bgp peer %s: %w", addr, err)
	}
	return nil
}
