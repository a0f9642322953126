package runner

import (
	"slices"

	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/profile"
	"github.com/vpnlab/vpnlab/scenarios"
)

// scenarioOptions are the lab options a scenario asks for, before the
// caller's own (which win).
func scenarioOptions(sc scenarios.Scenario, opts []lab.Option) []lab.Option {
	var out []lab.Option
	if sc.Routing == "static" {
		out = append(out, lab.WithProfile(StaticProfile()))
	}
	switch sc.P2SAuth {
	case "radius":
		out = append(out, lab.WithRadius())
	case "radius-eap-tls":
		out = append(out, lab.WithRadiusEAPTLS())
	}
	return append(out, slices.Clone(opts)...)
}

// StaticProfile is the default device with static routing instead of BGP
// (profiles/static-routing.yaml): the VNet routed into the tunnel, the
// on-prem LAN listed in the local network gateway.
func StaticProfile() profile.Profile {
	p := profile.Default()
	p.Name, p.Description = "static-routing", "Route-based IKEv2 with a static route to the Azure VNet instead of BGP."
	p.BGP = nil
	p.StaticRoutes = []string{lab.AzureVNet.String()}
	return p
}

// DefaultLab reports whether sc runs on a default lab (no lab options of
// its own), so that any default lab started ahead can serve it.
func DefaultLab(sc scenarios.Scenario) bool { return len(scenarioOptions(sc, nil)) == 0 }
