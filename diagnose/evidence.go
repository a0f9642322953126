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
	// Radius is the RADIUS server that authenticates point-to-site users,
	// as its administrator sees it; nil without RADIUS authentication.
	Radius *RadiusServer `json:"radius,omitempty"`

	// Text holds input lines no structured reader took: a paste, a
	// fragment, another vendor's log, a console session. Each keeps where
	// it came from; the engine matches them against the knowledge base's
	// signatures like every log line.
	Text []TextLine `json:"text,omitempty"`

	// Missing names evidence the collector could not get ("onprem", "azure
	// logs", ...), so that the verdict can say what it did not see.
	Missing []string `json:"missing,omitempty"`
}

// TextLine is one line of unstructured input.
type TextLine struct {
	Ref  string    `json:"ref"`           // where it came from, "file:line"
	Time time.Time `json:"time,omitzero"` // when the line carries a time
	Text string    `json:"text"`
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
	// Identity, peer and selectors (configuration as evidence, issue 13).
	LocalAddr  string   `json:"local_addr,omitempty"`
	RemoteAddr string   `json:"remote_addr,omitempty"` // the Azure public IP the device targets
	LocalID    string   `json:"local_id,omitempty"`
	RemoteID   string   `json:"remote_id,omitempty"`
	LocalTS    []string `json:"local_ts,omitempty"`
	RemoteTS   []string `json:"remote_ts,omitempty"`
	// Timers as configured (a scenario may shorten them; these are the
	// values in force). Seconds; ChildRekey false: the device never rekeys
	// its CHILD SA and lets it expire at ChildLifetime.
	IKELifetime   int  `json:"ike_lifetime_seconds,omitempty"`
	ChildLifetime int  `json:"child_lifetime_seconds,omitempty"`
	ChildNoRekey  bool `json:"child_no_rekey,omitempty"`
	// NATKeepalive is the NAT-T keepalive interval in seconds (0: none; nil:
	// not known).
	NATKeepalive *int `json:"nat_keepalive_seconds,omitempty"`
	// BGP addresses and the prefixes the device advertises.
	BGPLocalAddress string   `json:"bgp_local_address,omitempty"`
	BGPPeerAddress  string   `json:"bgp_peer_address,omitempty"`
	Advertised      []string `json:"advertised,omitempty"`
	LAN             []string `json:"lan,omitempty"` // the on-prem prefixes behind the device
}

// IKESA is one IKE SA with its CHILD SAs, as `swanctl --list-sas` shows it.
type IKESA struct {
	State    string    `json:"state"` // ESTABLISHED, CONNECTING, ...
	Local    string    `json:"local"`
	Remote   string    `json:"remote"`
	Children []ChildSA `json:"children,omitempty"`
	// NATLocal: IKE detected a NAT in front of the device (NAT-D).
	NATLocal bool `json:"nat_local,omitempty"`
}

// ChildSA is one CHILD SA. The deltas are over the evidence window.
type ChildSA struct {
	State           string `json:"state"` // INSTALLED, ...
	BytesIn         uint64 `json:"bytes_in"`
	BytesOut        uint64 `json:"bytes_out"`
	PacketsInDelta  uint64 `json:"packets_in_delta"`
	PacketsOutDelta uint64 `json:"packets_out_delta"`
	// Timers at collection, in seconds (0: none or unknown): since the SA
	// was installed, until the device rekeys it, until it expires.
	InstalledSeconds int    `json:"installed_seconds,omitempty"`
	RekeyInSeconds   int    `json:"rekey_in_seconds,omitempty"`
	ExpiresInSeconds int    `json:"expires_in_seconds,omitempty"`
	DHGroup          string `json:"dh_group,omitempty"` // the PFS group negotiated, if any
	// The traffic selectors negotiated (what the SA carries).
	LocalTS  []string `json:"local_ts,omitempty"`
	RemoteTS []string `json:"remote_ts,omitempty"`
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
	Ref     string    `json:"ref,omitempty"` // where the line came from, "file:line"
}

// AzureSide is the Azure VPN gateway as the portal, the API and Azure Monitor show it.
type AzureSide struct {
	ConnectionStatus string `json:"connection_status"` // Connected, Connecting, NotConnected, Unknown
	// IngressDelta and EgressDelta are the connection's byte counters'
	// growth over the window (ingress: from on-prem into Azure).
	IngressBytes uint64 `json:"ingress_bytes"`
	EgressBytes  uint64 `json:"egress_bytes"`
	IngressDelta uint64 `json:"ingress_delta"`
	EgressDelta  uint64 `json:"egress_delta"`
	// CountersSinceStart says that the deltas are the counters themselves
	// (one reading, as in an exported connection resource: what crossed
	// since the connection came up), not their growth over the window
	// the device's counters cover.
	CountersSinceStart bool           `json:"counters_since_start,omitempty"`
	BGPPeers           []AzureBGPPeer `json:"bgp_peers,omitempty"`
	Logs               []AzureLog     `json:"logs,omitempty"` // AzureDiagnostics rows of the window
	Config             AzureConfig    `json:"config"`
	// Activity is the Activity Log (control-plane writes with caller and
	// time) of the window.
	Activity []ActivityEvent `json:"activity_log,omitempty"`
	// VMNIC names the Azure VM's network interface and EffectiveRoutes
	// holds its effective routes at collection.
	VMNIC           string           `json:"vm_nic,omitempty"`
	VMAddress       string           `json:"vm_address,omitempty"`
	EffectiveRoutes []EffectiveRoute `json:"vm_effective_routes,omitempty"`
}

// ActivityEvent is one Azure Activity Log entry.
type ActivityEvent struct {
	Time      time.Time `json:"time"`
	Operation string    `json:"operation"` // e.g. Microsoft.Network/connections/write
	Resource  string    `json:"resource"`
	Caller    string    `json:"caller"`
	Status    string    `json:"status"`
	Changed   []string  `json:"changed,omitempty"` // properties the write changed
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
	Ref       string    `json:"ref,omitempty"` // where the row came from, "file:line"
}

// AzureConfig is the Azure side's configuration as the portal shows it.
type AzureConfig struct {
	GatewayASN      uint32 `json:"gateway_asn,omitempty"`
	LocalGatewayASN uint32 `json:"local_gateway_asn,omitempty"` // the on-prem ASN registered in the local network gateway
	CustomPolicy    bool   `json:"custom_policy"`
	BGPEnabled      bool   `json:"bgp_enabled"`
	// The Azure model as the portal shows it (configuration as evidence).
	ConnectionProtocol  string       `json:"connection_protocol,omitempty"` // IKEv2 or IKEv1
	PublicIPs           []string     `json:"public_ips,omitempty"`
	VNetPrefixes        []string     `json:"vnet_prefixes,omitempty"`
	GatewayBGPAddresses []string     `json:"gateway_bgp_addresses,omitempty"`
	LocalGatewayIP      string       `json:"local_gateway_ip,omitempty"` // the device's address Azure expects (and its IKE identity)
	LocalGatewayPrefix  []string     `json:"local_gateway_prefixes,omitempty"`
	LocalGatewayBGPAddr string       `json:"local_gateway_bgp_address,omitempty"`
	PolicyBasedTS       bool         `json:"use_policy_based_traffic_selectors,omitempty"`
	DPDTimeout          int          `json:"dpd_timeout_seconds,omitempty"`
	Policy              *AzurePolicy `json:"ipsec_policy,omitempty"` // the custom policy; nil: Azure's defaults
	P2S                 *P2SConfig   `json:"p2s,omitempty"`
	// The VNet's routing: its subnets (with their route table), peered
	// VNets and route tables (user-defined routes).
	Subnets     []AzureSubnet     `json:"subnets,omitempty"`
	Peerings    []AzurePeering    `json:"peerings,omitempty"`
	RouteTables []AzureRouteTable `json:"route_tables,omitempty"`
}

// AzureSubnet is a subnet of the VNet and the route table associated with it.
type AzureSubnet struct {
	Name       string `json:"name"`
	Prefix     string `json:"prefix"`
	RouteTable string `json:"route_table,omitempty"`
}

// AzurePeering is a VNet peering and the remote VNet's address space.
type AzurePeering struct {
	Name         string   `json:"name"`
	RemoteVNet   string   `json:"remote_vnet"`
	RemotePrefix []string `json:"remote_prefixes"`
}

// AzureRouteTable is a route table (Microsoft.Network/routeTables).
type AzureRouteTable struct {
	Name               string     `json:"name"`
	DisablePropagation bool       `json:"disable_bgp_route_propagation,omitempty"`
	Routes             []AzureUDR `json:"routes,omitempty"`
}

// AzureUDR is a user-defined route.
type AzureUDR struct {
	Name      string `json:"name"`
	Prefix    string `json:"prefix"`
	NextHop   string `json:"next_hop_type"`
	NextHopIP string `json:"next_hop_ip,omitempty"`
}

// EffectiveRoute is one route of a NIC's effective routes, as
// az network nic show-effective-route-table lists it.
type EffectiveRoute struct {
	Source    string   `json:"source"` // Default, User, VirtualNetworkGateway
	State     string   `json:"state"`  // Active, Invalid
	Prefixes  []string `json:"address_prefix"`
	NextHop   string   `json:"next_hop_type"`
	NextHopIP []string `json:"next_hop_ip,omitempty"`
	Name      string   `json:"name,omitempty"` // the user route's name
}

// AzurePolicy is a connection's custom IPsec/IKE policy, Azure's names.
type AzurePolicy struct {
	IKEEncryption   string `json:"ike_encryption"`
	IKEIntegrity    string `json:"ike_integrity"`
	DHGroup         string `json:"dh_group"`
	IPsecEncryption string `json:"ipsec_encryption"`
	IPsecIntegrity  string `json:"ipsec_integrity"`
	PFSGroup        string `json:"pfs_group"`
	SALifetime      int    `json:"sa_lifetime_seconds"`
}

// P2SConfig is the gateway's point-to-site configuration.
type P2SConfig struct {
	AddressPool []string `json:"address_pool,omitempty"`
	AuthTypes   []string `json:"auth_types,omitempty"`
	RootNames   []string `json:"root_names,omitempty"`
	Revoked     []string `json:"revoked_thumbprints,omitempty"`
	// RadiusServer is the RADIUS server address the gateway sends its
	// Access-Requests to (radiusServerAddress; the secret is never shown).
	RadiusServer string `json:"radius_server,omitempty"`
}

// RadiusServer is a RADIUS server's own view: its address, the clients it
// answers (never their secrets) and its log of the window.
type RadiusServer struct {
	Address string         `json:"address"`
	Clients []RadiusClient `json:"clients,omitempty"`
	Log     []LogLine      `json:"log,omitempty"`
}

// RadiusClient is one of a RADIUS server's client entries.
type RadiusClient struct {
	Name   string `json:"name"`
	Prefix string `json:"prefix"` // the addresses it answers
}

// Path is what the internet between the sites forwarded during the window,
// per direction ("to_azure", "to_onprem") and class.
type Path struct {
	ToAzure  PathCounters `json:"to_azure"`
	ToOnprem PathCounters `json:"to_onprem"`
	// NAT is a NAT on the path in front of the device, as its settings
	// show it; nil: none.
	NAT *PathNAT `json:"nat,omitempty"`
}

// PathNAT is a NAT's translation of the device and its UDP timeout.
type PathNAT struct {
	Inside     string `json:"inside"`              // the address it translates
	UDPTimeout int    `json:"udp_timeout_seconds"` // an idle mapping is forgotten after this
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
	// Route is the probing host's route to the target as `ip route get`
	// shows it ("198.19.1.4 via 198.18.10.1 dev eth0 ..."), and Gateway
	// the VPN device's address on that host's LAN.
	Route   string `json:"route,omitempty"`
	Gateway string `json:"gateway,omitempty"`
	// Reverse is a ping from the target back to the probing host, taken
	// when the forward ping failed: one-way traffic shows here.
	Reverse *PingResult `json:"reverse_ping,omitempty"`
	// IKE are IKE_SA_INIT requests sent from the device's address to each
	// of the gateway's public IPs on UDP 500 and 4500, answered or not (a
	// peer reachability check; taken when the device has no IKE SA up).
	IKE []IKEProbe `json:"ike,omitempty"`
}

// IKEProbe is one IKE_SA_INIT reachability probe.
type IKEProbe struct {
	Target   string `json:"target"`
	Port     int    `json:"port"`
	Answered bool   `json:"answered"`
	Notify   string `json:"notify,omitempty"` // what the response carried (NO_PROPOSAL_CHOSEN, COOKIE, ...)
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
	// NoCert says the client holds no certificate with its private key at
	// all (Cert describes the one it holds otherwise).
	NoCert bool `json:"no_cert,omitempty"`
	// EAP is the EAP method a client that authenticates with a user name
	// and password uses ("eap-mschapv2"), and User that name; empty for
	// certificate authentication.
	EAP  string `json:"eap,omitempty"`
	User string `json:"user,omitempty"`
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
