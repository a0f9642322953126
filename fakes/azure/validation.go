package azure

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// ValidationError is one problem Azure would reject a model for. Code is an
// Azure-like error code, Resource the ARM type and name of the offending
// resource, Field the property's ARM path within it.
type ValidationError struct {
	Code     string // e.g. "InvalidAsn", "InvalidSharedKey", "InvalidIpsecPolicy"
	Resource string // e.g. "connections/onprem-conn"
	Field    string // e.g. "properties.ipsecPolicies[0].ipsecIntegrity"
	Message  string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// Validation error codes.
const (
	CodeInvalidAsn                = "InvalidAsn"
	CodeInvalidSharedKey          = "InvalidSharedKey"
	CodeInvalidIpsecPolicy        = "InvalidIpsecPolicy"
	CodeInvalidCustomBgpIPAddress = "InvalidCustomBgpIpAddress"
	CodeInvalidBgpSettings        = "InvalidBgpSettings"
	CodeInvalidDpdTimeout         = "InvalidDpdTimeout"
	CodeInvalidIPAddress          = "InvalidIPAddress"
	CodeInvalidAddressPrefix      = "InvalidAddressPrefix"
	CodeInvalidParameter          = "InvalidParameter"
	// CodeVpnClientAddressPoolOverlaps refuses a P2S pool inside the VNet.
	// Azure's message is documented (MicrosoftDocs/azure-docs #27351), its
	// code is not; this one is the lab's.
	CodeVpnClientAddressPoolOverlaps = "VpnClientAddressPoolOverlapsVirtualNetwork"
	// Codes of the VNet, peering and route table rules (vnet.go).
	CodeConnectionOverlappingAddressSpaces = "ConnectionOverlappingAddressSpaces"
	CodeVnetAddressSpacesOverlap           = "VnetAddressSpacesOverlap"
	CodeInvalidNextHopIPAddress            = "InvalidNextHopIpAddress"
	CodeInvalidResourceReference           = "InvalidResourceReference"
	// CodeConnectionProtocolCannotChange refuses a change of a connection's
	// connectionProtocol, which Azure fixes at creation. Azure's own code
	// for this refusal is not documented; this one is the lab's.
	CodeConnectionProtocolCannotChange = "ConnectionProtocolCannotBeChanged"
)

// Azure API enums for IPsec/IKE policies.
var (
	ikeEncryptions   = []string{"DES", "DES3", "AES128", "AES192", "AES256", "GCMAES128", "GCMAES256"}
	ikeIntegrities   = []string{"MD5", "SHA1", "SHA256", "SHA384", "GCMAES128", "GCMAES256"}
	dhGroups         = []string{"None", "DHGroup1", "DHGroup2", "DHGroup14", "DHGroup2048", "DHGroup24", "ECP256", "ECP384"}
	ipsecEncryptions = []string{"None", "DES", "DES3", "AES128", "AES192", "AES256", "GCMAES128", "GCMAES192", "GCMAES256"}
	ipsecIntegrities = []string{"MD5", "SHA1", "SHA256", "GCMAES128", "GCMAES192", "GCMAES256"}
	pfsGroups        = []string{"None", "PFS1", "PFS2", "PFS14", "PFS2048", "PFS24", "PFSMM", "ECP256", "ECP384"}
)

const (
	minSaLifeTimeSeconds   = 300
	minSaDataSizeKilobytes = 1024
	minDpdTimeoutSeconds   = 9
	maxDpdTimeoutSeconds   = 3600
	maxSharedKeyLength     = 128
)

// apipa is the range Azure accepts for custom (APIPA) BGP addresses.
var apipa = struct{ first, last netip.Addr }{
	netip.MustParseAddr("169.254.21.0"),
	netip.MustParseAddr("169.254.22.255"),
}

// Validate applies Azure's validation rules to the model and returns every
// problem found, joined with [errors.Join]; each is a *[ValidationError].
func (m Model) Validate() error {
	v := validator{}
	m.validateGateway(&v)
	m.validateLocalGateway(&v)
	m.validateConnection(&v)
	m.validateNetwork(&v)
	return errors.Join(v.errs...)
}

type validator struct{ errs []error }

func (v *validator) add(code, resource, field, format string, args ...any) {
	v.errs = append(v.errs, &ValidationError{
		Code:     code,
		Resource: resource,
		Field:    field,
		Message:  fmt.Sprintf(format, args...),
	})
}

func (m Model) validateGateway(v *validator) {
	gw := m.Gateway
	res := "virtualNetworkGateways/" + gw.Name
	if gw.Name == "" {
		v.add(CodeInvalidParameter, res, "name", "virtual network gateway name is required")
	}
	if gw.VpnType != "RouteBased" && gw.VpnType != "PolicyBased" {
		v.add(CodeInvalidParameter, res, "properties.vpnType", "vpn type %q is not one of RouteBased, PolicyBased", gw.VpnType)
	}
	if _, err := netip.ParseAddr(gw.PublicIP); err != nil {
		v.add(CodeInvalidIPAddress, res, "properties.ipConfigurations[0].properties.publicIPAddress",
			"gateway public IP %q is not an IP address", gw.PublicIP)
	}
	if gw.ActiveActive {
		if a, err := netip.ParseAddr(gw.PublicIP2); err != nil || a.String() == gw.PublicIP {
			v.add(CodeInvalidIPAddress, res, "properties.ipConfigurations[1].properties.publicIPAddress",
				"an active-active gateway needs a second public IP address of its own, got %q", gw.PublicIP2)
		}
	}
	for i, p := range gw.VNetAddressSpace {
		if _, err := netip.ParsePrefix(p); err != nil {
			v.add(CodeInvalidAddressPrefix, res, fmt.Sprintf("properties.addressSpace.addressPrefixes[%d]", i),
				"virtual network address prefix %q is not a CIDR prefix", p)
		}
	}
	m.validateP2SPool(v)
	if !gw.EnableBgp {
		return
	}
	if gw.Asn == 0 {
		v.add(CodeInvalidAsn, res, "properties.bgpSettings.asn", "virtual network gateway ASN is required when BGP is enabled")
	} else if reservedAsn(gw.Asn) {
		v.add(CodeInvalidAsn, res, "properties.bgpSettings.asn", "virtual network gateway ASN %d is reserved", gw.Asn)
	}
	if gw.BgpPeeringAddress != "" {
		if _, err := netip.ParseAddr(gw.BgpPeeringAddress); err != nil {
			v.add(CodeInvalidIPAddress, res, "properties.bgpSettings.bgpPeeringAddress",
				"BGP peering address %q is not an IP address", gw.BgpPeeringAddress)
		}
	}
	for i, s := range gw.CustomBgpIPAddresses {
		field := fmt.Sprintf("properties.bgpSettings.bgpPeeringAddresses[0].customBgpIpAddresses[%d]", i)
		a, err := netip.ParseAddr(s)
		if err != nil || a.Compare(apipa.first) < 0 || a.Compare(apipa.last) > 0 {
			v.add(CodeInvalidCustomBgpIPAddress, res, field,
				"custom BGP IP address %q is not within the APIPA range 169.254.21.0-169.254.22.255", s)
		}
	}
}

// validateP2SPool checks the point-to-site client address pool as Azure
// does when the gateway is saved: CIDR prefixes that do not overlap the
// VNet's address space (the portal's "Failed to save virtual network
// gateway … The virtual network gateway's VPN client address pool overlaps
// with the virtual network's address space", MicrosoftDocs/azure-docs
// #27351). Azure does not compare it with the local network gateways: a
// pool overlapping an on-prem range is accepted (and misroutes).
func (m Model) validateP2SPool(v *validator) {
	vc := m.Gateway.VpnClient
	if vc == nil {
		return
	}
	res := "virtualNetworkGateways/" + m.Gateway.Name
	if len(vc.AddressPrefixes) == 0 {
		v.add(CodeInvalidParameter, res, "properties.vpnClientConfiguration.vpnClientAddressPool.addressPrefixes",
			"point-to-site needs a VPN client address pool")
	}
	for i, s := range vc.AddressPrefixes {
		field := fmt.Sprintf("properties.vpnClientConfiguration.vpnClientAddressPool.addressPrefixes[%d]", i)
		p, err := netip.ParsePrefix(s)
		if err != nil || !p.Addr().Is4() {
			v.add(CodeInvalidAddressPrefix, res, field, "VPN client address prefix %q is not an IPv4 CIDR prefix", s)
			continue
		}
		for _, vs := range m.Gateway.VNetAddressSpace {
			if q, err := netip.ParsePrefix(vs); err == nil && q.Overlaps(p) {
				v.add(CodeVpnClientAddressPoolOverlaps, res, field,
					"The virtual network gateway's VPN client address pool overlaps with the virtual network's address space. The overlapping address space prefixes are %s and %s.", vs, s)
			}
		}
	}
}

func (m Model) validateLocalGateway(v *validator) {
	lng := m.LocalGateway
	res := "localNetworkGateways/" + lng.Name
	if lng.Name == "" {
		v.add(CodeInvalidParameter, res, "name", "local network gateway name is required")
	}
	if _, err := netip.ParseAddr(lng.GatewayIPAddress); err != nil {
		v.add(CodeInvalidIPAddress, res, "properties.gatewayIpAddress",
			"local network gateway IP %q is not an IP address", lng.GatewayIPAddress)
	}
	for i, p := range lng.AddressPrefixes {
		if _, err := netip.ParsePrefix(p); err != nil {
			v.add(CodeInvalidAddressPrefix, res, fmt.Sprintf("properties.localNetworkAddressSpace.addressPrefixes[%d]", i),
				"local network address prefix %q is not a CIDR prefix", p)
		}
	}
	if lng.BgpPeeringAddress != "" {
		if _, err := netip.ParseAddr(lng.BgpPeeringAddress); err != nil {
			v.add(CodeInvalidIPAddress, res, "properties.bgpSettings.bgpPeeringAddress",
				"local network gateway BGP peering address %q is not an IP address", lng.BgpPeeringAddress)
		}
	}
	bgp := m.Connection.EnableBgp
	switch {
	case lng.Asn == 0 && bgp:
		v.add(CodeInvalidAsn, res, "properties.bgpSettings.asn",
			"local network gateway ASN is required when BGP is enabled on the connection")
	case lng.Asn == 0:
	case reservedAsn(lng.Asn) || lng.Asn == defaultAsn:
		v.add(CodeInvalidAsn, res, "properties.bgpSettings.asn", "local network gateway ASN %d is reserved", lng.Asn)
	case m.Gateway.EnableBgp && lng.Asn == m.Gateway.Asn:
		v.add(CodeInvalidAsn, res, "properties.bgpSettings.asn",
			"local network gateway ASN %d must differ from the virtual network gateway ASN", lng.Asn)
	}
	if bgp && lng.BgpPeeringAddress == "" {
		v.add(CodeInvalidBgpSettings, res, "properties.bgpSettings.bgpPeeringAddress",
			"local network gateway BGP peering address is required when BGP is enabled on the connection")
	}
}

func (m Model) validateConnection(v *validator) {
	c := m.Connection
	res := "connections/" + c.Name
	if c.Name == "" {
		v.add(CodeInvalidParameter, res, "name", "connection name is required")
	}
	if c.ConnectionProtocol != "IKEv2" && c.ConnectionProtocol != "IKEv1" {
		v.add(CodeInvalidParameter, res, "properties.connectionProtocol",
			"connection protocol %q is not one of IKEv2, IKEv1", c.ConnectionProtocol)
	}
	if msg := sharedKeyProblem(c.SharedKey); msg != "" {
		v.add(CodeInvalidSharedKey, res, "properties.sharedKey", "%s", msg)
	}
	if c.EnableBgp && !m.Gateway.EnableBgp {
		v.add(CodeInvalidBgpSettings, res, "properties.enableBgp",
			"BGP cannot be enabled on a connection whose virtual network gateway has BGP disabled")
	}
	if d := c.DpdTimeoutSeconds; d != 0 && (d < minDpdTimeoutSeconds || d > maxDpdTimeoutSeconds) {
		v.add(CodeInvalidDpdTimeout, res, "properties.dpdTimeoutSeconds",
			"DPD timeout %d s is outside %d-%d s", d, minDpdTimeoutSeconds, maxDpdTimeoutSeconds)
	}
	if len(c.IpsecPolicies) > 1 {
		v.add(CodeInvalidIpsecPolicy, res, "properties.ipsecPolicies",
			"a connection takes one IPsec/IKE policy, got %d", len(c.IpsecPolicies))
	}
	for i, p := range c.IpsecPolicies {
		p.validate(v, res, fmt.Sprintf("properties.ipsecPolicies[%d]", i))
	}
}

func (p IpsecPolicy) validate(v *validator, res, path string) {
	enums := []struct {
		field, value string
		allowed      []string
	}{
		{"ipsecEncryption", p.IpsecEncryption, ipsecEncryptions},
		{"ipsecIntegrity", p.IpsecIntegrity, ipsecIntegrities},
		{"ikeEncryption", p.IkeEncryption, ikeEncryptions},
		{"ikeIntegrity", p.IkeIntegrity, ikeIntegrities},
		{"dhGroup", p.DhGroup, dhGroups},
		{"pfsGroup", p.PfsGroup, pfsGroups},
	}
	valid := map[string]bool{}
	for _, e := range enums {
		valid[e.field] = slices.Contains(e.allowed, e.value)
		if !valid[e.field] {
			v.add(CodeInvalidIpsecPolicy, res, path+"."+e.field,
				"%q is not one of %s", e.value, strings.Join(e.allowed, ", "))
		}
	}
	if p.SaLifeTimeSeconds < minSaLifeTimeSeconds {
		v.add(CodeInvalidIpsecPolicy, res, path+".saLifeTimeSeconds",
			"SA lifetime %d s is below the minimum of %d s", p.SaLifeTimeSeconds, minSaLifeTimeSeconds)
	}
	if p.SaDataSizeKilobytes < minSaDataSizeKilobytes {
		v.add(CodeInvalidIpsecPolicy, res, path+".saDataSizeKilobytes",
			"SA data size %d KB is below the minimum of %d KB", p.SaDataSizeKilobytes, minSaDataSizeKilobytes)
	}
	// GCMAES encryption needs the same GCMAES integrity, and the reverse.
	if valid["ipsecEncryption"] && valid["ipsecIntegrity"] && p.IpsecEncryption != p.IpsecIntegrity {
		switch {
		case isGCM(p.IpsecEncryption):
			v.add(CodeInvalidIpsecPolicy, res, path+".ipsecIntegrity",
				"IPsec encryption %s requires IPsec integrity %[1]s, got %s", p.IpsecEncryption, p.IpsecIntegrity)
		case isGCM(p.IpsecIntegrity):
			v.add(CodeInvalidIpsecPolicy, res, path+".ipsecIntegrity",
				"IPsec integrity %s requires IPsec encryption %[1]s, got %s", p.IpsecIntegrity, p.IpsecEncryption)
		}
	}
	// IKE may pair GCMAES encryption with SHA integrity, but GCMAES
	// integrity only comes with the same GCMAES encryption.
	if valid["ikeEncryption"] && valid["ikeIntegrity"] &&
		isGCM(p.IkeIntegrity) && p.IkeEncryption != p.IkeIntegrity {
		v.add(CodeInvalidIpsecPolicy, res, path+".ikeIntegrity",
			"IKE integrity %s requires IKE encryption %[1]s, got %s", p.IkeIntegrity, p.IkeEncryption)
	}
}

func isGCM(alg string) bool { return strings.HasPrefix(alg, "GCMAES") }

// reservedAsn reports whether Azure refuses asn on either side: Azure's own
// ASNs (8074, 8075, 12076, 65517-65520) and IANA-reserved ones. 65515 is
// Azure's default and reserved only for the local network gateway.
func reservedAsn(asn uint32) bool {
	switch {
	case asn == 8074, asn == 8075, asn == 12076, asn == 23456, asn == 4294967295:
		return true
	case asn >= 65517 && asn <= 65520,
		asn >= 64496 && asn <= 64511,
		asn >= 65535 && asn <= 65551:
		return true
	}
	return false
}

// sharedKeyProblem describes what is wrong with key, without quoting it.
func sharedKeyProblem(key string) string {
	if len(key) == 0 || len(key) > maxSharedKeyLength {
		return fmt.Sprintf("shared key must be 1-%d characters long, got %d", maxSharedKeyLength, len(key))
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c <= ' ' || c > '~' || c == '-' || c == '~' {
			return fmt.Sprintf("shared key character %d is not allowed: use printable ASCII without space, '-' or '~'", i+1)
		}
	}
	return ""
}
