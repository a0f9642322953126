package offline

import (
	"strconv"
	"strings"

	"github.com/vpnlab/vpnlab/diagnose"
)

// BGP speakers' state: `gobgp neighbor <ip>` and FRR's `show bgp neighbor`
// (detail), and their summaries (`gobgp neighbor`, `show bgp summary`).
// A NOTIFICATION reason (FRR's "Last reset ..., Notification sent (OPEN
// Message Error/Bad Peer AS)") becomes a device log line of source "bgp":
// these outputs carry no time, so the line has none. BGP daemons' own logs
// are read with the other daemon logs (logline.go).

// sniffBGP scores head as BGP neighbour output: a header line is needed.
func sniffBGP(head []string) int {
	n, header := 0, false
	for _, line := range head {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "BGP neighbor is ") && strings.Contains(t, "remote AS"):
			header = true
			n += 2
		case strings.HasPrefix(t, "BGP state = "), strings.HasPrefix(t, "Last reset"), strings.HasPrefix(t, "Notifications:"),
			strings.HasPrefix(t, "BGP version 4"):
			n++
		case isGoBGPSummaryHeader(t), isFRRSummaryHeader(t):
			header = true
			n += 2
		}
	}
	if !header {
		return 0
	}
	return n
}

func isGoBGPSummaryHeader(t string) bool {
	return strings.HasPrefix(t, "Peer ") && strings.Contains(t, "Up/Down") && strings.Contains(t, "#Received")
}

func isFRRSummaryHeader(t string) bool {
	return strings.HasPrefix(t, "Neighbor ") && strings.Contains(t, "MsgRcvd") && strings.Contains(t, "State/PfxRcd")
}

// parseBGP reads neighbour details and summaries of GoBGP or FRR.
func parseBGP(b *builder, s *source) {
	b.dev = true
	var cur *diagnose.BGPPeer
	frr := false
	section := ""       // "routes" under GoBGP's Route statistics
	summary := ""       // "gobgp" or "frr" while in a summary table
	var localASN uint32 // from FRR's summary header
	flush := func() {
		if cur != nil {
			b.bgpPeer(*cur)
			cur = nil
		}
	}
	s.lines(func(line string) bool {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "BGP neighbor is "):
			flush()
			summary, section = "", ""
			cur = &diagnose.BGPPeer{}
			rest := t[len("BGP neighbor is "):]
			parts := strings.Split(rest, ",")
			cur.Neighbor = strings.TrimSpace(parts[0])
			for _, p := range parts[1:] {
				p = strings.TrimSpace(p)
				switch {
				case strings.HasPrefix(p, "remote AS "):
					cur.PeerASN = asn(p[len("remote AS "):])
				case strings.HasPrefix(p, "local AS "):
					cur.LocalASN = asn(p[len("local AS "):])
					frr = true
				case strings.HasSuffix(p, " link"):
					frr = true
				}
			}
			return true
		case isGoBGPSummaryHeader(t):
			flush()
			summary = "gobgp"
			return true
		case isFRRSummaryHeader(t):
			flush()
			summary, frr = "frr", true
			return true
		case strings.Contains(t, "local AS number "):
			_, a, _ := strings.Cut(t, "local AS number ")
			localASN = asn(word(a))
			return true
		}
		if summary != "" {
			return summaryRow(b, summary, t, localASN)
		}
		if cur == nil {
			return false
		}
		switch {
		case strings.HasPrefix(t, "BGP state = "):
			st := t[len("BGP state = "):]
			if i := strings.IndexByte(st, ','); i >= 0 {
				st = st[:i]
			}
			cur.State = bgpState(st)
		case strings.Contains(t, "local ASN: "):
			_, a, _ := strings.Cut(t, "local ASN: ")
			cur.LocalASN = asn(a)
		case strings.HasPrefix(t, "Notifications:"):
			f := strings.Fields(t[len("Notifications:"):])
			if len(f) >= 2 {
				cur.NotificationsSent, _ = strconv.ParseUint(f[0], 10, 64)
				cur.NotificationsRcvd, _ = strconv.ParseUint(f[1], 10, 64)
			}
		case strings.HasPrefix(t, "Route statistics:"):
			section = "routes"
		case section == "routes" && strings.HasPrefix(t, "Received:"):
			cur.RoutesReceived, _ = strconv.ParseUint(strings.TrimSpace(t[len("Received:"):]), 10, 64)
		case frr && strings.HasSuffix(t, " accepted prefixes"):
			n, _ := strconv.ParseUint(word(t), 10, 64)
			cur.RoutesReceived += n
		case strings.HasPrefix(t, "Last reset") && !strings.HasPrefix(t, "Last reset never"):
			b.deviceLog(timeZero, srcBGP, "BGP neighbor "+cur.Neighbor+": "+collapse(t), "")
		case strings.HasPrefix(t, "Last reset never"), strings.HasPrefix(t, "BGP version"), strings.HasPrefix(t, "Hold time"),
			strings.HasPrefix(t, "Configured hold time"), strings.HasPrefix(t, "Local address"), strings.HasPrefix(t, "Local host"),
			strings.HasPrefix(t, "Foreign host"), strings.HasPrefix(t, "Connections established"), strings.HasPrefix(t, "Opens:"),
			strings.HasPrefix(t, "Updates:"), strings.HasPrefix(t, "Keepalives:"), strings.HasPrefix(t, "Total:"),
			strings.HasPrefix(t, "Message statistics"), strings.HasPrefix(t, "Hostname:"), strings.HasPrefix(t, "Advertised:"),
			strings.HasPrefix(t, "Accepted:"), strings.HasPrefix(t, "For address family"), strings.HasPrefix(t, "Sent"),
			strings.HasPrefix(t, "Route Refresh:"), strings.HasPrefix(t, "Last read"), strings.HasPrefix(t, "Neighbor capabilities"):
		default:
			return false
		}
		return true
	})
	flush()
	s.rep.Format = fmtGoBGP
	if frr {
		s.rep.Format = fmtFRR
	}
}

// summaryRow reads one peer row of a summary table.
func summaryRow(b *builder, kind, t string, localASN uint32) bool {
	f := strings.Fields(t)
	switch kind {
	case "gobgp":
		// Peer AS Up/Down State |#Received Accepted
		bar := -1
		for i, x := range f {
			if strings.HasPrefix(x, "|") {
				bar = i
				break
			}
		}
		if bar < 4 || len(f) < bar+1 {
			return false
		}
		p := diagnose.BGPPeer{Neighbor: f[0], PeerASN: asn(f[1]), State: bgpState(f[bar-1])}
		rcv := strings.TrimPrefix(f[bar], "|")
		if rcv == "" && bar+1 < len(f) {
			rcv = f[bar+1]
		}
		p.RoutesReceived, _ = strconv.ParseUint(rcv, 10, 64)
		if p.PeerASN == 0 && f[1] != "*" {
			return false
		}
		b.bgpPeer(p)
		return true
	case "frr":
		// Neighbor V AS MsgRcvd MsgSent TblVer InQ OutQ Up/Down State/PfxRcd PfxSnt Desc
		if len(f) < 10 || f[1] != "4" {
			return false
		}
		p := diagnose.BGPPeer{Neighbor: f[0], PeerASN: asn(f[2]), LocalASN: localASN}
		if n, err := strconv.ParseUint(f[9], 10, 64); err == nil {
			p.State, p.RoutesReceived = "ESTABLISHED", n
		} else {
			p.State = bgpState(f[9])
		}
		b.bgpPeer(p)
		return true
	}
	return false
}

// bgpState normalises a BGP FSM state: "Established" (FRR), "ESTABLISHED"
// or "BGP_FSM_ESTABLISHED" (GoBGP), "Establ" (GoBGP's summary).
func bgpState(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "BGP_FSM_")
	switch s {
	case "ESTABL":
		return "ESTABLISHED"
	case "SENT":
		return "OPENSENT"
	case "CONFIRM":
		return "OPENCONFIRM"
	case "IDLE(ADMIN)", "IDLE (ADMIN)", "IDLE(PFXCT)":
		return "IDLE"
	}
	return s
}

func asn(s string) uint32 {
	v, err := strconv.ParseUint(strings.TrimSpace(strings.TrimRight(s, ",")), 10, 32)
	if err != nil {
		return 0
	}
	return uint32(v)
}

// collapse replaces runs of blanks with one space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
