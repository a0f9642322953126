package swan

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/strongswan/govici/vici"
)

// DeviceConf is where a gateway keeps its connections as a swanctl.conf
// fragment (included by /etc/swanctl/swanctl.conf), so that its operator
// can read and edit them and reload with `swanctl --load-conns`. Secrets
// are not in it: they stay loaded in charon (or in a secrets file of the
// operator's).
const DeviceConf = "/etc/swanctl/conf.d/vpnlab.conf"

// Swanctl renders conns as a swanctl.conf `connections` section that
// `swanctl --load-conns` loads as the lab's load-conn requests would.
// Certificates are named by file (in /etc/swanctl/x509 and x509ca): a
// connection holding PEM data is refused.
func Swanctl(conns ...Conn) (string, error) {
	var b strings.Builder
	b.WriteString("# The device's IPsec connections. Edit, then reload:\n")
	b.WriteString("#   swanctl --load-conns --uri tcp://127.0.0.1:4502\n")
	b.WriteString("# (--load-conns keeps the loaded keys; the pre-shared key is not in this file)\n")
	b.WriteString("connections {\n")
	for _, c := range conns {
		if inlinePEM(c.LocalCert) || slices.ContainsFunc(c.RemoteCACerts, inlinePEM) {
			return "", fmt.Errorf("swanctl.conf: connection %s holds certificates, not their file names", c.Name)
		}
		m, err := c.message()
		if err != nil {
			return "", err
		}
		if err := writeSection(&b, m, 1); err != nil {
			return "", fmt.Errorf("swanctl.conf: %s: %w", c.Name, err)
		}
	}
	b.WriteString("}\n")
	return b.String(), nil
}

func inlinePEM(s string) bool { return strings.Contains(s, "-----BEGIN") }

func writeSection(b *strings.Builder, m *vici.Message, depth int) error {
	ind := strings.Repeat("  ", depth)
	for _, k := range m.Keys() {
		switch v := m.Get(k).(type) {
		case string:
			fmt.Fprintf(b, "%s%s = %s\n", ind, k, v)
		case []string:
			fmt.Fprintf(b, "%s%s = %s\n", ind, k, strings.Join(v, ","))
		case *vici.Message:
			fmt.Fprintf(b, "%s%s {\n", ind, k)
			if err := writeSection(b, v, depth+1); err != nil {
				return err
			}
			fmt.Fprintf(b, "%s}\n", ind)
		default:
			return errors.New("unexpected value for " + k)
		}
	}
	return nil
}
