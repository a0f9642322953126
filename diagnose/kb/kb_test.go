package kb

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// TestEmbedded validates the embedded knowledge base: Load checks every
// fault (category, source, fix steps with sources) and every signature
// (compiles, known fault, matches each of its examples).
func TestEmbedded(t *testing.T) {
	k, err := Load(files)
	if err != nil {
		t.Fatalf("knowledge base:\n%v", err)
	}
	fams := 0
	for _, f := range k.Families {
		if len(f.Signatures) > 0 {
			fams++
		}
	}
	t.Logf("knowledge base: %d faults, %d signatures, %d families with signatures", len(k.Faults), len(k.Signatures), fams)
	for _, c := range Categories {
		n := 0
		for _, f := range k.Faults {
			if f.Category == c {
				n++
			}
		}
		if n == 0 {
			t.Errorf("no fault of category %s", c)
		}
	}
}

// TestEveryFaultHasSignatures: a fault nothing reveals cannot be diagnosed
// from logs. The exceptions are faults no message names (only the
// configuration or structured evidence shows them); each says why.
func TestEveryFaultHasSignatures(t *testing.T) {
	noMessage := map[string]string{
		// p2s-profile-outdated has OpenVPN signatures now (a tls-auth /
		// tls-crypt key or ca block the gateway does not share).
	}
	k := Default()
	for _, f := range k.Faults {
		why, exempt := noMessage[f.ID]
		switch {
		case len(f.Signatures) == 0 && !exempt:
			t.Errorf("%s: fault %s has no signature", f.File, f.ID)
		case len(f.Signatures) > 0 && exempt:
			t.Errorf("fault %s has signatures now: drop it from the exceptions (%s)", f.ID, why)
		}
	}
}

// TestExamplesRecognised: an example line should be recognised as its own
// family's, else the verdict counts it as a line it could not place.
func TestExamplesRecognised(t *testing.T) {
	k := Default()
	sc := k.NewScanner()
	for _, s := range k.Signatures {
		for _, ex := range s.Examples {
			_, hits := sc.Scan(ex)
			found := false
			for _, h := range hits {
				if h == s {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: signature %s does not match its example %q through the scanner (literal prefilter defect)", s.Pos, s.ID, ex)
			}
		}
	}
}

// TestScannerAgreesWithRegexp: the prefilter never loses a match, nor
// invents one: every signature's own example variants, and a sample of
// all examples against every signature (a full cross product costs
// seconds per hundred signatures).
func TestScannerAgreesWithRegexp(t *testing.T) {
	k := Default()
	sc := k.NewScanner()
	check := func(line string, sigs []*Signature) {
		_, hits := sc.Scan(line)
		got := map[*Signature]bool{}
		for _, h := range hits {
			got[h] = true
		}
		for _, s := range sigs {
			if s.Match.MatchString(line) != got[s] {
				t.Errorf("line %q: signature %s regexp says %v, scanner says %v", line, s.ID, s.Match.MatchString(line), got[s])
			}
		}
	}
	var sample []string
	for i, s := range k.Signatures {
		for _, ex := range s.Examples {
			for _, l := range []string{ex, strings.ToUpper(ex), "prefix " + ex + " suffix", ex[:len(ex)/2]} {
				check(l, []*Signature{s})
			}
			if i%7 == 0 {
				sample = append(sample, ex)
			}
		}
	}
	for _, l := range sample {
		check(l, k.Signatures)
	}
	// Every line of the real-incident corpus, against every signature.
	paths, _ := filepath.Glob("../../offline/testdata/real/*/*.yaml")
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.Index(string(raw), "\nlog: |"); i >= 0 {
			for _, l := range strings.Split(string(raw[i+8:]), "\n") {
				check(strings.TrimSpace(l), k.Signatures)
			}
		}
	}
	if len(paths) == 0 {
		t.Error("no corpus under ../../offline/testdata/real")
	}
}

func TestLoadErrors(t *testing.T) {
	good := "id: x\ncategory: routing\ntitle: t\nsources: ['seed 000 §5.5']\nfix:\n  - step: do it\n    source: seed 000 §5.5\n"
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"bad category", map[string]string{"faults/x.yaml": strings.Replace(good, "routing", "routin", 1)}, `faults/x.yaml:2: category: "routin" is not one of`},
		{"no source", map[string]string{"faults/x.yaml": strings.Replace(good, "sources: ['seed 000 §5.5']\n", "", 1)}, "faults/x.yaml:1: sources: at least one source"},
		{"no fix", map[string]string{"faults/x.yaml": good[:strings.Index(good, "fix:")]}, "fix: at least one step"},
		{"unknown field", map[string]string{"faults/x.yaml": good + "colour: red\n"}, `faults/x.yaml:8: fault: unknown field "colour"`},
		{"id differs from file", map[string]string{"faults/y.yaml": good}, `id: "x" differs from the file name`},
		{"step without source", map[string]string{"faults/x.yaml": strings.Replace(good, "    source: seed 000 §5.5\n", "", 1)}, "faults/x.yaml:6: source: missing"},
		{"bad regexp", map[string]string{"faults/x.yaml": good, "signatures/generic.yaml": "family: generic\nsignatures:\n  - id: s\n    fault: x\n    match: 'a(b'\n    strength: weak\n    examples: [ab]\n"}, "signatures/generic.yaml:5: match: error parsing regexp"},
		{"unknown fault", map[string]string{"faults/x.yaml": good, "signatures/generic.yaml": "family: generic\nsignatures:\n  - id: s\n    fault: nope\n    match: 'ab'\n    strength: weak\n    examples: [ab]\n"}, `signatures/generic.yaml:3: fault: unknown fault "nope"`},
		{"example does not match", map[string]string{"faults/x.yaml": good, "signatures/generic.yaml": "family: generic\nsignatures:\n  - id: s\n    fault: x\n    match: 'ab'\n    strength: weak\n    examples: [cd]\n"}, `signatures/generic.yaml:7: examples: signature s does not match its example "cd"`},
		{"no example", map[string]string{"faults/x.yaml": good, "signatures/generic.yaml": "family: generic\nsignatures:\n  - id: s\n    fault: x\n    match: 'ab'\n    strength: weak\n"}, "signatures/generic.yaml:3: examples: signature s needs at least one example"},
		{"bad strength", map[string]string{"faults/x.yaml": good, "signatures/generic.yaml": "family: generic\nsignatures:\n  - id: s\n    fault: x\n    match: 'ab'\n    strength: huge\n    examples: [ab]\n"}, `signatures/generic.yaml:6: strength: "huge"`},
		{"unknown family", map[string]string{"faults/x.yaml": good, "signatures/z.yaml": "family: nokia\nsignatures: []\n"}, `signatures/z.yaml:1: family: "nokia" is not one of`},
		{"duplicate signature", map[string]string{"faults/x.yaml": good,
			"signatures/a.yaml": "family: generic\nsignatures:\n  - id: s\n    fault: x\n    match: 'ab'\n    strength: weak\n    examples: [ab]\n",
			"signatures/b.yaml": "family: generic\nsignatures:\n  - id: s\n    fault: x\n    match: 'ab'\n    strength: weak\n    examples: [ab]\n"}, `signatures/b.yaml:3: id: signature "s" is already defined at signatures/a.yaml:3`},
		{"double-quoted regexp escape", map[string]string{"faults/x.yaml": good, "signatures/generic.yaml": "family: generic\nsignatures:\n  - id: s\n    fault: x\n    match: \"a\\d\"\n    strength: weak\n    examples: [a1]\n"}, `unknown escape \d`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := fstest.MapFS{}
			for n, s := range c.files {
				m[n] = &fstest.MapFile{Data: []byte(s)}
			}
			if _, ok := c.files["signatures/generic.yaml"]; !ok {
				if len(filesUnder(c.files, "signatures/")) == 0 {
					m["signatures/empty.yaml"] = &fstest.MapFile{Data: []byte("family: generic\nsignatures: []\n")}
				}
			}
			_, err := Load(m)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load: %v\nwant an error containing %q", err, c.want)
			}
		})
	}
}

func filesUnder(m map[string]string, dir string) []string {
	var out []string
	for n := range m {
		if strings.HasPrefix(n, dir) {
			out = append(out, n)
		}
	}
	return out
}

var _ fs.FS = files

// BenchmarkScan is the scanner alone over the real-incident corpus's
// lines (every family's recognisers and every signature).
func BenchmarkScan(b *testing.B) {
	paths, _ := filepath.Glob("../../offline/testdata/real/*/*.yaml")
	var lines []string
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if i := strings.Index(string(raw), "\nlog: |"); i >= 0 {
			for _, l := range strings.Split(string(raw[i+8:]), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					lines = append(lines, l)
				}
			}
		}
	}
	if len(lines) == 0 {
		b.Skip("no corpus")
	}
	sc := Default().NewScanner()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, l := range lines {
			sc.Scan(l)
		}
		n += len(lines)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
}
