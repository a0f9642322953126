package offline

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/diagnose/kb"
)

// The corpus of real incidents (issue 8): testdata/real/<family>/<slug>.yaml,
// one verbatim excerpt a person posted in a public thread with the cause
// someone there stated. TestCorpus reads each case's log as a user would
// hand it to `vpnlab diagnose --from`, runs the engine and compares the
// category and fault. It prints the accuracy per family; it fails only on
// regressions: a malformed case, an input refused as unreadable, a crash.
//
//	go test ./offline -run TestCorpus -v                        # the table
//	go test ./offline -run TestCorpus -v -args -corpus.detail   # and every miss with its verdict
//	go test ./offline -run TestCorpus -v -args -corpus.family=cisco-asa -corpus.detail
var (
	corpusDetail = flag.Bool("corpus.detail", false, "print every corpus case the engine gets wrong, with its verdict")
	corpusFamily = flag.String("corpus.family", "", "run only this family's corpus cases")
)

// corpusCase is one file of testdata/real.
type corpusCase struct {
	Source      string `yaml:"source"`
	Title       string `yaml:"title"`
	Family      string `yaml:"family"`
	StatedCause string `yaml:"stated_cause"`
	Want        struct {
		Category string `yaml:"category"`
		Fault    string `yaml:"fault"`
	} `yaml:"want"`
	Log string `yaml:"log"`

	path string
}

// corpusResult is one case's outcome.
type corpusResult struct {
	c        corpusCase
	v        diagnose.Verdict
	catOK    bool
	faultOK  bool
	confWrng bool // confidence >= 0.7 and the wrong category
}

// loadCorpus reads and validates every case; problems are errors naming
// the file and field.
func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	paths, _ := filepath.Glob("testdata/real/*/*.yaml")
	k := kb.Default()
	var out []corpusCase
	seen := map[string]string{} // source URL -> the case that cites it
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var c corpusCase
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		c.path = p
		fam := filepath.Base(filepath.Dir(p))
		switch {
		case !strings.HasPrefix(c.Source, "http://") && !strings.HasPrefix(c.Source, "https://"):
			t.Errorf("%s: source: %q is not the URL of the public thread", p, c.Source)
		case seen[c.Source] != "":
			t.Errorf("%s: source: %s is already the thread of %s (one case a thread)", p, c.Source, seen[c.Source])
		case c.Family != fam:
			t.Errorf("%s: family: %q, but the file is under %s/", p, c.Family, fam)
		case !slices.Contains(kb.Families, c.Family):
			t.Errorf("%s: family: %q is not one of %s", p, c.Family, strings.Join(kb.Families, ", "))
		case strings.TrimSpace(c.StatedCause) == "":
			t.Errorf("%s: stated_cause: missing (only threads where someone stated the cause)", p)
		case strings.TrimSpace(c.Log) == "":
			t.Errorf("%s: log: missing", p)
		case k.Fault(c.Want.Fault) == nil:
			t.Errorf("%s: want.fault: %q is not a fault of the knowledge base", p, c.Want.Fault)
		case k.Fault(c.Want.Fault).Category != c.Want.Category:
			t.Errorf("%s: want.category: %q, but fault %s is %s", p, c.Want.Category, c.Want.Fault, k.Fault(c.Want.Fault).Category)
		default:
			seen[c.Source] = p
			if *corpusFamily == "" || *corpusFamily == c.Family {
				out = append(out, c)
			}
		}
	}
	return out
}

// runCorpusCase reads one case's log as `diagnose --from` would and
// diagnoses it.
func runCorpusCase(c corpusCase) (v diagnose.Verdict, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	name := strings.TrimSuffix(filepath.Base(c.path), ".yaml") + ".log"
	ev, _, perr := Parse(map[string][]byte{name: []byte(c.Log)})
	if perr != nil && errors.Is(perr, ErrNotLog) {
		return v, perr
	}
	return diagnose.Diagnose(ev), nil
}

func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) == 0 {
		t.Skip("no corpus cases under testdata/real yet")
	}
	var res []corpusResult
	for _, c := range cases {
		v, err := runCorpusCase(c)
		if err != nil {
			t.Errorf("%s: %v (a corpus case must be read and diagnosed)", c.path, err)
			continue
		}
		r := corpusResult{c: c, v: v, catOK: v.Category == c.Want.Category, faultOK: v.Fault == c.Want.Fault}
		r.confWrng = !r.catOK && v.Confidence >= 0.7
		res = append(res, r)
	}
	t.Log("\n" + corpusTable(res))
	if *corpusDetail {
		for _, r := range res {
			if r.faultOK {
				continue
			}
			t.Logf("MISS %s\n  want %s/%s (%s)\n  got  %s/%s %.2f — %s\n  cited %d, candidates %v, families %v, unplaced %d of %d",
				r.c.path, r.c.Want.Category, r.c.Want.Fault, r.c.StatedCause, r.v.Category, r.v.Fault, r.v.Confidence, r.v.Summary,
				len(r.v.Cited), candidateNames(r.v), r.v.Families, r.v.Unplaced, r.v.Lines)
		}
	}
}

func candidateNames(v diagnose.Verdict) []string {
	var out []string
	for _, c := range v.Candidates {
		out = append(out, fmt.Sprintf("%s %.2f", c.Fault, c.Confidence))
	}
	return out
}

// corpusTable prints accuracy per family and in total: category %, fault
// %, confident-wrong (confidence >= 0.7 and the wrong category), unknown.
func corpusTable(res []corpusResult) string {
	type row struct{ n, cat, fault, cw, unknown int }
	rows := map[string]*row{}
	total := &row{}
	for _, r := range res {
		x := rows[r.c.Family]
		if x == nil {
			x = &row{}
			rows[r.c.Family] = x
		}
		for _, y := range []*row{x, total} {
			y.n++
			if r.catOK {
				y.cat++
			}
			if r.faultOK {
				y.fault++
			}
			if r.confWrng {
				y.cw++
			}
			if r.v.Category == diagnose.Unknown {
				y.unknown++
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "corpus accuracy (targets: category >= 90%%, fault >= 80%%, 0 confident-wrong)\n")
	fmt.Fprintf(&b, "%-18s %5s %10s %10s %15s %8s\n", "family", "cases", "category", "fault", "confident-wrong", "unknown")
	line := func(name string, x *row) {
		fmt.Fprintf(&b, "%-18s %5d %9.1f%% %9.1f%% %15d %8d\n", name, x.n, pct(x.cat, x.n), pct(x.fault, x.n), x.cw, x.unknown)
	}
	for _, f := range kb.Families {
		if x := rows[f]; x != nil {
			line(f, x)
		}
	}
	line("all", total)
	return b.String()
}

func pct(a, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(a) / float64(n)
}
