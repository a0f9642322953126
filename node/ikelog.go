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
	{"NO_PROPOSAL_CHOSEN", ikeLine{"Error", "SEND", "[NOTIFY] Sending Notify Message - NO_PROPOSAL_CHOSEN"}},
	{"AUTHENTICATION_FAILED", ikeLine{"Error", "SEND", "[NOTIFY] Sending Notify Message - AUTHENTICATION_FAILED"}},
	{"TS_UNACCEPTABLE", ikeLine{"Error", "SEND", "[NOTIFY] Sending Notify Message - TS_UNACCEPTABLE"}},
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
