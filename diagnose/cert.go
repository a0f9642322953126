package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// certTime judges c's validity at t: "" valid, "expired" or "not-yet-valid".
// A zero bound is not judged.
func certTime(c CertInfo, t time.Time) string {
	switch {
	case !c.NotAfter.IsZero() && t.After(c.NotAfter):
		return "expired"
	case !c.NotBefore.IsZero() && t.Before(c.NotBefore):
		return "not-yet-valid"
	}
	return ""
}

// certTimeFact states how far outside its validity c is at t.
func certTimeFact(what string, c CertInfo, t time.Time) string {
	if certTime(c, t) == "expired" {
		return fmt.Sprintf("%s %s expired at %s, %s before the evidence was collected (%s)",
			what, certDesc(c), fmtTime(c.NotAfter), humanDuration(t.Sub(c.NotAfter)), fmtTime(t))
	}
	return fmt.Sprintf("%s %s is valid only from %s, %s after the evidence was collected (%s)",
		what, certDesc(c), fmtTime(c.NotBefore), humanDuration(c.NotBefore.Sub(t)), fmtTime(t))
}

// certDesc names a certificate by subject and thumbprint.
func certDesc(c CertInfo) string {
	s := fmt.Sprintf("%q", c.Subject)
	if c.Thumbprint != "" {
		s += " (thumbprint " + c.Thumbprint + ")"
	}
	return s
}

// issuerRoot returns the uploaded root whose subject is c's issuer.
func issuerRoot(c CertInfo, roots []CertInfo) (CertInfo, bool) {
	is := normDN(c.Issuer)
	if is == "" {
		return CertInfo{}, false
	}
	for _, r := range roots {
		if normDN(r.Subject) == is {
			return r, true
		}
	}
	return CertInfo{}, false
}

// normDN makes "CN = Root, O=Lab" and "cn=root,o=lab" equal.
func normDN(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, part := range strings.Split(s, ",") {
		k, val, ok := strings.Cut(part, "=")
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if ok {
			b.WriteString(strings.TrimSpace(k) + "=" + strings.TrimSpace(val))
		} else {
			b.WriteString(strings.TrimSpace(part))
		}
	}
	return strings.Trim(b.String(), ",")
}

func hasClientAuth(eku []string) bool {
	for _, e := range eku {
		switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(e), " ", "")) {
		case "clientauth", "1.3.6.1.5.5.7.3.2", "clientauthentication", "tlswebclientauthentication",
			"any", "anyextendedkeyusage", "2.5.29.37.0", "0": // x509.ExtKeyUsageAny prints as 0
			return true
		}
	}
	return false
}

// p2sFind quotes the latest line of cl's log, or of Azure's P2S log
// naming cl, that matches a signature of s.
func p2sFind(v *view, cl P2SClient, s sig) (string, bool) {
	name := strings.ToLower(cl.Name)
	for i := len(v.findings) - 1; i >= 0; i-- {
		f := v.findings[i]
		l := v.lines[f.line]
		if !slices.Contains(s.faults, f.sig.Fault) {
			continue
		}
		switch {
		case l.side == sideClient && l.owner == cl.Name:
		case l.side == sideAzure && name != "" && strings.EqualFold(l.owner, "P2SDiagnosticLog") && strings.Contains(strings.ToLower(l.text), name):
		case l.side == sideAzure && l.owner == ownerRadius && cl.User != "" && strings.Contains(strings.ToLower(l.text), strings.ToLower(cl.User)):
			// the RADIUS server's line names the client's (EAP) identity
		default:
			continue
		}
		return v.fact(f), true
	}
	return "", false
}

// humanDuration renders d as days when long, else to the second.
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
	return d.Round(time.Second).String()
}
