package exam

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/vpnlab/vpnlab/scenarios"
)

// Filter is what an exam may draw from.
type Filter struct {
	// Category keeps the scenarios whose expected category it names
	// (empty: all).
	Category string
	// Pool keeps only the scenarios named (empty: all); an instructor's
	// choice, never shown to the trainee.
	Pool []string
}

// Candidates are the fault scenarios f allows, sorted by name (so that a
// seed picks the same cases whatever order the catalogue lists them in).
func Candidates(all []scenarios.Scenario, f Filter) ([]scenarios.Scenario, error) {
	for _, n := range f.Pool {
		if !slices.ContainsFunc(all, func(s scenarios.Scenario) bool { return s.Name == n }) {
			return nil, fmt.Errorf("exam: no scenario %q in the pool", n)
		}
	}
	var out []scenarios.Scenario
	for _, s := range all {
		if len(s.Faults) == 0 {
			continue
		}
		if f.Category != "" && !strings.EqualFold(s.Expect.Category, f.Category) {
			continue
		}
		if len(f.Pool) > 0 && !slices.Contains(f.Pool, s.Name) {
			continue
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b scenarios.Scenario) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Pick draws count distinct scenarios from the candidates in an order
// fixed by seed: the same seed and candidates give the same exam.
func Pick(cands []scenarios.Scenario, count int, seed uint64) ([]scenarios.Scenario, error) {
	if count < 1 {
		return nil, fmt.Errorf("exam: --count must be at least 1 (got %d)", count)
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("exam: no scenario matches")
	}
	if count > len(cands) {
		return nil, fmt.Errorf("exam: --count %d but only %d scenarios match", count, len(cands))
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	idx := r.Perm(len(cands))[:count]
	out := make([]scenarios.Scenario, count)
	for i, j := range idx {
		out[i] = cands[j]
	}
	return out, nil
}
