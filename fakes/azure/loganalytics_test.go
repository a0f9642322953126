package azure_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/kql/queries"
)

type laResult struct {
	Tables []struct {
		Name    string
		Columns []struct{ Name, Type string }
		Rows    [][]any
	}
	Error struct {
		Code       string
		Innererror map[string]any
	}
}

func laQuery(t *testing.T, s *server, workspace, body string) (int, laResult) {
	t.Helper()
	r := s.do("POST", "/v1/workspaces/"+workspace+"/query", json.RawMessage(body))
	var res laResult
	if err := json.Unmarshal([]byte(r.body), &res); err != nil {
		t.Fatalf("%s: %v", r.body, err)
	}
	return r.status, res
}

func TestLogAnalyticsQuery(t *testing.T) {
	other, _ := newGateway(t, azure.WithInstance("IN_1"))
	g, _ := newGateway(t, azure.WithPeerLogs(func(context.Context) ([]azure.LogRecord, error) {
		return other.Logs("", time.Time{}), nil
	}))
	g.TunnelConnected(onpremIP)
	g.TunnelDisconnected(onpremIP, "DPD timeout")
	other.TunnelConnected(onpremIP)
	g.IKELog("error", onpremIP, "203.0.113.10", "RECEIVED", "SA_INIT SESSION_ID :{1}")
	s := serve(t, g)
	ws := azure.WorkspaceID(g.Model())
	gwID := g.Model().ID("virtualNetworkGateways", g.Model().Gateway.Name)

	status, res := laQuery(t, s, ws, `{"query":"AzureDiagnostics | where Category == \"TunnelDiagnosticLog\" | project TimeGenerated, OperationName, instance_s, _ResourceId, TenantId, Type | sort by TimeGenerated asc"}`)
	if status != 200 || len(res.Tables) != 1 || res.Tables[0].Name != "PrimaryResult" {
		t.Fatalf("%d %+v", status, res)
	}
	tab := res.Tables[0]
	var got []string
	for _, r := range tab.Rows {
		got = append(got, r[1].(string)+"@"+r[2].(string))
	}
	// Both instances' clocks start alike: their records interleave.
	slices.Sort(got)
	want := "TunnelConnected@GatewayTenantWorker_IN_0,TunnelConnected@GatewayTenantWorker_IN_1,TunnelDisconnected@GatewayTenantWorker_IN_0"
	if strings.Join(got, ",") != want {
		t.Errorf("rows %v, want %s", got, want)
	}
	if tab.Columns[0].Type != "datetime" || tab.Rows[0][3] != strings.ToLower(gwID) || tab.Rows[0][4] != ws || tab.Rows[0][5] != "AzureDiagnostics" {
		t.Errorf("columns %+v row %v", tab.Columns, tab.Rows[0])
	}

	// Every documented query runs and the alert query finds the disconnect.
	for _, q := range queries.VPNGateway() {
		body, _ := json.Marshal(map[string]string{"query": q.Fill(gwID, onpremIP), "timespan": "PT1H"})
		status, res := laQuery(t, s, ws, string(body))
		if status != 200 {
			t.Errorf("%s: %d %+v", q.Name, status, res.Error)
			continue
		}
		if q.Name == "tunnel-disconnected-alert" && len(res.Tables[0].Rows) != 1 {
			t.Errorf("%s: %d rows, want the one disconnect", q.Name, len(res.Tables[0].Rows))
		}
		if q.Name == "ike-diagnostic-log" && (len(res.Tables[0].Rows) != 1 || res.Tables[0].Rows[0][1] != onpremIP) {
			t.Errorf("%s: %v", q.Name, res.Tables[0].Rows)
		}
	}

	// A timespan in the past leaves nothing.
	_, res = laQuery(t, s, ws, `{"query":"AzureDiagnostics | count","timespan":"2020-01-01T00:00:00Z/2020-01-02T00:00:00Z"}`)
	if res.Tables[0].Rows[0][0] != float64(0) {
		t.Errorf("old timespan: %v", res.Tables[0].Rows)
	}

	// Errors.
	status, res = laQuery(t, s, ws, `{"query":"AzureDiagnostics | join (X) on Y"}`)
	if status != 400 || res.Error.Code != "BadArgumentError" || res.Error.Innererror["operator"] != "join" ||
		res.Error.Innererror["pos"] != float64(20) || res.Error.Innererror["code"] != "SyntaxError" {
		t.Errorf("unsupported operator: %d %+v", status, res.Error)
	}
	status, res = laQuery(t, s, "11111111-1111-4111-8111-111111111111", `{"query":"AzureDiagnostics"}`)
	if status != 404 || res.Error.Code != "WorkspaceNotFoundError" {
		t.Errorf("foreign workspace: %d %+v", status, res.Error)
	}
	status, res = laQuery(t, s, ws, `{"query":"AzureDiagnostics","timespan":"yesterday"}`)
	if status != 400 {
		t.Errorf("bad timespan: %d", status)
	}
}

// TestLogAnalyticsNeverDisclosesKey: a key that made it into a message is
// redacted in query results too.
func TestLogAnalyticsNeverDisclosesKey(t *testing.T) {
	g, _ := newGateway(t)
	g.IKELog("info", onpremIP, "203.0.113.10", "LOCAL", "key is "+sharedKey)
	s := serve(t, g)
	r := s.do("POST", "/v1/workspaces/"+azure.WorkspaceID(g.Model())+"/query",
		json.RawMessage(`{"query":"AzureDiagnostics | project Message, M2 = strcat(Message, \"x\"), L = strlen(Message)"}`))
	if r.status != 200 || strings.Contains(r.body, sharedKey) || !strings.Contains(r.body, "<redacted>") {
		t.Errorf("%d %s", r.status, r.body)
	}
}
