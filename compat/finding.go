package compat

import (
	"fmt"
	"slices"
)

// Severity says when a finding bites.
type Severity int

const (
	// Note is worth knowing but changes nothing by itself: a placeholder,
	// an assumption, a value Azure ignores.
	Note Severity = iota
	// Degrades: the tunnel comes up but some traffic or resilience suffers
	// (large packets, a prefix not covered, slow failure detection).
	Degrades
	// Latent: the tunnel comes up and breaks later, at a rekey, a DPD
	// exchange or a gateway failover.
	Latent
	// Down: the tunnel or the BGP session will not come up.
	Down
)

var severityNames = []string{"note", "degrades", "latent", "down"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText gives the stable names: note, degrades, latent, down.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Finding is one mismatch between the device and the Azure side.
type Finding struct {
	Severity Severity `json:"severity"`
	Category string   `json:"category"` // tunnel-setup | authentication | routing | operations, or "" for a note
	Fault    string   `json:"fault"`    // the fault catalog's id, or "" for a note
	Check    string   `json:"check"`    // which check found it (see Checks)
	Source            // the device line the finding points at; zero when the device says nothing
	Message  string   `json:"message"`
	Rule     string   `json:"rule"`        // Azure's rule
	RuleSrc  string   `json:"rule_source"` // where the rule is written
	Fix      string   `json:"fix"`
	// Want is the value the fix asks for, in strongSwan keywords or plain
	// words, so that an importer can render the fix in its own syntax.
	Want string `json:"want,omitempty"`
}

func (f Finding) String() string {
	loc := f.Source.String()
	if loc != "" {
		loc += ": "
	}
	id := f.Check
	if f.Fault != "" {
		id = f.Category + "/" + f.Fault
	}
	return fmt.Sprintf("%s%s [%s] %s", loc, f.Severity, id, f.Message)
}

// Blocking reports whether any finding is worse than a note.
func Blocking(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity > Note })
}
