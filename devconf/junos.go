package devconf

import (
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/compat"
)

var junos = Syntax{
	Name:  "junos",
	Title: "Juniper SRX (Junos, set commands or curly braces)",
	Description: "security ike proposal/policy/gateway, security ipsec proposal/policy/vpn (bind-interface st0, traffic-selector), " +
		"security flow tcp-mss, interfaces st0, routing-options static/autonomous-system, protocols bgp; 'show configuration' " +
		"output is read as the equivalent set commands.",
	Sniff: func(text string) int {
		if lineStarts(text, "set security ike ") || lineStarts(text, "set security ipsec ") {
			return 90
		}
		if lineStarts(text, "security {") && (lineStarts(text, "ike {") || lineStarts(text, "ipsec {")) {
			return 85
		}
		return 0
	},
	Import: importJunos,
	Example: `set security ike proposal azure-ike authentication-method pre-shared-keys
set security ike proposal azure-ike dh-group group2
set security ike proposal azure-ike authentication-algorithm sha-256
set security ike proposal azure-ike encryption-algorithm aes-256-cbc
set security ike policy azure-pol proposals azure-ike
set security ike policy azure-pol pre-shared-key ascii-text "<key>"
set security ike gateway azure-gw ike-policy azure-pol
set security ike gateway azure-gw address 203.0.113.10
set security ike gateway azure-gw version v2-only
set security ike gateway azure-gw dead-peer-detection interval 10
set security ipsec proposal azure-esp protocol esp
set security ipsec proposal azure-esp encryption-algorithm aes-256-gcm
set security ipsec policy azure-ipsec proposals azure-esp
set security ipsec vpn azure bind-interface st0.0
set security ipsec vpn azure ike gateway azure-gw
set security ipsec vpn azure ike ipsec-policy azure-ipsec
set security flow tcp-mss ipsec-vpn mss 1350
set protocols bgp group azure type external
set protocols bgp group azure peer-as 65515
set protocols bgp group azure neighbor 169.254.21.1
set routing-options autonomous-system 65010`,
}

// setLine is one Junos statement as its set path.
type setLine struct {
	words []string
	line  int
}

// junosSetLines reads set commands, or converts the curly-brace form
// ("show configuration") into the equivalent set paths, each with the line
// of its leaf statement.
func junosSetLines(f File) ([]setLine, error) {
	var out []setLine
	var stack [][]string
	var opens []int
	for i, raw := range strings.Split(string(f.Data), "\n") {
		n := i + 1
		t := strings.TrimSpace(raw)
		if j := strings.Index(t, "## "); j >= 0 {
			t = strings.TrimSpace(t[:j])
		}
		if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "/*") || strings.HasSuffix(t, "> show configuration") {
			continue
		}
		if strings.HasPrefix(t, "set ") || strings.HasPrefix(t, "deactivate ") || strings.HasPrefix(t, "delete ") {
			if strings.HasPrefix(t, "set ") {
				out = append(out, setLine{words: junosWords(t[4:]), line: n})
			}
			continue
		}
		switch {
		case strings.HasSuffix(t, "{"):
			stack = append(stack, junosWords(strings.TrimSuffix(t, "{")))
			opens = append(opens, n)
		case t == "}":
			if len(stack) == 0 {
				return nil, &SyntaxError{File: f.Name, Line: n, Msg: "'}' without an open block"}
			}
			stack, opens = stack[:len(stack)-1], opens[:len(opens)-1]
		case strings.HasSuffix(t, ";"):
			var path []string
			for _, s := range stack {
				path = append(path, s...)
			}
			out = append(out, setLine{words: append(path, junosWords(strings.TrimSuffix(t, ";"))...), line: n})
		case t == "commit" || t == "exit" || t == "configure" || t == "edit":
		default:
			return nil, &SyntaxError{File: f.Name, Line: n, Msg: "not a Junos statement: " + quoteShort(t)}
		}
	}
	if len(stack) > 0 {
		return nil, &SyntaxError{File: f.Name, Line: opens[len(opens)-1], Msg: "block is not closed"}
	}
	return out, nil
}

// junosWords splits on spaces, keeping "quoted strings" and [ lists ] whole.
func junosWords(s string) []string {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		switch s[0] {
		case '"':
			j := strings.Index(s[1:], `"`)
			if j < 0 {
				return append(out, s[1:])
			}
			out = append(out, s[1:j+1])
			s = s[j+2:]
		case '[':
			j := strings.Index(s, "]")
			if j < 0 {
				j = len(s) - 1
			}
			out = append(out, strings.Fields(s[1:j])...)
			s = s[j+1:]
		default:
			j := strings.IndexAny(s, " \t")
			if j < 0 {
				return append(out, s)
			}
			out = append(out, s[:j])
			s = s[j:]
		}
	}
	return out
}

func (l setLine) has(prefix ...string) bool {
	if len(l.words) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if p != "*" && l.words[i] != p {
			return false
		}
	}
	return true
}

func (l setLine) at(i int) string {
	if i < len(l.words) {
		return l.words[i]
	}
	return ""
}

func importJunos(r *Result, files []File) error {
	f := files[0]
	lines, err := junosSetLines(f)
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return &SyntaxError{File: f.Name, Msg: "no Junos statements"}
	}
	d := &r.Device
	first := src(f.Name, lines[0].line)
	d.IKEVersion = compat.At(1, first) // Junos' default: v1-only
	d.NATT = compat.At("auto", first)
	d.DPD = compat.At(time.Duration(0), first)
	d.PFS = compat.At("none", first)
	d.ChildLifetime = compat.At(time.Hour, first)
	d.IKELifetime = compat.At(8*time.Hour, first)
	type prop struct {
		enc, integ, dh []string
		line           int
	}
	ike, esp := map[string]*prop{}, map[string]*prop{}
	var ikeOrder, espOrder []string
	get := func(m map[string]*prop, order *[]string, name string, line int) *prop {
		if p, ok := m[name]; ok {
			return p
		}
		m[name] = &prop{line: line}
		*order = append(*order, name)
		return m[name]
	}
	var bgp *compat.BGP
	bgpNeighbor := map[string]*compat.Neighbor{}
	var nbrOrder []string
	var groupASN compat.Value[uint32]
	var groupMultihop compat.Value[int]
	routeBased, tsSeen := false, false
	for _, l := range lines {
		s := src(f.Name, l.line)
		w := l.words
		switch {
		case l.has("security", "ike", "proposal"):
			p := get(ike, &ikeOrder, l.at(3), l.line)
			switch l.at(4) {
			case "dh-group":
				p.dh = append(p.dh, dhGroup(l.at(5)))
			case "authentication-algorithm":
				p.integ = append(p.integ, junosAlg(l.at(5)))
			case "encryption-algorithm":
				p.enc = append(p.enc, junosAlg(l.at(5)))
			case "lifetime-seconds":
				if n, ok := atoi(l.at(5)); ok {
					d.IKELifetime = compat.At(time.Duration(n)*time.Second, s)
				}
			case "authentication-method":
				if l.at(5) != "pre-shared-keys" {
					r.note(s, "authentication-method %s: Azure's site-to-site connections use a pre-shared key only", l.at(5))
				}
			case "description", "":
			default:
				r.unknown(f.Name, l.line, strings.Join(w, " "))
			}
		case l.has("security", "ike", "policy"):
			switch l.at(4) {
			case "pre-shared-key":
				key := l.at(6)
				if strings.HasPrefix(key, "$9$") {
					d.PSK = atOpaque(s)
				} else {
					d.PSK = atSecret(key, s)
				}
			case "mode", "proposals", "proposal-set", "description":
			default:
				r.unknown(f.Name, l.line, strings.Join(w, " "))
			}
		case l.has("security", "ike", "gateway"):
			switch l.at(4) {
			case "address":
				for _, a := range w[5:] {
					d.Peers = addUnique(d.Peers, compat.At(a, s))
				}
			case "version":
				switch l.at(5) {
				case "v2-only":
					d.IKEVersion = compat.At(2, s)
				case "v1-only":
					d.IKEVersion = compat.At(1, s)
				}
			case "dead-peer-detection":
				d.DPD = compat.At(10*time.Second, s)
				for i := 5; i+1 < len(w); i++ {
					if w[i] == "interval" {
						if n, ok := atoi(w[i+1]); ok {
							d.DPD = compat.At(time.Duration(n)*time.Second, s)
						}
					}
				}
			case "no-nat-traversal":
				d.NATT = compat.At("off", s)
			case "local-identity":
				d.LocalID = compat.At(l.at(len(w)-1), s)
			case "remote-identity":
				d.RemoteID = compat.At(l.at(len(w)-1), s)
			case "local-address":
				d.LocalAddress = compat.At(l.at(5), s)
			case "ike-policy", "external-interface", "description", "nat-keepalive", "general-ikeid":
			default:
				r.unknown(f.Name, l.line, strings.Join(w, " "))
			}
		case l.has("security", "ipsec", "proposal"):
			p := get(esp, &espOrder, l.at(3), l.line)
			switch l.at(4) {
			case "authentication-algorithm":
				p.integ = append(p.integ, junosAlg(l.at(5)))
			case "encryption-algorithm":
				p.enc = append(p.enc, junosAlg(l.at(5)))
			case "lifetime-seconds":
				if n, ok := atoi(l.at(5)); ok {
					d.ChildLifetime = compat.At(time.Duration(n)*time.Second, s)
				}
			case "lifetime-kilobytes":
				if n, ok := atoi(l.at(5)); ok {
					d.ChildLifeKB = compat.At(int64(n), s)
				}
			case "protocol":
				if l.at(5) != "esp" {
					r.note(s, "protocol %s: Azure uses ESP", l.at(5))
				}
			case "description", "":
			default:
				r.unknown(f.Name, l.line, strings.Join(w, " "))
			}
		case l.has("security", "ipsec", "policy"):
			switch l.at(4) {
			case "perfect-forward-secrecy":
				d.PFS = compat.At(dhGroup(l.at(6)), s)
			case "proposals", "proposal-set", "description":
			default:
				r.unknown(f.Name, l.line, strings.Join(w, " "))
			}
		case l.has("security", "ipsec", "vpn"):
			switch l.at(4) {
			case "bind-interface":
				routeBased = true
			case "traffic-selector":
				tsSeen = true
				switch l.at(6) {
				case "local-ip":
					d.LocalTS = addUnique(d.LocalTS, compat.At(cidr(l.at(7), ""), s))
				case "remote-ip":
					d.RemoteTS = addUnique(d.RemoteTS, compat.At(cidr(l.at(7), ""), s))
				}
			case "ike", "establish-tunnels", "df-bit", "description", "vpn-monitor", "copy-outer-dscp":
			default:
				r.unknown(f.Name, l.line, strings.Join(w, " "))
			}
		case l.has("security", "flow", "tcp-mss", "ipsec-vpn", "mss"):
			if n, ok := atoi(l.at(5)); ok {
				d.MSSClamp = compat.At(n, s)
			}
		case l.has("interfaces", "st0"):
			if i := indexOf(w, "mtu"); i >= 0 {
				if n, ok := atoi(l.at(i + 1)); ok {
					d.TunnelMTU = compat.At(n, s)
				}
			}
		case l.has("routing-options", "static", "route"):
			if strings.HasPrefix(l.at(len(w)-1), "st0") {
				d.StaticRoutes = addUnique(d.StaticRoutes, compat.At(l.at(3), s))
			} else {
				r.skip(f.Name, l.line, l.line, "static route outside the tunnel")
			}
		case l.has("routing-options", "autonomous-system"):
			if bgp == nil {
				bgp = &compat.BGP{}
			}
			n, _ := atoi(l.at(2))
			bgp.ASN = compat.At(uint32(n), s)
		case l.has("protocols", "bgp"):
			if bgp == nil {
				bgp = &compat.BGP{}
			}
			i := indexOf(w, "neighbor")
			var nb *compat.Neighbor
			if i >= 0 && i+1 < len(w) {
				ip := w[i+1]
				if bgpNeighbor[ip] == nil {
					bgpNeighbor[ip] = &compat.Neighbor{Address: compat.At(ip, s)}
					nbrOrder = append(nbrOrder, ip)
				}
				nb = bgpNeighbor[ip]
			}
			if j := indexOf(w, "peer-as"); j >= 0 {
				n, _ := atoi(l.at(j + 1))
				if nb != nil {
					nb.ASN = compat.At(uint32(n), s)
				} else {
					groupASN = compat.At(uint32(n), s)
				}
			}
			if j := indexOf(w, "multihop"); j >= 0 {
				ttl := 64
				if k := indexOf(w, "ttl"); k >= 0 {
					ttl, _ = atoi(l.at(k + 1))
				}
				if nb != nil {
					nb.Multihop = compat.At(ttl, s)
				} else {
					groupMultihop = compat.At(ttl, s)
				}
			}
			if j := indexOf(w, "local-address"); j >= 0 {
				bgp.LocalAddress = compat.At(l.at(j+1), s)
			}
			if j := indexOf(w, "hold-time"); j >= 0 {
				if n, ok := atoi(l.at(j + 1)); ok {
					bgp.HoldTime = compat.At(time.Duration(n)*time.Second, s)
				}
			}
			if j := indexOf(w, "local-as"); j >= 0 {
				n, _ := atoi(l.at(j + 1))
				bgp.ASN = compat.At(uint32(n), s)
			}
		case l.has("policy-options", "policy-statement") && (indexOf(w, "route-filter") >= 0 || indexOf(w, "prefix-list") >= 0):
			if j := indexOf(w, "route-filter"); j >= 0 && bgp != nil || j >= 0 {
				if bgp == nil {
					bgp = &compat.BGP{}
				}
				bgp.Announced = addUnique(bgp.Announced, compat.At(l.at(j+1), s))
			} else {
				r.skip(f.Name, l.line, l.line, "routing policy")
			}
		case l.has("security"), l.has("system"), l.has("interfaces"), l.has("routing-options"), l.has("protocols"),
			l.has("policy-options"), l.has("vlans"), l.has("version"), l.has("firewall"), l.has("snmp"), l.has("applications"):
			r.skip(f.Name, l.line, l.line, "device configuration without bearing on the connection to Azure")
		default:
			r.unknown(f.Name, l.line, strings.Join(w, " "))
		}
	}
	for _, name := range ikeOrder {
		p := ike[name]
		d.IKEProposals = append(d.IKEProposals, compat.At(joinProposal(p.enc, p.integ, p.dh), src(f.Name, p.line)))
	}
	for _, name := range espOrder {
		p := esp[name]
		d.ESPProposals = append(d.ESPProposals, compat.At(joinProposal(p.enc, p.integ), src(f.Name, p.line)))
	}
	if bgp != nil {
		for _, ip := range nbrOrder {
			n := bgpNeighbor[ip]
			if !n.ASN.Set {
				n.ASN = groupASN
			}
			if !n.Multihop.Set {
				n.Multihop = groupMultihop
			}
			bgp.Neighbors = append(bgp.Neighbors, *n)
		}
		if len(bgp.Neighbors) > 0 {
			d.BGP = bgp
		}
	}
	d.PolicyBased = compat.At(!routeBased && !tsSeen, first)
	if routeBased && !tsSeen {
		d.LocalTS, d.RemoteTS = nil, nil
	}
	return nil
}

func indexOf(w []string, s string) int {
	for i, x := range w {
		if x == s {
			return i
		}
	}
	return -1
}

func junosAlg(a string) string {
	return map[string]string{"aes-256-cbc": "aes256", "aes-192-cbc": "aes192", "aes-128-cbc": "aes128", "3des-cbc": "3des",
		"des-cbc": "des", "aes-256-gcm": "aes256gcm16", "aes-128-gcm": "aes128gcm16", "sha1": "sha1", "sha-256": "sha256",
		"sha-384": "sha384", "sha-512": "sha512", "md5": "md5", "hmac-sha1-96": "sha1", "hmac-sha-256-128": "sha256",
		"hmac-sha-256-96": "sha256", "hmac-sha-384": "sha384", "hmac-sha-512": "sha512", "hmac-md5-96": "md5"}[a]
}

var ()
