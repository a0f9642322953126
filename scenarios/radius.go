package scenarios

import (
	"context"
	"fmt"
	"net/netip"
)

// RadiusLab is what the RADIUS fault kind acts on; *lab.Lab satisfies it.
type RadiusLab interface {
	SetRadiusServer(ctx context.Context, address string, wrongSecret bool) error
	RestoreRadiusServer(ctx context.Context) error
	BlockRadius(ctx context.Context, on bool) error
}

// p2sRadius breaks the gateway's point-to-site RADIUS configuration through
// the API (seed 003, error 812: the RADIUS server is misconfigured or the
// gateway cannot reach it). action "address": radiusServerAddress names an
// address where no RADIUS server answers; "secret": radiusServerSecret
// differs from the secret the server holds for the gateway; "block": a
// firewall in front of the RADIUS server (an NSG on its subnet) drops
// RADIUS from the GatewaySubnet. The scenario's
// lab must authenticate P2S users with RADIUS (p2s_auth: radius).
type p2sRadius struct {
	Action  string `yaml:"action"`
	Address string `yaml:"address"` // action address: where the gateway sends its requests
}

func (f *p2sRadius) Kind() string { return "p2s-radius" }
func (f *p2sRadius) Describe() string {
	switch f.Action {
	case "secret":
		return "the gateway's P2S RADIUS server secret is changed through the API, so it no longer matches the RADIUS server's (value redacted)"
	case "block":
		return "a firewall in front of the RADIUS server drops RADIUS (UDP 1812) from the gateway's GatewaySubnet"
	}
	return fmt.Sprintf("the gateway's P2S RADIUS server address is changed through the API to %s, where no RADIUS server answers", f.Address)
}
func (f *p2sRadius) check() error {
	switch f.Action {
	case "secret", "block":
		if f.Address != "" {
			return fieldError{"address", "only action address takes an address"}
		}
	case "address":
		if _, err := netip.ParseAddr(f.Address); err != nil {
			return fieldError{"address", fmt.Sprintf("want an IPv4 address, got %q", f.Address)}
		}
	default:
		return fieldError{"action", fmt.Sprintf("unknown action %q (actions: address, secret, block)", f.Action)}
	}
	return nil
}
func (f *p2sRadius) Inject(ctx context.Context, l Lab) error {
	r, ok := l.(RadiusLab)
	if !ok {
		return fmt.Errorf("this lab cannot take RADIUS faults")
	}
	if f.Action == "block" {
		return r.BlockRadius(ctx, true)
	}
	return r.SetRadiusServer(ctx, f.Address, f.Action == "secret")
}

// Fix sets the RADIUS server's address and its secret on the gateway again
// (seed 003 error 812: configure the RADIUS server settings correctly), or
// lets RADIUS from the GatewaySubnet through again (the gateway must reach
// the RADIUS server).
func (f *p2sRadius) Fix(ctx context.Context, l Lab) error {
	r, ok := l.(RadiusLab)
	if !ok {
		return fmt.Errorf("this lab cannot take RADIUS faults")
	}
	if f.Action == "block" {
		return r.BlockRadius(ctx, false)
	}
	return r.RestoreRadiusServer(ctx)
}
