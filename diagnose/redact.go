package diagnose

import (
	"regexp"
	"slices"
	"strings"
)

// Key material never reaches a verdict: the offline reader redacts every
// line it stores, and the engine redacts every line it reads again (a
// saved evidence bundle is input too).

// Redacted replaces a secret's value.
const Redacted = "<redacted>"

const redacted = Redacted

// secretNames are the names whose value is a secret, lower case; a name
// matches when followed (after letters, '_' or '-') by '=' or ':' — or, for
// psk, by a quoted value as in ipsec.secrets (`: PSK "..."`).
var secretNames = []string{"psk", "secret", "sharedkey", "shared_key", "shared-key", "presharedkey", "pre_shared_key", "password", "passwd"}

// vendorSecrets are the vendors' configuration syntaxes that give a
// secret after a keyword and a blank rather than '=' or ':' (the last
// group is the value): Cisco IOS/ASA pre-shared-key and isakmp key,
// FortiGate psksecret, Juniper ascii-text, Palo Alto's XML, PowerShell
// -SharedKey / -Secret, FRR neighbor password, type-7/ENC obfuscated
// passwords (obfuscation is no protection). Each runs on the lower-cased
// line (same byte offsets) and only when one of its triggers occurs.
//
// A match can only start at one of a syntax's heads (its leading
// keywords), so the expression is run anchored at each occurrence of a
// head (after a word boundary when wordStart, after a blank or at the
// start when blankStart) instead of at every position of the line: the
// same matches as the unanchored expression (vendorSecretsRef in the
// tests), at a fraction of the cost.
var vendorSecrets = []vendorSecret{
	newVendorSecret([]string{"pre-shared-key", "psksecret", "key-string", "ascii-text", "hexadecimal-text", "authentication-key", "shared-secret", "secret ", "secret\t", "auth-key", "preshared"},
		[]string{"pre-shared-key", "psksecret", "key-string", "ascii-text", "hexadecimal-text", "authentication-key", "shared-secret", "serversecret", "server-secret", "radiussecret", "radius-secret", "auth-key", "presharedkey", "preshared-key"},
		true, false, `(?:pre-shared-key|psksecret|key-string|ascii-text|hexadecimal-text|authentication-key|shared-secret|server-?secret|radius-?secret|auth-key|preshared-?key)((?:[ \t]+(?:local|remote|unencrypted|encrypted|ascii-text|hex|enc|0|5|6|7|8|9))*)[ \t]+("[^"]*"|'[^']*'|[^\s;,}<>]+)`),
	newVendorSecret([]string{"-sharedkey", "-secret", "-psk", "-radiusserversecret", "-password"},
		[]string{"-sharedkey", "-secret", "-psk", "-radiusserversecret", "-password"},
		false, true, `-(?:sharedkey|secret|psk|radiusserversecret|password)[ \t]+("[^"]*"|'[^']*'|[^\s;,}]+)`),
	newVendorSecret([]string{"isakmp key"}, []string{"isakmp key"}, true, false, `isakmp key[ \t]+(?:[0-9][ \t]+)?("[^"]*"|\S+)`),
	newVendorSecret([]string{" key "}, []string{"address"}, true, false, `address[ \t]+\S+[ \t]+key[ \t]+(?:[0-9][ \t]+)?("[^"]*"|\S+)`),
	newVendorSecret([]string{"password ", "secret ", "key "}, []string{"password", "secret", "key"}, true, false, `(?:password|secret|key)[ \t]+[0-9][ \t]+(\S+)`),
	newVendorSecret([]string{"neighbor"}, []string{"neighbor"}, true, false, `neighbor[ \t]+\S+[ \t]+password[ \t]+(\S+)`),
	newVendorSecret([]string{"<key>", "<pre-shared-key>", "<psk>", "<secret>", "<password>"}, []string{"<key>", "<pre-shared-key>", "<psk>", "<secret>", "<password>"},
		false, false, `<(?:key|pre-shared-key|psk|secret|password)>([^<]+)</`),
}

// vendorSecret is one syntax of vendorSecrets.
type vendorSecret struct {
	triggers   []string       // one must occur in the lower-cased line
	heads      []string       // a match starts with one of them
	wordStart  bool           // \b before the head
	blankStart bool           // (?:^|[ \t]) before the head (part of the match)
	re         *regexp.Regexp // the syntax from its head on, anchored
}

func newVendorSecret(triggers, heads []string, wordStart, blankStart bool, expr string) vendorSecret {
	return vendorSecret{triggers: triggers, heads: heads, wordStart: wordStart, blankStart: blankStart, re: regexp.MustCompile(`^(?:` + expr + `)`)}
}

// matches returns the submatch indices of v's leftmost non-overlapping
// matches in lower, as regexp's FindAllStringSubmatchIndex would for the
// unanchored syntax.
func (v *vendorSecret) matches(lower string) [][]int {
	var starts []int
	for _, h := range v.heads {
		for off := 0; ; {
			i := strings.Index(lower[off:], h)
			if i < 0 {
				break
			}
			p := off + i
			off = p + 1
			switch {
			case v.wordStart && p > 0 && isREWordByte(lower[p-1]):
				continue
			case v.blankStart && p > 0 && lower[p-1] != ' ' && lower[p-1] != '\t':
				continue
			}
			starts = append(starts, p)
		}
	}
	if len(starts) == 0 {
		return nil
	}
	slices.Sort(starts)
	var out [][]int
	end := 0
	for i, p := range starts {
		if i > 0 && p == starts[i-1] {
			continue
		}
		ms := p // the match starts at the blank before the head
		if v.blankStart && p > 0 {
			ms = p - 1
		}
		if ms < end {
			continue // inside the previous match
		}
		m := v.re.FindStringSubmatchIndex(lower[p:])
		if m == nil {
			continue
		}
		for j := range m {
			if m[j] >= 0 {
				m[j] += p
			}
		}
		m[0] = ms
		out = append(out, m)
		end = max(m[1], ms+1)
	}
	return out
}

// isREWordByte is regexp's \w: an ASCII letter, digit or '_'.
func isREWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// redactVendor replaces the values vendorSecrets find (the last group of
// each match).
func redactVendor(s string) string {
	if !containsFoldAny(s, "key", "secret", "psk", "password") {
		return s
	}
	lower := strings.ToLower(s)
	if len(lower) != len(s) {
		return s // not ASCII-foldable in place; the name=value pass still runs
	}
	for i := range vendorSecrets {
		v := &vendorSecrets[i]
		hit := false
		for _, t := range v.triggers {
			if strings.Contains(lower, t) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		m := v.matches(lower)
		for i := len(m) - 1; i >= 0; i-- {
			vs, ve := m[i][len(m[i])-2], m[i][len(m[i])-1]
			if vs < 0 || ve <= vs {
				continue
			}
			val := strings.Trim(s[vs:ve], `"'`)
			if val == redacted || val == "" || strings.Trim(val, "*") == "" {
				continue // already masked (ASA prints *****)
			}
			switch strings.ToLower(val) {
			case "address", "hostname", "key", "keyring", "local", "remote", "authentication", "successful", "failed", "mismatch", "for", "of", "with", "is":
				continue // a keyword or a log's words, not a value
			}
			if q := s[vs]; (q == '"' || q == '\'') && ve-vs >= 2 {
				vs, ve = vs+1, ve-1
			}
			s = s[:vs] + redacted + s[ve:]
			lower = lower[:vs] + redacted + lower[ve:]
		}
	}
	return s
}

// containsFoldAny reports whether s contains any of subs (ASCII lower
// case), without allocating.
func containsFoldAny(s string, subs ...string) bool {
	// One pass over s: most bytes start none of subs.
	var first [256]bool
	for _, sub := range subs {
		first[sub[0]] = true
	}
	for i := 0; i < len(s); i++ {
		if !first[s[i]|0x20] {
			continue
		}
		for _, sub := range subs {
			if i+len(sub) > len(s) {
				continue
			}
			j := 0
			for j < len(sub) && s[i+j]|0x20 == sub[j] {
				j++
			}
			if j == len(sub) {
				return true
			}
		}
	}
	return false
}

// Redact replaces the values of secrets in s: after a secret's name and
// '=' or ':' (psk, secret, sharedKey, password, ...), ipsec.secrets' PSK
// "...", and the vendors' configuration syntaxes (vendorSecrets). Lines
// without a secret's name are returned as they are, at the cost of one
// scan.
func Redact(s string) string {
	s = redactVendor(s)
	if !mayHoldSecret(s) {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c != 'p' && c != 's' {
			continue
		}
		if i > 0 && isWordByte(s[i-1]) {
			continue // inside a word: "whisper", "ipsec"
		}
		n := secretAt(s, i)
		if n == 0 {
			continue
		}
		vs, ve := valueAfter(s, i+n)
		if vs < 0 || inConnName(s, i, vs, ve) {
			continue
		}
		b.WriteString(s[last:vs])
		b.WriteString(redacted)
		last = ve
		i = ve - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// inConnName reports whether the secret's name at i is part of a
// connection's name that starts a pluto line or `ipsec status` line
// (`000 "xauth-psk":   newest ISAKMP SA: #0`, `"l2tp-psk"[2] 203.0.113.1
// #21: ...`), with words after it, not a key: the name has a prefix
// inside the leading quotes and the "value" [vs, ve) after the colon is
// unquoted and followed by more words. A quoted value (`"pre-shared-key":
// "..."`) and a value that ends the line are still redacted.
func inConnName(s string, i, vs, ve int) bool {
	j := 0
	for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	if j+4 <= len(s) && isDigit(s[j]) && isDigit(s[j+1]) && isDigit(s[j+2]) && s[j+3] == ' ' {
		j += 4 // whack's status code
	}
	if j >= len(s) || s[j] != '"' || i <= j+1 {
		return false
	}
	q := strings.IndexByte(s[j+1:], '"')
	if q < 0 || i >= j+1+q {
		return false // the name is not inside the leading quotes
	}
	if vs == 0 || s[vs-1] == '"' || s[vs-1] == '\'' {
		return false // a quoted value
	}
	rest := strings.TrimLeft(s[ve:], " \t")
	return len(rest) < len(s[ve:]) && rest != ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// mayHoldSecret is a fast pre-check: does s contain any secret name at all?
func mayHoldSecret(s string) bool {
	for i := 0; i+3 <= len(s); i++ {
		c := s[i] | 0x20
		if (c == 'p' || c == 's') && (i == 0 || !isWordByte(s[i-1])) && secretAt(s, i) > 0 {
			return true
		}
	}
	return false
}

// secretAt returns the length of the secret name at s[i:], 0 if none.
func secretAt(s string, i int) int {
	if i+3 > len(s) {
		return 0
	}
	switch s[i+1] | 0x20 { // psk, password, pre-shared, secret, shared
	case 's', 'a', 'r', 'e', 'h':
	default:
		return 0
	}
	for _, n := range secretNames {
		if len(s)-i >= len(n) && strings.EqualFold(s[i:i+len(n)], n) {
			return len(n)
		}
	}
	return 0
}

func isWordByte(c byte) bool {
	c |= 0x20
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

// valueAfter finds the value that follows a secret's name ending at j:
// more name characters, optional quotes and blanks, a separator ('=' or
// ':'), blanks, then a quoted or bare value. It returns the value's bounds,
// or -1 when no value follows.
func valueAfter(s string, j int) (int, int) {
	for j < len(s) && (isWordByte(s[j]) || s[j] == '_' || s[j] == '-') {
		j++
	}
	k := j
	for k < len(s) && (s[k] == '"' || s[k] == '\'') {
		k++ // the closing quote of a JSON key
	}
	for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
		k++
	}
	sep := k < len(s) && (s[k] == '=' || s[k] == ':')
	if sep {
		k++
		for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '=') {
			k++
		}
	} else if k == j || k >= len(s) || (s[k] != '"' && s[k] != '\'') {
		// ipsec.secrets: `: PSK "value"` has blanks and a quote, no separator
		return -1, -1
	}
	if k >= len(s) {
		return -1, -1
	}
	if q := s[k]; q == '"' || q == '\'' {
		e := strings.IndexByte(s[k+1:], q)
		if e < 0 {
			return k + 1, len(s)
		}
		return k + 1, k + 1 + e
	}
	e := k
	for e < len(s) && s[e] != ' ' && s[e] != '\t' && s[e] != ',' && s[e] != ';' && s[e] != '}' && s[e] != ')' {
		e++
	}
	if e == k {
		return -1, -1
	}
	return k, e
}
