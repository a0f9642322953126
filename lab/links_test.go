package lab

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/contract"
)

func TestPlanWiringTopology(t *testing.T) {
	l := &Lab{id: "abc123"}
	w, err := planWiring(l.plans(contract.GatewaySpec{}, contract.AzureSpec{}, contract.AzureSpec{}, contract.GatewaySpec{}))
	if err != nil {
		t.Fatal(err)
	}
	// Two members: a plain pair; more: a bridge in the switch.
	if want := []string{"onprem-wan", "azure-wan", "azure-vnet"}; !slices.Equal(w.bridges, want) {
		t.Errorf("bridges = %v, want %v", w.bridges, want)
	}
	var pairs []string
	ports := map[string]int{}
	for _, lk := range w.links {
		if lk.b.bridge == "" {
			pairs = append(pairs, lk.a.node+"/"+lk.a.ifname+"="+lk.a.addr.String()+" "+lk.b.node+"/"+lk.b.ifname+"="+lk.b.addr.String())
			continue
		}
		if lk.b.node != Switch || lk.b.addr.IsValid() || !strings.HasPrefix(lk.b.ifname, lk.segment+"-") || len(lk.b.ifname) > 15 {
			t.Errorf("switch port %+v", lk.b)
		}
		ports[lk.segment]++
	}
	if want := []string{"onprem-gw/onprem-lan=198.18.10.1/24 onprem-host/onprem-lan=198.18.10.10/24"}; !slices.Equal(pairs, want) {
		t.Errorf("pairs = %v, want %v", pairs, want)
	}
	if want := map[string]int{"onprem-wan": 3, "azure-wan": 3, "azure-vnet": 3}; len(ports) != 3 ||
		ports["onprem-wan"] != 3 || ports["azure-wan"] != 3 || ports["azure-vnet"] != 3 {
		t.Errorf("switch ports = %v, want %v", ports, want)
	}
	if got := w.linksOf(Internet); !slices.Equal(got, []string{"onprem-wan", "azure-wan"}) {
		t.Errorf("router links = %v", got)
	}
	if got := w.linksOf(Switch); got != nil {
		t.Errorf("the switch waits for %v, want nothing (its ports are enslaved, not addressed)", got)
	}
	if got := w.nodes(); got[0] != Switch || len(got) != len(Nodes) {
		t.Errorf("nodes = %v, want the switch first and all %d nodes", got, len(Nodes))
	}
}

func TestPlanWiringErrors(t *testing.T) {
	a := func(seg, addr string) attachment { return attachment{seg, netip.MustParseAddr(addr)} }
	tests := []struct {
		name  string
		plans []nodePlan
		err   string
	}{
		{"unknown segment", []nodePlan{{name: "x", attach: []attachment{a("nowhere", "198.18.10.1")}}},
			`node x: unknown segment "nowhere"`},
		{"address outside", []nodePlan{{name: "x", attach: []attachment{a("onprem-lan", "203.0.113.1")}}},
			"node x: 203.0.113.1 is not in segment onprem-lan (198.18.10.0/24)"},
		{"alone", []nodePlan{{name: "x", attach: []attachment{a("onprem-lan", "198.18.10.1")}}},
			"segment onprem-lan has 1 member(s), want 2 or more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := planWiring(tt.plans)
			if err == nil || err.Error() != tt.err {
				t.Errorf("error = %v, want %q", err, tt.err)
			}
		})
	}
}
