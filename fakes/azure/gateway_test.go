package azure_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

const (
	onpremIP  = "198.51.100.10"
	sharedKey = "vpnlabSharedKey0123456789" // DefaultModel's key
)

// clock is a fake clock that advances one second per reading.
type clock struct{ t time.Time }

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("JST", 9*3600))}
}

func (c *clock) now() time.Time {
	c.t = c.t.Add(time.Second)
	return c.t
}

func newGateway(t *testing.T, opts ...azure.Option) (*azure.Gateway, *clock) {
	t.Helper()
	c := newClock()
	return azure.New(azure.DefaultModel(), append([]azure.Option{azure.WithClock(c.now)}, opts...)...), c
}

func TestStatusTransitions(t *testing.T) {
	type event func(g *azure.Gateway)
	var (
		connecting   event = func(g *azure.Gateway) { g.TunnelConnecting(onpremIP) }
		connected    event = func(g *azure.Gateway) { g.TunnelConnected(onpremIP) }
		disconnected event = func(g *azure.Gateway) { g.TunnelDisconnected(onpremIP, "DPD timeout") }
	)
	tests := []struct {
		name         string
		events       []event
		want         string
		connected    int // TunnelConnected records
		disconnected int // TunnelDisconnected records
	}{
		{"no event", nil, "Unknown", 0, 0},
		{"connecting", []event{connecting}, "Connecting", 0, 0},
		{"connected", []event{connecting, connected}, "Connected", 1, 0},
		{"duplicate connected", []event{connecting, connected, connected}, "Connected", 1, 0},
		{"rekey in place", []event{connected, connecting, connected}, "Connected", 1, 0},
		{"disconnected", []event{connected, disconnected}, "NotConnected", 1, 1},
		{"never connected", []event{connecting, disconnected}, "NotConnected", 0, 0},
		{"duplicate disconnected", []event{connected, disconnected, disconnected}, "NotConnected", 1, 1},
		{"flap", []event{connected, disconnected, connecting, connected}, "Connected", 2, 1},
		{"retrying", []event{connected, disconnected, connecting}, "Connecting", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _ := newGateway(t)
			for _, e := range tt.events {
				e(g)
			}
			if got := g.Status().Status; got != tt.want {
				t.Errorf("Status().Status = %q, want %q", got, tt.want)
			}
			count := map[string]int{}
			for _, r := range g.Logs(azure.CategoryTunnel, time.Time{}) {
				count[r.OperationName]++
			}
			if count["TunnelConnected"] != tt.connected || count["TunnelDisconnected"] != tt.disconnected {
				t.Errorf("records %v, want %d TunnelConnected and %d TunnelDisconnected", count, tt.connected, tt.disconnected)
			}
		})
	}
}

func TestTunnelRecords(t *testing.T) {
	g, c := newGateway(t, azure.WithInstance("IN_1"))
	g.TunnelConnected(onpremIP)
	connectedAt := c.t.UTC()
	g.TunnelDisconnected(onpremIP, "peer deleted IKE SA")

	recs := g.Logs("", time.Time{})
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2", len(recs))
	}
	common := func(r azure.LogRecord) {
		t.Helper()
		checks := []struct{ name, got, want string }{
			{"Category", r.Category, "TunnelDiagnosticLog"},
			{"ResourceId", r.ResourceID, "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/VPNLAB-RG/PROVIDERS/MICROSOFT.NETWORK/VIRTUALNETWORKGATEWAYS/VPNLAB-VNG"},
			{"Resource", r.Resource, "VPNLAB-VNG"},
			{"ResourceGroup", r.ResourceGroup, "VPNLAB-RG"},
			{"SubscriptionId", r.SubscriptionID, "00000000-0000-0000-0000-000000000000"},
			{"ResourceProvider", r.ResourceProvider, "MICROSOFT.NETWORK"},
			{"ResourceType", r.ResourceType, "VIRTUALNETWORKGATEWAYS"},
			{"instance_s", r.Instance, "GatewayTenantWorker_IN_1"},
			{"remoteIP_s", r.RemoteIP, onpremIP},
		}
		for _, ch := range checks {
			if ch.got != ch.want {
				t.Errorf("%s %s = %q, want %q", r.OperationName, ch.name, ch.got, ch.want)
			}
		}
		if r.TimeGenerated.Location() != time.UTC {
			t.Errorf("TimeGenerated %v is not UTC", r.TimeGenerated)
		}
	}
	up, down := recs[0], recs[1]
	common(up)
	common(down)
	if up.OperationName != "TunnelConnected" || up.Status != "Connected" || up.Level != "Informational" || up.StateChangeReason != "" {
		t.Errorf("connected record = %+v", up)
	}
	if !up.TimeGenerated.Equal(connectedAt) {
		t.Errorf("TimeGenerated = %v, want %v", up.TimeGenerated, connectedAt)
	}
	if down.OperationName != "TunnelDisconnected" || down.Status != "Disconnected" || down.StateChangeReason != "peer deleted IKE SA" {
		t.Errorf("disconnected record = %+v", down)
	}
	if g.Instance() != "IN_1" {
		t.Errorf("Instance() = %q, want IN_1", g.Instance())
	}
}

func TestLogRecordJSON(t *testing.T) {
	g, _ := newGateway(t)
	g.TunnelDisconnected(onpremIP, "x") // not up: no record
	g.TunnelConnected(onpremIP)
	g.IKELog("info", onpremIP, "", "SEND", "hello")

	recs := g.Logs("", time.Time{})
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2", len(recs))
	}
	decode := func(r azure.LogRecord) map[string]any {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tunnel, ike := decode(recs[0]), decode(recs[1])
	for _, k := range []string{"TimeGenerated", "ResourceId", "Category", "OperationName", "Level", "Resource",
		"ResourceGroup", "SubscriptionId", "ResourceProvider", "ResourceType", "Message", "instance_s", "status_s", "remoteIP_s"} {
		if _, ok := tunnel[k]; !ok {
			t.Errorf("tunnel record lacks column %s: %v", k, tunnel)
		}
	}
	for _, k := range []string{"status_s", "remoteIP_s", "stateChangeReason_s", "operationStatus_s"} {
		if _, ok := ike[k]; ok {
			t.Errorf("IKE record has unused column %s: %v", k, ike)
		}
	}
	ts, _ := tunnel["TimeGenerated"].(string)
	if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || !strings.HasSuffix(ts, "Z") {
		t.Errorf("TimeGenerated = %q, want RFC 3339 UTC", ts)
	}
}

func TestIKELog(t *testing.T) {
	tests := []struct {
		name                                     string
		level, remote, local, direction, message string
		wantLevel, wantMessage                   string
	}{
		{"send", "Informational", "198.51.100.10", "203.0.113.10", "SEND", "SA_INIT request",
			"Informational", "Remote 198.51.100.10:500: Local 203.0.113.10:500: [SEND] SA_INIT request"},
		{"received lower case", "warning", "198.51.100.10", "203.0.113.10", "received", "AUTH failed",
			"Warning", "Remote 198.51.100.10:500: Local 203.0.113.10:500: [RECEIVED] AUTH failed"},
		{"local default IP", "error", "198.51.100.10", "", "LOCAL", "IkeCleanupQMNegotiation called with error 13868",
			"Error", "Remote 198.51.100.10:500: Local 203.0.113.10:500: [LOCAL] IkeCleanupQMNegotiation called with error 13868"},
		{"empty direction", "", "198.51.100.10", "203.0.113.10", "", "x",
			"Informational", "Remote 198.51.100.10:500: Local 203.0.113.10:500: [LOCAL] x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _ := newGateway(t)
			g.IKELog(tt.level, tt.remote, tt.local, tt.direction, tt.message)
			recs := g.Logs(azure.CategoryIKE, time.Time{})
			if len(recs) != 1 {
				t.Fatalf("got %d IKE records, want 1", len(recs))
			}
			r := recs[0]
			if r.Message != tt.wantMessage {
				t.Errorf("Message = %q, want %q", r.Message, tt.wantMessage)
			}
			if r.Level != tt.wantLevel || r.OperationName != "IKELogEvent" || r.Instance != "GatewayTenantWorker_IN_0" {
				t.Errorf("record = %+v, want Level %s, OperationName IKELogEvent, instance IN_0", r, tt.wantLevel)
			}
		})
	}
}

func TestGatewayEvent(t *testing.T) {
	g, _ := newGateway(t)
	g.GatewayEvent("HostMaintenanceEvent", "planned maintenance")
	recs := g.Logs(azure.CategoryGateway, time.Time{})
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	r := recs[0]
	if r.OperationName != "HostMaintenanceEvent" || r.Message != "planned maintenance" || r.OperationStatus != "Success" {
		t.Errorf("record = %+v", r)
	}
}

func TestSharedKeyIsRedactedFromLogs(t *testing.T) {
	g, _ := newGateway(t)
	g.IKELog("info", onpremIP, "", "LOCAL", "loaded PSK "+sharedKey+" for peer")
	g.TunnelConnected(onpremIP)
	g.TunnelDisconnected(onpremIP, "key "+sharedKey+" mismatched")
	g.GatewayEvent("SetConnectionConfiguration", "sharedKey="+sharedKey)
	g.GatewayEvent("Op"+sharedKey, "m")

	recs := g.Logs("", time.Time{})
	if len(recs) != 5 {
		t.Fatalf("got %d records, want 5", len(recs))
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(recs); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), sharedKey) {
		t.Errorf("logs disclose the shared key: %s", b.String())
	}
	// IKE message, disconnect reason (in Message and stateChangeReason_s),
	// gateway event message and operation name.
	if n := strings.Count(b.String(), "<redacted>"); n != 5 {
		t.Errorf("found %d <redacted> markers, want 5: %s", n, b.String())
	}
	if got := recs[0].Message; !strings.HasSuffix(got, "[LOCAL] loaded PSK <redacted> for peer") {
		t.Errorf("IKE message = %q", got)
	}
}

func TestLogsAreBounded(t *testing.T) {
	g, _ := newGateway(t)
	const total = 10005
	for i := range total {
		g.GatewayEvent("SetGatewayConfiguration", fmt.Sprintf("event %d", i))
	}
	recs := g.Logs("", time.Time{})
	if len(recs) != 10000 {
		t.Fatalf("kept %d records, want 10000", len(recs))
	}
	if first, last := recs[0].Message, recs[len(recs)-1].Message; first != "event 5" || last != "event 10004" {
		t.Errorf("kept %q..%q, want event 5..event 10004", first, last)
	}
}

func TestLogsFilter(t *testing.T) {
	g, c := newGateway(t)
	g.GatewayEvent("SetGatewayConfiguration", "a") // t+1s
	g.TunnelConnected(onpremIP)                    // t+2s
	mid := c.t
	g.GatewayEvent("SetGatewayConfiguration", "b") // t+3s
	g.IKELog("info", onpremIP, "", "SEND", "c")    // t+4s

	tests := []struct {
		category string
		since    time.Time
		want     int
	}{
		{"", time.Time{}, 4},
		{azure.CategoryGateway, time.Time{}, 2},
		{"gatewaydiagnosticlog", time.Time{}, 2},
		{azure.CategoryRoute, time.Time{}, 0},
		{"", mid, 3}, // since is inclusive
		{azure.CategoryGateway, mid, 1},
		{"", mid.Add(time.Hour), 0},
	}
	for _, tt := range tests {
		if got := g.Logs(tt.category, tt.since); len(got) != tt.want {
			t.Errorf("Logs(%q, %v) returned %d records, want %d", tt.category, tt.since, len(got), tt.want)
		}
	}
}

func TestStatusCounters(t *testing.T) {
	g, c := newGateway(t)
	st := g.Status()
	if len(st.Tunnels) != 1 || st.Tunnels[0].LastConnectionEstablishedUtcTime != "" || !st.LastConnectionEstablished.IsZero() {
		t.Fatalf("initial status = %+v, want one tunnel never established", st)
	}
	g.TunnelConnected(onpremIP)
	at := c.t.UTC()
	g.TunnelConnected(onpremIP) // duplicate: keeps the first time
	g.SetTraffic(1000, 2000, 10, 20)
	g.SetSACounts(1, 2)

	st = g.Status()
	if st.Status != "Connected" || st.IngressBytesTransferred != 1000 || st.EgressBytesTransferred != 2000 ||
		st.IngressPackets != 10 || st.EgressPackets != 20 || st.MmsaCount != 1 || st.QmsaCount != 2 || st.RemoteIP != onpremIP {
		t.Errorf("status = %+v", st)
	}
	if !st.LastConnectionEstablished.Equal(at) {
		t.Errorf("LastConnectionEstablished = %v, want %v", st.LastConnectionEstablished, at)
	}
	want := azure.TunnelConnectionHealth{
		Tunnel:                           "onprem-conn_203.0.113.10",
		ConnectionStatus:                 "Connected",
		IngressBytesTransferred:          1000,
		EgressBytesTransferred:           2000,
		LastConnectionEstablishedUtcTime: "03/01/2026 03:00:01",
	}
	if len(st.Tunnels) != 1 || st.Tunnels[0] != want {
		t.Errorf("Tunnels = %+v, want [%+v]", st.Tunnels, want)
	}
}

func TestModelIsCopied(t *testing.T) {
	m := azure.DefaultModel()
	g := azure.New(m)
	m.Gateway.VNetAddressSpace[0] = "192.0.2.0/24"
	got := g.Model()
	if got.Gateway.VNetAddressSpace[0] != "198.19.0.0/16" {
		t.Errorf("New kept the caller's slice: %v", got.Gateway.VNetAddressSpace)
	}
	got.LocalGateway.AddressPrefixes[0] = "192.0.2.0/24"
	if g.Model().LocalGateway.AddressPrefixes[0] != "198.18.10.0/24" {
		t.Error("Model() returned the gateway's own slice")
	}
}

func TestWithInstance(t *testing.T) {
	tests := []struct {
		in, want string
		panics   bool
	}{
		{"IN_0", "IN_0", false},
		{"IN_1", "IN_1", false},
		{"GatewayTenantWorker_IN_1", "IN_1", false},
		{"1", "", true},
		{"in_0", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			defer func() {
				if r := recover(); (r != nil) != tt.panics {
					t.Errorf("WithInstance(%q) panic = %v, want panic %v", tt.in, r, tt.panics)
				}
			}()
			g := azure.New(azure.DefaultModel(), azure.WithInstance(tt.in))
			if g.Instance() != tt.want {
				t.Errorf("Instance() = %q, want %q", g.Instance(), tt.want)
			}
		})
	}
}
