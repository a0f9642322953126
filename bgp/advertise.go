package bgp

import (
	"context"
	"fmt"

	api "github.com/osrg/gobgp/v3/api"
	"google.golang.org/protobuf/types/known/anypb"
)

// Withdraw stops advertising a locally originated prefix, as an operator
// removing a network statement would.
func (c *Client) Withdraw(ctx context.Context, prefix, nextHop string) error {
	p, err := localPath(prefix, nextHop)
	if err != nil {
		return err
	}
	if _, err := c.api.DeletePath(ctx, &api.DeletePathRequest{TableType: api.TableType_GLOBAL, Family: family, Path: p}); err != nil {
		return fmt.Errorf("withdraw %s: %w", prefix, err)
	}
	return nil
}

// Originate advertises prefix with nextHop, as a network statement does.
func (c *Client) Originate(ctx context.Context, prefix, nextHop string) error {
	p, err := localPath(prefix, nextHop)
	if err != nil {
		return err
	}
	if _, err := c.api.AddPath(ctx, &api.AddPathRequest{TableType: api.TableType_GLOBAL, Path: p}); err != nil {
		return fmt.Errorf("originate %s: %w", prefix, err)
	}
	return nil
}

func localPath(prefix, nextHop string) (*api.Path, error) {
	nlri, err := prefixNLRI(prefix)
	if err != nil {
		return nil, fmt.Errorf("prefix %s: %w", prefix, err)
	}
	origin, _ := anypb.New(&api.OriginAttribute{Origin: 0})
	nh, _ := anypb.New(&api.NextHopAttribute{NextHop: nextHop})
	return &api.Path{Family: family, Nlri: nlri, Pattrs: []*anypb.Any{origin, nh}}, nil
}
