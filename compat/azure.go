package compat

import "github.com/vpnlab/vpnlab/fakes/azure"

// Azure is the Azure side of the connection: the fake gateway's model
// (gateway, VNet address space, local network gateway, connection with its
// shared key and custom policy) and which of its parts the user gave. A
// part not given holds Azure's defaults; checks that need the user's own
// values there (public IP, prefixes, ASNs, key) are skipped, and Check
// says so in a Note.
type Azure struct {
	Model azure.Model
	Given Given
	// Files names where each part came from, for the report; optional.
	Files map[Part]string
}

// Part is one of the Azure resources the checks read.
type Part string

const (
	PartGateway      Part = "gateway"      // virtual network gateway
	PartVNet         Part = "vnet"         // virtual network (address space)
	PartLocalGateway Part = "localGateway" // local network gateway
	PartConnection   Part = "connection"   // connection, incl. shared key and custom policy
)

// Given says which parts the user supplied.
type Given map[Part]bool

// Assumed returns a route-based VpnGw1 gateway with Azure's defaults
// (ASN 65515, an IKEv2 connection with the default policies, DPD 45 s)
// and nothing else known: what Check compares against without --azure.
func Assumed() Azure {
	return Azure{Model: azure.Model{
		Gateway:    azure.VirtualNetworkGateway{SKU: "VpnGw1", VpnType: "RouteBased", Asn: azure.DefaultASN},
		Connection: azure.Connection{ConnectionProtocol: "IKEv2", DpdTimeoutSeconds: int(azure.DefaultDPDTimeout.Seconds())},
	}, Given: Given{}}
}

// Lab returns the Azure side of a lab: every part given, as the lab's
// fake gateway holds them.
func Lab(m azure.Model) Azure {
	return Azure{Model: m, Given: Given{PartGateway: true, PartVNet: true, PartLocalGateway: true, PartConnection: true}}
}

func (a Azure) policyBased() bool { return a.Model.Gateway.VpnType == "PolicyBased" }

func (a Azure) custom() *azure.IpsecPolicy {
	if len(a.Model.Connection.IpsecPolicies) > 0 {
		return &a.Model.Connection.IpsecPolicies[0]
	}
	return nil
}

// ikeVersion is the connection's IKE version: 1 for IKEv1 connections and
// policy-based gateways, 2 otherwise.
func (a Azure) ikeVersion() int {
	if a.policyBased() || a.Model.Connection.ConnectionProtocol == "IKEv1" {
		return 1
	}
	return 2
}
