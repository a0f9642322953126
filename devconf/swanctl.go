package devconf

import (
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/compat"
)

var swanctlConf = Syntax{
	Name:  "swanctl",
	Title: "strongSwan swanctl.conf",
	Description: "connections.<conn> (version, local_addrs, remote_addrs, proposals, dpd_delay, encap, rekey_time, " +
		"local/remote auth and id, children with local_ts, remote_ts, esp_proposals, rekey_time, life_time, if_id) and secrets.ike*.",
	Sniff: func(text string) int {
		if !strings.Contains(text, "{") {
			return 0
		}
		if anyLineStarts(text, "connections {", "connections{") {
			return 90
		}
		if anyLineStarts(text, "children {", "secrets {", "children{", "secrets{") {
			return 40
		}
		return 0
	},
	Import: importSwanctl,
	Example: `connections {
  azure {
    version = 2
    local_addrs = 198.51.100.10
    remote_addrs = 203.0.113.10
    proposals = aes256-sha256-modp1024
    dpd_delay = 45s
    local { auth = psk }
    remote { auth = psk }
    children {
      azure {
        local_ts = 0.0.0.0/0
        remote_ts = 0.0.0.0/0
        esp_proposals = aes256gcm16
        if_id_in = 42
        if_id_out = 42
      }
    }
  }
}
secrets { ike-azure { secret = "..." } }`,
}

// node is a swanctl/strongswan.conf settings node.
type node struct {
	file     string
	name     string
	line     int
	end      int
	value    string
	children []*node
}

func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// parseSettings reads strongSwan's settings syntax: "name { ... }" and
// "key = value", '#' comments.
func parseSettings(f File) (*node, error) {
	root := &node{}
	stack := []*node{root}
	for i, raw := range strings.Split(string(f.Data), "\n") {
		n := i + 1
		t := strings.TrimSpace(stripComment(raw))
		for t != "" {
			top := stack[len(stack)-1]
			switch {
			case strings.HasPrefix(t, "}"):
				if len(stack) == 1 {
					return nil, &SyntaxError{File: f.Name, Line: n, Msg: "'}' without an open section"}
				}
				top.end = n
				stack = stack[:len(stack)-1]
				t = strings.TrimSpace(t[1:])
				continue
			case strings.HasPrefix(t, "include "):
				top.children = append(top.children, &node{name: "include", value: strings.TrimSpace(t[8:]), line: n, end: n})
				t = ""
				continue
			}
			eq, br := strings.Index(t, "="), strings.Index(t, "{")
			switch {
			case br >= 0 && (eq < 0 || br < eq):
				c := &node{file: f.Name, name: strings.TrimSpace(t[:br]), line: n, end: n}
				if c.name == "" {
					return nil, &SyntaxError{File: f.Name, Line: n, Msg: "section without a name"}
				}
				top.children = append(top.children, c)
				stack = append(stack, c)
				t = strings.TrimSpace(t[br+1:])
			case eq >= 0:
				val := strings.TrimSpace(t[eq+1:])
				rest := ""
				if q := val[:min(1, len(val))]; q == `"` || q == "'" {
					if j := strings.Index(val[1:], q); j >= 0 {
						val, rest = val[:j+2], strings.TrimSpace(val[j+2:])
					}
				} else if j := strings.Index(val, "}"); j >= 0 {
					val, rest = strings.TrimSpace(val[:j]), val[j:]
				}
				top.children = append(top.children, &node{file: f.Name, name: strings.TrimSpace(t[:eq]), value: unquote(val), line: n, end: n})
				t = rest
			default:
				return nil, &SyntaxError{File: f.Name, Line: n, Msg: "want 'key = value' or 'name {', got " + quoteShort(t)}
			}
		}
	}
	if len(stack) > 1 {
		open := stack[len(stack)-1]
		return nil, &SyntaxError{File: f.Name, Line: open.line, Msg: "section " + open.name + " is not closed"}
	}
	return root, nil
}

var swanctlIgnored = map[string]bool{"mobike": true, "fragmentation": true, "reauth_time": true, "over_time": true,
	"rand_time": true, "unique": true, "keyingtries": true, "send_cert": true, "send_certreq": true, "pools": true,
	"vips": true, "aggressive": true, "pull": true, "dscp": true, "start_action": true, "close_action": true,
	"dpd_action": true, "updown": false, "hostaccess": true, "mode": false, "priority": true, "interface": true,
	"copy_df": true, "copy_ecn": true, "copy_dscp": true, "replay_window": true, "policies": true,
	"policies_fwd_out": true, "set_mark_in": true, "set_mark_out": true, "certs": true, "cacerts": true,
	"dpd_timeout": true, "hw_offload": true, "sha256_96": true, "ipcomp": true, "inactivity": true, "reqid": true}

func importSwanctl(r *Result, files []File) error {
	f := files[0]
	root, err := parseSettings(f)
	if err != nil {
		return err
	}
	for _, sf := range files[1:] {
		extra, err := parseSettings(sf)
		if err != nil {
			return err
		}
		root.children = append(root.children, extra.children...)
	}
	conns := root.child("connections")
	if conns == nil || len(conns.children) == 0 {
		return &SyntaxError{File: f.Name, Msg: "no connections section"}
	}
	conn := conns.children[0]
	for _, c := range conns.children {
		if strings.Contains(strings.ToLower(c.name), "azure") {
			conn = c
			break
		}
	}
	for _, c := range conns.children {
		if c != conn {
			r.skip(f.Name, c.line, c.end, "connection "+c.name+": another connection than the one checked ("+conn.name+")")
		}
	}
	for _, c := range root.children {
		if c.name != "connections" && c.name != "secrets" {
			r.skip(f.Name, c.line, c.end, c.name+": no bearing on the connection to Azure")
		}
	}
	d := &r.Device
	d.Name = conn.name
	head := src(f.Name, conn.line)
	d.IKEVersion = compat.At(2, head)
	d.NATT = compat.At("auto", head)
	d.MSSOutside = true
	d.IKELifetime = compat.At(4*time.Hour, head)
	d.DPD = compat.At(time.Duration(0), head)
	ikeID := ""
	routeIDs := false
	for _, e := range conn.children {
		s := src(f.Name, e.line)
		switch e.name {
		case "version":
			if e.value == "1" {
				d.IKEVersion = compat.At(1, s)
			}
		case "local_addrs":
			d.LocalAddress = compat.At(splitList(e.value)[0], s)
		case "remote_addrs":
			for _, a := range splitList(e.value) {
				d.Peers = append(d.Peers, compat.At(a, s))
			}
		case "proposals":
			for _, p := range splitList(e.value) {
				if p == "default" {
					p = strongswanDefaultIKE
				}
				d.IKEProposals = append(d.IKEProposals, compat.At(p, s))
				if !hasDH(p) {
					r.note(s, "strongSwan refuses the IKE proposal %q: a DH group is mandatory in IKE proposals (azure-rules R12)", p)
				}
			}
		case "dpd_delay":
			if v, ok := parseDuration(e.value); ok {
				d.DPD = compat.At(v, s)
			}
		case "encap":
			if e.value == "yes" {
				d.NATT = compat.At("force", s)
			}
		case "rekey_time":
			if v, ok := parseDuration(e.value); ok {
				d.IKELifetime = compat.At(v, s)
			}
		case "if_id_in", "if_id_out", "mark_in", "mark_out":
			r.Device.PolicyBased = compat.At(false, s)
			routeIDs = true
		case "local", "local-0", "local-1", "local0", "local1":
			for _, a := range e.children {
				as := src(f.Name, a.line)
				switch a.name {
				case "auth":
					if a.value != "psk" {
						r.note(as, "local auth = %s: Azure's site-to-site connections use a pre-shared key only", a.value)
					}
				case "id":
					d.LocalID = compat.At(strings.TrimPrefix(a.value, "@"), as)
					ikeID = a.value
				default:
					if !swanctlIgnored[a.name] {
						r.unknown(f.Name, a.line, a.name+" = "+a.value)
					}
				}
			}
		case "remote", "remote-0", "remote-1", "remote0", "remote1":
			for _, a := range e.children {
				as := src(f.Name, a.line)
				switch a.name {
				case "auth":
				case "id":
					d.RemoteID = compat.At(strings.TrimPrefix(a.value, "@"), as)
				default:
					if !swanctlIgnored[a.name] {
						r.unknown(f.Name, a.line, a.name+" = "+a.value)
					}
				}
			}
		case "children":
			defer importSwanctlChildren(r, f, e, &routeIDs)
		default:
			if !swanctlIgnored[e.name] {
				r.unknown(f.Name, e.line, e.name+" = "+e.value)
			}
		}
	}
	if len(d.IKEProposals) == 0 {
		d.IKEProposals = []compat.Value[string]{compat.At(strongswanDefaultIKE, head)}
		r.note(head, "no proposals: strongSwan's default IKE proposal applies, which has no DH group 2 (modp1024) (azure-rules R12)")
	}
	if secrets := root.child("secrets"); secrets != nil {
		peer := ""
		if len(d.Peers) > 0 {
			peer = d.Peers[0].V
		}
		var fallback *node
		for _, sec := range secrets.children {
			if !strings.HasPrefix(sec.name, "ike") {
				continue
			}
			key := sec.child("secret")
			if key == nil {
				continue
			}
			ids := []string{}
			for _, c := range sec.children {
				if strings.HasPrefix(c.name, "id") {
					ids = append(ids, c.value)
				}
			}
			if fallback == nil || containsAny(ids, peer, ikeID) {
				fallback = key
			}
		}
		if fallback != nil {
			d.PSK = atSecret(fallback.value, src(fallback.file, fallback.line))
		}
	}
	return nil
}

func containsAny(list []string, vals ...string) bool {
	for _, v := range vals {
		for _, l := range list {
			if v != "" && l == v {
				return true
			}
		}
	}
	return false
}

func importSwanctlChildren(r *Result, f File, children *node, connRouteBased *bool) {
	if len(children.children) == 0 {
		return
	}
	d := &r.Device
	child := children.children[0]
	for _, c := range children.children[1:] {
		r.note(src(f.Name, c.line), "child %s: a further CHILD SA; only %s is checked", c.name, child.name)
	}
	head := src(f.Name, child.line)
	d.ChildLifetime = compat.At(time.Hour, head)
	d.PFS = compat.At("none", head)
	routeBased := *connRouteBased
	for _, e := range child.children {
		s := src(f.Name, e.line)
		switch e.name {
		case "local_ts":
			for _, p := range splitList(e.value) {
				d.LocalTS = append(d.LocalTS, compat.At(cidr(p, ""), s))
			}
		case "remote_ts":
			for _, p := range splitList(e.value) {
				d.RemoteTS = append(d.RemoteTS, compat.At(cidr(p, ""), s))
			}
		case "esp_proposals":
			for _, p := range splitList(e.value) {
				if p == "default" {
					p = "aes128-aes192-aes256-sha256-sha384-sha512-sha1"
				}
				enc, pfs := splitPFS(p)
				d.ESPProposals = append(d.ESPProposals, compat.At(enc, s))
				if pfs != "" && d.PFS.V == "none" {
					d.PFS = compat.At(pfs, s)
				}
			}
		case "rekey_time":
			if v, ok := parseDuration(e.value); ok {
				d.ChildLifetime = compat.At(v, s)
			}
		case "life_time":
		case "rekey_bytes", "life_bytes":
			if n, ok := atoi(e.value); ok && e.name == "rekey_bytes" {
				d.ChildLifeKB = compat.At(int64(n/1024), s)
			}
		case "if_id_in", "if_id_out", "mark_in", "mark_out", "updown":
			routeBased = true
		case "mode":
			if e.value != "tunnel" {
				r.note(s, "mode = %s: Azure needs tunnel mode", e.value)
			}
		default:
			if !swanctlIgnored[e.name] {
				r.unknown(f.Name, e.line, e.name+" = "+e.value)
			}
		}
	}
	if len(d.ESPProposals) == 0 {
		d.ESPProposals = []compat.Value[string]{compat.At("aes128-aes192-aes256-sha256-sha384-sha512-sha1", head), compat.At("aes128gcm16-aes192gcm16-aes256gcm16", head)}
	}
	if !routeBased {
		routeBased = (len(d.LocalTS) == 0 || anyTS(d.LocalTS)) && (len(d.RemoteTS) == 0 || anyTS(d.RemoteTS))
	}
	d.PolicyBased = compat.At(!routeBased, head)
}

var ()
