package devconf

import "strings"

// block is one top-level command of an indented CLI configuration (Cisco
// IOS, ASA) with its indented sub-commands.
type block struct {
	text  string
	words []string
	line  int
	end   int
	subs  []*block
}

// parseBlocks splits an indented configuration. '!' and ':' lines are
// comments; "exit" lines close nothing that indentation has not already.
func parseBlocks(f File) []*block {
	var out []*block
	var stack []*block
	var indents []int
	for i, raw := range strings.Split(string(f.Data), "\n") {
		n := i + 1
		line := strings.TrimRight(raw, "\r \t")
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "!") || t == ":" || strings.HasPrefix(t, ": ") || t == "exit" || t == "end" {
			continue
		}
		ind := len(line) - len(strings.TrimLeft(line, " \t"))
		b := &block{text: t, words: strings.Fields(t), line: n, end: n}
		for len(stack) > 0 && indents[len(indents)-1] >= ind {
			stack, indents = stack[:len(stack)-1], indents[:len(indents)-1]
		}
		if len(stack) == 0 {
			out = append(out, b)
		} else {
			p := stack[len(stack)-1]
			p.subs = append(p.subs, b)
			for _, q := range stack {
				q.end = n
			}
		}
		stack, indents = append(stack, b), append(indents, ind)
	}
	return out
}

// has reports whether b's words start with prefix.
func (b *block) has(prefix ...string) bool {
	if len(b.words) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if !strings.EqualFold(b.words[i], p) {
			return false
		}
	}
	return true
}

// arg returns word i or "".
func (b *block) arg(i int) string {
	if i < len(b.words) {
		return b.words[i]
	}
	return ""
}
