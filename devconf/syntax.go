package devconf

import "slices"

// Syntax is one configuration syntax that can be imported.
type Syntax struct {
	Name        string // e.g. "cisco-ios"
	Title       string // e.g. "Cisco IOS / IOS-XE"
	Description string // what is read
	// Sniff scores how surely text is in this syntax: 0 not at all, 100 surely.
	Sniff func(text string) int
	// Import fills r from the files (the first is the main configuration).
	Import func(r *Result, files []File) error
	// Example is a minimal configuration, for help and docs.
	Example string
}

// Syntaxes lists every importable syntax: the registry that detection,
// error messages, help and the README are made from.
func Syntaxes() []Syntax {
	return []Syntax{
		strongswanIPsecConf,
		swanctlConf,
		libreswanConf,
		ciscoIOS,
		ciscoASA,
		junos,
		fortigate,
		panos,
	}
}

// Names returns the syntaxes' names.
func Names() []string {
	var out []string
	for _, s := range Syntaxes() {
		out = append(out, s.Name)
	}
	return out
}

// Lookup finds a syntax by name.
func Lookup(name string) (Syntax, bool) {
	all := Syntaxes()
	i := slices.IndexFunc(all, func(s Syntax) bool { return s.Name == name })
	if i < 0 {
		return Syntax{}, false
	}
	return all[i], true
}
