package lab

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/profile"
	"github.com/vpnlab/vpnlab/swan"
)

const testKey = "labKey0123456789abcdefABCDEF0123"

// staticProfile is route-based without BGP, with two LAN prefixes so that
// they differ from the fake gateway's default local network gateway.
func staticProfile(t *testing.T) profile.Profile {
	t.Helper()
	p := profile.Default()
	p.Name = "static-routing"
	p.BGP = nil
	p.StaticRoutes = []string{"198.19.0.0/16"}
	p.LAN = []string{"198.18.10.0/24", "198.18.20.0/24"}
	p.IPsec.PFS = "modp2048"
	if err := p.Validate(); err != nil {
		t.Fatalf("test profile: %v", err)
	}
	return p
}

func TestOnpremSpec(t *testing.T) {
	conn := func(esp string) swan.Conn {
		return swan.Conn{
			Name: "azure", Version: 2,
			LocalAddr: "198.51.100.10", RemoteAddr: "203.0.113.10",
			LocalID: "198.51.100.10", RemoteID: "203.0.113.10",
			Proposals: []string{"aes256-sha256-modp1024"}, IKELifetime: 28800 * time.Second,
			DPDDelay:     45 * time.Second,
			ESPProposals: []string{esp}, ChildLifetime: 27000 * time.Second, ChildLifeKB: 102400000,
			LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"},
			Initiator: true,
		}
	}
	wan := []contract.Route{{Prefix: "203.0.113.0/24", Via: "198.51.100.1"}}
	tests := []struct {
		name string
		p    profile.Profile
		want contract.GatewaySpec
	}{
		{
			name: "default (BGP)",
			p:    profile.Default(),
			want: contract.GatewaySpec{
				Conn: conn("aes256gcm16"), SharedKey: testKey,
				BGP: &bgp.Config{
					ASN: 65010, RouterID: "169.254.21.2", LocalAddress: "169.254.21.2",
					Advertise: []string{"198.18.10.0/24"}, GRPCAddr: "0.0.0.0:50051",
					Peer: bgp.Peer{Address: "169.254.21.1", ASN: 65515, ConnectRetry: 2 * time.Second,
						HoldTime: 180 * time.Second, Multihop: 255},
				},
				WANRoutes: wan, Loopback: []string{"169.254.21.2"},
				TunnelMTU: 1400, MSSClamp: 1350, RetransmitTries: 5, RetransmitTimeout: 1,
			},
		},
		{
			name: "static routing",
			p:    staticProfile(t),
			want: contract.GatewaySpec{
				Conn: conn("aes256gcm16-modp2048"), SharedKey: testKey,
				TunnelRoutes: []string{"198.19.0.0/16"},
				WANRoutes:    wan,
				TunnelMTU:    1400, MSSClamp: 1350, RetransmitTries: 5, RetransmitTimeout: 1,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := onpremSpec(tt.p, testKey)
			if !reflect.DeepEqual(got.Conn, tt.want.Conn) {
				t.Errorf("Conn:\ngot  %+v\nwant %+v", got.Conn, tt.want.Conn)
			}
			if !reflect.DeepEqual(got.BGP, tt.want.BGP) {
				t.Errorf("BGP:\ngot  %+v\nwant %+v", got.BGP, tt.want.BGP)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("spec:\ngot  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// The spec's addresses are the plan's.
func TestOnpremSpecUsesPlan(t *testing.T) {
	c := onpremSpec(profile.Default(), testKey).Conn
	if c.LocalAddr != OnpremPublic.String() || c.RemoteAddr != AzurePublic.String() {
		t.Errorf("addresses %s -> %s, want %s -> %s", c.LocalAddr, c.RemoteAddr, OnpremPublic, AzurePublic)
	}
	if c.Name != ConnName || c.Child() != ConnName {
		t.Errorf("conn %q child %q, want %q", c.Name, c.Child(), ConnName)
	}
}

func TestAzureModel(t *testing.T) {
	base := func() azure.Model {
		m := azure.DefaultModel()
		m.Gateway.PublicIP = "203.0.113.10"
		m.Gateway.VNetAddressSpace = []string{"198.19.0.0/16"}
		m.Gateway.BgpPeeringAddress = "198.19.255.30"
		m.Gateway.CustomBgpIPAddresses = []string{"169.254.21.1"}
		m.LocalGateway.GatewayIPAddress = "198.51.100.10"
		m.Connection.SharedKey = testKey
		return m
	}
	withBGP := base()
	withBGP.LocalGateway.AddressPrefixes = nil
	withBGP.LocalGateway.Asn = 65010
	withBGP.LocalGateway.BgpPeeringAddress = "169.254.21.2"
	withBGP.Connection.EnableBgp = true

	static := base()
	static.LocalGateway.AddressPrefixes = []string{"198.18.10.0/24", "198.18.20.0/24"}
	static.LocalGateway.Asn = 0
	static.LocalGateway.BgpPeeringAddress = ""
	static.Connection.EnableBgp = false

	tests := []struct {
		name string
		p    profile.Profile
		want azure.Model
	}{
		{"default (BGP)", profile.Default(), withBGP},
		{"static routing", staticProfile(t), static},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := azureModel(tt.p, testKey)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

// The model Start builds validates with a key newSharedKey made.
func TestAzureModelValidatesWithNewKey(t *testing.T) {
	for _, p := range []profile.Profile{profile.Default(), staticProfile(t)} {
		m := azureModel(p, newSharedKey())
		if err := m.Validate(); err != nil {
			t.Errorf("%s: Validate: %v", p.Name, err)
		}
		m.Connection.SharedKey = ""
		if err := m.Validate(); err == nil || !strings.Contains(err.Error(), "properties.sharedKey") {
			t.Errorf("%s: without a key: Validate = %v, want a sharedKey error", p.Name, err)
		}
	}
}

func TestAzureSpec(t *testing.T) {
	m := azureModel(profile.Default(), testKey)
	got := azureSpec(m, "IN_0")
	want := contract.AzureSpec{Model: m, SharedKey: testKey, Instance: "IN_0",
		WANRoutes: []contract.Route{{Prefix: "198.51.100.0/24", Via: "203.0.113.1"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestNewSharedKey(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	a, b := newSharedKey(), newSharedKey()
	for _, k := range []string{a, b} {
		if len(k) != 32 {
			t.Errorf("key length %d, want 32", len(k))
		}
		if i := strings.IndexFunc(k, func(r rune) bool { return !strings.ContainsRune(alphabet, r) }); i >= 0 {
			t.Errorf("key character %d (%q) is outside Azure's alphabet", i+1, k[i])
		}
	}
	if a == b {
		t.Errorf("two keys are equal: %q", a)
	}
}

// Active-active: a second tunnel to IN_1's public IP with the same key,
// each tunnel narrowed to its instance's BGP address and the VNet, and a
// BGP session to each instance; the Azure side has one of each per instance.
func TestActiveActiveSpecs(t *testing.T) {
	m := azureModel(profile.Default(), testKey)
	activeActive(&m)
	if err := m.Validate(); err != nil {
		t.Fatalf("active-active model does not validate: %v", err)
	}
	s := onpremSpec(profile.Default(), testKey)
	onpremActiveActive(&s, m)
	if len(s.Extra) != 1 {
		t.Fatalf("%d extra connections, want 1", len(s.Extra))
	}
	ec := s.Extra[0]
	if ec.Conn.Name != ConnNameIN1 || ec.Conn.RemoteAddr != AzurePublic2.String() || ec.SharedKey != testKey || !ec.Conn.Initiator {
		t.Errorf("second tunnel %s -> %s (initiator %v, key set %v)", ec.Conn.Name, ec.Conn.RemoteAddr, ec.Conn.Initiator, ec.SharedKey == testKey)
	}
	if want := []string{"169.254.21.1/32", "198.19.0.0/16"}; !reflect.DeepEqual(s.Conn.RemoteTS, want) {
		t.Errorf("first tunnel remote TS %v, want %v", s.Conn.RemoteTS, want)
	}
	if want := []string{"169.254.21.5/32", "198.19.0.0/16"}; !reflect.DeepEqual(ec.Conn.RemoteTS, want) {
		t.Errorf("second tunnel remote TS %v, want %v", ec.Conn.RemoteTS, want)
	}
	if len(s.BGP.ExtraPeers) != 1 || s.BGP.ExtraPeers[0].Address != AzureBGPIP2.String() || ec.BGPPeer != AzureBGPIP2.String() {
		t.Errorf("extra BGP peers %+v, tunnel's neighbour %q; want %s", s.BGP.ExtraPeers, ec.BGPPeer, AzureBGPIP2)
	}
	for inst, want := range map[string][2]string{"IN_0": {"203.0.113.10", "169.254.21.1"}, "IN_1": {"203.0.113.11", "169.254.21.5"}} {
		az := azureSpec(m, inst)
		gs, err := contract.AzureGatewaySpec(az)
		if err != nil {
			t.Fatal(err)
		}
		if gs.Conn.LocalAddr != want[0] || gs.BGP.LocalAddress != want[1] {
			t.Errorf("%s: tunnel on %s, BGP from %s; want %s and %s", inst, gs.Conn.LocalAddr, gs.BGP.LocalAddress, want[0], want[1])
		}
	}
}
