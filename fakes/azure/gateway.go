package azure

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Gateway is the runtime state of the fake VPN gateway: connection status,
// traffic counters, BGP peers and routes, and the diagnostic log. A daemon
// feeds it events; its methods are safe for concurrent use.
type Gateway struct {
	now      func() time.Time // called with mu held only
	instance string           // "IN_0"
	reconf   Reconfigurer
	forward  http.Handler // a standby's way to the active instance's API, or nil
	// peerView reads the other instance's view (active-active), or nil.
	peerView func(ctx context.Context) (InstanceView, error)
	ops      *operations
	issuer   *issuer         // signs clients in and checks tokens, or nil
	pending  map[string]bool // resource types with a change being applied (under mu)
	// peerLogs reads the other instance's diagnostic records, for the Log
	// Analytics query API, or is nil.
	peerLogs func(ctx context.Context) ([]LogRecord, error)

	// cfg serialises changes to the model (PUTs, shared key, reset); it is
	// taken with TryLock so that a concurrent change fails like ARM's
	// AnotherOperationInProgress instead of queueing.
	cfg sync.Mutex

	mu              sync.Mutex
	model           Model    // replaced whole by a committed change
	keys            []string // the shared keys the model has had, longest first
	keyHistory      []string // the same, oldest first
	active          bool     // false on a standby instance
	p2s             int      // point-to-site connections
	sessions        []VpnClientConnectionHealthDetail
	drops           drops
	troubleshooting bool                          // a troubleshoot run is under way
	troubleshoots   map[string]troubleshootResult // latest result by lower-case target ID
	status          string                        // connection status
	up              bool                          // a TunnelConnected record is the latest tunnel record
	remoteIP        string
	established     time.Time
	traffic         traffic
	mmsa, qmsa      int
	peers           map[string]BgpPeerStatus // by neighbor
	learned         []GatewayRoute
	advertised      []GatewayRoute
	logs            *ring
	activity        []ActivityEvent // the Activity Log (activitylog.go)
}

type traffic struct {
	ingressBytes, egressBytes, ingressPackets, egressPackets uint64
}

type drops struct {
	ingress, egress, ingressTSMismatch, egressTSMismatch uint64
}

// Option configures a Gateway.
type Option interface{ apply(*Gateway) }

type optionFunc func(*Gateway)

func (f optionFunc) apply(g *Gateway) { f(g) }

// WithClock sets the clock that stamps records and connection times
// (default time.Now). It panics if now is nil.
func WithClock(now func() time.Time) Option {
	if now == nil {
		panic("azure: WithClock: nil clock")
	}
	return optionFunc(func(g *Gateway) { g.now = now })
}

var instancePattern = regexp.MustCompile(`^IN_[0-9]+$`)

// WithInstance sets the gateway instance this process plays, "IN_0" (the
// default) or "IN_1"; records carry it as instance_s
// "GatewayTenantWorker_IN_0". A "GatewayTenantWorker_" prefix is accepted.
// It panics if name is not of the form IN_<n>.
func WithInstance(name string) Option {
	name = strings.TrimPrefix(name, instancePrefix)
	if !instancePattern.MatchString(name) {
		panic(fmt.Sprintf("azure: WithInstance: %q is not of the form IN_<n>", name))
	}
	return optionFunc(func(g *Gateway) { g.instance = name })
}

const instancePrefix = "GatewayTenantWorker_"

// New returns a gateway for the model, with connection status Unknown and
// an empty log. The model is not validated; see [Model.Validate].
func New(m Model, opts ...Option) *Gateway {
	g := &Gateway{
		model:         m.clone(),
		now:           time.Now,
		instance:      "IN_0",
		reconf:        nopReconfigurer{},
		ops:           newOperations(maxOperations),
		active:        true,
		troubleshoots: map[string]troubleshootResult{},
		status:        StatusUnknown,
		peers:         map[string]BgpPeerStatus{},
		logs:          newRing(maxLogRecords),
	}
	g.rememberKeyLocked(m.Connection.SharedKey)
	for _, o := range opts {
		o.apply(g)
	}
	return g
}

// Model returns a copy of the gateway's model, as last changed through the
// API.
func (g *Gateway) Model() Model {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.model.clone()
}

// clock reads the gateway's clock. g.mu must not be held.
func (g *Gateway) clock() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.now().UTC()
}

// rememberKeyLocked adds key to the keys that are redacted wherever they
// would be disclosed; old keys stay redacted after a change. g.mu must be held.
// The gateway remembers the latest maxKeys keys.
func (g *Gateway) rememberKeyLocked(key string) {
	if key == "" {
		return
	}
	g.keyHistory = append(slices.DeleteFunc(g.keyHistory, func(k string) bool { return k == key }), key)
	if len(g.keyHistory) > maxKeys {
		g.keyHistory = g.keyHistory[len(g.keyHistory)-maxKeys:]
	}
	// Longest first, so that a key containing another is replaced whole.
	// A new slice: callers may hold the old one.
	g.keys = slices.Clone(g.keyHistory)
	slices.SortStableFunc(g.keys, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
}

const maxKeys = 32

// SetActive sets whether this instance is the active one (the default) or
// the standby of an active-standby pair. A standby instance answers Network
// Watcher troubleshoot with PlatformInActive.
func (g *Gateway) SetActive(active bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active = active
}

// SetP2SConnections sets the number of connected point-to-site clients
// (metric P2SConnectionCount).
func (g *Gateway) SetP2SConnections(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.p2s = max(n, 0)
}

// SetPacketDrops sets the tunnel's dropped-packet counters: all drops
// (metrics TunnelIngressPacketDropCount, TunnelEgressPacketDropCount) and
// those dropped for a traffic-selector mismatch
// (TunnelIngressPacketDropTSMismatch, TunnelEgressPacketDropTSMismatch).
func (g *Gateway) SetPacketDrops(ingress, egress, ingressTSMismatch, egressTSMismatch uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.drops = drops{ingress, egress, ingressTSMismatch, egressTSMismatch}
}

// Instance returns the instance this gateway plays, e.g. "IN_0".
func (g *Gateway) Instance() string { return g.instance }

// TunnelConnecting records that IKE negotiation with remoteIP is under way.
func (g *Gateway) TunnelConnecting(remoteIP string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.status = StatusConnecting
	g.remoteIP = remoteIP
}

// TunnelConnected records that the IKE SA is established and the child SA
// installed. It writes a TunnelConnected record unless the tunnel was
// already up.
func (g *Gateway) TunnelConnected(remoteIP string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.status = StatusConnected
	g.remoteIP = remoteIP
	if g.up {
		return
	}
	g.up = true
	g.established = g.now().UTC()
	g.logLocked(LogRecord{
		TimeGenerated: g.established,
		Category:      CategoryTunnel,
		OperationName: OperationTunnelConnected,
		Level:         LevelInformational,
		Status:        "Connected",
		RemoteIP:      remoteIP,
		Message:       fmt.Sprintf("Tunnel to %s connected", remoteIP),
	})
}

// TunnelDisconnected records that the tunnel to remoteIP went down, for a
// free-text reason such as "DPD timeout" or "peer deleted IKE SA". It
// writes a TunnelDisconnected record if the tunnel was up: a negotiation
// that never succeeded shows in the IKE log, not the tunnel log.
func (g *Gateway) TunnelDisconnected(remoteIP, reason string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.status = StatusNotConnected
	g.remoteIP = remoteIP
	if !g.up {
		return
	}
	g.up = false
	g.logLocked(LogRecord{
		Category:          CategoryTunnel,
		OperationName:     OperationTunnelDisconnected,
		Level:             LevelWarning,
		Status:            "Disconnected",
		RemoteIP:          remoteIP,
		StateChangeReason: reason,
		Message:           fmt.Sprintf("Tunnel to %s disconnected: %s", remoteIP, reason),
	})
}

// SetTraffic sets the byte and packet counters of the current SA.
func (g *Gateway) SetTraffic(ingressBytes, egressBytes, ingressPackets, egressPackets uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.traffic = traffic{ingressBytes, egressBytes, ingressPackets, egressPackets}
}

// SetSACounts sets the number of main-mode (IKE) and quick-mode (child) SAs.
func (g *Gateway) SetSACounts(mmsa, qmsa int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mmsa, g.qmsa = mmsa, qmsa
}

// IKELog writes an IKEDiagnosticLog record. level is mapped onto
// Informational, Warning or Error; direction is SEND, RECEIVED or LOCAL
// (upper-cased; empty means LOCAL); an empty localIP means the gateway's
// public IP. The message reads
// "Remote <remoteIP>:500: Local <localIP>:500: [<direction>] <message>".
func (g *Gateway) IKELog(level, remoteIP, localIP, direction, message string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if localIP == "" {
		localIP = g.model.Gateway.PublicIPOf(g.instance)
	}
	g.logLocked(LogRecord{
		Category:      CategoryIKE,
		OperationName: OperationIKELogEvent,
		Level:         normalizeLevel(level),
		Message:       ikeMessage(remoteIP, localIP, normalizeDirection(direction), message),
	})
}

// GatewayEvent writes a GatewayDiagnosticLog record with operationStatus_s
// "Success", e.g. operation SetGatewayConfiguration or HostMaintenanceEvent.
func (g *Gateway) GatewayEvent(operation, message string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.logLocked(LogRecord{
		Category:        CategoryGateway,
		OperationName:   operation,
		Level:           LevelInformational,
		Message:         message,
		OperationStatus: "Success",
	})
}

// P2SEvent writes a P2SDiagnosticLog record (OperationName P2SLogEvent),
// e.g. "Connection successful for user p2s-client" or "Connection failed ...".
func (g *Gateway) P2SEvent(level, message string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.logLocked(LogRecord{
		Category:      CategoryP2S,
		OperationName: OperationP2SLogEvent,
		Level:         normalizeLevel(level),
		Message:       message,
	})
}

// Logs returns the stored records of a category ("" for all) whose time is
// not before since, oldest first. The gateway keeps the latest 10,000.
// Every shared key the connection has had is redacted, including one set
// after a record was written.
func (g *Gateway) Logs(category string, since time.Time) []LogRecord {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.logsLocked(category, since)
}

func (g *Gateway) logsLocked(category string, since time.Time) []LogRecord {
	recs := g.logs.filter(category, since)
	for i := range recs {
		recs[i].redact(g.keys...)
	}
	return recs
}

// redact replaces every shared key the connection has had in s.
func (g *Gateway) redact(s string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return redactKeys(s, g.keys)
}

// logLocked stamps rec with the gateway's identity and, unless set, the
// time; redacts the shared keys and stores it. g.mu must be held.
func (g *Gateway) logLocked(rec LogRecord) {
	m := g.model
	if rec.TimeGenerated.IsZero() {
		rec.TimeGenerated = g.now().UTC()
	}
	rec.ResourceID = strings.ToUpper(m.ID("virtualNetworkGateways", m.Gateway.Name))
	rec.Resource = strings.ToUpper(m.Gateway.Name)
	rec.ResourceGroup = strings.ToUpper(m.ResourceGroup)
	rec.SubscriptionID = m.SubscriptionID
	rec.ResourceProvider = "MICROSOFT.NETWORK"
	rec.ResourceType = "VIRTUALNETWORKGATEWAYS"
	rec.ResourceIDLower = strings.ToLower(rec.ResourceID)
	rec.TenantID = WorkspaceID(m)
	rec.Type = tableAzureDiagnostics
	rec.SourceSystem = "Azure"
	rec.Instance = instancePrefix + g.instance
	rec.redact(g.keys...)
	g.logs.add(rec)
}
