package devconf

import (
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/compat"
)

var fortigate = Syntax{
	Name:  "fortigate",
	Title: "FortiGate (FortiOS CLI)",
	Description: "config vpn ipsec phase1-interface (ike-version, proposal, dhgrp, keylife, remote-gw, localid, psksecret, dpd, " +
		"nattraversal) and phase2-interface (proposal, pfs, dhgrp, keylifeseconds/kbs, src/dst-subnet), router bgp, router static, " +
		"system interface tcp-mss/mtu; other sections are skipped.",
	Sniff: func(text string) int {
		if !strings.Contains(text, "config ") {
			return 0
		}
		if lineStarts(text, "config vpn ipsec phase1-interface") {
			return 90
		}
		if anyLineStarts(text, "config system ", "config firewall ", "config router ") && strings.Contains(text, "\n    edit ") {
			return 30
		}
		return 0
	},
	Import: importFortigate,
	Example: `config vpn ipsec phase1-interface
    edit "azure"
        set interface "wan1"
        set ike-version 2
        set keylife 28800
        set proposal aes256-sha256
        set dhgrp 2
        set remote-gw 203.0.113.10
        set psksecret <key>
        set dpd on-idle
    next
end
config vpn ipsec phase2-interface
    edit "azure"
        set phase1name "azure"
        set proposal aes256gcm
        set pfs disable
        set keylifeseconds 27000
    next
end
config system interface
    edit "azure"
        set tcp-mss 1350
    next
end`,
}

// fgNode is a FortiOS config/edit node.
type fgNode struct {
	path     string // "vpn ipsec phase1-interface" or the edit name
	line     int
	end      int
	sets     map[string]fgSet
	order    []string // set keys in file order
	children []*fgNode
}

type fgSet struct {
	args []string
	line int
}

func parseFortigate(f File) ([]*fgNode, error) {
	var top []*fgNode
	var stack []*fgNode
	rawLines := strings.Split(string(f.Data), "\n")
	for i := 0; i < len(rawLines); i++ {
		n := i + 1
		t := strings.TrimSpace(strings.TrimRight(rawLines[i], "\r"))
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		// A quoted value may run over several lines (certificates, keys).
		for strings.Count(t, `"`)%2 == 1 && i+1 < len(rawLines) {
			i++
			t += "\n" + strings.TrimRight(rawLines[i], "\r")
		}
		w := junosWords(t)
		switch w[0] {
		case "config", "edit":
			nd := &fgNode{path: strings.Join(w[1:], " "), line: n, end: n, sets: map[string]fgSet{}}
			if len(stack) == 0 {
				if w[0] != "config" {
					return nil, &SyntaxError{File: f.Name, Line: n, Msg: "edit outside a config section"}
				}
				top = append(top, nd)
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, nd)
			}
			stack = append(stack, nd)
		case "next", "end":
			if len(stack) == 0 {
				return nil, &SyntaxError{File: f.Name, Line: n, Msg: w[0] + " without an open section"}
			}
			stack[len(stack)-1].end = n
			stack = stack[:len(stack)-1]
		case "set", "unset", "append", "select":
			if len(stack) == 0 {
				return nil, &SyntaxError{File: f.Name, Line: n, Msg: w[0] + " outside a config section"}
			}
			if w[0] == "set" && len(w) >= 2 {
				top := stack[len(stack)-1]
				if _, dup := top.sets[w[1]]; !dup {
					top.order = append(top.order, w[1])
				}
				top.sets[w[1]] = fgSet{args: w[2:], line: n}
			}
		default:
			if strings.Contains(t, " # ") || strings.HasSuffix(t, "#") {
				continue // a prompt line such as "FGT # show"
			}
			return nil, &SyntaxError{File: f.Name, Line: n, Msg: "not a FortiOS statement: " + quoteShort(t)}
		}
	}
	if len(stack) > 0 {
		return nil, &SyntaxError{File: f.Name, Line: stack[0].line, Msg: "config section is not closed with end"}
	}
	return top, nil
}

func (n *fgNode) get(key string) (string, compat.Source, bool) {
	s, ok := n.sets[key]
	if !ok {
		return "", compat.Source{}, false
	}
	return strings.Join(s.args, " "), compat.Source{Line: s.line}, true
}

// Phase 1/2 settings read, and those without bearing on the Azure checks.
var fgKnown1 = map[string]bool{"type": true, "interface": true, "ip-version": true, "ike-version": true, "local-gw": true,
	"keylife": true, "authmethod": true, "peertype": true, "proposal": true, "dhgrp": true, "localid": true,
	"localid-type": true, "dpd": true, "dpd-retryinterval": true, "dpd-retrycount": true, "nattraversal": true,
	"remote-gw": true, "psksecret": true, "mode-cfg": true, "exchange-interface-ip": true, "negotiate-timeout": true,
	"forticlient-enforcement": true, "comments": true, "npu-offload": true, "suite-b": true, "eap": true,
	"wizard-type": true, "reauth": true, "idle-timeout": true, "ha-sync-esp-seqno": true, "auto-discovery-sender": true,
	"auto-discovery-receiver": true, "auto-discovery-forwarder": true, "encapsulation": true, "monitor": true,
	"add-gw-route": true, "auto-negotiate": true, "net-device": true, "mode": true, "add-route": true,
	"fragmentation": true, "fragmentation-mtu": true, "keepalive": true, "distance": true, "priority": true,
	"mode-cfg-allow-client-selector": true, "network-overlay": true, "rekey": true, "tunnel-search": true}
var fgKnown2 = map[string]bool{"phase1name": true, "proposal": true, "pfs": true, "dhgrp": true, "replay": true,
	"keepalive": true, "auto-negotiate": true, "auto-discovery-sender": true, "auto-discovery-forwarder": true,
	"keylife-type": true, "encapsulation": true, "comments": true, "protocol": true, "src-addr-type": true,
	"src-port": true, "dst-addr-type": true, "dst-port": true, "keylifeseconds": true, "keylifekbs": true,
	"src-subnet": true, "dst-subnet": true, "src-name": true, "dst-name": true, "route-overlap": true, "single-source": true}

func importFortigate(r *Result, files []File) error {
	f := files[0]
	top, err := parseFortigate(f)
	if err != nil {
		return err
	}
	d := &r.Device
	at := func(s compat.Source) compat.Source { return src(f.Name, s.Line) }
	var p1, p2 *fgNode
	var tunnel string
	for _, sec := range top {
		switch sec.path {
		case "vpn ipsec phase1-interface", "vpn ipsec phase1":
			if len(sec.children) > 0 {
				p1 = sec.children[0]
				for _, c := range sec.children[1:] {
					r.skip(f.Name, c.line, c.end, "phase 1 "+c.path+": another tunnel than the one checked")
				}
			}
		case "vpn ipsec phase2-interface", "vpn ipsec phase2":
			if len(sec.children) > 0 {
				p2 = sec.children[0]
				for _, c := range sec.children[1:] {
					r.skip(f.Name, c.line, c.end, "phase 2 "+c.path+": another selector than the one checked")
				}
			}
		}
	}
	if p1 == nil {
		return &SyntaxError{File: f.Name, Msg: "no config vpn ipsec phase1-interface entry"}
	}
	tunnel = p1.path
	head := src(f.Name, p1.line)
	d.Name = tunnel
	d.IKEVersion = compat.At(1, head) // FortiOS default ike-version 1
	d.IKELifetime = compat.At(86400*time.Second, head)
	d.DPD = compat.At(20*time.Second, head) // on-demand by default
	d.NATT = compat.At("auto", head)
	dh := []string{"modp2048", "modp1536"} // default dhgrp "14 5"
	dhAt := head
	var p1Props []string
	p1At := head
	for _, k := range p1.order {
		s := p1.sets[k]
		v := strings.Join(s.args, " ")
		ss := src(f.Name, s.line)
		switch k {
		case "ike-version":
			if v == "2" {
				d.IKEVersion = compat.At(2, ss)
			} else {
				d.IKEVersion = compat.At(1, ss)
			}
		case "keylife":
			if n, ok := atoi(v); ok {
				d.IKELifetime = compat.At(time.Duration(n)*time.Second, ss)
			}
		case "proposal":
			p1Props, p1At = s.args, ss
		case "dhgrp":
			dh = nil
			for _, g := range s.args {
				dh = append(dh, dhGroup(g))
			}
			dhAt = ss
		case "remote-gw":
			d.Peers = addUnique(d.Peers, compat.At(v, ss))
		case "local-gw":
			if v != "0.0.0.0" {
				d.LocalAddress = compat.At(v, ss)
			}
		case "localid":
			if v != "" {
				d.LocalID = compat.At(v, ss)
			}
		case "psksecret":
			if strings.HasPrefix(v, "ENC ") {
				d.PSK = atOpaque(ss)
			} else {
				d.PSK = atSecret(v, ss)
			}
		case "authmethod":
			if v != "psk" {
				r.note(ss, "authmethod %s: Azure's site-to-site connections use a pre-shared key only", v)
			}
		case "dpd":
			if v == "disable" {
				d.DPD = compat.At(time.Duration(0), ss)
			} else {
				d.DPD = compat.At(d.DPD.V, ss)
			}
		case "dpd-retryinterval":
			if n, ok := atoi(strings.Fields(v)[0]); ok && d.DPD.V != 0 {
				d.DPD = compat.At(time.Duration(n)*time.Second, d.DPD.Source)
			}
		case "nattraversal":
			switch v {
			case "disable":
				d.NATT = compat.At("off", ss)
			case "forced":
				d.NATT = compat.At("force", ss)
			}
		case "mode":
			if v == "aggressive" {
				r.note(ss, "aggressive mode: Azure's IKEv1 uses main mode")
			}
		default:
			if !fgKnown1[k] {
				r.unknown(f.Name, s.line, "set "+k+" "+v)
			}
		}
	}
	for _, p := range p1Props {
		d.IKEProposals = append(d.IKEProposals, compat.At(fortiProposal(p)+"-"+strings.Join(dh, "-"), p1At))
	}
	if len(p1Props) == 0 {
		d.IKEProposals = []compat.Value[string]{compat.At("aes128-aes256-sha256-"+strings.Join(dh, "-"), dhAt)}
	}
	d.PFS = compat.At("modp2048", head) // pfs enable, dhgrp "14 5" by default
	d.ChildLifetime = compat.At(43200*time.Second, head)
	d.PolicyBased = compat.At(false, head)
	if p2 != nil {
		h2 := src(f.Name, p2.line)
		d.PFS = compat.At("modp2048", h2)
		pfsOn := true
		pfsGroup := "modp2048"
		pfsAt := h2
		for _, k := range p2.order {
			s := p2.sets[k]
			v := strings.Join(s.args, " ")
			ss := src(f.Name, s.line)
			switch k {
			case "proposal":
				for _, p := range s.args {
					d.ESPProposals = append(d.ESPProposals, compat.At(fortiProposal(p), ss))
				}
			case "pfs":
				pfsOn = v != "disable"
				pfsAt = ss
			case "dhgrp":
				pfsGroup = dhGroup(s.args[0])
				if pfsOn {
					pfsAt = ss
				}
			case "keylifeseconds":
				if n, ok := atoi(v); ok {
					d.ChildLifetime = compat.At(time.Duration(n)*time.Second, ss)
				}
			case "keylifekbs":
				if n, ok := atoi(v); ok {
					d.ChildLifeKB = compat.At(int64(n), ss)
				}
			case "src-subnet":
				if len(s.args) >= 2 {
					d.LocalTS = []compat.Value[string]{compat.At(cidr(s.args[0], s.args[1]), ss)}
				}
			case "dst-subnet":
				if len(s.args) >= 2 {
					d.RemoteTS = []compat.Value[string]{compat.At(cidr(s.args[0], s.args[1]), ss)}
				}
			default:
				if !fgKnown2[k] {
					r.unknown(f.Name, s.line, "set "+k+" "+v)
				}
			}
		}
		if pfsOn {
			d.PFS = compat.At(pfsGroup, pfsAt)
		} else {
			d.PFS = compat.At("none", pfsAt)
		}
	}
	if len(d.ESPProposals) == 0 {
		d.ESPProposals = []compat.Value[string]{compat.At("aes128-aes256-sha256", head)}
	}
	for _, sec := range top {
		switch {
		case sec.path == "vpn ipsec phase1-interface", sec.path == "vpn ipsec phase2-interface", sec.path == "vpn ipsec phase1", sec.path == "vpn ipsec phase2":
		case sec.path == "router bgp":
			fortiBGP(r, f, sec)
		case sec.path == "router static":
			for _, e := range sec.children {
				dev, _, _ := e.get("device")
				dst, ds, ok := e.get("dst")
				if ok && strings.Trim(dev, `"`) == tunnel {
					a := strings.Fields(dst)
					if len(a) == 2 {
						d.StaticRoutes = addUnique(d.StaticRoutes, compat.At(cidr(a[0], a[1]), at(ds)))
					}
				}
			}
			r.skip(f.Name, sec.line, sec.end, "static routes (routes into the tunnel are read)")
		case sec.path == "system interface":
			for _, e := range sec.children {
				if e.path != tunnel {
					continue
				}
				if v, s, ok := e.get("tcp-mss"); ok {
					if n, ok := atoi(v); ok {
						d.MSSClamp = compat.At(n, at(s))
					}
				}
				if v, s, ok := e.get("mtu"); ok {
					if n, ok := atoi(v); ok {
						d.TunnelMTU = compat.At(n, at(s))
					}
				}
			}
			r.skip(f.Name, sec.line, sec.end, "interfaces (the tunnel interface's tcp-mss and mtu are read)")
		case sec.path == "firewall policy":
			for _, e := range sec.children {
				if v, s, ok := e.get("tcp-mss-sender"); ok {
					if n, ok := atoi(v); ok && n > 0 {
						d.MSSClamp = compat.At(n, at(s))
					}
				}
			}
			r.skip(f.Name, sec.line, sec.end, "firewall policies (tcp-mss-sender is read)")
		default:
			r.skip(f.Name, sec.line, sec.end, "config "+sec.path+": no bearing on the connection to Azure")
		}
	}
	return nil
}

// fortiProposal maps "aes256-sha1", "aes128gcm-prfsha256", "chacha20poly1305-prfsha256".
func fortiProposal(p string) string {
	p = strings.ToLower(p)
	repl := map[string]string{"aes128gcm": "aes128gcm16", "aes256gcm": "aes256gcm16", "aes": "aes128"}
	var out []string
	for _, t := range strings.Split(p, "-") {
		if r, ok := repl[t]; ok {
			t = r
		}
		out = append(out, t)
	}
	return strings.Join(out, "-")
}

func fortiBGP(r *Result, f File, sec *fgNode) {
	d := &r.Device
	b := &compat.BGP{}
	if v, s, ok := sec.get("as"); ok {
		n, _ := atoi(v)
		b.ASN = compat.At(uint32(n), src(f.Name, s.Line))
	}
	if v, s, ok := sec.get("holdtime-timer"); ok {
		if n, ok := atoi(v); ok {
			b.HoldTime = compat.At(time.Duration(n)*time.Second, src(f.Name, s.Line))
		}
	}
	for _, c := range sec.children {
		switch c.path {
		case "neighbor":
			for _, e := range c.children {
				nb := compat.Neighbor{Address: compat.At(strings.Trim(e.path, `"`), src(f.Name, e.line))}
				if v, s, ok := e.get("remote-as"); ok {
					n, _ := atoi(v)
					nb.ASN = compat.At(uint32(n), src(f.Name, s.Line))
				}
				if v, s, ok := e.get("ebgp-enforce-multihop"); ok && v == "enable" {
					ttl := 255
					if t, _, ok := e.get("ebgp-multihop-ttl"); ok {
						ttl, _ = atoi(t)
					}
					nb.Multihop = compat.At(ttl, src(f.Name, s.Line))
				}
				if v, s, ok := e.get("update-source"); ok {
					b.LocalAddress = compat.At(strings.Trim(v, `"`), src(f.Name, s.Line))
				}
				b.Neighbors = append(b.Neighbors, nb)
			}
		case "network":
			for _, e := range c.children {
				if v, s, ok := e.get("prefix"); ok {
					a := strings.Fields(v)
					if len(a) == 2 {
						b.Announced = addUnique(b.Announced, compat.At(cidr(a[0], a[1]), src(f.Name, s.Line)))
					}
				}
			}
		}
	}
	if len(b.Neighbors) > 0 {
		d.BGP = b
	} else {
		r.skip(f.Name, sec.line, sec.end, "router bgp without neighbors")
	}
}

var ()
