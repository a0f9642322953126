package offline

import (
	"encoding/csv"
	"io"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/diagnose"
)

// Windows: RasClient / RemoteAccess (RRAS) events from Get-EventLog or
// Get-WinEvent (Format-List, powershell.go) or Event Viewer's text export,
// certificate store listings, and bare VPN client error messages (seed 003:
// "(エラー 798)", "error 0x80090326", ...).
//
// An RRAS event (source RemoteAccess, a demand-dial interface, or a
// connection dialled by SYSTEM) is the on-prem device's: it goes to the
// device log. Anything else is a point-to-site client's. The message is
// kept with its error code. What the engine reads is added after the event
// id where RRAS words it otherwise: "(error code returned on failure is 809)" for an 809
// in another language, "(IKE authentication credentials are unacceptable)"
// for event 20111's "Internet key exchange (IKE) authentication credentials
// are unacceptable".

// windowsEvent reads one event block; false if it is not about VPN.
func windowsEvent(b *builder, blk *plBlock) bool {
	msg := collapse(blk.get("message"))
	if msg == "" {
		return false
	}
	src := blk.get("source", "providername")
	if !vpnEvent(src, msg) {
		return false
	}
	t, _ := anyTime(blk.get("timegenerated", "timecreated", "timewritten"))
	windowsMessage(b, t, src, blk.get("eventid", "id", "instanceid"), msg)
	return true
}

// vpnEvent reports whether an event is about VPN connections.
func vpnEvent(src, msg string) bool {
	switch strings.ToLower(strings.TrimPrefix(src, "Microsoft-Windows-")) {
	case "rasclient", "remoteaccess", "rasman", "rasmandll", "rasmansvc", "azurevpn", "azure vpn client", "ikeext":
		return true
	}
	return containsAny(msg, "VPN", "dial", "IKE", "エラー コード")
}

// windowsMessage adds an event's message to the device or client log.
func windowsMessage(b *builder, t time.Time, src, id, msg string) {
	if rrasEvent(src, msg) {
		var notes []string
		if errorCode(msg) == "809" && !strings.Contains(msg, "error code returned on failure is 809") {
			notes = append(notes, "error code returned on failure is 809")
		}
		if strings.Contains(msg, "authentication credentials are unacceptable") && !strings.Contains(msg, "IKE authentication credentials") {
			notes = append(notes, "IKE authentication credentials are unacceptable")
		}
		b.deviceLog(t, srcWindows, eventText(src, id, notes, msg), "")
		return
	}
	b.clientLog(t, srcWindows, eventText(src, id, nil, msg), "")
	if u := dialUser(msg); u != "" && b.p2sUser == "" {
		b.p2sUser = u
	}
	if up, known := outcome(id, msg); known {
		b.p2sState = append(b.p2sState, p2sEvent{t: t, connected: up})
	}
}

// eventText is "RasClient event 20227 (notes): message".
func eventText(src, id string, notes []string, msg string) string {
	var b strings.Builder
	b.WriteString(src)
	if id != "" {
		if src != "" {
			b.WriteByte(' ')
		}
		b.WriteString("event " + id)
	}
	if len(notes) > 0 {
		b.WriteString(" (" + strings.Join(notes, "; ") + ")")
	}
	if b.Len() == 0 {
		return msg
	}
	return b.String() + ": " + msg
}

// rrasEvent reports an event of RRAS, the site-to-site device.
func rrasEvent(src, msg string) bool {
	return strings.EqualFold(src, "RemoteAccess") ||
		containsAny(msg, "demand dial", "RoutingDomainID", "remote interface", "The user SYSTEM dialed", "ユーザー SYSTEM")
}

// dialUser returns X of "The user X dialed a connection", without a domain.
func dialUser(msg string) string {
	_, rest, ok := strings.Cut(msg, "The user ")
	if !ok {
		return ""
	}
	u, _, ok := strings.Cut(rest, " dialed")
	if !ok || strings.ContainsAny(u, " ") {
		return ""
	}
	if i := strings.LastIndexByte(u, '\\'); i >= 0 {
		u = u[i+1:]
	}
	return u
}

// outcome tells a connection's result from a RasClient event: 20227 and
// "failed" are failures, "successfully" connects, "disconnected" ends.
func outcome(id, msg string) (up, known bool) {
	switch {
	case id == "20227" || containsAny(msg, "has failed", "failed", "失敗"):
		return false, true
	case containsAny(msg, "successfully established", "successfully connected", "was successfully", "正常に確立", "接続されました"):
		return true, true
	case id == "20226" || containsAny(msg, "disconnected", "has been terminated", "切断"):
		return false, true
	}
	return false, false
}

// clientCodes are the Windows VPN client error codes of seeds 001 and 003
// (and the IKE errors Windows reports), by which bare error lines are
// recognised.
var clientCodes = map[string]bool{
	"798": true, "800": true, "809": true, "812": true, "691": true, "789": true, "1460": true,
	"13801": true, "13806": true, "13843": true, "13868": true,
	"0x80090326": true, "0x80092013": true, "0x800b0101": true, "0x8007026f": true,
}

// errorCode returns the error code a Windows message names: an HRESULT
// ("0x80090326") or a number after "error", "エラー", "code" ("809").
func errorCode(s string) string {
	lower := asciiLower(s)
	if i := strings.Index(lower, "0x8"); i >= 0 && i+10 <= len(s) && isHex(s[i+2:i+10]) {
		return lower[i : i+10]
	}
	for _, k := range []string{"returned on failure is ", "エラー コードは ", "エラー コード ", "エラー ", "error code ", "error ", "code "} {
		for from := 0; ; {
			i := strings.Index(lower[from:], k)
			if i < 0 {
				break
			}
			j := from + i + len(k)
			e := j
			for e < len(s) && s[e] >= '0' && s[e] <= '9' {
				e++
			}
			if e-j >= 3 {
				return s[j:e]
			}
			from = j
		}
	}
	return ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// asciiLower lower-cases ASCII letters only, keeping byte offsets.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// --- bare client error lines ---

// sniffClientErrors counts lines naming a known VPN client error code.
func sniffClientErrors(head []string) int {
	n := 0
	for _, line := range head {
		if clientCodes[errorCode(line)] {
			n++
		}
	}
	return n
}

// parseClientErrors reads VPN client error messages, one a line, each with
// an optional leading time.
func parseClientErrors(b *builder, s *source) {
	s.lines(func(line string) bool {
		t, rest, _ := leadingTime(line)
		if errorCode(rest) == "" {
			return false
		}
		b.clientLog(t, srcWindows, rest, "")
		b.p2sState = append(b.p2sState, p2sEvent{t: t, connected: false})
		return true
	})
}

// --- Event Viewer "Save All Events As... text" ---

// isEventViewerHeader reports the header of Event Viewer's tab-separated
// export: "Level	Date and Time	Source	Event ID	Task Category".
func isEventViewerHeader(line string) bool {
	f := strings.Split(line, "\t")
	return len(f) >= 5 && strings.Contains(f[3], "ID")
}

// parseEventViewer reads Event Viewer's tab-separated export; a message
// may span lines inside quotes.
func parseEventViewer(b *builder, s *source) {
	r := csv.NewReader(strings.NewReader(s.text))
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = '\t', true, -1
	header := true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.rep.Lines++
			s.rep.Ignored++
			continue
		}
		if header {
			header = false
			continue
		}
		s.rep.Lines++
		if len(rec) < 6 {
			s.rep.Ignored++
			continue
		}
		msg := collapse(strings.Join(rec[5:], " "))
		if msg == "" || !vpnEvent(rec[2], msg) || isKeyBegin(msg) {
			s.rep.Ignored++
			continue
		}
		t, _ := anyTime(rec[1])
		windowsMessage(b, t, rec[2], strings.TrimSpace(rec[3]), msg)
		s.rep.Used++
	}
}

// --- certificates in a store listing ---

// plCert reads a certificate block of `Get-ChildItem Cert:\CurrentUser\My |
// Format-List`. Its times are local times, read as UTC.
func plCert(blk *plBlock) diagnose.CertInfo {
	nb, _ := anyTime(blk.get("notbefore"))
	na, _ := anyTime(blk.get("notafter"))
	return diagnose.CertInfo{
		Subject: blk.get("subject"), Issuer: blk.get("issuer"), NotBefore: nb, NotAfter: na,
		Thumbprint: strings.ToUpper(blk.get("thumbprint")),
		EKU:        ekuNames(blk.get("enhancedkeyusagelist")),
	}
}

// ekuNames reads "{Client Authentication (1.3.6.1.5.5.7.3.2), Server
// Authentication (1.3.6.1.5.5.7.3.1)}".
func ekuNames(s string) []string {
	var out []string
	for _, e := range strings.Split(strings.Trim(s, "{} "), ",") {
		switch {
		case strings.Contains(e, "1.3.6.1.5.5.7.3.2"), containsFold(e, "client authentication"):
			out = append(out, "clientAuth")
		case strings.Contains(e, "1.3.6.1.5.5.7.3.1"), containsFold(e, "server authentication"):
			out = append(out, "serverAuth")
		case strings.TrimSpace(e) != "":
			out = append(out, strings.TrimSpace(e))
		}
	}
	return out
}
