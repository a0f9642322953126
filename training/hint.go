package training

import (
	"fmt"
	"strings"

	"github.com/vpnlab/vpnlab/diagnose"
)

// Hint levels: where to look, what is wrong there, the fix.
const (
	LevelWhere = 1
	LevelWhat  = 2
	LevelFix   = 3
	MaxLevel   = LevelFix
)

// Hint is one progressive hint.
type Hint struct {
	Level int      `json:"level"`
	Title string   `json:"title"`
	Lines []string `json:"lines"`
}

func (h Hint) String() string {
	return fmt.Sprintf("Hint %d of %d (%s):\n  %s", h.Level, MaxLevel, h.Title, strings.Join(h.Lines, "\n  "))
}

// where says where to look for each fault the engine names, in the terms
// of the views a trainee has; the category's entry serves the rest.
var where = map[string]string{
	"shared-key-mismatch":        "the IKE_AUTH exchange on both ends: the device's charon log and the connection's IKEDiagnosticLog",
	"ike-policy-mismatch":        "the IKE_SA_INIT exchange: the proposals in the device's charon log and the IKEDiagnosticLog",
	"ipsec-policy-mismatch":      "the CHILD SA negotiation: the ESP proposals in the device's charon log and the IKEDiagnosticLog",
	"esp-blocked":                "the path between the gateways: the internet router's counters per protocol and the CHILD SAs' byte counters",
	"mtu-blackhole":              "the data plane with packets of different sizes (ping -M do -s N from onprem-host) and the router's counters",
	"bgp-asn-mismatch":           "the BGP sessions: the device's GoBGP neighbour, the portal's BGP peers and the RouteDiagnosticLog",
	"certificate-expired":        "the point-to-site client: its charon log, its certificate and the P2SDiagnosticLog",
	"maintenance-failover":       "the gateway's history: GatewayDiagnosticLog and TunnelDiagnosticLog in the portal (which instance, when)",
	"instance-failure":           "the gateway's history: GatewayDiagnosticLog and TunnelDiagnosticLog in the portal (which instance, when)",
	"wrong-peer-address":         "where the device sends IKE: its charon log and swanctl.conf against the gateway's public IP in the portal",
	"ike-version-mismatch":       "the IKE exchange each end expects: the device's charon log and swanctl.conf, the connection's IKE protocol and IKEDiagnosticLog",
	"ike-identity-mismatch":      "the identities exchanged in IKE_AUTH: the device's charon log, the IKEDiagnosticLog and the local network gateway's IP address",
	"pfs-mismatch":               "the CHILD SA over time, at its rekey: the device's charon log (CREATE_CHILD_SA) and the IKEDiagnosticLog",
	"traffic-selector-mismatch":  "the CHILD SA's traffic selectors on both ends (swanctl --list-sas) and what the portal's connection drops",
	"ike-ports-blocked":          "the path between the gateways: the internet router's counters for UDP 500 and 4500 and the device's IKE retransmits",
	"peer-unreachable":           "whether the device's IKE packets reach Azure: the device's charon log (retransmits) and the internet router's counters",
	"keepalive-nat-timeout":      "the data plane in both directions after a quiet spell, and what sits on the path in front of the device",
	"client-certificate-missing": "the point-to-site client: the certificates it holds (/etc/swanctl), its charon log and the P2SDiagnosticLog",
	"certificate-untrusted":      "the point-to-site client's certificate chain against the portal's Point-to-site configuration (root certificates), and the P2SDiagnosticLog",
	"radius-unreachable":         "the gateway's Point-to-site configuration (RADIUS server address) against the RADIUS server's address, the P2SDiagnosticLog and the RADIUS server's log (/var/log/freeradius/radius.log in azure-radius)",
	"radius-secret-mismatch":     "the RADIUS server's log (/var/log/freeradius/radius.log in azure-radius) for the gateway's requests, and the gateway's Point-to-site configuration (server secret)",
	"p2s-pool-overlap":           "the portal's Point-to-site configuration (address pool) against the VNet's and the local network gateway's address spaces, and the address the P2S client was given",
	"client-certificate-eku":     "the point-to-site client's certificate (its Enhanced Key Usage, openssl x509 -text on /etc/swanctl/x509), the P2SDiagnosticLog and, with RADIUS certificate authentication, the RADIUS server's log (/var/log/freeradius/radius.log in azure-radius)",
	"client-certificate-revoked": "the portal's Point-to-site configuration (revoked certificates) against the client certificate's thumbprint, and the P2SDiagnosticLog",
	"root-certificate-expired":   "the certificates on both ends of point-to-site: the client's, the portal's root certificates, and the P2SDiagnosticLog",
	"bgp-peer-address-mismatch":  "the BGP sessions: the address each side peers with (gobgp neighbor on the device, the portal's BGP peers, the local network gateway's BGP settings)",
	"lng-prefix-missing":         "what Azure routes back to the branch: the local network gateway's address space and the portal's learned routes",
	"bgp-prefix-not-advertised":  "the routes exchanged over BGP: what the device advertises (gobgp global rib) and what the portal learned",
	"return-route-missing":       "the path back from the branch LAN: traffic in each direction, onprem-host's routes and the router's counters",
	"route-missing":              "routes on both sides: the portal's learned routes and the device's routing table",
	"sa-lifetime-mismatch":       "the CHILD SA over time: when each end rekeys or lets it expire (the device's charon log, TunnelDiagnosticLog)",
	"config-change":              "what changed on the Azure side and when: the Activity Log and the TunnelDiagnosticLog timeline",
	"address-space-overlap":      "where the Azure VM's answers go: its effective routes for the branch's addresses and the VNet's peerings",
	"udr-override":               "where the Azure VM's answers go: its effective routes for the branch's addresses and the route tables on its subnet",
	diagnose.TunnelSetup:         "the IKE negotiation on both ends: the device's charon log and the connection's IKEDiagnosticLog",
	diagnose.Authentication:      "the client's certificate and credentials, and the gateway's P2SDiagnosticLog",
	diagnose.Routing:             "routes and BGP: the BGP peers and learned routes on both sides, the RouteDiagnosticLog",
	diagnose.Operations:          "what changed over time: the Tunnel and GatewayDiagnosticLog timeline and the data plane",
}

// Next returns hint level (1..MaxLevel) drawn from the engine's verdict.
// prog is the command a message should print ("bin/vpnlab"); every
// occurrence of a word in hide (the scenario's name) is scrubbed.
func Next(v diagnose.Verdict, level int, prog string, hide ...string) Hint {
	level = max(1, min(level, MaxLevel))
	h := Hint{Level: level}
	switch v.Category {
	case diagnose.Healthy:
		h.Title = "nothing left"
		h.Lines = []string{"The engine sees nothing wrong now. Run `" + prog + " check` to confirm."}
		return scrub(h, hide)
	case diagnose.Unknown, "":
		h.Title = "not enough evidence"
		h.Lines = []string{"The engine cannot tell yet. Look at `" + prog + " lab status` and the portal's diagnostic logs."}
		for _, c := range v.CollectNext {
			h.Lines = append(h.Lines, "Collect: "+c)
		}
		return scrub(h, hide)
	}
	switch level {
	case LevelWhere:
		h.Title = "where to look"
		w := where[v.Fault]
		if w == "" {
			w = where[v.Category]
		}
		h.Lines = []string{"Look at " + w + ".",
			"Views: `" + prog + " lab status`, `" + prog + " ui` (portal and device), `" + prog + " lab exec NODE -- CMD`."}
	case LevelWhat:
		h.Title = "what is wrong there"
		h.Lines = []string{v.Summary}
		for i, f := range v.Facts {
			if i == 3 {
				break
			}
			h.Lines = append(h.Lines, "- "+f)
		}
		h.Lines = append(h.Lines, fmt.Sprintf("When you are sure: `%s answer --category C --fault F`.", prog))
	default:
		h.Title = "the fix"
		for _, s := range v.Fix {
			line := fmt.Sprintf("%d. %s [%s]", s.N, s.Text, s.Source)
			if s.Azure != "" {
				line += "\n     Azure: " + s.Azure
			}
			if s.Device != "" {
				line += "\n     device: " + s.Device
			}
			h.Lines = append(h.Lines, line)
		}
		h.Lines = append(h.Lines, fmt.Sprintf("Then `%s check`.", prog))
	}
	return scrub(h, hide)
}

func scrub(h Hint, hide []string) Hint {
	for i, l := range h.Lines {
		for _, w := range hide {
			if w != "" {
				l = replaceFold(l, w, "[hidden]")
			}
		}
		h.Lines[i] = l
	}
	return h
}

// replaceFold replaces every case-insensitive occurrence of old in s.
func replaceFold(s, old, repl string) string {
	ls, lo := strings.ToLower(s), strings.ToLower(old)
	var b strings.Builder
	for {
		i := strings.Index(ls, lo)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, ls = s[i+len(old):], ls[i+len(old):]
	}
}
