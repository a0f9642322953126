package devconf

import (
	"fmt"
	"strings"

	"github.com/vpnlab/vpnlab/compat"
)

// FixHint renders a finding's fix in the syntax's own commands, where it
// knows how; "" otherwise.
func (s Syntax) FixHint(f compat.Finding) string {
	want := f.Want
	switch f.Check {
	case "ike-proposal":
		if want == "" {
			return ""
		}
		return s.proposal(want, true)
	case "esp-proposal":
		if want == "" {
			return ""
		}
		return s.proposal(want, false)
	case "pfs":
		return map[string]string{
			"strongswan-ipsec.conf": "esp=<the ESP proposal without a DH group>",
			"swanctl":               "esp_proposals = <the ESP proposal without a DH group>",
			"libreswan":             "pfs=no",
			"cisco-ios":             "crypto ipsec profile <name> / no set pfs",
			"cisco-asa":             "no crypto map <map> <seq> set pfs (or: crypto ipsec profile <name> / no set pfs)",
			"junos":                 "delete security ipsec policy <policy> perfect-forward-secrecy",
			"fortigate":             "config vpn ipsec phase2-interface / edit <name> / set pfs disable",
			"panos":                 "set network ike crypto-profiles ipsec-crypto-profiles <profile> dh-group no-pfs",
		}[s.Name]
	case "mss":
		return map[string]string{
			"strongswan-ipsec.conf": "iptables -t mangle -A FORWARD -o <vti> -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1350",
			"swanctl":               "iptables -t mangle -A FORWARD -o <xfrm> -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1350",
			"libreswan":             "iptables -t mangle -A FORWARD -o <vti> -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1350",
			"cisco-ios":             "interface Tunnel<n> / ip tcp adjust-mss 1350",
			"cisco-asa":             "sysopt connection tcpmss 1350",
			"junos":                 "set security flow tcp-mss ipsec-vpn mss 1350",
			"fortigate":             "config system interface / edit <tunnel> / set tcp-mss 1350",
			"panos":                 "set network interface tunnel units <tunnel.N> adjust-tcp-mss enable yes ipv4-mss-adjustment 110",
		}[s.Name]
	case "dpd":
		return map[string]string{
			"strongswan-ipsec.conf": "dpdaction=restart / dpddelay=30s",
			"swanctl":               "dpd_delay = 30s (and dpd_action = restart in the child)",
			"libreswan":             "dpddelay=30 / dpdtimeout=120 / dpdaction=restart",
			"cisco-ios":             "crypto ikev2 profile <name> / dpd 10 5 on-demand",
			"cisco-asa":             "tunnel-group <peer> ipsec-attributes / isakmp keepalive threshold 10 retry 2",
			"junos":                 "set security ike gateway <gw> dead-peer-detection interval 10 threshold 5",
			"fortigate":             "config vpn ipsec phase1-interface / edit <name> / set dpd on-idle",
			"panos":                 "set network ike gateway <gw> protocol ikev2 dpd enable yes",
		}[s.Name]
	case "ike-version":
		v := strings.TrimPrefix(want, "ikev")
		return map[string]string{
			"strongswan-ipsec.conf": "keyexchange=ikev" + v,
			"swanctl":               "version = " + v,
			"libreswan":             map[string]string{"1": "ikev2=no", "2": "ikev2=insist"}[v],
			"junos":                 "set security ike gateway <gw> version v" + v + "-only",
			"fortigate":             "config vpn ipsec phase1-interface / edit <name> / set ike-version " + v,
			"panos":                 "set network ike gateway <gw> protocol version ikev" + v,
		}[s.Name]
	case "bgp-multihop":
		return map[string]string{
			"cisco-ios": "router bgp <asn> / neighbor <azure-bgp-ip> ebgp-multihop 255",
			"cisco-asa": "router bgp <asn> / address-family ipv4 unicast / neighbor <azure-bgp-ip> ebgp-multihop 255",
			"junos":     "set protocols bgp group <group> multihop ttl 255",
			"fortigate": "config router bgp / config neighbor / edit <azure-bgp-ip> / set ebgp-enforce-multihop enable",
			"panos":     "set network virtual-router <vr> protocol bgp peer-group <g> peer <p> connection-options multihop 255",
		}[s.Name]
	}
	return ""
}

// proposal renders an IKE or ESP proposal in strongSwan keywords in the syntax.
func (s Syntax) proposal(p string, ike bool) string {
	t := strings.Split(p, "-")
	enc, integ, dh := t[0], "", ""
	if len(t) > 1 {
		integ = t[1]
	}
	if len(t) > 2 {
		dh = t[2]
	}
	if strings.Contains(enc, "gcm") && len(t) > 1 && strings.HasPrefix(t[1], "modp") {
		integ, dh = "", t[1]
	}
	group := map[string]string{"modp1024": "2", "modp2048": "14", "ecp256": "19", "ecp384": "20", "modp2048s256": "24", "modp768": "1"}[dh]
	bits := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(enc, "gcm16"), "aes"), "")
	switch s.Name {
	case "strongswan-ipsec.conf":
		if ike {
			return "ike=" + p + "!"
		}
		return "esp=" + p + "!"
	case "swanctl":
		if ike {
			return "proposals = " + p
		}
		return "esp_proposals = " + p
	case "libreswan":
		if ike {
			return fmt.Sprintf("ike=%s-%s;%s", enc, integ, dh)
		}
		return "esp=" + strings.TrimSuffix(enc+"-"+integ, "-")
	case "cisco-ios":
		if ike {
			return fmt.Sprintf("crypto ikev2 proposal <name> / encryption aes-cbc-%s / integrity %s / group %s", bits, integ, group)
		}
		if strings.Contains(enc, "gcm") {
			return "crypto ipsec transform-set <name> esp-gcm " + bits
		}
		return fmt.Sprintf("crypto ipsec transform-set <name> esp-aes %s esp-%s-hmac", bits, strings.ReplaceAll(integ, "sha1", "sha"))
	case "cisco-asa":
		if ike {
			return fmt.Sprintf("crypto ikev2 policy <n> / encryption aes-%s / integrity %s / group %s", bits, integ, group)
		}
		return fmt.Sprintf("crypto ipsec ikev2 ipsec-proposal <name> / protocol esp encryption aes-%s / protocol esp integrity %s", bits, integ)
	case "junos":
		if ike {
			return fmt.Sprintf("set security ike proposal <p> encryption-algorithm aes-%s-cbc; set security ike proposal <p> authentication-algorithm %s; set security ike proposal <p> dh-group group%s",
				bits, strings.Replace(integ, "sha256", "sha-256", 1), group)
		}
		return fmt.Sprintf("set security ipsec proposal <p> encryption-algorithm aes-%s-%s", bits, map[bool]string{true: "gcm", false: "cbc"}[strings.Contains(enc, "gcm")])
	case "fortigate":
		if ike {
			return fmt.Sprintf("config vpn ipsec phase1-interface / edit <name> / set proposal aes%s-%s / set dhgrp %s", bits, integ, group)
		}
		return fmt.Sprintf("config vpn ipsec phase2-interface / edit <name> / set proposal %s", strings.TrimSuffix(strings.ReplaceAll(enc, "gcm16", "gcm")+"-"+integ, "-"))
	case "panos":
		if ike {
			return fmt.Sprintf("set network ike crypto-profiles ike-crypto-profiles <p> encryption aes-%s-cbc hash %s dh-group group%s", bits, integ, group)
		}
		return fmt.Sprintf("set network ike crypto-profiles ipsec-crypto-profiles <p> esp encryption aes-%s-%s", bits, map[bool]string{true: "gcm", false: "cbc"}[strings.Contains(enc, "gcm")])
	}
	return ""
}
