package contract

// ProbeResult is what a probe prints, one JSON object.
type ProbeResult struct {
	OK     bool    `json:"ok"`
	RTTms  float64 `json:"rtt_ms,omitempty"`
	Banner string  `json:"banner,omitempty"`
	Bytes  int64   `json:"bytes,omitempty"`
	Wanted int64   `json:"wanted,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// Counter is what the router forwarded of one class.
type Counter struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// InstanceAction is the body of POST /vpnlab/instance.
type InstanceAction struct {
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
}

// InstanceState is the answer of GET /vpnlab/instance.
type InstanceState struct {
	Instance string `json:"instance"`
	Active   bool   `json:"active"`  // in service
	Primary  bool   `json:"primary"` // holds the VNet's next hop (active-standby: the active one)
}

// PMTU is the outcome of a path MTU search (sizes are IP packet sizes).
type PMTU struct {
	MaxPassing   int `json:"max_passing"`
	MinSilent    int `json:"min_silent"`
	MinRefused   int `json:"min_refused"`
	ReportedMTU  int `json:"reported_mtu"`
	LargestTried int `json:"largest_tried"`
}

// Tunnel is a gateway's tunnel interface as `vpnlab-node tunnel` prints it:
// its MTU and the TCP MSS clamp in force (0: none).
type Tunnel struct {
	MTU      int `json:"mtu"`
	MSSClamp int `json:"mss_clamp"`
}

// IKEProbe is an IKE_SA_INIT sent to a peer's port, answered or not.
type IKEProbe struct {
	Target   string  `json:"target"`
	Port     int     `json:"port"`
	Sent     int     `json:"sent"`
	Answered bool    `json:"answered"`
	Notify   string  `json:"notify,omitempty"` // the notify the response carried (NO_PROPOSAL_CHOSEN, COOKIE, ...)
	RTTms    float64 `json:"rtt_ms,omitempty"`
	Error    string  `json:"error,omitempty"`
}
