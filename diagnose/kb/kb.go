package kb

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
)

//go:embed faults/*.yaml signatures/*.yaml
var files embed.FS

// Categories (seed 000 §5.1), in the isolation order of seed 000 §5.2.
var Categories = []string{"tunnel-setup", "authentication", "routing", "operations"}

// Families are the log families a signature file may declare.
var Families = []string{
	"strongswan", "libreswan", "cisco-ios", "cisco-asa", "juniper-srx", "fortigate", "paloalto",
	"mikrotik", "windows", "apple", "openvpn", "azure-diagnostics", "bgp", "freeradius", "generic",
}

// Strengths of a signature, strongest first.
const (
	Strong = "strong" // the message names the cause
	Medium = "medium" // it points at the cause
	Weak   = "weak"   // a symptom
)

// Sides that print a message.
var Sides = []string{"device", "azure", "client", "either"}

// Fault is one fault of the catalog: diagnose/kb/faults/<id>.yaml.
type Fault struct {
	ID          string
	Category    string
	Title       string
	Sources     []string
	NWFault     string // Network Watcher fault id, optional
	Scope       string // s2s, p2s or both
	Explains    []string
	Fix         []Step
	CollectNext []string
	File        string
	Signatures  []*Signature // filled from the signature files
}

// Step is one step of a fault's fix.
type Step struct {
	Text   string
	Source string
	Azure  string // portal path or az / PowerShell command, optional
	Device string // device command, optional
}

// Family is one log family, merged from every file that declares it.
type Family struct {
	ID         string
	Title      string
	Recognise  []*regexp.Regexp
	Signatures []*Signature
	Files      []string
}

// Signature is one message that reveals a fault.
type Signature struct {
	ID      string
	Family  string
	Fault   string
	Pattern string
	Match   *regexp.Regexp // compiled case-insensitively
	// After, when set, is a context the line needs: the signature counts
	// only when the line before it (of the same input) matches After
	// ("depth=1 ..." before OpenSSL's "verify error"). A line it counts
	// for is read by it alone: it is more specific than the line's other
	// signatures.
	After       *regexp.Regexp
	AfterText   string
	Strength    string
	Consequence bool
	Side        string
	Note        string
	Examples    []string
	Pos         string // file:line of its id, for errors
	index       int
}

// KB is the knowledge base: faults and the signatures that reveal them.
type KB struct {
	Faults     []*Fault
	Families   []*Family
	Signatures []*Signature
	faults     map[string]*Fault
	families   map[string]*Family
	matcher    *matcher
}

// Fault returns the fault with id, or nil.
func (k *KB) Fault(id string) *Fault { return k.faults[id] }

var (
	defaultOnce sync.Once
	defaultKB   *KB
	defaultErr  error
)

// Default returns the knowledge base embedded in the binary. The files are
// validated by this package's tests, so an error here is a build defect: it
// panics with the file, line and field.
func Default() *KB {
	defaultOnce.Do(func() { defaultKB, defaultErr = Load(files) })
	if defaultErr != nil {
		panic("vpnlab knowledge base: " + defaultErr.Error())
	}
	return defaultKB
}

// Load reads faults/*.yaml and signatures/*.yaml from fsys and validates
// them: every fault has a known category, a source, at least one fix step
// with its source; every signature has a unique id, compiles, names a known
// fault and matches each of its examples. Errors name the file, line and
// field; all of them are returned.
func Load(fsys fs.FS) (*KB, error) {
	k := &KB{faults: map[string]*Fault{}, families: map[string]*Family{}}
	var errs []error
	fail := func(file string, line int, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, a...)))
	}
	read := func(dir string) []string {
		names, err := fs.Glob(fsys, dir+"/*.yaml")
		if err != nil {
			errs = append(errs, err)
		}
		slices.Sort(names)
		return names
	}
	parse := func(name string) *node {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		n, err := parseYAML(string(b))
		if err != nil {
			var ye *yamlError
			if errors.As(err, &ye) {
				fail(name, ye.line, "%s", ye.msg)
			} else {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			return nil
		}
		if n.kind != mapNode {
			fail(name, n.line, "the file must be a mapping")
			return nil
		}
		return n
	}

	for _, name := range read("faults") {
		n := parse(name)
		if n == nil {
			continue
		}
		f, ferrs := decodeFault(name, n)
		errs = append(errs, ferrs...)
		if f == nil {
			continue
		}
		if want := strings.TrimSuffix(path.Base(name), ".yaml"); f.ID != want {
			fail(name, n.line, "id: %q differs from the file name (%s.yaml)", f.ID, want)
		}
		if _, dup := k.faults[f.ID]; dup {
			fail(name, n.line, "id: %q is defined twice", f.ID)
			continue
		}
		k.faults[f.ID] = f
		k.Faults = append(k.Faults, f)
	}
	for _, f := range k.Faults {
		for _, e := range f.Explains {
			if k.faults[e] == nil {
				fail(f.File, 1, "explains: unknown fault %q", e)
			}
		}
	}

	sigIDs := map[string]string{}
	for _, name := range read("signatures") {
		n := parse(name)
		if n == nil {
			continue
		}
		fam, sigs, ferrs := decodeSignatures(name, n)
		errs = append(errs, ferrs...)
		if fam == nil {
			continue
		}
		have := k.families[fam.ID]
		if have == nil {
			have = &Family{ID: fam.ID, Title: fam.Title}
			k.families[fam.ID] = have
			k.Families = append(k.Families, have)
		}
		if have.Title == "" {
			have.Title = fam.Title
		}
		have.Files = append(have.Files, name)
		have.Recognise = append(have.Recognise, fam.Recognise...)
		for _, s := range sigs {
			if prev, dup := sigIDs[s.ID]; dup {
				fail(name, posLine(s.Pos), "id: signature %q is already defined at %s", s.ID, prev)
				continue
			}
			sigIDs[s.ID] = s.Pos
			f := k.faults[s.Fault]
			if f == nil {
				fail(name, posLine(s.Pos), "fault: unknown fault %q (signature %s)", s.Fault, s.ID)
				continue
			}
			s.index = len(k.Signatures)
			k.Signatures = append(k.Signatures, s)
			have.Signatures = append(have.Signatures, s)
			f.Signatures = append(f.Signatures, s)
		}
	}
	slices.SortFunc(k.Families, func(a, b *Family) int {
		return slices.Index(Families, a.ID) - slices.Index(Families, b.ID)
	})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	k.matcher = newMatcher(k)
	return k, nil
}

func posLine(pos string) int {
	var l int
	if i := strings.LastIndexByte(pos, ':'); i >= 0 {
		fmt.Sscanf(pos[i+1:], "%d", &l)
	}
	return l
}

// decoder reads a mapping strictly: unknown keys and wrong shapes are
// errors with the file and line.
type decoder struct {
	file string
	errs []error
}

func (d *decoder) fail(line int, format string, a ...any) {
	d.errs = append(d.errs, fmt.Errorf("%s:%d: %s", d.file, line, fmt.Sprintf(format, a...)))
}

// fields checks n's keys against allowed and returns n's values by key.
func (d *decoder) fields(n *node, what string, allowed ...string) map[string]*node {
	m := map[string]*node{}
	if n == nil || n.kind != mapNode {
		line := 0
		if n != nil {
			line = n.line
		}
		d.fail(line, "%s must be a mapping", what)
		return m
	}
	for i, key := range n.keys {
		if !slices.Contains(allowed, key) {
			d.fail(n.klines[i], "%s: unknown field %q (known: %s)", what, key, strings.Join(allowed, ", "))
			continue
		}
		m[key] = n.vals[i]
	}
	return m
}

func (d *decoder) str(m map[string]*node, key string, required bool, line int) string {
	n := m[key]
	if n == nil || (n.kind == scalarNode && n.str == "" && !n.quoted) {
		if required {
			d.fail(line, "%s: missing", key)
		}
		return ""
	}
	if n.kind != scalarNode {
		d.fail(n.line, "%s: must be a string", key)
		return ""
	}
	return strings.TrimSpace(n.str)
}

func (d *decoder) strs(m map[string]*node, key string) []string {
	n := m[key]
	if n == nil || (n.kind == scalarNode && n.str == "" && !n.quoted) {
		return nil
	}
	if n.kind != seqNode {
		d.fail(n.line, "%s: must be a list", key)
		return nil
	}
	var out []string
	for _, it := range n.items {
		if it.kind != scalarNode {
			d.fail(it.line, "%s: each entry must be a string", key)
			continue
		}
		if s := strings.TrimSpace(it.str); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) boolean(m map[string]*node, key string) bool {
	n := m[key]
	if n == nil {
		return false
	}
	switch strings.ToLower(n.str) {
	case "true", "yes":
		return n.kind == scalarNode && !n.quoted
	case "false", "no", "":
		return false
	}
	d.fail(n.line, "%s: must be true or false, not %q", key, n.str)
	return false
}

func decodeFault(file string, n *node) (*Fault, []error) {
	d := &decoder{file: file}
	m := d.fields(n, "fault", "id", "category", "title", "sources", "nw_fault", "scope", "explains", "fix", "collect_next")
	f := &Fault{
		File:        file,
		ID:          d.str(m, "id", true, n.line),
		Category:    d.str(m, "category", true, n.line),
		Title:       d.str(m, "title", true, n.line),
		Sources:     d.strs(m, "sources"),
		NWFault:     d.str(m, "nw_fault", false, n.line),
		Scope:       d.str(m, "scope", false, n.line),
		Explains:    d.strs(m, "explains"),
		CollectNext: d.strs(m, "collect_next"),
	}
	if f.Category != "" && !slices.Contains(Categories, f.Category) {
		d.fail(m["category"].line, "category: %q is not one of %s", f.Category, strings.Join(Categories, ", "))
	}
	if len(f.Sources) == 0 {
		d.fail(n.line, "sources: at least one source (a seed section or an Azure doc) is required")
	}
	if f.Scope != "" && !slices.Contains([]string{"s2s", "p2s", "both"}, f.Scope) {
		d.fail(m["scope"].line, "scope: %q is not s2s, p2s or both", f.Scope)
	}
	fix := m["fix"]
	switch {
	case fix == nil || fix.kind != seqNode || len(fix.items) == 0:
		line := n.line
		if fix != nil {
			line = fix.line
		}
		d.fail(line, "fix: at least one step is required")
	default:
		for _, it := range fix.items {
			sm := d.fields(it, "fix step", "step", "source", "azure", "device")
			st := Step{
				Text:   d.str(sm, "step", true, it.line),
				Source: d.str(sm, "source", true, it.line),
				Azure:  d.str(sm, "azure", false, it.line),
				Device: d.str(sm, "device", false, it.line),
			}
			f.Fix = append(f.Fix, st)
		}
	}
	return f, d.errs
}

func decodeSignatures(file string, n *node) (*Family, []*Signature, []error) {
	d := &decoder{file: file}
	m := d.fields(n, "signature file", "family", "title", "recognise", "signatures")
	fam := &Family{ID: d.str(m, "family", true, n.line), Title: d.str(m, "title", false, n.line)}
	if fam.ID != "" && !slices.Contains(Families, fam.ID) {
		d.fail(m["family"].line, "family: %q is not one of %s", fam.ID, strings.Join(Families, ", "))
	}
	if r := m["recognise"]; r != nil {
		for i, pat := range d.strs(m, "recognise") {
			re, err := compile(pat)
			if err != nil {
				d.fail(r.items[i].line, "recognise: %v", err)
				continue
			}
			fam.Recognise = append(fam.Recognise, re)
		}
	}
	var sigs []*Signature
	list := m["signatures"]
	if list == nil || list.kind != seqNode {
		if list != nil && !(list.kind == scalarNode && list.str == "") {
			d.fail(list.line, "signatures: must be a list")
		}
		return fam, nil, d.errs
	}
	for _, it := range list.items {
		sm := d.fields(it, "signature", "id", "fault", "match", "strength", "consequence", "side", "note", "examples", "after")
		s := &Signature{
			Family:      fam.ID,
			ID:          d.str(sm, "id", true, it.line),
			Fault:       d.str(sm, "fault", true, it.line),
			Pattern:     d.str(sm, "match", true, it.line),
			Strength:    d.str(sm, "strength", true, it.line),
			Consequence: d.boolean(sm, "consequence"),
			Side:        d.str(sm, "side", false, it.line),
			Note:        d.str(sm, "note", false, it.line),
			Examples:    d.strs(sm, "examples"),
			AfterText:   d.str(sm, "after", false, it.line),
			Pos:         fmt.Sprintf("%s:%d", file, it.line),
		}
		if s.AfterText != "" {
			re, err := compile(s.AfterText)
			if err != nil {
				d.fail(sm["after"].line, "after: %v", err)
			}
			s.After = re
		}
		if s.Side == "" {
			s.Side = "either"
		}
		if s.Strength != "" && !slices.Contains([]string{Strong, Medium, Weak}, s.Strength) {
			d.fail(sm["strength"].line, "strength: %q is not strong, medium or weak", s.Strength)
		}
		if !slices.Contains(Sides, s.Side) {
			d.fail(sm["side"].line, "side: %q is not one of %s", s.Side, strings.Join(Sides, ", "))
		}
		if s.Pattern != "" {
			re, err := compile(s.Pattern)
			if err != nil {
				d.fail(sm["match"].line, "match: %v", err)
			} else {
				s.Match = re
				if len(s.Examples) == 0 {
					d.fail(it.line, "examples: signature %s needs at least one example line that it matches", s.ID)
				}
				for i, ex := range s.Examples {
					if !re.MatchString(ex) {
						d.fail(sm["examples"].items[i].line, "examples: signature %s does not match its example %q", s.ID, clipText(ex))
					}
				}
			}
		}
		sigs = append(sigs, s)
	}
	return fam, sigs, d.errs
}

// compile compiles a pattern case-insensitively.
func compile(pat string) (*regexp.Regexp, error) {
	return regexp.Compile("(?i)" + pat)
}
