package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Walk is how a trainee repairs a scenario's fault the real way: through
// the device's own CLI (a node's shell), the ARM API (what the portal's
// blade sends) or by waiting. It is data for people and for the walk
// step of each scenario's spec (suites/scenarios_test.go); the runner and the
// engine never read it.
type Walk struct {
	// HealsItself: the lab recovers without a fix (a failover, a
	// reapplied connection); the trainee's first check finds it up again
	// and names only the loss in its history.
	HealsItself bool `yaml:"heals_itself"`
	// Steps are run in order.
	Steps []WalkStep `yaml:"steps"`
}

// WalkStep is one thing the trainee does. Exactly one of Run, ARM and
// Wait is set.
type WalkStep struct {
	// Say is what the step does and why, citing its seed section or
	// Azure doc.
	Say string `yaml:"say"`
	// Node and Run: a shell script run in the node (`vpnlab lab exec NODE
	// -- sh -c RUN`); it must exit 0. Save names a variable that takes its
	// standard output (trimmed), used as ${NAME} in later ARM values.
	Node string `yaml:"node"`
	Run  string `yaml:"run"`
	Save string `yaml:"save"`
	// ARM is a resource ({gateway}, {lng} or {connection}, e.g.
	// "localNetworkGateways/{lng}") read with GET, changed at the dotted
	// paths of Set and written back with PUT, as `az ... update` does;
	// Portal names the blade that makes the same change.
	ARM    string         `yaml:"arm"`
	Set    map[string]any `yaml:"set"`
	Portal string         `yaml:"portal"`
	// Delete deletes the ARM resource instead (no set).
	Delete bool `yaml:"delete"`
	// Wait is a pause (e.g. for a failover to finish).
	Wait string `yaml:"wait"`
}

// WalkNodes are the nodes a walk may run commands in: the trainee's
// shells on the device, the on-prem LAN, the internet edge, the P2S client
// and the customer's RADIUS server VM (never an Azure gateway instance:
// Azure is reached through its API).
var WalkNodes = []string{"onprem-gw", "onprem-host", "internet", "p2s-client", "azure-radius"}

// ARMKinds are the resource kinds a walk may change.
var ARMKinds = map[string]string{
	"virtualNetworkGateways": "{gateway}",
	"localNetworkGateways":   "{lng}",
	"connections":            "{connection}",
}

// armChildren are the VNet's child resources a walk may change or delete
// (virtualNetworks/{vnet}/<child>/<name>).
var armChildren = []string{"subnets", "virtualNetworkPeerings"}

// armResource reports whether a walk may address resource.
func armResource(resource string) bool {
	kind, name, _ := strings.Cut(resource, "/")
	if ARMKinds[kind] == name && name != "" {
		return true
	}
	p := strings.Split(resource, "/")
	return len(p) == 4 && p[0] == "virtualNetworks" && p[1] == "{vnet}" && slices.Contains(armChildren, p[2]) && p[3] != ""
}

// check validates a walk; errors name the step.
func (w Walk) check() error {
	for i, s := range w.Steps {
		n := 0
		for _, set := range []bool{s.Run != "", s.ARM != "", s.Wait != ""} {
			if set {
				n++
			}
		}
		at := fmt.Sprintf("walk.steps[%d]", i)
		if n != 1 {
			return fmt.Errorf("%s: give exactly one of run, arm, wait", at)
		}
		if strings.TrimSpace(s.Say) == "" {
			return fmt.Errorf("%s: say what the step does and cite its source", at)
		}
		switch {
		case s.Run != "":
			if !slices.Contains(WalkNodes, s.Node) {
				return fmt.Errorf("%s: node %q is not one of %s", at, s.Node, strings.Join(WalkNodes, ", "))
			}
		case s.ARM != "":
			if !armResource(s.ARM) {
				return fmt.Errorf("%s: arm %q: want virtualNetworkGateways/{gateway}, localNetworkGateways/{lng}, connections/{connection} or virtualNetworks/{vnet}/(subnets|virtualNetworkPeerings)/NAME", at, s.ARM)
			}
			if (len(s.Set) == 0) != s.Delete || s.Portal == "" {
				return fmt.Errorf("%s: an arm step needs set (or delete) and portal", at)
			}
			for p := range s.Set {
				if !strings.HasPrefix(p, "properties.") {
					return fmt.Errorf("%s: set %q: only properties.* can change", at, p)
				}
			}
		default:
			if d, err := time.ParseDuration(s.Wait); err != nil || d <= 0 || d > 5*time.Minute {
				return fmt.Errorf("%s: wait %q: want a duration up to 5m", at, s.Wait)
			}
		}
		if s.Save != "" && s.Run == "" {
			return fmt.Errorf("%s: save needs run", at)
		}
	}
	return nil
}
