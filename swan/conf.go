package swan

import (
	"fmt"
	"slices"
	"strings"
)

// ViciPort is the TCP port charon's vici plugin listens on inside a node.
// The lab publishes it on the host's 127.0.0.1 only: vici has no authentication.
const ViciPort = 4502

// plugins is the explicit plugin list: loading only what the lab uses keeps
// start-up fast and makes the crypto available on every node the same.
// kernel-libipsec provides userspace ESP (the lab's kernel has no ESP).
var plugins = []string{
	"random", "nonce", "aes", "sha1", "sha2", "md5", "hmac", "gcm", "kdf",
	"x509", "revocation", "constraints", "pubkey", "pkcs1", "pkcs7", "pkcs8", "pkcs12", "pem",
	"openssl", "gmp", "curve25519", "kernel-libipsec", "kernel-netlink", "socket-default",
	"vici", "eap-tls", "eap-identity",
}

// ConfOptions tune the strongswan.conf that Conf writes.
type ConfOptions struct {
	LogFile string // charon's log file; "" logs to stderr only
	// RetransmitTries and RetransmitTimeout bound how long charon waits for a
	// dead peer (strongSwan defaults: 5 tries, 4 s, ~165 s in all).
	RetransmitTries   int
	RetransmitTimeout float64
	// Radius, when set, loads eap-radius with this server: the gateway
	// relays its point-to-site clients' EAP to it.
	Radius *RadiusServer
	// EAPClient loads the EAP-MSCHAPv2 method (a point-to-site client
	// that authenticates with a user name and password).
	EAPClient bool
	// OCSP loads the curl fetcher: the revocation plugin asks an OCSP
	// responder about peer certificates (the fake Azure gateway's
	// revoked client certificates).
	OCSP bool
}

// RadiusServer is the RADIUS server eap-radius sends Access-Requests to.
// Its shared secret is written to strongswan.conf only (mode 0600).
type RadiusServer struct {
	Address string
	Secret  string
	// Tries and Timeout bound how long eap-radius waits for an answer
	// (retransmit_tries, retransmit_timeout in seconds, base 1.4).
	Tries   int
	Timeout float64
}

// RoutingTable is the routing table kernel-libipsec installs its CHILD SAs'
// routes in (a responder's: a host route to each point-to-site client's
// virtual IP).
const RoutingTable = 220

// Conf renders strongswan.conf for a lab node. One setting a line: a one-line
// section silently breaks the ones after it.
func Conf(o ConfOptions) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("charon {")
	w("  load_modular = no")
	load := slices.Clone(plugins)
	if o.Radius != nil {
		load = append(load, "eap-radius")
	}
	if o.EAPClient {
		load = append(load, "eap-mschapv2")
	}
	if o.OCSP {
		load = append(load, "curl")
	}
	w("  load = %s", strings.Join(load, " "))
	w("  install_routes = no")
	w("  install_virtual_ip = yes")
	// Validate every peer certificate afresh, as Azure does: a cache would
	// let an expired client certificate pass on a previous one's merit.
	w("  cert_cache = no")
	// kernel-libipsec installs routes into table 220 regardless; keep that
	// table behind main so that only the lab's own routes into ipsec0 count.
	w("  routing_table = %d", RoutingTable)
	w("  routing_table_prio = 40000")
	w("  retry_initiate_interval = 5")
	if o.RetransmitTries > 0 {
		w("  retransmit_tries = %d", o.RetransmitTries)
	}
	if o.RetransmitTimeout > 0 {
		w("  retransmit_timeout = %g", o.RetransmitTimeout)
		w("  retransmit_base = 1.4")
	}
	w("  plugins {")
	w("    vici {")
	w("      socket = tcp://0.0.0.0:%d", ViciPort)
	w("    }")
	if o.OCSP {
		w("    revocation {")
		w("      timeout = 3s")
		w("    }")
	}
	w("    kernel-libipsec {")
	w("      allow_peer_ts = yes")
	w("    }")
	if r := o.Radius; r != nil {
		w("    eap-radius {")
		if r.Tries > 0 {
			w("      retransmit_tries = %d", r.Tries)
		}
		if r.Timeout > 0 {
			w("      retransmit_timeout = %g", r.Timeout)
			w("      retransmit_base = 1.4")
		}
		w("      servers {")
		w("        azure-p2s {")
		w("          address = %s", r.Address)
		w("          secret = %s", r.Secret)
		w("          auth_port = 1812")
		w("        }")
		w("      }")
		w("    }")
	}
	w("  }")
	w("  syslog {")
	w("    identifier = charon")
	w("  }")
	if o.LogFile != "" {
		w("  filelog {")
		w("    charon {")
		w("      path = %s", o.LogFile)
		w("      time_format = %%Y-%%m-%%dT%%H:%%M:%%S")
		w("      ike_name = yes")
		w("      append = no")
		w("      flush_line = yes")
		w("      default = 1")
		w("      ike = 2")
		w("      cfg = 2")
		w("      knl = 1")
		w("    }")
		w("  }")
	}
	w("  stderr {")
	w("    default = 0")
	w("    ike = 1")
	w("  }")
	w("}")
	return b.String()
}
