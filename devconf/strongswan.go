package devconf

import (
	"regexp"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/compat"
)

var strongswanIPsecConf = Syntax{
	Name:  "strongswan-ipsec.conf",
	Title: "strongSwan ipsec.conf (+ ipsec.secrets)",
	Description: "The starter's conn section to Azure (keyexchange, ike, esp, lifetimes, dpd*, left*/right*, " +
		"authby, mark/updown for route-based), the PSK from ipsec.secrets.",
	Sniff: func(text string) int {
		if !lineStarts(text, "conn ") {
			return 0
		}
		score := 50
		if reStrongswan1.MatchString(text) {
			score += 20
		}
		if libreswanOnly.MatchString(text) {
			score -= 30
		}
		return score
	},
	Import: importStrongswan,
	Example: `conn azure
    keyexchange=ikev2
    ike=aes256-sha256-modp1024!
    esp=aes256gcm16!
    left=198.51.100.10
    leftsubnet=0.0.0.0/0
    right=203.0.113.10
    rightsubnet=0.0.0.0/0
    authby=secret
    dpdaction=restart
    mark=42
    auto=start`,
}

// Keys strongSwan's starter knows that do not bear on the connection to Azure.
var swIgnored = map[string]bool{"auto": true, "leftsourceip": true, "rightsourceip": true, "compress": true,
	"keyingtries": true, "rekeymargin": true, "margintime": true, "rekeyfuzz": true, "leftsendcert": true,
	"rightsendcert": true, "mobike": true, "reauth": true, "rekey": true, "fragmentation": true,
	"installpolicy": true, "closeaction": true, "leftfirewall": true, "lefthostaccess": true, "leftprotoport": true,
	"rightprotoport": true, "leftnexthop": true, "rightnexthop": true, "leftca": true, "rightca": true,
	"leftcert": true, "rightcert": true, "aggressive": true, "replay_window": true, "inactivity": true,
	"dpdtimeout": true, "uniqueids": true, "strictcrlpolicy": true, "charondebug": true,
	"eap_identity": true, "aaa_identity": true, "xauth": true, "leftgroups": true, "rightgroups": true}

func importStrongswan(r *Result, files []File) error {
	f := files[0]
	c, head, err := openConn(r, f)
	if err != nil {
		return err
	}
	d := &r.Device
	d.IKEVersion = compat.At(2, head) // keyexchange=ike initiates IKEv2
	d.NATT = compat.At("auto", head)
	d.MSSOutside = true
	markOrUpdown, psk := false, false
	dpdAction := "none"
	dpdAt := head
	dpdDelay := 30 * time.Second
	var espPFS string
	var espPFSAt compat.Source
	for _, e := range c.kvs {
		s := src(f.Name, e.line)
		switch e.key {
		case "keyexchange":
			switch e.val {
			case "ikev1":
				d.IKEVersion = compat.At(1, s)
			case "ikev2", "ike":
				d.IKEVersion = compat.At(2, s)
			default:
				r.unknown(f.Name, e.line, e.key+"="+e.val)
			}
		case "ike":
			d.IKEProposals = nil
			for _, p := range splitList(e.val) {
				d.IKEProposals = append(d.IKEProposals, compat.At(strings.TrimSuffix(p, "!"), s))
				if !strings.ContainsAny(p, "-") || !hasDH(p) {
					r.note(s, "strongSwan refuses the IKE proposal %q: a DH group is mandatory in IKE proposals (azure-rules R12)", p)
				}
			}
		case "esp":
			d.ESPProposals = nil
			for _, p := range splitList(e.val) {
				enc, pfs := splitPFS(strings.TrimSuffix(p, "!"))
				d.ESPProposals = append(d.ESPProposals, compat.At(enc, s))
				if pfs != "" && espPFS == "" {
					espPFS, espPFSAt = pfs, s
				}
			}
		case "ikelifetime":
			if v, ok := parseDuration(e.val); ok {
				d.IKELifetime = compat.At(v, s)
			}
		case "lifetime", "keylife", "salifetime":
			if v, ok := parseDuration(e.val); ok {
				d.ChildLifetime = compat.At(v, s)
			}
		case "lifebytes":
			if n, ok := atoi(e.val); ok {
				d.ChildLifeKB = compat.At(int64(n/1024), s)
			}
		case "dpdaction":
			dpdAction, dpdAt = e.val, s
		case "dpddelay":
			if v, ok := parseDuration(e.val); ok {
				dpdDelay = v
			}
		case "left":
			d.LocalAddress = compat.At(e.val, s)
		case "leftid":
			d.LocalID = compat.At(strings.TrimPrefix(e.val, "@"), s)
		case "right":
			d.Peers = append(d.Peers[:0], compat.At(e.val, s))
		case "rightid":
			d.RemoteID = compat.At(strings.TrimPrefix(e.val, "@"), s)
		case "leftsubnet":
			for _, p := range splitList(e.val) {
				d.LocalTS = append(d.LocalTS, compat.At(cidr(p, ""), s))
			}
		case "rightsubnet":
			for _, p := range splitList(e.val) {
				d.RemoteTS = append(d.RemoteTS, compat.At(cidr(p, ""), s))
			}
		case "authby", "leftauth", "rightauth":
			psk = e.val == "secret" || e.val == "psk"
			if !psk {
				r.note(s, "authentication %s=%s: Azure's site-to-site connections use a pre-shared key only", e.key, e.val)
			}
		case "type":
			if e.val != "tunnel" {
				r.note(s, "type=%s: Azure needs tunnel mode", e.val)
			}
		case "mark", "mark_in", "mark_out", "if_id_in", "if_id_out", "leftupdown":
			markOrUpdown = true
		case "forceencaps":
			if e.val == "yes" {
				d.NATT = compat.At("force", s)
			}
		case "pfs":
			r.note(s, "pfs= is deprecated and ignored by strongSwan: PFS comes from a DH group in esp= (azure-rules R12)")
		default:
			if !swIgnored[e.key] {
				r.unknown(f.Name, e.line, e.key+"="+e.val)
			}
		}
	}
	if len(d.IKEProposals) == 0 {
		d.IKEProposals = []compat.Value[string]{compat.At(strongswanDefaultIKE, head)}
		r.note(head, "no ike=: strongSwan's default IKE proposal applies, which has no DH group 2 (modp1024) (azure-rules R12)")
	}
	if len(d.ESPProposals) == 0 {
		d.ESPProposals = []compat.Value[string]{compat.At("aes128-aes192-aes256-sha256-sha384-sha512-sha1", head), compat.At("aes128gcm16-aes192gcm16-aes256gcm16", head)}
	}
	d.PFS = compat.At("none", head)
	if espPFS != "" {
		d.PFS = compat.At(espPFS, espPFSAt)
	}
	if !d.ChildLifetime.Set {
		d.ChildLifetime = compat.At(time.Hour, head)
	}
	if !d.IKELifetime.Set {
		d.IKELifetime = compat.At(3*time.Hour, head)
	}
	if dpdAction == "none" {
		d.DPD = compat.At(time.Duration(0), dpdAt)
	} else {
		d.DPD = compat.At(dpdDelay, dpdAt)
	}
	routeBased := markOrUpdown || (len(d.LocalTS) == 0 || anyTS(d.LocalTS)) && (len(d.RemoteTS) == 0 || anyTS(d.RemoteTS))
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

// strongSwan's built-in default IKE proposal (5.x): no MODP768/1024/1536.
const strongswanDefaultIKE = "aes128-aes192-aes256-sha256-sha384-sha512-sha1-curve25519-ecp256-ecp384-ecp521-modp3072-modp4096-modp6144-modp8192-modp2048"

func anyTS(ts []compat.Value[string]) bool {
	for _, t := range ts {
		if t.V == "0.0.0.0/0" {
			return true
		}
	}
	return false
}

func hasDH(p string) bool {
	for _, t := range strings.Split(strings.TrimSuffix(p, "!"), "-") {
		if strings.HasPrefix(t, "modp") || strings.HasPrefix(t, "ecp") || strings.HasPrefix(t, "curve") || strings.HasPrefix(t, "x25519") {
			return true
		}
	}
	return false
}

// splitPFS takes the DH groups out of an ESP proposal.
func splitPFS(p string) (esp, pfs string) {
	var keep []string
	for _, t := range strings.Split(p, "-") {
		if hasDH(t) {
			if pfs == "" {
				pfs = t
			}
			continue
		}
		keep = append(keep, t)
	}
	return strings.Join(keep, "-"), pfs
}

var (
	reStrongswan1 = regexp.MustCompile(`(?m)^\s+(keyexchange|ikelifetime|rekeymargin|keyingtries|leftauth|mobike|reauth)\s*=`)
)
