package validate

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/vpnlab/vpnlab/compat"
	"github.com/vpnlab/vpnlab/devconf"
)

// Report is the outcome of a static validation. Its JSON shape is stable:
// fields are only ever added.
type Report struct {
	File     string         `json:"file"`
	Syntax   string         `json:"syntax"`
	Azure    AzureSide      `json:"azure"`
	Findings []Finding      `json:"findings"`
	Unknown  []devconf.Line `json:"unknown"` // configuration lines not understood
	Skipped  []Skipped      `json:"skipped"` // blocks skipped on purpose
	Summary  map[string]int `json:"summary"` // findings by severity
	Live     *LiveReport    `json:"live,omitempty"`
}

// AzureSide says what the Azure side was.
type AzureSide struct {
	Assumed bool     `json:"assumed"` // no --azure: Azure's defaults
	Files   []string `json:"files"`
	Notes   []string `json:"notes,omitempty"`
}

// Finding is compat.Finding in the report's stable JSON shape.
type Finding struct {
	File       string `json:"file"`
	Line       int    `json:"line"`
	Severity   string `json:"severity"`
	Category   string `json:"category"`
	Fault      string `json:"fault"`
	Check      string `json:"check"`
	Message    string `json:"message"`
	Rule       string `json:"rule"`
	RuleSource string `json:"rule_source"`
	Fix        string `json:"fix"`
}

// Skipped is a span of lines skipped on purpose.
type Skipped struct {
	File  string `json:"file"`
	Lines string `json:"lines"`
	Why   string `json:"why"`
}

// Static imports files (syntax "" detects it) and checks them against az.
func Static(files []devconf.File, syntax string, az compat.Azure, azNotes []string) (*Report, *devconf.Result, error) {
	res, err := devconf.Import(syntax, files...)
	if err != nil {
		return nil, nil, err
	}
	fs := compat.Check(res.Device, az)
	rep := &Report{File: files[0].Name, Syntax: res.Syntax, Summary: map[string]int{}, Findings: []Finding{},
		Unknown: []devconf.Line{}, Skipped: []Skipped{}}
	rep.Azure.Assumed = len(az.Given) == 0
	rep.Azure.Files = []string{}
	for _, p := range []compat.Part{compat.PartGateway, compat.PartVNet, compat.PartLocalGateway, compat.PartConnection} {
		if f := az.Files[p]; f != "" && !slices.Contains(rep.Azure.Files, f) {
			rep.Azure.Files = append(rep.Azure.Files, f)
		}
	}
	rep.Azure.Notes = azNotes
	syn, _ := devconf.Lookup(res.Syntax)
	for _, f := range fs {
		fix := f.Fix
		if hint := syn.FixHint(f); hint != "" {
			fix += " On this device: " + hint
		}
		rep.Findings = append(rep.Findings, Finding{File: f.File, Line: f.Line, Severity: f.Severity.String(),
			Category: f.Category, Fault: f.Fault, Check: f.Check, Message: f.Message, Rule: f.Rule,
			RuleSource: f.RuleSrc, Fix: fix})
		rep.Summary[f.Severity.String()]++
	}
	for _, u := range res.Unknown {
		u.Text = redact(u.Text)
		rep.Unknown = append(rep.Unknown, u)
	}
	for _, s := range res.Skipped {
		rep.Skipped = append(rep.Skipped, Skipped{File: s.File, Lines: s.Lines(), Why: s.Why})
	}
	return rep, res, nil
}

// A line that may hold a key is never shown.
var secretish = regexp.MustCompile(`(?i)(key|secret|psk|passw|pass-phrase|passphrase|community)`)

func redact(s string) string {
	if secretish.MatchString(s) {
		return "(not shown: the line may hold a secret)"
	}
	return s
}

// Blocking reports whether a finding worse than a note was made.
func (r *Report) Blocking() bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Severity != "note" })
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for a person.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%s: read as %s\n", r.File, r.Syntax)
	if r.Azure.Assumed {
		fmt.Fprintln(w, "Azure side: not given (--azure); assumed a route-based VpnGw1 gateway with Azure's defaults")
	} else {
		fmt.Fprintf(w, "Azure side: %s\n", strings.Join(r.Azure.Files, ", "))
	}
	for _, n := range r.Azure.Notes {
		fmt.Fprintln(w, "  note:", n)
	}
	fmt.Fprintln(w)
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "no findings")
	}
	for _, f := range r.Findings {
		loc := f.File
		if f.Line > 0 {
			loc = fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if loc == "" {
			loc = "-"
		}
		id := f.Check
		if f.Fault != "" {
			id = f.Category + "/" + f.Fault
		}
		fmt.Fprintf(w, "%s: %s [%s] %s\n", loc, strings.ToUpper(f.Severity), id, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(w, "    fix: %s\n", f.Fix)
		}
		if f.Severity != "note" {
			fmt.Fprintf(w, "    rule: %s (%s)\n", f.Rule, f.RuleSource)
		}
	}
	if len(r.Unknown) > 0 {
		fmt.Fprintf(w, "\n%d configuration line(s) not understood (not checked):\n", len(r.Unknown))
		for _, u := range r.Unknown {
			fmt.Fprintf(w, "  %s:%d: %s\n", u.File, u.Line, u.Text)
		}
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintf(w, "\n%d block(s) skipped on purpose (no bearing on the connection to Azure); --json lists them\n", len(r.Skipped))
	}
	if l := r.Live; l != nil {
		fmt.Fprintf(w, "\nlive proof (lab %s, %.1f s, of which %.1f s starting the lab and %.1f s removing it):\n", l.Lab, l.Seconds, l.StartSeconds, l.StopSeconds)
		for _, s := range l.Steps {
			mark := "PASS"
			if !s.Passed {
				mark = "FAIL"
			}
			fmt.Fprintf(w, "  %s  %-50s %5.1f s  %s\n", mark, s.Name, s.Seconds, s.Detail)
			if s.Verdict != "" {
				fmt.Fprintf(w, "        engine's verdict: %s\n", s.Verdict)
			}
		}
		for _, u := range l.Unexpressed {
			fmt.Fprintf(w, "  not expressed by the lab's stand-in: %s\n", u)
		}
	}
	fmt.Fprintf(w, "\nsummary: %d down, %d latent, %d degrades, %d notes\n",
		r.Summary["down"], r.Summary["latent"], r.Summary["degrades"], r.Summary["note"])
}
