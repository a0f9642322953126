package azure

import "strings"

// ARM resource types served by the handler.
const (
	typeVirtualNetworkGateway = "Microsoft.Network/virtualNetworkGateways"
	typeLocalNetworkGateway   = "Microsoft.Network/localNetworkGateways"
	typeConnection            = "Microsoft.Network/connections"
)

// vnetName names the gateway's virtual network in resource IDs; the model
// does not describe the network itself.
const vnetName = "vpnlab-vnet"

// resource is the ARM envelope of a tracked resource.
type resource struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Etag       string            `json:"etag,omitempty"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties any               `json:"properties"`
}

type subResource struct {
	ID string `json:"id"`
}

type vngProperties struct {
	ResourceGUID      string            `json:"resourceGuid"`
	ProvisioningState string            `json:"provisioningState"`
	GatewayType       string            `json:"gatewayType"`
	VpnType           string            `json:"vpnType"`
	Sku               sku               `json:"sku"`
	ActiveActive      bool              `json:"activeActive"`
	EnableBgp         bool              `json:"enableBgp"`
	BgpSettings       bgpSettings       `json:"bgpSettings"`
	IPConfigurations  []ipConfiguration `json:"ipConfigurations"`
	VpnClient         *vpnClientProps   `json:"vpnClientConfiguration,omitempty"`
}

type vpnClientProps struct {
	AddressPool         addressSpace      `json:"vpnClientAddressPool"`
	Protocols           []string          `json:"vpnClientProtocols"`
	AuthenticationTypes []string          `json:"vpnAuthenticationTypes"`
	RootCertificates    []namedProperties `json:"vpnClientRootCertificates"`
	RevokedCertificates []namedProperties `json:"vpnClientRevokedCertificates"`
	// The RADIUS server (the secret is write-only: never shown).
	RadiusServerAddress string         `json:"radiusServerAddress,omitempty"`
	RadiusServers       []radiusServer `json:"radiusServers,omitempty"`
}

type radiusServer struct {
	Address string `json:"radiusServerAddress"`
	Score   int    `json:"radiusServerScore"`
}

type namedProperties struct {
	Name       string `json:"name"`
	Properties any    `json:"properties"`
}

type sku struct {
	Name string `json:"name"`
	Tier string `json:"tier"`
}

type bgpSettings struct {
	Asn                 uint32              `json:"asn"`
	BgpPeeringAddress   string              `json:"bgpPeeringAddress,omitempty"`
	PeerWeight          int                 `json:"peerWeight"`
	BgpPeeringAddresses []bgpPeeringAddress `json:"bgpPeeringAddresses,omitempty"`
}

type bgpPeeringAddress struct {
	IPConfigurationID     string   `json:"ipconfigurationId"`
	DefaultBgpIPAddresses []string `json:"defaultBgpIpAddresses"`
	CustomBgpIPAddresses  []string `json:"customBgpIpAddresses"`
	TunnelIPAddresses     []string `json:"tunnelIpAddresses"`
}

type ipConfiguration struct {
	ID         string                    `json:"id"`
	Name       string                    `json:"name"`
	Properties ipConfigurationProperties `json:"properties"`
}

type ipConfigurationProperties struct {
	PrivateIPAllocationMethod string      `json:"privateIPAllocationMethod"`
	Subnet                    subResource `json:"subnet"`
	PublicIPAddress           subResource `json:"publicIPAddress"`
	ProvisioningState         string      `json:"provisioningState"`
}

type lngProperties struct {
	ResourceGUID             string       `json:"resourceGuid"`
	ProvisioningState        string       `json:"provisioningState"`
	GatewayIPAddress         string       `json:"gatewayIpAddress"`
	LocalNetworkAddressSpace addressSpace `json:"localNetworkAddressSpace"`
	BgpSettings              *bgpSettings `json:"bgpSettings,omitempty"`
}

type addressSpace struct {
	AddressPrefixes []string `json:"addressPrefixes"`
}

type connectionProperties struct {
	ResourceGUID                   string        `json:"resourceGuid"`
	ProvisioningState              string        `json:"provisioningState"`
	ConnectionType                 string        `json:"connectionType"`
	ConnectionProtocol             string        `json:"connectionProtocol"`
	ConnectionMode                 string        `json:"connectionMode"`
	RoutingWeight                  int           `json:"routingWeight"`
	EnableBgp                      bool          `json:"enableBgp"`
	DpdTimeoutSeconds              int           `json:"dpdTimeoutSeconds"`
	UsePolicyBasedTrafficSelectors bool          `json:"usePolicyBasedTrafficSelectors"`
	IpsecPolicies                  []IpsecPolicy `json:"ipsecPolicies"`
	TrafficSelectorPolicies        []struct{}    `json:"trafficSelectorPolicies"`
	ConnectionStatus                             // connectionStatus, bytes, tunnelConnectionStatus
	VirtualNetworkGateway1         subResource   `json:"virtualNetworkGateway1"`
	LocalNetworkGateway2           subResource   `json:"localNetworkGateway2"`
}

func (m Model) gatewayResource() resource {
	gw := m.Gateway
	id := m.ID("virtualNetworkGateways", gw.Name)
	// One IP configuration per public IP: "default", and "activeActive" for
	// the second instance of an active-active gateway, as Azure names them.
	var (
		peering []bgpPeeringAddress
		configs []ipConfiguration
	)
	for i, pip := range gw.PublicIPs() {
		name, pipName, instance := "default", gw.Name+"-pip", "IN_0"
		if i == 1 {
			name, pipName, instance = "activeActive", gw.Name+"-pip2", "IN_1"
		}
		custom := gw.CustomBgpIPAddresses
		if gw.ActiveActive {
			custom = optional(gw.CustomBgpIPOf(instance))
		}
		ipConfigID := id + "/ipConfigurations/" + name
		defaultIP := gw.BgpPeeringAddress
		if i == 1 && gw.BgpPeeringAddress2 != "" {
			defaultIP = gw.BgpPeeringAddress2
		}
		peering = append(peering, bgpPeeringAddress{
			IPConfigurationID:     ipConfigID,
			DefaultBgpIPAddresses: nonNil(optional(defaultIP)),
			CustomBgpIPAddresses:  nonNil(custom),
			TunnelIPAddresses:     []string{pip},
		})
		configs = append(configs, ipConfiguration{
			ID:   ipConfigID,
			Name: name,
			Properties: ipConfigurationProperties{
				PrivateIPAllocationMethod: "Dynamic",
				Subnet:                    subResource{m.ID("virtualNetworks", vnetName) + "/subnets/GatewaySubnet"},
				PublicIPAddress:           subResource{m.ID("publicIPAddresses", pipName)},
				ProvisioningState:         "Succeeded",
			},
		})
	}
	peeringAddress := gw.BgpPeeringAddress
	if gw.ActiveActive && gw.BgpPeeringAddress2 != "" {
		// Azure lists both instances' addresses: "10.0.0.4,10.0.0.5".
		peeringAddress += "," + gw.BgpPeeringAddress2
	}
	return resource{
		ID:       id,
		Name:     gw.Name,
		Etag:     etagOf(gw),
		Type:     typeVirtualNetworkGateway,
		Location: m.Location,
		Tags:     gw.Tags,
		Properties: vngProperties{
			ResourceGUID:      guidOf(id),
			ProvisioningState: "Succeeded",
			GatewayType:       "Vpn",
			VpnType:           gw.VpnType,
			Sku:               sku{Name: gw.SKU, Tier: gw.SKU},
			ActiveActive:      gw.ActiveActive,
			EnableBgp:         gw.EnableBgp,
			BgpSettings: bgpSettings{
				Asn:                 gw.Asn,
				BgpPeeringAddress:   peeringAddress,
				BgpPeeringAddresses: peering,
			},
			VpnClient:        m.vpnClientProperties(),
			IPConfigurations: configs,
		},
	}
}

func (m Model) vpnClientProperties() *vpnClientProps {
	vc := m.Gateway.VpnClient
	if vc == nil {
		return nil
	}
	p := &vpnClientProps{AddressPool: addressSpace{nonNil(vc.AddressPrefixes)}, Protocols: nonNil(vc.Protocols),
		AuthenticationTypes: nonNil(vc.AuthenticationTypes), RootCertificates: []namedProperties{}, RevokedCertificates: []namedProperties{}}
	if a := vc.RadiusServerAddress; a != "" {
		p.RadiusServerAddress, p.RadiusServers = a, []radiusServer{{Address: a, Score: 1}}
	}
	for _, r := range vc.RootCertificates {
		p.RootCertificates = append(p.RootCertificates, namedProperties{r.Name,
			map[string]string{"publicCertData": r.PublicCertData, "provisioningState": "Succeeded"}})
	}
	for _, r := range vc.RevokedCertificates {
		p.RevokedCertificates = append(p.RevokedCertificates, namedProperties{r.Name,
			map[string]string{"thumbprint": r.Thumbprint, "provisioningState": "Succeeded"}})
	}
	return p
}

func (m Model) localGatewayResource() resource {
	lng := m.LocalGateway
	props := lngProperties{
		ResourceGUID:             guidOf(m.ID("localNetworkGateways", lng.Name)),
		ProvisioningState:        "Succeeded",
		GatewayIPAddress:         lng.GatewayIPAddress,
		LocalNetworkAddressSpace: addressSpace{nonNil(lng.AddressPrefixes)},
	}
	if lng.Asn != 0 || lng.BgpPeeringAddress != "" {
		props.BgpSettings = &bgpSettings{Asn: lng.Asn, BgpPeeringAddress: lng.BgpPeeringAddress}
	}
	return resource{
		ID:         m.ID("localNetworkGateways", lng.Name),
		Name:       lng.Name,
		Etag:       etagOf(lng),
		Type:       typeLocalNetworkGateway,
		Location:   m.Location,
		Tags:       lng.Tags,
		Properties: props,
	}
}

// connectionResource never includes the shared key.
func (m Model) connectionResource(st ConnectionStatus) resource {
	c := m.Connection
	dpd := c.DpdTimeoutSeconds
	if dpd == 0 {
		dpd = defaultDpdSecond
	}
	return resource{
		ID:       m.ID("connections", c.Name),
		Name:     c.Name,
		Etag:     etagOf(c),
		Type:     typeConnection,
		Location: m.Location,
		Tags:     c.Tags,
		Properties: connectionProperties{
			ResourceGUID:                   guidOf(m.ID("connections", c.Name)),
			ProvisioningState:              "Succeeded",
			ConnectionType:                 "IPsec",
			ConnectionProtocol:             c.ConnectionProtocol,
			ConnectionMode:                 "Default",
			EnableBgp:                      c.EnableBgp,
			DpdTimeoutSeconds:              dpd,
			UsePolicyBasedTrafficSelectors: c.UsePolicyBasedTrafficSelectors,
			IpsecPolicies:                  nonNil(c.IpsecPolicies),
			TrafficSelectorPolicies:        []struct{}{},
			ConnectionStatus:               st,
			VirtualNetworkGateway1:         subResource{m.ID("virtualNetworkGateways", m.Gateway.Name)},
			LocalNetworkGateway2:           subResource{m.ID("localNetworkGateways", m.LocalGateway.Name)},
		},
	}
}

// nonNil makes a nil slice marshal as [] rather than null, as ARM does.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// optional returns s as a one-element list, or nil when s is blank.
func optional(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return []string{s}
}
