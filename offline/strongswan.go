package offline

import (
	"strconv"
	"strings"

	"github.com/vpnlab/vpnlab/diagnose"
)

// strongSwan: charon's log messages (the framing is in logline.go),
// `swanctl --list-sas` and `--list-conns` output, and swanctl.conf /
// ipsec.conf (proposals only; secrets are never read).

// isClientLog reports whether a charon log is a remote-access client's: it
// asks for a virtual IP (CPRQ(ADDR)) or installs one, which a site-to-site
// gateway never does.
func isClientLog(text string) bool {
	return strings.Contains(text, "CPRQ(ADDR") || strings.Contains(text, "installing new virtual IP")
}

// charon follows one charon message.
func (t *tracker) charon(e *entry) {
	m := e.line.Message
	switch {
	case strings.HasPrefix(m, "initiating IKE_SA "):
		rest := m[len("initiating IKE_SA "):]
		name := word(rest)
		sa := t.open(name, connOf(name))
		sa.state = "CONNECTING"
		if i := strings.Index(rest, " to "); i >= 0 {
			sa.remote = word(rest[i+4:])
		}
	case strings.HasPrefix(m, "IKE_SA ") && strings.Contains(m, " established between "):
		name := word(m[len("IKE_SA "):])
		sa := t.open(name, connOf(name))
		sa.state = "ESTABLISHED"
		_, between, _ := strings.Cut(m, " established between ")
		sa.local, sa.remote = endpoints(between)
	case strings.HasPrefix(m, "CHILD_SA ") && strings.Contains(m, " established"):
		child := word(m[len("CHILD_SA "):])
		var parent *trackedSA
		if e.sa != "" {
			parent = t.find(e.sa)
		}
		if parent == nil {
			parent = t.latest("ESTABLISHED", connOf(child))
		}
		if parent != nil {
			parent.addChild(child)
		}
	case strings.HasPrefix(m, "closing CHILD_SA "):
		t.removeChild(word(m[len("closing CHILD_SA "):]))
	case strings.HasPrefix(m, "deleting CHILD_SA "):
		t.removeChild(word(m[len("deleting CHILD_SA "):]))
	case strings.HasPrefix(m, "deleting IKE_SA "):
		if sa := t.find(word(m[len("deleting IKE_SA "):])); sa != nil {
			t.remove(sa)
		}
	case strings.HasPrefix(m, "destroying IKE_SA in state "):
		var sa *trackedSA
		if e.sa != "" {
			sa = t.find(e.sa)
		}
		if sa == nil {
			sa = t.latest(word(m[len("destroying IKE_SA in state "):]), "")
		}
		if sa != nil {
			t.remove(sa)
		}
	case strings.HasPrefix(m, "IKE_SA ") && strings.Contains(m, " state change: "):
		name := word(m[len("IKE_SA "):])
		_, to, _ := strings.Cut(m, "=> ")
		to = word(to)
		if to == "DESTROYING" || to == "DELETING" {
			if sa := t.find(name); sa != nil {
				t.remove(sa)
			}
		} else if to != "" {
			t.open(name, connOf(name)).state = to
		}
	case strings.HasSuffix(m, " is initiating an IKE_SA") && e.sa != "":
		t.open(e.sa, connOf(e.sa))
	case charonIKEFailed(m):
		var sa *trackedSA
		if e.sa != "" {
			sa = t.find(e.sa)
		}
		if sa == nil {
			sa = t.latest("CONNECTING", "")
		}
		if sa != nil && sa.state != "ESTABLISHED" {
			t.remove(sa)
		}
	case strings.HasPrefix(m, "installing new virtual IP "):
		t.vip = word(m[len("installing new virtual IP "):])
	}
}

// charonIKEFailed reports a message after which charon gives the IKE SA up.
func charonIKEFailed(m string) bool {
	return strings.HasPrefix(m, "received AUTHENTICATION_FAILED notify error") ||
		strings.HasPrefix(m, "received NO_PROPOSAL_CHOSEN notify error") ||
		strings.HasPrefix(m, "giving up after ") ||
		strings.HasPrefix(m, "establishing IKE_SA failed") ||
		strings.HasPrefix(m, "establishing connection '") && strings.HasSuffix(m, "' failed") ||
		strings.Contains(m, "but MAC mismatched")
}

// --- swanctl --list-sas ---

// isListSAsIKE reports whether line heads an IKE SA in `swanctl --list-sas`:
// "azure: #3, ESTABLISHED, IKEv2, 1b2c..._i* 8c7b..._r".
func isListSAsIKE(line string) bool {
	if line == "" || line[0] == ' ' {
		return false
	}
	_, rest, ok := strings.Cut(line, ": #")
	return ok && strings.Contains(rest, ", IKEv")
}

// isListSAsChild reports whether line heads a CHILD SA:
// "  azure: #2, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256".
func isListSAsChild(line string) bool {
	return strings.HasPrefix(line, "  ") && strings.Contains(line, ": #") && strings.Contains(line, ", reqid ")
}

// parseListSAs reads `swanctl --list-sas` output. Listings repeated in
// one file or over several files (an IKE SA listed again starts a new
// listing) give CHILD SA packet deltas; the latest listing gives the SAs.
func parseListSAs(b *builder, s *source) {
	b.dev, b.sasSeen = true, true
	var cur []diagnose.IKESA
	seen := map[string]bool{}
	ike, child := -1, -1
	ikeKey, childKey := "", ""
	s.lines(func(line string) bool {
		if isListSAsIKE(line) {
			name, rest, _ := strings.Cut(line, ": #")
			f := strings.Split(rest, ", ")
			key := name + "#" + f[0]
			if seen[key] {
				b.sas, cur, seen = cur, nil, map[string]bool{}
			}
			seen[key] = true
			state := ""
			if len(f) > 1 {
				state = f[1]
			}
			cur = append(cur, diagnose.IKESA{State: state})
			ike, child, ikeKey = len(cur)-1, -1, key
			return true
		}
		if ike < 0 || line[0] != ' ' {
			return false
		}
		t := strings.TrimLeft(line, " ")
		indent := len(line) - len(t)
		switch {
		case isListSAsChild(line) && indent == 2:
			name, rest, _ := strings.Cut(t, ": #")
			f := strings.Split(rest, ", ")
			state := ""
			if len(f) > 2 {
				state = f[2]
			}
			cur[ike].Children = append(cur[ike].Children, diagnose.ChildSA{State: state})
			child, childKey = len(cur[ike].Children)-1, ikeKey+"/"+name+"#"+f[0]
		case indent == 2 && strings.HasPrefix(t, "local ") && strings.Contains(t, " @ "):
			cur[ike].Local = hostOf(t)
		case indent == 2 && strings.HasPrefix(t, "remote ") && strings.Contains(t, " @ "):
			cur[ike].Remote = hostOf(t)
		case child >= 0 && (strings.HasPrefix(t, "in ") || strings.HasPrefix(t, "out ")):
			bytes, packets := saCounters(t)
			c := &cur[ike].Children[child]
			dir := "/in"
			if t[0] == 'o' {
				dir = "/out"
			}
			k := childKey + dir
			b.saCount[k]++
			if b.saCount[k] == 1 {
				b.saFirst[k] = packets
			}
			delta := packets
			if b.saCount[k] > 1 {
				delta = sub(packets, b.saFirst[k])
			}
			if dir == "/in" {
				c.BytesIn, c.PacketsInDelta = bytes, delta
			} else {
				c.BytesOut, c.PacketsOutDelta = bytes, delta
			}
		}
		return true // algorithms, times, selectors: part of the listing
	})
	if cur != nil {
		b.sas = cur
	}
}

// hostOf returns the host of "local  '198.51.100.10' @ 198.51.100.10[4500]".
func hostOf(t string) string {
	_, h, _ := strings.Cut(t, " @ ")
	if i := strings.IndexAny(h, "[ "); i >= 0 {
		h = h[:i]
	}
	return h
}

// saCounters parses "in  c1234567,  12345 bytes,   100 packets,  1s ago".
func saCounters(t string) (bytes, packets uint64) {
	for _, part := range strings.Split(t, ",") {
		part = strings.TrimSpace(part)
		n, unit, ok := strings.Cut(part, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			continue
		}
		switch strings.TrimSpace(unit) {
		case "bytes":
			bytes = v
		case "packets":
			packets = v
		}
	}
	return bytes, packets
}

// --- swanctl --list-conns ---

// isListConns reports whether line heads a connection in `swanctl
// --list-conns`: "azure: IKEv2, no reauthentication, rekeying every 28800s, dpd delay 45s".
func isListConns(line string) bool {
	if line == "" || line[0] == ' ' {
		return false
	}
	_, rest, ok := strings.Cut(line, ": IKEv")
	return ok && (strings.Contains(rest, "reauthentication") || strings.Contains(rest, "rekeying"))
}

// parseListConns reads `swanctl --list-conns` output: the IKE version and
// DPD delay of the first connection (it shows no proposals).
func parseListConns(b *builder, s *source) {
	b.dev = true
	in := false
	s.lines(func(line string) bool {
		if isListConns(line) {
			in = true
			_, rest, _ := strings.Cut(line, ": IKEv")
			if v, err := strconv.Atoi(rest[:1]); err == nil && b.cfg.IKEVersion == 0 {
				b.cfg.IKEVersion = v
			}
			if _, d, ok := strings.Cut(rest, "dpd delay "); ok && b.cfg.DPDDelay == 0 {
				b.cfg.DPDDelay, _ = strconv.Atoi(strings.TrimSuffix(word(d), "s"))
			}
			return true
		}
		return in && line[0] == ' '
	})
}

// --- swanctl.conf, ipsec.conf, ipsec.secrets ---

// confKeys are the settings read from swanctl.conf and ipsec.conf
// (strongSwan and libreswan); everything else is skipped, secrets first.
var confKeys = map[string]bool{
	"proposals": true, "esp_proposals": true, "ike": true, "esp": true, "phase2alg": true,
	"version": true, "keyexchange": true, "ikev2": true, "dpd_delay": true, "dpddelay": true,
}

// confLine splits "key = value" (or "key=value").
func confLine(line string) (key, val string, ok bool) {
	t := strings.TrimSpace(line)
	k, v, ok := strings.Cut(t, "=")
	if !ok {
		return "", "", false
	}
	k = strings.TrimSpace(k)
	if k == "" || strings.ContainsAny(k, " \t\"") {
		return "", "", false
	}
	return k, strings.Trim(strings.TrimSpace(v), `"`), true
}

// sniffConf counts the lines of head that are strongSwan/libreswan
// configuration.
func sniffConf(head []string) int {
	n := 0
	distinct := false
	for _, line := range head {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "connections {"), strings.HasPrefix(t, "conn "), t == "config setup", strings.HasPrefix(t, "children {"):
			n++
			distinct = true
		default:
			if k, _, ok := confLine(t); ok {
				switch k {
				case "remote_addrs", "local_addrs", "esp_proposals", "keyexchange", "authby", "leftsubnet", "rightsubnet", "left", "right":
					distinct = true
				}
				n++
			} else if t == "}" || strings.HasSuffix(t, "{") {
				n++
			}
		}
	}
	if !distinct {
		return 0
	}
	return n
}

// parseConf reads proposals, IKE version and DPD delay from swanctl.conf or
// ipsec.conf. Only the settings in confKeys are read: a secret's value is
// never looked at.
func parseConf(b *builder, s *source) {
	b.dev = true
	s.lines(func(line string) bool {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") {
			return false
		}
		k, v, ok := confLine(t)
		if !ok {
			return t == "}" || strings.HasSuffix(t, "{") || strings.HasPrefix(t, "conn ") || t == "config setup"
		}
		if !confKeys[k] {
			return true
		}
		switch k {
		case "proposals", "ike":
			b.cfg.IKEProposals = append(b.cfg.IKEProposals, proposals(v)...)
		case "esp_proposals", "esp", "phase2alg":
			b.cfg.ESPProposals = append(b.cfg.ESPProposals, proposals(v)...)
		case "version":
			if n, err := strconv.Atoi(v); err == nil && b.cfg.IKEVersion == 0 && n > 0 {
				b.cfg.IKEVersion = n
			}
		case "keyexchange":
			switch strings.ToLower(v) {
			case "ikev1":
				b.cfg.IKEVersion = 1
			case "ikev2", "ike":
				b.cfg.IKEVersion = 2
			}
		case "ikev2":
			switch strings.ToLower(v) {
			case "insist", "yes", "propose":
				b.cfg.IKEVersion = 2
			case "no", "never":
				b.cfg.IKEVersion = 1
			}
		case "dpd_delay", "dpddelay":
			if n, err := strconv.Atoi(strings.TrimSuffix(v, "s")); err == nil && b.cfg.DPDDelay == 0 {
				b.cfg.DPDDelay = n
			}
		}
		return true
	})
}

// proposals splits "aes256-sha256-modp1024!, aes128-sha1-modp1024".
func proposals(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSuffix(strings.TrimSpace(p), "!")
		if p != "" && p != "default" {
			out = append(out, p)
		}
	}
	return out
}

// isSecretsLine reports an ipsec.secrets line ("a b : PSK "..."").
func isSecretsLine(line string) bool {
	for _, k := range []string{": PSK", ": RSA", ": ECDSA", ": EAP", ": XAUTH", ": P12", ": PIN", ":PSK"} {
		if strings.Contains(line, k) {
			return true
		}
	}
	return false
}

// parseSecrets reads nothing of a secrets file: every line is dropped.
func parseSecrets(_ *builder, s *source) {
	s.secret = true
	s.lines(func(string) bool { return false })
}
