package kb_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vpnlab/vpnlab/diagnose/kb"
)

// TestYAMLSubsetAgreesWithYAMLv3 reads every knowledge-base file and every
// corpus case with the package's own YAML reader and with gopkg.in/yaml.v3
// and requires the same values: the subset reader must never read a file
// differently from a real YAML parser.
func TestYAMLSubsetAgreesWithYAMLv3(t *testing.T) {
	var paths []string
	for _, g := range []string{"faults/*.yaml", "signatures/*.yaml", "../../offline/testdata/real/*/*.yaml", "testdata/yaml/*.yaml"} {
		m, _ := filepath.Glob(g)
		paths = append(paths, m...)
	}
	if len(paths) < 10 {
		t.Fatalf("only %d files found", len(paths))
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := yaml.Unmarshal(b, &want); err != nil {
			t.Errorf("%s: yaml.v3: %v", p, err)
			continue
		}
		got, err := kb.ParseYAML(string(b))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if w := norm(want); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: the subset reader reads\n%#v\nyaml.v3 reads\n%#v", p, got, w)
		}
	}
}

// norm turns yaml.v3's values into strings, maps and slices as the subset
// reader gives them.
func norm(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			m[k] = norm(e)
		}
		return m
	case []any:
		s := make([]any, 0, len(x))
		for _, e := range x {
			s = append(s, norm(e))
		}
		return s
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func TestYAMLSubsetCases(t *testing.T) {
	cases := []string{
		"a: 1\nb: 'x''y'\nc: \"q\\\"r\\n\"\n",
		"l:\n  - a\n  - 'b # not a comment'\n  - c # comment\n",
		"l:\n- a\n- b\nm: x\n",
		"s:\n  - id: x\n    k: [a, 'b, c', \"d\"]\n    w: {category: routing, fault: x}\n  - id: y\n",
		"log: |\n  line 1\n    indented 2\n\n  line 4\nnext: v\n",
		"log: |-\n  a\n  b\n\n\nnext: v\n",
		"f: >\n  folded\n  text\n\n  para\n",
		"p: plain\n  continued\n  more\nq: x\n",
		"k: 'multi\n  line'\n",
		"# comment\n---\nk: v\n",
		"k: a: b\n",
		"e:\nf: ~\n",
		"k: [a,\n  b]\n",
		"x: \"\\u00e9\\x41\"\n",
		"log: |\n    deeper\n  \n    still\n",
		"k: '#not'\nj: a#b\n",
		"nested:\n  a:\n    b: c\n  d: [1, 2]\n",
		"seqseq:\n  - - a\n    - b\n  - - c\n",
	}
	for _, c := range cases {
		var want any
		werr := yaml.Unmarshal([]byte(c), &want)
		got, err := kb.ParseYAML(c)
		if werr != nil {
			if err == nil {
				t.Errorf("%q: yaml.v3 refuses it (%v), the subset reader reads %#v", c, werr, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v (yaml.v3 reads %#v)", c, err, want)
			continue
		}
		if w := norm(want); !reflect.DeepEqual(got, w) {
			t.Errorf("%q:\nsubset %#v\nyaml.v3 %#v", c, got, w)
		}
	}
}

func TestYAMLSubsetRefuses(t *testing.T) {
	for _, c := range []string{"a: &x 1\n", "a: *x\n", "a: !!str 1\n", "? k\n: v\n", "a: 1\n---\nb: 2\n", "a: 'open\n", "a: [1, 2\n", "a:\n\t- x\n"} {
		if _, err := kb.ParseYAML(c); err == nil {
			t.Errorf("%q: accepted", c)
		} else if !strings.Contains(err.Error(), "line") {
			t.Errorf("%q: error %v names no line", c, err)
		}
	}
}

func TestYAMLTrailingBlanks(t *testing.T) {
	for _, c := range []string{
		"log: |\n  a line with trailing blanks   \n  next\t\nk: v\n",
		"log: |\n  a\n    \n  b\n",
		"log: |\n  a\n\n",
		"log: |-\n  a  \n  \n",
	} {
		var want any
		if err := yaml.Unmarshal([]byte(c), &want); err != nil {
			t.Fatal(err)
		}
		got, err := kb.ParseYAML(c)
		if err != nil {
			t.Errorf("%q: %v", c, err)
			continue
		}
		if w := norm(want); !reflect.DeepEqual(got, w) {
			t.Errorf("%q:\nsubset %#v\nyaml.v3 %#v", c, got, w)
		}
	}
}

// FuzzYAML: the subset reader never panics, and whatever it accepts that
// yaml.v3 also accepts, it reads the same.
func FuzzYAML(f *testing.F) {
	for _, g := range []string{"faults/*.yaml", "signatures/*.yaml", "../../offline/testdata/real/*/*.yaml"} {
		m, _ := filepath.Glob(g)
		for i, p := range m {
			if i%5 != 0 {
				continue
			}
			b, err := os.ReadFile(p)
			if err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Add("a: [1, 'b', {c: d}]\nlog: |-\n  x\n")
	f.Fuzz(func(t *testing.T, src string) {
		got, err := kb.ParseYAML(src)
		if err != nil {
			return
		}
		var want any
		if yaml.Unmarshal([]byte(src), &want) != nil {
			return // the subset reader is more lenient in places; it is not a validator
		}
		if _, ok := want.(map[string]any); !ok || !onlyStrings(want) || strings.ContainsFunc(src, func(r rune) bool { return r > 0x7e || r < ' ' && r != '\n' }) {
			return // numbers, booleans and exotic line breaks are read as strings here: the files quote them
		}
		if w := norm(want); !reflect.DeepEqual(got, w) {
			t.Fatalf("%q:\nsubset %#v\nyaml.v3 %#v", src, got, w)
		}
	})
}

func TestYAMLFlowMismatchedBrackets(t *testing.T) {
	for _, c := range []string{"a: [a}]\n", "a: {b: c]}\n", "a: [,]\n", "a: {:}\n"} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = kb.ParseYAML(c)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%q: the reader does not return", c)
		}
	}
}

// onlyStrings reports whether a yaml.v3 value holds strings only.
func onlyStrings(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			if !onlyStrings(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !onlyStrings(e) {
				return false
			}
		}
		return true
	case string:
		return true
	}
	return false
}
