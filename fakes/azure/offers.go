package azure

import (
	"fmt"
	"strings"
	"time"
)

// What a route-based gateway offers and accepts without a custom IPsec/IKE
// policy, in strongSwan's proposal syntax (vpn-gateway-about-vpn-devices,
// "IPsec/IKE parameters"; /work/shared/reference/azure-rules.md R2).
var (
	// DefaultIKEOffers are the main mode / IKE SA offers, in Azure's order:
	// DH group 2 only.
	DefaultIKEOffers = []string{
		"aes256-sha1-modp1024", "aes256-sha256-modp1024", "aes128-sha1-modp1024",
		"aes128-sha256-modp1024", "3des-sha1-modp1024", "3des-sha256-modp1024",
	}
	// DefaultESPInitiatorOffers are the quick mode / CHILD SA offers Azure
	// makes as initiator, in order: all without PFS.
	DefaultESPInitiatorOffers = []string{
		"aes256gcm16", "aes256-sha1", "3des-sha1", "aes256-sha256", "aes128-sha1", "3des-sha256",
	}
	// DefaultESPResponderOffers are the quick mode offers Azure accepts as
	// responder: the initiator's, DES, and combinations with a PFS group.
	DefaultESPResponderOffers = []string{
		"aes256gcm16", "aes256-sha1", "3des-sha1", "aes256-sha256", "aes128-sha1", "3des-sha256",
		"aes256-sha1-modp768", "aes256-sha1-modp1024", "aes256-sha1-modp2048",
		"aes128-sha1-modp768", "aes128-sha1-modp1024", "aes128-sha1-modp2048",
		"3des-sha1-modp768", "3des-sha1-modp1024", "3des-sha256-modp1024",
		"aes256-sha256-modp768", "aes256-sha256-modp1024", "aes256-sha256-modp2048",
		"aes256-sha1-modp2048s256", "aes256-sha256-modp2048s256",
		"aes128-sha256", "aes128-sha256-modp768", "aes128-sha256-modp1024", "aes128-sha256-modp2048",
		"3des-sha1-modp2048",
	}
)

// Azure's fixed and default SA lifetimes and DPD timeout.
const (
	IKELifetime          = 28800 * time.Second // fixed, whatever a custom policy says
	DefaultChildLifetime = 27000 * time.Second
	DefaultChildLifeKB   = 102400000
	DefaultDPDTimeout    = defaultDpdSecond * time.Second
	DefaultASN           = defaultAsn
)

// Proposals renders a custom IPsec/IKE policy in strongSwan's proposal
// syntax: the one IKE proposal and the one ESP proposal (PFS group
// appended) the gateway then uses, as initiator and as responder.
func (p IpsecPolicy) Proposals() (ike, esp string, err error) {
	enc := map[string]string{"DES": "des", "DES3": "3des", "AES128": "aes128", "AES192": "aes192", "AES256": "aes256",
		"GCMAES128": "aes128gcm16", "GCMAES192": "aes192gcm16", "GCMAES256": "aes256gcm16"}
	integ := map[string]string{"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256", "SHA384": "sha384",
		"GCMAES128": "", "GCMAES192": "", "GCMAES256": ""}
	dh := map[string]string{"None": "", "DHGroup1": "modp768", "DHGroup2": "modp1024", "DHGroup14": "modp2048",
		"DHGroup2048": "modp2048", "DHGroup24": "modp2048s256", "ECP256": "ecp256", "ECP384": "ecp384",
		"PFS1": "modp768", "PFS2": "modp1024", "PFS14": "modp2048", "PFS2048": "modp2048", "PFS24": "modp2048s256", "PFSMM": ""}
	join := func(parts ...string) string {
		var out []string
		for _, s := range parts {
			if s != "" {
				out = append(out, s)
			}
		}
		return strings.Join(out, "-")
	}
	ie, ok1 := enc[p.IkeEncryption]
	ii, ok2 := integ[p.IkeIntegrity]
	ig, ok3 := dh[p.DhGroup]
	ee, ok4 := enc[p.IpsecEncryption]
	ei, ok5 := integ[p.IpsecIntegrity]
	pg, ok6 := dh[p.PfsGroup]
	if p.IpsecEncryption == "None" {
		ee, ok4 = "null", true
	}
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return "", "", fmt.Errorf("ipsec policy: unsupported algorithm in %+v", p)
	}
	if strings.HasPrefix(p.IkeIntegrity, "GCM") {
		// GCM integrity in IKE means a PRF is still needed.
		ii = "prfsha256"
	}
	return join(ie, ii, ig), join(ee, ei, pg), nil
}

// ReservedASN reports whether Azure refuses asn for an on-premises device:
// Azure-reserved (8074, 8075, 12076, 65515, 65517-65520) or IANA-reserved.
func ReservedASN(asn uint32) bool { return asn == defaultAsn || reservedAsn(asn) }

// SharedKeyProblem describes why Azure would refuse key as a connection's
// shared key, without quoting it; "" when Azure accepts it.
func SharedKeyProblem(key string) string { return sharedKeyProblem(key) }
