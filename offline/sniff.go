package offline

import (
	"fmt"
	"slices"
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
	fmtText             = "text"
)

// format is a recognised kind of input and how to read it.
type format struct {
	name  string
	parse func(*builder, *source)
}

// Format is one kind of input the offline reader knows: the registry
// (Formats) feeds detection, the --from help, the error message and the
// README, so a new format is one entry.
type Format struct {
	Name        string
	Description string
	// sniff scores how much an input looks like this format (0: not at
	// all; decisive checks score decisive); nil for a format another
	// entry's reader reports (a sub-format).
	sniff func(in *sniffed) int
	parse func(*builder, *source)
	// fallback formats are tried only when no other scores.
	fallback bool
}

// decisive is the score of a check that settles the format.
const decisive = 1 << 20

// sniffed is an input as the sniffers see it.
type sniffed struct {
	name, text string
	head       []string
	jsonDocs   []any
}

// formats is the registry, in the order a tie is broken.
var formats = []Format{
	{Name: fmtNetworkWatcher, Description: "Network Watcher VPN troubleshoot archive: ConnectionStats.txt, IKEErrors.txt, IKElogs.txt, Scrubbed-wfpdiag.txt (by file name)",
		sniff: func(in *sniffed) int { return decisiveIf(nwFile(baseName(in.name)) != nil) },
		parse: func(b *builder, s *source) { nwFile(baseName(s.name))(b, s) }},
	{Name: "json", Description: "any JSON document or JSON lines; its records decide: " + fmtAzureDiagJSON + ", " + fmtAzureConnection + ", " + fmtJSONLog,
		sniff: func(in *sniffed) int { return decisiveIf(in.jsonDocs != nil) },
		parse: func(b *builder, s *source) {
			docs, _ := jsonDoc(s.text)
			parseJSON(b, s, docs)
		}},
	{Name: fmtAzureDiagJSON, Description: "AzureDiagnostics rows (array, {\"value\"}, {\"records\"}, JSON lines, Log Analytics {\"tables\"}): IKE, Tunnel, Route, P2S and Gateway diagnostic logs"},
	{Name: fmtAzureConnection, Description: "Azure connection / gateway / local network gateway objects and BGP peer status (JSON or Get-Az* | Format-List)"},
	{Name: fmtJSONLog, Description: "JSON log records (the lab's node events, gobgpd)"},
	{Name: fmtCertificate, Description: "PEM or DER X.509 certificates (a P2S client's and the uploaded roots)",
		sniff: func(in *sniffed) int { return decisiveIf(hasPEMCert(in.head)) }, parse: parsePEM},
	{Name: fmtPrivateKey, Description: "a private key file: recognised and dropped, never read",
		sniff: func(in *sniffed) int { return decisiveIf(onlyKeys(in.head)) }, parse: parseSecrets},
	{Name: fmtEventViewer, Description: "Windows Event Viewer export (tab-separated): RasClient, RemoteAccess events",
		sniff: func(in *sniffed) int { return decisiveIf(isEventViewerHeader(in.head[0])) }, parse: parseEventViewer},
	{Name: fmtAzureDiagCSV, Description: "AzureDiagnostics CSV export (Log Analytics)",
		sniff: func(in *sniffed) int { return decisiveIf(isDiagCSVHeader(in.head[0])) }, parse: parseDiagCSV},
	{Name: fmtListSAs, Description: "swanctl --list-sas (IKE and CHILD SAs with byte and packet counters)",
		sniff: func(in *sniffed) int {
			return 3 * count(in.head, func(l string) bool { return isListSAsIKE(l) || isListSAsChild(l) })
		}, parse: parseListSAs},
	{Name: fmtListConns, Description: "swanctl --list-conns",
		sniff: func(in *sniffed) int { return 3 * count(in.head, isListConns) }, parse: parseListConns},
	{Name: fmtStrongswan, Description: "strongSwan charon log: filelog, syslog, journalctl (also a P2S client's: " + fmtStrongswanClient + ")",
		sniff: func(in *sniffed) int { return sniffLogText(in.head, in.text) }, parse: parseLog},
	{Name: fmtLibreswan, Description: "libreswan / Openswan pluto log (read with the daemon logs)"},
	{Name: fmtBGPLog, Description: "FRR bgpd, gobgpd log lines (read with the daemon logs)"},
	{Name: fmtGoBGP, Description: "gobgp neighbor [ip] output (also FRR show bgp neighbor / summary: " + fmtFRR + ")",
		sniff: func(in *sniffed) int { return sniffBGP(in.head) }, parse: parseBGP},
	{Name: fmtWindows, Description: "Get-EventLog / Get-WinEvent | Format-List: RasClient and RemoteAccess events (also " + fmtWindowsCerts + ": Get-ChildItem Cert:\\... | Format-List)",
		sniff: func(in *sniffed) int { return sniffPowerShell(in.head) }, parse: parsePowerShell},
	{Name: fmtSecrets, Description: "ipsec.secrets / swanctl secrets: recognised and dropped, never read",
		sniff: func(in *sniffed) int { return 3 * count(in.head, isSecretsLine) }, parse: parseSecrets},
	{Name: fmtConf, Description: "swanctl.conf / ipsec.conf: proposals, IKE version, DPD",
		sniff: func(in *sniffed) int { return sniffConf(in.head) }, parse: parseConf},
	{Name: fmtWindowsErrors, Description: "Windows VPN client error messages (\"(Error 798)\", \"(エラー 809)\")",
		sniff: func(in *sniffed) int { return sniffClientErrors(in.head) }, parse: parseClientErrors},
	{Name: fmtPing, Description: "ping output (iputils, -D times, DF probes -M do -s N): probes and path MTU",
		sniff: func(in *sniffed) int { return sniffPing(in.head) }, parse: parsePing},
	{Name: fmtSyslog, Description: "a syslog of other programs: its lines are read as text",
		sniff: func(in *sniffed) int { return boolScore(sniffSyslog(in.head)) }, parse: parseLog, fallback: true},
	{Name: fmtText, Description: "any other text: a paste, a fragment, a console session, another vendor's log; every line goes to the knowledge base's signatures",
		sniff: func(*sniffed) int { return 1 }, parse: parseText, fallback: true},
}

func decisiveIf(ok bool) int {
	if ok {
		return decisive
	}
	return 0
}

func boolScore(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

// Formats lists the formats the offline reader knows, for help and docs.
func Formats() []Format { return slices.Clone(formats) }

// FormatHelp is the registry as text: one line per format.
func FormatHelp() string {
	var b strings.Builder
	for _, f := range formats {
		fmt.Fprintf(&b, "  %-26s %s\n", f.Name, f.Description)
	}
	return b.String()
}

// sniffLines is how many non-blank lines from the top decide a text
// file's format.
const sniffLines = 64

// classify decides what a text input is: the registry entry that scores
// highest (the first at a tie), a fallback when none scores.
func classify(name, text string) *format {
	in := &sniffed{name: name, text: text, head: headLines(text, sniffLines)}
	if looksJSON(text) {
		in.jsonDocs, _ = jsonDoc(text)
	}
	best, score := -1, 0
	for pass := 0; pass < 2 && best < 0; pass++ {
		for i, f := range formats {
			if f.sniff == nil || f.fallback != (pass == 1) {
				continue
			}
			if sc := f.sniff(in); sc > score {
				best, score = i, sc
			}
		}
	}
	return &format{formats[best].name(), formats[best].parse}
}

func (f Format) name() string { return f.Name }

// parseText reads any text: every line goes to the evidence as it is,
// for the knowledge base's signatures (a paste, a fragment, a console
// session, another vendor's log).
func parseText(_ *builder, s *source) {
	s.lines(func(string) bool { return false })
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
