package devconf

import (
	"regexp"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/compat"
)

// Keys only libreswan (and Openswan) know.
var libreswanOnly = regexp.MustCompile(`(?m)^\s*(ikev2|phase2alg|phase2|salifetime|leftsubnets|rightsubnets|encapsulation|protostack|ikev1-policy|nat-ikev1-method|vti-interface|leftvti|pfs|narrowing|sha2-truncbug|ikepad|retransmit-timeout|plutodebug|dpdtimeout|virtual[-_]private)\s*=|^version\s+2`)

var libreswanConf = Syntax{
	Name:  "libreswan",
	Title: "libreswan ipsec.conf (+ .secrets)",
	Description: "The conn section to Azure (ikev2/keyexchange, ike, esp/phase2alg, pfs, ikelifetime/salifetime, " +
		"dpd*, encapsulation, left*/right*, vti), the PSK from the .secrets file.",
	Sniff: func(text string) int {
		if !lineStarts(text, "conn ") {
			return 0
		}
		if libreswanOnly.MatchString(text) || reLibreswan1.MatchString(text) {
			return 60
		}
		return 10
	},
	Import: importLibreswan,
	Example: `conn azure
    ikev2=insist
    ike=aes256-sha2;modp1024
    esp=aes256-sha1
    pfs=no
    left=198.51.100.10
    leftsubnet=198.18.10.0/24
    right=203.0.113.10
    rightsubnet=198.19.0.0/16
    authby=secret
    dpddelay=30
    dpdtimeout=120
    dpdaction=restart
    auto=start`,
}

var lswIgnored = map[string]bool{"auto": true, "leftsourceip": true, "rightsourceip": true, "leftnexthop": true,
	"rightnexthop": true, "keyingtries": true, "rekeymargin": true, "rekeyfuzz": true, "compress": true,
	"leftsendcert": true, "rightsendcert": true, "dpdtimeout": true, "narrowing": true, "mobike": true,
	"retransmit-timeout": true, "retransmit-interval": true, "fragmentation": true, "replay-window": true,
	"sha2-truncbug": true, "ikepad": true, "leftupdown": true, "leftrsasigkey": true, "rightrsasigkey": true,
	"leftcert": true, "rightcert": true, "leftca": true, "rightca": true, "metric": true, "mtu": false,
	"nat-keepalive": true, "nat-ikev1-method": true, "ikev1-policy": true, "aggressive": true, "aggrmode": true,
	"rekey": true, "reauth": true, "priority": true, "labeled-ipsec": true, "phase2": true, "keyexchange-v1": true}

func importLibreswan(r *Result, files []File) error {
	f := files[0]
	c, head, err := openConn(r, f)
	if err != nil {
		return err
	}
	d := &r.Device
	d.IKEVersion = compat.At(2, head)
	d.NATT = compat.At("auto", head)
	d.MSSOutside = true
	d.IKELifetime = compat.At(8*time.Hour, head)
	d.ChildLifetime = compat.At(8*time.Hour, head)
	pfs := compat.At(true, head) // libreswan's default: pfs=yes
	var pfsGroup string
	var pfsAt compat.Source
	var ikeDH string
	dpd := compat.At(time.Duration(0), head)
	routeBased, psk := false, false
	for _, e := range c.kvs {
		s := src(f.Name, e.line)
		switch e.key {
		case "ikev2":
			if e.val == "no" || e.val == "never" {
				d.IKEVersion = compat.At(1, s)
			} else {
				d.IKEVersion = compat.At(2, s)
			}
		case "keyexchange":
			if e.val == "ikev1" {
				d.IKEVersion = compat.At(1, s)
			} else {
				d.IKEVersion = compat.At(2, s)
			}
		case "ike":
			d.IKEProposals = nil
			for _, p := range splitList(e.val) {
				prop := libreswanProposal(p)
				d.IKEProposals = append(d.IKEProposals, compat.At(prop, s))
				if ikeDH == "" {
					_, ikeDH = splitPFS(prop)
				}
			}
		case "esp", "phase2alg":
			d.ESPProposals = nil
			for _, p := range splitList(e.val) {
				enc, g := splitPFS(libreswanProposal(p))
				d.ESPProposals = append(d.ESPProposals, compat.At(enc, s))
				if g != "" && pfsGroup == "" {
					pfsGroup, pfsAt = g, s
				}
			}
		case "pfs":
			pfs = compat.At(e.val == "yes", s)
		case "ikelifetime":
			if v, ok := parseDuration(e.val); ok {
				d.IKELifetime = compat.At(v, s)
			}
		case "salifetime", "keylife", "lifetime":
			if v, ok := parseDuration(e.val); ok {
				d.ChildLifetime = compat.At(v, s)
			}
		case "dpddelay":
			if v, ok := parseDuration(e.val); ok {
				dpd = compat.At(v, s)
			}
		case "dpdaction":
			if e.val == "clear" || e.val == "hold" || e.val == "restart" {
				break
			}
			r.unknown(f.Name, e.line, e.key+"="+e.val)
		case "encapsulation", "forceencaps":
			switch e.val {
			case "no":
				d.NATT = compat.At("off", s)
			case "yes":
				d.NATT = compat.At("force", s)
			}
		case "left":
			d.LocalAddress = compat.At(e.val, s)
		case "leftid":
			d.LocalID = compat.At(strings.TrimPrefix(e.val, "@"), s)
		case "right":
			d.Peers = append(d.Peers[:0], compat.At(e.val, s))
		case "rightid":
			d.RemoteID = compat.At(strings.TrimPrefix(e.val, "@"), s)
		case "leftsubnet", "leftsubnets":
			for _, p := range splitList(e.val) {
				d.LocalTS = append(d.LocalTS, compat.At(cidr(p, ""), s))
			}
		case "rightsubnet", "rightsubnets":
			for _, p := range splitList(e.val) {
				d.RemoteTS = append(d.RemoteTS, compat.At(cidr(p, ""), s))
			}
		case "authby":
			psk = e.val == "secret"
			if !psk {
				r.note(s, "authby=%s: Azure's site-to-site connections use a pre-shared key only", e.val)
			}
		case "type":
			if e.val != "tunnel" {
				r.note(s, "type=%s: Azure needs tunnel mode", e.val)
			}
		case "mark", "vti-interface", "leftvti", "ipsec-interface", "mark-in", "mark-out":
			routeBased = true
		case "mtu":
			if n, ok := atoi(e.val); ok {
				d.TunnelMTU = compat.At(n, s)
			}
		default:
			if !lswIgnored[e.key] {
				r.unknown(f.Name, e.line, e.key+"="+e.val)
			}
		}
	}
	if len(d.IKEProposals) == 0 {
		d.IKEProposals = []compat.Value[string]{compat.At("aes256gcm16-aes128gcm16-aes256-aes128-sha512-sha256-modp2048-modp3072-modp4096-modp8192-ecp256-ecp384-ecp521-curve25519", head)}
		r.note(head, "no ike=: libreswan's default IKE proposals apply, which have no DH group 2 (modp1024)")
		ikeDH = "modp2048"
	}
	if len(d.ESPProposals) == 0 {
		d.ESPProposals = []compat.Value[string]{compat.At("aes256gcm16-aes128gcm16", head), compat.At("aes256-aes128-sha512-sha256", head)}
	}
	switch {
	case !pfs.V:
		d.PFS = compat.At("none", pfs.Source)
	case pfsGroup != "":
		d.PFS = compat.At(pfsGroup, pfsAt)
	default:
		// pfs=yes without a group in esp= uses the IKE SA's DH group.
		d.PFS = compat.At(ikeDH, pfs.Source)
	}
	d.DPD = dpd
	if !routeBased {
		routeBased = (len(d.LocalTS) == 0 || anyTS(d.LocalTS)) && (len(d.RemoteTS) == 0 || anyTS(d.RemoteTS))
	}
	d.PolicyBased = compat.At(!routeBased, head)
	if len(files) == 1 && psk {
		d.PSK = atOpaque(head)
		r.note(head, "authby=secret: the pre-shared key is in a secrets file that was not given; pass it after the configuration to compare it")
	}
	for _, sf := range files[1:] {
		peer := ""
		if len(d.Peers) > 0 {
			peer = d.Peers[0].V
		}
		readSecrets(r, sf, peer)
	}
	return nil
}

// libreswanProposal turns "aes256-sha2;modp1024" or "aes_gcm256" into
// strongSwan keywords.
func libreswanProposal(p string) string {
	p = strings.ToLower(strings.ReplaceAll(p, ";", "-"))
	repl := map[string]string{"sha2": "sha256", "sha2_256": "sha256", "sha2_384": "sha384", "sha2_512": "sha512",
		"aes": "aes128", "aes_cbc": "aes128", "aes_gcm": "aes128gcm16", "aes_gcm256": "aes256gcm16", "aes_gcm128": "aes128gcm16",
		"aes_gcm_256": "aes256gcm16", "aes_gcm_128": "aes128gcm16", "aes_cbc_256": "aes256", "aes_cbc_128": "aes128",
		"aes256_gcm": "aes256gcm16", "dh19": "ecp256", "dh20": "ecp384", "dh21": "ecp521", "dh14": "modp2048",
		"dh2": "modp1024", "dh31": "curve25519", "3des_cbc": "3des", "md5_128": "md5"}
	var out []string
	for _, t := range strings.Split(p, "-") {
		if r, ok := repl[t]; ok {
			t = r
		}
		out = append(out, t)
	}
	return strings.Join(out, "-")
}

var (
	reLibreswan1 = regexp.MustCompile(`(?m)^\s*(ike|esp)\s*=\s*\S+;`)
)
