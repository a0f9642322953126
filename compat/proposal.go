package compat

import (
	"slices"
	"strings"
)

// proposal is a strongSwan proposal split into its transform sets.
type proposal struct {
	enc, integ, dh []string
	aead           bool
}

var aliases = map[string]string{
	"aes": "aes128", "aes128gcm": "aes128gcm16", "aes192gcm": "aes192gcm16", "aes256gcm": "aes256gcm16",
	"aes128gcm128": "aes128gcm16", "aes256gcm128": "aes256gcm16", "sha": "sha1", "sha2_256": "sha256",
	"sha2_384": "sha384", "sha2_512": "sha512", "x25519": "curve25519", "3des_cbc": "3des",
}

var dhKeywords = []string{"modp768", "modp1024", "modp1536", "modp2048", "modp3072", "modp4096", "modp6144",
	"modp8192", "modp2048s256", "modp1024s160", "modp2048s224", "ecp192", "ecp224", "ecp256", "ecp384", "ecp521",
	"curve25519", "curve448", "ecp224bp", "ecp256bp", "ecp384bp", "ecp512bp"}

var integKeywords = []string{"md5", "sha1", "sha256", "sha384", "sha512", "aesxcbc", "aescmac", "sha1_160", "md5_128"}

// parseProposal splits "aes256-aes128-sha1-modp1024"; PRFs and ESN
// keywords are left out, "none" and "modpnone" mean no DH group.
func parseProposal(s string) proposal {
	var p proposal
	for _, t := range strings.Split(strings.ToLower(strings.TrimSpace(strings.TrimSuffix(s, "!"))), "-") {
		if a, ok := aliases[t]; ok {
			t = a
		}
		switch {
		case t == "" || t == "none" || t == "modpnone" || t == "esn" || t == "noesn" || strings.HasPrefix(t, "prf"):
		case slices.Contains(dhKeywords, t):
			p.dh = append(p.dh, t)
		case slices.Contains(integKeywords, t):
			p.integ = append(p.integ, t)
		default:
			p.enc = append(p.enc, t)
			if strings.Contains(t, "gcm") || strings.Contains(t, "ccm") || t == "chacha20poly1305" {
				p.aead = true
			}
		}
	}
	return p
}

// accepts reports whether the device proposal d can agree on the single
// offer o (one algorithm per transform). withDH compares DH groups too:
// for ESP that is PFS, where an offer without a group needs a device
// proposal without one.
func (d proposal) accepts(o proposal, withDH bool) bool {
	if len(o.enc) == 0 || !slices.Contains(d.enc, o.enc[0]) {
		return false
	}
	if !o.aead && (len(o.integ) == 0 || !slices.Contains(d.integ, o.integ[0])) {
		return false
	}
	if !withDH {
		return true
	}
	if len(o.dh) == 0 {
		return len(d.dh) == 0
	}
	return slices.Contains(d.dh, o.dh[0])
}

// firstAccepted returns the first offer any device proposal accepts, or "".
func firstAccepted(device, offers []string, withDH bool) string {
	for _, o := range offers {
		op := parseProposal(o)
		for _, d := range device {
			if parseProposal(d).accepts(op, withDH) {
				return o
			}
		}
	}
	return ""
}

// withPFS appends the PFS group to each ESP proposal.
func withPFS(esp []string, pfs string) []string {
	out := make([]string, len(esp))
	for i, e := range esp {
		out[i] = e
		if pfs != "" && pfs != "none" {
			out[i] = e + "-" + pfs
		}
	}
	return out
}

func values(vs []Value[string]) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.V)
	}
	return out
}

func firstSource(vs []Value[string], or Source) Source {
	for _, v := range vs {
		if v.Line > 0 {
			return v.Source
		}
	}
	return or
}
