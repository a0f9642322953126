package kql

import (
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/kql/queries"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

const gwID = "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/VPNLAB-RG/PROVIDERS/MICROSOFT.NETWORK/VIRTUALNETWORKGATEWAYS/VPNLAB-GW"

// diagnostics is a synthetic AzureDiagnostics table (written for these
// tests, in the shape the lab writes).
func diagnostics() *Table {
	t := &Table{Name: "AzureDiagnostics", Columns: []Column{
		{"TimeGenerated", TypeDatetime}, {"ResourceId", TypeString}, {"_ResourceId", TypeString},
		{"Category", TypeString}, {"OperationName", TypeString}, {"Level", TypeString},
		{"Resource", TypeString}, {"ResourceGroup", TypeString}, {"ResourceProvider", TypeString},
		{"Message", TypeString}, {"instance_s", TypeString}, {"status_s", TypeString},
		{"remoteIP_s", TypeString}, {"stateChangeReason_s", TypeString},
	}}
	add := func(min int, cat, op, level, msg, inst, status, remote string) {
		t.Append(Datetime(t0.Add(time.Duration(min)*time.Minute)), String(gwID), String(strings.ToLower(gwID)),
			String(cat), String(op), String(level), String("VPNLAB-GW"), String("VPNLAB-RG"), String("MICROSOFT.NETWORK"),
			String(msg), String(inst), String(status), String(remote), String(""))
	}
	add(0, "GatewayDiagnosticLog", "SetGatewayConfiguration", "Informational", "Set gateway configuration", "", "", "")
	add(1, "IKEDiagnosticLog", "IKELogEvent", "Informational", "Remote 198.51.100.10:500: Local 203.0.113.10:500: [RECEIVED] SA_INIT SESSION_ID :{1}", "", "", "")
	add(1, "IKEDiagnosticLog", "IKELogEvent", "Error", "Remote 198.51.100.10:500: Local 203.0.113.10:500: [LOCAL] AUTH failed SESSION_ID :{1}", "", "", "")
	add(2, "TunnelDiagnosticLog", "TunnelConnected", "Informational", "Tunnel connected", "GatewayTenantWorker_IN_0", "Connected", "198.51.100.10")
	add(3, "RouteDiagnosticLog", "BgpConnectedEvent", "Informational", "BGP peer 169.254.21.2 connected", "", "", "")
	add(50, "TunnelDiagnosticLog", "TunnelDisconnected", "Informational", "Tunnel disconnected", "GatewayTenantWorker_IN_0", "Disconnected", "198.51.100.10")
	add(50, "GatewayDiagnosticLog", "GatewayTenantPrimaryChanged", "Informational", "Primary changed to IN_1", "", "", "")
	add(51, "TunnelDiagnosticLog", "TunnelConnected", "Informational", "Tunnel connected", "GatewayTenantWorker_IN_1", "Connected", "198.51.100.10")
	add(52, "P2SDiagnosticLog", "P2SLogEvent", "Informational", "Connection successful for user p2s-client", "", "", "")
	add(58, "TunnelDiagnosticLog", "TunnelDisconnected", "Informational", "Tunnel disconnected", "GatewayTenantWorker_IN_1", "Disconnected", "198.51.100.10")
	return t
}

func run(t *testing.T, q string) *Table {
	t.Helper()
	res, err := Run(q, Env{Tables: map[string]*Table{"AzureDiagnostics": diagnostics()}, Now: t0.Add(time.Hour)})
	if err != nil {
		t.Fatalf("%s\n%v", q, err)
	}
	return res
}

func column(t *testing.T, tab *Table, name string) []string {
	t.Helper()
	i := tab.Index(name)
	if i < 0 {
		t.Fatalf("no column %q in %v", name, tab.Columns)
	}
	var out []string
	for _, r := range tab.Rows {
		out = append(out, r[i].String())
	}
	return out
}

func names(tab *Table) string {
	var n []string
	for _, c := range tab.Columns {
		n = append(n, c.Name+":"+string(c.Type))
	}
	return strings.Join(n, ",")
}

// TestDocumentedQueries runs every query of the queries file and checks
// what each returns over the synthetic table.
func TestDocumentedQueries(t *testing.T) {
	want := map[string]func(t *testing.T, r *Table){
		"gateway-diagnostic-log": func(t *testing.T, r *Table) {
			eq(t, names(r), "TimeGenerated:datetime,OperationName:string,Message:string,Resource:string,ResourceGroup:string")
			eq(t, strings.Join(column(t, r, "OperationName"), ","), "SetGatewayConfiguration,GatewayTenantPrimaryChanged")
		},
		"tunnel-diagnostic-log": func(t *testing.T, r *Table) {
			eq(t, strings.Join(column(t, r, "instance_s"), ","),
				"GatewayTenantWorker_IN_0,GatewayTenantWorker_IN_0,GatewayTenantWorker_IN_1,GatewayTenantWorker_IN_1")
		},
		"route-diagnostic-log": func(t *testing.T, r *Table) { eq(t, len(r.Rows), 1) },
		"ike-diagnostic-log": func(t *testing.T, r *Table) {
			eq(t, names(r), "TimeGenerated:datetime,RemoteIP:string,LocalIP:string,Event:string,Level:string")
			eq(t, strings.Join(column(t, r, "RemoteIP"), ","), "198.51.100.10,198.51.100.10")
			eq(t, strings.Join(column(t, r, "LocalIP"), ","), "203.0.113.10,203.0.113.10")
			eq(t, column(t, r, "Event")[1], "[LOCAL] AUTH failed SESSION_ID :{1}")
		},
		"p2s-diagnostic-log": func(t *testing.T, r *Table) { eq(t, len(r.Rows), 1) },
		"tunnel-disconnected-alert": func(t *testing.T, r *Table) {
			// Now is t0+60m: only the disconnect at t0+58m is within 5 minutes.
			eq(t, strings.Join(column(t, r, "instance_s"), ","), "GatewayTenantWorker_IN_1")
			eq(t, column(t, r, "_ResourceId")[0], strings.ToLower(gwID))
		},
		"tunnel-disconnected-alert-2019": func(t *testing.T, r *Table) { eq(t, len(r.Rows), 1) },
		"p2s-connection-log-seed-002":    func(t *testing.T, r *Table) { eq(t, len(r.Rows), 1) },
		"tunnel-status-changes": func(t *testing.T, r *Table) {
			eq(t, strings.Join(column(t, r, "status_s"), ","), "Connected,Disconnected,Connected,Disconnected")
		},
		"tunnel-events-per-instance": func(t *testing.T, r *Table) {
			eq(t, names(r), "instance_s:string,Events:long,Disconnects:long,Last:datetime")
			eq(t, strings.Join(column(t, r, "Disconnects"), ","), "1,1")
			eq(t, column(t, r, "Last")[1], "2026-12-01T10:58:00Z")
		},
		"latest-tunnel-state": func(t *testing.T, r *Table) {
			eq(t, names(r), "remoteIP_s:string,TimeGenerated:datetime,OperationName:string,status_s:string,instance_s:string")
			eq(t, strings.Join(row(r.Rows[0][1:]).strings(), ","), "2026-12-01T10:58:00Z,TunnelDisconnected,Disconnected,GatewayTenantWorker_IN_1")
		},
		"bgp-events": func(t *testing.T, r *Table) {
			eq(t, names(r), "OperationName:string,TimeGenerated:datetime,count_:long")
			eq(t, strings.Join(row(r.Rows[0]).strings(), ","), "BgpConnectedEvent,2026-12-01T10:00:00Z,1")
		},
		"config-changes-last-hour": func(t *testing.T, r *Table) {
			// ago(1h) is t0: the change at exactly t0 is not after it.
			eq(t, len(r.Rows), 0)
		},
		"ike-errors-by-remote": func(t *testing.T, r *Table) {
			eq(t, strings.Join(row(r.Rows[0]).strings(), ","), `198.51.100.10,1,["Error"]`)
		},
	}
	qs := queries.VPNGateway()
	documented := 0
	for _, q := range qs {
		if q.Documented() {
			documented++
		}
		t.Run(q.Name, func(t *testing.T) {
			check, ok := want[q.Name]
			if !ok {
				t.Fatalf("no expectation for %s", q.Name)
			}
			check(t, run(t, q.Fill(gwID, "198.51.100.10")))
		})
	}
	if documented < 8 {
		t.Errorf("%d documented queries, want at least 8", documented)
	}
}

type row []Value

func (r row) strings() []string {
	out := make([]string, len(r))
	for i, v := range r {
		out[i] = v.String()
	}
	return out
}

func eq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}
