package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/armfile"
	"github.com/vpnlab/vpnlab/compat"
	"github.com/vpnlab/vpnlab/devconf"
)

// testCase is one entry of testdata/cases.json.
type testCase struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"` // real | defect
	Files   []string `json:"files"`
	Syntax  string   `json:"syntax"`
	Azure   []string `json:"azure"`
	Want    []want   `json:"want"`
	Source  string   `json:"source"`
	Explain string   `json:"explain"`
	// Base names the real case a defect variant was made from: its
	// findings are wanted too, one line lower (the variant's header).
	Base string `json:"base,omitempty"`
	// Fixes lists base findings the variant's edit removes.
	Fixes []string `json:"fixes,omitempty"`
}

// want is a finding that must be there; line 0 means any line.
type want struct {
	Fault    string `json:"fault"`
	Severity string `json:"severity"`
	Line     int    `json:"line"`
}

func loadCases(t testing.TB) []testCase {
	b, err := os.ReadFile("testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cs []testCase
	if err := json.Unmarshal(b, &cs); err != nil {
		t.Fatal(err)
	}
	return cs
}

func runCase(t testing.TB, c testCase) *Report {
	var paths []string
	for _, f := range c.Files {
		paths = append(paths, filepath.Join("testdata", f))
	}
	files, err := devconf.ReadFiles(paths...)
	if err != nil {
		t.Fatal(err)
	}
	az, notes := compat.Assumed(), []string(nil)
	if len(c.Azure) > 0 {
		var ap []string
		for _, f := range c.Azure {
			ap = append(ap, filepath.Join("testdata", f))
		}
		if az, notes, err = armfile.ReadFiles(ap...); err != nil {
			t.Fatal(err)
		}
	}
	rep, _, err := Static(files, c.Syntax, az, notes)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	return rep
}

// TestCases runs every real sample and defect variant: each wanted finding
// is there at its line, nothing else blocks, and no line is left
// unexplained.
func TestCases(t *testing.T) {
	all := loadCases(t)
	byName := map[string]testCase{}
	for _, c := range all {
		byName[c.Name] = c
	}
	for _, c := range all {
		t.Run(c.Name, func(t *testing.T) {
			if c.Kind == "defect" && (c.Base == "" || len(c.Want) != 1 || c.Want[0].Line == 0) {
				t.Fatalf("a defect variant names its base and exactly one finding with its line")
			}
			if b, ok := byName[c.Base]; ok {
				for _, w := range b.Want {
					if w.Fault == c.Want[0].Fault || slices.Contains(c.Fixes, w.Fault) {
						continue // the defect's own finding replaces the base's
					}
					if w.Line > 0 {
						w.Line++
					}
					c.Want = append(c.Want, w)
				}
			}
			rep := runCase(t, c)
			var blocking []Finding
			for _, f := range rep.Findings {
				if f.Severity != "note" {
					blocking = append(blocking, f)
				}
			}
			for _, w := range c.Want {
				found := false
				for _, f := range rep.Findings {
					if f.Fault == w.Fault && f.Severity == w.Severity && (w.Line == 0 || f.Line == w.Line) && f.File == filepath.Join("testdata", c.Files[0]) {
						found = true
					}
				}
				if !found {
					t.Errorf("want %s %s at line %d; got:\n%s", w.Severity, w.Fault, w.Line, describe(rep.Findings))
				}
			}
			for _, f := range blocking {
				if !wanted(c.Want, f) {
					t.Errorf("unexpected %s %s at line %d: %s", f.Severity, f.Fault, f.Line, f.Message)
				}
			}
			for _, u := range rep.Unknown {
				t.Errorf("line not understood: %s:%d: %s", u.File, u.Line, u.Text)
			}
		})
	}
}

func wanted(ws []want, f Finding) bool {
	for _, w := range ws {
		if w.Fault == f.Fault && w.Severity == f.Severity {
			return true
		}
	}
	return false
}

func describe(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s:%d %s %s/%s %s\n", f.File, f.Line, f.Severity, f.Category, f.Fault, f.Message)
	}
	return b.String()
}

// TestNoSecretInOutput: keys from the configurations and the Azure side
// appear in neither the text nor the JSON report.
func TestNoSecretInOutput(t *testing.T) {
	secrets := []string{"sharedsecret", "DeviceSideKey42", "AzureSideKey42", "mEEVg4KXSl5nFJk3yDZbSj7wTNN5wxFt", "'secret'", "asdfadfadfsafasdfasdf", "asdfasdfasdfasdf"}
	for _, c := range loadCases(t) {
		rep := runCase(t, c)
		var buf bytes.Buffer
		rep.WriteText(&buf)
		if err := rep.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(buf.String(), s) {
				t.Errorf("%s: report contains a key", c.Name)
			}
		}
	}
}

// BenchmarkStatic measures static validation per configuration (the
// target is 50 ms): import, Azure side, checks and the JSON report.
// It reports wall time and CPU time (getrusage) per configuration: on a
// loaded machine the first counts other processes' time too.
func BenchmarkStatic(b *testing.B) {
	cs := loadCases(b)
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range cs {
			rep := runCase(b, c)
			_ = rep.WriteJSON(&bytes.Buffer{})
		}
	}
	n := float64(b.N * len(cs))
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/n, "ms/config")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/n, "cpu-ms/config")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStaticLargest is the largest real configuration alone: the
// FortiGate full configuration, 10,684 lines.
func BenchmarkStaticLargest(b *testing.B) {
	var c testCase
	for _, x := range loadCases(b) {
		if x.Name == "fortigate-full" {
			c = x
		}
	}
	cpu0 := cpuTime()
	for b.Loop() {
		rep := runCase(b, c)
		_ = rep.WriteJSON(&bytes.Buffer{})
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/config")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/config")
}
