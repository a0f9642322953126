package devconf

import (
	"regexp"
	"slices"
	"strings"

	"github.com/vpnlab/vpnlab/compat"
)

// kv is one "key=value" line of an ipsec.conf conn section.
type kv struct {
	key, val string
	line     int
}

// section is a conn (or config setup / ca) section.
type section struct {
	kind, name string
	line, end  int
	kvs        []kv
}

// parseIPsecConf splits an ipsec.conf (strongSwan starter or libreswan) into
// sections. Lines at column 0 open a section; indented key=value lines
// belong to it; '#' starts a comment.
func parseIPsecConf(r *Result, f File) ([]*section, error) {
	var out []*section
	var cur *section
	for i, raw := range strings.Split(string(f.Data), "\n") {
		n := i + 1
		line := stripComment(raw)
		if strings.TrimSpace(line) == "" {
			continue
		}
		indented := line[0] == ' ' || line[0] == '\t'
		t := strings.TrimSpace(line)
		if !indented || cur == nil {
			fields := strings.Fields(t)
			switch {
			case fields[0] == "conn" || fields[0] == "ca" || (fields[0] == "config" && len(fields) > 1):
				name := ""
				if len(fields) > 1 {
					name = fields[1]
				}
				cur = &section{kind: fields[0], name: name, line: n, end: n}
				out = append(out, cur)
				continue
			case fields[0] == "version" || fields[0] == "include":
				if fields[0] == "include" {
					r.skip(f.Name, n, n, "include of another file (pass that file too if it holds the connection)")
				}
				continue
			case !indented && strings.Contains(t, "="):
				// A key at column 0 outside any section: starters refuse it.
				if cur == nil {
					return nil, &SyntaxError{File: f.Name, Line: n, Msg: "setting outside a conn or config section: " + quoteShort(t)}
				}
			default:
				return nil, &SyntaxError{File: f.Name, Line: n, Msg: "not an ipsec.conf line: " + quoteShort(t)}
			}
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return nil, &SyntaxError{File: f.Name, Line: n, Msg: "want key=value, got " + quoteShort(t)}
		}
		cur.kvs = append(cur.kvs, kv{key: strings.TrimSpace(k), val: unquote(strings.TrimSpace(v)), line: n})
		cur.end = n
	}
	return out, nil
}

func quoteShort(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return `"` + s + `"`
}

func stripComment(s string) string {
	s = strings.TrimRight(s, "\r")
	inQuote := false
	for i, c := range s {
		switch {
		case c == '"':
			inQuote = !inQuote
		case c == '#' && !inQuote && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return strings.TrimRight(s[:i], " \t")
		}
	}
	return s
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// pickConn chooses the connection to Azure among the conn sections: the
// only one, or the one whose name or peer says azure, or the first that
// names a peer. The others are reported as skipped. %default and also=
// sections are merged in.
func pickConn(r *Result, file string, secs []*section) *section {
	var conns []*section
	byName := map[string]*section{}
	for _, s := range secs {
		if s.kind == "conn" {
			byName[s.name] = s
			if s.name != "%default" {
				conns = append(conns, s)
			}
		}
	}
	// Sections used only through also= are templates.
	used := map[string]bool{}
	for _, s := range conns {
		for _, e := range s.kvs {
			if e.key == "also" {
				used[e.val] = true
			}
		}
	}
	var cands []*section
	for _, s := range conns {
		if !used[s.name] {
			cands = append(cands, s)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	pick := cands[0]
	for _, s := range cands {
		if strings.Contains(strings.ToLower(s.name), "azure") {
			pick = s
			break
		}
	}
	for _, s := range cands {
		if s != pick {
			r.skip(file, s.line, s.end, "conn "+s.name+": another connection than the one checked ("+pick.name+")")
		}
	}
	for _, s := range secs {
		if s.kind != "conn" {
			r.skip(file, s.line, s.end, s.kind+" "+s.name+" section: no bearing on the connection to Azure")
		}
	}
	// Merge %default and also= (depth-first, the conn's own settings last).
	merged := &section{kind: "conn", name: pick.name, line: pick.line, end: pick.end}
	var add func(s *section, depth int)
	add = func(s *section, depth int) {
		if s == nil || depth > 8 {
			return
		}
		for _, e := range s.kvs {
			if e.key == "also" {
				add(byName[e.val], depth+1)
				continue
			}
			merged.kvs = append(merged.kvs, e)
		}
	}
	add(byName["%default"], 0)
	add(pick, 0)
	return merged
}

var secretRE = regexp.MustCompile(`^\s*(.*?)\s*:\s*PSK\s+(.+?)\s*$`)

// readSecrets finds the PSK for peer in an ipsec.secrets file: the entry
// naming the peer, else one for %any or with no selectors.
func readSecrets(r *Result, f File, peer string) {
	type entry struct {
		ids  []string
		key  string
		line int
	}
	var entries []entry
	for i, raw := range strings.Split(string(f.Data), "\n") {
		line := stripComment(raw)
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "include ") {
			r.skip(f.Name, i+1, i+1, "include of another secrets file")
			continue
		}
		m := secretRE.FindStringSubmatch(t)
		if m == nil {
			if strings.Contains(t, ": RSA") || strings.Contains(t, ": ECDSA") || strings.Contains(t, ": XAUTH") || strings.Contains(t, ": EAP") {
				r.skip(f.Name, i+1, i+1, "a key or secret of another kind than a PSK")
				continue
			}
			r.unknown(f.Name, i+1, "(a secrets line that is not a PSK entry)")
			continue
		}
		entries = append(entries, entry{ids: strings.Fields(m[1]), key: unquote(m[2]), line: i + 1})
	}
	best := -1
	for i, e := range entries {
		switch {
		case slices.Contains(e.ids, peer):
			best = i
		case best < 0 && (len(e.ids) == 0 || slices.Contains(e.ids, "%any")):
			best = i
		}
		if best == i && slices.Contains(e.ids, peer) {
			break
		}
	}
	if best < 0 && len(entries) > 0 {
		best = 0
	}
	if best >= 0 {
		e := entries[best]
		r.Device.PSK = atSecret(e.key, src(f.Name, e.line))
	}
}

// openConn parses an ipsec.conf, picks the connection to Azure and names
// the device after it; head is where that conn section starts.
func openConn(r *Result, f File) (*section, compat.Source, error) {
	secs, err := parseIPsecConf(r, f)
	if err != nil {
		return nil, compat.Source{}, err
	}
	c := pickConn(r, f.Name, secs)
	if c == nil {
		return nil, compat.Source{}, &SyntaxError{File: f.Name, Msg: "no conn section"}
	}
	r.Device.Name = c.name
	return c, src(f.Name, c.line), nil
}
