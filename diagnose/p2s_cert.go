package diagnose

import (
	"fmt"
	"strings"
)

// Point-to-site certificates that chain to an uploaded root and are in
// their validity period but that Azure still refuses: one without the
// Client Authentication EKU, one whose thumbprint is on the gateway's
// revoked list (Azure: point-to-site-certificate-gateway; seed 002
// 証明書関連のトラブルシューティング; seed 003 error 798).

const (
	srcP2SRevoked    = "seed 002 「証明書関連のトラブルシューティング」: 証明書が失効している — VPN Gateway 側でクライアント証明書が失効リストに追加されている可能性 (Azure portal で失効リストを確認、新しいクライアント証明書を取得・インストール)"
	srcP2SVerify     = "seed 002 「証明書認証での接続プロセス詳細」④ VPN Gateway は提示されたクライアント証明書を検証 (ルート証明書による発行、有効期限、失効)"
	srcAzRevoke      = "Azure: point-to-site-certificate-gateway#revokeclient (revoked client certificates are listed by thumbprint; remove the thumbprint to allow the certificate again)"
	srcAzClientAuth  = "Azure: vpn-gateway-certificates-point-to-site (a client certificate carries EKU Client Authentication 1.3.6.1.5.5.7.3.2: New-SelfSignedCertificate -TextExtension 2.5.29.37={text}1.3.6.1.5.5.7.3.2)"
	userErrEKU       = "Windows: \"A certificate could not be found that can be used with this Extensible Authentication Protocol. (Error 798)\" — Windows offers only certificates with the Client Authentication EKU; a client that presents it anyway is refused: IKE authentication credentials are unacceptable (13801)"
	userErrRevokedUI = userErrRevoked
)

// chainsAndValid reports whether cl's certificate is issued by an uploaded
// root (or no roots are known) and it and its root are valid in time: the
// other certificate rules' precondition.
func (v *view) chainsAndValid(cl P2SClient) bool {
	if cl.Connected || cl.Cert == nil {
		return false
	}
	at := v.ev.CollectedAt
	if !at.IsZero() && certTime(*cl.Cert, at) != "" {
		return false
	}
	if len(cl.Roots) == 0 {
		return true
	}
	r, ok := issuerRoot(*cl.Cert, cl.Roots)
	return ok && !r.Revoked && (at.IsZero() || certTime(r, at) == "")
}

// clientCertificateEKU: the client certificate chains to an uploaded root
// but lacks EKU clientAuth, which Azure requires.
func clientCertificateEKU(v *view) (Verdict, bool) {
	var facts []string
	first := ""
	c := 0.0
	eapTLS := false
	for _, cl := range v.ev.P2S {
		if !v.chainsAndValid(cl) || len(cl.Cert.EKU) == 0 || hasClientAuth(cl.Cert.EKU) {
			continue
		}
		if strings.EqualFold(cl.EAP, "eap-tls") && len(cl.Roots) == 0 {
			eapTLS = true // RADIUS certificate authentication: the server holds the roots
		}
		name := orDash(cl.Name)
		if first == "" {
			first = name
		}
		facts = append(facts, fmt.Sprintf("P2S client %s is not connected", name),
			fmt.Sprintf("client certificate %s has EKU %s, without Client Authentication (1.3.6.1.5.5.7.3.2)", certDesc(*cl.Cert), strings.Join(cl.Cert.EKU, ", ")))
		if root, ok := issuerRoot(*cl.Cert, cl.Roots); ok {
			facts = append(facts, fmt.Sprintf("it is issued by the uploaded root %s and is within its validity period", certDesc(root)))
		}
		cc := 0.85
		if l, ok := p2sFind(v, cl, sig{faults: []string{"client-certificate-eku", "certificate-untrusted"}}); ok {
			facts = append(facts, l)
			cc = 0.9
		}
		c = max(c, cc)
	}
	if first == "" {
		return Verdict{}, false
	}
	summary := fmt.Sprintf("P2S client %s's certificate chains to the uploaded root but lacks the Client Authentication EKU, which Azure requires", first)
	if eapTLS {
		summary = fmt.Sprintf("P2S client %s's certificate lacks the Client Authentication EKU: the RADIUS server's EAP-TLS check refuses it", first)
	}
	return Verdict{
		Category:   Authentication,
		Fault:      "client-certificate-eku",
		Summary:    summary,
		Facts:      facts,
		Confidence: c,
		UserError:  userErrEKU,
		Fix: steps(
			step{"Check the client certificate's Enhanced Key Usage (certmgr.msc > the certificate > Details, or certutil -dump): it must list Client Authentication (1.3.6.1.5.5.7.3.2).", srcAzClientAuth},
			step{"Reissue the client certificate from the uploaded root with EKU Client Authentication and install it with its private key in Current User\\Personal\\Certificates.", srcCertReissue},
			step{"Connect again; without such a certificate Windows reports error 798 (no certificate usable with EAP).", srcP2S798},
		),
	}, true
}

// clientCertificateRevoked: the client certificate's thumbprint is on the
// gateway's revoked list.
func clientCertificateRevoked(v *view) (Verdict, bool) {
	var facts []string
	first, thumb := "", ""
	c := 0.0
	for _, cl := range v.ev.P2S {
		if !v.chainsAndValid(cl) || !cl.Cert.Revoked {
			continue
		}
		name := orDash(cl.Name)
		if first == "" {
			first, thumb = name, cl.Cert.Thumbprint
		}
		facts = append(facts, fmt.Sprintf("P2S client %s is not connected", name),
			fmt.Sprintf("client certificate %s is on the gateway's revoked client certificates (vpnClientRevokedCertificates)", certDesc(*cl.Cert)))
		if root, ok := issuerRoot(*cl.Cert, cl.Roots); ok {
			facts = append(facts, fmt.Sprintf("it is issued by the uploaded root %s and is within its validity period", certDesc(root)))
		}
		cc := 0.85
		if l, ok := p2sFind(v, cl, sig{faults: []string{"client-certificate-revoked"}}); ok {
			facts = append(facts, l)
			cc = 0.95
		}
		c = max(c, cc)
	}
	if first == "" {
		return Verdict{}, false
	}
	return Verdict{
		Category:   Authentication,
		Fault:      "client-certificate-revoked",
		Summary:    fmt.Sprintf("P2S client %s's certificate (thumbprint %s) is on the gateway's revoked list", first, orDash(thumb)),
		Facts:      facts,
		Confidence: c,
		UserError:  userErrRevokedUI,
		Fix: steps(
			step{"Check the revoked client certificates for the client's thumbprint: Azure portal > Virtual network gateway > Point-to-site configuration > Revoked certificates.", srcP2SRevoked},
			step{"If it was revoked by mistake, remove the thumbprint from the list (the gateway accepts the certificate again); otherwise issue a new client certificate and install it.", srcAzRevoke},
			step{"The gateway checks every client certificate against the uploaded roots, its validity and the revoked list; connect again and confirm.", srcP2SVerify},
		),
	}, true
}
