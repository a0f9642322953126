package devconf

import (
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/compat"
)

var panos = Syntax{
	Name:  "panos",
	Title: "Palo Alto PAN-OS (set commands or XML)",
	Description: "network ike crypto-profiles (ike/ipsec), network ike gateway (version, peer/local address, local-id, " +
		"pre-shared key, dpd, nat-traversal), network tunnel ipsec (proxy-id), tunnel interface mtu, virtual-router bgp " +
		"and static routes, adjust-tcp-mss; XML exports are read as the equivalent set commands.",
	Sniff: func(text string) int {
		if lineStarts(text, "set network ike") || lineStarts(text, "set network tunnel ipsec") || lineStarts(text, "set network virtual-router") {
			return 90
		}
		if strings.Contains(text, "<ike-crypto-profiles>") || strings.Contains(text, "<ipsec-crypto-profiles>") {
			return 90
		}
		return 0
	},
	Import: importPanos,
	Example: `set network ike crypto-profiles ike-crypto-profiles azure-ike encryption aes-256-cbc
set network ike crypto-profiles ike-crypto-profiles azure-ike hash sha256
set network ike crypto-profiles ike-crypto-profiles azure-ike dh-group group2
set network ike crypto-profiles ike-crypto-profiles azure-ike lifetime seconds 28800
set network ike crypto-profiles ipsec-crypto-profiles azure-ipsec esp encryption aes-256-gcm
set network ike crypto-profiles ipsec-crypto-profiles azure-ipsec esp authentication none
set network ike crypto-profiles ipsec-crypto-profiles azure-ipsec dh-group no-pfs
set network ike crypto-profiles ipsec-crypto-profiles azure-ipsec lifetime seconds 27000
set network ike gateway azure protocol version ikev2
set network ike gateway azure protocol ikev2 ike-crypto-profile azure-ike
set network ike gateway azure protocol ikev2 dpd enable yes
set network ike gateway azure peer-address ip 203.0.113.10
set network ike gateway azure local-address ip 198.51.100.10/24
set network ike gateway azure authentication pre-shared-key key <key>
set network ike gateway azure protocol-common nat-traversal enable yes
set network tunnel ipsec azure auto-key ike-gateway azure
set network tunnel ipsec azure auto-key ipsec-crypto-profile azure-ipsec
set network tunnel ipsec azure tunnel-interface tunnel.1
set network interface tunnel units tunnel.1 mtu 1400`,
}

// panXMLSetLines turns a PAN-OS XML configuration into set paths:
// <entry name="x"> contributes x, <member> values are leaves, each with
// the line of its text.
func panXMLSetLines(f File) ([]setLine, error) {
	dec := xml.NewDecoder(strings.NewReader(string(f.Data)))
	var path []string
	var out []setLine
	var text strings.Builder
	var hadChild []bool
	lineAt := func() int {
		off := dec.InputOffset()
		return 1 + strings.Count(string(f.Data[:min(int(off), len(f.Data))]), "\n")
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			line := lineAt()
			if ok := asSyntax(err, &se); ok {
				line = se.Line
			}
			return nil, &SyntaxError{File: f.Name, Line: line, Msg: "XML: " + err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(hadChild) > 0 {
				hadChild[len(hadChild)-1] = true
			}
			name := t.Name.Local
			seg := []string{name}
			for _, a := range t.Attr {
				if a.Name.Local == "name" {
					if name == "entry" {
						seg = []string{a.Value}
					} else {
						seg = append(seg, a.Value)
					}
				}
			}
			if name == "member" {
				seg = nil
			}
			path = append(path, strings.Join(seg, " "))
			hadChild = append(hadChild, false)
			text.Reset()
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			leaf := !hadChild[len(hadChild)-1]
			v := strings.TrimSpace(text.String())
			if leaf && (v != "" || t.Name.Local == "entry") {
				var words []string
				for _, p := range path {
					if p != "" {
						words = append(words, strings.Fields(p)...)
					}
				}
				if v != "" {
					words = append(words, v)
				}
				out = append(out, setLine{words: words, line: lineAt()})
			}
			path, hadChild = path[:len(path)-1], hadChild[:len(hadChild)-1]
			text.Reset()
		}
	}
	// Drop the document's outer elements (config devices entry ... vsys):
	// set paths start at "network", "deviceconfig", ...
	for i, l := range out {
		for j, w := range l.words {
			if w == "network" || w == "deviceconfig" {
				out[i].words = l.words[j:]
				break
			}
		}
	}
	return out, nil
}

func asSyntax(err error, target **xml.SyntaxError) bool {
	se, ok := err.(*xml.SyntaxError)
	if ok {
		*target = se
	}
	return ok
}

func importPanos(r *Result, files []File) error {
	f := files[0]
	var lines []setLine
	var err error
	if strings.Contains(string(f.Data), "<") && strings.Contains(string(f.Data), "</") && !rePanos1.Match(f.Data) {
		lines, err = panXMLSetLines(f)
	} else {
		lines, err = junosSetLines(f)
	}
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return &SyntaxError{File: f.Name, Msg: "no PAN-OS statements"}
	}
	d := &r.Device
	first := src(f.Name, lines[0].line)
	d.IKEVersion = compat.At(1, first) // PAN-OS default: ikev1
	d.NATT = compat.At("off", first)   // nat-traversal is off unless enabled
	d.DPD = compat.At(5*time.Second, first)
	d.PFS = compat.At("modp1024", first) // ipsec-crypto default dh-group group2
	d.ChildLifetime = compat.At(time.Hour, first)
	d.IKELifetime = compat.At(8*time.Hour, first)
	type prof struct {
		enc, integ, dh []string
		line           int
	}
	ike, esp := map[string]*prof{}, map[string]*prof{}
	var ikeOrder, espOrder []string
	get := func(m map[string]*prof, order *[]string, name string, line int) *prof {
		if m[name] == nil {
			m[name] = &prof{line: line}
			*order = append(*order, name)
		}
		return m[name]
	}
	var bgp *compat.BGP
	nbrs := map[string]*compat.Neighbor{}
	var nbrOrder []string
	tunnelIf := ""
	proxyIDs := false
	for _, l := range lines {
		s := src(f.Name, l.line)
		w := l.words
		switch {
		case l.has("network", "ike", "crypto-profiles", "ike-crypto-profiles"):
			p := get(ike, &ikeOrder, l.at(4), l.line)
			switch l.at(5) {
			case "encryption":
				for _, a := range w[6:] {
					p.enc = append(p.enc, panAlg(a))
				}
			case "hash":
				for _, a := range w[6:] {
					p.integ = append(p.integ, panAlg(a))
				}
			case "dh-group":
				for _, g := range w[6:] {
					p.dh = append(p.dh, dhGroup(g))
				}
			case "lifetime":
				if dur, ok := panLifetime(w[6:]); ok {
					d.IKELifetime = compat.At(dur, s)
				}
			case "authentication-multiple", "":
			default:
				r.unknown(f.Name, l.line, strings.Join(w, " "))
			}
		case l.has("network", "ike", "crypto-profiles", "ipsec-crypto-profiles"):
			p := get(esp, &espOrder, l.at(4), l.line)
			switch {
			case l.at(5) == "esp" && l.at(6) == "encryption":
				for _, a := range w[7:] {
					p.enc = append(p.enc, panAlg(a))
				}
			case l.at(5) == "esp" && l.at(6) == "authentication":
				for _, a := range w[7:] {
					if a != "none" {
						p.integ = append(p.integ, panAlg(a))
					}
				}
			case l.at(5) == "dh-group":
				if l.at(6) == "no-pfs" {
					d.PFS = compat.At("none", s)
				} else {
					d.PFS = compat.At(dhGroup(l.at(6)), s)
				}
			case l.at(5) == "lifetime":
				if dur, ok := panLifetime(w[6:]); ok {
					d.ChildLifetime = compat.At(dur, s)
				}
			case l.at(5) == "lifesize":
				if n, ok := atoi(l.at(7)); ok {
					kb := int64(n)
					switch l.at(6) {
					case "mb":
						kb *= 1024
					case "gb":
						kb *= 1024 * 1024
					}
					d.ChildLifeKB = compat.At(kb, s)
				}
			case l.at(5) == "":
			default:
				r.unknown(f.Name, l.line, strings.Join(w, " "))
			}
		case l.has("network", "ike", "gateway"):
			rest := strings.Join(w[4:], " ")
			switch {
			case strings.HasPrefix(rest, "protocol version "):
				switch l.at(6) {
				case "ikev2", "ikev2-preferred":
					d.IKEVersion = compat.At(2, s)
				default:
					d.IKEVersion = compat.At(1, s)
				}
			case strings.HasPrefix(rest, "protocol ikev2 dpd enable"), strings.HasPrefix(rest, "protocol ikev1 dpd enable"):
				if l.at(len(w)-1) == "no" {
					d.DPD = compat.At(time.Duration(0), s)
				}
			case strings.HasPrefix(rest, "protocol ikev2 dpd interval"), strings.HasPrefix(rest, "protocol ikev1 dpd interval"):
				if n, ok := atoi(l.at(len(w) - 1)); ok {
					d.DPD = compat.At(time.Duration(n)*time.Second, s)
				}
			case strings.HasPrefix(rest, "protocol-common nat-traversal enable"):
				if l.at(len(w)-1) == "yes" {
					d.NATT = compat.At("auto", s)
				} else {
					d.NATT = compat.At("off", s)
				}
			case strings.HasPrefix(rest, "peer-address ip"):
				d.Peers = addUnique(d.Peers, compat.At(l.at(6), s))
			case strings.HasPrefix(rest, "local-address ip"):
				d.LocalAddress = compat.At(strings.Split(l.at(6), "/")[0], s)
			case strings.HasPrefix(rest, "local-id id"):
				d.LocalID = compat.At(l.at(6), s)
			case strings.HasPrefix(rest, "peer-id id"):
				d.RemoteID = compat.At(l.at(6), s)
			case strings.HasPrefix(rest, "authentication pre-shared-key key"):
				key := l.at(7)
				if strings.HasPrefix(key, "-AQ==") || strings.HasPrefix(key, "-AA==") {
					d.PSK = atOpaque(s)
				} else {
					d.PSK = atSecret(key, s)
				}
			case strings.HasPrefix(rest, "authentication certificate"):
				r.note(s, "certificate authentication: Azure's site-to-site connections use a pre-shared key only")
			case strings.HasPrefix(rest, "protocol ikev2 ike-crypto-profile"), strings.HasPrefix(rest, "protocol ikev1 ike-crypto-profile"),
				strings.HasPrefix(rest, "local-address interface"), strings.HasPrefix(rest, "local-id type"), strings.HasPrefix(rest, "peer-id type"),
				strings.HasPrefix(rest, "protocol ikev1 exchange-mode"), strings.HasPrefix(rest, "protocol-common"), strings.HasPrefix(rest, "protocol ikev2 require-cookie"),
				strings.HasPrefix(rest, "disabled"), strings.HasPrefix(rest, "comment"), strings.HasPrefix(rest, "protocol ikev1 dpd"), strings.HasPrefix(rest, "protocol ikev2 dpd"),
				len(w) <= 4:
			default:
				r.unknown(f.Name, l.line, strings.Join(w, " "))
			}
		case l.has("network", "tunnel", "ipsec"):
			rest := strings.Join(w[4:], " ")
			switch {
			case strings.HasPrefix(rest, "tunnel-interface "):
				tunnelIf = l.at(5)
			case strings.HasPrefix(rest, "auto-key proxy-id"):
				proxyIDs = true
				if i := indexOf(w, "local"); i >= 0 {
					d.LocalTS = addUnique(d.LocalTS, compat.At(cidr(l.at(i+1), ""), s))
				}
				if i := indexOf(w, "remote"); i >= 0 {
					d.RemoteTS = addUnique(d.RemoteTS, compat.At(cidr(l.at(i+1), ""), s))
				}
			case strings.HasPrefix(rest, "auto-key"), strings.HasPrefix(rest, "tunnel-monitor"), strings.HasPrefix(rest, "anti-replay"),
				strings.HasPrefix(rest, "copy-tos"), strings.HasPrefix(rest, "disabled"), strings.HasPrefix(rest, "comment"), len(w) <= 4:
			default:
				r.unknown(f.Name, l.line, strings.Join(w, " "))
			}
		case l.has("network", "interface", "tunnel", "units"):
			if l.at(5) == "mtu" {
				if n, ok := atoi(l.at(6)); ok {
					d.TunnelMTU = compat.At(n, s)
				}
			} else if l.at(5) == "adjust-tcp-mss" && l.at(6) == "ipv4-mss-adjustment" {
				if n, ok := atoi(l.at(7)); ok {
					d.MSSClamp = compat.At(1500-40-n, s)
				}
			}
		case l.has("network", "interface") && indexOf(w, "ipv4-mss-adjustment") >= 0:
			if n, ok := atoi(l.at(indexOf(w, "ipv4-mss-adjustment") + 1)); ok {
				d.MSSClamp = compat.At(1500-40-n, s)
			}
		case l.has("network", "virtual-router") && indexOf(w, "bgp") >= 0:
			if bgp == nil {
				bgp = &compat.BGP{}
			}
			if i := indexOf(w, "local-as"); i >= 0 {
				n, _ := atoi(l.at(i + 1))
				bgp.ASN = compat.At(uint32(n), s)
			}
			if i := indexOf(w, "peer"); i >= 0 && i+1 < len(w) {
				name := w[i+1]
				if nbrs[name] == nil {
					nbrs[name] = &compat.Neighbor{}
					nbrOrder = append(nbrOrder, name)
				}
				nb := nbrs[name]
				switch {
				case indexOf(w, "peer-as") >= 0:
					n, _ := atoi(l.at(indexOf(w, "peer-as") + 1))
					nb.ASN = compat.At(uint32(n), s)
				case indexOf(w, "peer-address") >= 0:
					nb.Address = compat.At(l.at(len(w)-1), s)
				case indexOf(w, "multihop") >= 0:
					n, _ := atoi(l.at(len(w) - 1))
					nb.Multihop = compat.At(n, s)
				case indexOf(w, "local-address") >= 0 && l.at(len(w)-2) == "ip":
					bgp.LocalAddress = compat.At(strings.Split(l.at(len(w)-1), "/")[0], s)
				}
			}
			if i := indexOf(w, "export"); i >= 0 {
				if j := indexOf(w, "address-prefix"); j >= 0 {
					bgp.Announced = addUnique(bgp.Announced, compat.At(l.at(j+1), s))
				}
			}
		case l.has("network", "virtual-router") && indexOf(w, "static-route") >= 0:
			if i := indexOf(w, "destination"); i >= 0 {
				r.skip(f.Name, l.line, l.line, "static route (routes into the tunnel are read from their interface)")
				d.StaticRoutes = addUnique(d.StaticRoutes, compat.At(l.at(i+1), s))
			}
		default:
			r.skip(f.Name, l.line, l.line, "device configuration without bearing on the connection to Azure")
		}
	}
	for _, n := range ikeOrder {
		p := ike[n]
		d.IKEProposals = append(d.IKEProposals, compat.At(joinProposal(p.enc, p.integ, p.dh), src(f.Name, p.line)))
	}
	for _, n := range espOrder {
		p := esp[n]
		d.ESPProposals = append(d.ESPProposals, compat.At(joinProposal(p.enc, p.integ), src(f.Name, p.line)))
	}
	if bgp != nil {
		for _, n := range nbrOrder {
			if nbrs[n].Address.Set {
				bgp.Neighbors = append(bgp.Neighbors, *nbrs[n])
			}
		}
		if len(bgp.Neighbors) > 0 {
			d.BGP = bgp
		}
	}
	_ = tunnelIf
	d.PolicyBased = compat.At(false, first)
	if !proxyIDs {
		d.LocalTS, d.RemoteTS = nil, nil
	}
	return nil
}

func panAlg(a string) string {
	return map[string]string{"aes-256-cbc": "aes256", "aes-192-cbc": "aes192", "aes-128-cbc": "aes128", "3des": "3des",
		"des": "des", "aes-256-gcm": "aes256gcm16", "aes-128-gcm": "aes128gcm16", "sha1": "sha1", "sha256": "sha256",
		"sha384": "sha384", "sha512": "sha512", "md5": "md5", "null": "null"}[a]
}

func panLifetime(w []string) (time.Duration, bool) {
	if len(w) < 2 {
		return 0, false
	}
	n, ok := atoi(w[1])
	if !ok {
		return 0, false
	}
	unit := map[string]time.Duration{"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour}[w[0]]
	return time.Duration(n) * unit, unit != 0
}

var (
	rePanos1 = regexp.MustCompile(`(?m)^set `)
)
