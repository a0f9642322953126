package lab

import (
	"net/netip"

	"github.com/vpnlab/vpnlab/contract"
)

// Node names.
const (
	OnpremHost = "onprem-host"
	OnpremGW   = "onprem-gw"
	Internet   = "internet"
	AzureGW    = "azure-gw"     // instance IN_0, active at start
	AzureGW1   = "azure-gw-in1" // instance IN_1, standby
	AzureVM    = "azure-vm"
	P2SClient  = "p2s-client"
	// Switch holds the bridges of the segments with more than two members.
	Switch = "switch"
)

// Nodes lists the topology's nodes in bring-up order.
var Nodes = []string{Switch, Internet, AzureGW, AzureGW1, AzureVM, OnpremGW, OnpremHost, P2SClient}

// Segment is one lab segment (see links.go): its name is also the name of
// each member's interface on it.
type Segment struct {
	Name   string
	Subnet netip.Prefix
}

// The lab's segments. Only documentation and benchmarking ranges are used
// (RFC 5737, RFC 2544) and the APIPA range Azure uses for BGP; none of them
// reaches the host.
var Segments = []Segment{
	{"onprem-lan", OnpremLAN},
	{"onprem-wan", OnpremWAN},
	{"azure-wan", AzureWAN},
	{"azure-vnet", AzureVNet},
}

// The internet's two sides: the router routes between them, counts and
// filters by the side a packet goes to, and each gateway reaches the other
// side's WAN through it.
var (
	OnpremWAN = netip.MustParsePrefix("198.51.100.0/24")
	AzureWAN  = netip.MustParsePrefix("203.0.113.0/24")
	wanOf     = map[contract.Direction]netip.Prefix{contract.ToAzure: AzureWAN, contract.ToOnprem: OnpremWAN}
)

// Addresses of the plan.
var (
	OnpremHostIP = netip.MustParseAddr("198.18.10.10")
	OnpremLANGW  = netip.MustParseAddr("198.18.10.1")   // onprem-gw on the LAN
	OnpremPublic = netip.MustParseAddr("198.51.100.10") // onprem-gw's public IP
	RouterOnprem = netip.MustParseAddr("198.51.100.1")
	RouterAzure  = netip.MustParseAddr("203.0.113.1")
	AzurePublic  = netip.MustParseAddr("203.0.113.10") // the gateway's one public IP: the active instance's
	AzurePublic2 = netip.MustParseAddr("203.0.113.11") // IN_1's public IP in active-active
	AzureGWWAN   = netip.MustParseAddr("203.0.113.4")  // IN_0's own address on the internet side
	AzureGW1WAN  = netip.MustParseAddr("203.0.113.5")  // IN_1's
	AzureGWVNet  = netip.MustParseAddr("198.19.255.4") // IN_0 in the GatewaySubnet
	AzureGW1VNet = netip.MustParseAddr("198.19.255.5") // IN_1
	// AzureGWAddr is the gateway's address in the GatewaySubnet (its
	// bgpPeeringAddress): the active instance holds it, and the VNet routes
	// on-prem traffic to it.
	AzureGWAddr = netip.MustParseAddr("198.19.255.30")
	AzureVMIP   = netip.MustParseAddr("198.19.1.4")
	OnpremLAN   = netip.MustParsePrefix("198.18.10.0/24")
	AzureVNet   = netip.MustParsePrefix("198.19.0.0/16")
	AzureBGPIP  = netip.MustParseAddr("169.254.21.1")
	AzureBGPIP2 = netip.MustParseAddr("169.254.21.5") // IN_1's in active-active
	OnpremBGPIP = netip.MustParseAddr("169.254.21.2")
	P2SClientIP = netip.MustParseAddr("198.51.100.20") // a remote user somewhere on the internet
	P2SPool     = netip.MustParsePrefix("198.18.200.0/24")
)

// GatewayP2SID is the fake gateway's point-to-site identity, shaped like
// Azure's (an identity string only: nothing resolves or contacts it).
const GatewayP2SID = "azuregateway-00000000-0000-0000-0000-000000000000-vpnlab.vpn.azure.com"

// VMPort is the TCP port azure-vm serves for connect probes.
const VMPort = 80

// attachment puts a node on a segment at an address.
type attachment struct {
	network string
	addr    netip.Addr
}

// nodePlan is how one node is run.
type nodePlan struct {
	name   string
	attach []attachment
	ports  []int // published on 127.0.0.1, through the lab's management network
	cmd    []string
	spec   []byte // written to node.SpecFile when set
}
