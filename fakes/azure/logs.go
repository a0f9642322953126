package azure

import (
	"fmt"
	"strings"
	"time"
)

// Diagnostic log categories, as in the AzureDiagnostics Category column.
const (
	CategoryGateway = "GatewayDiagnosticLog"
	CategoryTunnel  = "TunnelDiagnosticLog"
	CategoryRoute   = "RouteDiagnosticLog"
	CategoryIKE     = "IKEDiagnosticLog"
	CategoryP2S     = "P2SDiagnosticLog"
)

// Categories returns the diagnostic log categories of a VPN gateway.
func Categories() []string {
	return []string{CategoryGateway, CategoryTunnel, CategoryRoute, CategoryIKE, CategoryP2S}
}

// Log levels, as in the AzureDiagnostics Level column.
const (
	LevelInformational = "Informational"
	LevelWarning       = "Warning"
	LevelError         = "Error"
)

// Operation names written by [Gateway]. GatewayDiagnosticLog names are
// Azure's, except OperationResetGateway: Azure's list of gateway log
// operations has none for a reset, so the lab names its own.
const (
	OperationSetGatewayConfiguration     = "SetGatewayConfiguration"
	OperationSetConnectionConfiguration  = "SetConnectionConfiguration"
	OperationHostMaintenanceEvent        = "HostMaintenanceEvent"
	OperationGatewayTenantPrimaryChanged = "GatewayTenantPrimaryChanged"
	OperationResetGateway                = "ResetGateway"
	OperationP2SLogEvent                 = "P2SLogEvent"
	OperationTunnelConnected             = "TunnelConnected"
	OperationTunnelDisconnected          = "TunnelDisconnected"
	OperationBgpConnectedEvent           = "BgpConnectedEvent"
	OperationBgpDisconnectedEvent        = "BgpDisconnectedEvent"
	OperationBgpRouteUpdate              = "BgpRouteUpdate"
	OperationIKELogEvent                 = "IKELogEvent"
)

// maxLogRecords bounds the records a Gateway keeps; older ones are dropped.
const maxLogRecords = 10000

// redacted replaces the shared key wherever it would be disclosed.
const redacted = "<redacted>"

// LogRecord is one row of the AzureDiagnostics table, marshalled with
// Azure Monitor's column names. Columns a category does not use are omitted.
type LogRecord struct {
	TimeGenerated     time.Time `json:"TimeGenerated"` // UTC, RFC 3339 with nanoseconds
	ResourceID        string    `json:"ResourceId"`    // upper case, as Azure Monitor writes it
	ResourceIDLower   string    `json:"_ResourceId"`   // lower case, Log Analytics' standard column
	TenantID          string    `json:"TenantId"`      // the Log Analytics workspace ID, as Log Analytics fills it
	Type              string    `json:"Type"`          // "AzureDiagnostics", the table
	SourceSystem      string    `json:"SourceSystem"`  // "Azure"
	Category          string    `json:"Category"`
	OperationName     string    `json:"OperationName"`
	Level             string    `json:"Level"`
	Resource          string    `json:"Resource"`      // upper-case gateway name
	ResourceGroup     string    `json:"ResourceGroup"` // upper case
	SubscriptionID    string    `json:"SubscriptionId"`
	ResourceProvider  string    `json:"ResourceProvider"` // "MICROSOFT.NETWORK"
	ResourceType      string    `json:"ResourceType"`     // "VIRTUALNETWORKGATEWAYS"
	Message           string    `json:"Message,omitempty"`
	Instance          string    `json:"instance_s,omitempty"` // e.g. "GatewayTenantWorker_IN_0"
	Status            string    `json:"status_s,omitempty"`
	RemoteIP          string    `json:"remoteIP_s,omitempty"`
	StateChangeReason string    `json:"stateChangeReason_s,omitempty"`
	OperationStatus   string    `json:"operationStatus_s,omitempty"`
}

// redact replaces the keys in every free-text column of r.
func (r *LogRecord) redact(keys ...string) {
	for _, s := range []*string{&r.OperationName, &r.Message, &r.Status, &r.RemoteIP, &r.StateChangeReason, &r.OperationStatus} {
		*s = redactKeys(*s, keys)
	}
}

// redactKeys replaces each non-empty key in s, in the order given.
func redactKeys(s string, keys []string) string {
	for _, k := range keys {
		if k != "" {
			s = strings.ReplaceAll(s, k, redacted)
		}
	}
	return s
}

// ikeMessage formats an IKEDiagnosticLog message the way Azure does:
// "Remote <ip>:500: Local <ip>:500: [SEND] <message>".
func ikeMessage(remoteIP, localIP, direction, message string) string {
	return fmt.Sprintf("Remote %s:500: Local %s:500: [%s] %s", remoteIP, localIP, direction, message)
}

// normalizeLevel maps common spellings onto Azure's levels; anything
// unrecognised is Informational.
func normalizeLevel(level string) string {
	switch strings.ToLower(level) {
	case "warning", "warn":
		return LevelWarning
	case "error", "err", "critical", "fatal":
		return LevelError
	}
	return LevelInformational
}

// normalizeDirection upper-cases direction; empty means LOCAL.
func normalizeDirection(direction string) string {
	if direction == "" {
		return "LOCAL"
	}
	return strings.ToUpper(direction)
}

// ring is a fixed-capacity log of records, oldest first.
type ring struct {
	buf   []LogRecord
	start int // index of the oldest record
	n     int
}

func newRing(capacity int) *ring { return &ring{buf: make([]LogRecord, capacity)} }

func (r *ring) add(rec LogRecord) {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = rec
		r.n++
		return
	}
	r.buf[r.start] = rec
	r.start = (r.start + 1) % len(r.buf)
}

// filter returns, oldest first, the records whose category matches
// (any if category is empty) and whose time is not before since.
func (r *ring) filter(category string, since time.Time) []LogRecord {
	var out []LogRecord
	for i := range r.n {
		rec := r.buf[(r.start+i)%len(r.buf)]
		if category != "" && !strings.EqualFold(rec.Category, category) {
			continue
		}
		if rec.TimeGenerated.Before(since) {
			continue
		}
		out = append(out, rec)
	}
	return out
}
