package offline

import "strings"

// Key material never enters the evidence: lines of a PEM private key block
// are dropped where files are read, and the value after a secret's name is
// replaced wherever a message is stored.

// redacted replaces a secret's value.
const redacted = "<redacted>"

func isKeyBegin(line string) bool {
	return strings.Contains(line, "-----BEGIN") && strings.Contains(line, "PRIVATE KEY")
}

func isKeyEnd(line string) bool {
	return strings.Contains(line, "-----END") && strings.Contains(line, "PRIVATE KEY")
}

// secretNames are the names whose value is a secret, lower case; a name
// matches when followed (after letters, '_' or '-') by '=' or ':' — or, for
// psk, by a quoted value as in ipsec.secrets (`: PSK "..."`).
var secretNames = []string{"psk", "secret", "sharedkey", "shared_key", "shared-key", "presharedkey", "pre_shared_key", "password", "passwd"}

// redact replaces the values of secrets in s. Lines without a secret's
// name are returned as they are, at the cost of one scan.
func redact(s string) string {
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
		if vs < 0 {
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
