package diagnose

import "time"

// Evidence is everything an engineer could see of one incident: both VPN
// devices, the Azure side (portal, API, diagnostic logs), the path between
// them and data-plane probes. It is built by a collector (a live lab, a
// saved bundle, a real device's logs) and is plain data; it carries no
// scenario name and no secret. Absent parts are nil or empty and named in
// Missing.
type Evidence struct {
	// CollectedAt is when the evidence was taken; the engine reads the time
	// from here, never from a clock.
	CollectedAt time.Time `json:"collected_at"`
	// WindowStart is the start of the period the logs and counter deltas cover.
	WindowStart time.Time `json:"window_start"`

	Onprem *Device     `json:"onprem,omitempty"` // the on-prem VPN device
	Azure  *AzureSide  `json:"azure,omitempty"`  // the Azure VPN gateway as Azure shows it
	Path   *Path       `json:"path,omitempty"`   // what crossed the internet between them
	Probes *Probes     `json:"probes,omitempty"` // data-plane tests from the on-prem LAN
	P2S    []P2SClient `json:"p2s,omitempty"`    // point-to-site clients

	// Missing names evidence the collector could not get ("onprem", "azure
	// logs", ...), so that the verdict can say what it did not see.
	Missing []string `json:"missing,omitempty"`
}

// Device is a VPN device's own view (site-to-site): its SAs, its BGP speaker,
// its log and the relevant part of its configuration.
type Device struct {
	IKE    []IKESA      `json:"ike_sas"`
	BGP    []BGPPeer    `json:"bgp_peers,omitempty"`
	Routes []string     `json:"tunnel_routes,omitempty"` // prefixes routed into the tunnel
	Log    []LogLine    `json:"log,omitempty"`           // charon and BGP lines of the window
	Config DeviceConfig `json:"config"`
}

// DeviceConfig is what the device is configured with (never a key).
type DeviceConfig struct {
	IKEVersion   int      `json:"ike_version,omitempty"`
	IKEProposals []string `json:"ike_proposals,omitempty"`
	ESPProposals []string `json:"esp_proposals,omitempty"`
	LocalASN     uint32   `json:"local_asn,omitempty"`
	PeerASN      uint32   `json:"peer_asn,omitempty"` // the ASN configured for Azure's side
	TunnelMTU    int      `json:"tunnel_mtu,omitempty"`
	MSSClamp     int      `json:"mss_clamp,omitempty"`
	DPDDelay     int      `json:"dpd_delay_seconds,omitempty"`
}

// IKESA is one IKE SA with its CHILD SAs, as `swanctl --list-sas` shows it.
type IKESA struct {
	State    string    `json:"state"` // ESTABLISHED, CONNECTING, ...
	Local    string    `json:"local"`
	Remote   string    `json:"remote"`
	Children []ChildSA `json:"children,omitempty"`
}

// ChildSA is one CHILD SA. The deltas are over the evidence window.
type ChildSA struct {
	State           string `json:"state"` // INSTALLED, ...
	BytesIn         uint64 `json:"bytes_in"`
	BytesOut        uint64 `json:"bytes_out"`
	PacketsInDelta  uint64 `json:"packets_in_delta"`
	PacketsOutDelta uint64 `json:"packets_out_delta"`
}

// BGPPeer is the device's BGP neighbour.
type BGPPeer struct {
	Neighbor          string `json:"neighbor"`
	State             string `json:"state"` // IDLE, CONNECT, ACTIVE, OPENSENT, OPENCONFIRM, ESTABLISHED
	LocalASN          uint32 `json:"local_asn"`
	PeerASN           uint32 `json:"peer_asn"` // as configured
	RoutesReceived    uint64 `json:"routes_received"`
	NotificationsSent uint64 `json:"notifications_sent"`
	NotificationsRcvd uint64 `json:"notifications_received"`
}

// LogLine is one line of a device's log.
type LogLine struct {
	Time    time.Time `json:"time"`
	Source  string    `json:"source"` // charon, bgp, node
	Message string    `json:"message"`
}

// AzureSide is the Azure VPN gateway as the portal, the API and Azure Monitor show it.
type AzureSide struct {
	ConnectionStatus string `json:"connection_status"` // Connected, Connecting, NotConnected, Unknown
	// IngressDelta and EgressDelta are the connection's byte counters'
	// growth over the window (ingress: from on-prem into Azure).
	IngressBytes uint64         `json:"ingress_bytes"`
	EgressBytes  uint64         `json:"egress_bytes"`
	IngressDelta uint64         `json:"ingress_delta"`
	EgressDelta  uint64         `json:"egress_delta"`
	BGPPeers     []AzureBGPPeer `json:"bgp_peers,omitempty"`
	Logs         []AzureLog     `json:"logs,omitempty"` // AzureDiagnostics rows of the window
	Config       AzureConfig    `json:"config"`
}

// AzureBGPPeer is one row of getBgpPeerStatus.
type AzureBGPPeer struct {
	Neighbor       string `json:"neighbor"`
	ASN            uint32 `json:"asn"`
	State          string `json:"state"` // Unknown, Stopped, Idle, Connecting, Connected
	RoutesReceived int64  `json:"routes_received"`
}

// AzureLog is one AzureDiagnostics row.
type AzureLog struct {
	Time      time.Time `json:"time"`
	Category  string    `json:"category"` // GatewayDiagnosticLog, TunnelDiagnosticLog, RouteDiagnosticLog, IKEDiagnosticLog, P2SDiagnosticLog
	Operation string    `json:"operation"`
	Level     string    `json:"level,omitempty"`
	Message   string    `json:"message,omitempty"`
	Instance  string    `json:"instance,omitempty"` // GatewayTenantWorker_IN_0
	Status    string    `json:"status,omitempty"`
	RemoteIP  string    `json:"remote_ip,omitempty"`
	Reason    string    `json:"reason,omitempty"`
}

// AzureConfig is the Azure side's configuration as the portal shows it.
type AzureConfig struct {
	GatewayASN      uint32 `json:"gateway_asn,omitempty"`
	LocalGatewayASN uint32 `json:"local_gateway_asn,omitempty"` // the on-prem ASN registered in the local network gateway
	CustomPolicy    bool   `json:"custom_policy"`
	BGPEnabled      bool   `json:"bgp_enabled"`
}

// Path is what the internet between the sites forwarded during the window,
// per direction ("to_azure", "to_onprem") and class.
type Path struct {
	ToAzure  PathCounters `json:"to_azure"`
	ToOnprem PathCounters `json:"to_onprem"`
}

// PathCounters counts packets of each class.
type PathCounters struct {
	IKE500  uint64 `json:"ike_udp500"`
	IKE4500 uint64 `json:"ike_udp4500"`
	ESP4500 uint64 `json:"esp_udp4500"` // ESP in UDP (NAT-T)
	ESP     uint64 `json:"esp"`         // raw ESP (IP protocol 50)
}

// Probes are data-plane tests from the on-prem LAN to a VM in Azure.
type Probes struct {
	Target     string      `json:"target"`
	Ping       *PingResult `json:"ping,omitempty"`
	TCPConnect *TCPResult  `json:"tcp_connect,omitempty"`
	TCPBulk    *TCPResult  `json:"tcp_bulk,omitempty"` // a transfer of full-size segments
	PMTU       *PMTUResult `json:"pmtu,omitempty"`
}

// PingResult is a run of small ICMP echoes.
type PingResult struct {
	Sent     int `json:"sent"`
	Received int `json:"received"`
}

// TCPResult is a TCP connect or transfer.
type TCPResult struct {
	OK     bool   `json:"ok"`
	Bytes  int64  `json:"bytes,omitempty"`
	Wanted int64  `json:"wanted,omitempty"`
	Error  string `json:"error,omitempty"`
}

// PMTUResult is a search for the largest packet that crosses the path with
// DF set, without relying on ICMP (RFC 4821/8899): a timeout means too big.
type PMTUResult struct {
	MaxPassing   int `json:"max_passing"`  // largest IP packet that got an answer
	MinSilent    int `json:"min_silent"`   // smallest that was silently lost (0: none)
	MinRefused   int `json:"min_refused"`  // smallest refused with "fragmentation needed" (0: none)
	ReportedMTU  int `json:"reported_mtu"` // the MTU the refusal named
	LargestTried int `json:"largest_tried"`
}

// P2SClient is one point-to-site client: its state and its certificate.
type P2SClient struct {
	Name      string     `json:"name"`
	Connected bool       `json:"connected"`
	VirtualIP string     `json:"virtual_ip,omitempty"`
	Log       []LogLine  `json:"log,omitempty"`
	Cert      *CertInfo  `json:"cert,omitempty"`
	Roots     []CertInfo `json:"gateway_roots,omitempty"` // roots uploaded to the gateway
}

// CertInfo is certificate metadata (never a key).
type CertInfo struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	EKU        []string  `json:"eku,omitempty"` // "clientAuth", "serverAuth"
	Thumbprint string    `json:"thumbprint"`    // SHA-1, upper-case hex, as Azure lists it
	Revoked    bool      `json:"revoked,omitempty"`
}
