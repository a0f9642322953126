package lab

import (
	"context"
	"fmt"
)

// RouteVia routes prefix through another next hop in a node of the on-prem
// LAN (a stale route to an old router: what Azure sends arrives, the
// answers go elsewhere).
func (l *Lab) RouteVia(ctx context.Context, node, prefix, via string) error {
	return l.lanRoute(ctx, node, "replace", prefix, via)
}

// UnrouteVia removes a RouteVia route; the node's default route through the
// VPN device applies again.
func (l *Lab) UnrouteVia(ctx context.Context, node, prefix, via string) error {
	return l.lanRoute(ctx, node, "del", prefix, via)
}

func (l *Lab) lanRoute(ctx context.Context, node, op, prefix, via string) error {
	if node != OnpremHost {
		return fmt.Errorf("routes can be changed in %s only, not %q", OnpremHost, node)
	}
	return l.execOK(node, "ip", "route", op, prefix, "via", via)()
}
