package devconf

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/compat"
)

// atSecret wraps a configured key; "" means none.
func atSecret(key string, s compat.Source) compat.Value[compat.Secret] {
	return compat.At(compat.NewSecret(key), s)
}

// atOpaque records a key the device stores encrypted.
func atOpaque(s compat.Source) compat.Value[compat.Secret] {
	return compat.At(compat.OpaqueSecret(), s)
}

// parseDuration reads "3h", "57m", "10800s", "1d" or bare seconds.
func parseDuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return 0, false
	}
	unit := time.Second
	switch s[len(s)-1] {
	case 's':
		s = s[:len(s)-1]
	case 'm':
		unit, s = time.Minute, s[:len(s)-1]
	case 'h':
		unit, s = time.Hour, s[:len(s)-1]
	case 'd':
		unit, s = 24*time.Hour, s[:len(s)-1]
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return time.Duration(n * float64(unit)), true
}

// cidr turns "10.0.0.0 255.255.0.0", "10.0.0.0/16" or a host into a prefix
// string; anything else (a placeholder, a name) is returned as it is.
func cidr(addr, mask string) string {
	if mask == "" {
		if p, err := netip.ParsePrefix(addr); err == nil {
			return p.Masked().String()
		}
		return addr
	}
	a, err1 := netip.ParseAddr(addr)
	m, err2 := netip.ParseAddr(mask)
	if err1 != nil || err2 != nil || !m.Is4() {
		return addr + "/" + mask
	}
	b := m.As4()
	bits := 0
	for _, x := range b {
		for x&0x80 != 0 {
			bits++
			x <<= 1
		}
	}
	p, _ := a.Prefix(bits)
	return p.String()
}

// wildcardCIDR converts a Cisco wildcard mask ("0.0.255.255").
func wildcardCIDR(addr, wildcard string) string {
	w, err := netip.ParseAddr(wildcard)
	if err != nil || !w.Is4() {
		return addr + "/" + wildcard
	}
	b := w.As4()
	mask := netip.AddrFrom4([4]byte{^b[0], ^b[1], ^b[2], ^b[3]})
	return cidr(addr, mask.String())
}

func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '{' || r == '}' })
	return f
}

func atoi(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// dhGroup maps an IKE DH group number to strongSwan's keyword.
func dhGroup(n string) string {
	n = strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(n), "group"), "dh")
	return map[string]string{"1": "modp768", "2": "modp1024", "5": "modp1536", "14": "modp2048", "15": "modp3072",
		"16": "modp4096", "19": "ecp256", "20": "ecp384", "21": "ecp521", "24": "modp2048s256", "31": "curve25519"}[n]
}
