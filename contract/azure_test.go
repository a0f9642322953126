package contract

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/swan"
)

func TestCustomPolicy(t *testing.T) {
	tests := []struct {
		name     string
		p        azure.IpsecPolicy
		ike, esp string
		err      string
	}{
		{
			name: "GCM",
			p: azure.IpsecPolicy{IkeEncryption: "GCMAES256", IkeIntegrity: "GCMAES256", DhGroup: "ECP384",
				IpsecEncryption: "GCMAES256", IpsecIntegrity: "GCMAES256", PfsGroup: "None"},
			ike: "aes256gcm16-prfsha256-ecp384",
			esp: "aes256gcm16",
		},
		{
			name: "CBC with PFS",
			p: azure.IpsecPolicy{IkeEncryption: "AES256", IkeIntegrity: "SHA256", DhGroup: "DHGroup14",
				IpsecEncryption: "AES256", IpsecIntegrity: "SHA256", PfsGroup: "PFS2048"},
			ike: "aes256-sha256-modp2048",
			esp: "aes256-sha256-modp2048",
		},
		{
			name: "GCM IKE encryption with SHA integrity",
			p: azure.IpsecPolicy{IkeEncryption: "GCMAES128", IkeIntegrity: "SHA384", DhGroup: "DHGroup24",
				IpsecEncryption: "GCMAES128", IpsecIntegrity: "GCMAES128", PfsGroup: "PFS24"},
			ike: "aes128gcm16-sha384-modp2048s256",
			esp: "aes128gcm16-modp2048s256",
		},
		{
			name: "null ESP encryption",
			p: azure.IpsecPolicy{IkeEncryption: "DES3", IkeIntegrity: "SHA1", DhGroup: "DHGroup2",
				IpsecEncryption: "None", IpsecIntegrity: "SHA1", PfsGroup: "PFSMM"},
			ike: "3des-sha1-modp1024",
			esp: "null-sha1",
		},
		{
			name: "unsupported IKE encryption",
			p: azure.IpsecPolicy{IkeEncryption: "AES512", IkeIntegrity: "SHA256", DhGroup: "DHGroup14",
				IpsecEncryption: "AES256", IpsecIntegrity: "SHA256", PfsGroup: "None"},
			err: "ipsec policy: unsupported algorithm in {",
		},
		{
			name: "unsupported PFS group",
			p: azure.IpsecPolicy{IkeEncryption: "AES256", IkeIntegrity: "SHA256", DhGroup: "DHGroup14",
				IpsecEncryption: "AES256", IpsecIntegrity: "SHA256", PfsGroup: "PFS99"},
			err: "ipsec policy: unsupported algorithm in {",
		},
		{
			name: "empty policy",
			err:  "ipsec policy: unsupported algorithm in {",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ike, esp, err := tt.p.Proposals()
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("error = %v, want it to start with %q", err, tt.err)
				}
				if ike != "" || esp != "" {
					t.Errorf("proposals %q, %q with an error, want none", ike, esp)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ike != tt.ike || esp != tt.esp {
				t.Errorf("got IKE %q ESP %q, want IKE %q ESP %q", ike, esp, tt.ike, tt.esp)
			}
		})
	}
}

// azureDefaultIKE is Azure's IKE main mode offer list, in order.
var azureDefaultIKE = []string{
	"aes256-sha1-modp1024", "aes256-sha256-modp1024", "aes128-sha1-modp1024",
	"aes128-sha256-modp1024", "3des-sha1-modp1024", "3des-sha256-modp1024",
}

func TestAzureGatewaySpecDefault(t *testing.T) {
	wan := []Route{{Prefix: "198.51.100.0/24", Via: "203.0.113.1"}}
	got, err := AzureGatewaySpec(AzureSpec{Model: azure.DefaultModel(), SharedKey: "k3y", Instance: "IN_0", WANRoutes: wan})
	if err != nil {
		t.Fatal(err)
	}
	c := got.Conn
	if !reflect.DeepEqual(c.Proposals, azureDefaultIKE) {
		t.Errorf("IKE proposals %q, want %q", c.Proposals, azureDefaultIKE)
	}
	if len(c.ESPProposals) != 25 || c.ESPProposals[0] != "aes256gcm16" || c.ESPProposals[1] != "aes256-sha1" {
		t.Errorf("ESP proposals %q, want Azure's 25 starting with aes256gcm16, aes256-sha1", c.ESPProposals)
	}
	want := GatewaySpec{
		Conn: swan.Conn{
			Name: "onprem-conn", Version: 2,
			LocalAddr: "203.0.113.10", RemoteAddr: "198.51.100.10",
			LocalID: "203.0.113.10", RemoteID: "198.51.100.10",
			Proposals: c.Proposals, IKELifetime: 28800 * time.Second, DPDDelay: 45 * time.Second,
			ESPProposals: c.ESPProposals, ChildLifetime: 27000 * time.Second, ChildLifeKB: 102400000,
			LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"},
			Initiator: false,
		},
		SharedKey: "k3y",
		BGP: &bgp.Config{
			ASN: 65515, RouterID: "169.254.21.1", LocalAddress: "169.254.21.1",
			Advertise: []string{"198.19.0.0/16"}, GRPCAddr: "0.0.0.0:50051",
			Peer: bgp.Peer{Address: "169.254.21.2", ASN: 65020, Passive: true,
				ConnectRetry: 5 * time.Second, HoldTime: 180 * time.Second, Multihop: 255},
		},
		TunnelRoutes:    []string{"198.18.10.0/24"},
		WANRoutes:       wan,
		Loopback:        []string{"169.254.21.1"},
		RetransmitTries: 3, RetransmitTimeout: 2,
	}
	if !reflect.DeepEqual(got.Conn, want.Conn) {
		t.Errorf("Conn:\ngot  %+v\nwant %+v", got.Conn, want.Conn)
	}
	if !reflect.DeepEqual(got.BGP, want.BGP) {
		t.Errorf("BGP:\ngot  %+v\nwant %+v", got.BGP, want.BGP)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("spec:\ngot  %+v\nwant %+v", got, want)
	}
}

func TestAzureGatewaySpecVariants(t *testing.T) {
	tests := []struct {
		name  string
		model func(m *azure.Model)
		check func(t *testing.T, s GatewaySpec)
	}{
		{
			name: "custom policy",
			model: func(m *azure.Model) {
				m.Connection.IpsecPolicies = []azure.IpsecPolicy{{
					SaLifeTimeSeconds: 3600, SaDataSizeKilobytes: 2048,
					IkeEncryption: "AES256", IkeIntegrity: "SHA256", DhGroup: "DHGroup14",
					IpsecEncryption: "GCMAES256", IpsecIntegrity: "GCMAES256", PfsGroup: "PFS2048",
				}}
			},
			check: func(t *testing.T, s GatewaySpec) {
				c := s.Conn
				if want := []string{"aes256-sha256-modp2048"}; !reflect.DeepEqual(c.Proposals, want) {
					t.Errorf("IKE proposals %q, want %q", c.Proposals, want)
				}
				if want := []string{"aes256gcm16-modp2048"}; !reflect.DeepEqual(c.ESPProposals, want) {
					t.Errorf("ESP proposals %q, want %q", c.ESPProposals, want)
				}
				if c.ChildLifetime != time.Hour || c.ChildLifeKB != 2048 {
					t.Errorf("child lifetime %v / %d KB, want 1h0m0s / 2048 KB", c.ChildLifetime, c.ChildLifeKB)
				}
				if c.IKELifetime != 28800*time.Second {
					t.Errorf("IKE lifetime %v, want 8h0m0s", c.IKELifetime)
				}
			},
		},
		{
			name: "IKEv1",
			model: func(m *azure.Model) {
				m.Connection.ConnectionProtocol = "IKEv1"
				m.Connection.DpdTimeoutSeconds = 30
			},
			check: func(t *testing.T, s GatewaySpec) {
				if s.Conn.Version != 1 || s.Conn.DPDDelay != 30*time.Second {
					t.Errorf("version %d DPD %v, want 1 and 30s", s.Conn.Version, s.Conn.DPDDelay)
				}
			},
		},
		{
			name: "BGP peer outside APIPA, no custom address",
			model: func(m *azure.Model) {
				m.Gateway.CustomBgpIPAddresses = nil
				m.LocalGateway.BgpPeeringAddress = "10.1.0.1"
			},
			check: func(t *testing.T, s GatewaySpec) {
				if s.BGP == nil {
					t.Fatal("BGP = nil, want a speaker")
				}
				if s.BGP.LocalAddress != "198.19.255.30" || s.BGP.RouterID != "198.19.255.30" {
					t.Errorf("local %s router id %s, want the gateway's 198.19.255.30", s.BGP.LocalAddress, s.BGP.RouterID)
				}
				if want := []string{"198.19.255.30"}; !reflect.DeepEqual(s.Loopback, want) {
					t.Errorf("loopback %q, want %q", s.Loopback, want)
				}
				if s.BGP.Peer.Address != "10.1.0.1" || s.BGP.Peer.Passive {
					t.Errorf("peer %s passive %v, want 10.1.0.1 active", s.BGP.Peer.Address, s.BGP.Peer.Passive)
				}
			},
		},
		{
			name: "BGP off on the connection",
			model: func(m *azure.Model) {
				m.Connection.EnableBgp = false
				m.LocalGateway.AddressPrefixes = []string{"198.18.10.0/24", "198.18.20.0/24"}
			},
			check: func(t *testing.T, s GatewaySpec) {
				if s.BGP != nil || s.Loopback != nil {
					t.Errorf("BGP %+v loopback %q, want neither", s.BGP, s.Loopback)
				}
				if want := []string{"198.18.10.0/24", "198.18.20.0/24"}; !reflect.DeepEqual(s.TunnelRoutes, want) {
					t.Errorf("tunnel routes %q, want %q", s.TunnelRoutes, want)
				}
			},
		},
		{
			name:  "BGP off on the gateway",
			model: func(m *azure.Model) { m.Gateway.EnableBgp = false },
			check: func(t *testing.T, s GatewaySpec) {
				if s.BGP != nil {
					t.Errorf("BGP %+v, want nil", s.BGP)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := azure.DefaultModel()
			tt.model(&m)
			s, err := AzureGatewaySpec(AzureSpec{Model: m, SharedKey: "k3y", Instance: "IN_0"})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}

func TestAzureGatewaySpecBadPolicy(t *testing.T) {
	m := azure.DefaultModel()
	m.Connection.IpsecPolicies = []azure.IpsecPolicy{{IkeEncryption: "AES512"}}
	_, err := AzureGatewaySpec(AzureSpec{Model: m})
	if err == nil || !strings.HasPrefix(err.Error(), "ipsec policy: unsupported algorithm") {
		t.Errorf("error = %v, want an unsupported algorithm error", err)
	}
}

func TestIsAPIPA(t *testing.T) {
	for a, want := range map[string]bool{
		"169.254.21.2": true, "169.254.0.1": true, "169.255.0.1": false, "10.1.0.1": false, "": false, "nope": false,
	} {
		if got := isAPIPA(a); got != want {
			t.Errorf("isAPIPA(%q) = %v, want %v", a, got, want)
		}
	}
}

// The point-to-site pool is handed to charon and routed by the node to
// point-to-site, not added to the site-to-site tunnel's routes: a pool
// that overlaps on-prem would otherwise share the branch's route.
func TestAzureGatewaySpecP2SPool(t *testing.T) {
	m := azure.DefaultModel()
	m.Connection.EnableBgp = false
	m.LocalGateway.AddressPrefixes = []string{"198.18.10.0/24"}
	m.Gateway.VpnClient = &azure.VpnClientConfiguration{AddressPrefixes: []string{"198.18.10.0/24"}, Protocols: []string{"IkeV2"}}
	s, err := AzureGatewaySpec(AzureSpec{Model: m, SharedKey: "k3y", Instance: "IN_0", P2S: &P2SCert{ID: "gw.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []Pool{{Name: "p2s-pool", Addrs: "198.18.10.0/24"}}; !reflect.DeepEqual(s.Pools, want) {
		t.Errorf("pools %+v, want %+v", s.Pools, want)
	}
	if want := []string{"198.18.10.0/24"}; !reflect.DeepEqual(s.TunnelRoutes, want) {
		t.Errorf("tunnel routes %q, want only the local network gateway's %q", s.TunnelRoutes, want)
	}
}
