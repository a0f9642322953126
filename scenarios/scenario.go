package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vpnlab/vpnlab/diagnose"
)

//go:embed *.yaml
var files embed.FS

// Scenario is one lab scenario, read from a YAML file.
type Scenario struct {
	Name     string
	Summary  string
	Briefing string // the symptoms a trainee is told
	Faults   []Fault
	Expect   Expectation
	// Settle is how long the faults get to show before evidence is taken.
	Settle time.Duration
	File   string
	// Routing is how the on-prem device routes into the tunnel: "bgp" (the
	// default) or "static" (static routes, the local network gateway lists
	// the on-prem prefixes).
	Routing string
	// P2SAuth is how the lab's point-to-site users authenticate:
	// "certificate" (the default) or "radius" (a RADIUS server on the
	// VNet, the client with EAP-MSCHAPv2).
	P2SAuth string
	// Expose, for a latent fault, is how long after the verdict the event
	// that exposes the fault (a rekey, an expiry) has happened, with the
	// scenario's shortened timers; 0 for other faults.
	Expose time.Duration
	// Offline says whether the fault shows in the files an engineer would
	// export (logs, swanctl and gobgp output, AzureDiagnostics), so that
	// `diagnose --from` must find it too; false for faults judged from
	// configuration, the Azure model or the Activity Log.
	Offline bool
	// Walk is the trainee's real-way fix (data for people and the walk
	// suite; the runner never reads it).
	Walk Walk
}

// Expectation is what the diagnosis should conclude. Only tests read it:
// the engine never sees a scenario.
type Expectation struct {
	Category       string `yaml:"category"`
	Fault          string `yaml:"fault"`
	NetworkWatcher string `yaml:"network_watcher"`
}

// file is a scenario file's shape.
type file struct {
	Name     string      `yaml:"name"`
	Summary  string      `yaml:"summary"`
	Briefing string      `yaml:"briefing"`
	Faults   []yaml.Node `yaml:"faults"`
	Expect   Expectation `yaml:"expect"`
	Settle   string      `yaml:"settle"`
	Routing  string      `yaml:"routing"`
	P2SAuth  string      `yaml:"p2s_auth"`
	Expose   string      `yaml:"expose"`
	Offline  *bool       `yaml:"offline"`
	Walk     Walk        `yaml:"walk"`
}

// categories are the engine's (seed 000 §5.1), and healthy.
var categories = []string{diagnose.TunnelSetup, diagnose.Authentication, diagnose.Routing, diagnose.Operations, diagnose.Healthy}

// Parse reads a scenario from data; name (a file name) prefixes errors,
// which name the line and the field.
func Parse(name string, data []byte) (Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); err != nil {
		return Scenario{}, yamlError(name, err)
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	line := func(field string) int { return lineOf(&root, field) }
	var errs []error
	bad := func(l int, field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s: %s", name, l, field, fmt.Sprintf(format, a...)))
	}
	s := Scenario{Name: f.Name, Summary: strings.TrimSpace(f.Summary), Briefing: strings.TrimSpace(f.Briefing),
		Expect: f.Expect, File: name, Settle: 3 * time.Second}
	if s.Name == "" {
		bad(line("name"), "name", "required")
	}
	if s.Summary == "" {
		bad(line("summary"), "summary", "required")
	}
	if !slices.Contains(categories, f.Expect.Category) {
		l := line("expect")
		if c := valueNode(&root, "expect"); c != nil {
			if c = valueNode(c, "category"); c != nil {
				l = c.Line
			}
		}
		bad(l, "expect.category", "%q is not one of %s", f.Expect.Category, strings.Join(categories, ", "))
	}
	s.Offline = f.Offline == nil || *f.Offline
	switch f.Routing {
	case "", "bgp", "static":
		s.Routing = f.Routing
	default:
		bad(line("routing"), "routing", "%q is not one of bgp, static", f.Routing)
	}
	switch f.P2SAuth {
	case "", "certificate", "radius", "radius-eap-tls":
		s.P2SAuth = f.P2SAuth
	default:
		bad(line("p2s_auth"), "p2s_auth", "%q is not one of certificate, radius, radius-eap-tls", f.P2SAuth)
	}
	if f.Expose != "" {
		d, err := time.ParseDuration(f.Expose)
		if err != nil || d <= 0 || d > 5*time.Minute {
			bad(line("expose"), "expose", "want a duration up to 5m, like 40s")
		} else {
			s.Expose = d
		}
	}
	if f.Settle != "" {
		d, err := time.ParseDuration(f.Settle)
		if err != nil || d < 0 || d > 5*time.Minute {
			bad(line("settle"), "settle", "want a duration up to 5m, like 3s")
		} else {
			s.Settle = d
		}
	}
	if err := f.Walk.check(); err != nil {
		bad(line("walk"), "walk", "%v", err)
	} else {
		s.Walk = f.Walk
	}
	ks := kinds()
	for i, n := range f.Faults {
		field := fmt.Sprintf("faults[%d]", i)
		fault, err := parseFault(&n, ks)
		if err != nil {
			var fe fieldError
			if errors.As(err, &fe) {
				l := n.Line
				if v := valueNode(&n, strings.SplitN(fe.field, "[", 2)[0]); v != nil {
					l = v.Line
				}
				bad(l, field+"."+fe.field, "%s", fe.msg)
			} else {
				bad(n.Line, field, "%v", err)
			}
			continue
		}
		s.Faults = append(s.Faults, fault)
	}
	if err := errors.Join(errs...); err != nil {
		return Scenario{}, err
	}
	return s, nil
}

// parseFault builds one fault from its mapping: kind, then the kind's parameters.
func parseFault(n *yaml.Node, ks map[string]kind) (Fault, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errors.New("want a mapping with a kind")
	}
	kv := valueNode(n, "kind")
	if kv == nil {
		return nil, fieldError{"kind", "required (kinds: " + strings.Join(KindNames(), ", ") + ")"}
	}
	k, ok := ks[kv.Value]
	if !ok {
		return nil, fieldError{"kind", fmt.Sprintf("unknown kind %q (kinds: %s)", kv.Value, strings.Join(KindNames(), ", "))}
	}
	params := k.params()
	allowed := yamlFields(params)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		if key != "kind" && !slices.Contains(allowed, key) {
			return nil, fieldError{key, fmt.Sprintf("unknown parameter of %s (parameters: %s)", kv.Value, strings.Join(allowed, ", "))}
		}
	}
	// One parameter at a time, so a wrong type names its parameter.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if key := n.Content[i].Value; key != "kind" {
			one := *n
			one.Content = n.Content[i : i+2]
			if err := one.Decode(params); err != nil {
				return nil, fieldError{key, typeError(err)}
			}
		}
	}
	return k.build(params)
}

// yamlError rewrites a yaml error as "name:line: message", one a line.
func yamlError(name string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		te = &yaml.TypeError{Errors: []string{strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	var errs []error
	for _, e := range te.Errors {
		if rest, ok := strings.CutPrefix(e, "line "); ok {
			errs = append(errs, fmt.Errorf("%s:%s", name, rest))
		} else {
			errs = append(errs, fmt.Errorf("%s: %s", name, e))
		}
	}
	return errors.Join(errs...)
}

// typeError is a yaml decoding error without its "line N: " prefixes.
func typeError(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	var msgs []string
	for _, e := range te.Errors {
		if _, rest, ok := strings.Cut(e, ": "); ok && strings.HasPrefix(e, "line ") {
			e = rest
		}
		msgs = append(msgs, e)
	}
	return strings.Join(msgs, "; ")
}

// All returns the scenarios shipped with vpnlab, by name.
func All() []Scenario {
	entries, _ := files.ReadDir(".")
	var out []Scenario
	for _, e := range entries {
		b, _ := files.ReadFile(e.Name())
		s, err := Parse(path.Join("scenarios", e.Name()), b)
		if err != nil {
			panic(err) // shipped files are tested
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Scenario) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Names lists the shipped scenarios.
func Names() []string {
	var n []string
	for _, s := range All() {
		n = append(n, s.Name)
	}
	return n
}

// Lookup finds a shipped scenario by name; the error lists the known ones.
func Lookup(name string) (Scenario, error) {
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Load reads a scenario file.
func Load(p string) (Scenario, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return Scenario{}, err
	}
	return Parse(p, b)
}
