package profile

import (
	"fmt"
	"strings"
)

// FieldError is one problem in a profile. Load, Parse and Validate return
// them joined with errors.Join.
type FieldError struct {
	File  string // as given to Load or Parse; empty from Validate
	Line  int    // 1-based; 0 when unknown
	Field string // dotted path such as "ike.proposals[1]"; empty for YAML syntax errors
	Msg   string
}

// Error returns "file:line: field: msg", leaving out the parts that are unknown.
func (e *FieldError) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}
