package offline

import (
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/diagnose"
)

// iputils ping output: one run or many concatenated, each optionally after
// its command line ("$ ping -M do -s 1372 198.19.1.4", read as any other
// unrecognised line), with or without `ping -D` timestamps
// ("[1795314705.278110] 64 bytes from ..."), which date the evidence.
//
// A run is read from its header to the next one:
//
//	PING 198.19.1.4 (198.19.1.4) 56(84) bytes of data.
//	64 bytes from 198.19.1.4: icmp_seq=1 ttl=63 time=1.02 ms
//	--- 198.19.1.4 ping statistics ---
//	4 packets transmitted, 4 received, 0% packet loss, time 3004ms
//
// The IP packet size is the number in parentheses ("1372(1400)": 1400);
// headers that give data bytes only ("56 data bytes": IPv6, BusyBox, BSD)
// add the IPv4 or IPv6 and ICMP headers. A run of the default size (56
// data bytes, 84 bytes over IPv4) or smaller is a reachability ping: the
// runs' counts are summed into Probes.Ping. A larger run is read as a
// DF-sized probe (`ping -M do -s N`): it passes when anything came back,
// is refused when the host or a router said the packet is too big (ping's
// "local error: message too long, mtu=1230", "sendmsg: Message too long",
// "Frag needed and DF set (mtu = 1230)", IPv6 "Packet too big: mtu=1280")
// and is silent when the statistics show 100% loss and no error. The sized
// runs together give Probes.PMTU.

// pingRun is one run of ping.
type pingRun struct {
	target  string
	size    int  // IP packet size
	small   bool // default size or smaller: a reachability ping, not a PMTU probe
	stats   bool // the statistics line was read
	sent    int
	recv    int
	errs    int // "+N errors" of the statistics, else error lines seen
	replies int
	maxSeq  int
	// zeroBased: sequence numbers count from 0 (BSD, BusyBox: a header
	// "PING host (addr): 56 data bytes", or a 0 seen), not from 1 (iputils)
	zeroBased bool
	refused   bool // a "too big" answer from the host or a router
	mtu       int  // the MTU the refusal named (0: none)
}

// passed, silent and refusedRun classify a sized run.
func (r *pingRun) passed() bool { return r.recv > 0 }

func (r *pingRun) refusedRun() bool { return !r.passed() && r.refused }

func (r *pingRun) silent() bool {
	return r.stats && r.sent > 0 && r.recv == 0 && r.errs == 0 && !r.refused
}

// finish settles the counts of a run whose statistics line is missing (a
// truncated capture): the replies seen, out of the highest sequence number.
func (r *pingRun) finish() {
	if r.stats {
		return
	}
	r.recv = r.replies
	n := r.maxSeq
	if r.zeroBased && (n > 0 || r.replies > 0) {
		n++
	}
	r.sent = max(n, r.replies)
}

// seen notes the sequence number of a line about one packet.
func (r *pingRun) seen(t string) {
	if n, ok := seqOf(t); ok {
		r.maxSeq = max(r.maxSeq, n)
		r.zeroBased = r.zeroBased || n == 0
	}
}

// pingHeader parses a run's header: the target (the name as typed, with
// the address when it differs) and the IP packet size. The forms:
//
//	PING 198.19.1.4 (198.19.1.4) 1372(1400) bytes of data.
//	PING vm1 (198.19.1.4) from 198.18.10.10 eth0: 56(84) bytes of data.
//	PING 2001:db8::4(2001:db8::4) 56 data bytes
//	PING 198.19.1.4 (198.19.1.4): 56 data bytes
func pingHeader(line string) (target string, size int, small, ok bool) {
	if !strings.HasPrefix(line, "PING ") {
		return "", 0, false, false
	}
	rest := line[len("PING "):]
	open := strings.IndexByte(rest, '(')
	if open <= 0 {
		return "", 0, false, false
	}
	end := strings.IndexByte(rest[open:], ')')
	if end < 0 {
		return "", 0, false, false
	}
	name := strings.TrimSpace(rest[:open])
	addr := strings.TrimSpace(rest[open+1 : open+end])
	if name == "" || addr == "" || strings.ContainsAny(name, " \t") || strings.ContainsAny(addr, " \t") {
		return "", 0, false, false
	}
	tail := rest[open+end+1:]
	data := -1
	switch {
	case strings.HasSuffix(tail, " bytes of data."), strings.HasSuffix(tail, " bytes of data"):
		// "1372(1400) bytes of data."
		tail = strings.TrimSuffix(strings.TrimSuffix(tail, "."), " bytes of data")
		f := lastField(tail)
		d, ip, found := strings.Cut(f, "(")
		if !found || !strings.HasSuffix(ip, ")") {
			return "", 0, false, false
		}
		data, size = atoiStrict(d), atoiStrict(strings.TrimSuffix(ip, ")"))
		if data < 0 || size <= 0 {
			return "", 0, false, false
		}
	case strings.HasSuffix(tail, " data bytes"):
		data = atoiStrict(lastField(strings.TrimSuffix(tail, " data bytes")))
		if data < 0 {
			return "", 0, false, false
		}
		size = data + 28 // IPv4 20 + ICMP 8
		if strings.Contains(addr, ":") {
			size = data + 48 // IPv6 40 + ICMPv6 8
		}
	default:
		return "", 0, false, false
	}
	target = addr
	if !strings.EqualFold(name, addr) {
		target = name + " (" + addr + ")"
	}
	return target, size, data <= 56, true
}

// lastField is the last blank-separated field of s.
func lastField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.TrimSuffix(f[len(f)-1], ":")
}

// atoiStrict parses a non-negative decimal of up to 9 digits, -1 if s is not one.
func atoiStrict(s string) int {
	if s == "" || len(s) > 9 {
		return -1
	}
	return digits(s, 0, len(s))
}

// pingStamp strips a `ping -D` timestamp ("[1795314705.278110] ") from
// the start of line.
func pingStamp(line string) (time.Time, string, bool) {
	if len(line) < 3 || line[0] != '[' {
		return timeZero, line, false
	}
	end := strings.IndexByte(line, ']')
	if end < 2 {
		return timeZero, line, false
	}
	sec, frac, _ := strings.Cut(line[1:end], ".")
	if len(sec) == 0 || len(sec) > 10 || len(frac) > 9 {
		return timeZero, line, false
	}
	s := digits(sec, 0, len(sec))
	ns := 0
	if frac != "" {
		ns = digits(frac, 0, len(frac))
		for i := len(frac); i < 9; i++ {
			ns *= 10
		}
	}
	if s < 0 || ns < 0 {
		return timeZero, line, false
	}
	return time.Unix(int64(s), int64(ns)).UTC(), strings.TrimLeft(line[end+1:], " \t"), true
}

// pingStats parses the statistics line: "4 packets transmitted, 3
// received, +1 errors, 25% packet loss, time 3004ms" (BSD and BusyBox:
// "4 packets received").
func pingStats(t string) (sent, recv, errs int, ok bool) {
	parts := strings.Split(t, ",")
	if len(parts) < 2 {
		return 0, 0, 0, false
	}
	n, unit, _ := strings.Cut(strings.TrimSpace(parts[0]), " ")
	if sent = atoiStrict(n); sent < 0 || unit != "packets transmitted" {
		return 0, 0, 0, false
	}
	n, unit, _ = strings.Cut(strings.TrimSpace(parts[1]), " ")
	if recv = atoiStrict(n); recv < 0 || (unit != "received" && unit != "packets received") {
		return 0, 0, 0, false
	}
	for _, p := range parts[2:] {
		p = strings.TrimSpace(p)
		if strings.HasPrefix(p, "+") && strings.HasSuffix(p, " errors") {
			errs = max(atoiStrict(strings.TrimSuffix(p[1:], " errors")), 0)
		}
	}
	return sent, recv, errs, true
}

// seqOf reads the sequence number after "icmp_seq=" ("icmp_req=" in old
// iputils, "seq=" in BusyBox); ok false if there is none.
func seqOf(t string) (int, bool) {
	for _, k := range []string{"seq=", "icmp_req="} {
		if i := strings.Index(t, k); i >= 0 {
			j := i + len(k)
			e := j
			for e < len(t) && e-j < 9 && t[e] >= '0' && t[e] <= '9' {
				e++
			}
			if n := atoiStrict(t[j:e]); n >= 0 {
				return n, true
			}
		}
	}
	return 0, false
}

// hasSeq reports a sequence number in t.
func hasSeq(t string) bool {
	_, ok := seqOf(t)
	return ok
}

// mtuOf reads the MTU a "too big" message names: "mtu=1230", "(mtu = 1230)",
// "mtu: 1230"; 0 if none.
func mtuOf(lower string) int {
	i := strings.LastIndex(lower, "mtu")
	if i < 0 {
		return 0
	}
	s := strings.TrimLeft(lower[i+3:], " =:")
	e := 0
	for e < len(s) && e < 9 && s[e] >= '0' && s[e] <= '9' {
		e++
	}
	return max(atoiStrict(s[:e]), 0)
}

// isTooBig reports a refusal: the packet is larger than the host's or a
// router's MTU, with DF set.
func isTooBig(lower string) bool {
	return strings.Contains(lower, "message too long") || strings.Contains(lower, "frag needed") ||
		strings.Contains(lower, "fragmentation needed") || strings.Contains(lower, "packet too big")
}

// sniffPing scores head as ping output: a run's header is needed.
func sniffPing(head []string) int {
	n, header := 0, false
	for _, line := range head {
		_, t, _ := pingStamp(strings.TrimSpace(line))
		if _, _, _, ok := pingHeader(t); ok {
			header = true
			n += 3
			continue
		}
		if isPingLine(t) {
			n++
		}
	}
	if !header {
		return 0
	}
	return n
}

// isPingLine reports a line of a run other than its header.
func isPingLine(t string) bool {
	switch {
	case strings.Contains(t, " bytes from ") && hasSeq(t),
		strings.HasPrefix(t, "From ") && hasSeq(t),
		strings.HasPrefix(t, "--- ") && strings.HasSuffix(t, " ping statistics ---"),
		strings.HasPrefix(t, "rtt min/avg/max/"), strings.HasPrefix(t, "round-trip min/avg/max"),
		strings.HasPrefix(t, "ping: ") && isTooBig(asciiLower(t)):
		return true
	}
	_, _, _, ok := pingStats(t)
	return ok
}

// parsePing reads ping runs.
func parsePing(b *builder, s *source) {
	var cur *pingRun
	flush := func() {
		if cur != nil {
			cur.finish()
			b.pings = append(b.pings, *cur)
			cur = nil
		}
	}
	s.lines(func(line string) bool {
		ts, t, stamped := pingStamp(strings.TrimSpace(line))
		if target, size, small, ok := pingHeader(t); ok {
			flush()
			cur = &pingRun{target: target, size: size, small: small, zeroBased: strings.HasSuffix(t, " data bytes") && strings.Contains(t, "): ")}
			return true
		}
		if cur == nil {
			return false // before any header: another command's output
		}
		lower := asciiLower(t)
		switch {
		case strings.Contains(t, " bytes from ") && hasSeq(t):
			cur.replies++
			cur.seen(t)
		case strings.HasPrefix(t, "From ") && hasSeq(t):
			cur.seen(t)
			if isTooBig(lower) {
				cur.refused = true
				if m := mtuOf(lower); m > 0 && (cur.mtu == 0 || m < cur.mtu) {
					cur.mtu = m
				}
			} else if !cur.stats {
				cur.errs++ // Destination Host Unreachable, Time to live exceeded, ...
			}
		case strings.HasPrefix(lower, "ping: ") && isTooBig(lower):
			cur.refused = true
			if m := mtuOf(lower); m > 0 && (cur.mtu == 0 || m < cur.mtu) {
				cur.mtu = m
			}
		case strings.HasPrefix(lower, "no answer yet for icmp_seq="), strings.HasPrefix(lower, "request timeout for icmp_seq"):
			cur.seen(strings.Replace(t, "icmp_seq ", "icmp_seq=", 1))
		case strings.HasPrefix(t, "--- ") && strings.HasSuffix(t, " ping statistics ---"),
			strings.HasPrefix(t, "rtt min/avg/max/"), strings.HasPrefix(t, "round-trip min/avg/max"):
		default:
			sent, recv, errs, ok := pingStats(t)
			if !ok {
				return false
			}
			cur.stats, cur.sent, cur.recv, cur.errs = true, sent, recv, errs
		}
		if stamped {
			b.probeTimes = append(b.probeTimes, ts)
		}
		return true
	})
	flush()
}

// probes turns the ping runs read into Probes: nil when there were none.
func (b *builder) probes() *diagnose.Probes {
	if len(b.pings) == 0 {
		return nil
	}
	p := &diagnose.Probes{}
	var targets []string
	var ping *diagnose.PingResult
	var pm *diagnose.PMTUResult
	var silent []int
	minRefusedMTU := 0 // the smallest MTU any refusal named
	for _, r := range b.pings {
		targets = append(targets, r.target)
		if r.small {
			if ping == nil {
				ping = &diagnose.PingResult{}
			}
			ping.Sent += r.sent
			ping.Received += r.recv
			continue
		}
		if pm == nil {
			pm = &diagnose.PMTUResult{}
		}
		pm.LargestTried = max(pm.LargestTried, r.size)
		switch {
		case r.passed():
			pm.MaxPassing = max(pm.MaxPassing, r.size)
		case r.refusedRun():
			if pm.MinRefused == 0 || r.size < pm.MinRefused || (r.size == pm.MinRefused && pm.ReportedMTU == 0) {
				pm.MinRefused, pm.ReportedMTU = r.size, r.mtu
			}
			if r.mtu > 0 && (minRefusedMTU == 0 || r.mtu < minRefusedMTU) {
				minRefusedMTU = r.mtu
			}
		case r.silent():
			silent = append(silent, r.size)
		}
	}
	if pm != nil {
		for _, sz := range silent {
			if sz > pm.MaxPassing && (pm.MinSilent == 0 || sz < pm.MinSilent) {
				pm.MinSilent = sz
			}
		}
		if pm.MinRefused > 0 && pm.ReportedMTU == 0 {
			pm.ReportedMTU = minRefusedMTU
		}
	}
	p.Target = strings.Join(uniq(targets), ", ")
	p.Ping, p.PMTU = ping, pm
	return p
}
