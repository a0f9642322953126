package compat

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
)

func src(line int) Source { return Source{File: "dev.conf", Line: line} }

// good is a device that matches azure.DefaultModel with the lab's key.
func good() Device {
	return Device{
		IKEVersion:    At(2, src(1)),
		IKEProposals:  []Value[string]{At("aes256-sha256-modp1024", src(2))},
		ESPProposals:  []Value[string]{At("aes256gcm16", src(3))},
		PFS:           At("none", src(4)),
		ChildLifetime: At(27000*time.Second, src(5)),
		DPD:           At(45*time.Second, src(6)),
		Peers:         []Value[string]{At("203.0.113.10", src(7))},
		LocalAddress:  At("198.51.100.10", src(8)),
		PSK:           At(NewSecret("vpnlabSharedKey0123456789"), src(9)),
		MSSClamp:      At(1350, src(10)),
		BGP: &BGP{
			ASN:          At(uint32(65020), src(11)),
			LocalAddress: At("169.254.21.2", src(12)),
			Neighbors:    []Neighbor{{Address: At("169.254.21.1", src(13)), ASN: At(uint32(65515), src(13))}},
			Announced:    []Value[string]{At("198.18.10.0/24", src(14))},
		},
	}
}

func TestCheck(t *testing.T) {
	lab := Lab(azure.DefaultModel())
	pbts := azure.DefaultModel()
	pbts.Connection.IpsecPolicies = []azure.IpsecPolicy{{SaLifeTimeSeconds: 27000, SaDataSizeKilobytes: 102400000,
		IpsecEncryption: "AES256", IpsecIntegrity: "SHA256", IkeEncryption: "AES256", IkeIntegrity: "SHA256", DhGroup: "DHGroup14", PfsGroup: "PFS14"}}
	aa := azure.DefaultModel()
	aa.Gateway.ActiveActive, aa.Gateway.PublicIP2 = true, "203.0.113.11"
	aa.Gateway.CustomBgpIPAddresses = []string{"169.254.21.1", "169.254.21.5"}
	tests := []struct {
		name  string
		edit  func(*Device)
		az    Azure
		fault string // "" means no blocking finding
		sev   Severity
		line  int
	}{
		{"clean", func(*Device) {}, lab, "", 0, 0},
		{"ikev1", func(d *Device) { d.IKEVersion.V = 1 }, lab, "ike-version-mismatch", Down, 1},
		{"dh14", func(d *Device) { d.IKEProposals[0].V = "aes256-sha256-modp2048" }, lab, "ike-policy-mismatch", Down, 2},
		{"esp aes128gcm", func(d *Device) { d.ESPProposals[0].V = "aes128gcm16" }, lab, "ipsec-policy-mismatch", Down, 3},
		{"esp only responder", func(d *Device) { d.ESPProposals[0].V = "aes128-sha256" }, lab, "ipsec-policy-mismatch", Latent, 3},
		{"pfs", func(d *Device) { d.ESPProposals[0].V = "aes256-sha1"; d.PFS.V = "modp2048" }, lab, "pfs-mismatch", Latent, 4},
		{"custom pfs", func(d *Device) {
			d.IKEProposals[0].V = "aes256-sha256-modp2048"
			d.ESPProposals[0].V = "aes256-sha256"
		}, Lab(pbts), "pfs-mismatch", Latent, 4},
		{"dpd off", func(d *Device) { d.DPD.V = 0 }, lab, "dpd-timeout", Degrades, 6},
		{"peer", func(d *Device) { d.Peers[0].V = "203.0.113.99" }, lab, "wrong-peer-address", Down, 7},
		{"active-active", func(*Device) {}, Lab(aa), "maintenance-failover", Latent, 7},
		{"psk", func(d *Device) { d.PSK.V = NewSecret("otherKey") }, lab, "shared-key-mismatch", Down, 9},
		{"psk missing", func(d *Device) { d.PSK = Value[Secret]{} }, lab, "shared-key-mismatch", Down, 1},
		{"mss", func(d *Device) { d.MSSClamp.V = 1460 }, lab, "mtu-blackhole", Degrades, 10},
		{"asn", func(d *Device) { d.BGP.ASN.V = 65521 }, lab, "bgp-asn-mismatch", Down, 11},
		{"asn reserved", func(d *Device) { d.BGP.ASN.V = 65517 }, lab, "bgp-asn-mismatch", Down, 11},
		{"peer asn", func(d *Device) { d.BGP.Neighbors[0].ASN.V = 65514 }, lab, "bgp-asn-mismatch", Down, 13},
		{"bgp addr", func(d *Device) { d.BGP.Neighbors[0].Address.V = "169.254.0.1" }, lab, "bgp-peer-address-mismatch", Down, 13},
		{"multihop", func(d *Device) {
			d.BGP.Neighbors[0].Address.V = "198.19.255.30"
			d.BGP.LocalAddress.V = "169.254.21.2"
		}, lab, "bgp-session-down", Down, 13},
		{"ts", func(d *Device) {
			d.LocalTS = []Value[string]{At("198.18.10.0/24", src(15))}
			d.RemoteTS = []Value[string]{At("198.19.1.0/24", src(16))}
		}, lab, "traffic-selector-mismatch", Degrades, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := good()
			tt.edit(&d)
			fs := Check(d, tt.az)
			if tt.fault == "" {
				if Blocking(fs) {
					t.Fatalf("want no blocking finding, got %v", fs)
				}
				return
			}
			for _, f := range fs {
				if f.Fault == tt.fault && f.Severity == tt.sev && f.Line == tt.line {
					return
				}
			}
			t.Fatalf("want %s %s at line %d, got:\n%s", tt.sev, tt.fault, tt.line, list(fs))
		})
	}
}

func list(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintln(&b, f)
	}
	return b.String()
}

func TestSecretNeverPrints(t *testing.T) {
	d := good()
	d.PSK.V = NewSecret("topSecretKey42")
	j, _ := json.Marshal(d)
	for _, s := range []string{fmt.Sprint(d), fmt.Sprintf("%+v %#v %v %s", d, d.PSK, d.PSK.V, d.PSK.V), string(j), list(Check(d, Lab(azure.DefaultModel())))} {
		if strings.Contains(s, "topSecretKey42") {
			t.Fatalf("key printed: %s", s)
		}
	}
}

func TestPlaceholder(t *testing.T) {
	for s, want := range map[string]bool{"40.76.X.X": true, "<Azure-public-IP>": true, "*****": true, "XXXXXXXXXXXX": true,
		"192.168.0.x": true, "40.78.x.X": true, "203.0.113.10": false, "azure-keyring": false, "10.0.0.0/8": false, "sharedsecret": false} {
		if IsPlaceholder(s) != want {
			t.Errorf("IsPlaceholder(%q) = %v", s, !want)
		}
	}
}
