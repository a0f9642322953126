package diagnose

import "time"

// Evidence builders: a healthy baseline, then each fault as a small
// mutation of it, shaped like what the lab's charon, GoBGP and fake Azure
// gateway produce (shared/reference/lab-recipes.md).

var t0 = time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)

const (
	onpremIP = "198.51.100.10"
	azureIP  = "203.0.113.5"
)

func healthy() Evidence {
	return Evidence{
		WindowStart: t0,
		CollectedAt: t0.Add(3 * time.Minute),
		Onprem: &Device{
			IKE: []IKESA{{
				State: "ESTABLISHED", Local: onpremIP, Remote: azureIP,
				Children: []ChildSA{{State: "INSTALLED", BytesIn: 52000, BytesOut: 48000, PacketsInDelta: 40, PacketsOutDelta: 42}},
			}},
			BGP:    []BGPPeer{{Neighbor: "169.254.21.1", State: "ESTABLISHED", LocalASN: 65020, PeerASN: 65515, RoutesReceived: 2}},
			Routes: []string{"10.1.0.0/16", "169.254.21.1/32"},
			Log: []LogLine{
				{Time: t0.Add(time.Second), Source: "charon", Message: "IKE_SA azure[1] established between " + onpremIP + "[" + onpremIP + "]..." + azureIP + "[" + azureIP + "]"},
				{Time: t0.Add(time.Second), Source: "charon", Message: "CHILD_SA azure{1} established with SPIs c1a2b3c4_i c5d6e7f8_o"},
				{Time: t0.Add(3 * time.Second), Source: "bgp", Message: "Peer Up Key=169.254.21.1 State=BGP_FSM_OPENCONFIRM"},
			},
			Config: DeviceConfig{
				IKEVersion: 2, IKEProposals: []string{"aes256-sha256-modp1024"}, ESPProposals: []string{"aes256gcm16"},
				LocalASN: 65020, PeerASN: 65515, TunnelMTU: 1400, MSSClamp: 1350, DPDDelay: 30,
			},
		},
		Azure: &AzureSide{
			ConnectionStatus: "Connected",
			IngressBytes:     48000, EgressBytes: 52000, IngressDelta: 3000, EgressDelta: 3200,
			BGPPeers: []AzureBGPPeer{{Neighbor: "169.254.21.2", ASN: 65020, State: "Connected", RoutesReceived: 1}},
			Logs: []AzureLog{
				{Time: t0.Add(time.Second), Category: "TunnelDiagnosticLog", Operation: "TunnelConnected", Instance: "GatewayTenantWorker_IN_0", Status: "Connected", RemoteIP: onpremIP, Message: "Tunnel to " + onpremIP + " connected"},
				{Time: t0.Add(3 * time.Second), Category: "RouteDiagnosticLog", Operation: "BgpConnectedEvent", Instance: "GatewayTenantWorker_IN_0", Message: "BGP peer 169.254.21.2 connected"},
			},
			Config: AzureConfig{GatewayASN: 65515, LocalGatewayASN: 65020, BGPEnabled: true},
		},
		Path: &Path{
			ToAzure:  PathCounters{IKE4500: 4, ESP4500: 42},
			ToOnprem: PathCounters{IKE4500: 4, ESP4500: 40},
		},
		Probes: &Probes{
			Target:     "10.1.0.4",
			Ping:       &PingResult{Sent: 5, Received: 5},
			TCPConnect: &TCPResult{OK: true},
			TCPBulk:    &TCPResult{OK: true, Bytes: 1 << 20, Wanted: 1 << 20},
			PMTU:       &PMTUResult{MaxPassing: 1400, MinRefused: 1401, ReportedMTU: 1400, LargestTried: 1500},
		},
		P2S: []P2SClient{{
			Name: "alice", Connected: true, VirtualIP: "172.16.201.2",
			Cert: &CertInfo{
				Subject: "CN=alice", Issuer: "CN=P2SRoot", Thumbprint: "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678",
				NotBefore: t0.AddDate(-1, 0, 0), NotAfter: t0.AddDate(1, 0, 0), EKU: []string{"clientAuth"},
			},
			Roots: []CertInfo{{
				Subject: "CN=P2SRoot", Issuer: "CN=P2SRoot", Thumbprint: "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C",
				NotBefore: t0.AddDate(-2, 0, 0), NotAfter: t0.AddDate(8, 0, 0),
			}},
		}},
	}
}

// with returns the healthy baseline changed by fs.
func with(fs ...func(*Evidence)) Evidence {
	ev := healthy()
	for _, f := range fs {
		f(&ev)
	}
	return ev
}

func devLog(ev *Evidence, sec int, src, msg string) {
	ev.Onprem.Log = append(ev.Onprem.Log, LogLine{Time: t0.Add(time.Duration(sec) * time.Second), Source: src, Message: msg})
}

func azLog(ev *Evidence, sec int, cat, op, inst, msg string) {
	ev.Azure.Logs = append(ev.Azure.Logs, AzureLog{Time: t0.Add(time.Duration(sec) * time.Second), Category: cat, Operation: op, Instance: inst, Message: msg})
}

func ikeMsg(dir, text string) string {
	return "Remote " + onpremIP + ":500: Local " + azureIP + ":500: [" + dir + "] " + text
}

// Building blocks.

// noData makes the probes fail: nothing crosses the tunnel.
func noData(ev *Evidence) {
	ev.Probes.Ping = &PingResult{Sent: 5, Received: 0}
	ev.Probes.TCPConnect = &TCPResult{Error: "dial tcp 10.1.0.4:80: i/o timeout"}
	ev.Probes.TCPBulk = nil
	ev.Probes.PMTU = nil
}

// bgpDown takes BGP down on both sides.
func bgpDown(ev *Evidence) {
	if ev.Onprem != nil {
		for i := range ev.Onprem.BGP {
			ev.Onprem.BGP[i].State = "ACTIVE"
			ev.Onprem.BGP[i].RoutesReceived = 0
		}
	}
	if ev.Azure != nil {
		for i := range ev.Azure.BGPPeers {
			ev.Azure.BGPPeers[i].State = "Connecting"
			ev.Azure.BGPPeers[i].RoutesReceived = 0
		}
	}
}

// takeTunnelDown leaves no IKE SA: IKE never completes.
func takeTunnelDown(ev *Evidence) {
	ev.Onprem.IKE = []IKESA{{State: "CONNECTING", Local: onpremIP, Remote: azureIP}}
	ev.Azure.ConnectionStatus = "Connecting"
	ev.Azure.IngressDelta, ev.Azure.EgressDelta = 0, 0
	ev.Path.ToAzure = PathCounters{IKE500: 6}
	ev.Path.ToOnprem = PathCounters{IKE500: 6}
	bgpDown(ev)
	noData(ev)
}

// Faults.

func sharedKey(ev *Evidence) {
	takeTunnelDown(ev)
	devLog(ev, 10, "charon", "received AUTHENTICATION_FAILED notify error")
	azLog(ev, 10, "IKEDiagnosticLog", "IKELogEvent", "GatewayTenantWorker_IN_0", ikeMsg("LOCAL", "Authentication failed. Check shared key. Check crypto. Check lifetimes. (13801)"))
}

func ikePolicy(ev *Evidence) {
	takeTunnelDown(ev)
	ev.Onprem.Config.IKEProposals = []string{"aes128-sha1-modp1024"}
	devLog(ev, 10, "charon", "received NO_PROPOSAL_CHOSEN notify error")
	azLog(ev, 10, "IKEDiagnosticLog", "IKELogEvent", "GatewayTenantWorker_IN_0", ikeMsg("SEND", "[NOTIFY] Sending Notify Message - Policy Mismatch"))
}

func ipsecPolicy(ev *Evidence) {
	takeTunnelDown(ev)
	ev.Onprem.IKE = []IKESA{{State: "ESTABLISHED", Local: onpremIP, Remote: azureIP}}
	ev.Onprem.Config.ESPProposals = []string{"aes256-sha256-modp2048"}
	ev.Path.ToAzure = PathCounters{IKE4500: 4}
	ev.Path.ToOnprem = PathCounters{IKE4500: 4}
	devLog(ev, 10, "charon", "received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built")
	azLog(ev, 10, "IKEDiagnosticLog", "IKELogEvent", "GatewayTenantWorker_IN_0", ikeMsg("SEND", "[NOTIFY] Sending Notify Message - Policy Mismatch"))
	azLog(ev, 10, "IKEDiagnosticLog", "IKELogEvent", "GatewayTenantWorker_IN_0", ikeMsg("LOCAL", "IkeCleanupQMNegotiation called with error 13868"))
}

func unreachable(ev *Evidence) {
	takeTunnelDown(ev)
	ev.Azure.ConnectionStatus = "NotConnected"
	ev.Path.ToAzure = PathCounters{IKE500: 6}
	ev.Path.ToOnprem = PathCounters{}
	devLog(ev, 10, "charon", "sending retransmit 5 of request message ID 0, seq 1")
	devLog(ev, 40, "charon", "giving up after 5 retransmits")
}

// espBlock drops ESP both ways; IKE and DPD pass, BGP died at its hold timer.
func espBlock(ev *Evidence) {
	c := &ev.Onprem.IKE[0].Children[0]
	c.PacketsInDelta, c.PacketsOutDelta = 0, 25
	ev.Azure.IngressDelta, ev.Azure.EgressDelta = 0, 800
	ev.Path.ToAzure = PathCounters{IKE4500: 3}
	ev.Path.ToOnprem = PathCounters{IKE4500: 3}
	bgpDown(ev)
	ev.Onprem.BGP[0].NotificationsSent = 1 // hold timer expired
	noData(ev)
}

func asnMismatch(ev *Evidence) {
	bgpDown(ev)
	ev.Onprem.Config.PeerASN = 65514
	ev.Onprem.BGP[0].PeerASN = 65514
	ev.Onprem.BGP[0].NotificationsSent = 3
	devLog(ev, 20, "bgp", "as number mismatch expected 65514, received 65515")
	noData(ev)
	c := &ev.Onprem.IKE[0].Children[0]
	c.PacketsInDelta, c.PacketsOutDelta = 9, 12
}

func routeGone(ev *Evidence) {
	ev.Onprem.Routes = []string{"169.254.21.1/32"}
	noData(ev)
}

func mtuHole(ev *Evidence) {
	ev.Probes.TCPBulk = &TCPResult{Bytes: 4096, Wanted: 1 << 20, Error: "read: i/o timeout"}
	ev.Probes.PMTU = &PMTUResult{MaxPassing: 1236, MinSilent: 1240, LargestTried: 1400}
	ev.Onprem.Config.MSSClamp = 0
}

func certExpired(ev *Evidence) {
	ev.P2S[0].Connected = false
	ev.P2S[0].VirtualIP = ""
	ev.P2S[0].Cert.NotAfter = ev.CollectedAt.Add(-72 * time.Hour)
}

func certUntrusted(ev *Evidence) {
	ev.P2S[0].Connected = false
	ev.P2S[0].Cert.Issuer = "CN=OtherRoot"
}

// failover: maintenance, then the tunnel moves from IN_0 to IN_1 in 14 s.
func failover(ev *Evidence) {
	azLog(ev, 30, "GatewayDiagnosticLog", "HostMaintenanceEvent", "GatewayTenantWorker_IN_0", "Host maintenance started on GatewayTenantWorker_IN_0")
	ev.Azure.Logs = append(ev.Azure.Logs,
		AzureLog{Time: t0.Add(40 * time.Second), Category: "TunnelDiagnosticLog", Operation: "TunnelDisconnected", Instance: "GatewayTenantWorker_IN_0", Status: "Disconnected", RemoteIP: onpremIP, Reason: "Peer not responding (DPD timeout)"},
		AzureLog{Time: t0.Add(54 * time.Second), Category: "TunnelDiagnosticLog", Operation: "TunnelConnected", Instance: "GatewayTenantWorker_IN_1", Status: "Connected", RemoteIP: onpremIP},
	)
}

// flap: the tunnel drops and comes back on the same instance, no maintenance.
func flap(ev *Evidence) {
	ev.Azure.Logs = append(ev.Azure.Logs,
		AzureLog{Time: t0.Add(40 * time.Second), Category: "TunnelDiagnosticLog", Operation: "TunnelDisconnected", Instance: "GatewayTenantWorker_IN_0", Status: "Disconnected", RemoteIP: onpremIP, Reason: "Peer deleted IKE SA"},
		AzureLog{Time: t0.Add(44 * time.Second), Category: "TunnelDiagnosticLog", Operation: "TunnelConnected", Instance: "GatewayTenantWorker_IN_0", Status: "Connected", RemoteIP: onpremIP},
	)
}

func noAzure(ev *Evidence)  { ev.Azure = nil }
func noOnprem(ev *Evidence) { ev.Onprem = nil }
