package profile

import (
	"fmt"
	"slices"
	"strings"
)

// The strongSwan proposal keywords a profile may use, by transform type.
var (
	encryptionAlgs = []string{
		"aes128", "aes192", "aes256",
		"aes128gcm16", "aes192gcm16", "aes256gcm16", "aes128gcm", "aes192gcm", "aes256gcm",
		"3des", "des", "chacha20poly1305", "null",
	}
	integrityAlgs = []string{"md5", "sha1", "sha256", "sha384", "sha512", "aesxcbc"}
	prfAlgs       = []string{"prfsha1", "prfsha256", "prfsha384", "prfsha512"}
	// dhGroups leaves out "none", which means no group.
	dhGroups = []string{
		"modp768", "modp1024", "modp1536", "modp2048", "modp3072", "modp4096", "modp2048s256",
		"ecp256", "ecp384", "ecp521", "curve25519",
	}

	ikeKeywords = slices.Concat(encryptionAlgs, integrityAlgs, prfAlgs, dhGroups, []string{"none"})
	espKeywords = slices.Concat(encryptionAlgs, integrityAlgs)
	pfsKeywords = slices.Concat([]string{"none"}, dhGroups)
)

// proposal is a proposal string split by transform type.
type proposal struct {
	aead, classic, integrity, prf, dh []string
}

// parseProposal splits s on '-' and reports each keyword not in known.
func parseProposal(s string, known []string) (proposal, []string) {
	var p proposal
	var problems []string
	if s == "" {
		return p, []string{"empty proposal"}
	}
	for _, tok := range strings.Split(s, "-") {
		switch {
		case slices.Contains(known, strings.ToLower(tok)) && tok != strings.ToLower(tok):
			problems = append(problems, fmt.Sprintf("unknown algorithm %q: keywords are lowercase, %q", tok, strings.ToLower(tok)))
		case !slices.Contains(known, tok) && !slices.Contains(ikeKeywords, tok):
			problems = append(problems, fmt.Sprintf("unknown algorithm %q (known: %s)", tok, strings.Join(known, ", ")))
		case slices.Contains(encryptionAlgs, tok) && isAEAD(tok):
			p.aead = append(p.aead, tok)
		case slices.Contains(encryptionAlgs, tok):
			p.classic = append(p.classic, tok)
		case slices.Contains(integrityAlgs, tok):
			p.integrity = append(p.integrity, tok)
		case slices.Contains(prfAlgs, tok):
			p.prf = append(p.prf, tok)
		default:
			p.dh = append(p.dh, tok)
		}
	}
	return p, problems
}

func isAEAD(enc string) bool {
	return strings.Contains(enc, "gcm") || enc == "chacha20poly1305"
}

// checkIKEProposal applies strongSwan's rules for IKE proposals.
func checkIKEProposal(s string) []string {
	p, problems := parseProposal(s, ikeKeywords)
	if len(problems) > 0 {
		return problems
	}
	problems = p.checkEncryption()
	if slices.Contains(p.classic, "null") {
		problems = append(problems, "null encryption is not allowed in IKE (RFC 7296)")
	}
	if len(p.aead) > 0 && len(p.prf) == 0 && len(p.integrity) == 0 {
		problems = append(problems, "an AEAD proposal needs a PRF, such as prfsha256")
	}
	if !slices.ContainsFunc(p.dh, func(g string) bool { return g != "none" }) {
		problems = append(problems, "an IKE proposal needs a DH group, such as modp1024")
	}
	return problems
}

// checkESPProposal applies strongSwan's rules for ESP proposals, and asks
// for PFS in ipsec.pfs rather than in the proposal.
func checkESPProposal(s string) []string {
	p, problems := parseProposal(s, espKeywords)
	if len(problems) > 0 {
		return problems
	}
	problems = p.checkEncryption()
	for _, a := range p.prf {
		problems = append(problems, fmt.Sprintf("%s: a PRF belongs in IKE proposals only", a))
	}
	for _, g := range p.dh {
		problems = append(problems, fmt.Sprintf("%s: set PFS in ipsec.pfs, not in the proposal", g))
	}
	return problems
}

// checkEncryption checks the rules shared by IKE and ESP: one or more
// encryption algorithms, AEAD and classic not mixed, and an integrity
// algorithm with classic encryption.
func (p proposal) checkEncryption() []string {
	switch {
	case len(p.aead) == 0 && len(p.classic) == 0:
		return []string{"no encryption algorithm (known: " + strings.Join(encryptionAlgs, ", ") + ")"}
	case len(p.aead) > 0 && len(p.classic) > 0:
		return []string{fmt.Sprintf("mixes AEAD %s with classic %s encryption; split it into two proposals",
			strings.Join(p.aead, ", "), strings.Join(p.classic, ", "))}
	case len(p.classic) > 0 && len(p.integrity) == 0:
		return []string{fmt.Sprintf("classic encryption %s needs an integrity algorithm (known: %s)",
			strings.Join(p.classic, ", "), strings.Join(integrityAlgs, ", "))}
	}
	return nil
}
