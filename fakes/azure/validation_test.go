package azure_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

func validPolicy() azure.IpsecPolicy {
	return azure.IpsecPolicy{
		SaLifeTimeSeconds:   27000,
		SaDataSizeKilobytes: 102400000,
		IpsecEncryption:     "GCMAES256",
		IpsecIntegrity:      "GCMAES256",
		IkeEncryption:       "AES256",
		IkeIntegrity:        "SHA256",
		DhGroup:             "DHGroup14",
		PfsGroup:            "None",
	}
}

// withPolicy returns a mutation that installs one policy changed by f.
func withPolicy(f func(p *azure.IpsecPolicy)) func(m *azure.Model) {
	return func(m *azure.Model) {
		p := validPolicy()
		f(&p)
		m.Connection.IpsecPolicies = []azure.IpsecPolicy{p}
	}
}

// validationErrors unpacks the errors.Join result of Validate.
func validationErrors(t *testing.T, err error) []*azure.ValidationError {
	t.Helper()
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	out := make([]*azure.ValidationError, 0, len(errs))
	for _, e := range errs {
		var ve *azure.ValidationError
		if !errors.As(e, &ve) {
			t.Fatalf("error %v is not a *ValidationError", e)
		}
		out = append(out, ve)
	}
	return out
}

func TestDefaultModelIsValid(t *testing.T) {
	if err := azure.DefaultModel().Validate(); err != nil {
		t.Fatalf("DefaultModel().Validate() = %v, want nil", err)
	}
}

func TestValidateRejects(t *testing.T) {
	const (
		vng  = "virtualNetworkGateways/vpnlab-vng"
		lng  = "localNetworkGateways/onprem-lng"
		conn = "connections/onprem-conn"
	)
	tests := []struct {
		name     string
		mutate   func(m *azure.Model)
		code     string
		resource string
		field    string
	}{
		{"gateway ASN 8074", func(m *azure.Model) { m.Gateway.Asn = 8074 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"gateway ASN 8075", func(m *azure.Model) { m.Gateway.Asn = 8075 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"gateway ASN 12076", func(m *azure.Model) { m.Gateway.Asn = 12076 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"gateway ASN 65517", func(m *azure.Model) { m.Gateway.Asn = 65517 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"gateway ASN 65520", func(m *azure.Model) { m.Gateway.Asn = 65520 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"gateway ASN 23456", func(m *azure.Model) { m.Gateway.Asn = 23456 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"gateway ASN 64496", func(m *azure.Model) { m.Gateway.Asn = 64496 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"gateway ASN 64511", func(m *azure.Model) { m.Gateway.Asn = 64511 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"gateway ASN 65535", func(m *azure.Model) { m.Gateway.Asn = 65535 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"gateway ASN 65551", func(m *azure.Model) { m.Gateway.Asn = 65551 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"gateway ASN 4294967295", func(m *azure.Model) { m.Gateway.Asn = 4294967295 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"gateway ASN missing", func(m *azure.Model) { m.Gateway.Asn = 0 }, "InvalidAsn", vng, "properties.bgpSettings.asn"},
		{"LNG ASN 65515", func(m *azure.Model) { m.Gateway.Asn = 65000; m.LocalGateway.Asn = 65515 }, "InvalidAsn", lng, "properties.bgpSettings.asn"},
		{"LNG ASN 12076", func(m *azure.Model) { m.LocalGateway.Asn = 12076 }, "InvalidAsn", lng, "properties.bgpSettings.asn"},
		{"LNG ASN equals gateway ASN", func(m *azure.Model) { m.Gateway.Asn = 65000; m.LocalGateway.Asn = 65000 }, "InvalidAsn", lng, "properties.bgpSettings.asn"},
		{"LNG ASN missing with BGP", func(m *azure.Model) { m.LocalGateway.Asn = 0 }, "InvalidAsn", lng, "properties.bgpSettings.asn"},
		{"LNG BGP address missing with BGP", func(m *azure.Model) { m.LocalGateway.BgpPeeringAddress = "" }, "InvalidBgpSettings", lng, "properties.bgpSettings.bgpPeeringAddress"},
		{"connection BGP without gateway BGP", func(m *azure.Model) { m.Gateway.EnableBgp = false }, "InvalidBgpSettings", conn, "properties.enableBgp"},
		{"PSK empty", func(m *azure.Model) { m.Connection.SharedKey = "" }, "InvalidSharedKey", conn, "properties.sharedKey"},
		{"PSK 129 chars", func(m *azure.Model) { m.Connection.SharedKey = strings.Repeat("k", 129) }, "InvalidSharedKey", conn, "properties.sharedKey"},
		{"PSK with space", func(m *azure.Model) { m.Connection.SharedKey = "abc def" }, "InvalidSharedKey", conn, "properties.sharedKey"},
		{"PSK with dash", func(m *azure.Model) { m.Connection.SharedKey = "abc-def" }, "InvalidSharedKey", conn, "properties.sharedKey"},
		{"PSK with tilde", func(m *azure.Model) { m.Connection.SharedKey = "abc~def" }, "InvalidSharedKey", conn, "properties.sharedKey"},
		{"PSK with tab", func(m *azure.Model) { m.Connection.SharedKey = "abc\tdef" }, "InvalidSharedKey", conn, "properties.sharedKey"},
		{"PSK non-ASCII", func(m *azure.Model) { m.Connection.SharedKey = "abcdéf" }, "InvalidSharedKey", conn, "properties.sharedKey"},
		{"APIPA below range", func(m *azure.Model) { m.Gateway.CustomBgpIPAddresses = []string{"169.254.20.255"} }, "InvalidCustomBgpIpAddress", vng, "properties.bgpSettings.bgpPeeringAddresses[0].customBgpIpAddresses[0]"},
		{"APIPA above range", func(m *azure.Model) { m.Gateway.CustomBgpIPAddresses = []string{"169.254.21.1", "169.254.23.0"} }, "InvalidCustomBgpIpAddress", vng, "properties.bgpSettings.bgpPeeringAddresses[0].customBgpIpAddresses[1]"},
		{"APIPA private address", func(m *azure.Model) { m.Gateway.CustomBgpIPAddresses = []string{"10.0.0.1"} }, "InvalidCustomBgpIpAddress", vng, "properties.bgpSettings.bgpPeeringAddresses[0].customBgpIpAddresses[0]"},
		{"APIPA not an address", func(m *azure.Model) { m.Gateway.CustomBgpIPAddresses = []string{"apipa"} }, "InvalidCustomBgpIpAddress", vng, "properties.bgpSettings.bgpPeeringAddresses[0].customBgpIpAddresses[0]"},
		{"GCMAES256 with SHA256", withPolicy(func(p *azure.IpsecPolicy) { p.IpsecIntegrity = "SHA256" }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].ipsecIntegrity"},
		{"GCMAES256 with GCMAES128", withPolicy(func(p *azure.IpsecPolicy) { p.IpsecIntegrity = "GCMAES128" }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].ipsecIntegrity"},
		{"AES256 with GCMAES256", withPolicy(func(p *azure.IpsecPolicy) { p.IpsecEncryption = "AES256" }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].ipsecIntegrity"},
		{"IKE GCMAES integrity with AES", withPolicy(func(p *azure.IpsecPolicy) { p.IkeIntegrity = "GCMAES256" }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].ikeIntegrity"},
		{"ipsecEncryption enum", withPolicy(func(p *azure.IpsecPolicy) { p.IpsecEncryption = "AES512" }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].ipsecEncryption"},
		{"ipsecIntegrity enum", withPolicy(func(p *azure.IpsecPolicy) { p.IpsecIntegrity = "SHA384" }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].ipsecIntegrity"},
		{"ikeEncryption enum", withPolicy(func(p *azure.IpsecPolicy) { p.IkeEncryption = "GCMAES192" }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].ikeEncryption"},
		{"ikeIntegrity enum", withPolicy(func(p *azure.IpsecPolicy) { p.IkeIntegrity = "SHA512" }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].ikeIntegrity"},
		{"dhGroup enum", withPolicy(func(p *azure.IpsecPolicy) { p.DhGroup = "PFS2" }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].dhGroup"},
		{"pfsGroup enum", withPolicy(func(p *azure.IpsecPolicy) { p.PfsGroup = "DHGroup2" }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].pfsGroup"},
		{"enum is case-sensitive", withPolicy(func(p *azure.IpsecPolicy) { p.DhGroup = "dhgroup14" }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].dhGroup"},
		{"saLifeTimeSeconds 299", withPolicy(func(p *azure.IpsecPolicy) { p.SaLifeTimeSeconds = 299 }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].saLifeTimeSeconds"},
		{"saDataSizeKilobytes 1023", withPolicy(func(p *azure.IpsecPolicy) { p.SaDataSizeKilobytes = 1023 }), "InvalidIpsecPolicy", conn, "properties.ipsecPolicies[0].saDataSizeKilobytes"},
		{"two policies", func(m *azure.Model) {
			m.Connection.IpsecPolicies = []azure.IpsecPolicy{validPolicy(), validPolicy()}
		}, "InvalidIpsecPolicy", conn, "properties.ipsecPolicies"},
		{"DPD 8", func(m *azure.Model) { m.Connection.DpdTimeoutSeconds = 8 }, "InvalidDpdTimeout", conn, "properties.dpdTimeoutSeconds"},
		{"DPD 3601", func(m *azure.Model) { m.Connection.DpdTimeoutSeconds = 3601 }, "InvalidDpdTimeout", conn, "properties.dpdTimeoutSeconds"},
		{"connection protocol", func(m *azure.Model) { m.Connection.ConnectionProtocol = "IKEv3" }, "InvalidParameter", conn, "properties.connectionProtocol"},
		{"VPN type", func(m *azure.Model) { m.Gateway.VpnType = "Dynamic" }, "InvalidParameter", vng, "properties.vpnType"},
		{"public IP", func(m *azure.Model) { m.Gateway.PublicIP = "" }, "InvalidIPAddress", vng, "properties.ipConfigurations[0].properties.publicIPAddress"},
		{"LNG gateway IP", func(m *azure.Model) { m.LocalGateway.GatewayIPAddress = "onprem" }, "InvalidIPAddress", lng, "properties.gatewayIpAddress"},
		{"LNG prefix", func(m *azure.Model) { m.LocalGateway.AddressPrefixes = []string{"198.18.10.0/24", "10.3.0.0"} }, "InvalidAddressPrefix", lng, "properties.localNetworkAddressSpace.addressPrefixes[1]"},
		{"VNet prefix", func(m *azure.Model) { m.Gateway.VNetAddressSpace = []string{"10.1.0.0/33"} }, "InvalidAddressPrefix", vng, "properties.addressSpace.addressPrefixes[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := azure.DefaultModel()
			tt.mutate(&m)
			errs := validationErrors(t, m.Validate())
			if len(errs) != 1 {
				t.Fatalf("Validate() returned %d errors %v, want exactly one", len(errs), errs)
			}
			e := errs[0]
			if e.Code != tt.code || e.Resource != tt.resource || e.Field != tt.field {
				t.Errorf("got {Code:%q Resource:%q Field:%q}, want {%q %q %q}", e.Code, e.Resource, e.Field, tt.code, tt.resource, tt.field)
			}
			if !strings.HasPrefix(e.Error(), tt.field+": ") || e.Message == "" {
				t.Errorf("Error() = %q, want %q followed by a message", e.Error(), tt.field+": ")
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m *azure.Model)
	}{
		{"gateway ASN 65515 (default)", func(m *azure.Model) { m.Gateway.Asn = 65515 }},
		{"gateway ASN 64512", func(m *azure.Model) { m.Gateway.Asn = 64512 }},
		{"gateway ASN 65514", func(m *azure.Model) { m.Gateway.Asn = 65514 }},
		{"gateway ASN 65521", func(m *azure.Model) { m.Gateway.Asn = 65521 }},
		{"gateway ASN 65534", func(m *azure.Model) { m.Gateway.Asn = 65534 }},
		{"gateway ASN 65552", func(m *azure.Model) { m.Gateway.Asn = 65552 }},
		{"32-bit ASN", func(m *azure.Model) { m.LocalGateway.Asn = 4200000000 }},
		{"no BGP at all", func(m *azure.Model) {
			m.Gateway.EnableBgp, m.Connection.EnableBgp = false, false
			m.Gateway.Asn, m.LocalGateway.Asn, m.LocalGateway.BgpPeeringAddress = 0, 0, ""
		}},
		{"PSK 128 chars", func(m *azure.Model) { m.Connection.SharedKey = strings.Repeat("k", 128) }},
		{"PSK 1 char", func(m *azure.Model) { m.Connection.SharedKey = "k" }},
		{"PSK punctuation", func(m *azure.Model) { m.Connection.SharedKey = "!\"#$%&'()*+,./:;<=>?@[\\]^_`{|}09AZaz" }},
		{"APIPA range ends", func(m *azure.Model) {
			m.Gateway.CustomBgpIPAddresses = []string{"169.254.21.0", "169.254.22.255"}
		}},
		{"no APIPA", func(m *azure.Model) { m.Gateway.CustomBgpIPAddresses = nil }},
		{"policy GCMAES256", withPolicy(func(p *azure.IpsecPolicy) {})},
		{"policy GCMAES128 pair", withPolicy(func(p *azure.IpsecPolicy) { p.IpsecEncryption, p.IpsecIntegrity = "GCMAES128", "GCMAES128" })},
		{"policy AES256/SHA1", withPolicy(func(p *azure.IpsecPolicy) { p.IpsecEncryption, p.IpsecIntegrity = "AES256", "SHA1" })},
		{"policy IKE GCMAES with SHA384", withPolicy(func(p *azure.IpsecPolicy) { p.IkeEncryption, p.IkeIntegrity = "GCMAES256", "SHA384" })},
		{"policy IKE GCMAES pair", withPolicy(func(p *azure.IpsecPolicy) { p.IkeEncryption, p.IkeIntegrity = "GCMAES128", "GCMAES128" })},
		{"policy minimums", withPolicy(func(p *azure.IpsecPolicy) { p.SaLifeTimeSeconds, p.SaDataSizeKilobytes = 300, 1024 })},
		{"policy PFSMM ECP384", withPolicy(func(p *azure.IpsecPolicy) { p.PfsGroup, p.DhGroup = "PFSMM", "ECP384" })},
		{"DPD 9", func(m *azure.Model) { m.Connection.DpdTimeoutSeconds = 9 }},
		{"DPD 3600", func(m *azure.Model) { m.Connection.DpdTimeoutSeconds = 3600 }},
		{"DPD unset", func(m *azure.Model) { m.Connection.DpdTimeoutSeconds = 0 }},
		{"IKEv1", func(m *azure.Model) { m.Connection.ConnectionProtocol = "IKEv1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := azure.DefaultModel()
			tt.mutate(&m)
			if err := m.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestValidateJoinsAllProblems(t *testing.T) {
	m := azure.DefaultModel()
	m.Gateway.Asn = 8074
	m.Connection.SharedKey = "bad key"
	p := validPolicy()
	p.IpsecIntegrity = "SHA1"
	p.SaLifeTimeSeconds = 10
	m.Connection.IpsecPolicies = []azure.IpsecPolicy{p}

	errs := validationErrors(t, m.Validate())
	got := map[string]string{}
	for _, e := range errs {
		got[e.Field] = e.Code
	}
	want := map[string]string{
		"properties.bgpSettings.asn":                    "InvalidAsn",
		"properties.sharedKey":                          "InvalidSharedKey",
		"properties.ipsecPolicies[0].ipsecIntegrity":    "InvalidIpsecPolicy",
		"properties.ipsecPolicies[0].saLifeTimeSeconds": "InvalidIpsecPolicy",
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors %v, want %d", len(errs), errs, len(want))
	}
	for field, code := range want {
		if got[field] != code {
			t.Errorf("field %s: code %q, want %q", field, got[field], code)
		}
	}
}

func TestValidateNeverQuotesSharedKey(t *testing.T) {
	m := azure.DefaultModel()
	m.Connection.SharedKey = "Secret~Key"
	err := m.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want an error for '~'")
	}
	if strings.Contains(err.Error(), "Secret") {
		t.Errorf("error %q discloses the shared key", err)
	}
}

func TestID(t *testing.T) {
	m := azure.DefaultModel()
	got := m.ID("connections", "onprem-conn")
	want := "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/vpnlab-rg/providers/Microsoft.Network/connections/onprem-conn"
	if got != want {
		t.Errorf("ID() = %q, want %q", got, want)
	}
}

// TestValidateAcceptsEveryEnumValue uses the API enums of the Azure
// reference, so a value dropped from the package's lists fails here.
func TestValidateAcceptsEveryEnumValue(t *testing.T) {
	gcm := func(s string) bool { return strings.HasPrefix(s, "GCMAES") }
	fields := []struct {
		field  string
		values []string
		set    func(p *azure.IpsecPolicy, v string)
	}{
		{"ipsecEncryption", []string{"None", "DES", "DES3", "AES128", "AES192", "AES256", "GCMAES128", "GCMAES192", "GCMAES256"},
			func(p *azure.IpsecPolicy, v string) {
				p.IpsecEncryption, p.IpsecIntegrity = v, "SHA256"
				if gcm(v) {
					p.IpsecIntegrity = v
				}
			}},
		{"ipsecIntegrity", []string{"MD5", "SHA1", "SHA256", "GCMAES128", "GCMAES192", "GCMAES256"},
			func(p *azure.IpsecPolicy, v string) {
				p.IpsecEncryption, p.IpsecIntegrity = "AES256", v
				if gcm(v) {
					p.IpsecEncryption = v
				}
			}},
		{"ikeEncryption", []string{"DES", "DES3", "AES128", "AES192", "AES256", "GCMAES128", "GCMAES256"},
			func(p *azure.IpsecPolicy, v string) { p.IkeEncryption = v }},
		{"ikeIntegrity", []string{"MD5", "SHA1", "SHA256", "SHA384", "GCMAES128", "GCMAES256"},
			func(p *azure.IpsecPolicy, v string) {
				p.IkeIntegrity = v
				if gcm(v) {
					p.IkeEncryption = v
				}
			}},
		{"dhGroup", []string{"None", "DHGroup1", "DHGroup2", "DHGroup14", "DHGroup2048", "DHGroup24", "ECP256", "ECP384"},
			func(p *azure.IpsecPolicy, v string) { p.DhGroup = v }},
		{"pfsGroup", []string{"None", "PFS1", "PFS2", "PFS14", "PFS2048", "PFS24", "PFSMM", "ECP256", "ECP384"},
			func(p *azure.IpsecPolicy, v string) { p.PfsGroup = v }},
	}
	for _, f := range fields {
		for _, v := range f.values {
			m := azure.DefaultModel()
			withPolicy(func(p *azure.IpsecPolicy) { f.set(p, v) })(&m)
			if err := m.Validate(); err != nil {
				t.Errorf("%s %s: Validate() = %v, want nil", f.field, v, err)
			}
		}
	}
}
