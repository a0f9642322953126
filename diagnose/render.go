package diagnose

import (
	"fmt"
	"strings"
)

// String renders the verdict for a person: the category and fault, the
// summary, the facts, the numbered fix with its sources, the Network
// Watcher fault id, the confidence and what was missing.
func (v Verdict) String() string {
	var b strings.Builder
	head := v.Category
	if head == "" {
		head = Unknown
	}
	if v.Fault != "" {
		head += ": " + v.Fault
	}
	fmt.Fprintf(&b, "Verdict: %s (confidence %.2f)\n", head, v.Confidence)
	if v.Summary != "" {
		fmt.Fprintf(&b, "Summary: %s\n", v.Summary)
	}
	if len(v.Facts) > 0 {
		b.WriteString("Facts:\n")
		for _, f := range v.Facts {
			fmt.Fprintf(&b, "  - %s\n", f)
		}
	}
	if len(v.Fix) > 0 {
		b.WriteString("Fix:\n")
		for _, s := range v.Fix {
			fmt.Fprintf(&b, "  %d. %s\n", s.N, s.Text)
			if s.Source != "" {
				fmt.Fprintf(&b, "     source: %s\n", s.Source)
			}
		}
	}
	if v.NetworkWatcher != "" {
		fmt.Fprintf(&b, "Network Watcher: %s\n", v.NetworkWatcher)
	}
	if len(v.Missing) > 0 {
		fmt.Fprintf(&b, "Missing: %s\n", strings.Join(v.Missing, "; "))
	}
	return b.String()
}
