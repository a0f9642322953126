package offline

import (
	"strings"

	"github.com/vpnlab/vpnlab/diagnose"
)

// Key material never enters the evidence: lines of a PEM private key block
// are dropped where files are read, and the value after a secret's name is
// replaced wherever a message is stored (diagnose.Redact, which the engine
// applies again to every line it reads).

// redacted replaces a secret's value.
const redacted = diagnose.Redacted

func isKeyBegin(line string) bool {
	return strings.Contains(line, "-----BEGIN") && strings.Contains(line, "PRIVATE KEY")
}

func isKeyEnd(line string) bool {
	return strings.Contains(line, "-----END") && strings.Contains(line, "PRIVATE KEY")
}

func redact(s string) string { return diagnose.Redact(s) }

func isWordByte(c byte) bool {
	c |= 0x20
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}
