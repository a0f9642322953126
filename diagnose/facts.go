package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// view is the evidence prepared once for the rules: the window's log lines
// with their lower-cased text, and the tunnel state both sides report.
type view struct {
	ev     Evidence
	dev    *Device
	az     *AzureSide
	path   *Path
	probes *Probes

	devLog   []LogLine
	devLower []string
	azLog    []AzureLog
	azLower  []string // Operation, Message and Reason, lower-cased

	lines    []line    // every log and text line of the window, as the signatures see it
	findings []finding // the signatures they matched, in line order
}

func newView(ev Evidence) *view {
	v := &view{ev: ev, dev: ev.Onprem, az: ev.Azure, path: ev.Path, probes: ev.Probes}
	if v.dev != nil {
		v.devLog = make([]LogLine, 0, len(v.dev.Log))
		for _, l := range v.dev.Log {
			if v.inWindow(l.Time) {
				v.devLog = append(v.devLog, l)
			}
		}
		v.devLower = lowerAll(len(v.devLog), func(buf []byte, i int) []byte {
			return appendLower(buf, v.devLog[i].Message)
		})
	}
	if v.az != nil {
		v.azLog = make([]AzureLog, 0, len(v.az.Logs))
		for _, l := range v.az.Logs {
			if v.inWindow(l.Time) {
				v.azLog = append(v.azLog, l)
			}
		}
		v.azLower = lowerAll(len(v.azLog), func(buf []byte, i int) []byte {
			l := &v.azLog[i]
			buf = appendLower(buf, l.Operation)
			buf = appendLower(append(buf, ' '), l.Message)
			return appendLower(append(buf, ' '), l.Reason)
		})
	}
	v.scanLines()
	return v
}

// lowerAll lower-cases n lines, each appended to one buffer by line, and
// returns one substring per line: a long log costs a few allocations, not
// one per line.
func lowerAll(n int, line func(buf []byte, i int) []byte) []string {
	if n == 0 {
		return nil
	}
	buf := make([]byte, 0, 128*n)
	ends := make([]int, n)
	for i := range n {
		buf = line(buf, i)
		ends[i] = len(buf)
	}
	all := string(buf)
	out := make([]string, n)
	start := 0
	for i, e := range ends {
		out[i] = all[start:e]
		start = e
	}
	return out
}

// appendLower appends s lower-cased in ASCII (the patterns are ASCII).
func appendLower(buf []byte, s string) []byte {
	for k := 0; k < len(s); k++ {
		c := s[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// inWindow reports whether t falls in the evidence window: not before
// WindowStart. Unknown times (zero) and an unknown start are in it, and so
// are times after CollectedAt (a collector may stamp CollectedAt before it
// reads the logs).
func (v *view) inWindow(t time.Time) bool {
	return t.IsZero() || v.ev.WindowStart.IsZero() || !t.Before(v.ev.WindowStart)
}

// hasS2S reports whether either VPN side was seen.
func (v *view) hasS2S() bool { return v.dev != nil || v.az != nil }

// --- log search ---

// matches reports whether s contains any of subs and none of excl; all
// lower case.
func matches(s string, subs, excl []string) bool {
	for _, x := range excl {
		if strings.Contains(s, x) {
			return false
		}
	}
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// sig asks the knowledge base's findings for lines that match a signature
// of one of faults and no signature of one of unless.
type sig struct{ faults, unless []string }

// find returns the latest finding for s on a line printed by one of sides.
func (v *view) find(s sig, sides ...string) (finding, bool) {
	for i := len(v.findings) - 1; i >= 0; i-- {
		f := v.findings[i]
		if !slices.Contains(s.faults, f.sig.Fault) || !slices.Contains(sides, v.lines[f.line].side) {
			continue
		}
		if len(s.unless) > 0 && v.lineHas(f.line, s.unless) {
			continue
		}
		return f, true
	}
	return finding{}, false
}

// lineHas reports whether line i matched a signature of one of faults
// (findings are in line order).
func (v *view) lineHas(i int, faults []string) bool {
	k, _ := slices.BinarySearchFunc(v.findings, i, func(f finding, line int) int { return f.line - line })
	for ; k < len(v.findings) && v.findings[k].line == i; k++ {
		if slices.Contains(faults, v.findings[k].sig.Fault) {
			return true
		}
	}
	return false
}

// devFind and azFind are find on the device's and on Azure's lines.
func (v *view) devFind(s sig) (finding, bool) { return v.find(s, sideDevice) }
func (v *view) azFind(s sig) (finding, bool)  { return v.find(s, sideAzure) }

// azContains returns the latest Azure diagnostic log row whose
// operation, message or reason contains any of subs (progress markers, not
// fault signatures).
func (v *view) azContains(subs []string) (AzureLog, bool) {
	for i := len(v.azLower) - 1; i >= 0; i-- {
		if matches(v.azLower[i], subs, nil) {
			return v.azLog[i], true
		}
	}
	return AzureLog{}, false
}

// devLogFact quotes a device log line.
func devLogFact(l LogLine) string {
	src := l.Source
	if src == "" {
		src = "log"
	}
	return fmt.Sprintf("on-prem %s: %q", src, clip(l.Message))
}

// azLogFact quotes an Azure diagnostic log row.
func azLogFact(l AzureLog) string {
	cat := l.Category
	if cat == "" {
		cat = "diagnostic log"
	}
	msg := l.Message
	if msg == "" {
		msg = strings.TrimSpace(l.Operation + " " + l.Reason)
	}
	return fmt.Sprintf("Azure %s: %q", cat, clip(msg))
}

// clip shortens s to 200 runes.
func clip(s string) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}

// --- tunnel state ---

// tunnelState is what one side says of the tunnel.
type tunnelState int

const (
	tunnelUnknown tunnelState = iota // the side was not seen or says nothing
	tunnelDown                       // no ESTABLISHED IKE SA
	tunnelIKEOnly                    // IKE SA ESTABLISHED, no INSTALLED CHILD SA
	tunnelUp                         // IKE SA ESTABLISHED with an INSTALLED CHILD SA
)

func (s tunnelState) up() bool { return s == tunnelUp }

// devTunnel is the device's view: its best IKE SA.
func (v *view) devTunnel() tunnelState {
	if v.dev == nil {
		return tunnelUnknown
	}
	st := tunnelDown
	for _, sa := range v.dev.IKE {
		if !strings.EqualFold(sa.State, "ESTABLISHED") {
			continue
		}
		st = max(st, tunnelIKEOnly)
		for _, c := range sa.Children {
			if strings.EqualFold(c.State, "INSTALLED") {
				return tunnelUp
			}
		}
	}
	return st
}

// azTunnel is Azure's view from the connection status; Azure cannot tell
// an IKE SA without a CHILD SA from no SA at all.
func (v *view) azTunnel() tunnelState {
	if v.az == nil {
		return tunnelUnknown
	}
	switch strings.ToLower(v.az.ConnectionStatus) {
	case "connected":
		return tunnelUp
	case "notconnected", "connecting":
		return tunnelDown
	}
	return tunnelUnknown
}

// tunnel is the tunnel state the engine believes: the device's when it was
// seen (it holds the SAs), else Azure's. contradiction is non-empty when
// the two disagree.
func (v *view) tunnel() (st tunnelState, contradiction string) {
	d, a := v.devTunnel(), v.azTunnel()
	if d == tunnelUnknown {
		return a, ""
	}
	if a != tunnelUnknown && d.up() != a.up() {
		contradiction = fmt.Sprintf("contradiction: Azure reports %s but the on-prem device has %s; the device's view is used",
			v.az.ConnectionStatus, v.devSADesc())
	}
	return d, contradiction
}

// devSADesc describes the device's SAs in a few words.
func (v *view) devSADesc() string {
	if v.dev == nil {
		return "no data"
	}
	switch v.devTunnel() {
	case tunnelUp:
		return "an ESTABLISHED IKE SA with an INSTALLED CHILD SA"
	case tunnelIKEOnly:
		return "an ESTABLISHED IKE SA but no INSTALLED CHILD SA"
	}
	if len(v.dev.IKE) == 0 {
		return "no IKE SA at all"
	}
	var states []string
	for _, sa := range v.dev.IKE {
		s := sa.State
		if s == "" {
			s = "(no state)"
		}
		states = append(states, s)
	}
	return "no ESTABLISHED IKE SA (IKE SA state " + strings.Join(states, ", ") + ")"
}

// tunnelFacts states the tunnel as both sides see it, with any contradiction.
func (v *view) tunnelFacts() []string {
	var f []string
	if v.dev != nil {
		f = append(f, "on-prem device: "+v.devSADesc())
	}
	if v.az != nil && v.az.ConnectionStatus != "" {
		f = append(f, "Azure connection status "+v.az.ConnectionStatus)
	}
	if _, c := v.tunnel(); c != "" {
		f = append(f, c)
	}
	return f
}

// --- counters ---

// devPackets sums the device's CHILD SA packet deltas over the window.
func (v *view) devPackets() (in, out uint64) {
	if v.dev == nil {
		return 0, 0
	}
	for _, sa := range v.dev.IKE {
		for _, c := range sa.Children {
			in += c.PacketsInDelta
			out += c.PacketsOutDelta
		}
	}
	return in, out
}

// devBytes sums the device's CHILD SA byte counters.
func (v *view) devBytes() (in, out uint64) {
	if v.dev == nil {
		return 0, 0
	}
	for _, sa := range v.dev.IKE {
		for _, c := range sa.Children {
			in += c.BytesIn
			out += c.BytesOut
		}
	}
	return in, out
}

// azCounters reports whether Azure's byte counters were collected: all
// zero is read as "not collected", not as "nothing crossed".
func (v *view) azCounters() bool {
	if v.az == nil {
		return false
	}
	a := v.az
	return a.IngressBytes > 0 || a.EgressBytes > 0 || a.IngressDelta > 0 || a.EgressDelta > 0
}

// espPackets counts ESP packets of both encapsulations.
func espPackets(c PathCounters) uint64 { return c.ESP + c.ESP4500 }

// ikePackets counts IKE packets on both ports.
func ikePackets(c PathCounters) uint64 { return c.IKE500 + c.IKE4500 }

// nearZero reports whether x is nothing next to ref (under a tenth).
func nearZero(x, ref uint64) bool { return x == 0 || x*10 < ref }

// --- BGP ---

// bgpConfigured reports whether either side runs BGP.
func (v *view) bgpConfigured() bool {
	if v.dev != nil && len(v.dev.BGP) > 0 {
		return true
	}
	return v.az != nil && (v.az.Config.BGPEnabled || len(v.az.BGPPeers) > 0)
}

// bgpObserved reports whether either side reported its BGP peers.
func (v *view) bgpObserved() bool {
	return (v.dev != nil && len(v.dev.BGP) > 0) || (v.az != nil && len(v.az.BGPPeers) > 0)
}

// bgpUp reports whether the BGP session is up: the device's view when it
// has BGP peers, else Azure's.
func (v *view) bgpUp() bool {
	if v.dev != nil && len(v.dev.BGP) > 0 {
		for _, p := range v.dev.BGP {
			if bgpEstablished(p.State) {
				return true
			}
		}
		return false
	}
	if v.az != nil {
		for _, p := range v.az.BGPPeers {
			if strings.EqualFold(p.State, "Connected") {
				return true
			}
		}
	}
	return false
}

// bgpFacts states each BGP session as the two sides see it.
func (v *view) bgpFacts() []string {
	var f []string
	if v.dev != nil {
		for _, p := range v.dev.BGP {
			s := fmt.Sprintf("on-prem BGP session to %s is %s", orDash(p.Neighbor), orDash(p.State))
			if bgpEstablished(p.State) {
				s += fmt.Sprintf(" with %d routes received", p.RoutesReceived)
			} else {
				s += ", not ESTABLISHED"
			}
			if p.NotificationsSent > 0 || p.NotificationsRcvd > 0 {
				s += fmt.Sprintf(" (NOTIFICATIONs sent %d, received %d)", p.NotificationsSent, p.NotificationsRcvd)
			}
			f = append(f, s)
		}
	}
	if v.az != nil {
		for _, p := range v.az.BGPPeers {
			f = append(f, fmt.Sprintf("Azure BGP peer %s (ASN %d) is %s with %d routes received",
				orDash(p.Neighbor), p.ASN, orDash(p.State), p.RoutesReceived))
		}
	}
	return f
}

// bgpEstablished accepts "ESTABLISHED", "established" and GoBGP's
// "BGP_FSM_ESTABLISHED".
func bgpEstablished(state string) bool {
	return strings.Contains(strings.ToLower(state), "established")
}

// devLocalASN and devPeerASN are the device's configured ASNs.
func (v *view) devLocalASN() uint32 {
	if v.dev == nil {
		return 0
	}
	if v.dev.Config.LocalASN != 0 {
		return v.dev.Config.LocalASN
	}
	for _, p := range v.dev.BGP {
		if p.LocalASN != 0 {
			return p.LocalASN
		}
	}
	return 0
}

func (v *view) devPeerASN() uint32 {
	if v.dev == nil {
		return 0
	}
	if v.dev.Config.PeerASN != 0 {
		return v.dev.Config.PeerASN
	}
	for _, p := range v.dev.BGP {
		if p.PeerASN != 0 {
			return p.PeerASN
		}
	}
	return 0
}

// --- probes ---

// probeFacts states the data-plane probes, and whether any failed.
func (v *view) probeFacts() (facts []string, failed bool) {
	p := v.probes
	if p == nil {
		return nil, false
	}
	tgt := p.Target
	if tgt == "" {
		tgt = "the Azure VM"
	}
	if p.Ping != nil && p.Ping.Sent > 0 {
		facts = append(facts, fmt.Sprintf("ping %s: %d of %d received", tgt, p.Ping.Received, p.Ping.Sent))
		if p.Ping.Received == 0 {
			failed = true
		}
	}
	if p.TCPConnect != nil {
		if p.TCPConnect.OK {
			facts = append(facts, fmt.Sprintf("TCP connect to %s succeeded", tgt))
		} else {
			facts = append(facts, fmt.Sprintf("TCP connect to %s failed%s", tgt, errSuffix(p.TCPConnect.Error)))
			failed = true
		}
	}
	return facts, failed
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return ": " + clip(e)
}

// probeTarget parses the probe target's address ("10.1.0.4" or
// "10.1.0.4:80").
func (v *view) probeTarget() (netip.Addr, bool) {
	if v.probes == nil || v.probes.Target == "" {
		return netip.Addr{}, false
	}
	t := v.probes.Target
	if ap, err := netip.ParseAddrPort(t); err == nil {
		return ap.Addr(), true
	}
	a, err := netip.ParseAddr(t)
	return a, err == nil
}

// routedIntoTunnel reports whether a device tunnel route covers a.
func (v *view) routedIntoTunnel(a netip.Addr) bool {
	if v.dev == nil {
		return false
	}
	for _, r := range v.dev.Routes {
		if p, err := netip.ParsePrefix(strings.TrimSpace(r)); err == nil && p.Contains(a) {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// fmtTime formats t for a fact.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "(no time)"
	}
	return t.UTC().Format(time.RFC3339)
}
