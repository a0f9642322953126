package lab

import (
	"slices"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/swan"
)

func TestChanged(t *testing.T) {
	base := swan.Conn{Name: "azure", Version: 2, RemoteAddr: "203.0.113.10", RemoteID: "203.0.113.10", LocalID: "198.51.100.10",
		Proposals: []string{"aes256-sha256-modp1024"}, ESPProposals: []string{"aes256gcm16"}, ChildLifetime: time.Hour}
	tests := []struct {
		name string
		ch   contract.ConnChange
		ok   func(c swan.Conn) bool
	}{
		{"nothing", contract.ConnChange{}, func(c swan.Conn) bool {
			return c.Version == 2 && slices.Equal(c.Proposals, base.Proposals) && slices.Equal(c.ESPProposals, base.ESPProposals)
		}},
		{"ike and version", contract.ConnChange{IKE: []string{"aes128-sha1-modp1024"}, IKEVersion: 1}, func(c swan.Conn) bool {
			return c.Version == 1 && slices.Equal(c.Proposals, []string{"aes128-sha1-modp1024"}) && slices.Equal(c.ESPProposals, base.ESPProposals)
		}},
		{"esp", contract.ConnChange{ESP: []string{"aes128gcm16"}}, func(c swan.Conn) bool {
			return slices.Equal(c.ESPProposals, []string{"aes128gcm16"}) && slices.Equal(c.Proposals, base.Proposals)
		}},
		{"peer address", contract.ConnChange{PeerAddress: "203.0.113.20"}, func(c swan.Conn) bool {
			return c.RemoteAddr == "203.0.113.20" && c.RemoteID == "203.0.113.20" && c.LocalID == base.LocalID
		}},
		{"local id", contract.ConnChange{LocalID: "198.18.99.10"}, func(c swan.Conn) bool { return c.LocalID == "198.18.99.10" }},
		{"child lifetime", contract.ConnChange{ChildLifetime: 30 * time.Second}, func(c swan.Conn) bool {
			return c.ChildLifetime == 30*time.Second && !c.ChildNoRekey
		}},
		{"child expires", contract.ConnChange{ChildLifetime: 30 * time.Second, ChildNoRekey: true}, func(c swan.Conn) bool {
			return c.ChildLifetime == 0 && c.ChildHardLifetime == 30*time.Second && c.ChildNoRekey
		}},
	}
	for _, tt := range tests {
		c := changed(base, tt.ch)
		if !tt.ok(c) {
			t.Errorf("%s: %+v", tt.name, c)
		}
		if c.Name != base.Name {
			t.Errorf("%s: the name became %q", tt.name, c.Name)
		}
	}
	// The configured connection is never edited in place.
	c := changed(base, contract.ConnChange{ESP: []string{"x"}})
	c.Proposals[0] = "changed"
	if base.Proposals[0] != "aes256-sha256-modp1024" || base.ESPProposals[0] != "aes256gcm16" {
		t.Errorf("base changed: %+v", base)
	}
}
