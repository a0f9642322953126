package armfile

import (
	"errors"
	"testing"

	"github.com/vpnlab/vpnlab/compat"
)

func TestShapes(t *testing.T) {
	rest := `{"name":"vng","type":"Microsoft.Network/virtualNetworkGateways","properties":{"vpnType":"RouteBased","sku":{"name":"VpnGw2"},
	  "activeActive":true,"enableBgp":true,"bgpSettings":{"asn":65100,"bgpPeeringAddress":"10.1.255.4,10.1.255.5",
	  "bgpPeeringAddresses":[{"customBgpIpAddresses":["169.254.21.1"],"tunnelIpAddresses":["203.0.113.10"]},
	                         {"customBgpIpAddresses":["169.254.22.1"],"tunnelIpAddresses":["203.0.113.11"]}]}}}`
	azcli := `{"name":"onprem","type":"Microsoft.Network/localNetworkGateways","gatewayIpAddress":"198.51.100.10",
	  "localNetworkAddressSpace":{"addressPrefixes":["198.18.10.0/24"]},"bgpSettings":{"asn":65010,"bgpPeeringAddress":"169.254.21.2"}}`
	tmpl := `{"resources":[{"type":"Microsoft.Network/virtualNetworks","name":"vnet","properties":{"addressSpace":{"addressPrefixes":["198.19.0.0/16"]}}},
	  {"type":"Microsoft.Network/connections","name":"c","properties":{"connectionProtocol":"IKEv1","enableBgp":true,"sharedKey":"[parameters('k')]",
	   "ipsecPolicies":[{"saLifeTimeSeconds":3600,"saDataSizeKilobytes":102400000,"ipsecEncryption":"AES256","ipsecIntegrity":"SHA256",
	   "ikeEncryption":"AES256","ikeIntegrity":"SHA256","dhGroup":"DHGroup14","pfsGroup":"PFS2048"}]}}]}`
	a, notes, err := Read([]string{"gw.json", "lng.json", "t.json"}, [][]byte{[]byte(rest), []byte(azcli), []byte(tmpl)})
	if err != nil {
		t.Fatal(err)
	}
	m := a.Model
	switch {
	case m.Gateway.SKU != "VpnGw2", !m.Gateway.ActiveActive, m.Gateway.Asn != 65100, m.Gateway.PublicIP != "203.0.113.10",
		m.Gateway.PublicIP2 != "203.0.113.11", len(m.Gateway.CustomBgpIPAddresses) != 2:
		t.Errorf("gateway: %+v", m.Gateway)
	case m.LocalGateway.GatewayIPAddress != "198.51.100.10", m.LocalGateway.Asn != 65010, m.LocalGateway.BgpPeeringAddress != "169.254.21.2":
		t.Errorf("local gateway: %+v", m.LocalGateway)
	case len(m.Gateway.VNetAddressSpace) != 1, m.Connection.ConnectionProtocol != "IKEv1", len(m.Connection.IpsecPolicies) != 1, m.Connection.SharedKey != "":
		t.Errorf("vnet/connection: %+v %+v", m.Gateway.VNetAddressSpace, m.Connection)
	}
	for _, p := range []compat.Part{compat.PartGateway, compat.PartVNet, compat.PartLocalGateway, compat.PartConnection} {
		if !a.Given[p] {
			t.Errorf("%s not given", p)
		}
	}
	if len(notes) != 1 {
		t.Errorf("want one note for the template expression, got %q", notes)
	}
}

func TestBadFile(t *testing.T) {
	_, _, err := Read([]string{"x.json"}, [][]byte{[]byte("{\n  \"name\": 1,\n  oops\n}")})
	var e *Error
	if !errors.As(err, &e) || e.Line != 3 {
		t.Fatalf("got %v, want x.json:3", err)
	}
	_, _, err = Read([]string{"y.json"}, [][]byte{[]byte("[]")})
	if !errors.As(err, &e) {
		t.Fatalf("got %v", err)
	}
}
