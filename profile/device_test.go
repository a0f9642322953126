package profile

import (
	"testing"

	"github.com/vpnlab/vpnlab/compat"
	"github.com/vpnlab/vpnlab/fakes/azure"
)

// The lab's own default profile matches the lab's Azure side: no
// finding worse than a note, except the key, which a profile never holds.
func TestDefaultDeviceIsCompatible(t *testing.T) {
	m := azure.DefaultModel()
	m.LocalGateway.Asn = Default().BGP.ASN
	m.Connection.SharedKey = ""
	d := Default().Device(m.Gateway.PublicIP, m.LocalGateway.GatewayIPAddress)
	d.PSK = compat.At(compat.OpaqueSecret(), compat.Source{})
	for _, f := range compat.Check(d, compat.Lab(m)) {
		if f.Severity > compat.Note {
			t.Errorf("%v", f)
		}
	}
	// And a change the engine knows shows: another peer ASN.
	d.BGP.Neighbors[0].ASN.V = 65514
	found := false
	for _, f := range compat.Check(d, compat.Lab(m)) {
		found = found || f.Fault == "bgp-asn-mismatch"
	}
	if !found {
		t.Error("peer ASN 65514 not reported")
	}
}
