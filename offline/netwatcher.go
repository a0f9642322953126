package offline

import (
	"strconv"
	"strings"

	"github.com/vpnlab/vpnlab/diagnose"
)

// Network Watcher VPN troubleshoot writes, into a storage account, a zip
// (or a folder) of: ConnectionStats.txt (connectivity state, ingress and
// egress bytes since connected, connected since), IKEErrors.txt (Azure's
// IKE error strings, each with the log line it is based on), IKElogs.txt
// (newer gateways), Scrubbed-wfpdiag.txt (the gateway's IKE trace) and
// CPUStats.txt. These are recognised by name; IKE lines become
// IKEDiagnosticLog-like rows whose Message is the line.

// nwFile returns the parser of a Network Watcher file by its base name.
func nwFile(base string) func(*builder, *source) {
	switch strings.ToLower(base) {
	case "connectionstats.txt":
		return parseConnectionStats
	case "ikeerrors.txt":
		return parseIKEErrors
	case "ikelogs.txt", "ikelog.txt":
		return parseIKELogs
	case "scrubbed-wfpdiag.txt", "wfpdiag.txt":
		return parseWfpDiag
	case "cpustats.txt", "wfpdiag.txt.sum":
		return parseSecrets // recognised, nothing to read
	}
	return nil
}

// parseConnectionStats reads "Connectivity State : Connected", "Ingress
// Bytes (since last connected) : 288 B", "Connected Since : 2/1/2017 8:22:06 PM".
func parseConnectionStats(b *builder, s *source) {
	st := azStatus{}
	seen := false
	s.lines(func(line string) bool {
		k, v, ok := strings.Cut(line, " : ")
		if !ok {
			k, v, ok = strings.Cut(line, ":")
		}
		if !ok {
			return false
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch {
		case strings.HasPrefix(k, "connectivity state"), strings.HasPrefix(k, "connection state"):
			st.status = normStatus(v)
		case strings.HasPrefix(k, "ingress bytes"):
			st.ingress, st.bytes = byteCount(v), true
		case strings.HasPrefix(k, "egress bytes"):
			st.egress, st.bytes = byteCount(v), true
		case strings.HasPrefix(k, "connected since"):
			if t, ok := anyTime(v); ok {
				b.azTimes = append(b.azTimes, t)
			}
		case strings.HasPrefix(k, "remote tunnel endpoint"):
		default:
			return false
		}
		seen = true
		return true
	})
	if seen {
		b.azureStatus(st)
	}
}

// byteCount reads "288 B", "1.5 KB", "3 MB", "12345".
func byteCount(v string) uint64 {
	f := strings.Fields(v)
	if len(f) == 0 {
		return 0
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(f[0], ",", ""), 64)
	if err != nil || n < 0 {
		return 0
	}
	mult := 1.0
	if len(f) > 1 {
		switch strings.ToUpper(f[1]) {
		case "KB", "KIB":
			mult = 1 << 10
		case "MB", "MIB":
			mult = 1 << 20
		case "GB", "GIB":
			mult = 1 << 30
		case "TB", "TIB":
			mult = 1 << 40
		}
	}
	return uint64(n * mult)
}

// parseIKEErrors reads "Error: Authentication failed. Check shared key. ..."
// lines, each followed by "based on log : ..." lines, into one row per error.
func parseIKEErrors(b *builder, s *source) {
	var cur *diagnose.AzureLog
	flush := func() {
		if cur != nil {
			b.azureLog(*cur)
			cur = nil
		}
	}
	s.lines(func(line string) bool {
		t := strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(t, "based on log"); ok && cur != nil {
			cur.Message += " — based on log" + rest
			return true
		}
		flush()
		msg := strings.TrimSpace(strings.TrimPrefix(t, "Error:"))
		cur = &diagnose.AzureLog{Category: "IKEDiagnosticLog", Operation: "IKEErrors", Level: "Error", Message: msg}
		return true
	})
	flush()
}

// parseIKELogs reads IKElogs.txt: a line a row, with a leading time when
// there is one.
func parseIKELogs(b *builder, s *source) {
	s.lines(func(line string) bool {
		t, rest, _ := leadingTime(strings.TrimSpace(line))
		b.azureLog(diagnose.AzureLog{Time: t, Category: "IKEDiagnosticLog", Operation: "IKELogEvent", Message: rest})
		return true
	})
}

// parseWfpDiag reads the gateway's IKE trace:
// "[0]0368.03A4::02/02/2017-17:36:01.496 [ikeext] 3038|52.161.24.36|Failure type: IKE/Authip Main Mode Failure".
func parseWfpDiag(b *builder, s *source) {
	s.lines(func(line string) bool {
		_, after, ok := strings.Cut(line, "::")
		if !ok {
			return false
		}
		t, n := wfpTime(after)
		_, msg, ok := strings.Cut(after[n:], "] ")
		if !ok {
			return false
		}
		remote := ""
		if f := strings.SplitN(msg, "|", 3); len(f) == 3 {
			remote, msg = f[1], f[2]
		}
		msg = strings.TrimSpace(msg)
		if msg == "" {
			return false
		}
		b.azureLog(diagnose.AzureLog{Time: t, Category: "IKEDiagnosticLog", Operation: "WfpDiag", Message: msg, RemoteIP: remote})
		return true
	})
}
