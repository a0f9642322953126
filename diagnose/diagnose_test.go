package diagnose

import (
	"encoding/json"
	"github.com/vpnlab/vpnlab/diagnose/kb"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

type want struct {
	category string
	fault    string
	nw       string
	minConf  float64
	maxConf  float64
	facts    []string // substrings some fact must contain
	summary  []string // substrings the summary must contain
	missing  []string // exact Missing entries
}

func TestDiagnose(t *testing.T) {
	tests := []struct {
		name string
		ev   Evidence
		want want
	}{
		{"healthy", healthy(), want{
			category: Healthy, minConf: 0.9, maxConf: 0.95,
			facts: []string{"ESTABLISHED", "Connected", "42 out", "5 of 5 received", "P2S client alice is connected"},
		}},
		{"shared key mismatch", with(sharedKey), want{
			category: TunnelSetup, fault: "shared-key-mismatch", nw: "Authentication", minConf: 0.9, maxConf: 0.95,
			facts: []string{`on-prem charon: "received AUTHENTICATION_FAILED notify error"`, "Authentication failed. Check shared key", "Azure connection status Connecting", "CONNECTING"},
		}},
		{"IKE policy mismatch", with(ikePolicy), want{
			category: TunnelSetup, fault: "ike-policy-mismatch", nw: "IkePolicyMismatch", minConf: 0.9, maxConf: 0.95,
			facts: []string{"NO_PROPOSAL_CHOSEN", "Policy Mismatch", "aes128-sha1-modp1024", "default IPsec/IKE policy"},
		}},
		{"IPsec policy mismatch", with(ipsecPolicy), want{
			category: TunnelSetup, fault: "ipsec-policy-mismatch", nw: "IkePolicyMismatch", minConf: 0.9, maxConf: 0.95,
			facts: []string{"no CHILD_SA built", "13868", "ESTABLISHED IKE SA but no INSTALLED CHILD SA", `"aes256-sha256-modp2048" requires a PFS group`},
		}},
		{"IPsec policy mismatch caught between retries (no IKE SA now)", with(ipsecPolicy, func(ev *Evidence) {
			ev.Onprem.IKE = []IKESA{{State: "CONNECTING", Local: onpremIP, Remote: azureIP}}
		}), want{
			category: TunnelSetup, fault: "ipsec-policy-mismatch", nw: "IkePolicyMismatch", minConf: 0.9, maxConf: 0.95,
			facts: []string{"no CHILD_SA built", "13868"},
		}},
		{"peer unreachable", with(unreachable), want{
			category: TunnelSetup, fault: "peer-unreachable", nw: "PeerReachability", minConf: 0.85, maxConf: 0.95,
			facts: []string{"giving up after 5 retransmits", "6 IKE packets (UDP 500/4500) to Azure and 0 back", "NotConnected"},
		}},
		{"ESP blocked", with(espBlock), want{
			category: TunnelSetup, fault: "esp-blocked", minConf: 0.9, maxConf: 0.95,
			facts:   []string{"25 packets out, 0 packets in", "ingress grew by 0 bytes", "forwarded 0 ESP-in-UDP and 0 raw ESP packets to Azure while the device sent 25", "IKE still crosses", "0 of 5 received", "not because of its own configuration"},
			summary: []string{"in either direction"},
		}},
		{"BGP ASN mismatch", with(asnMismatch), want{
			category: Routing, fault: "bgp-asn-mismatch", minConf: 0.9, maxConf: 0.95,
			facts:   []string{"expected peer AS 65514 but Azure's OPEN carried AS 65515", "configured with peer ASN 65514, but Azure's gateway ASN is 65515", `on-prem bgp: "as number mismatch expected 65514, received 65515"`, "NOTIFICATIONs sent 3"},
			summary: []string{"65514", "65515"},
		}},
		{"BGP ASN mismatch from the config alone", with(asnMismatch, func(ev *Evidence) { ev.Onprem.Log = ev.Onprem.Log[:3] }), want{
			category: Routing, fault: "bgp-asn-mismatch", minConf: 0.8, maxConf: 0.9,
			facts: []string{"configured with peer ASN 65514, but Azure's gateway ASN is 65515"},
		}},
		{"BGP down with only NOTIFICATION counters", with(asnMismatch, func(ev *Evidence) {
			ev.Onprem.Log = ev.Onprem.Log[:3]
			ev.Onprem.Config.PeerASN, ev.Onprem.BGP[0].PeerASN = 65515, 65515
		}), want{
			category: Routing, fault: "bgp-asn-mismatch", minConf: 0.55, maxConf: 0.65,
			facts:   []string{"sent 3, received 0"},
			missing: []string{"BGP NOTIFICATION reason (the sending speaker's log)"},
		}},
		{"BGP down, no ASN evidence: routing, not ASN", with(bgpDown, func(ev *Evidence) { ev.Probes.Ping = &PingResult{Sent: 5, Received: 0} }), want{
			category: Routing, fault: "route-missing", minConf: 0.55, maxConf: 0.65,
			facts: []string{"BGP is configured but not up, and nothing identifies a wrong ASN"},
		}},
		{"ESP blocked towards on-prem only", with(func(ev *Evidence) {
			c := &ev.Onprem.IKE[0].Children[0]
			c.PacketsInDelta, c.PacketsOutDelta = 0, 30
			ev.Azure.IngressDelta, ev.Azure.EgressDelta = 2400, 900
			ev.Path.ToOnprem = PathCounters{IKE4500: 3}
			bgpDown(ev)
			noData(ev)
		}), want{
			category: TunnelSetup, fault: "esp-blocked", minConf: 0.85, maxConf: 0.95,
			summary: []string{"from Azure to the device"},
			facts:   []string{"egress grew by 900 bytes while the on-prem CHILD SA received 0 packets", "the path forwarded 0 ESP packets towards on-prem"},
		}},
		{"route missing", with(routeGone), want{
			category: Routing, fault: "route-missing", minConf: 0.8, maxConf: 0.9,
			facts: []string{"no prefix routed into the tunnel covers 10.1.0.4", "0 of 5 received"},
		}},
		{"route missing: Azure does not answer", with(func(ev *Evidence) {
			ev.Onprem.BGP, ev.Azure.BGPPeers, ev.Azure.Config.BGPEnabled = nil, nil, false
			c := &ev.Onprem.IKE[0].Children[0]
			c.PacketsInDelta, c.PacketsOutDelta = 0, 10
			ev.Azure.IngressDelta, ev.Azure.EgressDelta = 840, 0
			ev.Path.ToOnprem.ESP4500 = 0
			ev.Path.ToAzure.ESP4500 = 10
			noData(ev)
		}), want{
			category: Routing, fault: "route-missing", minConf: 0.8, maxConf: 0.9,
			facts: []string{"sent nothing back (egress +0)"},
		}},
		{"MTU black hole", with(mtuHole), want{
			category: Operations, fault: "mtu-blackhole", minConf: 0.85, maxConf: 0.95,
			facts:   []string{"packets up to 1236 bytes cross; from 1240 bytes they are lost silently", "below the tunnel MTU 1400", "failed after 4096 of 1048576 bytes", "clamps no TCP MSS"},
			summary: []string{"1236 bytes", "MTU 1230", "MSS 1190"},
		}},
		{"bulk fails without a PMTU probe", with(mtuHole, func(ev *Evidence) { ev.Probes.PMTU = nil }), want{
			category: Operations, fault: "mtu-blackhole", minConf: 0.6, maxConf: 0.7,
			missing: []string{missingPMTU},
		}},
		{"PMTU refused, not silent: PMTUD works", with(func(ev *Evidence) {
			ev.Probes.PMTU = &PMTUResult{MaxPassing: 1300, MinRefused: 1301, ReportedMTU: 1300, LargestTried: 1500}
		}), want{
			category: Healthy, minConf: 0.9,
			facts: []string{"path MTU discovery works"},
		}},
		{"PMTU refused but bulk fails: not an MTU black hole", with(func(ev *Evidence) {
			ev.Probes.TCPBulk = &TCPResult{Bytes: 100, Wanted: 1 << 20, Error: "connection reset"}
		}), want{
			category: Unknown, maxConf: 0.5,
			facts: []string{"bulk TCP transfer failed", "path MTU discovery works"},
		}},
		{"certificate expired", with(certExpired), want{
			category: Operations, fault: "certificate-expired", minConf: 0.85, maxConf: 0.95,
			facts: []string{"P2S client alice is not connected", `client certificate "CN=alice"`, "expired at 2026-03-29T10:03:00Z", "3 days before"},
		}},
		{"certificate not yet valid", with(func(ev *Evidence) {
			ev.P2S[0].Connected = false
			ev.P2S[0].Cert.NotBefore = ev.CollectedAt.Add(48 * time.Hour)
		}), want{
			category: Authentication, fault: "certificate-not-yet-valid", minConf: 0.8, maxConf: 0.9,
			facts: []string{"is valid only from"},
		}},
		{"root certificate expired", with(func(ev *Evidence) {
			ev.P2S[0].Connected = false
			ev.P2S[0].Roots[0].NotAfter = ev.CollectedAt.Add(-time.Hour)
		}), want{
			category: Operations, fault: "root-certificate-expired", minConf: 0.85,
			facts: []string{`issuing root certificate "CN=P2SRoot"`},
		}},
		{"certificate untrusted: unknown issuer", with(certUntrusted), want{
			category: Authentication, fault: "certificate-untrusted", minConf: 0.8, maxConf: 0.95,
			facts: []string{`issued by "CN=OtherRoot", which matches none of the 1 root(s)`, "CN=P2SRoot"},
		}},
		{"client certificate without clientAuth EKU", with(noClientAuth), want{
			category: Authentication, fault: "client-certificate-eku", minConf: 0.8,
			facts: []string{"without Client Authentication (1.3.6.1.5.5.7.3.2)", `issued by the uploaded root "CN=P2SRoot"`},
		}},
		{"client certificate revoked, with client log", with(revokedCert, func(ev *Evidence) {
			ev.P2S[0].Log = []LogLine{{Time: t0.Add(time.Minute), Source: "client", Message: "The message received was unexpected or badly formatted. (Error 0x80090326)"}}
		}), want{
			category: Authentication, fault: "client-certificate-revoked", minConf: 0.8,
			facts: []string{"on the gateway's revoked client certificates", "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678"},
		}},
		{"revoked with the gateway's own words", with(revokedCert, func(ev *Evidence) {
			azLog(ev, 60, "P2SDiagnosticLog", "P2SLogEvent", "GatewayTenantWorker_IN_0",
				"Connection failed: client certificate is revoked: certificate 'CN=alice' was revoked")
		}), want{
			category: Authentication, fault: "client-certificate-revoked", minConf: 0.95,
			facts: []string{"client certificate is revoked"},
		}},
		{"revoked, but issued by a root not uploaded: the root decides", with(revokedCert, func(ev *Evidence) {
			ev.P2S[0].Cert.Issuer = "CN=OtherRoot"
		}), want{
			category: Authentication, fault: "certificate-untrusted", minConf: 0.8,
			facts: []string{"matches none"},
		}},
		{"maintenance failover", with(failover), want{
			category: Operations, fault: "maintenance-failover", nw: "PlannedMaintenance", minConf: 0.85, maxConf: 0.95,
			facts:   []string{"HostMaintenanceEvent", "GatewayTenantWorker_IN_0", "GatewayTenantWorker_IN_1", "outage 14s, within the documented planned failover of 10–15 s", "up again"},
			summary: []string{"14s"},
		}},
		{"failover without a maintenance record", with(failover, func(ev *Evidence) {
			ev.Azure.Logs = slices.DeleteFunc(ev.Azure.Logs, func(l AzureLog) bool { return l.Operation == "HostMaintenanceEvent" })
		}), want{
			category: Operations, fault: "instance-failure", minConf: 0.75, maxConf: 0.9,
			facts: []string{"not planned maintenance"},
		}},
		{"reconnect on the same instance is not a failover", with(flap), want{
			category: Healthy, minConf: 0.9,
			facts: []string{"1 TunnelDisconnected event(s)", "no failover"},
		}},
		{"reconnect on the other instance long after is not a failover", with(func(ev *Evidence) {
			ev.CollectedAt = t0.Add(time.Hour)
			ev.Azure.Logs = append(ev.Azure.Logs,
				AzureLog{Time: t0.Add(40 * time.Second), Category: "TunnelDiagnosticLog", Operation: "TunnelDisconnected", Instance: "GatewayTenantWorker_IN_0"},
				AzureLog{Time: t0.Add(20 * time.Minute), Category: "TunnelDiagnosticLog", Operation: "TunnelConnected", Instance: "GatewayTenantWorker_IN_1"},
			)
		}), want{category: Healthy}},
		{"GoBGP state spelling", with(func(ev *Evidence) { ev.Onprem.BGP[0].State = "BGP_FSM_ESTABLISHED" }), want{
			category: Healthy, minConf: 0.9,
		}},
		{"maintenance outside the window is ignored", with(failover, func(ev *Evidence) { ev.WindowStart = t0.Add(2 * time.Minute) }), want{
			category: Healthy,
		}},
		{"zero evidence", Evidence{}, want{
			category: Unknown, maxConf: 0.2,
			missing: []string{missingOnprem, missingAzure},
		}},
		{"only P2S evidence", Evidence{P2S: healthy().P2S}, want{
			category: Unknown, maxConf: 0.2,
			missing: []string{missingOnprem, missingAzure},
		}},
		{"tunnel down, no signature", with(takeTunnelDown, func(ev *Evidence) {
			ev.Path.ToOnprem = PathCounters{}
			ev.Path.ToAzure = PathCounters{}
		}), want{
			category: Unknown, maxConf: 0.5,
			facts: []string{"the tunnel is down", "no ESTABLISHED IKE SA"},
		}},
		{"collector's own Missing is kept", with(func(ev *Evidence) { ev.Missing = []string{"azure logs"} }), want{
			category: Healthy, missing: []string{"azure logs"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diagnose(tt.ev)
			check(t, got, tt.want)
		})
	}
}

// Partial evidence: one side missing lowers the confidence and names the side.
func TestPartialEvidence(t *testing.T) {
	full := Diagnose(with(sharedKey))
	tests := []struct {
		name    string
		ev      Evidence
		want    want
		missing string
	}{
		{"shared key, Azure logs only", with(sharedKey, noOnprem), want{
			category: TunnelSetup, fault: "shared-key-mismatch", nw: "Authentication", minConf: 0.6, maxConf: 0.7,
			facts: []string{"(13801)"},
		}, missingOnprem},
		{"shared key, device only", with(sharedKey, noAzure), want{
			category: TunnelSetup, fault: "shared-key-mismatch", nw: "Authentication", minConf: 0.6, maxConf: 0.8,
			facts: []string{"AUTHENTICATION_FAILED"},
		}, missingAzure},
		{"IKE policy, Azure only", with(ikePolicy, noOnprem), want{
			category: TunnelSetup, fault: "ike-policy-mismatch", nw: "IkePolicyMismatch", minConf: 0.6, maxConf: 0.7,
		}, missingOnprem},
		{"IPsec policy, Azure only (quick mode error)", with(ipsecPolicy, noOnprem), want{
			category: TunnelSetup, fault: "ipsec-policy-mismatch", nw: "IkePolicyMismatch", minConf: 0.6, maxConf: 0.7,
			facts: []string{"13868"},
		}, missingOnprem},
		{"ESP blocked, device only", with(espBlock, noAzure, func(ev *Evidence) { ev.Path = nil }), want{
			category: TunnelSetup, fault: "esp-blocked", minConf: 0.6, maxConf: 0.7,
		}, missingAzure},
		{"ESP blocked, Azure only", with(espBlock, noOnprem, func(ev *Evidence) { ev.Path = nil }), want{
			category: TunnelSetup, fault: "esp-blocked", minConf: 0.5, maxConf: 0.6,
		}, missingOnprem},
		{"ASN mismatch, device only", with(asnMismatch, noAzure), want{
			category: Routing, fault: "bgp-asn-mismatch", minConf: 0.6, maxConf: 0.8,
			facts: []string{"65514", "65515"},
		}, missingAzure},
		{"healthy, device only", with(noAzure), want{
			category: Healthy, minConf: 0.6, maxConf: 0.8,
		}, missingAzure},
		{"healthy, Azure only", with(noOnprem), want{
			category: Healthy, minConf: 0.6, maxConf: 0.8,
		}, missingOnprem},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diagnose(tt.ev)
			tt.want.missing = append(tt.want.missing, tt.missing)
			check(t, got, tt.want)
			if got.Fault != "" && got.Fault == full.Fault && got.Confidence >= full.Confidence {
				t.Errorf("confidence %.2f with one side, not below %.2f with both", got.Confidence, full.Confidence)
			}
		})
	}
}

// Contradictory evidence: the device is believed for the tunnel state, the
// contradiction is stated and the confidence drops.
func TestContradiction(t *testing.T) {
	both := Diagnose(with(sharedKey))
	got := Diagnose(with(sharedKey, func(ev *Evidence) { ev.Azure.ConnectionStatus = "Connected" }))
	check(t, got, want{
		category: TunnelSetup, fault: "shared-key-mismatch", nw: "Authentication", minConf: 0.6, maxConf: 0.85,
		facts: []string{"contradiction: Azure reports Connected but the on-prem device has no ESTABLISHED IKE SA"},
	})
	if got.Confidence >= both.Confidence {
		t.Errorf("contradiction did not lower confidence: %.2f vs %.2f", got.Confidence, both.Confidence)
	}

	// No rule matches: unknown, naming the contradiction.
	got = Diagnose(with(takeTunnelDown, func(ev *Evidence) {
		ev.Azure.ConnectionStatus = "Connected"
		ev.Path = nil
	}))
	check(t, got, want{category: Unknown, maxConf: 0.5, facts: []string{"contradiction: Azure reports Connected"}})

	// Device up, Azure NotConnected, data flows: healthy, with less confidence.
	got = Diagnose(with(func(ev *Evidence) { ev.Azure.ConnectionStatus = "NotConnected" }))
	check(t, got, want{category: Healthy, minConf: 0.6, maxConf: 0.85, facts: []string{"contradiction: Azure reports NotConnected"}})
}

// ESP blocked wins over the BGP and routing rules: BGP inside the tunnel
// dies because ESP does not cross, even with a NOTIFICATION sent and an
// ASN-looking log line.
func TestPrecedenceESPOverBGP(t *testing.T) {
	ev := with(espBlock, func(ev *Evidence) {
		ev.Onprem.BGP[0].NotificationsSent = 2
		devLog(ev, 100, "bgp", "Peer Down Key=169.254.21.1 Reason=hold timer expired")
		ev.Onprem.Routes = []string{"169.254.21.1/32"}
	})
	got := Diagnose(ev)
	if got.Fault != "esp-blocked" {
		t.Fatalf("fault %q, want esp-blocked\n%s", got.Fault, got)
	}
	// Order of the isolation: tunnel setup before routing before operations.
	got = Diagnose(with(sharedKey, mtuHole, routeGone))
	if got.Fault != "shared-key-mismatch" {
		t.Errorf("tunnel-setup fault should win: got %q", got.Fault)
	}
	got = Diagnose(with(asnMismatch, mtuHole))
	if got.Fault != "bgp-asn-mismatch" {
		t.Errorf("routing fault should win over MTU: got %q", got.Fault)
	}
}

// A past maintenance failover is the verdict only when nothing is wrong
// now; otherwise it is reported as "also".
func TestMaintenanceDefersToCurrentFault(t *testing.T) {
	got := Diagnose(with(espBlock, failover))
	if got.Fault != "esp-blocked" {
		t.Fatalf("fault %q, want esp-blocked", got.Fault)
	}
	if !anyContains(got.Facts, "also: operations/maintenance-failover") {
		t.Errorf("maintenance not reported as also:\n%s", got)
	}
	// Independent P2S finding alongside an S2S fault.
	got = Diagnose(with(sharedKey, certExpired))
	if got.Fault != "shared-key-mismatch" || !anyContains(got.Facts, "also: operations/certificate-expired") {
		t.Errorf("want shared-key-mismatch with also certificate-expired:\n%s", got)
	}
}

// The engine reads no clock: the same certificate is judged against
// CollectedAt only.
func TestCertificateJudgedAtCollectedAt(t *testing.T) {
	ev := with(func(ev *Evidence) {
		ev.P2S[0].Connected = false
		ev.P2S[0].Cert.NotAfter = time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	})
	ev.WindowStart = time.Time{}

	before, after := ev, ev
	before.CollectedAt = time.Date(2026, 4, 1, 11, 59, 0, 0, time.UTC)
	after.CollectedAt = time.Date(2026, 4, 1, 12, 1, 0, 0, time.UTC)
	vb, va := Diagnose(before), Diagnose(after)
	if vb.Fault == "certificate-expired" {
		t.Errorf("before expiry: got certificate-expired")
	}
	if va.Fault != "certificate-expired" {
		t.Errorf("after expiry: fault %q, want certificate-expired\n%s", va.Fault, va)
	}
	// Far in the past or future of the wall clock, only CollectedAt counts.
	old := ev
	old.CollectedAt = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	ev.P2S[0].Cert.NotBefore = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	ev.P2S[0].Cert.NotAfter = time.Date(2002, 1, 1, 0, 0, 0, 0, time.UTC)
	if v := Diagnose(old); v.Fault == "certificate-expired" {
		t.Errorf("2001: judged expired (clock read?)")
	}
	// No CollectedAt: no judgement in time, and the time is named missing.
	none := ev
	none.CollectedAt = time.Time{}
	v := Diagnose(none)
	if v.Fault == "certificate-expired" {
		t.Errorf("no CollectedAt: judged expired")
	}
	if !slices.Contains(v.Missing, missingTime) {
		t.Errorf("no CollectedAt: Missing %q lacks %q", v.Missing, missingTime)
	}
}

// Diagnose is pure: same input, same output; the input is not changed.
func TestPureAndDeterministic(t *testing.T) {
	for _, ev := range benchEvidence() {
		before, _ := json.Marshal(ev)
		a, b := Diagnose(ev), Diagnose(ev)
		after, _ := json.Marshal(ev)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("two runs differ:\n%s\n%s", a, b)
		}
		if string(before) != string(after) {
			t.Errorf("Diagnose changed its input")
		}
	}
}

// Zero values and empty parts anywhere must not panic.
func TestZeroValuesDoNotPanic(t *testing.T) {
	evs := []Evidence{
		{},
		{Onprem: &Device{}},
		{Azure: &AzureSide{}},
		{Onprem: &Device{}, Azure: &AzureSide{}, Path: &Path{}, Probes: &Probes{}},
		{Onprem: &Device{IKE: []IKESA{{}}, BGP: []BGPPeer{{}}, Log: []LogLine{{}}}, Azure: &AzureSide{Logs: []AzureLog{{}}, BGPPeers: []AzureBGPPeer{{}}}},
		{Onprem: &Device{IKE: []IKESA{{State: "ESTABLISHED", Children: []ChildSA{{State: "INSTALLED"}}}}}, Probes: &Probes{Ping: &PingResult{}, TCPConnect: &TCPResult{}, TCPBulk: &TCPResult{}, PMTU: &PMTUResult{}}},
		{P2S: []P2SClient{{}, {Cert: &CertInfo{}}, {Cert: &CertInfo{}, Roots: []CertInfo{{}}}}},
		{Azure: &AzureSide{ConnectionStatus: "Connected"}, P2S: []P2SClient{{Cert: &CertInfo{}}}, CollectedAt: t0},
	}
	valid := []string{TunnelSetup, Authentication, Routing, Operations, Healthy, Unknown}
	for i, ev := range evs {
		v := Diagnose(ev)
		if !slices.Contains(valid, v.Category) {
			t.Errorf("%d: category %q", i, v.Category)
		}
		if v.Facts == nil {
			t.Errorf("%d: nil Facts", i)
		}
		_ = v.String()
	}
	if v := Diagnose(Evidence{}); v.Category != Unknown || v.Fault != "" {
		t.Errorf("zero evidence: %s/%s, want unknown", v.Category, v.Fault)
	}
}

// Every fault id is reachable and every fix step is sourced.
func TestEveryRuleFires(t *testing.T) {
	seen := map[string]bool{}
	for _, ev := range faultEvidence() {
		seen[Diagnose(ev).Fault] = true
	}
	for _, r := range rules {
		if !seen[r.fault] {
			t.Errorf("no test evidence yields %s", r.fault)
		}
	}
}

func TestVerdictString(t *testing.T) {
	s := Diagnose(with(sharedKey)).String()
	for _, w := range []string{
		"Verdict: tunnel-setup: shared-key-mismatch (confidence 0.95)",
		"Summary: IKE authentication fails",
		"Facts:\n  - on-prem device: no ESTABLISHED IKE SA",
		"Fix:\n  1. Compare the shared key",
		"     source: seed 000 §5.3 対処法① Shared Key の設定確認",
		"Network Watcher: Authentication",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("String() lacks %q:\n%s", w, s)
		}
	}
	s = Diagnose(with(noAzure)).String()
	if !strings.Contains(s, "Missing: "+missingAzure) {
		t.Errorf("String() lacks Missing:\n%s", s)
	}
	if s := (Verdict{}).String(); !strings.HasPrefix(s, "Verdict: unknown") {
		t.Errorf("zero Verdict: %q", s)
	}
}

// check asserts a verdict against w and the invariants every verdict keeps.
func check(t *testing.T, got Verdict, w want) {
	t.Helper()
	if got.Category != w.category || got.Fault != w.fault {
		t.Fatalf("got %s/%s, want %s/%s\n%s", got.Category, got.Fault, w.category, w.fault, got)
	}
	if got.NetworkWatcher != w.nw {
		t.Errorf("Network Watcher %q, want %q", got.NetworkWatcher, w.nw)
	}
	max := w.maxConf
	if max == 0 {
		max = 1
	}
	if got.Confidence < w.minConf || got.Confidence > max {
		t.Errorf("confidence %.2f, want %.2f..%.2f\n%s", got.Confidence, w.minConf, max, got)
	}
	for _, f := range w.facts {
		if !anyContains(got.Facts, f) {
			t.Errorf("no fact contains %q\n%s", f, got)
		}
	}
	for _, s := range w.summary {
		if !strings.Contains(got.Summary, s) {
			t.Errorf("summary %q lacks %q", got.Summary, s)
		}
	}
	for _, m := range w.missing {
		if !slices.Contains(got.Missing, m) {
			t.Errorf("Missing %q lacks %q", got.Missing, m)
		}
	}
	checkInvariants(t, got)
}

func checkInvariants(t *testing.T, got Verdict) {
	t.Helper()
	switch got.Category {
	case Healthy, Unknown:
		if got.Fault != "" || len(got.Fix) != 0 {
			t.Errorf("%s verdict with fault %q and %d fix steps", got.Category, got.Fault, len(got.Fix))
		}
	default:
		if got.Fault == "" || len(got.Fix) == 0 {
			t.Errorf("fault verdict without fault id or fix:\n%s", got)
		}
	}
	if got.Category == Unknown && got.Confidence > 0.5 {
		t.Errorf("unknown with confidence %.2f", got.Confidence)
	}
	if got.Summary == "" {
		t.Errorf("empty summary")
	}
	for i, s := range got.Fix {
		if s.N != i+1 {
			t.Errorf("step %d numbered %d", i+1, s.N)
		}
		if s.Text == "" || !(strings.HasPrefix(s.Source, "seed ") || strings.HasPrefix(s.Source, "Azure")) {
			t.Errorf("step %d: text %q, source %q", s.N, s.Text, s.Source)
		}
	}
}

func anyContains(ss []string, sub string) bool {
	for _, s := range ss {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// faultEvidence is one evidence value per fault.
func faultEvidence() []Evidence {
	return append([]Evidence{
		with(sharedKey), with(ikePolicy), with(ipsecPolicy), with(unreachable), with(espBlock),
		with(certUntrusted), with(asnMismatch), with(routeGone), with(mtuHole), with(certExpired), with(failover),
	}, append(append(catalogEvidence(), pathEvidence()...), vnetEvidence()...)...)
}

// benchEvidence is a mix of bundles: healthy, faults, partial, empty.
func benchEvidence() []Evidence {
	evs := append([]Evidence{healthy(), {}, with(noAzure), with(sharedKey, noOnprem)}, faultEvidence()...)
	// A noisy bundle: a long log, as a real window has.
	noisy := with(espBlock, failover)
	for i := range 500 {
		devLog(&noisy, i%180, "charon", "sending DPD request")
		azLog(&noisy, i%180, "IKEDiagnosticLog", "IKELogEvent", "GatewayTenantWorker_IN_0", ikeMsg("RECEIVED", "[INFORMATIONAL] Received DPD"))
	}
	return append(evs, noisy)
}

func BenchmarkDiagnose(b *testing.B) {
	evs := benchEvidence()
	kb.Default() // loaded once per process, not per bundle
	b.ResetTimer()
	b.ReportAllocs()
	for b.Loop() {
		for _, ev := range evs {
			Diagnose(ev)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/bundle")
}
