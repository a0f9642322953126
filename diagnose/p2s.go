package diagnose

import (
	"fmt"
	"strings"
)

// Point-to-site faults of the catalog (issue 13), with the error the
// Windows / Azure VPN Client user would see (seed 003).

const (
	srcP2S798    = "seed 003 (エラー 798: この拡張認証プロトコルで使用できる証明書が見つかりませんでした)"
	srcP2SRootEx = "seed 000 §5.6 原因「AzureVPN Gateway に登録したルート証明書 … の期限切れ」"
)

// Errors a Windows / Azure VPN Client user sees (seed 003).
const (
	userErr798      = "Windows: \"A certificate could not be found that can be used with this Extensible Authentication Protocol. (Error 798)\""
	userErrUntrust  = "Windows: \"A certificate chain processed, but terminated in a root certificate which is not trusted by the trust provider.\" / \"Received unexpected or badly formatted message. (Error 0x80090326)\""
	userErrExpired  = "Windows: IKE authentication credentials are unacceptable (13801): the certificate chain has expired"
	userErrRevoked  = "Windows: IKE authentication credentials are unacceptable (13801): the certificate was revoked"
	userErrRadius   = "Windows: \"The connection was prevented because of a policy configured on your RAS/VPN server. (Error 812)\""
	userErrRejected = "Windows: \"The remote connection was denied because the user name and password combination you provided is not recognized. (Error 691)\""
)

// clientCertificateMissing: the client holds no certificate to
// authenticate with (seed 003 error 798; seed 000 §5.4 証明書 ③).
func clientCertificateMissing(v *view) (Verdict, bool) {
	var facts []string
	first := ""
	for _, cl := range v.ev.P2S {
		if cl.Connected || !cl.NoCert {
			continue
		}
		name := orDash(cl.Name)
		if first == "" {
			first = name
		}
		facts = append(facts, fmt.Sprintf("P2S client %s is not connected", name),
			fmt.Sprintf("P2S client %s holds no client certificate with a private key", name))
		if l, ok := p2sFind(v, cl, sig{faults: []string{"client-certificate-missing"}}); ok {
			facts = append(facts, l)
		} else if l, ok := p2sContains(cl, []string{"no private key", "no certificate", "building auth", "generating ike_auth request failed"}); ok {
			facts = append(facts, l)
		}
	}
	if first == "" {
		return Verdict{}, false
	}
	return Verdict{
		Category:   Authentication,
		Fault:      "client-certificate-missing",
		Summary:    fmt.Sprintf("P2S client %s has no client certificate to authenticate with", first),
		Facts:      facts,
		Confidence: 0.9,
		UserError:  userErr798,
		Fix: steps(
			step{"Install a client certificate with its private key (.pfx) in Current User\\Personal\\Certificates on the client; it must chain to a root uploaded to the gateway and carry EKU clientAuth.", srcP2S798},
			step{"Check it in the client's 証明書マネージャー (certmgr.msc) together with the root in Trusted Root Certification Authorities.", srcCertInstall},
			step{"If no certificate exists, issue one from the uploaded root and install it, then connect again.", srcCertReissue},
		),
	}, true
}

// rootCertificateExpired: the root uploaded to the gateway expired, so
// every client it issued fails at once (seed 000 §5.6, §5.4 証明書 ②).
func rootCertificateExpired(v *view, first string, facts []string) (Verdict, bool) {
	return Verdict{
		Category:   Operations,
		Fault:      "root-certificate-expired",
		Summary:    fmt.Sprintf("P2S client %s cannot connect: the root certificate uploaded to the gateway has expired — every client it issued fails", first),
		Facts:      facts,
		Confidence: 0.9,
		UserError:  userErrExpired,
		Fix: steps(
			step{"Check the root's expiry: Azure portal > VNet gateway > Point-to-site configuration > Root certificates.", srcCertExpiry},
			step{"Generate a new root, upload its public key (Base64 .cer), and issue new client certificates from it for every user.", srcCertReissue},
			step{"Regenerating the root and client certificates is what resolved the documented real case.", srcCertCase},
			step{"Install the new client certificates (Current User\\Personal\\Certificates) and reconnect; remove the expired root afterwards.", srcCertInstall},
		),
	}, true
}

// userErrorFor names the client error of a P2S verdict from its facts.
func userErrorFor(fault string, facts []string) string {
	switch fault {
	case "certificate-untrusted":
		for _, f := range facts {
			if strings.Contains(f, "revoked") {
				return userErrRevoked
			}
		}
		return userErrUntrust
	case "certificate-expired":
		return userErrExpired
	}
	return ""
}

// p2sContains quotes the latest line of cl's log containing any of subs
// (lower case).
func p2sContains(cl P2SClient, subs []string) (string, bool) {
	for i := len(cl.Log) - 1; i >= 0; i-- {
		if matches(strings.ToLower(cl.Log[i].Message), subs, nil) {
			return fmt.Sprintf("P2S client %s log: %q", orDash(cl.Name), clip(cl.Log[i].Message)), true
		}
	}
	return "", false
}
