package validate

import (
	"maps"
	"slices"
	"testing"

	"github.com/vpnlab/vpnlab/swan"
)

// The Azure side after its CHILD SA rekey (as strongSwan 5.9.8 lists it
// over vici): a point-to-site SA beside the site-to-site one, whose CHILD
// SAs are the first, the rekeyed (DELETED) and its successor.
var azureSAs = []swan.IKESA{
	{Conn: "p2s", UniqueID: "2", State: "ESTABLISHED", InitiatorSPI: "27646b57ba2bc2fe",
		Children: []swan.ChildSA{{Name: "p2s", UniqueID: "2", State: "INSTALLED", SPIIn: "efad8772"}}},
	{Conn: "onprem-conn", UniqueID: "3", State: "ESTABLISHED", InitiatorSPI: "409260647b8966e4",
		Children: []swan.ChildSA{
			{Name: "onprem-conn", UniqueID: "1", State: "INSTALLED", SPIIn: "28b60547"},
			{Name: "onprem-conn", UniqueID: "3", State: "DELETED", SPIIn: "9524045f"},
			{Name: "onprem-conn", UniqueID: "4", State: "INSTALLED", SPIIn: "1577ede3"},
		}},
}

func TestSAListOf(t *testing.T) {
	s := saListOf(azureSAs, "onprem-conn")
	if got := slices.Sorted(maps.Keys(s.ikeSPI)); !slices.Equal(got, []string{"409260647b8966e4"}) {
		t.Errorf("IKE SPIs %v, want the site-to-site SA's only", got)
	}
	if got := slices.Sorted(maps.Keys(s.spiIn)); !slices.Equal(got, []string{"1577ede3", "28b60547", "9524045f"}) {
		t.Errorf("inbound SPIs %v", got)
	}
	want := map[string]string{"1": "INSTALLED", "3": "DELETED", "4": "INSTALLED"}
	if !maps.Equal(s.children, want) {
		t.Errorf("children %v, want %v", s.children, want)
	}
	if s := saListOf(azureSAs, "other"); len(s.ikeSPI)+len(s.spiIn)+len(s.children) != 0 {
		t.Errorf("another connection's SAs listed: %+v", s)
	}
	if !newSPI(map[string]bool{"a": true}, map[string]bool{"a": true, "b": true}) || newSPI(map[string]bool{"a": true, "b": true}, map[string]bool{"a": true}) {
		t.Error("newSPI")
	}
}
