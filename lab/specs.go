package lab

import (
	"crypto/rand"
	"encoding/json"
	"math/big"
	"strconv"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/profile"
	"github.com/vpnlab/vpnlab/swan"
)

// grpcListen is where a node's speaker serves GoBGP's API (published on
// the host's 127.0.0.1 only).
var grpcListen = "0.0.0.0:" + strconv.Itoa(bgp.GRPCPort)

// ConnName is the on-prem device's connection (and CHILD_SA) name.
const ConnName = "azure"

// onpremSpec renders a device profile as the on-prem gateway's spec.
func onpremSpec(p profile.Profile, key string) contract.GatewaySpec {
	c := swan.Conn{
		Name: ConnName, Version: p.IKE.Version,
		LocalAddr: OnpremPublic.String(), RemoteAddr: AzurePublic.String(),
		LocalID: OnpremPublic.String(), RemoteID: AzurePublic.String(),
		Proposals: p.IKE.Proposals, IKELifetime: p.IKE.Lifetime.Duration,
		DPDDelay: p.IKE.DPDDelay.Duration, DPDTimeout: p.IKE.DPDTimeout.Duration,
		ESPProposals: p.ESPProposals(), ChildLifetime: p.IPsec.Lifetime.Duration, ChildLifeKB: p.IPsec.LifeKB,
		LocalTS: p.IPsec.LocalTS, RemoteTS: p.IPsec.RemoteTS,
		Initiator: true,
	}
	s := contract.GatewaySpec{
		Conn: c, SharedKey: key,
		WANRoutes: []contract.Route{{Prefix: AzureWAN.String(), Via: RouterOnprem.String()}},
		TunnelMTU: p.TunnelMTU, MSSClamp: p.MSSClamp,
		// A short first retransmit: the peer may still be starting.
		RetransmitTries: 5, RetransmitTimeout: 1,
	}
	if p.BGP == nil {
		s.TunnelRoutes = p.StaticRoutes
		return s
	}
	b := p.BGP
	s.Loopback = []string{b.LocalAddress}
	s.BGP = &bgp.Config{
		ASN: b.ASN, RouterID: b.LocalAddress, LocalAddress: b.LocalAddress, Advertise: p.LAN,
		GRPCAddr: grpcListen,
		Peer: bgp.Peer{Address: b.PeerAddress, ASN: b.PeerASN, ConnectRetry: b.ConnectRetry.Duration,
			HoldTime: b.HoldTime.Duration, Multihop: uint32(b.Multihop)},
	}
	return s
}

// azureModel is the fake gateway's model for this topology and profile:
// the local network gateway describes the on-prem device as the profile does.
func azureModel(p profile.Profile, key string) azure.Model {
	m := azure.DefaultModel()
	m.Gateway.PublicIP = AzurePublic.String()
	m.Gateway.VNetAddressSpace = []string{AzureVNet.String()}
	m.Gateway.BgpPeeringAddress = AzureGWAddr.String()
	m.Gateway.CustomBgpIPAddresses = []string{AzureBGPIP.String()}
	m.LocalGateway.GatewayIPAddress = OnpremPublic.String()
	m.Connection.SharedKey = key
	if p.BGP != nil {
		m.LocalGateway.AddressPrefixes = nil // BGP carries the on-prem prefixes
		m.LocalGateway.Asn = p.BGP.ASN
		m.LocalGateway.BgpPeeringAddress = p.BGP.LocalAddress
		m.Connection.EnableBgp = true
	} else {
		m.LocalGateway.AddressPrefixes = p.LAN
		m.LocalGateway.Asn = 0
		m.LocalGateway.BgpPeeringAddress = ""
		m.Connection.EnableBgp = false
	}
	return m
}

// activeActive makes the model an active-active gateway: IN_1 gets a public
// IP and a custom BGP address of its own.
func activeActive(m *azure.Model) {
	m.Gateway.ActiveActive = true
	m.Gateway.PublicIP2 = AzurePublic2.String()
	// Azure takes one GatewaySubnet address per instance for BGP.
	m.Gateway.BgpPeeringAddress, m.Gateway.BgpPeeringAddress2 = AzureGWVNet.String(), AzureGW1VNet.String()
	if len(m.Gateway.CustomBgpIPAddresses) > 0 {
		m.Gateway.CustomBgpIPAddresses = []string{AzureBGPIP.String(), AzureBGPIP2.String()}
	}
}

// ConnNameIN1 is the device's connection to IN_1 of an active-active gateway.
const ConnNameIN1 = "azure-in1"

// onpremActiveActive gives the device a second tunnel, to IN_1's public IP,
// with the same key and algorithms, and with BGP a second session, to
// IN_1's BGP address. Each tunnel carries its instance's BGP address and
// the VNet (narrowed traffic selectors: kernel-libipsec picks a tunnel by
// policy, and each BGP session must take its own).
func onpremActiveActive(s *contract.GatewaySpec, m azure.Model) {
	second := s.Conn
	second.Name = ConnNameIN1
	second.RemoteAddr, second.RemoteID = m.Gateway.PublicIP2, m.Gateway.PublicIP2
	ec := contract.ExtraConn{Conn: second, SharedKey: s.SharedKey}
	if s.BGP != nil {
		vnet := m.Gateway.VNetAddressSpace
		s.Conn.RemoteTS = append([]string{s.BGP.Peer.Address + "/32"}, vnet...)
		peer := s.BGP.Peer
		peer.Address = m.Gateway.CustomBgpIPOf("IN_1")
		ec.Conn.RemoteTS = append([]string{peer.Address + "/32"}, vnet...)
		ec.BGPPeer = peer.Address
		s.BGP.ExtraPeers = append(s.BGP.ExtraPeers, peer)
	}
	s.Extra = append(s.Extra, ec)
}

func azureSpec(m azure.Model, instance string) contract.AzureSpec {
	return contract.AzureSpec{
		Model: m, SharedKey: m.Connection.SharedKey, Instance: instance,
		WANRoutes: []contract.Route{{Prefix: OnpremWAN.String(), Via: RouterAzure.String()}},
	}
}

// newSharedKey makes a random PSK from Azure's allowed alphabet.
func newSharedKey() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}
