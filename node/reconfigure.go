package node

import (
	"context"
	"fmt"
	"slices"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/swan"
)

// reconfigurer applies an accepted change of the Azure model to the running
// instance, as Azure reconfigures its own gateway: through vici and GoBGP.
type reconfigurer struct {
	g    *gateway
	in   *instance
	spec contract.AzureSpec
	rev  *revocation // nil without point-to-site
}

// Apply reconfigures charon and the speaker for the new model. A change of
// key or policy renegotiates the tunnel, as Azure's does (it drops for a few
// seconds).
func (r *reconfigurer) Apply(ctx context.Context, old, new azure.Model) error {
	spec := r.spec
	spec.Model, spec.SharedKey = new, new.Connection.SharedKey
	if vc := new.Gateway.VpnClient; vc != nil {
		spec.RadiusSecret = vc.RadiusServerSecret
	}
	gs, err := contract.AzureGatewaySpec(spec)
	if err != nil {
		return err
	}
	s, err := localVici(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	renegotiate := false
	if old.Connection.SharedKey != new.Connection.SharedKey {
		c := gs.Conn
		if err := swan.LoadSharedKey(ctx, s, "psk-"+c.Name, new.Connection.SharedKey, c.LocalID, c.RemoteID); err != nil {
			return err
		}
		renegotiate = true
	}
	if !slices.Equal(old.Connection.IpsecPolicies, new.Connection.IpsecPolicies) ||
		old.LocalGateway.GatewayIPAddress != new.LocalGateway.GatewayIPAddress ||
		old.Connection.DpdTimeoutSeconds != new.Connection.DpdTimeoutSeconds {
		if err := swan.LoadConn(ctx, s, gs.Conn); err != nil {
			return err
		}
		renegotiate = true
	}
	if err := r.reloadP2S(ctx, s, old, new, gs); err != nil {
		return err
	}
	for _, p := range old.LocalGateway.AddressPrefixes {
		if !slices.Contains(new.LocalGateway.AddressPrefixes, p) {
			_ = ip(ctx, "route", "del", p, "dev", contract.TunnelIf)
		}
	}
	for _, p := range new.LocalGateway.AddressPrefixes {
		if err := r.g.routeIntoTunnel(ctx, p); err != nil {
			return err
		}
	}
	if r.g.speaker != nil && gs.BGP != nil && (old.LocalGateway.Asn != new.LocalGateway.Asn ||
		old.LocalGateway.BgpPeeringAddress != new.LocalGateway.BgpPeeringAddress) {
		if err := r.g.speaker.SetPeer(ctx, gs.BGP.Peer); err != nil {
			return err
		}
		if err := r.g.routeIntoTunnel(ctx, gs.BGP.Peer.Address+"/32"); err != nil {
			return err
		}
	}
	r.g.spec.Conn, r.g.spec.SharedKey, r.g.spec.BGP = gs.Conn, gs.SharedKey, gs.BGP
	r.spec = spec
	if renegotiate {
		_ = swan.TerminateIKE(ctx, s, gs.Conn.Name)
	}
	// Both instances carry the gateway's configuration, as Azure's do: a
	// change taken by this one goes to its peer (not back, if it came from it).
	if r.in.peer != nil && ctx.Value(replicatedKey{}) == nil {
		if err := r.in.peer.replicate(ctx, new); err != nil {
			return fmt.Errorf("configure the other instance: %w", err)
		}
	}
	return nil
}

// Reset reboots the instance (Reset-AzVirtualNetworkGateway): the active
// one fails over to its peer and comes back as the standby.
func (r *reconfigurer) Reset(ctx context.Context) error { return r.in.reset(ctx) }
