package diagnose

import "github.com/vpnlab/vpnlab/diagnose/kb"

// Prepare loads and compiles the knowledge base now, so that the first
// Diagnose does not pay for it: a live run calls it while the lab comes
// up. Diagnose prepares it itself when nobody did.
func Prepare() { kb.Default() }
