package scenarios

import (
	"fmt"
	"sort"
	"strings"
)

// Scenario is one lab scenario.
type Scenario struct {
	Name    string
	Summary string
}

// All returns every scenario, by name.
func All() []Scenario {
	return []Scenario{
		{Name: "healthy", Summary: "A working route-based IKEv2 tunnel with BGP: the baseline every fault departs from."},
	}
}

// Lookup finds a scenario by name; the error lists the known names.
func Lookup(name string) (Scenario, error) {
	var names []string
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return Scenario{}, fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(names, ", "))
}
