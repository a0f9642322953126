package azure_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

const watcher = subscription + "/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_japaneast/"

func troubleshootBody(target string) map[string]any {
	return map[string]any{"targetResourceId": target, "properties": map[string]any{
		"storageId":   subscription + "/resourceGroups/vpnlab-rg/providers/Microsoft.Storage/storageAccounts/logs",
		"storagePath": "https://logs.blob.core.windows.net/troubleshoot",
	}}
}

// unzip returns the files of a zip archive by name.
func unzip(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip archive: %v", err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(data)
	}
	return out
}

func TestTroubleshoot(t *testing.T) {
	m := azure.DefaultModel()
	conn, gw := m.ID("connections", "onprem-conn"), m.ID("virtualNetworkGateways", "vpnlab-vng")
	authFailure := func(g *azure.Gateway) {
		g.TunnelConnecting(onpremIP)
		g.IKELog("info", onpremIP, "", "RECEIVED", "[SA_INIT] Received IKE SA_INIT message")
		g.IKELog("info", onpremIP, "", "RECEIVED", "[SA_AUTH] Received IKE AUTH message")
		g.IKELog("error", onpremIP, "", "LOCAL", "Authentication failed. Check shared key. Check crypto. Check lifetimes. (13801)")
		g.IKELog("error", onpremIP, "", "LOCAL", "peer used key "+sharedKey) // a leak the archive must redact
	}
	tests := []struct {
		name      string
		target    string
		setup     func(g *azure.Gateway)
		code      string
		ids       []string
		files     []string
		inFile    map[string]string // file -> text it must contain
		notInFile map[string]string
	}{
		{"healthy connection", conn, func(g *azure.Gateway) {
			g.TunnelConnected(onpremIP)
			g.SetTraffic(288, 300, 1, 1)
		}, "Healthy", []string{"NoFault"}, []string{"ConnectionStats.txt"},
			map[string]string{"ConnectionStats.txt": "Connectivity State : Connected\nRemote Tunnel Endpoint : " + onpremIP +
				"\nIngress Bytes (since last connected) : 288 B\nEgress Bytes (Since last connected) : 300 B\nConnected Since : 3/1/2026 3:00:01 AM\n"}, nil},
		{"PSK mismatch", conn, authFailure, "UnHealthy", []string{"Authentication"},
			[]string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"},
			map[string]string{
				"IKEErrors.txt":       "Error: Authentication failed. Check shared key. Check crypto. Check lifetimes. \n\t based on log : [LOCAL] Authentication failed. Check shared key.",
				"IKElogs.txt":         "Remote " + onpremIP + ":500: Local 203.0.113.10:500: [RECEIVED] [SA_AUTH] Received IKE AUTH message",
				"ConnectionStats.txt": "Connectivity State : Connecting",
			}, nil},
		{"policy mismatch", conn, func(g *azure.Gateway) {
			g.TunnelConnecting(onpremIP)
			g.IKELog("info", onpremIP, "", "RECEIVED", "[SA_INIT] Received IKE SA_INIT message")
			g.IKELog("error", onpremIP, "", "SEND", "[NOTIFY] Sending Notify Message - Policy Mismatch")
			g.IKELog("error", onpremIP, "", "LOCAL", "IkeCleanupQMNegotiation called with error 13868")
		}, "UnHealthy", []string{"IkePolicyMismatch"}, []string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"},
			map[string]string{"IKEErrors.txt": "based on log : [SEND] [NOTIFY] Sending Notify Message - Policy Mismatch"},
			map[string]string{"IKEErrors.txt": "Authentication failed"}},
		{"peer rejects quick mode", conn, func(g *azure.Gateway) {
			g.IKELog("info", onpremIP, "", "RECEIVED", "[SA_INIT] Received IKE SA_INIT message")
			g.IKELog("error", onpremIP, "", "RECEIVED", "[NOTIFY] On-premises device rejected Quick Mode settings. Check values.")
		}, "UnHealthy", []string{"IkePolicyMismatch"}, []string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"},
			map[string]string{"IKEErrors.txt": "Error: On-premises device rejected Quick Mode settings. Check values."}, nil},
		{"the latest failure wins", conn, func(g *azure.Gateway) {
			authFailure(g)
			g.IKELog("error", onpremIP, "", "SEND", "[NOTIFY] Sending Notify Message - NO_PROPOSAL_CHOSEN")
		}, "UnHealthy", []string{"IkePolicyMismatch"}, []string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"}, nil, nil},
		{"peer silent", conn, func(g *azure.Gateway) {
			g.IKELog("info", onpremIP, "", "SEND", "[SA_INIT] Sending IKE SA_INIT request")
			g.IKELog("warning", onpremIP, "", "SEND", "retransmit 1 of request")
		}, "UnHealthy", []string{"PeerReachability"}, []string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"}, nil, nil},
		{"peer not responding", conn, func(g *azure.Gateway) {
			g.TunnelConnected(onpremIP)
			g.IKELog("info", onpremIP, "", "RECEIVED", "[SA_INIT] Received IKE SA_INIT message")
			g.IKELog("warning", onpremIP, "", "LOCAL", "Peer not responding: giving up after retransmits")
			g.TunnelDisconnected(onpremIP, "Peer not responding (DPD timeout)")
		}, "UnHealthy", []string{"PeerReachability"}, []string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"},
			map[string]string{"ConnectionStats.txt": "Connectivity State : NotConnected"}, nil},
		{"down for no known reason", conn, func(g *azure.Gateway) {
			g.IKELog("info", onpremIP, "", "RECEIVED", "[SA_INIT] Received IKE SA_INIT message")
			g.IKELog("error", onpremIP, "", "SEND", "[NOTIFY] Sending Notify Message - TS_UNACCEPTABLE")
		}, "UnHealthy", []string{"ConnectionIsMarkedDisconnected"}, []string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"},
			map[string]string{"IKEErrors.txt": "Error: [NOTIFY] Sending Notify Message - TS_UNACCEPTABLE"}, nil},
		{"planned maintenance", conn, func(g *azure.Gateway) {
			g.TunnelConnected(onpremIP)
			g.GatewayEvent(azure.OperationHostMaintenanceEvent, "Host maintenance started on GatewayTenantWorker_IN_0")
			g.TunnelDisconnected(onpremIP, "Gateway instance IN_0 stopped")
		}, "UnHealthy", []string{"PlannedMaintenance"}, []string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"}, nil, nil},
		{"standby connection", conn, func(g *azure.Gateway) {
			g.SetActive(false)
		}, "UnHealthy", []string{"PlatformInActive"}, []string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"}, nil, nil},
		{"standby gateway", gw, func(g *azure.Gateway) {
			g.SetActive(false)
		}, "Degraded", []string{"PlatformInActive", "ConnectionsNotConnected"}, []string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"}, nil, nil},
		{"healthy gateway", gw, func(g *azure.Gateway) {
			g.TunnelConnected(onpremIP)
			// Azure's troubleshoot is blind to BGP: a down peer is no fault.
			g.SetBgpPeer(azure.BgpPeerStatus{Neighbor: "169.254.21.2", Asn: 65020, State: "Idle"})
		}, "Healthy", []string{"NoFault"}, []string{"ConnectionStats.txt"}, nil, nil},
		{"gateway with its connection down", gw, func(g *azure.Gateway) {
			authFailure(g)
		}, "Degraded", []string{"ConnectionsNotConnected"}, []string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"}, nil, nil},
		{"gateway in maintenance", strings.ToUpper(gw), func(g *azure.Gateway) {
			g.TunnelConnected(onpremIP)
			g.GatewayEvent(azure.OperationHostMaintenanceEvent, "Host maintenance started")
		}, "Degraded", []string{"PlannedMaintenance"}, []string{"ConnectionStats.txt", "IKEErrors.txt", "IKElogs.txt"}, nil, nil},
	}
	// Start every run first, then check them: each takes a second.
	type run struct {
		s  *server
		r  response
		id string
	}
	runs := make([]run, len(tests))
	for i, tt := range tests {
		g, _ := newGateway(t)
		tt.setup(g)
		s := serve(t, g)
		r := s.do(http.MethodPost, watcher+"troubleshoot"+version, troubleshootBody(tt.target))
		id := checkAccepted(t, r, "http")
		// A run takes time: at first it is in progress.
		if loc := s.get(r.header.Get("Location")); loc.status != http.StatusAccepted {
			t.Errorf("%s: Location at once: status %d, want 202", tt.name, loc.status)
		}
		if st := s.status(r); st != "InProgress" {
			t.Errorf("%s: status at once %q, want InProgress", tt.name, st)
		}
		if files := s.get(watcher + "troubleshoot/" + id + "/files" + version); files.status != http.StatusConflict {
			t.Errorf("%s: files while running: status %d, want 409", tt.name, files.status)
		}
		runs[i] = run{s, r, id}
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, r, id := runs[i].s, runs[i].r, runs[i].id
			s.t = t
			status, _ := s.await(r)
			wantValue(t, "status", status, "Succeeded")
			final := s.get(r.header.Get("Location"))
			if final.status != http.StatusOK {
				t.Fatalf("result: status %d; body %s", final.status, final.body)
			}
			v := final.obj(t)
			wantKeys(t, "result", v, "startTime", "endTime", "code", "results")
			wantValue(t, "code", v["code"], tt.code)
			results, _ := v["results"].([]any)
			var ids []string
			for i := range results {
				res := get(t, results, i)
				wantKeys(t, "results[]", res, "id", "reasonType", "summary", "detail", "recommendedActions")
				ids = append(ids, get(t, res, "id").(string))
				wantValue(t, "reasonType", get(t, res, "reasonType"), ids[i])
				if s, _ := get(t, res, "summary").(string); s == "" {
					t.Errorf("%s: empty summary", ids[i])
				}
				actions, _ := get(t, res, "recommendedActions").([]any)
				if len(actions) == 0 {
					t.Errorf("%s: no recommended actions", ids[i])
				}
				for j := range actions {
					wantKeys(t, "recommendedActions[]", get(t, actions, j), "actionText", "actionUri", "actionUriText")
				}
			}
			if !slices.Equal(ids, tt.ids) {
				t.Errorf("fault ids %v, want %v", ids, tt.ids)
			}
			files := s.get(watcher + "troubleshoot/" + id + "/files" + version)
			if files.status != http.StatusOK || files.header.Get("Content-Type") != "application/zip" {
				t.Fatalf("files: status %d, Content-Type %q", files.status, files.header.Get("Content-Type"))
			}
			archive := unzip(t, []byte(files.body))
			var names []string
			for n, body := range archive {
				names = append(names, n)
				if strings.Contains(body, sharedKey) {
					t.Errorf("%s discloses the shared key:\n%s", n, body)
				}
			}
			slices.Sort(names)
			if want := slices.Sorted(slices.Values(tt.files)); !slices.Equal(names, want) {
				t.Errorf("archive files %v, want %v", names, want)
			}
			for f, want := range tt.inFile {
				if !strings.Contains(archive[f], want) {
					t.Errorf("%s lacks %q:\n%s", f, want, archive[f])
				}
			}
			for f, bad := range tt.notInFile {
				if strings.Contains(archive[f], bad) {
					t.Errorf("%s has %q:\n%s", f, bad, archive[f])
				}
			}
			if strings.Contains(final.body, sharedKey) {
				t.Errorf("result discloses the shared key: %s", final.body)
			}
			// The latest result can be queried again.
			q := s.do(http.MethodPost, watcher+"queryTroubleshootResult"+version, map[string]string{"targetResourceId": tt.target})
			again := follow(t, s.srv, q)
			wantValue(t, "queried code", again.obj(t)["code"], tt.code)
		})
	}
}

func TestTroubleshootArchiveRedactsChangedKey(t *testing.T) {
	g, _ := newGateway(t)
	s := serve(t, g)
	const newKey = "FreshKey2468"
	if r := s.do(http.MethodPut, base+"connections/onprem-conn/sharedkey"+version, map[string]string{"value": newKey}); r.status != http.StatusOK {
		t.Fatalf("set key: %d %s", r.status, r.body)
	}
	g.IKELog("error", onpremIP, "", "LOCAL", "Authentication failed with "+newKey+" (13801)")
	r := s.do(http.MethodPost, watcher+"troubleshoot"+version, troubleshootBody(azure.DefaultModel().ID("connections", "onprem-conn")))
	id := checkAccepted(t, r, "http")
	s.await(r)
	archive := unzip(t, []byte(s.get(watcher+"troubleshoot/"+id+"/files"+version).body))
	if len(archive) != 3 {
		t.Fatalf("archive files %v", archive)
	}
	for n, body := range archive {
		if strings.Contains(body, newKey) || strings.Contains(body, sharedKey) {
			t.Errorf("%s discloses a key:\n%s", n, body)
		}
	}
	if !strings.Contains(archive["IKEErrors.txt"], "<redacted>") {
		t.Errorf("IKEErrors.txt lost the redacted line:\n%s", archive["IKEErrors.txt"])
	}
}

func TestTroubleshootErrors(t *testing.T) {
	g, _ := newGateway(t)
	s := serve(t, g)
	m := azure.DefaultModel()
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"unknown connection", "POST", watcher + "troubleshoot" + version,
			troubleshootBody(m.ID("connections", "other")), 404, "ResourceNotFound"},
		{"not a gateway", "POST", watcher + "troubleshoot" + version,
			troubleshootBody(m.ID("virtualNetworks", "vpnlab-vnet")), 400, "InvalidParameter"},
		{"bad body", "POST", watcher + "troubleshoot" + version, "{", 400, "InvalidRequestContent"},
		{"no result yet", "POST", watcher + "queryTroubleshootResult" + version,
			map[string]string{"targetResourceId": m.ID("connections", "onprem-conn")}, 404, "NotFound"},
		{"unknown files", "GET", watcher + "troubleshoot/nope/files" + version, nil, 404, "NotFound"},
		{"GET troubleshoot", "GET", watcher + "troubleshoot" + version, nil, 405, "MethodNotAllowed"},
		{"other resource group", "POST", strings.Replace(watcher, "NetworkWatcherRG", "other-rg", 1) + "troubleshoot" + version,
			troubleshootBody(m.ID("connections", "onprem-conn")), 404, "ResourceGroupNotFound"},
	}
	for _, tt := range tests {
		r := s.do(tt.method, tt.path, tt.body)
		if r.status != tt.status || errorCode(t, r) != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, r.status, r.body, tt.status, tt.code)
		}
	}
	// One run at a time; the model's resource group also holds a watcher.
	rgWatcher := base + "networkWatchers/nw/troubleshoot" + version
	first := s.do(http.MethodPost, rgWatcher, troubleshootBody(m.ID("connections", "onprem-conn")))
	checkAccepted(t, first, "http")
	second := s.do(http.MethodPost, rgWatcher, troubleshootBody(m.ID("virtualNetworkGateways", "vpnlab-vng")))
	if second.status != http.StatusConflict || errorCode(t, second) != "AnotherOperationInProgress" {
		t.Errorf("second run: %d %s", second.status, second.body)
	}
	s.await(first)
	third := s.do(http.MethodPost, rgWatcher, troubleshootBody(m.ID("virtualNetworkGateways", "vpnlab-vng")))
	checkAccepted(t, third, "http")
}
