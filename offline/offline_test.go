package offline

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/diagnose/kb"
)

// read returns testdata files as Parse inputs, keyed by their path.
func read(t testing.TB, paths ...string) map[string][]byte {
	t.Helper()
	in := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			t.Fatal(err)
		}
		in[p] = b
	}
	return in
}

func parse(t testing.TB, in map[string][]byte) (diagnose.Evidence, Report) {
	t.Helper()
	ev, rep, err := Parse(in)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return ev, rep
}

// hasLine reports a log line containing sub.
func hasLine(ls []diagnose.LogLine, sub string) (diagnose.LogLine, bool) {
	for _, l := range ls {
		if strings.Contains(l.Message, sub) {
			return l, true
		}
	}
	return diagnose.LogLine{}, false
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestFormats: each format parses into the fields it carries.
func TestFormats(t *testing.T) {
	tests := []struct {
		name   string
		in     map[string][]byte
		format string
		lines  int // 0: not checked
		check  func(t *testing.T, ev diagnose.Evidence, fr FileReport)
	}{
		{
			name: "charon filelog with time_format", in: read(t, "psk-mismatch/charon.log"), format: fmtStrongswan, lines: 54,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				d := ev.Onprem
				l, ok := hasLine(d.Log, "received AUTHENTICATION_FAILED notify error")
				if !ok || l.Source != "charon" || !l.Time.Equal(date("2026-11-22T02:21:56Z")) {
					t.Errorf("AUTHENTICATION_FAILED line: %+v %v", l, ok)
				}
				if len(d.IKE) != 0 {
					t.Errorf("IKE SAs %+v, want none (every attempt failed)", d.IKE)
				}
				if fr.Ignored != 0 {
					t.Errorf("ignored %d", fr.Ignored)
				}
			},
		},
		{
			name: "charon filelog, default and no time", format: fmtStrongswan, lines: 4,
			in: map[string][]byte{"charon.log": []byte(
				"Nov 22 02:22:37 09[IKE] <azure|1> initiating IKE_SA azure[1] to 203.0.113.10\n" +
					"Nov 22 02:22:37 09[IKE] <azure|1> IKE_SA azure[1] established between 198.51.100.10[198.51.100.10]...203.0.113.10[203.0.113.10]\n" +
					"09[IKE] <azure|1> CHILD_SA azure{1} established with SPIs c1_i c2_o and TS 0.0.0.0/0 === 0.0.0.0/0\n" +
					"2026-11-22T02:22:38.004512 13[KNL1] <azure|1> received netlink error: Operation not supported (95)\n")},
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				ike := ev.Onprem.IKE
				if len(ike) != 1 || ike[0].State != "ESTABLISHED" || ike[0].Local != "198.51.100.10" || ike[0].Remote != "203.0.113.10" ||
					len(ike[0].Children) != 1 || ike[0].Children[0].State != "INSTALLED" {
					t.Errorf("IKE %+v", ike)
				}
				// The yearless syslog time takes the year of the dated line.
				if l, _ := hasLine(ev.Onprem.Log, "initiating"); l.Time.Year() != 2026 {
					t.Errorf("yearless time %v, want 2026", l.Time)
				}
			},
		},
		{
			name: "syslog", in: read(t, "phase2-mismatch/syslog"), format: fmtStrongswan,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if fr.Ignored != 3 {
					t.Errorf("ignored %d, want the 3 lines of systemd, sshd and the kernel", fr.Ignored)
				}
				ike := ev.Onprem.IKE
				if len(ike) != 1 || ike[0].State != "ESTABLISHED" || len(ike[0].Children) != 0 {
					t.Errorf("IKE %+v, want one ESTABLISHED without CHILD SA", ike)
				}
				if _, ok := hasLine(ev.Onprem.Log, "received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built"); !ok {
					t.Error("NO_PROPOSAL_CHOSEN line missing")
				}
			},
		},
		{
			name: "journal", in: read(t, "maintenance/journal-strongswan.txt"), format: fmtStrongswan, lines: 23,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				ike := ev.Onprem.IKE
				if len(ike) != 1 || ike[0].State != "ESTABLISHED" || len(ike[0].Children) != 1 {
					t.Errorf("IKE %+v, want one ESTABLISHED with its CHILD SA", ike)
				}
				if fr.Ignored != 1 {
					t.Errorf("ignored %d, want the journal's header", fr.Ignored)
				}
			},
		},
		{
			name: "syslog with other programs and a broken line", in: read(t, "misc/syslog-mixed"), format: fmtStrongswan, lines: 9,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if fr.Used != 6 || fr.Ignored != 3 {
					t.Errorf("used %d ignored %d, want 6 and 3", fr.Used, fr.Ignored)
				}
				l, ok := hasLine(ev.Onprem.Log, "STATE_MAIN_I1: retransmission")
				if !ok || l.Source != "pluto" || !strings.HasSuffix(l.Message, "will wait 0.5 seconds for response") {
					t.Errorf("pluto line %+v", l)
				}
				if l, ok := hasLine(ev.Onprem.Log, "End-of-RIB"); !ok || l.Source != "bgp" {
					t.Errorf("bgpd line %+v", l)
				}
			},
		},
		{
			name: "syslog without a VPN daemon", format: fmtSyslog, lines: 2,
			in: map[string][]byte{"syslog": []byte("Nov 22 02:22:33 gw cron[501]: (root) CMD (debian-sa1 1 1)\nNov 22 02:22:59 gw sshd[3411]: Accepted publickey for root\n")},
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if fr.Used != 0 || ev.Onprem != nil {
					t.Errorf("report %+v, device %+v", fr, ev.Onprem)
				}
			},
		},
		{
			name: "UTF-16 PowerShell output", format: fmtWindows, lines: 17,
			in: map[string][]byte{"events.txt": utf16LE(read(t, "rras/rasclient-events.txt")["rras/rasclient-events.txt"])},
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if _, ok := hasLine(ev.Onprem.Log, "The error code returned on failure is 809."); !ok {
					t.Errorf("log %+v", ev.Onprem.Log)
				}
			},
		},
		{
			name: "swanctl --list-sas", in: read(t, "bgp-asn-mismatch/swanctl-list-sas.txt"), format: fmtListSAs, lines: 11,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				want := []diagnose.IKESA{{State: "ESTABLISHED", Local: "198.51.100.10", Remote: "203.0.113.10",
					Children: []diagnose.ChildSA{{State: "INSTALLED", BytesIn: 18436, BytesOut: 20312, PacketsInDelta: 241, PacketsOutDelta: 263}}}}
				if !reflect.DeepEqual(ev.Onprem.IKE, want) {
					t.Errorf("IKE %+v\nwant %+v", ev.Onprem.IKE, want)
				}
			},
		},
		{
			name: "swanctl --list-sas twice gives deltas", format: fmtListSAs,
			in: map[string][]byte{"sas-1.txt": listSAs(100, 120), "sas-2.txt": listSAs(100, 170)},
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				c := ev.Onprem.IKE[0].Children[0]
				if c.PacketsInDelta != 0 || c.PacketsOutDelta != 50 {
					t.Errorf("deltas in %d out %d, want 0 and 50", c.PacketsInDelta, c.PacketsOutDelta)
				}
			},
		},
		{
			name: "swanctl --list-conns", in: read(t, "misc/swanctl-list-conns.txt"), format: fmtListConns, lines: 10,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if c := ev.Onprem.Config; c.IKEVersion != 2 || c.DPDDelay != 45 {
					t.Errorf("config %+v", c)
				}
			},
		},
		{
			name: "swanctl.conf", in: read(t, "misc/swanctl.conf"), format: fmtConf,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				c := ev.Onprem.Config
				if !reflect.DeepEqual(c.IKEProposals, []string{"aes256-sha256-modp1024"}) || !reflect.DeepEqual(c.ESPProposals, []string{"aes256gcm16-modp2048"}) ||
					c.IKEVersion != 2 || c.DPDDelay != 45 {
					t.Errorf("config %+v", c)
				}
			},
		},
		{
			name: "ipsec.secrets", in: read(t, "misc/ipsec.secrets"), format: fmtSecrets, lines: 2,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if fr.Used != 0 || ev.Onprem != nil {
					t.Errorf("a secrets file must give nothing: %+v", fr)
				}
			},
		},
		{
			name: "libreswan IKEv2 wrong PSK", in: read(t, "libreswan/pluto-psk.log"), format: fmtLibreswan, lines: 12,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if l, ok := hasLine(ev.Onprem.Log, "AUTHENTICATION_FAILED"); !ok || l.Source != "pluto" {
					t.Errorf("line %+v", l)
				}
				if len(ev.Onprem.IKE) != 0 {
					t.Errorf("IKE %+v, want none", ev.Onprem.IKE)
				}
			},
		},
		{
			name: "libreswan IKEv1 quick mode without proposal", in: read(t, "libreswan/pluto-ikev1-phase2.log"), format: fmtLibreswan,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				l, ok := hasLine(ev.Onprem.Log, "NO_PROPOSAL_CHOSEN in STATE_QUICK_I1")
				if !ok || !strings.HasSuffix(l.Message, "STATE_QUICK_I1") {
					t.Errorf("quick mode NO_PROPOSAL_CHOSEN line not kept verbatim: %+v", l)
				}
				_, hits := kb.Default().NewScanner().Scan(l.Message)
				var faults []string
				for _, h := range hits {
					faults = append(faults, h.ID+"→"+h.Fault)
				}
				if !slices.ContainsFunc(hits, func(s *kb.Signature) bool { return s.Fault == "ipsec-policy-mismatch" }) {
					t.Errorf("quick mode NO_PROPOSAL_CHOSEN not read as phase 2 by the knowledge base: %v", faults)
				}
				ike := ev.Onprem.IKE
				if len(ike) != 1 || ike[0].State != "ESTABLISHED" || len(ike[0].Children) != 0 {
					t.Errorf("IKE %+v, want the ISAKMP SA without IPsec SA", ike)
				}
			},
		},
		{
			name: "RRAS events (seed 001)", in: read(t, "rras/remoteaccess-events.txt"), format: fmtWindows,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				l, ok := hasLine(ev.Onprem.Log, "RemoteAccess event 20111 (IKE authentication credentials are unacceptable): RoutingDomainID-")
				if !ok || !l.Time.Equal(date("2016-03-18T13:34:22Z")) || l.Source != "windows" {
					t.Errorf("20111 line %+v %v", l, ok)
				}
				if _, ok := hasLine(ev.Onprem.Log, "the remote server is not responding"); !ok {
					t.Error("809 text missing")
				}
				if ev.P2S != nil {
					t.Error("RRAS events are the device's, not a P2S client's")
				}
			},
		},
		{
			name: "RasClient 809 in Japanese", in: read(t, "misc/rasclient-ja.txt"), format: fmtWindows,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if _, ok := hasLine(ev.Onprem.Log, "RasClient event 20227 (error code returned on failure is 809): CoId="); !ok {
					t.Errorf("log %+v", ev.Onprem.Log)
				}
			},
		},
		{
			name: "RasClient P2S client", in: read(t, "p2s-cert-expired/rasclient-events.txt"), format: fmtWindows,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if len(ev.P2S) != 1 || ev.P2S[0].Connected || ev.P2S[0].Name != "alice" {
					t.Fatalf("P2S %+v", ev.P2S)
				}
				if _, ok := hasLine(ev.P2S[0].Log, "The error code returned on failure is 798."); !ok {
					t.Error("798 missing")
				}
				if ev.Onprem != nil {
					t.Error("a P2S client's events are not the device's")
				}
			},
		},
		{
			name: "VPN client error lines (seed 003)", in: read(t, "misc/vpn-client-errors.txt"), format: fmtWindowsErrors, lines: 4,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				for _, code := range []string{"(エラー 798)", "0x80090326", "0x80092013"} {
					if _, ok := hasLine(ev.P2S[0].Log, code); !ok {
						t.Errorf("%s missing", code)
					}
				}
				if fr.Ignored != 1 {
					t.Errorf("ignored %d", fr.Ignored)
				}
			},
		},
		{
			name: "Event Viewer export", in: read(t, "misc/eventviewer-export.txt"), format: fmtEventViewer, lines: 3,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if fr.Used != 2 || fr.Ignored != 1 {
					t.Errorf("used %d ignored %d", fr.Used, fr.Ignored)
				}
				if _, ok := hasLine(ev.P2S[0].Log, "0x80090326"); !ok {
					t.Error("0x80090326 missing")
				}
			},
		},
		{
			name: "certificate store listing", in: read(t, "p2s-cert-expired/cert-store.txt"), format: fmtWindowsCerts,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				c := ev.P2S[0].Cert
				if c == nil || c.Subject != "CN=P2SChildCert" || !c.NotAfter.Equal(date("2026-11-21T02:26:47Z")) ||
					!reflect.DeepEqual(c.EKU, []string{"clientAuth"}) || c.Thumbprint != "5D0C586BC3B8F06B68C67C0DD37C20252C406EF1" {
					t.Errorf("cert %+v", c)
				}
				if r := ev.P2S[0].Roots; len(r) != 1 || r[0].Subject != "CN=P2SRootCert" {
					t.Errorf("roots %+v", r)
				}
			},
		},
		{
			name: "AzureDiagnostics JSON array", in: read(t, "psk-mismatch/AzureDiagnostics.json"), format: fmtAzureDiagJSON, lines: 17,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				a := ev.Azure
				var td diagnose.AzureLog
				for _, l := range a.Logs {
					if l.Operation == "TunnelDisconnected" {
						td = l
					}
				}
				want := diagnose.AzureLog{Time: date("2026-11-22T02:21:56.2278109Z"), Category: "TunnelDiagnosticLog", Operation: "TunnelDisconnected",
					Level: "Warning", Message: "Tunnel to 198.51.100.10 disconnected: Peer deleted IKE SA", Instance: "GatewayTenantWorker_IN_0",
					Status: "Disconnected", RemoteIP: "198.51.100.10", Reason: "Peer deleted IKE SA", Ref: "psk-mismatch/AzureDiagnostics.json"}
				if !reflect.DeepEqual(td, want) {
					t.Errorf("row %+v\nwant %+v", td, want)
				}
				if a.ConnectionStatus != "NotConnected" {
					t.Errorf("status %q from the tunnel events, want NotConnected", a.ConnectionStatus)
				}
			},
		},
		{
			name: "AzureDiagnostics CSV", in: read(t, "phase2-mismatch/AzureDiagnostics.csv"), format: fmtAzureDiagCSV, lines: 21,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				l := ev.Azure.Logs[len(ev.Azure.Logs)-1]
				if l.Operation != "IKELogEvent" || !strings.Contains(l.Message, "IkeCleanupQMNegotiation called with error 13868") ||
					!l.Time.Equal(date("2026-11-22T02:23:07.466Z")) || l.Instance != "GatewayTenantWorker_IN_0" {
					t.Errorf("last row %+v", l)
				}
			},
		},
		{
			name: "Log Analytics query API", in: read(t, "maintenance/loganalytics-query.json"), format: fmtAzureDiagJSON, lines: 10,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if _, ok := findAz(ev.Azure.Logs, "HostMaintenanceEvent"); !ok {
					t.Error("HostMaintenanceEvent missing")
				}
				if ev.Azure.ConnectionStatus != "Connected" {
					t.Errorf("status %q: the latest tunnel event is a connect on IN_1", ev.Azure.ConnectionStatus)
				}
			},
		},
		{
			name: "Azure Monitor records (storage account)", format: fmtAzureDiagJSON, lines: 2,
			in: map[string][]byte{"PT1H.json": []byte(
				`{ "time": "2026-11-22T02:29:39.4301228Z", "resourceId": "/SUBSCRIPTIONS/0/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/VIRTUALNETWORKGATEWAYS/GW", "category": "TunnelDiagnosticLog", "operationName": "TunnelDisconnected", "properties": {"instance":"GatewayTenantWorker_IN_0","remoteIP":"198.51.100.10","stateChangeReason":"Gateway instance IN_0 stopped","status":"Disconnected"}}
{ "time": "2026-11-22T02:29:47.6525366Z", "resourceId": "/SUBSCRIPTIONS/0/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/VIRTUALNETWORKGATEWAYS/GW", "category": "TunnelDiagnosticLog", "operationName": "TunnelConnected", "properties": {"instance":"GatewayTenantWorker_IN_1","remoteIP":"198.51.100.10","status":"Connected"}}
`)},
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				l := ev.Azure.Logs[0]
				if l.Instance != "GatewayTenantWorker_IN_0" || l.Reason != "Gateway instance IN_0 stopped" || l.Status != "Disconnected" {
					t.Errorf("row %+v", l)
				}
			},
		},
		{
			name: "az network vpn-connection show", in: read(t, "bgp-asn-mismatch/vpn-connection.json"), format: fmtAzureConnection,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				a := ev.Azure
				if a.ConnectionStatus != "Connected" || a.IngressBytes != 17196 || a.EgressBytes != 284298 || a.IngressDelta != 17196 ||
					!a.CountersSinceStart || !a.Config.BGPEnabled || a.Config.CustomPolicy {
					t.Errorf("azure %+v", a)
				}
			},
		},
		{
			name: "gateways' ARM resources", in: read(t, "bgp-asn-mismatch/vnet-gateway.json", "bgp-asn-mismatch/local-network-gateway.json"), format: fmtAzureConnection,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if c := ev.Azure.Config; c.GatewayASN != 65515 || c.LocalGatewayASN != 65010 || !c.BGPEnabled {
					t.Errorf("config %+v", c)
				}
			},
		},
		{
			name: "Get-AzVirtualNetworkGatewayConnection (seed 001)", in: read(t, "rras/connection-status.txt"), format: fmtAzureConnection,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if ev.Azure.ConnectionStatus != "NotConnected" || fr.Ignored != 1 {
					t.Errorf("status %q, report %+v", ev.Azure.ConnectionStatus, fr)
				}
			},
		},
		{
			name: "BGP peer status", in: read(t, "misc/bgp-peer-status.json"), format: fmtAzureConnection,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				want := []diagnose.AzureBGPPeer{{Neighbor: "169.254.21.2", ASN: 65010, State: "Connected", RoutesReceived: 1}}
				if !reflect.DeepEqual(ev.Azure.BGPPeers, want) {
					t.Errorf("peers %+v", ev.Azure.BGPPeers)
				}
			},
		},
		{
			name: "FRR show bgp neighbor", in: read(t, "bgp-asn-mismatch/frr-show-bgp-neighbor.txt"), format: fmtFRR,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				want := []diagnose.BGPPeer{{Neighbor: "169.254.21.1", State: "ACTIVE", LocalASN: 65010, PeerASN: 65514, NotificationsSent: 4}}
				if !reflect.DeepEqual(ev.Onprem.BGP, want) {
					t.Errorf("BGP %+v", ev.Onprem.BGP)
				}
				if l, ok := hasLine(ev.Onprem.Log, "Notification sent (OPEN Message Error/Bad Peer AS)"); !ok || l.Source != "bgp" {
					t.Errorf("reset line %+v", l)
				}
				if c := ev.Onprem.Config; c.LocalASN != 65010 || c.PeerASN != 65514 {
					t.Errorf("config %+v", c)
				}
			},
		},
		{
			name: "gobgp neighbor", in: read(t, "misc/gobgp-neighbor.txt"), format: fmtGoBGP,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				want := []diagnose.BGPPeer{{Neighbor: "169.254.21.1", State: "ACTIVE", LocalASN: 65010, PeerASN: 65514, NotificationsSent: 3}}
				if !reflect.DeepEqual(ev.Onprem.BGP, want) {
					t.Errorf("BGP %+v", ev.Onprem.BGP)
				}
			},
		},
		{
			name: "gobgp neighbor summary", in: read(t, "misc/gobgp-neighbor-summary.txt"), format: fmtGoBGP,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				want := []diagnose.BGPPeer{{Neighbor: "169.254.21.1", State: "ESTABLISHED", PeerASN: 65515, RoutesReceived: 1}}
				if !reflect.DeepEqual(ev.Onprem.BGP, want) {
					t.Errorf("BGP %+v", ev.Onprem.BGP)
				}
			},
		},
		{
			name: "FRR show bgp summary", in: read(t, "misc/frr-bgp-summary.txt"), format: fmtFRR,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				want := []diagnose.BGPPeer{{Neighbor: "169.254.21.1", State: "ESTABLISHED", LocalASN: 65010, PeerASN: 65515, RoutesReceived: 2}}
				if !reflect.DeepEqual(ev.Onprem.BGP, want) {
					t.Errorf("BGP %+v", ev.Onprem.BGP)
				}
			},
		},
		{
			name: "gobgpd logfmt", in: read(t, "bgp-asn-mismatch/gobgpd.log"), format: fmtBGPLog, lines: 4,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				l, ok := hasLine(ev.Onprem.Log, "sent notification Data=as number mismatch expected 65514, received 65515 Key=169.254.21.1 Topic=Peer")
				if !ok || l.Source != "bgp" || !l.Time.Equal(date("2026-11-22T02:23:41Z")) {
					t.Errorf("line %+v %v", l, ok)
				}
			},
		},
		{
			name: "JSON log lines (the lab's node events)", in: read(t, "misc/node-events.jsonl"), format: fmtJSONLog, lines: 5,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if _, ok := hasLine(ev.Onprem.Log, "sent notification Data=as number mismatch expected 65514, received 65515 Key=169.254.21.1 Topic=Peer"); !ok {
					t.Errorf("log %+v", ev.Onprem.Log)
				}
				if len(ev.P2S) != 1 || ev.P2S[0].Name != "p2s-client" {
					t.Errorf("the p2s-client node's line: %+v", ev.P2S)
				}
				if fr.Ignored != 1 {
					t.Errorf("ignored %d", fr.Ignored)
				}
			},
		},
		{
			name: "Network Watcher ConnectionStats", in: map[string][]byte{"nw/ConnectionStats.txt": []byte(
				"Connectivity State : Connected\nRemote Tunnel Endpoint : 198.51.100.10\nIngress Bytes (since last connected) : 1.5 KB\nEgress Bytes (Since last connected) : 288 B\nConnected Since : 11/22/2026 2:22:06 AM\n")},
			format: fmtNetworkWatcher, lines: 5,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				a := ev.Azure
				if a.ConnectionStatus != "Connected" || a.IngressBytes != 1536 || a.EgressBytes != 288 || !ev.CollectedAt.Equal(date("2026-11-22T02:22:06Z")) {
					t.Errorf("azure %+v at %v", a, ev.CollectedAt)
				}
			},
		},
		{
			name: "Network Watcher IKE errors", in: read(t, "networkwatcher/IKEErrors.txt"), format: fmtNetworkWatcher, lines: 4,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				l := ev.Azure.Logs
				if len(l) != 2 || l[0].Category != "IKEDiagnosticLog" ||
					l[0].Message != "Authentication failed. Check shared key. Check crypto. Check lifetimes. — based on log : Peer failed with Windows error 13801(ERROR_IPSEC_IKE_AUTH_FAIL)" {
					t.Errorf("rows %+v", l)
				}
			},
		},
		{
			name: "Network Watcher IKEErrors and IKElogs as the fake gateway writes them", format: fmtNetworkWatcher,
			in: map[string][]byte{
				"nw.zip!/IKEErrors.txt": []byte("Error: On-premises device rejected Quick Mode settings. Check values. \n\t based on log : [LOCAL] IkeCleanupQMNegotiation called with error 13868\n"),
				"nw.zip!/IKElogs.txt":   []byte("Remote :500: Local 203.0.113.10:500: [RECEIVED] [SA_AUTH] Received IKE AUTH message\nRemote :500: Local 203.0.113.10:500: [SEND] [NOTIFY] Sending Notify Message - Policy Mismatch\n"),
			},
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				if l, ok := findAz(ev.Azure.Logs, "rejected Quick Mode settings. Check values. — based on log : [LOCAL] IkeCleanupQMNegotiation called with error 13868"); !ok || l.Level != "Error" {
					t.Errorf("rows %+v", ev.Azure.Logs)
				}
				if l, ok := findAz(ev.Azure.Logs, "Policy Mismatch"); !ok || l.Operation != "IKELogEvent" {
					t.Errorf("rows %+v", ev.Azure.Logs)
				}
			},
		},
		{
			name: "Network Watcher wfpdiag", in: read(t, "networkwatcher/Scrubbed-wfpdiag.txt"), format: fmtNetworkWatcher,
			check: func(t *testing.T, ev diagnose.Evidence, fr FileReport) {
				l, ok := findAz(ev.Azure.Logs, "IKE authentication credentials are unacceptable")
				if !ok || l.RemoteIP != "198.51.100.10" || !l.Time.Equal(date("2026-11-22T02:21:56.496Z")) {
					t.Errorf("row %+v", l)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, rep := parse(t, tt.in)
			if len(rep.Files) == 0 {
				t.Fatal("no file report")
			}
			fr := rep.Files[len(rep.Files)-1]
			for _, f := range rep.Files {
				if f.Format != tt.format {
					t.Errorf("%s: format %q, want %q", f.Path, f.Format, tt.format)
				}
				if f.Used+f.Ignored != f.Lines {
					t.Errorf("%s: used %d + ignored %d != lines %d", f.Path, f.Used, f.Ignored, f.Lines)
				}
			}
			if tt.lines > 0 && fr.Lines != tt.lines {
				t.Errorf("lines %d, want %d", fr.Lines, tt.lines)
			}
			tt.check(t, ev, fr)
		})
	}
}

// utf16LE encodes b as Windows PowerShell's `>` writes files.
func utf16LE(b []byte) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(string(b))) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func findAz(ls []diagnose.AzureLog, sub string) (diagnose.AzureLog, bool) {
	for _, l := range ls {
		if strings.Contains(l.Operation, sub) || strings.Contains(l.Message, sub) {
			return l, true
		}
	}
	return diagnose.AzureLog{}, false
}

// listSAs renders `swanctl --list-sas` with the given packet counters.
func listSAs(in, out int) []byte {
	return []byte(strings.NewReplacer("IN packets", strconv.Itoa(in)+" packets", "OUT packets", strconv.Itoa(out)+" packets").Replace(
		`azure: #1, ESTABLISHED, IKEv2, 5a4c7c2b8d13e0f1_i* 9f3b2a1c0d4e5f67_r
  local  '198.51.100.10' @ 198.51.100.10[4500]
  remote '203.0.113.10' @ 203.0.113.10[4500]
  AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_1024
  established 62s ago, rekeying in 26003s
  azure: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256
    installed 62s ago, rekeying in 25587s, expires in 29288s
    in  c52e5f3a,   9000 bytes,   IN packets,     3s ago
    out c9a1e07d,  12000 bytes,   OUT packets,     0s ago
    local  0.0.0.0/0
    remote 0.0.0.0/0
`))
}

// An empty file beside others (an export whose command printed nothing) is
// reported, not refused; alone it is refused.
func TestEmptyFile(t *testing.T) {
	in := read(t, "psk-mismatch/charon.log")
	in["swanctl-list-sas.txt"] = []byte(" \n\n\t\n")
	if _, rep, err := Parse(in); err != nil || len(rep.Files) != 2 {
		t.Fatalf("beside a log: err %v, %d files reported, want nil and 2", err, len(rep.Files))
	}
	if _, _, err := Parse(map[string][]byte{"empty.log": []byte("\n")}); !errors.Is(err, ErrNotLog) || !strings.Contains(err.Error(), "empty.log: empty input") {
		t.Fatalf("alone: err %v, want ErrNotLog naming empty.log", err)
	}
}

// Only binary or empty input is refused, with its name; any text is read
// (its lines go to the evidence as text), and the other files are read too.
func TestNotALog(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 64)...)
	refused := map[string][]byte{
		"diagram.png": png,
	}
	for name, data := range refused {
		t.Run(name, func(t *testing.T) {
			in := read(t, "psk-mismatch/charon.log")
			in[name] = data
			ev, rep, err := Parse(in)
			if !errors.Is(err, ErrNotLog) || !strings.Contains(err.Error(), "not a log vpnlab can read: "+name+": ") {
				t.Fatalf("err %v, want ErrNotLog naming %s", err, name)
			}
			if ev.Onprem == nil || len(rep.Files) != 1 {
				t.Errorf("the readable file must still be read: %d files", len(rep.Files))
			}
			t.Log(err)
		})
	}
	text := map[string][]byte{
		"notes.txt":    []byte("Call the ISP on Monday about the new router.\nThe firewall change is scheduled for Friday.\n"),
		"package.json": []byte(`{"name": "web", "version": "1.0.0", "dependencies": {}}`),
	}
	for name, data := range text {
		t.Run(name, func(t *testing.T) {
			in := read(t, "psk-mismatch/charon.log")
			in[name] = data
			ev, rep, err := Parse(in)
			if err != nil {
				t.Fatalf("err %v: text must be read", err)
			}
			if len(rep.Files) != 2 || ev.Onprem == nil {
				t.Fatalf("files %+v", rep.Files)
			}
			var got []string
			for _, l := range ev.Text {
				if strings.HasPrefix(l.Ref, name+":") {
					got = append(got, l.Text)
				}
			}
			if want := strings.Count(strings.TrimSpace(string(data)), "\n") + 1; len(got) != want {
				t.Errorf("%d text lines of %s, want %d: %q", len(got), name, want, got)
			}
		})
	}
}

// A directory mixing formats, walked by Evidence; hidden files are skipped.
func TestEvidenceDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"bgp-asn-mismatch/frr-show-bgp-neighbor.txt", "bgp-asn-mismatch/swanctl-list-sas.txt", "bgp-asn-mismatch/vpn-connection.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(dir, "incident", filepath.Base(filepath.Dir(f)))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "incident", ".DS_Store"), []byte{0, 0, 0, 1, 'B', 'u', 'd', '1'}, 0o644); err != nil {
		t.Fatal(err)
	}
	ev, rep, err := Evidence(filepath.Join(dir, "incident"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 3 {
		t.Errorf("files %+v, want 3 (the hidden one skipped)", rep.Files)
	}
	if ev.Onprem == nil || ev.Azure == nil || len(ev.Onprem.BGP) != 1 || len(ev.Onprem.IKE) != 1 || ev.Azure.ConnectionStatus != "Connected" {
		t.Errorf("evidence %+v", ev)
	}
}

// A Network Watcher archive as a zip (with a gzipped member), read by
// Evidence from a file and by Parse from memory.
func TestArchive(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []string{"ConnectionStats.txt", "IKEErrors.txt", "CPUStats.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", "networkwatcher", f))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create("vpnlab-gw/" + f)
		w.Write(b)
	}
	// A rotated charon log, gzipped, inside the archive.
	var gz bytes.Buffer
	g := gzip.NewWriter(&gz)
	b, _ := os.ReadFile(filepath.Join("testdata", "psk-mismatch", "charon.log"))
	g.Write(b)
	g.Close()
	w, _ := zw.Create("device/charon.log.1.gz")
	w.Write(gz.Bytes())
	zw.Close()

	path := filepath.Join(t.TempDir(), "troubleshoot.zip")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ev, rep, err := Evidence(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range rep.Files {
		names = append(names, f.Path[len(path):]+" "+f.Format)
	}
	want := []string{"!/device/charon.log.1 strongswan-log", "!/vpnlab-gw/CPUStats.txt network-watcher-archive",
		"!/vpnlab-gw/ConnectionStats.txt network-watcher-archive", "!/vpnlab-gw/IKEErrors.txt network-watcher-archive"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("files %q\nwant %q", names, want)
	}
	if ev.Azure == nil || ev.Azure.ConnectionStatus != "NotConnected" || len(ev.Azure.Logs) != 2 || ev.Onprem == nil {
		t.Fatalf("evidence %+v", ev)
	}
	v := diagnose.Diagnose(ev)
	if v.Fault != "shared-key-mismatch" {
		t.Errorf("verdict %s/%s", v.Category, v.Fault)
	}
	ev2, _, err := Parse(map[string][]byte{"troubleshoot.zip": buf.Bytes()})
	if err != nil || len(ev2.Azure.Logs) != 2 {
		t.Errorf("Parse of the zip: %v", err)
	}
}

// Key material never reaches the evidence.
func TestSecretsNeverCopied(t *testing.T) {
	cert, key := testCert(t, "CN=p2s-client", "CN=P2SRootCert", time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	in := read(t, "misc/swanctl.conf", "misc/ipsec.secrets", "bgp-asn-mismatch/vpn-connection.json", "rras/connection-status.txt")
	in["client.pem"] = append(append([]byte{}, cert...), key...)
	in["client.key"] = key
	in["charon.log"] = []byte("2026-11-22T02:21:56 12[CFG] loaded IKE shared key with id 'psk-azure' for: '198.51.100.10', '203.0.113.10'\n" +
		`2026-11-22T02:21:57 12[CFG] debug: secret = "Lab-Shared-Key-1234"` + "\n" +
		`2026-11-22T02:21:58 12[CFG] debug: 198.51.100.10 203.0.113.10 : PSK 'Lab-Shared-Key-1234'` + "\n" +
		`2026-11-22T02:21:59 12[CFG] debug: {"sharedKey": "Lab-Shared-Key-1234", "psk":"Lab-Shared-Key-1234"}` + "\n" +
		string(key))
	in["rasclient.txt"] = read(t, "p2s-cert-expired/rasclient-events.txt")["p2s-cert-expired/rasclient-events.txt"]
	ev, rep, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(ev)
	keyBody := strings.Split(string(key), "\n")[1]
	for _, bad := range []string{"Lab-Shared-Key-1234", "PRIVATE KEY", keyBody} {
		if strings.Contains(string(out), bad) {
			t.Errorf("evidence contains %q:\n%s", bad, out)
		}
	}
	if _, ok := hasLine(ev.Onprem.Log, `secret = "<redacted>"`); !ok {
		t.Errorf("the secret's line should stay, redacted")
	}
	if l, _ := hasLine(ev.Onprem.Log, "loaded IKE shared key"); !strings.Contains(l.Message, "'psk-azure'") {
		t.Errorf("a key's id is no secret: %q", l.Message)
	}
	for _, f := range rep.Files {
		if f.Path == "client.key" && (f.Format != fmtPrivateKey || f.Used != 0) {
			t.Errorf("key file %+v", f)
		}
	}
	if c := ev.P2S[0].Cert; c == nil || c.Subject != "CN=p2s-client" {
		t.Errorf("the certificate beside the key is still read: %+v", c)
	}
}

func TestRedact(t *testing.T) {
	tests := map[string]string{
		`secret = "abc def"`:                    `secret = "<redacted>"`,
		`secret=abc`:                            `secret=<redacted>`,
		`SharedKey                  : abc`:      `SharedKey                  : <redacted>`,
		`"sharedKey": "abc", "x": 1`:            `"sharedKey": "<redacted>", "x": 1`,
		`a b : PSK "abc"`:                       `a b : PSK "<redacted>"`,
		`leftpsk=abc`:                           `leftpsk=abc`, // not a name of its own
		`authentication with pre-shared key`:    `authentication with pre-shared key`,
		`loaded IKE shared key with id 'psk-1'`: `loaded IKE shared key with id 'psk-1'`,
		`password: hunter2, user: bob`:          `password: <redacted>, user: bob`,
		`secrets {`:                             `secrets {`,
		// vendors' configuration syntaxes
		`crypto isakmp key S3cr3tKey address 203.0.113.10`:                                                  `crypto isakmp key <redacted> address 203.0.113.10`,
		` pre-shared-key address 203.0.113.10 key 0 S3cr3tKey`:                                              ` pre-shared-key address 203.0.113.10 key 0 <redacted>`,
		` pre-shared-key local 0 S3cr3tKey`:                                                                 ` pre-shared-key local 0 <redacted>`,
		` ikev2 remote-authentication pre-shared-key S3cr3tKey`:                                             ` ikev2 remote-authentication pre-shared-key <redacted>`,
		` ikev1 pre-shared-key *****`:                                                                       ` ikev1 pre-shared-key *****`,
		`    set psksecret ENC S3cr3tKeyBase64==`:                                                           `    set psksecret ENC <redacted>`,
		`pre-shared-key ascii-text "$9$S3cr3tKey"; ## SECRET-DATA`:                                          `pre-shared-key ascii-text "<redacted>"; ## SECRET-DATA`,
		`<pre-shared-key><key>-AQ==S3cr3tKey</key></pre-shared-key>`:                                        `<pre-shared-key><key><redacted></key></pre-shared-key>`,
		`New-AzVirtualNetworkGatewayConnection -Name c -SharedKey 'S3cr3t'`:                                 `New-AzVirtualNetworkGatewayConnection -Name c -SharedKey '<redacted>'`,
		`neighbor 169.254.21.1 password S3cr3tKey`:                                                          `neighbor 169.254.21.1 password <redacted>`,
		`username admin password 7 0822455D0A16`:                                                            `username admin password 7 <redacted>`,
		`/ip ipsec peer add address=203.0.113.10 secret=S3cr3tKey`:                                          `/ip ipsec peer add address=203.0.113.10 secret=<redacted>`,
		`09[IKE] authentication of '198.51.100.10' (myself) with pre-shared key successful`:                 `09[IKE] authentication of '198.51.100.10' (myself) with pre-shared key successful`,
		`%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 203.0.113.10 failed its sanity check or is malformed`: `%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 203.0.113.10 failed its sanity check or is malformed`,
	}
	for in, want := range tests {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// testCert makes a PEM client certificate and its PEM private key.
func testCert(t testing.TB, subject, issuer string, notAfter time.Time) (certPEM, keyPEM []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: strings.TrimPrefix(subject, "CN=")},
		Issuer:       pkix.Name{CommonName: strings.TrimPrefix(issuer, "CN=")},
		NotBefore:    notAfter.AddDate(-1, 0, 0),
		NotAfter:     notAfter,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	parent := &x509.Certificate{Subject: pkix.Name{CommonName: strings.TrimPrefix(issuer, "CN=")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})
}

// Times: CollectedAt is the latest time among the inputs, WindowStart the
// earliest; yearless times without any dated input leave them unset.
func TestTimes(t *testing.T) {
	ev, _ := parse(t, read(t, "psk-mismatch/charon.log", "psk-mismatch/AzureDiagnostics.json"))
	if !ev.WindowStart.Equal(date("2026-11-22T02:21:56Z")) || !ev.CollectedAt.Equal(date("2026-11-22T02:22:00.2333581Z")) {
		t.Errorf("window %v .. %v", ev.WindowStart, ev.CollectedAt)
	}
	ev, _ = parse(t, read(t, "libreswan/pluto-psk.log"))
	if !ev.CollectedAt.IsZero() || !strings.Contains(strings.Join(ev.Missing, "|"), missingYearNote) {
		t.Errorf("yearless logs alone: collected at %v, missing %q", ev.CollectedAt, ev.Missing)
	}
	// With a dated input, the yearless lines take its year; December lines
	// read in January are the year before.
	ev, _ = parse(t, map[string][]byte{
		"syslog":  []byte("Dec 31 23:59:58 gw charon: 09[IKE] initiating IKE_SA azure[1] to 203.0.113.10\n"),
		"az.json": []byte(`[{"TimeGenerated":"2027-01-01T00:00:03Z","Category":"TunnelDiagnosticLog","OperationName":"TunnelDisconnected"}]`),
	})
	if got := ev.Onprem.Log[0].Time; !got.Equal(date("2026-12-31T23:59:58Z")) || !ev.WindowStart.Equal(got) {
		t.Errorf("yearless line at %v, window from %v", got, ev.WindowStart)
	}
}

// Only one side: Missing says which.
func TestMissingSide(t *testing.T) {
	ev, _ := parse(t, read(t, "psk-mismatch/charon.log"))
	if !reflect.DeepEqual(ev.Missing, []string{missingAzureNote}) {
		t.Errorf("missing %q", ev.Missing)
	}
	ev, _ = parse(t, read(t, "psk-mismatch/AzureDiagnostics.json"))
	if !reflect.DeepEqual(ev.Missing, []string{missingOnpremNote}) {
		t.Errorf("missing %q", ev.Missing)
	}
	ev, _ = parse(t, read(t, "psk-mismatch/AzureDiagnostics.json", "psk-mismatch/charon.log"))
	if len(ev.Missing) != 0 {
		t.Errorf("missing %q", ev.Missing)
	}
}

// Parse is deterministic.
func TestParseDeterministic(t *testing.T) {
	in := read(t, "psk-mismatch/charon.log", "psk-mismatch/AzureDiagnostics.json", "misc/syslog-mixed", "misc/node-events.jsonl",
		"p2s-cert-expired/cert-store.txt", "misc/frr-bgp-summary.txt", "maintenance/loganalytics-query.json", "mtu-blackhole/ping.txt")
	a, ra, _ := Parse(in)
	for range 5 {
		b, rb, _ := Parse(in)
		if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(ra, rb) {
			t.Fatal("two Parse runs differ")
		}
	}
}

// End to end: incident files of each scenario give the live engine's verdict.
func TestEndToEnd(t *testing.T) {
	tests := []struct {
		name            string
		files           []string
		category, fault string
		minConfidence   float64
	}{
		{"psk-mismatch", []string{"psk-mismatch/charon.log", "psk-mismatch/AzureDiagnostics.json"}, diagnose.TunnelSetup, "shared-key-mismatch", 0.9},
		{"psk-mismatch, device only", []string{"psk-mismatch/charon.log"}, diagnose.TunnelSetup, "shared-key-mismatch", 0.7},
		{"psk-mismatch, Network Watcher only", []string{"networkwatcher/ConnectionStats.txt", "networkwatcher/IKEErrors.txt", "networkwatcher/Scrubbed-wfpdiag.txt"}, diagnose.TunnelSetup, "shared-key-mismatch", 0.6},
		{"psk-mismatch, libreswan", []string{"libreswan/pluto-psk.log"}, diagnose.TunnelSetup, "shared-key-mismatch", 0.7},
		{"phase2-mismatch", []string{"phase2-mismatch/syslog", "phase2-mismatch/AzureDiagnostics.csv"}, diagnose.TunnelSetup, "ipsec-policy-mismatch", 0.9},
		{"phase2-mismatch, libreswan IKEv1", []string{"libreswan/pluto-ikev1-phase2.log"}, diagnose.TunnelSetup, "ipsec-policy-mismatch", 0.7},
		{"bgp-asn-mismatch", []string{"bgp-asn-mismatch/frr-show-bgp-neighbor.txt", "bgp-asn-mismatch/swanctl-list-sas.txt",
			"bgp-asn-mismatch/vpn-connection.json", "bgp-asn-mismatch/vnet-gateway.json", "bgp-asn-mismatch/local-network-gateway.json"}, diagnose.Routing, "bgp-asn-mismatch", 0.9},
		{"bgp-asn-mismatch, GoBGP", []string{"misc/gobgp-neighbor.txt", "bgp-asn-mismatch/gobgpd.log", "bgp-asn-mismatch/swanctl-list-sas.txt",
			"bgp-asn-mismatch/vpn-connection.json"}, diagnose.Routing, "bgp-asn-mismatch", 0.85},
		{"maintenance", []string{"maintenance/journal-strongswan.txt", "maintenance/loganalytics-query.json"}, diagnose.Operations, "maintenance-failover", 0.9},
		{"expired P2S certificate", []string{"p2s-cert-expired/rasclient-events.txt", "p2s-cert-expired/cert-store.txt"}, diagnose.Operations, "certificate-expired", 0.85},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, _ := parse(t, read(t, tt.files...))
			v := diagnose.Diagnose(ev)
			if v.Category != tt.category || v.Fault != tt.fault {
				t.Fatalf("got %s/%s, want %s/%s\n%s", v.Category, v.Fault, tt.category, tt.fault, v)
			}
			if v.Confidence < tt.minConfidence {
				t.Errorf("confidence %.2f, want >= %.2f\n%s", v.Confidence, tt.minConfidence, v)
			}
		})
	}
}

// The README lists the registry's formats as `vpnlab diagnose -formats`
// prints them: the docs come from the registry.
func TestREADMEListsFormats(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), FormatHelp()) {
		t.Errorf("README.md does not hold the formats as `vpnlab diagnose -formats` prints them; paste its output:\n%s", FormatHelp())
	}
	for _, f := range Formats() {
		if f.Description == "" {
			t.Errorf("format %s has no description", f.Name)
		}
	}
}

// TestUndatedPlutoLines: pluto lines pasted without their syslog time
// ("journalctl -o cat", a trimmed forum paste) are read as libreswan log
// lines, not as loose text. The lines are synthetic.
func TestUndatedPlutoLines(t *testing.T) {
	in := "pluto[371]: packet from 203.0.113.10:500: responding to IKE_SA_INIT (34) message (Message ID 0) with unencrypted notification NO_PROPOSAL_CHOSEN\n" +
		"pluto[x]: not a pid\n"
	ev, rep, err := Parse(map[string][]byte{"paste.txt": []byte(in)})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Onprem == nil || len(ev.Onprem.Log) != 1 || ev.Onprem.Log[0].Source != srcPluto {
		t.Fatalf("device log %+v, want the one pluto line (report %+v)", ev.Onprem, rep.Files)
	}
	if l, ok := parseLogLine("plutonium[3]: x"); ok && l.prog == progPluto {
		t.Errorf("plutonium read as pluto")
	}
}

// TestRedactConnectionNames: a connection named like a secret ("xauth-psk")
// at the start of a pluto or `ipsec status` line is a name, not a key: the
// line's words stay (they are what the signatures read); a real value after
// such a name is still redacted.
func TestRedactConnectionNames(t *testing.T) {
	tests := map[string]string{
		`000 "xauth-psk":   newest ISAKMP SA: #0; newest IPsec SA: #0;`: `000 "xauth-psk":   newest ISAKMP SA: #0; newest IPsec SA: #0;`,
		`"xauth-psk":   newest ISAKMP SA: #0; newest IPsec SA: #0;`:     `"xauth-psk":   newest ISAKMP SA: #0; newest IPsec SA: #0;`,
		`"pre-shared-key": "S3cr3t", "x": 1`:                            `"pre-shared-key": "<redacted>", "x": 1`,
		`  "psk": "S3cr3t",`:                                            `  "psk": "<redacted>",`,
		`"my-psk": S3cr3t`:                                              `"my-psk": <redacted>`,
		`Oct  1 06:32:20 hq-vpn pluto[443976]: "l2tp-psk"[52] 203.0.113.5 #249: STATE_MAIN_R1: sent MR1, expecting MI2`: `Oct  1 06:32:20 hq-vpn pluto[443976]: "l2tp-psk"[52] 203.0.113.5 #249: STATE_MAIN_R1: sent MR1, expecting MI2`,
	}
	for in, want := range tests {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPasteVerdicts: pastes of a few lines (synthetic, in the tools' own
// output formats) that once ended unknown or healthy.
func TestPasteVerdicts(t *testing.T) {
	run := func(paste string) diagnose.Verdict {
		ev, _, err := Parse(map[string][]byte{"paste.txt": []byte(paste)})
		if err != nil {
			t.Fatal(err)
		}
		return diagnose.Diagnose(ev)
	}
	// GoBGP alone, a neighbour stuck in Active: the BGP session, and BGP
	// evidence to collect next (not an IKE log).
	v := run("gobgp neighbor\nPeer               AS Up/Down State       |#Advertised Received Accepted\n198.51.100.1 65515   never Active      |          0        0        0\n")
	if v.Category != diagnose.Routing || v.Fault != "bgp-session-down" {
		t.Errorf("GoBGP neighbour in Active: %s/%s, want routing/bgp-session-down\n%s", v.Category, v.Fault, v)
	}
	if !strings.Contains(strings.Join(v.CollectNext, "\n"), "gobgp neighbor") {
		t.Errorf("GoBGP neighbour in Active: collect next %q names no BGP evidence", v.CollectNext)
	}
	// pluto as IKEv1 responder: Main Mode 2 sent, and the peer starts over
	// instead of answering: our replies do not reach it.
	mr1 := `Feb 27 04:30:58 vpn pluto[3455]: "l2tp-psk"[2] 203.0.113.7 #21: responding to Main Mode from unknown peer 203.0.113.7 on port 500
Feb 27 04:30:58 vpn pluto[3455]: "l2tp-psk"[2] 203.0.113.7 #21: STATE_MAIN_R1: sent MR1, expecting MI2
Feb 27 04:31:01 vpn pluto[3455]: "l2tp-psk"[2] 203.0.113.7 #22: responding to Main Mode from unknown peer 203.0.113.7 on port 500
Feb 27 04:31:01 vpn pluto[3455]: "l2tp-psk"[2] 203.0.113.7 #22: STATE_MAIN_R1: sent MR1, expecting MI2
`
	if v := run(mr1); v.Fault != "ike-ports-blocked" {
		t.Errorf("Main Mode restarted after MR1: %s/%s, want ike-ports-blocked\n%s", v.Category, v.Fault, v)
	}
	// The same exchange going on to MR2: no such finding.
	ok := `Feb 27 04:30:58 vpn pluto[3455]: "l2tp-psk"[2] 203.0.113.7 #21: responding to Main Mode from unknown peer 203.0.113.7 on port 500
Feb 27 04:30:58 vpn pluto[3455]: "l2tp-psk"[2] 203.0.113.7 #21: STATE_MAIN_R1: sent MR1, expecting MI2
Feb 27 04:30:58 vpn pluto[3455]: "l2tp-psk"[2] 203.0.113.7 #21: STATE_MAIN_R2: sent MR2, expecting MI3
`
	if v := run(ok); v.Fault == "ike-ports-blocked" {
		t.Errorf("Main Mode progressing to MR2 judged %s/%s", v.Category, v.Fault)
	}
	// pluto as IKEv2 responder refusing IKE_AUTH: right after the peer's
	// signature checked out it is the peer's ID; alone, the usual PSK.
	refuse := `"west-east" #1: responding to IKE_AUTH message (ID 1) from 203.0.113.7:500 with encrypted notification AUTHENTICATION_FAILED`
	if v := run(`"west-east" #1: authenticated using RSA with SHA2_512` + "\n" + refuse + "\n"); v.Fault != "ike-identity-mismatch" {
		t.Errorf("refusal after a good signature: %s/%s, want ike-identity-mismatch\n%s", v.Category, v.Fault, v)
	}
	if v := run(refuse + "\n"); v.Fault != "shared-key-mismatch" {
		t.Errorf("refusal alone: %s/%s, want shared-key-mismatch\n%s", v.Category, v.Fault, v)
	}
}

// TestRedactLargeInput: no line of a large input escapes redaction, in the
// evidence the engine's workers then read (synthetic lines, fake secrets
// spread over the whole input).
func TestRedactLargeInput(t *testing.T) {
	var b strings.Builder
	n := 20480
	for i := range n {
		switch {
		case i%2048 == 7:
			fmt.Fprintf(&b, "line %d secret=S3cr3tKey%d\n", i, i)
		case i%3 == 0:
			fmt.Fprintf(&b, "Nov 30 09:12:%02d vpn charon: 09[IKE] line %d psk: S3cr3tKey%d\n", i%60, i, i)
		default:
			fmt.Fprintf(&b, "line %d of nothing\n", i)
		}
	}
	ev, _, err := Parse(map[string][]byte{"big.txt": []byte(b.String())})
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "S3cr3tKey") {
		t.Fatalf("a secret of the large input reached the evidence")
	}
	if !strings.Contains(string(out), "redacted") { // json escapes its < >
		t.Fatalf("nothing redacted: the test's lines did not reach the evidence")
	}
}
