package scenarios

import (
	"strings"
	"testing"
)

func TestWalkParse(t *testing.T) {
	head := "name: x\nsummary: s\nexpect: {category: routing, fault: f}\nfaults: [{kind: bgp-withdraw, prefix: 198.18.10.0/24}]\n"
	good := head + `walk:
  heals_itself: true
  steps:
    - say: read it (seed 000 §5.4)
      node: p2s-client
      run: cat /root/p2s-root/root.pem
      save: root
    - say: upload it
      arm: virtualNetworkGateways/{gateway}
      portal: Point-to-site configuration
      set:
        properties.vpnClientConfiguration.vpnClientRootCertificates: [{name: r, properties: {publicCertData: "${root}"}}]
    - say: wait
      wait: 5s
`
	s, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Walk.HealsItself || len(s.Walk.Steps) != 3 || s.Walk.Steps[0].Save != "root" || s.Walk.Steps[1].Set == nil {
		t.Fatalf("walk %+v", s.Walk)
	}
	bad := map[string]string{
		"two actions":      "    - say: x\n      node: onprem-gw\n      run: ls\n      wait: 1s\n",
		"no say":           "    - node: onprem-gw\n      run: ls\n",
		"azure node":       "    - say: x\n      node: azure-gw\n      run: ls\n",
		"unknown kind":     "    - say: x\n      arm: routeTables/{rt}\n      portal: p\n      set: {properties.a: 1}\n",
		"no portal":        "    - say: x\n      arm: connections/{connection}\n      set: {properties.a: 1}\n",
		"not properties":   "    - say: x\n      arm: connections/{connection}\n      portal: p\n      set: {location: x}\n",
		"bad wait":         "    - say: x\n      wait: forever\n",
		"save without run": "    - say: x\n      wait: 1s\n      save: v\n",
	}
	for name, step := range bad {
		if _, err := Parse("bad.yaml", []byte(head+"walk:\n  steps:\n"+step)); err == nil || !strings.Contains(err.Error(), "walk") {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
}

// A recorded walk is data for people and the walk suite: every step says
// what it does, and the runner never reads it (the runner package does not
// mention it).
func TestShippedWalks(t *testing.T) {
	n := 0
	for _, s := range All() {
		for i, st := range s.Walk.Steps {
			if !strings.Contains(st.Say, "§") && !strings.Contains(st.Say, "learn.microsoft.com") && i == 0 {
				t.Errorf("%s: the walk's first step cites no seed section or Azure doc: %q", s.Name, st.Say)
			}
		}
		if len(s.Walk.Steps) > 0 {
			n++
		}
	}
	if n == 0 {
		t.Error("no scenario records a walk")
	}
}
