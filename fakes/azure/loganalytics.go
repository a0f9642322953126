package azure

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/kql"
)

// tableAzureDiagnostics is the Log Analytics table the records go to.
const tableAzureDiagnostics = "AzureDiagnostics"

// WorkspaceID is the ID of the lab's Log Analytics workspace, the one the
// gateway's diagnostic settings send to. It is derived from the
// subscription and resource group, so that both instances and the CLI
// agree on it.
func WorkspaceID(m Model) string {
	sum := sha256.Sum256([]byte("vpnlab-workspace/" + strings.ToLower(m.SubscriptionID+"/"+m.ResourceGroup)))
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// WithPeerLogs sets how an instance reads the other instance's diagnostic
// records, so that a Log Analytics query sees both instances' records as
// the workspace would. Default: this instance's only.
func WithPeerLogs(f func(ctx context.Context) ([]LogRecord, error)) Option {
	return optionFunc(func(g *Gateway) { g.peerLogs = f })
}

// diagnosticsColumns are the AzureDiagnostics columns the lab fills, in
// the order Log Analytics lists them for a VPN gateway's records.
var diagnosticsColumns = []kql.Column{
	{Name: "TenantId", Type: kql.TypeString},
	{Name: "TimeGenerated", Type: kql.TypeDatetime},
	{Name: "ResourceId", Type: kql.TypeString},
	{Name: "Category", Type: kql.TypeString},
	{Name: "ResourceGroup", Type: kql.TypeString},
	{Name: "SubscriptionId", Type: kql.TypeString},
	{Name: "ResourceProvider", Type: kql.TypeString},
	{Name: "Resource", Type: kql.TypeString},
	{Name: "ResourceType", Type: kql.TypeString},
	{Name: "OperationName", Type: kql.TypeString},
	{Name: "Level", Type: kql.TypeString},
	{Name: "Message", Type: kql.TypeString},
	{Name: "instance_s", Type: kql.TypeString},
	{Name: "status_s", Type: kql.TypeString},
	{Name: "remoteIP_s", Type: kql.TypeString},
	{Name: "stateChangeReason_s", Type: kql.TypeString},
	{Name: "operationStatus_s", Type: kql.TypeString},
	{Name: "SourceSystem", Type: kql.TypeString},
	{Name: "Type", Type: kql.TypeString},
	{Name: "_ResourceId", Type: kql.TypeString},
	{Name: "_SubscriptionId", Type: kql.TypeString},
}

// DiagnosticsTable returns records as the AzureDiagnostics table.
func DiagnosticsTable(recs []LogRecord) *kql.Table {
	t := &kql.Table{Name: tableAzureDiagnostics, Columns: diagnosticsColumns, Rows: make([][]kql.Value, 0, len(recs))}
	s := kql.String
	for _, r := range recs {
		t.Rows = append(t.Rows, []kql.Value{
			s(r.TenantID), kql.Datetime(r.TimeGenerated), s(r.ResourceID), s(r.Category), s(r.ResourceGroup),
			s(r.SubscriptionID), s(r.ResourceProvider), s(r.Resource), s(r.ResourceType), s(r.OperationName), s(r.Level),
			s(r.Message), s(r.Instance), s(r.Status), s(r.RemoteIP), s(r.StateChangeReason), s(r.OperationStatus),
			s(r.SourceSystem), s(r.Type), s(r.ResourceIDLower), s(r.SubscriptionID),
		})
	}
	return t
}

// laError writes Log Analytics' error body.
func laError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": message, "code": code, "correlationId": requestID()}})
}

type laColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type laTable struct {
	Name    string     `json:"name"`
	Columns []laColumn `json:"columns"`
	Rows    [][]any    `json:"rows"`
}

// logAnalytics serves the Log Analytics query API over the gateway's
// diagnostic records (both instances', see [WithPeerLogs]):
//
//	POST /v1/workspaces/{id}/query  {"query": "...", "timespan": "PT1H"}
//	GET  /v1/workspaces/{id}/query?query=...&timespan=...
//
// answering {"tables":[{"name":"PrimaryResult","columns":[...],"rows":[...]}]}.
// The timespan (ISO 8601: a duration, start/end or start/duration) limits
// TimeGenerated before the query runs; ago() and now() use the gateway's
// clock. A query the engine does not support is a 400 BadArgumentError
// whose inner error names the operator, line and position.
func (a *api) logAnalytics(w http.ResponseWriter, r *http.Request, seg []string) {
	m := a.g.Model()
	if len(seg) != 4 || seg[3] != "query" {
		laError(w, http.StatusNotFound, "PathNotFoundError", fmt.Sprintf("The requested path does not exist: %s", r.URL.Path))
		return
	}
	if !strings.EqualFold(seg[2], WorkspaceID(m)) {
		laError(w, http.StatusNotFound, "WorkspaceNotFoundError", fmt.Sprintf("The workspace %s could not be found", seg[2]))
		return
	}
	var body struct {
		Query    string `json:"query"`
		Timespan string `json:"timespan"`
	}
	switch r.Method {
	case http.MethodPost:
		if err := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody)).Decode(&body); err != nil {
			laError(w, http.StatusBadRequest, "BadArgumentError", "The request body is not valid JSON: "+err.Error())
			return
		}
	case http.MethodGet:
		body.Query, body.Timespan = r.URL.Query().Get("query"), r.URL.Query().Get("timespan")
	default:
		allow(w, r, http.MethodGet, http.MethodPost)
		return
	}
	if strings.TrimSpace(body.Query) == "" {
		laError(w, http.StatusBadRequest, "BadArgumentError", "The request had some invalid properties: query is required")
		return
	}
	a.g.mu.Lock()
	now := a.g.now().UTC()
	a.g.mu.Unlock()
	from, to, err := parseTimespanISO(body.Timespan, now)
	if err != nil {
		laError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	recs := a.g.Logs("", time.Time{})
	if a.g.peerLogs != nil {
		if other, err := a.g.peerLogs(r.Context()); err == nil {
			recs = mergeRecords(recs, other)
		}
	}
	var kept []LogRecord
	for _, rec := range recs {
		if (from.IsZero() || !rec.TimeGenerated.Before(from)) && (to.IsZero() || rec.TimeGenerated.Before(to)) {
			kept = append(kept, rec)
		}
	}
	res, err := kql.Run(body.Query, kql.Env{Tables: map[string]*kql.Table{tableAzureDiagnostics: DiagnosticsTable(kept)}, Now: now})
	if err != nil {
		inner := map[string]any{"code": "SemanticError", "message": a.g.redact(err.Error())}
		var ke *kql.Error
		if errors.As(err, &ke) {
			inner["line"], inner["pos"], inner["operator"] = ke.Line, ke.Col, ke.Op
			if strings.Contains(ke.Msg, "not supported") || strings.HasPrefix(ke.Msg, "expected") || ke.Op == "literal" {
				inner["code"] = "SyntaxError"
			}
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
			"message": "The request had some invalid properties", "code": "BadArgumentError", "correlationId": requestID(),
			"innererror": inner}})
		return
	}
	out := laTable{Name: "PrimaryResult", Columns: make([]laColumn, len(res.Columns)), Rows: make([][]any, len(res.Rows))}
	for i, c := range res.Columns {
		out.Columns[i] = laColumn{c.Name, string(c.Type)}
	}
	for i, row := range res.Rows {
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = v.JSON()
		}
		out.Rows[i] = cells
	}
	writeJSON(w, http.StatusOK, map[string]any{"tables": []laTable{out}})
}

// mergeRecords merges two time-ordered record lists.
func mergeRecords(a, b []LogRecord) []LogRecord {
	out := make([]LogRecord, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].TimeGenerated.Before(a[0].TimeGenerated) {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// parseTimespanISO reads Log Analytics' timespan: "" (no limit), a
// duration ending now, start/end, start/duration or duration/end.
func parseTimespanISO(s string, now time.Time) (from, to time.Time, err error) {
	if s == "" {
		return time.Time{}, time.Time{}, nil
	}
	bad := fmt.Errorf("The timespan %q is not an ISO 8601 duration or interval", s)
	a, b, interval := strings.Cut(s, "/")
	if !interval {
		d, ok := parseInterval(a)
		if !ok {
			return from, to, bad
		}
		return now.Add(-d), time.Time{}, nil
	}
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	switch {
	case errA == nil && errB == nil:
		return ta, tb, nil
	case errA == nil:
		if d, ok := parseInterval(b); ok {
			return ta, ta.Add(d), nil
		}
	case errB == nil:
		if d, ok := parseInterval(a); ok {
			return tb.Add(-d), tb, nil
		}
	}
	return from, to, bad
}
