package diagnose

import (
	"fmt"
	"strings"
)

// Signs of an untrusted client certificate in the client's or Azure's P2S
// log (seed 003): 0x80090326, "certificate chain processed but terminated
// in a root certificate which is not trusted", no trusted public key.
// (charon's "received 1 cert requests for an unknown ca" is none: it
// appears in every healthy exchange with a public-CA gateway.)
// (A missing, EKU-less or revoked certificate has its own fault and
// signatures: the lines decide those.)
var sigUntrustedP2S = sig{faults: []string{"certificate-untrusted"}}

// Signs of a certificate outside its validity period.
var sigCertTime = sig{faults: []string{"certificate-expired", "root-certificate-expired", "certificate-not-yet-valid"}}

// certificateUntrusted: a P2S client's certificate is valid in time but the
// gateway cannot trust it (seed 000 §5.4 証明書 ①③, seed 003).
func certificateUntrusted(v *view) (Verdict, bool) {
	var facts []string
	var first string
	c := 0.0
	for _, cl := range v.ev.P2S {
		if cl.Connected {
			continue
		}
		if cl.Cert != nil && !v.ev.CollectedAt.IsZero() {
			if certTime(*cl.Cert, v.ev.CollectedAt) != "" {
				continue // certificateExpired's
			}
			if r, ok := issuerRoot(*cl.Cert, cl.Roots); ok && certTime(r, v.ev.CollectedAt) != "" {
				continue
			}
		}
		reasons := untrustedReasons(cl)
		ll, lok := p2sFind(v, cl, sigUntrustedP2S)
		if len(reasons) == 0 && !(lok && (cl.Cert == nil || len(cl.Roots) == 0)) {
			continue
		}
		name := orDash(cl.Name)
		if first == "" {
			first = name
		}
		facts = append(facts, fmt.Sprintf("P2S client %s is not connected", name))
		facts = append(facts, reasons...)
		if lok {
			facts = append(facts, ll)
		}
		cc := 0.65
		if len(reasons) > 0 {
			cc = 0.85
			if lok {
				cc = 0.9
			}
		}
		c = max(c, cc)
	}
	if first == "" {
		return Verdict{}, false
	}
	return Verdict{
		Category:   Authentication,
		Fault:      "certificate-untrusted",
		Summary:    fmt.Sprintf("P2S client %s's certificate is in its validity period but the gateway does not trust it (root, EKU or revocation)", first),
		Facts:      facts,
		Confidence: c,
		Fix: steps(
			step{"Check that the root certificate that issued the client certificate is the one uploaded: Azure portal > VNet gateway > Point-to-site configuration > Root certificates (public key, Base64 .cer).", srcCertRoot},
			step{"If the root is missing, corrupt or expired, upload it again (error 0x80090326 on the client).", srcP2SUntrust},
			step{"Check on the client (証明書マネージャー) that the client certificate with its private key is in Current User\\Personal\\Certificates and the root in Trusted Root Certification Authorities.", srcCertInstall},
			step{"The client certificate must chain to an uploaded root, carry EKU clientAuth (1.3.6.1.5.5.7.3.2) and not be on the gateway's revoked list; otherwise remove it from the list or reissue it.", srcAzP2SCert},
			step{"Reissue the client certificate from the uploaded root if needed and install it again.", srcCertReissue},
			step{"If the client still reports that the chain terminated in an untrusted root, reinstall the root and the gateway certificate from the VPN client package.", srcP2SChain},
		),
	}, true
}

// untrustedReasons lists why the gateway cannot trust cl's certificate,
// from the certificate and the uploaded roots alone.
func untrustedReasons(cl P2SClient) []string {
	if cl.Cert == nil {
		return nil
	}
	ce := *cl.Cert
	desc := certDesc(ce)
	var r []string
	if ce.Revoked {
		r = append(r, fmt.Sprintf("client certificate %s is on the gateway's revoked list", desc))
	}
	if len(ce.EKU) > 0 && !hasClientAuth(ce.EKU) {
		r = append(r, fmt.Sprintf("client certificate %s has EKU %s, without clientAuth (1.3.6.1.5.5.7.3.2)", desc, strings.Join(ce.EKU, ", ")))
	}
	if len(cl.Roots) > 0 {
		if root, ok := issuerRoot(ce, cl.Roots); !ok {
			var names []string
			for _, rt := range cl.Roots {
				names = append(names, orDash(rt.Subject))
			}
			r = append(r, fmt.Sprintf("client certificate %s is issued by %q, which matches none of the %d root(s) uploaded to the gateway (%s)",
				desc, ce.Issuer, len(cl.Roots), strings.Join(names, "; ")))
		} else if root.Revoked {
			r = append(r, fmt.Sprintf("the issuing root %s is revoked", certDesc(root)))
		}
	}
	return r
}
