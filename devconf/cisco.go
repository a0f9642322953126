package devconf

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/compat"
)

var ciscoIOS = Syntax{
	Name:  "cisco-ios",
	Title: "Cisco IOS / IOS-XE",
	Description: "crypto ikev2 proposal/policy/keyring/profile, crypto isakmp policy/key, crypto ipsec transform-set/profile, " +
		"crypto map, interface Tunnel (tunnel destination/protection, ip tcp adjust-mss, ip mtu), router bgp, ip route into the tunnel, access lists.",
	Sniff: func(text string) int {
		if !strings.Contains(text, "crypto ") {
			return 0
		}
		n := 0
		if anyLineStarts(text, "crypto ikev2 proposal", "crypto ikev2 keyring", "crypto ikev2 profile", "crypto isakmp policy", "crypto isakmp key", "crypto ipsec transform-set") {
			n += 60
		}
		if anyLineStarts(text, "interface Tunnel", "int tunnel", "interface tunnel", "int Tunnel") {
			n += 20
		}
		if anyLineStarts(text, "ASA Version", "crypto ipsec ikev1 ", "crypto ipsec ikev2 ", "tunnel-group ") {
			n -= 50
		}
		return max(n, 0)
	},
	Import: func(r *Result, files []File) error { return importCisco(r, files, false) },
	Example: `crypto ikev2 proposal azure-proposal
 encryption aes-cbc-256
 integrity sha256
 group 2
crypto ikev2 policy azure-policy
 proposal azure-proposal
crypto ikev2 keyring azure-keyring
 peer azure
  address 203.0.113.10
  pre-shared-key <key>
crypto ikev2 profile azure-profile
 match identity remote address 203.0.113.10 255.255.255.255
 authentication remote pre-share
 authentication local pre-share
 keyring local azure-keyring
 dpd 10 5 on-demand
crypto ipsec transform-set azure-ts esp-gcm 256
 mode tunnel
crypto ipsec profile azure-vti
 set transform-set azure-ts
 set ikev2-profile azure-profile
interface Tunnel1
 ip address 169.254.21.2 255.255.255.252
 ip tcp adjust-mss 1350
 tunnel source GigabitEthernet1
 tunnel mode ipsec ipv4
 tunnel destination 203.0.113.10
 tunnel protection ipsec profile azure-vti
router bgp 65010
 neighbor 169.254.21.1 remote-as 65515
 network 198.18.10.0 mask 255.255.255.0`,
}

var ciscoASA = Syntax{
	Name:  "cisco-asa",
	Title: "Cisco ASA",
	Description: "crypto ikev1/ikev2 policy, crypto ipsec ikev1 transform-set / ikev2 ipsec-proposal / profile, crypto map, " +
		"tunnel-group ipsec-attributes (pre-shared keys, keepalive), interface Tunnel (VTI), object(-group) network, access-list, " +
		"sysopt connection tcpmss, router bgp.",
	Sniff: func(text string) int {
		if !strings.Contains(text, "ASA Version") && !strings.Contains(text, "crypto ikev") && !strings.Contains(text, "tunnel-group ") && !strings.Contains(text, "crypto ipsec ikev") {
			return 0
		}
		n := 0
		if anyLineStarts(text, "ASA Version", "crypto ipsec ikev1 transform-set", "crypto ipsec ikev2 ipsec-proposal", "crypto ikev1 policy", "crypto ikev2 policy", "crypto ikev1 enable", "crypto ikev2 enable") || lineStarts(text, "tunnel-group ") && strings.Contains(text, " ipsec-attributes") {
			n += 70
		}
		if strings.Contains(text, "sysopt connection") || strings.Contains(text, "nameif ") {
			n += 10
		}
		return n
	},
	Import: func(r *Result, files []File) error { return importCisco(r, files, true) },
	Example: `crypto ikev2 policy 10
 encryption aes-256
 integrity sha256
 group 2
 prf sha256
 lifetime seconds 28800
crypto ikev2 enable outside
crypto ipsec ikev2 ipsec-proposal azure-prop
 protocol esp encryption aes-256
 protocol esp integrity sha-1
crypto ipsec profile azure-vti
 set ikev2 ipsec-proposal azure-prop
interface Tunnel1
 nameif azure
 ip address 169.254.21.2 255.255.255.252
 tunnel source interface outside
 tunnel destination 203.0.113.10
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile azure-vti
tunnel-group 203.0.113.10 type ipsec-l2l
tunnel-group 203.0.113.10 ipsec-attributes
 ikev2 remote-authentication pre-shared-key <key>
 ikev2 local-authentication pre-shared-key <key>
sysopt connection tcpmss 1350`,
}

// The top-level commands that bear on the VPN; everything else is skipped
// as device configuration without bearing on the connection to Azure.
var ciscoVPN = regexp.MustCompile(`^(crypto |tunnel-group |router bgp|ip route |route |access-list |ip access-list |object-group network|object network|sysopt connection tcpmss|interface |int |ip tcp adjust-mss|group-policy )`)

type ciscoCrypto struct {
	asa       bool
	ikeProps  map[string][]compat.Value[string] // name → proposals
	ikeLife   compat.Value[time.Duration]
	espSets   map[string]compat.Value[string] // transform-set / ipsec-proposal → proposal
	pfs       compat.Value[string]
	childLife compat.Value[time.Duration]
	childKB   compat.Value[int64]
	acls      map[string][][2]compat.Value[string]
	objects   map[string][]string
	v1, v2    bool
	mssTunnel bool                   // the MSS clamp came from a tunnel interface
	keyPeers  []compat.Value[string] // keyring peer addresses: key selectors, the peer when nothing else names one
}

func importCisco(r *Result, files []File, asa bool) error {
	f := files[0]
	blocks := parseBlocks(f)
	if len(blocks) == 0 {
		return &SyntaxError{File: f.Name, Msg: "no configuration lines"}
	}
	d := &r.Device
	c := &ciscoCrypto{asa: asa, ikeProps: map[string][]compat.Value[string]{}, espSets: map[string]compat.Value[string]{},
		acls: map[string][][2]compat.Value[string]{}, objects: map[string][]string{}}
	first := src(f.Name, blocks[0].line)
	d.NATT = compat.At("auto", first)
	d.DPD = compat.At(time.Duration(0), first)
	if asa {
		d.DPD = compat.At(10*time.Second, first) // ASA's L2L default: isakmp keepalive threshold 10 retry 2
	}
	d.ChildLifetime = compat.At(time.Hour, first)
	d.PFS = compat.At("none", first)
	var usedSets []compat.Value[string]
	routeBased, cryptoMap := false, false
	outside := map[string]compat.Value[string]{} // nameif → address (ASA)
	for _, b := range blocks {
		s := src(f.Name, b.line)
		switch {
		case !ciscoVPN.MatchString(b.text):
			r.skip(f.Name, b.line, b.end, "not a VPN command: not checked")
		case b.has("crypto", "ikev2", "proposal"), b.has("crypto", "ikev2", "policy") && asa, b.has("crypto", "ikev1", "policy"), b.has("crypto", "isakmp", "policy"):
			c.v2 = c.v2 || b.has("crypto", "ikev2")
			c.v1 = c.v1 || !b.has("crypto", "ikev2")
			c.ikeProposal(r, f, b)
		case b.has("crypto", "ikev2", "policy"):
			for _, sub := range b.subs {
				if !sub.has("proposal") && !sub.has("match") {
					r.unknown(f.Name, sub.line, sub.text)
				}
			}
		case b.has("crypto", "ikev2", "keyring"):
			for _, peer := range b.subs {
				for _, sub := range peer.subs {
					ss := src(f.Name, sub.line)
					switch {
					case sub.has("address"):
						c.keyPeers = addUnique(c.keyPeers, compat.At(sub.arg(1), ss))
					case sub.has("pre-shared-key"):
						d.PSK = ciscoKey(sub.words[1:], ss)
					case sub.has("identity"), sub.has("description"), sub.has("hostname"):
					default:
						r.unknown(f.Name, sub.line, sub.text)
					}
				}
			}
		case b.has("crypto", "ikev2", "profile"):
			if !asa && d.DPD.V == 0 {
				d.DPD = compat.At(time.Duration(0), s) // no dpd line: off
			}
			for _, sub := range b.subs {
				ss := src(f.Name, sub.line)
				switch {
				case sub.has("match", "identity", "remote", "address"):
					d.RemoteID = compat.At(sub.arg(4), ss)
				case sub.has("identity", "local", "address"), sub.has("identity", "local", "fqdn"):
					d.LocalID = compat.At(sub.arg(3), ss)
				case sub.has("lifetime"):
					if n, ok := atoi(sub.arg(1)); ok {
						c.ikeLife = compat.At(time.Duration(n)*time.Second, ss)
					}
				case sub.has("dpd"):
					if n, ok := atoi(sub.arg(1)); ok {
						d.DPD = compat.At(time.Duration(n)*time.Second, ss)
					}
				case sub.has("match"), sub.has("authentication", "remote", "pre-share"), sub.has("authentication", "local", "pre-share"), sub.has("keyring"), sub.has("description"):
				case sub.has("authentication"):
					r.note(ss, "%s: Azure's site-to-site connections use a pre-shared key only", sub.text)
				default:
					r.unknown(f.Name, sub.line, sub.text)
				}
			}
		case b.has("crypto", "keyring"):
			// IKEv1 keyring: pre-shared-key address IP [mask] key [0|6|7] KEY
			for _, sub := range b.subs {
				ss := src(f.Name, sub.line)
				switch {
				case sub.has("pre-shared-key", "address"):
					if i := slices.Index(sub.words, "key"); i >= 0 {
						d.PSK = ciscoKey(sub.words[i+1:], ss)
					}
					d.Peers = addUnique(d.Peers, compat.At(sub.arg(2), ss))
				case sub.has("local-address"):
					d.LocalAddress = compat.At(sub.arg(1), ss)
				case sub.has("description"), sub.has("vrf"):
				default:
					r.unknown(f.Name, sub.line, sub.text)
				}
			}
		case b.has("crypto", "isakmp", "profile"):
			c.v1 = true
			for _, sub := range b.subs {
				ss := src(f.Name, sub.line)
				switch {
				case sub.has("match", "identity", "address"):
					d.RemoteID = compat.At(sub.arg(3), ss)
				case sub.has("local-address"):
					d.LocalAddress = compat.At(sub.arg(1), ss)
				case sub.has("keyring"), sub.has("description"), sub.has("self-identity"):
				case sub.has("keepalive"):
					if n, ok := atoi(sub.arg(1)); ok {
						d.DPD = compat.At(time.Duration(n)*time.Second, ss)
					}
				default:
					r.unknown(f.Name, sub.line, sub.text)
				}
			}
		case b.has("crypto", "isakmp", "key"):
			// crypto isakmp key [0|6] KEY address IP [mask]
			words := b.words[3:]
			if i := slices.Index(words, "address"); i >= 0 {
				d.PSK = ciscoKey(words[:i], s)
				if i+1 < len(words) && words[i+1] != "0.0.0.0" {
					d.Peers = addUnique(d.Peers, compat.At(words[i+1], s))
				}
			}
		case b.has("crypto", "isakmp", "keepalive"):
			if n, ok := atoi(b.arg(3)); ok {
				d.DPD = compat.At(time.Duration(n)*time.Second, s)
			}
		case b.has("crypto", "isakmp"), b.has("crypto", "ikev1", "enable"), b.has("crypto", "ikev2", "enable"),
			b.has("crypto", "ca"), b.has("crypto", "pki"), b.has("crypto", "key"), b.has("crypto", "ikev2", "remote-access"),
			b.has("crypto", "ipsec", "security-association", "pmtu-aging"), b.has("crypto", "ipsec", "security-association", "replay"),
			b.has("crypto", "ipsec", "df-bit"), b.has("crypto", "ipsec", "fragmentation"), b.has("crypto", "ikev2", "cookie-challenge"),
			b.has("crypto", "logging"), b.has("crypto", "ikev2", "nat"), b.has("crypto", "ikev2", "limit"), b.has("crypto", "ikev2", "diagnose"):
			r.skip(f.Name, b.line, b.end, "crypto setting without bearing on the Azure checks")
		case b.has("crypto", "ipsec", "transform-set"), b.has("crypto", "ipsec", "ikev1", "transform-set"):
			words := b.words[3:]
			if asa {
				words = b.words[4:]
			}
			if len(words) > 0 {
				c.espSets[words[0]] = compat.At(ciscoTransform(words[1:]), s)
			}
			for _, sub := range b.subs {
				if sub.has("mode", "transport") {
					r.note(src(f.Name, sub.line), "transport mode: Azure needs tunnel mode")
				} else if !sub.has("mode") {
					r.unknown(f.Name, sub.line, sub.text)
				}
			}
		case b.has("crypto", "ipsec", "ikev2", "ipsec-proposal"):
			var enc, integ []string
			for _, sub := range b.subs {
				switch {
				case sub.has("protocol", "esp", "encryption"):
					for _, w := range sub.words[3:] {
						enc = append(enc, asaAlg(w))
					}
				case sub.has("protocol", "esp", "integrity"):
					for _, w := range sub.words[3:] {
						if a := asaAlg(w); a != "null" {
							integ = append(integ, a)
						}
					}
				default:
					r.unknown(f.Name, sub.line, sub.text)
				}
			}
			c.espSets[b.arg(4)] = compat.At(joinProposal(enc, integ), s)
		case b.has("crypto", "ipsec", "profile"):
			routeBased = true
			for _, sub := range b.subs {
				ss := src(f.Name, sub.line)
				switch {
				case sub.has("set", "transform-set"), sub.has("set", "ikev1", "transform-set"), sub.has("set", "ikev2", "ipsec-proposal"):
					for _, w := range sub.words[2:] {
						if w != "transform-set" && w != "ipsec-proposal" {
							usedSets = append(usedSets, compat.At(w, ss))
						}
					}
				case sub.has("set", "pfs"):
					c.pfs = compat.At(dhGroup(cmpOr(sub.arg(2), "group1")), ss)
				case sub.has("set", "security-association", "lifetime"):
					c.saLifetime(sub.words[3:], ss)
				case sub.has("set", "ikev2-profile"), sub.has("description"), sub.has("set", "security-association", "replay"):
				default:
					r.unknown(f.Name, sub.line, sub.text)
				}
			}
		case b.has("crypto", "ipsec", "security-association", "lifetime"):
			c.saLifetime(b.words[4:], s)
		case b.has("crypto", "map"):
			cryptoMap = true
			c.cryptoMap(r, f, b, &usedSets)
		case b.has("tunnel-group"):
			for _, sub := range b.subs {
				ss := src(f.Name, sub.line)
				switch {
				case sub.has("ikev1", "pre-shared-key"), sub.has("pre-shared-key"):
					d.PSK = ciscoKey(sub.words[slices.Index(sub.words, "pre-shared-key")+1:], ss)
				case sub.has("ikev2", "remote-authentication", "pre-shared-key"), sub.has("ikev2", "local-authentication", "pre-shared-key"):
					d.PSK = ciscoKey(sub.words[3:], ss)
				case sub.has("isakmp", "keepalive", "disable"):
					d.DPD = compat.At(time.Duration(0), ss)
				case sub.has("isakmp", "keepalive", "threshold"):
					if n, ok := atoi(sub.arg(3)); ok {
						d.DPD = compat.At(time.Duration(n)*time.Second, ss)
					}
				default:
					r.unknown(f.Name, sub.line, sub.text)
				}
			}
			if b.has("tunnel-group") && len(b.words) >= 2 && asa {
				d.Peers = addUnique(d.Peers, compat.At(b.arg(1), s))
			}
		case b.has("interface"), b.has("int"):
			c.iface(r, f, b, outside, &routeBased)
		case b.has("ip", "tcp", "adjust-mss"):
			if n, ok := atoi(b.arg(3)); ok {
				d.MSSClamp = compat.At(n, s)
			}
		case b.has("sysopt", "connection", "tcpmss"):
			if n, ok := atoi(b.arg(3)); ok {
				d.MSSClamp = compat.At(n, s)
			}
		case b.has("router", "bgp"):
			ciscoBGP(r, f, b)
		case b.has("ip", "route"), b.has("route"):
			ciscoRoute(r, f, b)
		case b.has("access-list"), b.has("ip", "access-list"):
			c.acl(f, b)
		case b.has("object-group", "network"), b.has("object", "network"):
			for _, sub := range b.subs {
				switch {
				case sub.has("network-object", "host"), sub.has("host"):
					c.objects[b.arg(2)] = append(c.objects[b.arg(2)], sub.words[len(sub.words)-1]+"/32")
				case sub.has("network-object", "object"):
					c.objects[b.arg(2)] = append(c.objects[b.arg(2)], c.objects[sub.arg(2)]...)
				case sub.has("network-object"), sub.has("subnet"):
					c.objects[b.arg(2)] = append(c.objects[b.arg(2)], cidr(sub.arg(1), sub.arg(2)))
				}
			}
		default:
			r.skip(f.Name, b.line, b.end, "configuration without bearing on the Azure checks")
		}
	}
	// The tunnel destination or crypto map peer is the peer; a keyring's
	// address only selects the key.
	if len(d.Peers) == 0 {
		d.Peers = c.keyPeers
	} else if len(c.keyPeers) > 0 {
		for _, p := range d.Peers {
			if !slices.ContainsFunc(c.keyPeers, func(k compat.Value[string]) bool { return k.V == p.V || k.V == "0.0.0.0" }) &&
				!compat.IsPlaceholder(p.V) {
				r.note(p.Source, "the keyring has no pre-shared key for the peer %s (it names %s)", p.V, strings.Join(values(c.keyPeers), ", "))
			}
		}
	}
	// IKE version: IKEv2 objects win; ASA crypto maps say which per entry.
	switch {
	case c.v2:
		d.IKEVersion = compat.At(2, first)
	case c.v1:
		d.IKEVersion = compat.At(1, first)
	}
	for _, props := range c.ikeProps {
		d.IKEProposals = append(d.IKEProposals, props...)
	}
	slices.SortFunc(d.IKEProposals, func(a, b compat.Value[string]) int { return a.Line - b.Line })
	if len(d.IKEProposals) == 0 && c.v2 {
		r.note(first, "no IKEv2 proposal: the device's default proposal applies and was not checked")
	}
	if c.ikeLife.Set {
		d.IKELifetime = c.ikeLife
	}
	// ESP: the sets the profile or crypto map uses, else every set defined.
	for _, u := range usedSets {
		if p, ok := c.espSets[u.V]; ok {
			d.ESPProposals = append(d.ESPProposals, p)
		}
	}
	if len(d.ESPProposals) == 0 {
		for _, p := range c.espSets {
			d.ESPProposals = append(d.ESPProposals, p)
		}
		slices.SortFunc(d.ESPProposals, func(a, b compat.Value[string]) int { return a.Line - b.Line })
	}
	if c.pfs.Set {
		d.PFS = c.pfs
	}
	if c.childLife.Set {
		d.ChildLifetime = c.childLife
	}
	if c.childKB.Set {
		d.ChildLifeKB = c.childKB
	}
	d.PolicyBased = compat.At(cryptoMap && !routeBased, first)
	if !cryptoMap || routeBased {
		d.LocalTS, d.RemoteTS = nil, nil
	}
	if out, ok := outside["outside"]; ok && !d.LocalAddress.Set {
		d.LocalAddress = out
	}
	return nil
}

func (c *ciscoCrypto) ikeProposal(r *Result, f File, b *block) {
	var enc, integ, groups []string
	name := strings.Join(b.words[:min(4, len(b.words))], " ")
	for _, sub := range b.subs {
		ss := src(f.Name, sub.line)
		switch {
		case sub.has("encryption"), sub.has("encr"):
			for i := 1; i < len(sub.words); i++ {
				w := sub.words[i]
				if (w == "aes" || w == "aes-192" || w == "aes-256") && i+1 < len(sub.words) {
					if n, ok := atoi(sub.words[i+1]); ok {
						w += "-" + sub.words[i+1]
						i++
						_ = n
					}
				}
				enc = append(enc, ciscoIKEEnc(w))
			}
		case sub.has("integrity"), sub.has("hash"), sub.has("prf"):
			if sub.has("prf") {
				continue
			}
			for _, w := range sub.words[1:] {
				if a := asaAlg(w); a != "null" {
					integ = append(integ, a)
				}
			}
		case sub.has("group"):
			for _, w := range sub.words[1:] {
				groups = append(groups, dhGroup(w))
			}
		case sub.has("lifetime"):
			n, ok := atoi(sub.words[len(sub.words)-1])
			if ok {
				c.ikeLife = compat.At(time.Duration(n)*time.Second, ss)
			}
		case sub.has("authentication", "pre-share"):
		case sub.has("authentication"):
			r.note(ss, "%s: Azure's site-to-site connections use a pre-shared key only", sub.text)
		default:
			r.unknown(f.Name, sub.line, sub.text)
		}
	}
	if len(enc) == 0 {
		enc = []string{"aes256"} // not what IOS does for every release, but only the DH group matters most
		if b.has("crypto", "isakmp") || b.has("crypto", "ikev1") {
			enc = []string{"des"} // IKEv1 policy default
		}
	}
	if len(integ) == 0 && !strings.Contains(strings.Join(enc, ""), "gcm") {
		integ = []string{"sha1"}
	}
	if len(groups) == 0 {
		groups = []string{"modp768"} // IKEv1 policy default group 1
		if b.has("crypto", "ikev2") {
			groups = []string{"modp1536"}
		}
	}
	s := src(f.Name, b.line)
	c.ikeProps[name] = append(c.ikeProps[name], compat.At(joinProposal(enc, integ, groups), s))
}

func joinProposal(parts ...[]string) string {
	var out []string
	for _, p := range parts {
		for _, w := range p {
			if w != "" && !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return strings.Join(out, "-")
}

func ciscoIKEEnc(w string) string {
	return map[string]string{"aes-cbc-256": "aes256", "aes-cbc-192": "aes192", "aes-cbc-128": "aes128", "aes": "aes128",
		"aes-128": "aes128", "aes-192": "aes192", "aes-256": "aes256", "aes-gcm-256": "aes256gcm16", "aes-gcm-128": "aes128gcm16",
		"3des": "3des", "des": "des", "aes-gcm": "aes128gcm16", "aes-cbc": "aes128"}[strings.ToLower(w)]
}

// asaAlg maps ASA/IOS algorithm words (aes-256, sha-1, sha256, md5).
func asaAlg(w string) string {
	w = strings.ToLower(w)
	if v := ciscoIKEEnc(w); v != "" {
		return v
	}
	switch w {
	case "sha", "sha-1", "sha1":
		return "sha1"
	case "sha256", "sha-256":
		return "sha256"
	case "sha384", "sha-384":
		return "sha384"
	case "sha512", "sha-512":
		return "sha512"
	case "md5":
		return "md5"
	case "null":
		return "null"
	}
	return w
}

// ciscoTransform maps "esp-aes 256 esp-sha-hmac" or ASA "esp-aes-256 esp-sha-hmac".
func ciscoTransform(words []string) string {
	var enc, integ []string
	for i := 0; i < len(words); i++ {
		w := strings.ToLower(words[i])
		bits := ""
		if i+1 < len(words) {
			if _, ok := atoi(words[i+1]); ok {
				bits = words[i+1]
			}
		}
		switch w {
		case "esp-aes", "esp-gcm", "esp-gmac":
			if bits == "" {
				bits = "128"
			} else {
				i++
			}
			if w == "esp-aes" {
				enc = append(enc, "aes"+bits)
			} else {
				enc = append(enc, "aes"+bits+"gcm16")
			}
		case "esp-aes-256", "esp-aes-192", "esp-aes-128":
			enc = append(enc, "aes"+strings.TrimPrefix(w, "esp-aes-"))
		case "esp-3des":
			enc = append(enc, "3des")
		case "esp-des":
			enc = append(enc, "des")
		case "esp-null":
			enc = append(enc, "null")
		case "esp-sha-hmac":
			integ = append(integ, "sha1")
		case "esp-sha256-hmac":
			integ = append(integ, "sha256")
		case "esp-sha384-hmac":
			integ = append(integ, "sha384")
		case "esp-sha512-hmac":
			integ = append(integ, "sha512")
		case "esp-md5-hmac":
			integ = append(integ, "md5")
		default:
			enc = append(enc, w)
		}
	}
	return joinProposal(enc, integ)
}

// ciscoKey reads "[0|6|7|8] KEY" or "local KEY".
func ciscoKey(words []string, s compat.Source) compat.Value[compat.Secret] {
	for len(words) > 0 && (words[0] == "local" || words[0] == "remote" || words[0] == "0" || words[0] == "hex") {
		words = words[1:]
	}
	if len(words) >= 2 && (words[0] == "6" || words[0] == "7" || words[0] == "8") {
		return atOpaque(s)
	}
	if len(words) == 0 {
		return compat.Value[compat.Secret]{}
	}
	return atSecret(words[0], s)
}

func (c *ciscoCrypto) saLifetime(words []string, s compat.Source) {
	for i := 0; i+1 < len(words); i++ {
		n, ok := atoi(words[i+1])
		if !ok {
			continue
		}
		switch words[i] {
		case "seconds":
			c.childLife = compat.At(time.Duration(n)*time.Second, s)
		case "kilobytes":
			c.childKB = compat.At(int64(n), s)
		}
	}
}

func (c *ciscoCrypto) cryptoMap(r *Result, f File, b *block, used *[]compat.Value[string]) {
	d := &r.Device
	s := src(f.Name, b.line)
	w := b.words
	if len(w) >= 4 && w[3] == "interface" {
		return
	}
	if len(w) < 5 {
		return
	}
	rest := w[4:]
	switch {
	case rest[0] == "set" && len(rest) > 2 && rest[1] == "peer":
		for _, p := range rest[2:] {
			d.Peers = addUnique(d.Peers, compat.At(p, s))
		}
	case rest[0] == "set" && len(rest) > 2 && (rest[1] == "transform-set" || rest[1] == "ikev1" || rest[1] == "ikev2"):
		for _, x := range rest[2:] {
			if x != "transform-set" && x != "ipsec-proposal" {
				*used = append(*used, compat.At(x, s))
			}
		}
		if rest[1] == "ikev1" {
			c.v1 = true
		}
		if rest[1] == "ikev2" {
			c.v2 = true
		}
	case rest[0] == "set" && len(rest) > 1 && rest[1] == "pfs":
		g := "group1"
		if len(rest) > 2 {
			g = rest[2]
		}
		c.pfs = compat.At(dhGroup(g), s)
	case rest[0] == "set" && len(rest) > 3 && rest[1] == "security-association" && rest[2] == "lifetime":
		c.saLifetime(rest[3:], s)
	case rest[0] == "match" && len(rest) > 2 && rest[1] == "address":
		for _, pair := range c.acls[rest[2]] {
			d.LocalTS = addUnique(d.LocalTS, pair[0])
			d.RemoteTS = addUnique(d.RemoteTS, pair[1])
		}
	case rest[0] == "ipsec-isakmp", rest[0] == "set" && len(rest) > 1 && (rest[1] == "ikev2-profile" || rest[1] == "nat-t-disable"):
		if len(rest) > 1 && rest[1] == "nat-t-disable" {
			d.NATT = compat.At("off", s)
		}
	default:
		r.unknown(f.Name, b.line, b.text)
	}
	for _, sub := range b.subs {
		ss := src(f.Name, sub.line)
		switch {
		case sub.has("set", "peer"):
			d.Peers = addUnique(d.Peers, compat.At(sub.arg(2), ss))
		case sub.has("set", "transform-set"):
			for _, x := range sub.words[2:] {
				*used = append(*used, compat.At(x, ss))
			}
		case sub.has("set", "pfs"):
			c.pfs = compat.At(dhGroup(cmpOr(sub.arg(2), "group1")), ss)
		case sub.has("match", "address"):
			for _, pair := range c.acls[sub.arg(2)] {
				d.LocalTS = addUnique(d.LocalTS, pair[0])
				d.RemoteTS = addUnique(d.RemoteTS, pair[1])
			}
		case sub.has("set", "security-association", "lifetime"):
			c.saLifetime(sub.words[3:], ss)
		case sub.has("set", "ikev2-profile"), sub.has("description"):
		default:
			r.unknown(f.Name, sub.line, sub.text)
		}
	}
}

// acl reads "access-list N permit ip SRC DST" (IOS wildcards or ASA masks
// and object-groups) and "ip access-list extended NAME" entries.
func (c *ciscoCrypto) acl(f File, b *block) {
	add := func(name string, words []string, line int) {
		// words: permit ip <src> <dst>
		if len(words) < 3 || words[0] != "permit" {
			return
		}
		addrs := c.aclAddrs(words[2:])
		if len(addrs) == 2 {
			s := src(f.Name, line)
			for _, a := range addrs[0] {
				for _, z := range addrs[1] {
					c.acls[name] = append(c.acls[name], [2]compat.Value[string]{compat.At(a, s), compat.At(z, s)})
				}
			}
		}
	}
	if b.has("ip", "access-list") {
		for _, sub := range b.subs {
			add(b.arg(3), sub.words, sub.line)
		}
		return
	}
	words := b.words[2:]
	if len(words) > 0 && words[0] == "extended" {
		words = words[1:]
	}
	add(b.arg(1), words, b.line)
}

func (c *ciscoCrypto) aclAddrs(w []string) [][]string {
	var out [][]string
	for i := 0; i < len(w) && len(out) < 2; {
		switch {
		case w[i] == "any" || w[i] == "any4":
			out = append(out, []string{"0.0.0.0/0"})
			i++
		case w[i] == "host" && i+1 < len(w):
			out = append(out, []string{w[i+1] + "/32"})
			i += 2
		case (w[i] == "object-group" || w[i] == "object") && i+1 < len(w):
			out = append(out, c.objects[w[i+1]])
			i += 2
		case i+1 < len(w):
			if c.asa {
				out = append(out, []string{cidr(w[i], w[i+1])})
			} else {
				out = append(out, []string{wildcardCIDR(w[i], w[i+1])})
			}
			i += 2
		default:
			i++
		}
	}
	return out
}

func (c *ciscoCrypto) iface(r *Result, f File, b *block, outside map[string]compat.Value[string], routeBased *bool) {
	d := &r.Device
	tunnel := reCisco4.MatchString(strings.Join(b.words[1:], " "))
	nameif, addr := "", ""
	var addrAt compat.Source
	for _, sub := range b.subs {
		ss := src(f.Name, sub.line)
		switch {
		case sub.has("ip", "tcp", "adjust-mss"):
			// The tunnel interface's clamp is the one that counts.
			if n, ok := atoi(sub.arg(3)); ok && (tunnel || !c.mssTunnel) {
				d.MSSClamp = compat.At(n, ss)
				c.mssTunnel = c.mssTunnel || tunnel
			}
		case sub.has("ip", "mtu") && tunnel:
			if n, ok := atoi(sub.arg(2)); ok {
				d.TunnelMTU = compat.At(n, ss)
			}
		case sub.has("nameif"):
			nameif = sub.arg(1)
		case sub.has("ip", "address") && len(sub.words) >= 3:
			addr, addrAt = sub.arg(2), ss
		case sub.has("tunnel", "destination") && tunnel:
			d.Peers = addUnique(d.Peers, compat.At(sub.arg(2), ss))
		case sub.has("tunnel", "protection") && tunnel:
			*routeBased = true
		case sub.has("crypto", "map"):
			// binds a crypto map to this interface: the outside one
			if a := addr; a != "" {
				d.LocalAddress = compat.At(a, ss)
			}
		}
	}
	if nameif != "" && addr != "" {
		outside[nameif] = compat.At(addr, addrAt)
	}
	if !tunnel {
		r.skip(f.Name, b.line, b.end, "interface "+strings.Join(b.words[1:], " ")+" (only MSS, MTU and addresses are read)")
	}
}

func ciscoBGP(r *Result, f File, b *block) {
	d := &r.Device
	s := src(f.Name, b.line)
	asn, _ := atoi(b.arg(2))
	bgp := &compat.BGP{ASN: compat.At(uint32(asn), s)}
	nbr := map[string]*compat.Neighbor{}
	var order []string
	get := func(ip string) *compat.Neighbor {
		if n, ok := nbr[ip]; ok {
			return n
		}
		nbr[ip] = &compat.Neighbor{}
		order = append(order, ip)
		return nbr[ip]
	}
	var walk func(subs []*block)
	walk = func(subs []*block) {
		for _, sub := range subs {
			ss := src(f.Name, sub.line)
			switch {
			case sub.has("address-family"):
				walk(sub.subs)
			case sub.has("neighbor") && sub.arg(2) == "remote-as":
				n := get(sub.arg(1))
				n.Address = compat.At(sub.arg(1), ss)
				a, _ := atoi(sub.arg(3))
				n.ASN = compat.At(uint32(a), ss)
			case sub.has("neighbor") && sub.arg(2) == "ebgp-multihop":
				ttl := 255
				if v, ok := atoi(sub.arg(3)); ok {
					ttl = v
				}
				get(sub.arg(1)).Multihop = compat.At(ttl, ss)
			case sub.has("neighbor") && (sub.arg(2) == "update-source"):
				bgp.LocalAddress = compat.At(sub.arg(3), ss)
			case sub.has("neighbor") && sub.arg(2) == "timers":
				if v, ok := atoi(sub.arg(4)); ok {
					bgp.HoldTime = compat.At(time.Duration(v)*time.Second, ss)
				}
			case sub.has("neighbor") && sub.arg(2) == "disable-connected-check":
				get(sub.arg(1)).Multihop = compat.At(255, ss)
			case sub.has("network"):
				p := sub.arg(1)
				if sub.arg(2) == "mask" {
					p = cidr(p, sub.arg(3))
				} else {
					p = classful(p)
				}
				bgp.Announced = addUnique(bgp.Announced, compat.At(p, ss))
			case sub.has("timers", "bgp"):
				if v, ok := atoi(sub.arg(3)); ok {
					bgp.HoldTime = compat.At(time.Duration(v)*time.Second, ss)
				}
			case sub.has("neighbor"), sub.has("bgp"), sub.has("exit-address-family"), sub.has("redistribute"), sub.has("no"), sub.has("maximum-paths"):
			default:
				r.unknown(f.Name, sub.line, sub.text)
			}
		}
	}
	walk(b.subs)
	for _, ip := range order {
		bgp.Neighbors = append(bgp.Neighbors, *nbr[ip])
	}
	d.BGP = bgp
}

func classful(a string) string {
	if strings.Contains(a, "/") {
		return a
	}
	switch first, _ := atoi(strings.Split(a, ".")[0]); {
	case first < 128:
		return cidr(a, "255.0.0.0")
	case first < 192:
		return cidr(a, "255.255.0.0")
	}
	return cidr(a, "255.255.255.0")
}

// ciscoRoute reads "ip route P M Tunnel1" (IOS) or "route NAMEIF P M GW" (ASA).
func ciscoRoute(r *Result, f File, b *block) {
	d := &r.Device
	s := src(f.Name, b.line)
	w := b.words
	if b.has("ip", "route") && len(w) >= 5 {
		if strings.HasPrefix(strings.ToLower(strings.Join(w[4:], "")), "tunnel") {
			d.StaticRoutes = addUnique(d.StaticRoutes, compat.At(cidr(w[2], w[3]), s))
		}
		return
	}
	if b.has("route") && len(w) >= 5 && !strings.EqualFold(w[1], "outside") {
		d.StaticRoutes = addUnique(d.StaticRoutes, compat.At(cidr(w[2], w[3]), s))
	}
}

var (
	reCisco4 = regexp.MustCompile(`(?i)^tunnel ?\d+$`)
)
