package azure

import "time"

// Connection status values (connectionStatus).
const (
	StatusUnknown      = "Unknown"
	StatusConnecting   = "Connecting"
	StatusConnected    = "Connected"
	StatusNotConnected = "NotConnected"
)

// lastEstablishedLayout is how Azure writes lastConnectionEstablishedUtcTime,
// e.g. "11/04/2017 17:03:30".
const lastEstablishedLayout = "01/02/2006 15:04:05"

// ConnectionStatus is the connection's runtime status. Fields with JSON
// names are the connection's read-only ARM properties; the others are the
// gateway's metrics (TunnelIngressPackets, MmsaCount, ...).
type ConnectionStatus struct {
	Status                  string                   `json:"connectionStatus"` // Unknown|Connecting|Connected|NotConnected
	IngressBytesTransferred uint64                   `json:"ingressBytesTransferred"`
	EgressBytesTransferred  uint64                   `json:"egressBytesTransferred"`
	Tunnels                 []TunnelConnectionHealth `json:"tunnelConnectionStatus"`

	RemoteIP                  string    `json:"-"` // peer of the latest tunnel event
	LastConnectionEstablished time.Time `json:"-"` // zero until first connected
	IngressPackets            uint64    `json:"-"`
	EgressPackets             uint64    `json:"-"`
	MmsaCount                 int       `json:"-"`
	QmsaCount                 int       `json:"-"`
}

// TunnelConnectionHealth is the status of one tunnel of a connection.
type TunnelConnectionHealth struct {
	Tunnel                           string `json:"tunnel"` // "<connection>_<instance public IP>"
	ConnectionStatus                 string `json:"connectionStatus"`
	IngressBytesTransferred          uint64 `json:"ingressBytesTransferred"`
	EgressBytesTransferred           uint64 `json:"egressBytesTransferred"`
	LastConnectionEstablishedUtcTime string `json:"lastConnectionEstablishedUtcTime,omitempty"` // "01/02/2006 15:04:05"
}

// Status returns the connection's status. It is Unknown until the first
// tunnel event, then follows them: Connecting, Connected, NotConnected.
// The byte counters are those of the current SA, as last set by
// [Gateway.SetTraffic].
func (g *Gateway) Status() ConnectionStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	tunnel := TunnelConnectionHealth{
		Tunnel:                  g.model.Connection.Name + "_" + g.model.Gateway.PublicIPOf(g.instance),
		ConnectionStatus:        g.status,
		IngressBytesTransferred: g.traffic.ingressBytes,
		EgressBytesTransferred:  g.traffic.egressBytes,
	}
	if !g.established.IsZero() {
		tunnel.LastConnectionEstablishedUtcTime = g.established.UTC().Format(lastEstablishedLayout)
	}
	return ConnectionStatus{
		Status:                    g.status,
		IngressBytesTransferred:   g.traffic.ingressBytes,
		EgressBytesTransferred:    g.traffic.egressBytes,
		Tunnels:                   []TunnelConnectionHealth{tunnel},
		RemoteIP:                  g.remoteIP,
		LastConnectionEstablished: g.established,
		IngressPackets:            g.traffic.ingressPackets,
		EgressPackets:             g.traffic.egressPackets,
		MmsaCount:                 g.mmsa,
		QmsaCount:                 g.qmsa,
	}
}
