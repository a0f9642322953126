package azure

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Gateway is the runtime state of the fake VPN gateway: connection status,
// traffic counters, BGP peers and routes, and the diagnostic log. A daemon
// feeds it events; its methods are safe for concurrent use.
type Gateway struct {
	model    Model // immutable after New
	now      func() time.Time
	instance string // "IN_0"

	mu          sync.Mutex
	status      string // connection status
	up          bool   // a TunnelConnected record is the latest tunnel record
	remoteIP    string
	established time.Time
	traffic     traffic
	mmsa, qmsa  int
	peers       map[string]BgpPeerStatus // by neighbor
	learned     []GatewayRoute
	advertised  []GatewayRoute
	logs        *ring
}

type traffic struct {
	ingressBytes, egressBytes, ingressPackets, egressPackets uint64
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
		model:    m.clone(),
		now:      time.Now,
		instance: "IN_0",
		status:   StatusUnknown,
		peers:    map[string]BgpPeerStatus{},
		logs:     newRing(maxLogRecords),
	}
	for _, o := range opts {
		o.apply(g)
	}
	return g
}

// Model returns a copy of the gateway's model.
func (g *Gateway) Model() Model { return g.model.clone() }

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
	if localIP == "" {
		localIP = g.model.Gateway.PublicIP
	}
	g.mu.Lock()
	defer g.mu.Unlock()
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
func (g *Gateway) Logs(category string, since time.Time) []LogRecord {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.logs.filter(category, since)
}

// logLocked stamps rec with the gateway's identity and, unless set, the
// time; redacts the shared key and stores it. g.mu must be held.
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
	rec.Instance = instancePrefix + g.instance
	rec.redact(m.Connection.SharedKey)
	g.logs.add(rec)
}
