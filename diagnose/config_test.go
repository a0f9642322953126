package diagnose

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// configured gives both sides the configuration a live lab reports:
// consistent identities, peers, selectors, timers, BGP and the Azure model.
func configured(ev *Evidence) {
	c := &ev.Onprem.Config
	c.LocalAddr, c.RemoteAddr, c.LocalID, c.RemoteID = onpremIP, azureIP, onpremIP, azureIP
	c.LocalTS, c.RemoteTS = []string{"0.0.0.0/0"}, []string{"0.0.0.0/0"}
	c.IKELifetime, c.ChildLifetime = 28800, 27000
	c.BGPLocalAddress, c.BGPPeerAddress = "169.254.21.2", "169.254.21.1"
	c.LAN, c.Advertised = []string{"198.18.10.0/24"}, []string{"198.18.10.0/24"}
	a := &ev.Azure.Config
	a.ConnectionProtocol, a.PublicIPs, a.VNetPrefixes = "IKEv2", []string{azureIP}, []string{"10.1.0.0/16"}
	a.GatewayBGPAddresses, a.LocalGatewayIP, a.LocalGatewayBGPAddr = []string{"169.254.21.1"}, onpremIP, "169.254.21.2"
	a.DPDTimeout = 45
}

func wrongPeer(ev *Evidence) {
	takeTunnelDown(ev)
	ev.Onprem.Config.RemoteAddr = "203.0.113.20"
	ev.Path.ToOnprem = PathCounters{}
	devLog(ev, 10, "charon", "sending retransmit 3 of request message ID 0, seq 1")
}

func ikeV1(ev *Evidence) {
	takeTunnelDown(ev)
	ev.Onprem.Config.IKEVersion = 1
	devLog(ev, 10, "charon", "received NO_PROPOSAL_CHOSEN error notify")
}

func natID(ev *Evidence) {
	takeTunnelDown(ev)
	ev.Onprem.Config.LocalID = "198.18.99.10"
	devLog(ev, 10, "charon", "received AUTHENTICATION_FAILED notify error")
	azLog(ev, 10, "IKEDiagnosticLog", "IKELogEvent", "GatewayTenantWorker_IN_0", ikeMsg("SEND", "[NOTIFY] Sending Notify Message - AUTHENTICATION_FAILED"))
}

func noClientCert(ev *Evidence) {
	ev.P2S[0].Connected, ev.P2S[0].VirtualIP, ev.P2S[0].Cert, ev.P2S[0].NoCert = false, "", nil, true
}

func bgpPeerIP(ev *Evidence) {
	bgpDown(ev)
	ev.Azure.Config.LocalGatewayBGPAddr = "169.254.21.6"
}

// fewPacketsUncounted: with BGP down the device sends only its few
// connection attempts, which the path forwards both ways, and Azure's
// sampled ingress counter has not yet counted them (a live run of the
// bgp-peer-address-mismatch scenario).
func fewPacketsUncounted(ev *Evidence) {
	c := &ev.Onprem.IKE[0].Children[0]
	c.PacketsInDelta, c.PacketsOutDelta = 3, 3
	ev.Azure.IngressDelta, ev.Azure.EgressDelta = 0, 164
	ev.Path.ToAzure = PathCounters{ESP4500: 3}
	ev.Path.ToOnprem = PathCounters{ESP4500: 3}
	noData(ev)
}

func lngMissing(ev *Evidence) {
	ev.Azure.Config.BGPEnabled = false
	ev.Onprem.BGP, ev.Azure.BGPPeers = nil, nil
	ev.Azure.Config.LocalGatewayPrefix = []string{"198.18.20.0/24"}
	ev.Azure.EgressDelta = 0
	noData(ev)
}

func notAdvertised(ev *Evidence) {
	ev.Onprem.Config.Advertised = nil
	ev.Azure.BGPPeers[0].RoutesReceived = 0
	ev.Azure.EgressDelta = 0
	noData(ev)
}

func pfsLatent(ev *Evidence) {
	ev.Onprem.Config.ESPProposals = []string{"aes256gcm16-ecp384"}
	ev.Onprem.Config.ChildLifetime = 20
	ev.Onprem.IKE[0].Children[0].RekeyInSeconds = 14
}

func pfsBitten(ev *Evidence) {
	pfsLatent(ev)
	ev.Onprem.IKE[0].Children = nil
	ev.Azure.ConnectionStatus = "Connecting"
	devLog(ev, 20, "charon", "received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built")
}

// Synthetic: a device that requires PFS with a proposal Azure accepts as
// responder, but a lifetime longer than Azure's: Azure starts the rekey,
// offering no PFS (validate --live's libreswan pfs=yes, salifetime=8h).
func pfsAzureInitiates(ev *Evidence) {
	ev.Onprem.Config.ESPProposals = []string{"aes128-sha1-modp1024"}
	ev.Onprem.Config.ChildLifetime = 28800
}

func pfsAzureRekeyRefused(ev *Evidence) {
	pfsAzureInitiates(ev)
	devLog(ev, 20, "charon", "received proposals: ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ")
	devLog(ev, 20, "charon", "no acceptable proposal found")
}

func lifetimeLatent(ev *Evidence) {
	ev.Onprem.Config.ChildLifetime, ev.Onprem.Config.ChildNoRekey = 20, true
	ev.Onprem.IKE[0].Children[0].ExpiresInSeconds = 16
}

func lifetimeBitten(ev *Evidence) {
	lifetimeLatent(ev)
	devLog(ev, 31, "charon", "closing expired CHILD_SA azure{1} with SPIs c1a2b3c4_i c5d6e7f8_o")
}

func dpdChange(ev *Evidence) {
	ev.Azure.Activity = []ActivityEvent{{Time: t0.Add(20 * time.Second), Operation: "Microsoft.Network/connections/write",
		Resource: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/connections/onprem-conn", Caller: "netadmin@contoso.example",
		Status: "Succeeded", Changed: []string{"dpdTimeoutSeconds"}}}
	flap(ev)
}

// catalogEvidence is one bundle per catalog fault, for TestEveryRuleFires.
func catalogEvidence() []Evidence {
	return []Evidence{
		with(configured, wrongPeer), with(configured, ikeV1), with(configured, natID), with(noClientCert),
		with(configured, bgpPeerIP), with(configured, lngMissing), with(configured, notAdvertised),
		with(configured, pfsLatent), with(configured, lifetimeLatent), with(configured, dpdChange), with(configured, poolOverOnprem), with(noClientAuth), with(revokedCert),
		with(configured, radiusAuth, radiusSecretWrong), with(configured, radiusAuth, radiusAddrWrong),
	}
}

func TestCatalogVerdicts(t *testing.T) {
	tests := []struct {
		name        string
		ev          Evidence
		fault, fact string
		userErr     string
	}{
		{"wrong peer address", with(configured, wrongPeer), "wrong-peer-address", "sends IKE to 203.0.113.20", ""},
		{"IKE version", with(configured, ikeV1), "ike-version-mismatch", "IKEv1, the Azure connection's protocol is IKEv2", ""},
		{"identity behind NAT", with(configured, natID), "ike-identity-mismatch", `identifies itself as "198.18.99.10"`, ""},
		{"no client certificate", with(configured, noClientCert), "client-certificate-missing", "holds no client certificate", "Error 798"},
		{"BGP peer IP", with(configured, bgpPeerIP), "bgp-peer-address-mismatch", "BGP peer IP is 169.254.21.6", ""},
		{"BGP peer IP, Azure's counter sampled before the few packets", with(configured, bgpPeerIP, fewPacketsUncounted),
			"bgp-peer-address-mismatch", "BGP peer IP is 169.254.21.6", ""},
		{"BGP peer IP, few packets uncounted, no path counters", with(configured, bgpPeerIP, fewPacketsUncounted, func(ev *Evidence) { ev.Path = nil }),
			"bgp-peer-address-mismatch", "BGP peer IP is 169.254.21.6", ""},
		{"ESP blocked with few packets: the path saw none cross", with(configured, espBlock, func(ev *Evidence) {
			ev.Onprem.IKE[0].Children[0].PacketsOutDelta = 3
		}), "esp-blocked", "the path forwarded 0 ESP-in-UDP and 0 raw ESP packets to Azure while the device sent 3", ""},
		{"LNG prefix", with(configured, lngMissing), "lng-prefix-missing", "does not contain the on-prem prefix(es) 198.18.10.0/24", ""},
		{"not advertised", with(configured, notAdvertised), "bgp-prefix-not-advertised", "not its on-prem prefix(es) 198.18.10.0/24", ""},
		{"PFS latent", with(configured, pfsLatent), "pfs-mismatch", "all require a PFS group", ""},
		{"PFS after the rekey", with(configured, pfsBitten), "pfs-mismatch", "NO_PROPOSAL_CHOSEN", ""},
		{"PFS latent, Azure rekeys first", with(configured, pfsAzureInitiates), "pfs-mismatch", "Azure starts the rekey", ""},
		{"PFS, Azure's rekey refused", with(configured, pfsAzureRekeyRefused), "pfs-mismatch", "no acceptable proposal found", ""},
		{"lifetime latent", with(configured, lifetimeLatent), "sa-lifetime-mismatch", "does not rekey it", ""},
		{"lifetime expired", with(configured, lifetimeBitten), "sa-lifetime-mismatch", "closing expired CHILD_SA", ""},
		{"change in the activity log", with(configured, dpdChange), "config-change", "by netadmin@contoso.example", ""},
		{"change, probes still failing as the routes come back", with(configured, dpdChange, func(ev *Evidence) {
			ev.Probes.Ping = &PingResult{Sent: 4, Received: 0}
			ev.Probes.TCPConnect = &TCPResult{Error: "dial tcp 198.19.1.4:80: connect: no route to host"}
		}), "config-change", "by netadmin@contoso.example", ""},
		{"untrusted tells the user", with(configured, certUntrusted), "certificate-untrusted", "matches none", "0x80090326"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Diagnose(tt.ev)
			checkVerdict(t, v, tt.fault, tt.fact)
			if !strings.Contains(v.UserError, tt.userErr) {
				t.Errorf("user error %q, want %q", v.UserError, tt.userErr)
			}
			if strings.Contains(tt.name, "latent") && !strings.Contains(v.Latent, "up now") {
				t.Errorf("a latent fault's verdict says the tunnel is up now: %q", v.Latent)
			}
		})
	}
}

// A complete configuration changes nothing of the earlier verdicts: the
// configuration rules fire only on a real mismatch.
func TestConfiguredKeepsVerdicts(t *testing.T) {
	if v := Diagnose(with(configured, flap)); v.Category != Healthy {
		t.Errorf("a reconnect without a change: %s/%s", v.Category, v.Fault)
	}
	if v := Diagnose(with(configured)); v.Category != Healthy {
		t.Errorf("configured healthy lab: %s/%s\n%s", v.Category, v.Fault, v)
	}
	for i, f := range []func(*Evidence){sharedKey, ikePolicy, ipsecPolicy, unreachable, espBlock, certUntrusted, asnMismatch, mtuHole, certExpired, failover} {
		a, b := Diagnose(with(f)), Diagnose(with(configured, f))
		if a.Fault != b.Fault {
			t.Errorf("%d: %s without configuration, %s with it", i, a.Fault, b.Fault)
		}
	}
}

// A device that requires PFS but rekeys before Azure does keeps its
// tunnel: Azure accepts its proposal as responder.
func TestPFSDeviceRekeysFirst(t *testing.T) {
	ev := with(configured, pfsAzureInitiates)
	ev.Onprem.Config.ChildLifetime = 3600
	if v := Diagnose(ev); v.Category != Healthy {
		t.Errorf("device rekeys first with an accepted PFS proposal: %s/%s\n%s", v.Category, v.Fault, v)
	}
}

// lifetimeLossAtInstall is a first verdict of the sa-lifetime-mismatch
// scenario in a CI rehearsal with 4 labs in parallel (synthetic, shaped on
// its report): the device re-established its tunnel with a 30 s CHILD SA
// it never rekeys, the evidence took 10.5 s, and a TCP connect got "no
// route to host" while ping crossed.
func lifetimeLossAtInstall(ev *Evidence) {
	ev.CollectedAt = ev.WindowStart.Add(12 * time.Second)
	ev.Onprem.Config.ChildLifetime, ev.Onprem.Config.ChildNoRekey = 30, true
	c := &ev.Onprem.IKE[0].Children[0]
	c.InstalledSeconds, c.ExpiresInSeconds = 9, 21
	devLog(ev, 3, "charon", "CHILD_SA azure{3} established with SPIs c9d8e7f6_i a1b2c3d4_o and TS 0.0.0.0/0 === 0.0.0.0/0")
	ev.Probes.Ping = &PingResult{Sent: 4, Received: 4}
	ev.Probes.TCPConnect = &TCPResult{Error: "dial tcp 10.1.0.4:80: connect: no route to host"}
	ev.Probes.TCPBulk = &TCPResult{OK: true, Bytes: 262144, Wanted: 262144}
}

// A partial data-plane loss around a CHILD SA change on a device that lets
// its CHILD SAs expire unrekeyed is the lifetime fault's, not a missing
// route's; a loss the lifetime does not explain stays route-missing.
func TestLifetimeExplainsPartialLoss(t *testing.T) {
	v := Diagnose(with(configured, lifetimeLossAtInstall))
	checkVerdict(t, v, "sa-lifetime-mismatch", "falls around a CHILD SA change (the current CHILD SA was installed 9 s ago, within the 12 s window)")
	if !strings.Contains(v.Latent, "up now") {
		t.Errorf("the tunnel is up: the verdict is still latent, got %q", v.Latent)
	}
	// Only the log says when the SA changed.
	v = Diagnose(with(configured, lifetimeLossAtInstall, func(ev *Evidence) { ev.Onprem.IKE[0].Children[0].InstalledSeconds = 40 }))
	checkVerdict(t, v, "sa-lifetime-mismatch", `the device logged "CHILD_SA azure{3} established with SPIs`)

	// Nothing crossed, while the SA that expired was being replaced.
	v = Diagnose(with(configured, lifetimeLossAtInstall, func(ev *Evidence) {
		ev.Probes.Ping.Received, ev.Probes.TCPBulk = 0, nil
		devLog(ev, 2, "charon", "closing expired CHILD_SA azure{2} with SPIs c1a2b3c4_i c5d6e7f8_o and TS 0.0.0.0/0 === 0.0.0.0/0")
	}))
	checkVerdict(t, v, "sa-lifetime-mismatch", `no probe crossed the tunnel, but the device logged "closing expired CHILD_SA azure{2}`)

	for _, tt := range []struct {
		name string
		f    func(*Evidence)
	}{
		{"nothing crossed and no SA expired", func(ev *Evidence) { ev.Probes.Ping.Received, ev.Probes.TCPBulk = 0, nil }},
		{"the target is not routed into the tunnel", func(ev *Evidence) { ev.Onprem.Routes = []string{"169.254.21.1/32"} }},
		{"BGP is down", bgpDown},
		{"the device rekeys", func(ev *Evidence) { ev.Onprem.Config.ChildNoRekey = false }},
		{"no CHILD SA change in the window", func(ev *Evidence) {
			ev.Onprem.IKE[0].Children[0].InstalledSeconds = 40
			ev.Onprem.Log = slices.DeleteFunc(ev.Onprem.Log, func(l LogLine) bool { return strings.Contains(l.Message, "CHILD_SA") })
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := Diagnose(with(configured, lifetimeLossAtInstall, tt.f))
			if v.Fault != "route-missing" {
				t.Errorf("%s/%s, want routing/route-missing\n%s", v.Category, v.Fault, v)
			}
		})
	}
}
