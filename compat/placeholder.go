package compat

import (
	"regexp"
	"strings"
)

// Published samples are full of stand-ins for the user's values; they are
// flagged, never taken for real ones.
var placeholderRE = regexp.MustCompile(`(?i)` +
	`<[^<>]+>` + // <Azure-public-IP>, <NameOfYourOutsideInterface>
	`|\{[a-z_ -]+\}` + // {azure_gateway}
	`|\*{3,}` + // ***** masked keys
	`|^x{4,}$` + // XXXXXXXX keys
	`|(^|\.)x(\.|$)` + // 40.76.X.X, 192.168.0.x
	`|\bREPLACE\b|\bYOUR[_-]|\bAZURE[_-]?(GW|GATEWAY)[_-]?(IP|PUBLIC)` +
	`|^\$\{?[a-z_]+\}?$` + // $variables
	`|^(a\.b\.c\.d|w\.x\.y\.z)$`)

// IsPlaceholder reports whether s is a sample's stand-in rather than a
// real value: 40.76.X.X, <Azure-public-IP>, *****, XXXXXXXX, REPLACE_ME.
func IsPlaceholder(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && placeholderRE.MatchString(s)
}
