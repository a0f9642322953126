package training

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/scenarios"
)

// The three hint levels over the engine's verdicts on the evidence recorded
// from real lab runs (diagnose/testdata): 1 says where to look and gives
// neither the fault nor the fix, 2 what is wrong there (the verdict's
// summary and facts), 3 the fix (every step with its source); none names
// the scenario the evidence came from.
func TestHintLevelsOnRecordedVerdicts(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "diagnose", "testdata", "*.json"))
	if len(files) == 0 {
		t.Fatal("no recorded evidence in diagnose/testdata")
	}
	step := regexp.MustCompile(`^\d+\. .+ \[[^\]]+\]`)
	faults := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var ev diagnose.Evidence
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Fatal(err)
			}
			v := diagnose.Diagnose(ev)
			var hs []Hint
			for level := 1; level <= MaxLevel; level++ {
				h := Next(v, level, "bin/vpnlab", name)
				if h.Level != level {
					t.Errorf("level %d came back as %d", level, h.Level)
				}
				if s := strings.ToLower(h.String()); strings.Contains(s, name) {
					t.Errorf("level %d names the scenario %s:\n%s", level, name, h)
				}
				hs = append(hs, h)
			}
			if v.Category == diagnose.Healthy {
				if hs[0].Title != "nothing left" || !strings.Contains(hs[0].String(), "bin/vpnlab check") {
					t.Errorf("healthy: %s", hs[0])
				}
				return
			}
			faults++
			where, what, fix := hs[0], hs[1], hs[2]
			if where.Title != "where to look" || !strings.HasPrefix(where.Lines[0], "Look at ") ||
				!strings.Contains(where.String(), "bin/vpnlab lab status") {
				t.Errorf("level 1 does not say where to look:\n%s", where)
			}
			for _, s := range v.Fix {
				if strings.Contains(where.String(), s.Text) || strings.Contains(where.String(), s.Source) {
					t.Errorf("level 1 gives the fix away (%q):\n%s", s.Text, where)
				}
			}
			if strings.Contains(where.String(), v.Fault) {
				t.Errorf("level 1 names the fault %s:\n%s", v.Fault, where)
			}
			if what.Title != "what is wrong there" || len(what.Lines) < 2 ||
				!strings.Contains(what.String(), "bin/vpnlab answer --category C --fault F") {
				t.Errorf("level 2:\n%s", what)
			}
			if want := scrub(Hint{Lines: []string{v.Summary}}, []string{name}).Lines[0]; what.Lines[0] != want {
				t.Errorf("level 2 does not open with the verdict's summary %q:\n%s", want, what)
			}
			nfacts := 0
			for _, l := range what.Lines {
				if strings.HasPrefix(l, "- ") {
					nfacts++
				}
			}
			if nfacts != min(3, len(v.Facts)) || nfacts == 0 {
				t.Errorf("level 2 shows %d facts of %d:\n%s", nfacts, len(v.Facts), what)
			}
			if strings.Contains(what.String(), "[seed") {
				t.Errorf("level 2 gives the fix away:\n%s", what)
			}
			if fix.Title != "the fix" || len(v.Fix) == 0 || len(fix.Lines) != len(v.Fix)+1 {
				t.Fatalf("level 3 (%d steps in the verdict):\n%s", len(v.Fix), fix)
			}
			for i := range v.Fix {
				if !step.MatchString(fix.Lines[i]) {
					t.Errorf("level 3 step %d has no source: %q", i+1, fix.Lines[i])
				}
			}
			if !strings.Contains(fix.Lines[len(fix.Lines)-1], "bin/vpnlab check") {
				t.Errorf("level 3 does not end with the check:\n%s", fix)
			}
		})
	}
	if faults < 5 {
		t.Errorf("only %d recorded verdicts name a fault", faults)
	}
}

// Every fault a scenario expects has its own "where to look", which names
// neither the fault nor the scenario.
func TestWhereForEveryScenarioFault(t *testing.T) {
	for _, sc := range scenarios.All() {
		f := sc.Expect.Fault
		if len(sc.Faults) == 0 || f == "" {
			continue
		}
		w, ok := where[f]
		if !ok {
			t.Errorf("%s: no where-to-look for fault %s: add one to where in training/hint.go", sc.Name, f)
			continue
		}
		h := Next(diagnose.Verdict{Category: sc.Expect.Category, Fault: f, Summary: "s"}, LevelWhere, "vpnlab", sc.Name)
		if !strings.Contains(h.String(), w) {
			t.Errorf("%s: level 1 does not show its where: %s", sc.Name, h)
		}
		if strings.Contains(w, f) || strings.Contains(strings.ToLower(w), sc.Name) {
			t.Errorf("%s: where-to-look gives the answer away: %s", sc.Name, w)
		}
	}
}
