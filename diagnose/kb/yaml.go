package kb

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads the subset of YAML the knowledge-base files use, with the
// standard library only (the engine must not depend on anything else):
// block mappings and sequences, flow sequences and mappings of scalars
// ([a, 'b'], {k: v}), plain, single- and double-quoted scalars (a plain
// scalar may continue on more-indented lines), literal and folded block
// scalars (|, |-, |+, >, >-), comments and a leading "---". Anchors,
// aliases, tags, complex keys and multiple documents are refused with the
// line. A test decodes every embedded file with gopkg.in/yaml.v3 as well
// and compares the two readings.

// node kinds
const (
	scalarNode = iota
	mapNode
	seqNode
)

// node is one YAML value with the line it starts on (1-based).
type node struct {
	kind   int
	line   int
	str    string // scalar
	quoted bool
	keys   []string // mapping, in order
	klines []int
	vals   []*node
	items  []*node // sequence
}

// yamlError is a parse error at a line.
type yamlError struct {
	line int
	msg  string
}

func (e *yamlError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func errAt(line int, format string, a ...any) error {
	return &yamlError{line, fmt.Sprintf(format, a...)}
}

type yline struct {
	n      int // 1-based line number
	indent int
	text   string // without indentation and trailing blanks
	raw    string // the whole line, for block scalars
}

type yparser struct {
	lines []yline
	i     int
}

// parseYAML reads one document.
func parseYAML(src string) (*node, error) {
	if !utf8.ValidString(src) {
		return nil, errAt(1, "not UTF-8 text")
	}
	src = strings.TrimPrefix(src, "\ufeff")
	var p yparser
	for i, whole := range strings.Split(src, "\n") {
		whole = strings.TrimSuffix(whole, "\r")
		raw := strings.TrimRight(whole, " \t")
		ind := 0
		for ind < len(raw) && raw[ind] == ' ' {
			ind++
		}
		p.lines = append(p.lines, yline{n: i + 1, indent: ind, text: raw[ind:], raw: whole})
	}
	p.skip()
	if p.i < len(p.lines) && (p.lines[p.i].text == "---" || strings.HasPrefix(p.lines[p.i].text, "--- ")) {
		if rest := strings.TrimSpace(p.lines[p.i].text[3:]); rest != "" && !strings.HasPrefix(rest, "#") {
			return nil, errAt(p.lines[p.i].n, "content after the document marker is not supported")
		}
		p.i++
		p.skip()
	}
	if p.i >= len(p.lines) {
		return &node{kind: mapNode, line: 1}, nil
	}
	l := p.lines[p.i]
	if l.indent != 0 {
		return nil, errAt(l.n, "the document must start at column 1")
	}
	n, err := p.block(0)
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.text == "---" || l.text == "..." {
			return nil, errAt(l.n, "only one document per file is supported")
		}
		return nil, errAt(l.n, "unexpected indentation or content")
	}
	return n, nil
}

// skip moves past blank and comment-only lines.
func (p *yparser) skip() {
	for p.i < len(p.lines) {
		t := p.lines[p.i].text
		if t != "" && !strings.HasPrefix(t, "#") {
			return
		}
		p.i++
	}
}

// block parses the mapping or sequence whose lines start at column ind.
func (p *yparser) block(ind int) (*node, error) {
	p.skip()
	l := p.lines[p.i]
	if strings.HasPrefix(l.text, "\t") {
		return nil, errAt(l.n, "tab in indentation")
	}
	if isSeqItem(l.text) {
		return p.seq(ind)
	}
	return p.mapping(ind)
}

func isSeqItem(t string) bool { return t == "-" || strings.HasPrefix(t, "- ") }

func (p *yparser) seq(ind int) (*node, error) {
	n := &node{kind: seqNode, line: p.lines[p.i].n}
	for {
		p.skip()
		if p.i >= len(p.lines) {
			return n, nil
		}
		l := p.lines[p.i]
		if l.indent < ind || (l.indent == ind && !isSeqItem(l.text)) {
			return n, nil
		}
		if l.indent > ind {
			return nil, errAt(l.n, "unexpected indentation")
		}
		rest := strings.TrimLeft(strings.TrimPrefix(l.text, "-"), " ")
		col := ind + (len(l.text) - len(rest))
		switch {
		case rest == "" || strings.HasPrefix(rest, "#"):
			p.i++
			p.skip()
			if p.i < len(p.lines) && p.lines[p.i].indent > ind {
				v, err := p.block(p.lines[p.i].indent)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			} else {
				n.items = append(n.items, &node{kind: scalarNode, line: l.n})
			}
		case isSeqItem(rest) || looksKey(rest):
			// "- key: value" or "- - x": the rest is a block at its column.
			p.lines[p.i] = yline{n: l.n, indent: col, text: rest, raw: l.raw}
			v, err := p.block(col)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		default:
			v, err := p.value(rest, l, ind)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
	}
}

// looksKey reports whether t starts with a mapping key ("key:" followed by
// a blank or the end of the line), outside quotes and flow collections.
func looksKey(t string) bool {
	_, _, ok := splitKey(t)
	return ok
}

// splitKey splits "key: rest" into the key and the rest.
func splitKey(t string) (key, rest string, ok bool) {
	if t == "" {
		return "", "", false
	}
	switch t[0] {
	case '\'', '"':
		s, n, err := quoted(t)
		if err != nil {
			return "", "", false
		}
		after := t[n:]
		after2 := strings.TrimLeft(after, " ")
		if strings.HasPrefix(after2, ":") && (len(after2) == 1 || after2[1] == ' ') {
			return s, strings.TrimLeft(after2[1:], " "), true
		}
		return "", "", false
	case '[', '{', '#', '|', '>', '&', '*', '!', '%', '@', '`':
		return "", "", false
	}
	for i := 0; i < len(t); i++ {
		if t[i] == ':' && (i+1 == len(t) || t[i+1] == ' ') {
			k := strings.TrimRight(t[:i], " ")
			if strings.Contains(k, " #") {
				return "", "", false
			}
			return k, strings.TrimLeft(t[i+1:], " "), true
		}
		if t[i] == '#' && i > 0 && t[i-1] == ' ' {
			return "", "", false
		}
	}
	return "", "", false
}

func (p *yparser) mapping(ind int) (*node, error) {
	n := &node{kind: mapNode, line: p.lines[p.i].n}
	for {
		p.skip()
		if p.i >= len(p.lines) {
			return n, nil
		}
		l := p.lines[p.i]
		if l.indent < ind {
			return n, nil
		}
		if l.indent > ind {
			return nil, errAt(l.n, "unexpected indentation")
		}
		if isSeqItem(l.text) {
			return n, nil // "key:\n- item" at the key's column is handled by the caller
		}
		k, rest, ok := splitKey(l.text)
		if !ok {
			if strings.HasPrefix(l.text, "? ") {
				return nil, errAt(l.n, "complex keys are not supported")
			}
			return nil, errAt(l.n, "expected \"key: value\", got %q", clipText(l.text))
		}
		for _, prev := range n.keys {
			if prev == k {
				return nil, errAt(l.n, "duplicate key %q", k)
			}
		}
		var v *node
		var err error
		if rest == "" || strings.HasPrefix(rest, "#") {
			p.i++
			p.skip()
			switch {
			case p.i < len(p.lines) && p.lines[p.i].indent > ind:
				v, err = p.block(p.lines[p.i].indent)
			case p.i < len(p.lines) && p.lines[p.i].indent == ind && isSeqItem(p.lines[p.i].text):
				v, err = p.seq(ind)
			default:
				v = &node{kind: scalarNode, line: l.n}
			}
		} else {
			v, err = p.value(rest, l, ind)
		}
		if err != nil {
			return nil, err
		}
		n.keys = append(n.keys, k)
		n.klines = append(n.klines, l.n)
		n.vals = append(n.vals, v)
	}
}

// value parses the value that starts at rest on line l (whose block is at
// column ind) and moves past every line it takes.
func (p *yparser) value(rest string, l yline, ind int) (*node, error) {
	switch rest[0] {
	case '&', '*', '!':
		return nil, errAt(l.n, "anchors, aliases and tags are not supported")
	case '|', '>':
		return p.blockScalar(rest, l, ind)
	case '[', '{':
		// A flow collection may span lines: gather until it closes.
		text := rest
		j := p.i
		for {
			end, err := flowEnd(text)
			if err == nil {
				if tail := strings.TrimSpace(text[end:]); tail != "" && !strings.HasPrefix(tail, "#") {
					return nil, errAt(l.n, "unexpected %q after a flow collection", clipText(tail))
				}
				v, _, err := flow(text[:end], l.n)
				if err != nil {
					return nil, err
				}
				p.i = j + 1
				return v, nil
			}
			j++
			if j >= len(p.lines) {
				return nil, errAt(l.n, "flow collection not closed")
			}
			text += " " + p.lines[j].text
		}
	case '"', '\'':
		text := rest
		j := p.i
		for {
			s, n, err := quoted(text)
			if err == nil {
				if tail := strings.TrimSpace(text[n:]); tail != "" && !strings.HasPrefix(tail, "#") {
					return nil, errAt(l.n, "unexpected %q after a quoted scalar", clipText(tail))
				}
				p.i = j + 1
				return &node{kind: scalarNode, line: l.n, str: s, quoted: true}, nil
			}
			j++
			if j >= len(p.lines) || p.lines[j].text == "" && j+1 >= len(p.lines) {
				return nil, errAt(l.n, "%v", err)
			}
			// A multi-line quoted scalar folds its line breaks into spaces
			// (an empty line is a newline).
			if p.lines[j].text == "" {
				text += "\n"
			} else if strings.HasSuffix(text, "\n") {
				text += p.lines[j].text
			} else {
				text += " " + p.lines[j].text
			}
		}
	}
	// A plain scalar, possibly continued on more-indented lines.
	s := stripComment(rest)
	p.i++
	for p.i < len(p.lines) {
		nl := p.lines[p.i]
		if nl.text == "" {
			// A blank line inside a plain scalar is a newline; look ahead.
			k := p.i
			for k < len(p.lines) && p.lines[k].text == "" {
				k++
			}
			if k < len(p.lines) && p.lines[k].indent > ind && !strings.HasPrefix(p.lines[k].text, "#") {
				s += strings.Repeat("\n", k-p.i)
				p.i = k
				s += stripComment(p.lines[k].text)
				p.i++
				continue
			}
			break
		}
		if nl.indent <= ind || strings.HasPrefix(nl.text, "#") {
			break
		}
		s += " " + stripComment(nl.text)
		p.i++
	}
	if strings.HasPrefix(s, "- ") || strings.HasPrefix(s, "? ") || strings.HasPrefix(s, "% ") {
		return nil, errAt(l.n, "ambiguous plain scalar %q: quote it", clipText(s))
	}
	if strings.Contains(s, ": ") || strings.HasSuffix(s, ":") {
		return nil, errAt(l.n, "a plain value may not contain \": \" (%q): quote it", clipText(s))
	}
	return &node{kind: scalarNode, line: l.n, str: nullable(s)}, nil
}

// stripComment removes a trailing " # comment" from a plain scalar.
func stripComment(s string) string {
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "\t#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, " \t")
}

// blockScalar reads a literal (|) or folded (>) block scalar.
func (p *yparser) blockScalar(head string, l yline, ind int) (*node, error) {
	h := stripComment(head)
	style, chomp := h[0], byte(0)
	explicit := 0
	for _, c := range h[1:] {
		switch {
		case c == '-' || c == '+':
			chomp = byte(c)
		case c >= '1' && c <= '9':
			explicit = int(c - '0')
		default:
			return nil, errAt(l.n, "bad block scalar header %q", h)
		}
	}
	p.i++
	var body []string
	bind := -1
	if explicit > 0 {
		bind = ind + explicit
	}
	for p.i < len(p.lines) {
		nl := p.lines[p.i]
		if nl.text == "" {
			if bind >= 0 && len(nl.raw) > bind {
				body = append(body, nl.raw[bind:]) // spaces beyond the indentation are content
			} else {
				body = append(body, "")
			}
			p.i++
			continue
		}
		if bind < 0 {
			if nl.indent <= ind {
				break
			}
			bind = nl.indent
		}
		if nl.indent < bind {
			break
		}
		body = append(body, nl.raw[bind:])
		p.i++
	}
	// Trailing blank lines belong to chomping, not content.
	trail := 0
	for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" && !strings.ContainsAny(body[len(body)-1], "\t") {
		body = body[:len(body)-1]
		trail++
	}
	// Give back trailing blank lines to the parser (they are blank anyway).
	var s string
	if style == '|' {
		s = strings.Join(body, "\n")
	} else {
		var b strings.Builder
		for i, line := range body {
			if i > 0 {
				prev := body[i-1]
				switch {
				case line == "" || prev == "":
					b.WriteByte('\n')
				case strings.HasPrefix(line, " ") || strings.HasPrefix(prev, " "):
					b.WriteByte('\n')
				default:
					b.WriteByte(' ')
				}
			}
			b.WriteString(line)
		}
		s = b.String()
		// folded: a blank line between two lines is one newline (already
		// written), not two
		s = strings.ReplaceAll(s, "\n\n", "\n")
	}
	if len(body) > 0 {
		switch chomp {
		case 0:
			s += "\n"
		case '+':
			s += "\n" + strings.Repeat("\n", trail)
		}
	}
	return &node{kind: scalarNode, line: l.n, str: s, quoted: true}, nil
}

// quoted reads a quoted scalar at the start of t and returns it and the
// number of bytes it took.
func quoted(t string) (string, int, error) {
	q := t[0]
	var b strings.Builder
	for i := 1; i < len(t); i++ {
		c := t[i]
		if q == '\'' {
			if c == '\'' {
				if i+1 < len(t) && t[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				return b.String(), i + 1, nil
			}
			b.WriteByte(c)
			continue
		}
		switch c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(t) {
				return "", 0, fmt.Errorf("unfinished escape")
			}
			i++
			switch e := t[i]; e {
			case '\\', '"', '/', '\'':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case 'b':
				b.WriteByte('\b')
			case 'e':
				b.WriteByte(0x1b)
			case ' ':
				b.WriteByte(' ')
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if i+n >= len(t)+0 && i+n > len(t)-1 {
					return "", 0, fmt.Errorf("short \\%c escape", e)
				}
				v, err := strconv.ParseUint(t[i+1:i+1+n], 16, 32)
				if err != nil {
					return "", 0, fmt.Errorf("bad \\%c escape", e)
				}
				b.WriteRune(rune(v))
				i += n
			default:
				return "", 0, fmt.Errorf("unknown escape \\%c in a double-quoted string (use single quotes for regular expressions)", e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("quoted string not closed")
}

// flowEnd returns the length of the flow collection at the start of t, or
// an error when it does not close in t.
func flowEnd(t string) (int, error) {
	depth := 0
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '\'', '"':
			_, n, err := quoted(t[i:])
			if err != nil {
				return 0, err
			}
			i += n - 1
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("not closed")
}

// flow parses a flow collection of scalars (nested collections allowed).
func flow(t string, line int) (*node, int, error) {
	open := t[0]
	n := &node{kind: seqNode, line: line}
	if open == '{' {
		n.kind = mapNode
	}
	i := 1
	for {
		for i < len(t) && t[i] == ' ' {
			i++
		}
		if i >= len(t) {
			return nil, 0, errAt(line, "flow collection not closed")
		}
		if (open == '[' && t[i] == ']') || (open == '{' && t[i] == '}') {
			return n, i + 1, nil
		}
		// one entry
		var key string
		if open == '{' {
			k, used, err := flowScalar(t[i:], line, true)
			if err != nil {
				return nil, 0, err
			}
			key = k.str
			i += used
			for i < len(t) && t[i] == ' ' {
				i++
			}
			if i >= len(t) || t[i] != ':' {
				return nil, 0, errAt(line, "expected ':' after %q in a flow mapping", key)
			}
			i++
			for i < len(t) && t[i] == ' ' {
				i++
			}
		}
		var v *node
		if i < len(t) && (t[i] == '[' || t[i] == '{') {
			sub, used, err := flow(t[i:], line)
			if err != nil {
				return nil, 0, err
			}
			v = sub
			i += used
		} else {
			s, used, err := flowScalar(t[i:], line, false)
			if err != nil {
				return nil, 0, err
			}
			v = s
			i += used
		}
		if open == '{' {
			n.keys = append(n.keys, key)
			n.klines = append(n.klines, line)
			n.vals = append(n.vals, v)
		} else {
			n.items = append(n.items, v)
		}
		for i < len(t) && t[i] == ' ' {
			i++
		}
		if i < len(t) && t[i] == ',' {
			i++
		}
	}
}

// flowScalar reads a scalar inside a flow collection.
func flowScalar(t string, line int, key bool) (*node, int, error) {
	if t != "" && (t[0] == '\'' || t[0] == '"') {
		s, n, err := quoted(t)
		if err != nil {
			return nil, 0, errAt(line, "%v", err)
		}
		return &node{kind: scalarNode, line: line, str: s, quoted: true}, n, nil
	}
	end := len(t)
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == ',' || c == ']' || c == '}' || (key && c == ':' && (i+1 == len(t) || t[i+1] == ' ')) {
			end = i
			break
		}
	}
	if end == 0 {
		return nil, 0, errAt(line, "unexpected %q in a flow collection", t[:1])
	}
	s := strings.TrimSpace(t[:end])
	if strings.ContainsAny(s, "&*!") && s != "" && strings.ContainsRune("&*!", rune(s[0])) {
		return nil, 0, errAt(line, "anchors, aliases and tags are not supported")
	}
	return &node{kind: scalarNode, line: line, str: nullable(s)}, end, nil
}

func clipText(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// plain converts n to plain Go values (map[string]any, []any, string), as
// the cross-check with a full YAML reader compares them; plain scalars
// stay strings.
func (n *node) plain() any {
	switch n.kind {
	case mapNode:
		m := map[string]any{}
		for i, k := range n.keys {
			m[k] = n.vals[i].plain()
		}
		return m
	case seqNode:
		s := make([]any, 0, len(n.items))
		for _, it := range n.items {
			s = append(s, it.plain())
		}
		return s
	}
	return n.str
}

// nullable reads YAML's null spellings as the empty string.
func nullable(s string) string {
	switch s {
	case "~", "null", "Null", "NULL":
		return ""
	}
	return s
}
