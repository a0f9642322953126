package offline

import (
	"fmt"
	"strings"
)

// Format names, as FileReport.Format gives them.
const (
	fmtStrongswan       = "strongswan-log"
	fmtStrongswanClient = "strongswan-log (p2s client)"
	fmtLibreswan        = "libreswan-log"
	fmtBGPLog           = "bgp-log"
	fmtSyslog           = "syslog"
	fmtListSAs          = "swanctl-list-sas"
	fmtListConns        = "swanctl-list-conns"
	fmtConf             = "ipsec-config"
	fmtSecrets          = "ipsec-secrets (dropped)"
	fmtWindows          = "windows-rasclient"
	fmtWindowsErrors    = "windows-vpn-client-errors"
	fmtWindowsCerts     = "windows-certificates"
	fmtEventViewer      = "windows-event-viewer"
	fmtAzureDiagJSON    = "azure-diagnostics-json"
	fmtAzureDiagCSV     = "azure-diagnostics-csv"
	fmtAzureConnection  = "azure-connection-status"
	fmtNetworkWatcher   = "network-watcher-archive"
	fmtGoBGP            = "gobgp-neighbor"
	fmtFRR              = "frr-bgp-neighbor"
	fmtJSONLog          = "json-log"
	fmtCertificate      = "x509-certificate"
	fmtPrivateKey       = "private-key (dropped)"
	fmtPing             = "iputils-ping"
	fmtEmpty            = "empty"
)

// format is a recognised kind of input and how to read it.
type format struct {
	name  string
	parse func(*builder, *source)
}

// sniffLines is how many non-blank lines from the top decide a text
// file's format.
const sniffLines = 64

// classify decides what a text input is, from its name where the name is
// Azure's own (Network Watcher files) and from its first lines otherwise.
// It returns nil and why when the input is nothing vpnlab reads.
func classify(name, text string) (*format, string) {
	if strings.TrimSpace(text) == "" {
		return &format{fmtEmpty, func(*builder, *source) {}}, ""
	}
	if p := nwFile(baseName(name)); p != nil {
		return &format{fmtNetworkWatcher, p}, ""
	}
	if looksJSON(text) {
		if docs, _ := jsonDoc(text); docs != nil {
			return &format{"json", func(b *builder, s *source) { parseJSON(b, s, docs) }}, ""
		}
	}
	head := headLines(text, sniffLines)
	switch {
	case hasPEMCert(head):
		return &format{fmtCertificate, parsePEM}, ""
	case onlyKeys(head):
		return &format{fmtPrivateKey, parseSecrets}, ""
	case isEventViewerHeader(head[0]):
		return &format{fmtEventViewer, parseEventViewer}, ""
	case isDiagCSVHeader(head[0]):
		return &format{fmtAzureDiagCSV, parseDiagCSV}, ""
	}

	candidates := []struct {
		f     format
		score int
	}{
		{format{fmtListSAs, parseListSAs}, 3 * count(head, func(l string) bool { return isListSAsIKE(l) || isListSAsChild(l) })},
		{format{fmtListConns, parseListConns}, 3 * count(head, isListConns)},
		{format{fmtStrongswan, parseLog}, sniffLogText(head, text)},
		{format{fmtGoBGP, parseBGP}, sniffBGP(head)},
		{format{fmtWindows, parsePowerShell}, sniffPowerShell(head)},
		{format{fmtSecrets, parseSecrets}, 3 * count(head, isSecretsLine)},
		{format{fmtConf, parseConf}, sniffConf(head)},
		{format{fmtWindowsErrors, parseClientErrors}, sniffClientErrors(head)},
		{format{fmtPing, parsePing}, sniffPing(head)},
	}
	best := -1
	for i, c := range candidates {
		if c.score > 0 && (best < 0 || c.score > candidates[best].score) {
			best = i
		}
	}
	if best < 0 {
		if sniffSyslog(head) {
			return &format{fmtSyslog, parseLog}, ""
		}
		return nil, fmt.Sprintf("none of its first %d lines is a line of a log or listing vpnlab reads (strongSwan/libreswan logs, swanctl, Windows RasClient events, AzureDiagnostics JSON/CSV, Network Watcher files, GoBGP/FRR neighbor output, ping output)", len(head))
	}
	f := candidates[best].f
	return &f, ""
}

// headLines returns up to n non-blank lines from the top of text.
func headLines(text string, n int) []string {
	var out []string
	for len(text) > 0 && len(out) < n {
		var line string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			line, text = text, ""
		}
		line = trimRight(line)
		if line != "" && !isBlank(line) {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

func count(lines []string, f func(string) bool) int {
	n := 0
	for _, l := range lines {
		if f(l) {
			n++
		}
	}
	return n
}

// sniffLogText scores a daemon log: its VPN daemon lines in head; a syslog
// whose head holds other programs' lines only scores 1 when a VPN daemon
// appears further down.
func sniffLogText(head []string, text string) int {
	if n := sniffLog(head); n > 0 {
		return n
	}
	if sniffSyslog(head) && containsAny(text, " charon", " pluto[", " pluto:", " bgpd[", " gobgpd[", "[IKE] ") {
		return 1
	}
	return 0
}

// sniffSyslog reports whether most of head are syslog lines of any program.
func sniffSyslog(head []string) bool {
	n := 0
	for _, line := range head {
		if _, ok := parseLogLine(line); ok {
			n++
		}
	}
	return n*2 > len(head)
}
