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
	NetworkWatcher string `json:"network_watcher,omitempty"`
	// UserError is what a point-to-site user sees on the client (Windows /
	// Azure VPN Client, seed 003), so a help-desk ticket can be matched.
	UserError string `json:"user_error,omitempty"`
	// Latent, when set, says the fault has not bitten yet: the tunnel is up
	// now, and what will fail, and when.
	Latent     string  `json:"latent,omitempty"`
	Confidence float64 `json:"confidence"` // 0..1
	// Missing says what evidence was absent and would have helped.
	Missing []string `json:"missing,omitempty"`

	// Cited are the input lines the verdict rests on, with the signature
	// each matched.
	Cited []Citation `json:"cited,omitempty"`
	// Candidates are the other faults the lines point at, nearest first:
	// what else it could be.
	Candidates []Candidate `json:"candidates,omitempty"`
	// CollectNext says what to collect next to confirm or decide: which
	// log, which command, on which side.
	CollectNext []string `json:"collect_next,omitempty"`
	// Families are the log families recognised among the lines, and
	// Unplaced the number of lines no family or signature recognised.
	Families []FamilyCount `json:"families,omitempty"`
	Lines    int           `json:"lines,omitempty"`
	Unplaced int           `json:"unplaced,omitempty"`
}

// Citation is one input line a verdict rests on.
type Citation struct {
	Ref       string `json:"ref"` // "file:line", or the live source ("onprem charon")
	Line      string `json:"line"`
	Signature string `json:"signature"`
	Fault     string `json:"fault"`
	Strength  string `json:"strength"`
}

// Candidate is a fault the evidence also points at.
type Candidate struct {
	Category   string  `json:"category"`
	Fault      string  `json:"fault"`
	Confidence float64 `json:"confidence"`
	Why        string  `json:"why"`
}

// FamilyCount is how many lines of a log family were recognised.
type FamilyCount struct {
	Family string `json:"family"`
	Lines  int    `json:"lines"`
}

// Step is one numbered step of a fix, with the source it follows.
type Step struct {
	N      int    `json:"n"`
	Text   string `json:"text"`
	Source string `json:"source"`           // e.g. "seed 000 §5.3 対処法①"
	Azure  string `json:"azure,omitempty"`  // portal path or az command
	Device string `json:"device,omitempty"` // device command
}
