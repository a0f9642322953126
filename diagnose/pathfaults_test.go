package diagnose

import (
	"strings"
	"testing"
)

// tsNarrow: a policy-based device's selectors leave out the VM's subnet.
func tsNarrow(ev *Evidence) {
	ev.Azure.Config.BGPEnabled = false
	ev.Onprem.BGP, ev.Azure.BGPPeers = nil, nil
	ev.Azure.Config.LocalGatewayPrefix = []string{"198.18.10.0/24"}
	c := &ev.Onprem.IKE[0].Children[0]
	c.LocalTS, c.RemoteTS = []string{"198.18.10.0/24"}, []string{"10.1.5.0/24"}
	c.PacketsInDelta, c.PacketsOutDelta = 0, 0
	ev.Onprem.Config.LocalTS, ev.Onprem.Config.RemoteTS = c.LocalTS, c.RemoteTS
	ev.Azure.IngressDelta, ev.Azure.EgressDelta = 0, 0
	noData(ev)
}

// portsBlocked: the device re-established; UDP 500/4500 dropped on the path.
func portsBlocked(ev *Evidence) {
	takeTunnelDown(ev)
	ev.Azure.ConnectionStatus = "Connected" // Azure has not noticed yet
	ev.Path.ToAzure, ev.Path.ToOnprem = PathCounters{}, PathCounters{}
	devLog(ev, 3, "charon", "sending retransmit 2 of request message ID 0, seq 1")
	ev.Probes.IKE = []IKEProbe{{Target: azureIP, Port: 500}, {Target: azureIP, Port: 4500}}
}

// oneWayLAN: the on-prem host routes the VNet to a stale next hop.
func oneWayLAN(ev *Evidence) {
	noData(ev)
	ev.Probes.Route = "10.1.0.4 via 198.18.10.254 dev onprem-lan src 198.18.10.10 uid 0"
	ev.Probes.Gateway = "198.18.10.1"
	ev.Probes.Reverse = &PingResult{Sent: 4, Received: 0}
	c := &ev.Onprem.IKE[0].Children[0]
	c.PacketsInDelta, c.PacketsOutDelta = 4, 0
	ev.Azure.IngressDelta, ev.Azure.EgressDelta = 0, 600
}

// natLatent: a NAT with a 15 s UDP timeout, no keepalive, no DPD.
func natLatent(ev *Evidence) {
	none := 0
	ev.Onprem.Config.NATKeepalive, ev.Onprem.Config.DPDDelay = &none, 0
	ev.Path.NAT = &PathNAT{Inside: onpremIP, UDPTimeout: 15}
	ev.Onprem.IKE[0].NATLocal = true
}

// natBitten: after the idle period, Azure's packets no longer arrive.
func natBitten(ev *Evidence) {
	natLatent(ev)
	c := &ev.Onprem.IKE[0].Children[0]
	c.PacketsInDelta, c.PacketsOutDelta = 0, 12
	ev.Azure.IngressDelta, ev.Azure.EgressDelta = 1000, 1000
	ev.Path.ToOnprem = PathCounters{}
	noData(ev)
}

func pathEvidence() []Evidence {
	return []Evidence{with(configured, tsNarrow), with(configured, portsBlocked), with(configured, oneWayLAN), with(configured, natBitten)}
}

func TestPathVerdicts(t *testing.T) {
	tests := []struct {
		name, fault, fact string
		ev                Evidence
	}{
		{"selectors leave out the VM", "traffic-selector-mismatch", "the VNet prefix(es) 10.1.0.0/16 are outside the tunnel's remote selectors 10.1.5.0/24", with(configured, tsNarrow)},
		{"selectors as configured only", "traffic-selector-mismatch", "configured traffic selectors", with(configured, tsNarrow, func(ev *Evidence) {
			c := &ev.Onprem.IKE[0].Children[0]
			c.LocalTS, c.RemoteTS = nil, nil
		})},
		{"selectors refused (TS_UNACCEPTABLE)", "traffic-selector-mismatch", "refused the selectors", with(configured, tsNarrow, func(ev *Evidence) {
			ev.Onprem.IKE[0].Children = nil
			ev.Azure.ConnectionStatus = "Connecting"
			devLog(ev, 5, "charon", "received TS_UNACCEPTABLE notify, no CHILD_SA built")
		})},
		{"IKE ports blocked", "ike-ports-blocked", "forwarded 0 IKE packets (UDP 500/4500) towards Azure", with(configured, portsBlocked)},
		{"IKE probe on 4500 only answered", "ike-ports-blocked", "on UDP 4500: answered", with(configured, portsBlocked, func(ev *Evidence) {
			ev.Path.ToAzure = PathCounters{IKE4500: 2}
			ev.Probes.IKE[1].Answered = true
		})},
		{"IKE forwarded, no answer: unreachable", "peer-unreachable", "to Azure and 0 back", with(configured, portsBlocked, func(ev *Evidence) {
			ev.Path.ToAzure = PathCounters{IKE500: 6}
		})},
		{"NAT keepalive latent", "keepalive-nat-timeout", "forgets a UDP mapping after 15 s", with(configured, natLatent)},
		{"NAT keepalive bitten", "keepalive-nat-timeout", "the NAT drops it", with(configured, natBitten)},
		{"one-way: stale LAN route", "return-route-missing", "next hop 198.18.10.254, not the VPN device 198.18.10.1", with(configured, oneWayLAN)},
		{"route through the device: not one-way", "route-missing", "", with(configured, oneWayLAN, func(ev *Evidence) {
			ev.Probes.Route = "10.1.0.4 via 198.18.10.1 dev onprem-lan src 198.18.10.10 uid 0"
			ev.Onprem.Routes = nil
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkVerdict(t, Diagnose(tt.ev), tt.fault, tt.fact)
		})
	}
	// Healthy selectors, routes and IKE probes change nothing.
	ok := with(configured, func(ev *Evidence) {
		ev.Onprem.IKE[0].Children[0].LocalTS = []string{"0.0.0.0/0"}
		ev.Onprem.IKE[0].Children[0].RemoteTS = []string{"169.254.21.1/32", "10.1.0.0/16"}
		ev.Probes.Route = "10.1.0.4 via 198.18.10.1 dev onprem-lan src 198.18.10.10 uid 0"
		ev.Probes.Gateway = "198.18.10.1"
	})
	if v := Diagnose(with(configured, natLatent)); !strings.Contains(v.Latent, "up now") {
		t.Errorf("a NAT shortage before it bites is latent: %q", v.Latent)
	}
	if v := Diagnose(with(configured, natBitten)); v.Latent != "" {
		t.Errorf("once bitten it is not latent: %q", v.Latent)
	}
	if v := Diagnose(with(configured, natLatent, func(ev *Evidence) { ka := 10; ev.Onprem.Config.NATKeepalive = &ka })); v.Category != Healthy {
		t.Errorf("keepalives shorter than the NAT's timeout: %s/%s\n%s", v.Category, v.Fault, v)
	}
	if v := Diagnose(ok); v.Category != Healthy {
		t.Errorf("healthy with narrowed but covering selectors: %s/%s\n%s", v.Category, v.Fault, v)
	}
}

// checkVerdict checks a verdict's fault, that a fact contains fact, and
// that every fix step is sourced.
func checkVerdict(t *testing.T, v Verdict, fault, fact string) {
	t.Helper()
	if v.Fault != fault {
		t.Fatalf("got %s/%s, want %s\n%s", v.Category, v.Fault, fault, v)
	}
	if !strings.Contains(strings.Join(v.Facts, "\n"), fact) {
		t.Errorf("no fact %q in\n%s", fact, v)
	}
	for _, s := range v.Fix {
		if !strings.HasPrefix(s.Source, "seed ") && !strings.HasPrefix(s.Source, "Azure") {
			t.Errorf("step %d has no source", s.N)
		}
	}
}
