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
			if s.Azure != "" {
				fmt.Fprintf(&b, "     Azure: %s\n", s.Azure)
			}
			if s.Device != "" {
				fmt.Fprintf(&b, "     device: %s\n", s.Device)
			}
			if s.Source != "" {
				fmt.Fprintf(&b, "     source: %s\n", s.Source)
			}
		}
	}
	if v.Latent != "" {
		fmt.Fprintf(&b, "Latent: %s\n", v.Latent)
	}
	if v.UserError != "" {
		fmt.Fprintf(&b, "User sees: %s\n", v.UserError)
	}
	if len(v.Cited) > 0 {
		b.WriteString("Lines it rests on:\n")
		for _, c := range v.Cited {
			fmt.Fprintf(&b, "  %s: %s\n     [%s, %s]\n", c.Ref, c.Line, c.Signature, c.Strength)
		}
	}
	if len(v.Candidates) > 0 {
		b.WriteString("Other candidates:\n")
		for _, c := range v.Candidates {
			fmt.Fprintf(&b, "  - %s: %s (confidence %.2f; %s)\n", c.Category, c.Fault, c.Confidence, c.Why)
		}
	}
	if len(v.CollectNext) > 0 {
		b.WriteString("Collect next:\n")
		for _, c := range v.CollectNext {
			fmt.Fprintf(&b, "  - %s\n", c)
		}
	}
	if v.Lines > 0 {
		var fams []string
		for _, f := range v.Families {
			fams = append(fams, fmt.Sprintf("%s %d", f.Family, f.Lines))
		}
		if len(fams) == 0 {
			fams = []string{"none"}
		}
		fmt.Fprintf(&b, "Lines read: %d; families recognised: %s; lines not placed: %d\n", v.Lines, strings.Join(fams, ", "), v.Unplaced)
	}
	if v.NetworkWatcher != "" {
		fmt.Fprintf(&b, "Network Watcher: %s\n", v.NetworkWatcher)
	}
	if len(v.Missing) > 0 {
		fmt.Fprintf(&b, "Missing: %s\n", strings.Join(v.Missing, "; "))
	}
	return b.String()
}
