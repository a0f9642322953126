package bgp

import (
	"context"
	"errors"
	"fmt"
	"io"

	api "github.com/osrg/gobgp/v3/api"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Client reads a speaker's state over GoBGP's gRPC API.
type Client struct {
	conn *grpc.ClientConn
	api  api.GobgpApiClient
}

// Dial connects to a speaker's gRPC API at addr ("127.0.0.1:port").
func Dial(addr string) (*Client, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("gobgp %s: %w", addr, err)
	}
	return &Client{conn: conn, api: api.NewGobgpApiClient(conn)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Peers returns the speaker's neighbours.
func (c *Client) Peers(ctx context.Context) ([]PeerStatus, error) {
	stream, err := c.api.ListPeer(ctx, &api.ListPeerRequest{EnableAdvertised: true})
	if err != nil {
		return nil, fmt.Errorf("list peers: %w", err)
	}
	var out []PeerStatus
	for {
		r, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list peers: %w", err)
		}
		out = append(out, peerStatus(r.Peer))
	}
}

// Learned returns the routes received from neighbour peer.
func (c *Client) Learned(ctx context.Context, peer string) ([]Route, error) {
	return c.list(ctx, api.TableType_ADJ_IN, peer)
}

// Advertised returns the routes sent to neighbour peer.
func (c *Client) Advertised(ctx context.Context, peer string) ([]Route, error) {
	return c.list(ctx, api.TableType_ADJ_OUT, peer)
}

func (c *Client) list(ctx context.Context, t api.TableType, peer string) ([]Route, error) {
	stream, err := c.api.ListPath(ctx, &api.ListPathRequest{TableType: t, Name: peer, Family: family})
	if err != nil {
		return nil, fmt.Errorf("list %s routes: %w", t, err)
	}
	var out []Route
	for {
		r, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list %s routes: %w", t, err)
		}
		out = append(out, routes(r.Destination)...)
	}
}

// SetPeerASN reconfigures the neighbour with another peer ASN (and, when
// localASN is not 0, another local ASN for this session), as an operator
// editing the device would: the session is torn down and set up again.
func (c *Client) SetPeerASN(ctx context.Context, neighbor string, peerASN, localASN uint32) error {
	stream, err := c.api.ListPeer(ctx, &api.ListPeerRequest{Address: neighbor})
	if err != nil {
		return fmt.Errorf("list peer %s: %w", neighbor, err)
	}
	r, err := stream.Recv()
	if err != nil {
		return fmt.Errorf("list peer %s: %w", neighbor, err)
	}
	old := r.Peer
	p := &api.Peer{
		Conf:         &api.PeerConf{NeighborAddress: neighbor, PeerAsn: peerASN, LocalAsn: localASN},
		Transport:    &api.Transport{LocalAddress: old.GetTransport().GetLocalAddress(), PassiveMode: old.GetTransport().GetPassiveMode(), RemotePort: 179},
		EbgpMultihop: old.GetEbgpMultihop(),
		AfiSafis:     []*api.AfiSafi{{Config: &api.AfiSafiConfig{Family: family, Enabled: true}}},
	}
	if t := old.GetTimers().GetConfig(); t != nil {
		p.Timers = &api.Timers{Config: &api.TimersConfig{ConnectRetry: t.ConnectRetry, HoldTime: t.HoldTime,
			KeepaliveInterval: t.KeepaliveInterval, IdleHoldTimeAfterReset: t.IdleHoldTimeAfterReset}}
	}
	if _, err := c.api.DeletePeer(ctx, &api.DeletePeerRequest{Address: neighbor}); err != nil {
		return fmt.Errorf("delete peer %s: %w", neighbor, err)
	}
	if _, err := c.api.AddPeer(ctx, &api.AddPeerRequest{Peer: p}); err != nil {
		return fmt.Errorf("add peer %s: %w", neighbor, err)
	}
	return nil
}
