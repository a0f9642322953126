package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// progName is how the running binary is invoked, for messages: "bin/vpnlab"
// when run from the repository, "vpnlab" when it is the one on PATH.
var progName = prog(os.Args[0])

func prog(arg0 string) string {
	if arg0 == "" || strings.HasSuffix(arg0, ".test") {
		return "vpnlab"
	}
	if !strings.Contains(arg0, "/") {
		return arg0 // found on PATH
	}
	base := filepath.Base(arg0)
	if p, err := exec.LookPath(base); err == nil {
		a, _ := filepath.Abs(arg0)
		b, _ := filepath.Abs(p)
		if a == b {
			return base
		}
	}
	return arg0 // bin/vpnlab, ./vpnlab, /opt/x/vpnlab
}
