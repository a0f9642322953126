package azure

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Model is the Azure side of a site-to-site setup: one virtual network
// gateway, the local network gateway that describes the on-premises device,
// and the connection between them. It is static configuration; runtime state
// lives in [Gateway].
type Model struct {
	SubscriptionID string                `json:"subscriptionId"`
	ResourceGroup  string                `json:"resourceGroup"`
	Location       string                `json:"location"`
	Gateway        VirtualNetworkGateway `json:"gateway"`
	LocalGateway   LocalNetworkGateway   `json:"localGateway"`
	Connection     Connection            `json:"connection"`
	// The VNet, its route tables and the VM's NIC (routing faults).
	VirtualNetwork    VirtualNetwork     `json:"virtualNetwork"`
	RouteTables       []RouteTable       `json:"routeTables,omitempty"`
	NetworkInterfaces []NetworkInterface `json:"networkInterfaces,omitempty"`
}

// VirtualNetworkGateway is the Azure VPN gateway (Microsoft.Network/virtualNetworkGateways).
type VirtualNetworkGateway struct {
	Name         string `json:"name"`
	SKU          string `json:"sku"`     // e.g. "VpnGw1"
	VpnType      string `json:"vpnType"` // "RouteBased" or "PolicyBased"
	ActiveActive bool   `json:"activeActive"`
	// PublicIP is the gateway's public IP: in active-standby instances IN_0
	// and IN_1 share it; in active-active it is IN_0's and PublicIP2 IN_1's.
	PublicIP  string `json:"publicIpAddress"`
	PublicIP2 string `json:"publicIpAddress2,omitempty"`
	// VNetAddressSpace holds the prefixes the gateway advertises on premises.
	VNetAddressSpace  []string `json:"vnetAddressSpace"`
	EnableBgp         bool     `json:"enableBgp"`
	Asn               uint32   `json:"asn"`               // 65515 unless changed
	BgpPeeringAddress string   `json:"bgpPeeringAddress"` // taken from the GatewaySubnet
	// BgpPeeringAddress2 is IN_1's GatewaySubnet BGP address of an
	// active-active gateway; Azure shows both, comma-separated.
	BgpPeeringAddress2 string `json:"bgpPeeringAddress2,omitempty"`
	// CustomBgpIPAddresses are APIPA addresses (169.254.21.0–169.254.22.255).
	CustomBgpIPAddresses []string `json:"customBgpIpAddresses"`
	// VpnClient is the point-to-site configuration; nil without P2S.
	VpnClient *VpnClientConfiguration `json:"vpnClientConfiguration,omitempty"`
	// Tags are the resource's ARM tags (PATCH tags, PUT).
	Tags map[string]string `json:"tags,omitempty"`
}

// VpnClientConfiguration is a gateway's point-to-site configuration
// (properties.vpnClientConfiguration).
type VpnClientConfiguration struct {
	AddressPrefixes     []string                      `json:"vpnClientAddressPool"`
	Protocols           []string                      `json:"vpnClientProtocols"`     // "IkeV2"
	AuthenticationTypes []string                      `json:"vpnAuthenticationTypes"` // "Certificate", "Radius"
	RootCertificates    []VpnClientRootCertificate    `json:"vpnClientRootCertificates"`
	RevokedCertificates []VpnClientRevokedCertificate `json:"vpnClientRevokedCertificates"`
	// RadiusServerAddress is the RADIUS server the gateway relays its
	// clients' EAP to (vpnAuthenticationTypes "Radius"); RadiusServerSecret
	// its shared secret, write-only like a connection's key: never serialised.
	RadiusServerAddress string `json:"radiusServerAddress,omitempty"`
	RadiusServerSecret  string `json:"-"`
}

// Radius reports whether the configuration authenticates clients with RADIUS.
func (vc *VpnClientConfiguration) Radius() bool {
	return vc != nil && slices.Contains(vc.AuthenticationTypes, "Radius")
}

// VpnClientRootCertificate is an uploaded root: Base64 DER, as Azure takes it.
type VpnClientRootCertificate struct {
	Name           string `json:"name"`
	PublicCertData string `json:"publicCertData"`
}

// VpnClientRevokedCertificate revokes a client certificate by thumbprint.
type VpnClientRevokedCertificate struct {
	Name       string `json:"name"`
	Thumbprint string `json:"thumbprint"`
}

// LocalNetworkGateway describes the on-premises VPN device
// (Microsoft.Network/localNetworkGateways).
type LocalNetworkGateway struct {
	Name              string   `json:"name"`
	GatewayIPAddress  string   `json:"gatewayIpAddress"`
	AddressPrefixes   []string `json:"addressPrefixes"`
	Asn               uint32   `json:"asn,omitempty"`
	BgpPeeringAddress string   `json:"bgpPeeringAddress,omitempty"`
	// Tags are the resource's ARM tags (PATCH tags, PUT).
	Tags map[string]string `json:"tags,omitempty"`
}

// Connection is the site-to-site IPsec connection
// (Microsoft.Network/connections).
type Connection struct {
	Name               string `json:"name"`
	ConnectionProtocol string `json:"connectionProtocol"` // "IKEv2" or "IKEv1"
	// SharedKey is the pre-shared key. It is never serialised.
	SharedKey                      string `json:"-"`
	EnableBgp                      bool   `json:"enableBgp"`
	DpdTimeoutSeconds              int    `json:"dpdTimeoutSeconds"`
	UsePolicyBasedTrafficSelectors bool   `json:"usePolicyBasedTrafficSelectors"`
	// IpsecPolicies holds at most one custom policy; empty means Azure's defaults.
	IpsecPolicies []IpsecPolicy `json:"ipsecPolicies"`
	// Tags are the resource's ARM tags (PATCH tags, PUT).
	Tags map[string]string `json:"tags,omitempty"`
}

// IpsecPolicy is a custom IPsec/IKE policy, with Azure's property names.
type IpsecPolicy struct {
	SaLifeTimeSeconds   int    `json:"saLifeTimeSeconds"`
	SaDataSizeKilobytes int    `json:"saDataSizeKilobytes"`
	IpsecEncryption     string `json:"ipsecEncryption"`
	IpsecIntegrity      string `json:"ipsecIntegrity"`
	IkeEncryption       string `json:"ikeEncryption"`
	IkeIntegrity        string `json:"ikeIntegrity"`
	DhGroup             string `json:"dhGroup"`
	PfsGroup            string `json:"pfsGroup"`
}

const (
	defaultAsn       uint32 = 65515
	defaultDpdSecond        = 45
)

// DefaultModel returns a valid lab model: a route-based VpnGw1 gateway with
// BGP (ASN 65515, APIPA 169.254.21.1) and an IKEv2 connection with Azure's
// default policies to an on-premises device in AS 65020 (169.254.21.2).
func DefaultModel() Model {
	return Model{
		SubscriptionID: "00000000-0000-0000-0000-000000000000",
		ResourceGroup:  "vpnlab-rg",
		Location:       "japaneast",
		Gateway: VirtualNetworkGateway{
			Name:                 "vpnlab-vng",
			SKU:                  "VpnGw1",
			VpnType:              "RouteBased",
			PublicIP:             "203.0.113.10",
			VNetAddressSpace:     []string{"198.19.0.0/16"},
			EnableBgp:            true,
			Asn:                  defaultAsn,
			BgpPeeringAddress:    "198.19.255.30",
			CustomBgpIPAddresses: []string{"169.254.21.1"},
		},
		LocalGateway: LocalNetworkGateway{
			Name:              "onprem-lng",
			GatewayIPAddress:  "198.51.100.10",
			AddressPrefixes:   []string{"198.18.10.0/24"},
			Asn:               65020,
			BgpPeeringAddress: "169.254.21.2",
		},
		Connection: Connection{
			Name:               "onprem-conn",
			ConnectionProtocol: "IKEv2",
			SharedKey:          "vpnlabSharedKey0123456789",
			EnableBgp:          true,
			DpdTimeoutSeconds:  defaultDpdSecond,
		},
		VirtualNetwork: VirtualNetwork{
			Name: vnetName,
			Subnets: []Subnet{
				{Name: "GatewaySubnet", AddressPrefix: "198.19.255.0/27"},
				{Name: WorkloadSubnet, AddressPrefix: "198.19.1.0/24"},
			},
		},
		NetworkInterfaces: []NetworkInterface{{Name: VMNIC, Subnet: WorkloadSubnet, PrivateIP: "198.19.1.4"}},
	}
}

// The VM's subnet and NIC in the default model.
const (
	WorkloadSubnet = "workload"
	VMNIC          = "vpnlab-vm-nic"
)

// ID returns the ARM resource ID of a Microsoft.Network resource in the
// model's subscription and resource group, e.g. ID("connections", "onprem-conn").
func (m Model) ID(kind, name string) string {
	return "/subscriptions/" + m.SubscriptionID +
		"/resourceGroups/" + m.ResourceGroup +
		"/providers/Microsoft.Network/" + kind + "/" + name
}

// clone returns a deep copy of m, so callers cannot alias the gateway's slices.
func (m Model) clone() Model {
	m.Gateway.VNetAddressSpace = slices.Clone(m.Gateway.VNetAddressSpace)
	m.Gateway.CustomBgpIPAddresses = slices.Clone(m.Gateway.CustomBgpIPAddresses)
	m.LocalGateway.AddressPrefixes = slices.Clone(m.LocalGateway.AddressPrefixes)
	m.Connection.IpsecPolicies = slices.Clone(m.Connection.IpsecPolicies)
	m.Gateway.Tags = maps.Clone(m.Gateway.Tags)
	m.LocalGateway.Tags = maps.Clone(m.LocalGateway.Tags)
	m.Connection.Tags = maps.Clone(m.Connection.Tags)
	m.VirtualNetwork.Subnets = slices.Clone(m.VirtualNetwork.Subnets)
	m.VirtualNetwork.Peerings = slices.Clone(m.VirtualNetwork.Peerings)
	for i := range m.VirtualNetwork.Peerings {
		m.VirtualNetwork.Peerings[i].RemoteAddressSpace = slices.Clone(m.VirtualNetwork.Peerings[i].RemoteAddressSpace)
	}
	m.RouteTables = slices.Clone(m.RouteTables)
	for i := range m.RouteTables {
		m.RouteTables[i].Routes = slices.Clone(m.RouteTables[i].Routes)
	}
	m.NetworkInterfaces = slices.Clone(m.NetworkInterfaces)
	if m.Gateway.VpnClient != nil {
		vc := *m.Gateway.VpnClient
		vc.AddressPrefixes = slices.Clone(vc.AddressPrefixes)
		vc.Protocols = slices.Clone(vc.Protocols)
		vc.AuthenticationTypes = slices.Clone(vc.AuthenticationTypes)
		vc.RootCertificates = slices.Clone(vc.RootCertificates)
		vc.RevokedCertificates = slices.Clone(vc.RevokedCertificates)
		m.Gateway.VpnClient = &vc
	}
	return m
}

// instanceIndex returns n of "IN_n" (0 for anything else).
func instanceIndex(instance string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(instance, instancePrefix), "IN_"))
	if err != nil {
		return 0
	}
	return n
}

// PublicIPOf returns the public IP instance terminates tunnels on: its own
// in active-active, the shared one in active-standby.
func (gw VirtualNetworkGateway) PublicIPOf(instance string) string {
	if gw.ActiveActive && instanceIndex(instance) == 1 && gw.PublicIP2 != "" {
		return gw.PublicIP2
	}
	return gw.PublicIP
}

// PublicIPs returns the gateway's public IPs, one per instance in
// active-active.
func (gw VirtualNetworkGateway) PublicIPs() []string {
	if gw.ActiveActive && gw.PublicIP2 != "" {
		return []string{gw.PublicIP, gw.PublicIP2}
	}
	return []string{gw.PublicIP}
}

// CustomBgpIPOf returns the custom (APIPA) BGP address instance peers
// from: in active-active each instance has its own, in order.
func (gw VirtualNetworkGateway) CustomBgpIPOf(instance string) string {
	i := 0
	if gw.ActiveActive {
		i = instanceIndex(instance)
	}
	if i < len(gw.CustomBgpIPAddresses) {
		return gw.CustomBgpIPAddresses[i]
	}
	if len(gw.CustomBgpIPAddresses) > 0 {
		return gw.CustomBgpIPAddresses[0]
	}
	return ""
}
