package offline

import (
	"slices"
	"strings"
	"time"
)

// Daemon log lines share their framing whatever the daemon: charon's own
// file log ("2026-11-22T02:22:37 09[IKE] <azure|1> msg", or with the default
// "Nov 22 02:22:37" time, or with no time at all), syslog ("Nov 22 02:22:37
// host charon: 09[IKE] msg", also RFC 3339 times), journalctl text
// ("... host charon-systemd[812]: msg"), pluto's own log ("Nov 22
// 02:22:37.123456: msg"), FRR's log file ("2026/11/22 02:22:37 BGP: msg")
// and gobgpd's logfmt ("time=... level=... msg=..."). parseLogLine takes the
// frame off; the daemon's file (strongswan.go, libreswan.go, bgp.go) reads
// the message.

// Daemons, by the program a line names.
const (
	progNone   = iota
	progCharon // charon, charon-systemd, ...
	progPluto  // libreswan
	progBGP    // FRR bgpd, gobgpd
	progOther  // another program in a syslog file
)

type logLine struct {
	t    time.Time
	prog int
	msg  string
	sa   string // charon's "<azure|3>" as "azure[3]"
}

// parseLogLine parses a daemon log line; ok is false when line is not one.
func parseLogLine(line string) (logLine, bool) {
	var l logLine
	s := line
	if strings.HasPrefix(s, `time="`) || strings.HasPrefix(s, "level=") {
		return logfmtLine(s)
	}
	t, n := isoTime(s)
	if n == 0 {
		t, n = bsdTime(s)
	}
	dated := n > 0
	if dated {
		l.t = t
		s = strings.TrimLeft(s[n:], " \t")
	}
	if msg, sa, ok := charonThread(s); ok {
		l.prog, l.msg, l.sa = progCharon, msg, sa
		return l, true
	}
	if !dated && !undatedDaemon(s) {
		return l, false
	}
	switch {
	case strings.HasPrefix(s, ": "): // pluto's own log file
		l.prog, l.msg = progPluto, s[2:]
		return l, true
	case strings.HasPrefix(s, "BGP: "): // FRR's log file
		l.prog, l.msg = progBGP, s[5:]
		return l, true
	}
	// syslog / journal: [host] tag[pid]: message
	tag := word(s)
	rest := ""
	if !strings.HasSuffix(tag, ":") {
		host := tag
		rest = strings.TrimLeft(s[len(host):], " ")
		tag = word(rest)
		if !strings.HasSuffix(tag, ":") {
			return l, false
		}
		rest = rest[len(tag):]
	} else {
		rest = s[len(tag):]
	}
	msg := strings.TrimLeft(rest, " ")
	prog := tag[:len(tag)-1]
	if i := strings.IndexByte(prog, '['); i > 0 {
		prog = prog[:i]
	}
	switch prog {
	case "charon", "charon-systemd", "charon-nm", "charon-cmd", "charon-svc", "ipsec_starter", "starter":
		l.prog = progCharon
		if m, sa, ok := charonThread(msg); ok {
			msg, l.sa = m, sa
		} else if m, sa, ok := ikeName(msg); ok {
			msg, l.sa = m, sa
		}
	case "pluto":
		l.prog = progPluto
	case "bgpd", "gobgpd", "gobgp", "bird", "bgp":
		l.prog = progBGP
		if strings.HasPrefix(msg, `time="`) || strings.HasPrefix(msg, "level=") {
			if lf, ok := logfmtLine(msg); ok {
				if lf.t.IsZero() {
					lf.t = l.t
				}
				return lf, true
			}
		}
	default:
		l.prog = progOther
	}
	l.msg = msg
	return l, true
}

// undatedDaemon reports whether s, a line without a time, starts with
// the syslog tag of an IKE daemon ("pluto[371]: ", "charon: "): what a
// paste of journalctl -o cat or a trimmed syslog holds.
func undatedDaemon(s string) bool {
	tag := word(s)
	if !strings.HasSuffix(tag, ":") {
		return false
	}
	prog := tag[:len(tag)-1]
	if i := strings.IndexByte(prog, '['); i > 0 {
		if !strings.HasSuffix(prog, "]") || !allDigits(prog[i+1:len(prog)-1]) {
			return false
		}
		prog = prog[:i]
	}
	switch prog {
	case "pluto", "charon", "charon-systemd":
		return len(s) > len(tag)
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// charonThread parses charon's "09[IKE] " thread and group (with the
// log_level option "09[IKE1] "), then the optional IKE SA name, returning
// the message.
func charonThread(s string) (msg, sa string, ok bool) {
	i := 0
	for i < len(s) && i < 4 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || len(s) < i+6 || s[i] != '[' {
		return "", "", false
	}
	for k := i + 1; k < i+4; k++ {
		if s[k] < 'A' || s[k] > 'Z' {
			return "", "", false
		}
	}
	e := i + 4
	if s[e] >= '0' && s[e] <= '9' {
		e++
	}
	if e+1 >= len(s) || s[e] != ']' || s[e+1] != ' ' {
		return "", "", false
	}
	msg = s[e+2:]
	if m, name, ok := ikeName(msg); ok {
		return m, name, true
	}
	return msg, "", true
}

// ikeName parses charon's "<azure|3> " prefix into "azure[3]".
func ikeName(s string) (msg, sa string, ok bool) {
	if len(s) < 3 || s[0] != '<' {
		return s, "", false
	}
	e := strings.IndexByte(s, '>')
	if e < 0 || e+1 >= len(s) || s[e+1] != ' ' {
		return s, "", false
	}
	inner := s[1:e]
	if name, id, found := strings.Cut(inner, "|"); found {
		sa = name + "[" + id + "]"
	}
	return s[e+2:], sa, true
}

// logfmtLine parses a logfmt line (gobgpd's logrus text output): the
// message is msg followed by the other fields, sorted, as the lab's
// collector writes them, so that a NOTIFICATION's reason is kept.
func logfmtLine(s string) (logLine, bool) {
	kv := logfmt(s)
	msg, ok := kv["msg"]
	if !ok {
		return logLine{}, false
	}
	l := logLine{prog: progBGP}
	if t, ok := anyTime(kv["time"]); ok {
		l.t = t
	}
	l.msg = withFields(msg, kv, "time", "level", "msg")
	return l, true
}

// logfmt splits key=value pairs; values may be double-quoted.
func logfmt(s string) map[string]string {
	kv := map[string]string{}
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ")
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			break
		}
		key := s[:eq]
		if strings.ContainsAny(key, " \"") {
			break
		}
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			j := 1
			var b strings.Builder
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
				j++
			}
			val = b.String()
			s = s[min(j+1, len(s)):]
		} else {
			val = word(s)
			s = s[len(val):]
		}
		kv[key] = val
	}
	return kv
}

// withFields appends the fields of kv not in skip to msg, as "k=v" sorted
// by key.
func withFields(msg string, kv map[string]string, skip ...string) string {
	keys := make([]string, 0, len(kv))
outer:
	for k := range kv {
		for _, s := range skip {
			if k == s {
				continue outer
			}
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return msg
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(msg)
	for _, k := range keys {
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(kv[k])
	}
	return b.String()
}

// parseLog reads a daemon log file.
func parseLog(b *builder, s *source) {
	client := isClientLog(s.text)
	var n [progOther + 1]int
	// One entry a line at most: growing the slice once saves copying it
	// log2(lines) times.
	if nl := strings.Count(s.text, "\n") + 1; client {
		b.p2sLog = slices.Grow(b.p2sLog, nl)
	} else {
		b.devLog = slices.Grow(b.devLog, nl)
	}
	s.lines(func(line string) bool {
		l, ok := parseLogLine(line)
		if !ok || l.prog == progOther || l.msg == "" {
			return false
		}
		n[l.prog]++
		switch l.prog {
		case progCharon:
			if client {
				b.clientLog(l.t, srcCharon, l.msg, l.sa)
			} else {
				b.deviceLog(l.t, srcCharon, l.msg, l.sa)
			}
		case progPluto:
			b.deviceLog(l.t, srcPluto, l.msg, "")
		case progBGP:
			b.deviceLog(l.t, srcBGP, l.msg, "")
		}
		return true
	})
	switch {
	case n[progCharon]+n[progPluto]+n[progBGP] == 0:
		s.rep.Format = fmtSyslog // another program's log: nothing for vpnlab
	case n[progPluto] > n[progCharon] && n[progPluto] >= n[progBGP]:
		s.rep.Format = fmtLibreswan
	case n[progBGP] > n[progCharon]:
		s.rep.Format = fmtBGPLog
	default:
		s.rep.Format = fmtStrongswan
		if client {
			s.rep.Format = fmtStrongswanClient
		}
	}
}

// sniffLog counts the lines of head that are daemon log lines.
func sniffLog(head []string) int {
	n := 0
	for _, line := range head {
		if l, ok := parseLogLine(line); ok && l.prog != progOther {
			n++
		}
	}
	return n
}
