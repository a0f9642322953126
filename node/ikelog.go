package node

import (
	"regexp"
	"strings"
)

// ikeLine is one IKEDiagnosticLog entry derived from a charon log line.
type ikeLine struct{ level, dir, text string }

// ikeRules map charon's messages to the wording of Azure's IKE logs
// (troubleshoot-vpn-with-azure-diagnostics; Network Watcher IKEErrors.txt).
var ikeRules = []struct {
	contains string
	line     ikeLine
}{
	{"parsed IKE_SA_INIT request", ikeLine{"Informational", "RECEIVED", "[SA_INIT] Received IKE SA_INIT message"}},
	{"generating IKE_SA_INIT response", ikeLine{"Informational", "SEND", "[SA_INIT] Sending IKE SA_INIT response"}},
	{"parsed IKE_AUTH request", ikeLine{"Informational", "RECEIVED", "[SA_AUTH] Received IKE AUTH message"}},
	{"but MAC mismatched", ikeLine{"Error", "LOCAL", "Authentication failed. Check shared key. Check crypto. Check lifetimes. (13801)"}},
	{"no acceptable proposal found", ikeLine{"Error", "SEND", "[NOTIFY] Sending Notify Message - Policy Mismatch"}},
	{"received proposals", ikeLine{"Informational", "RECEIVED", ""}},
	// charon names notifies it sends in short form, those it receives in long form.
	{"N(NO_PROP)", ikeLine{"Error", "SEND", "[NOTIFY] Sending Notify Message - NO_PROPOSAL_CHOSEN"}},
	{"N(AUTH_FAILED)", ikeLine{"Error", "SEND", "[NOTIFY] Sending Notify Message - AUTHENTICATION_FAILED"}},
	{"N(TS_UNACCEPT)", ikeLine{"Error", "SEND", "[NOTIFY] Sending Notify Message - TS_UNACCEPTABLE"}},
	{"received NO_PROPOSAL_CHOSEN", ikeLine{"Error", "RECEIVED", "[NOTIFY] On-premises device rejected Quick Mode settings. Check values."}},
	{"received AUTHENTICATION_FAILED", ikeLine{"Error", "RECEIVED", "[NOTIFY] Received Notify Message - AUTHENTICATION_FAILED"}},
	{"received TS_UNACCEPTABLE", ikeLine{"Error", "RECEIVED", "[NOTIFY] Received Notify Message - TS_UNACCEPTABLE"}},
	{"failed to establish CHILD_SA", ikeLine{"Error", "LOCAL", "IkeCleanupQMNegotiation called with error 13868"}},
	{"established between", ikeLine{"Informational", "LOCAL", ""}},
	{"deleting IKE_SA", ikeLine{"Informational", "LOCAL", ""}},
	{"received DELETE for IKE_SA", ikeLine{"Informational", "RECEIVED", "[DELETE] Received IKE SA delete"}},
	{"giving up after", ikeLine{"Warning", "LOCAL", "Peer not responding: giving up after retransmits"}},
	{"retransmit", ikeLine{"Warning", "SEND", ""}},
}

// ikeMessage maps one charon line; lines with no rule are not logged, rules
// with an empty text log charon's own words.
func ikeMessage(msg string) ikeLine {
	for _, r := range ikeRules {
		if strings.Contains(msg, r.contains) {
			l := r.line
			if l.text == "" {
				l.text = msg
			}
			return l
		}
	}
	return ikeLine{}
}

var ipRE = regexp.MustCompile(`\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\b`)

// remoteOf picks the peer address out of a charon message: the first
// address that is not the gateway's own.
func remoteOf(msg, local string) string {
	for _, a := range ipRE.FindAllString(msg, -1) {
		if a != local {
			return a
		}
	}
	return ""
}

// disconnectReason names why a tunnel went down, from charon's words.
func disconnectReason(msg string) string {
	switch {
	case strings.Contains(msg, "giving up after"):
		return "Peer not responding (DPD timeout)"
	case strings.Contains(msg, "received DELETE for IKE_SA"):
		return "Peer deleted IKE SA"
	case strings.Contains(msg, "received DELETE for ESP CHILD_SA"):
		return "Peer deleted CHILD SA"
	case strings.Contains(msg, "MAC mismatched"):
		return "Authentication failed"
	}
	return ""
}

// p2sLog reports whether a charon line belongs to a certificate-authenticated
// (point-to-site) exchange, which Azure logs in P2SDiagnosticLog.
func p2sLog(msg string) bool {
	for _, k := range []string{"certificate", "RSA signature", "constraint check failed", "no trusted RSA public key", "RADIUS"} {
		if strings.Contains(msg, k) {
			return true
		}
	}
	return false
}

// p2sFailure names why a point-to-site client was refused, from charon's words.
func p2sFailure(msg string) string {
	switch {
	case strings.Contains(msg, "expired") || strings.Contains(msg, "not valid"):
		return "client certificate is not valid at this time (expired or not yet valid): " + msg
	case strings.Contains(msg, "no issuer certificate found") || strings.Contains(msg, "no trusted"):
		return "client certificate does not chain to an uploaded root certificate: " + msg
	case strings.Contains(msg, "constraint check failed"):
		return "client certificate failed a constraint check: " + msg
	case strings.Contains(msg, "revoked"):
		return "client certificate is revoked: " + msg
	case strings.Contains(msg, "RADIUS") && strings.Contains(msg, "timed out"):
		return "no response from the RADIUS server: " + msg
	case strings.Contains(msg, "RADIUS") && (strings.Contains(msg, "Access-Reject") || strings.Contains(msg, "verification failed")):
		return "RADIUS authentication failed: " + msg
	}
	return ""
}
