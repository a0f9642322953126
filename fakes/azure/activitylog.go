package azure

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"
)

// The Activity Log (Azure Monitor, control plane): every write to the
// gateway, the local network gateway and the connection, with its caller
// and time, as Azure records them (seed 000 §5.6 「アクティビティログで変更や
// 更新を確認」). It is served as the Activity Log REST API does:
//
//	GET /subscriptions/{sub}/providers/microsoft.insights/eventtypes/management/values
//	    ?api-version=2015-04-01&$filter=eventTimestamp ge '2026-12-01T10:00:00Z'

// ActivityEvent is one Activity Log entry.
type ActivityEvent struct {
	EventTimestamp time.Time `json:"eventTimestamp"`
	OperationName  string    `json:"operationName"` // Microsoft.Network/connections/write
	ResourceID     string    `json:"resourceId"`
	Caller         string    `json:"caller"`
	Status         string    `json:"status"` // Succeeded
	// Changed names the properties the write changed (never a value).
	Changed []string `json:"changed,omitempty"`
}

type callerKey struct{}

// withCaller puts the caller of r (the identity in its bearer token) into
// its context.
func withCaller(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, callerOf(r.Header.Get("Authorization"))))
}

// callerOf reads the identity of a bearer token, as the Activity Log shows
// it: the user principal name, else the e-mail, the unique name or the
// application id. The token's signature is not checked (the fake accepts
// any token); a token that is no JWT is an unknown caller.
func callerOf(auth string) string {
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	parts := strings.Split(tok, ".")
	if !ok || len(parts) < 2 {
		return "unknown"
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "unknown"
	}
	var c map[string]any
	if json.Unmarshal(b, &c) != nil {
		return "unknown"
	}
	for _, k := range []string{"upn", "email", "unique_name", "appid", "oid"} {
		if s, ok := c[k].(string); ok && s != "" {
			return s
		}
	}
	return "unknown"
}

// recordActivityLocked logs the write that turned old into next.
func (g *Gateway) recordActivityLocked(ctx context.Context, old, next Model, changed []string) {
	caller, _ := ctx.Value(callerKey{}).(string)
	if caller == "" {
		caller = "unknown"
	}
	op, id, network := networkActivity(old, next)
	switch {
	case network:
	case !reflect.DeepEqual(old.Connection, next.Connection):
		op, id = "Microsoft.Network/connections/write", next.ID("connections", next.Connection.Name)
		if slices.ContainsFunc(changed, func(c string) bool { return strings.HasPrefix(c, "sharedKey") }) {
			op = "Microsoft.Network/connections/sharedKey/write"
		}
	case !reflect.DeepEqual(old.LocalGateway, next.LocalGateway):
		op, id = "Microsoft.Network/localNetworkGateways/write", next.ID("localNetworkGateways", next.LocalGateway.Name)
	default:
		op, id = "Microsoft.Network/virtualNetworkGateways/write", next.ID("virtualNetworkGateways", next.Gateway.Name)
	}
	g.activity = append(g.activity, ActivityEvent{EventTimestamp: g.now().UTC(), OperationName: op, ResourceID: id,
		Caller: caller, Status: "Succeeded", Changed: slices.Clone(changed)})
	if len(g.activity) > 1000 {
		g.activity = g.activity[len(g.activity)-1000:]
	}
}

// Activity returns the Activity Log entries since a time.
func (g *Gateway) Activity(since time.Time) []ActivityEvent {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []ActivityEvent
	for _, e := range g.activity {
		if !e.EventTimestamp.Before(since) {
			out = append(out, e)
		}
	}
	return out
}

// activityLog serves the Activity Log REST API's list, in its shape.
func (a *api) activityLog(w http.ResponseWriter, r *http.Request, m Model) {
	since := time.Time{}
	if f := r.URL.Query().Get("$filter"); f != "" {
		if _, rest, ok := strings.Cut(f, "eventTimestamp ge '"); ok {
			if ts, _, ok := strings.Cut(rest, "'"); ok {
				since, _ = time.Parse(time.RFC3339Nano, ts)
			}
		}
	}
	type value struct {
		Value          string `json:"value"`
		LocalizedValue string `json:"localizedValue"`
	}
	var out []map[string]any
	for _, e := range a.g.Activity(since) {
		out = append(out, map[string]any{
			"caller":            e.Caller,
			"eventTimestamp":    e.EventTimestamp.Format(time.RFC3339Nano),
			"operationName":     value{e.OperationName, e.OperationName},
			"resourceId":        e.ResourceID,
			"resourceGroupName": m.ResourceGroup,
			"status":            value{e.Status, e.Status},
			"category":          value{"Administrative", "Administrative"},
			"level":             "Informational",
			"subscriptionId":    m.SubscriptionID,
			"properties":        map[string]any{"changedProperties": strings.Join(e.Changed, ", ")},
		})
	}
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
}
