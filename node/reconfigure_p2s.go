package node

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/strongswan/govici/vici"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/pause"
	"github.com/vpnlab/vpnlab/swan"
)

// reloadP2S reloads the point-to-site connection when the gateway's
// point-to-site configuration changed (roots uploaded or deleted, client
// certificates revoked or allowed again): new
// clients are judged against the new roots, as on Azure; connected ones
// keep their SAs until they reconnect. A changed address pool is handed
// out from then on: connected clients are disconnected (their addresses
// leave the pool) and get an address of the new pool when they connect
// again, and the pool's routing follows (routePools).
func (r *reconfigurer) reloadP2S(ctx context.Context, s *vici.Session, old, new azure.Model, gs contract.GatewaySpec) error {
	if reflect.DeepEqual(old.Gateway.VpnClient, new.Gateway.VpnClient) {
		return nil
	}
	if !reflect.DeepEqual(r.g.spec.Radius, gs.Radius) {
		// A RADIUS server that was never loaded (eap-radius is loaded only
		// with one) takes a restart of the instance; the lab starts RADIUS
		// gateways with it.
		if r.g.conf.Radius == nil && gs.Radius != nil {
			return fmt.Errorf("this instance was started without RADIUS: reset the gateway to apply it")
		}
		if err := r.g.setRadius(ctx, s, gs.Radius); err != nil {
			return err
		}
		r.g.spec.Radius = gs.Radius
	}
	if err := r.reloadPool(ctx, s, old, new, gs); err != nil {
		return err
	}
	for _, e := range gs.Extra {
		if e.Conn.Name != contract.P2SConnName {
			continue
		}
		if err := swan.LoadConn(ctx, s, e.Conn); err != nil {
			return err
		}
	}
	// New clients are also judged against the revoked list.
	if err := r.rev.apply(ctx, s, new); err != nil {
		return err
	}
	r.g.spec.Extra, r.g.spec.Pools = gs.Extra, gs.Pools
	return nil
}

// reloadPool applies a changed vpnClientAddressPool to charon and the
// routes.
func (r *reconfigurer) reloadPool(ctx context.Context, s *vici.Session, old, new azure.Model, gs contract.GatewaySpec) error {
	was, now := poolOf(old), poolOf(new)
	if slices.Equal(was, now) {
		return nil
	}
	for _, p := range gs.Pools {
		// charon refuses to replace a pool while a lease is online: the
		// clients' SAs go away within moments of the terminate. A client
		// that reconnects at once takes a lease of the old pool again, so
		// each attempt disconnects the clients anew.
		var err error
		for range 25 {
			_ = swan.TerminateIKE(ctx, s, contract.P2SConnName)
			if err = swan.LoadPool(ctx, s, p.Name, p.Addrs); err == nil {
				break
			}
			if perr := pause.For(ctx, 200*time.Millisecond); perr != nil {
				return perr
			}
		}
		if err != nil {
			return err
		}
	}
	if err := routePools(ctx, gs.Pools); err != nil {
		return err
	}
	r.g.log.Info("point-to-site pool routed", "source", "node", "pool", now)
	return nil
}

func poolOf(m azure.Model) []string {
	if m.Gateway.VpnClient == nil {
		return nil
	}
	return m.Gateway.VpnClient.AddressPrefixes
}
