package offline

import "strings"

// libreswan's pluto: its messages are kept verbatim; the knowledge base's
// libreswan signatures (diagnose/kb/signatures/*libreswan*.yaml) read
// pluto's own wording of each fault.

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// plutoPrefix splits `"azure" #1: message` (also `"azure"[1] 203.0.113.10 #1:`)
// into the connection, the state serial and the message.
func plutoPrefix(m string) (conn, serial, rest string) {
	if !strings.HasPrefix(m, `"`) {
		return "", "", m
	}
	e := strings.IndexByte(m[1:], '"')
	if e < 0 {
		return "", "", m
	}
	conn = m[1 : e+1]
	r := m[e+2:]
	h := strings.Index(r, "#")
	c := strings.Index(r, ": ")
	if h < 0 || c < 0 || h > c {
		if c >= 0 {
			return conn, "", r[c+2:]
		}
		return conn, "", r
	}
	return conn, r[h+1 : c], r[c+2:]
}

// serialAfter returns the state serial after "#" in s[i:] ("deleting state
// #2", "using isakmp#1"), "" if none.
func serialAfter(s string, i int) string {
	h := strings.IndexByte(s[i:], '#')
	if h < 0 {
		return ""
	}
	j := i + h + 1
	k := j
	for k < len(s) && s[k] >= '0' && s[k] <= '9' {
		k++
	}
	return s[j:k]
}

// pluto follows one pluto message. An IKE (ISAKMP/parent) SA and its
// Child (IPsec) SAs are pluto states, each with a serial.
func (t *tracker) pluto(e *entry) {
	conn, serial, rest := plutoPrefix(e.line.Message)
	if serial == "" {
		return
	}
	key := func(n string) string { return conn + " #" + n }
	k := key(serial)
	switch {
	case strings.Contains(rest, "initiating") && !containsAny(rest, "Quick Mode", "Child SA", "CHILD_SA"):
		sa := t.open(k, conn)
		if i := strings.Index(rest, " to "); i >= 0 {
			sa.remote = strings.TrimRight(word(rest[i+4:]), ":,;")
		}
	case containsAny(rest, "established IKE SA", "IKE SA established", "ISAKMP SA established", "PARENT SA established",
		"STATE_V2_ESTABLISHED_IKE_SA", "STATE_MAIN_I4", "STATE_MAIN_R3", "STATE_AGGR_I2", "STATE_AGGR_R2"):
		sa := t.open(k, conn)
		sa.state = "ESTABLISHED"
		if strings.Contains(rest, "PARENT SA established tunnel mode") {
			sa.addChild(k + " child") // libreswan 3: the first Child SA comes with it
		}
	case containsAny(rest, "established Child SA", "IPsec SA established", "STATE_V2_ESTABLISHED_CHILD_SA"):
		var parent *trackedSA
		if i := strings.Index(rest, "using "); i >= 0 {
			if n := serialAfter(rest, i); n != "" {
				parent = t.find(key(n))
			}
		}
		if parent == nil {
			parent = t.latest("ESTABLISHED", conn)
		}
		if parent != nil {
			parent.addChild(k)
		}
	case strings.Contains(rest, "deleting"):
		target := k
		if n := serialAfter(rest, strings.Index(rest, "deleting")); n != "" {
			target = key(n)
		}
		if sa := t.find(target); sa != nil {
			t.remove(sa)
		} else {
			t.removeChild(target)
		}
	case containsAny(rest, "AUTHENTICATION_FAILED", "authentication failed", "INVALID_HASH_INFORMATION", "timeout exceeded",
		"No response (or no acceptable response)", "max number of retransmissions", "encountered fatal error"):
		if sa := t.find(k); sa != nil && sa.state != "ESTABLISHED" {
			t.remove(sa)
		}
	}
}
