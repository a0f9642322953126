package diagnose

// Categories (seed 000 §5.1) and the two verdicts that are not faults.
const (
	TunnelSetup    = "tunnel-setup"   // ① IKE never completes: ports, PSK, IKE/IPsec policy
	Authentication = "authentication" // ② certificates / Entra ID (P2S)
	Routing        = "routing"        // ③ connected, but traffic does not arrive
	Operations     = "operations"     // ④ change, expiry, MTU, keepalive, maintenance
	Healthy        = "healthy"
	Unknown        = "unknown"
)

// Verdict is the engine's conclusion, printable and JSON-serialisable.
type Verdict struct {
	Category string `json:"category"`
	Fault    string `json:"fault"` // e.g. shared-key-mismatch; "" when healthy or unknown
	Summary  string `json:"summary"`
	// Facts are the observations that led to the verdict, in the order
	// they were weighed.
	Facts []string `json:"facts"`
	Fix   []Step   `json:"fix,omitempty"`
	// NetworkWatcher is the fault id Azure Network Watcher's VPN
	// troubleshoot would report, where one exists.
	NetworkWatcher string  `json:"network_watcher,omitempty"`
	Confidence     float64 `json:"confidence"` // 0..1
	// Missing says what evidence was absent and would have helped.
	Missing []string `json:"missing,omitempty"`
}

// Step is one numbered step of a fix, with the source it follows.
type Step struct {
	N      int    `json:"n"`
	Text   string `json:"text"`
	Source string `json:"source"` // e.g. "seed 000 §5.3 対処法①"
}
