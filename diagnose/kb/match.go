package kb

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The matcher makes hundreds of regular expressions cheap per line: each
// expression is split into branches (its top-level alternatives, a leading
// alternation distributed over the rest), each branch's required literals
// (one of which must occur in any match) go into one index of their first
// bytes over the lower-cased line, and only the branches whose literals
// occur are run. A branch without a usable literal (shorter than 3 bytes) is always
// run. Splitting gives most branches a literal prefix, which Go's regexp
// finds with a substring search instead of trying every position.

type entry struct {
	re     *regexp.Regexp // case-insensitive, on the line as it is
	fast   *regexp.Regexp // the same on the line lower-cased (ASCII), without case folding
	sig    *Signature     // nil for a family's recogniser
	family string
}

// branch is one alternative of an entry's expression.
type branch struct {
	entry int32
	fast  *regexp.Regexp // on the lower-cased line; nil: run the entry's re on the line
	// loose is fast without its leading word boundaries, run first: with
	// a literal prefix it is found by substring search, and a line it
	// does not match cannot match fast.
	loose *regexp.Regexp
}

type matcher struct {
	entries  []entry
	branches []branch
	always   []int // branches run on every line
	// The literals are indexed by their first bytes: a literal of 4 bytes
	// or more by its first 4 (gram4), one of 3 or 2 bytes by all of them
	// (gram3, gram2). A
	// bit set of the hashed keys (a few KiB, in cache) rejects most
	// positions of a line with one look-up; a hit looks the key up and
	// compares the literals that start with it. (An Aho-Corasick table
	// over the ~1 200 branches' literals had ~27 000 states × 126 byte
	// classes: 14 MB, a cache miss a byte.)
	bits4 [1 << gramBits / 64]uint64
	bits3 [1 << gramBits / 64]uint64
	bits2 [1 << 16 / 64]uint64
	gram4 map[uint32][]int32 // first 4 bytes -> ids of the literals of 4 bytes or more
	gram3 map[uint32][]int32 // the literals of 3 bytes
	gram2 map[uint32][]int32 // the literals of 2 bytes
	lits  []string           // literal id -> literal (lower case)
	lbr   [][]int32          // literal id -> branches
	// literal[b]: branch b is its literal alone (its fast expression
	// matches exactly the lines that hold the literal): found is matched.
	literal []bool
}

// gramBits is the size of the 3-byte key filter: 2^gramBits bits.
const gramBits = 16

func gramHash(k uint32) uint32 { return (k * 0x9E3779B1) >> (32 - gramBits) }

func newMatcher(k *KB) *matcher {
	m := &matcher{}
	lits := map[string][]int32{}
	add := func(e entry) {
		i := int32(len(m.entries))
		e.fast = lowered(e.re)
		m.entries = append(m.entries, e)
		bs := []*regexp.Regexp{e.fast}
		if e.fast != nil {
			bs = split(e.fast)
		}
		for _, re := range bs {
			b := int32(len(m.branches))
			m.branches = append(m.branches, branch{entry: i, fast: re, loose: loosen(re)})
			lit := re != nil && e.sig != nil && literalOnly(re)
			if re == nil {
				re = e.re
			}
			set := required(re)
			m.literal = append(m.literal, lit && set != nil)
			if set == nil {
				m.always = append(m.always, int(b))
				continue
			}
			for _, s := range set {
				lits[s] = append(lits[s], b)
			}
		}
	}
	for _, s := range k.Signatures {
		add(entry{re: s.Match, sig: s, family: s.Family})
	}
	for _, f := range k.Families {
		for _, re := range f.Recognise {
			add(entry{re: re, family: f.ID})
		}
	}
	m.build(lits)
	return m
}

// build indexes the literals by their first bytes.
func (m *matcher) build(lits map[string][]int32) {
	m.gram4 = map[uint32][]int32{}
	m.gram3 = map[uint32][]int32{}
	m.gram2 = map[uint32][]int32{}
	all := make([]string, 0, len(lits))
	for s := range lits {
		all = append(all, s)
	}
	slices.Sort(all) // deterministic ids
	for _, s := range all {
		id := int32(len(m.lits))
		m.lits = append(m.lits, s)
		m.lbr = append(m.lbr, lits[s])
		switch {
		case len(s) >= 4:
			key := uint32(s[0])<<24 | uint32(s[1])<<16 | uint32(s[2])<<8 | uint32(s[3])
			h := gramHash(key)
			m.bits4[h/64] |= 1 << (h % 64)
			m.gram4[key] = append(m.gram4[key], id)
		case len(s) == 3:
			key := uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2])
			h := gramHash(key)
			m.bits3[h/64] |= 1 << (h % 64)
			m.gram3[key] = append(m.gram3[key], id)
		case len(s) == 2:
			key := uint32(s[0])<<8 | uint32(s[1])
			m.bits2[key/64] |= 1 << (key % 64)
			m.gram2[key] = append(m.gram2[key], id)
		}
	}
}

// literalOnly reports whether re matches exactly the strings that hold
// one literal: re is a literal (possibly captured).
func literalOnly(re *regexp.Regexp) bool {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return false
	}
	t = t.Simplify()
	for t.Op == syntax.OpCapture {
		t = t.Sub[0]
	}
	return t.Op == syntax.OpLiteral && t.Flags&syntax.FoldCase == 0 && len(t.Rune) >= 3
}

// maxBranches bounds the branches one expression is split into.
const maxBranches = 24

// split returns re's branches: its top-level alternatives, and for an
// alternative that starts with an alternation (after zero-width
// assertions), that alternation distributed over the rest. Matching any
// branch is matching re. [re] when it does not split.
func split(re *regexp.Regexp) []*regexp.Regexp {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return []*regexp.Regexp{re}
	}
	var alts []*syntax.Regexp
	var walk func(n *syntax.Regexp)
	walk = func(n *syntax.Regexp) {
		for n.Op == syntax.OpCapture {
			n = n.Sub[0]
		}
		switch n.Op {
		case syntax.OpAlternate:
			for _, sub := range n.Sub {
				walk(sub)
			}
			return
		case syntax.OpConcat:
			i := 0
			for i < len(n.Sub) && zeroWidth(n.Sub[i].Op) {
				i++
			}
			if i < len(n.Sub) {
				head := n.Sub[i]
				for head.Op == syntax.OpCapture {
					head = head.Sub[0]
				}
				if head.Op == syntax.OpAlternate && len(alts)+len(head.Sub) <= maxBranches {
					for _, a := range head.Sub {
						c := &syntax.Regexp{Op: syntax.OpConcat, Flags: n.Flags}
						c.Sub = append(c.Sub, n.Sub[:i]...)
						c.Sub = append(c.Sub, a)
						c.Sub = append(c.Sub, n.Sub[i+1:]...)
						walk(c)
					}
					return
				}
			}
		}
		alts = append(alts, n)
	}
	walk(t)
	if len(alts) < 2 || len(alts) > maxBranches {
		return []*regexp.Regexp{re}
	}
	out := make([]*regexp.Regexp, 0, len(alts))
	for _, a := range alts {
		b, err := regexp.Compile(a.String())
		if err != nil {
			return []*regexp.Regexp{re}
		}
		out = append(out, b)
	}
	return out
}

// loosen returns re without the word boundaries it starts with, when
// what follows is a literal (so the result has a literal prefix); nil
// otherwise.
func loosen(re *regexp.Regexp) *regexp.Regexp {
	if re == nil {
		return nil
	}
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil || t.Op != syntax.OpConcat {
		return nil
	}
	i := 0
	for i < len(t.Sub) && t.Sub[i].Op == syntax.OpWordBoundary {
		i++
	}
	if i == 0 || i == len(t.Sub) || t.Sub[i].Op != syntax.OpLiteral {
		return nil
	}
	t.Sub = t.Sub[i:]
	l, err := regexp.Compile(t.String())
	if err != nil {
		return nil
	}
	return l
}

func zeroWidth(op syntax.Op) bool {
	switch op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	return false
}

// required returns strings, lower-cased, one of which occurs in every
// match of re; nil when none is known or the strings are too short to
// filter (under 3 bytes, or 2 bytes with a punctuation mark).
func required(re *regexp.Regexp) []string {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return nil
	}
	set := reqLits(t.Simplify())
	if !usable(set) {
		return nil
	}
	return set
}

// usable reports whether a required set filters well enough.
func usable(set []string) bool {
	if len(set) == 0 {
		return false
	}
	for _, s := range set {
		switch {
		case len(s) >= 3:
		case len(s) == 2 && strings.IndexFunc(s, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' '
		}) >= 0:
		default:
			return false
		}
	}
	return true
}

// maxExact bounds the strings an exact set may hold.
const maxExact = 64

// exact returns every string re matches, lower-cased, when they are few;
// nil otherwise. Zero-width assertions match "".
func exact(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}
	case syntax.OpLiteral:
		l := reqLits(re)
		return l
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if r >= utf8.RuneSelf && unicode.SimpleFold(r) != r {
					return nil
				}
				c := string(unicode.ToLower(r))
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
				if len(out) > 8 {
					return nil
				}
			}
		}
		return out
	case syntax.OpCapture:
		return exact(re.Sub[0])
	case syntax.OpQuest:
		if e := exact(re.Sub[0]); e != nil {
			return append([]string{""}, e...)
		}
		return nil
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			e := exact(sub)
			if e == nil {
				return nil
			}
			if out = cross(out, e); out == nil {
				return nil
			}
		}
		return out
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			e := exact(sub)
			if e == nil {
				return nil
			}
			out = append(out, e...)
			if len(out) > maxExact {
				return nil
			}
		}
		return out
	}
	return nil
}

// cross is every a followed by every b; nil when there would be too many.
func cross(a, b []string) []string {
	if len(a)*len(b) > maxExact {
		return nil
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}

func reqLits(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		var b strings.Builder
		for _, r := range re.Rune {
			if r >= utf8.RuneSelf && unicode.SimpleFold(r) != r {
				return nil // a non-ASCII letter with case: not worth folding here
			}
			b.WriteRune(unicode.ToLower(r))
		}
		return []string{b.String()}
	case syntax.OpCapture:
		return reqLits(re.Sub[0])
	case syntax.OpPlus:
		return reqLits(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return reqLits(re.Sub[0])
		}
		return nil
	case syntax.OpConcat:
		// Runs of consecutive subexpressions with few exact strings give
		// longer literals ("[" + (ike|cfg) + "]"); any single one's
		// required set is a candidate too.
		var best []string
		consider := func(s []string) {
			if len(s) > 0 && better(s, best) {
				best = s
			}
		}
		var run []string
		for _, sub := range re.Sub {
			e := exact(sub)
			if e != nil {
				if run == nil {
					run = e
				} else if x := cross(run, e); x != nil {
					run = x
				} else {
					consider(dropEmpty(run))
					run = e
				}
				continue
			}
			consider(dropEmpty(run))
			run = nil
			consider(reqLits(sub))
		}
		consider(dropEmpty(run))
		return best
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			s := reqLits(sub)
			if s == nil {
				s = exact(sub)
			}
			if s == nil {
				return nil
			}
			all = append(all, s...)
		}
		return all
	}
	return exact(re)
}

// dropEmpty returns s unless it holds "" (a run that may match nothing
// filters nothing).
func dropEmpty(s []string) []string {
	if slices.Contains(s, "") {
		return nil
	}
	return s
}

// better prefers a usable set, then the one whose shortest string is
// longer, then fewer strings.
func better(a, b []string) bool {
	if b == nil {
		return true
	}
	if ua, ub := usable(a), usable(b); ua != ub {
		return ua
	}
	ma, mb := min(minLen(a), 8), min(minLen(b), 8)
	if ma != mb {
		return ma > mb
	}
	// Long enough both: fewer alternatives filter better; at a tie, the
	// later part of a pattern (the one seen last) is usually the
	// distinctive one ("parsed IKE_AUTH response ... N(TS_UNACCEPT)").
	return len(a) <= len(b)
}

func minLen(s []string) int {
	m := 1 << 30
	for _, x := range s {
		m = min(m, len(x))
	}
	return m
}

// lowered returns re (compiled with (?i)) rewritten to match the ASCII
// lower-cased line without case folding, which Go's regexp runs tens to
// hundreds of times faster (a literal prefix is searched with
// strings.Index): ASCII letters outside escapes are lower-cased. nil when
// the pattern holds a non-ASCII letter with case or \Q (then re itself is
// run).
func lowered(re *regexp.Regexp) *regexp.Regexp {
	src := strings.TrimPrefix(re.String(), "(?i)")
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src):
			b.WriteByte(c)
			i++
			b.WriteByte(src[i])
			switch src[i] {
			case 'Q':
				return nil
			case 'p', 'P', 'x':
				if i+1 < len(src) && src[i+1] == '{' {
					e := strings.IndexByte(src[i:], '}')
					if e < 0 {
						return nil
					}
					b.WriteString(src[i+1 : i+e+1])
					i += e
				}
			}
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(src[i:])
			if unicode.SimpleFold(r) != r {
				return nil
			}
			b.WriteString(src[i : i+n])
			i += n - 1
		default:
			b.WriteByte(c)
		}
	}
	fast, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	return fast
}

// Scanner matches lines against the knowledge base. It reuses its buffers
// and is not safe for concurrent use; make one per goroutine.
type Scanner struct {
	k     *KB
	lower []byte
	mark  []uint32
	gen   uint32
	cand  []int
}

// NewScanner returns a scanner of k.
func (k *KB) NewScanner() *Scanner {
	return &Scanner{k: k, mark: make([]uint32, len(k.matcher.branches))}
}

// Scan returns the family of line (the family of its strongest signature,
// else the first family whose recogniser matches, else "") and the
// signatures that match it, in knowledge-base order. The slice is valid
// until the next call.
func (sc *Scanner) Scan(line string) (family string, hits []*Signature) {
	return sc.scan(line, true)
}

// Signatures is Scan for a line whose family is known: the families'
// recognisers are not run.
func (sc *Scanner) Signatures(line string) []*Signature {
	_, hits := sc.scan(line, false)
	return hits
}

func (sc *Scanner) scan(line string, recognise bool) (family string, hits []*Signature) {
	m := sc.k.matcher
	sc.gen++
	if sc.gen == 0 {
		clear(sc.mark)
		sc.gen = 1
	}
	sc.cand = sc.cand[:0]
	sc.lower = lowerASCII(sc.lower[:0], line)
	lw := sc.lower
	mark := func(id int32) {
		for _, b := range m.lbr[id] {
			if sc.mark[b] != sc.gen {
				sc.mark[b] = sc.gen
				sc.cand = append(sc.cand, int(b))
			}
		}
	}
	has3 := len(m.gram3) > 0
	for i := 0; i+1 < len(lw); i++ {
		k2 := uint32(lw[i])<<8 | uint32(lw[i+1])
		if m.bits2[k2/64]&(1<<(k2%64)) != 0 {
			for _, id := range m.gram2[k2] {
				mark(id)
			}
		}
		if i+2 >= len(lw) {
			continue
		}
		k3 := k2<<8 | uint32(lw[i+2])
		if has3 {
			if h := gramHash(k3); m.bits3[h/64]&(1<<(h%64)) != 0 {
				for _, id := range m.gram3[k3] {
					mark(id)
				}
			}
		}
		if i+3 >= len(lw) {
			continue
		}
		k4 := k3<<8 | uint32(lw[i+3])
		if h := gramHash(k4); m.bits4[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		for _, id := range m.gram4[k4] {
			if l := m.lits[id]; len(l) == 4 || len(lw)-i >= len(l) && string(lw[i+4:i+len(l)]) == l[4:] {
				mark(id)
			}
		}
	}
	for _, b := range m.always {
		if sc.mark[b] != sc.gen {
			sc.mark[b] = sc.gen
			sc.cand = append(sc.cand, b)
		}
	}
	if len(sc.cand) == 0 {
		return "", nil
	}
	sortInts(sc.cand)
	recog := ""
	var best *Signature
	last := int32(-1) // the entry last matched: its other branches are skipped
	for _, b := range sc.cand {
		br := &m.branches[b]
		if br.entry == last {
			continue
		}
		en := &m.entries[br.entry]
		if en.sig == nil && (!recognise || recog != "" || best != nil) {
			continue // a line with a signature is that signature's family
		}
		if m.literal[b] {
			// found by the index: the expression is its literal
		} else if br.fast != nil {
			if br.loose != nil && !br.loose.Match(sc.lower) {
				continue
			}
			if !br.fast.Match(sc.lower) {
				continue
			}
		} else if !en.re.MatchString(line) {
			continue
		}
		last = br.entry
		if en.sig == nil {
			recog = en.family
			continue
		}
		hits = append(hits, en.sig)
		if best == nil || strengthRank(en.sig.Strength) > strengthRank(best.Strength) {
			best = en.sig
		}
	}
	switch {
	case recog != "" && (best == nil || recogFirst(recog, hits)):
		family = recog
	case best != nil:
		family = best.Family
	}
	return family, hits
}

// recogFirst: when a family recognises the line and one of the hits is of
// that family, the line is that family's.
func recogFirst(fam string, hits []*Signature) bool {
	for _, h := range hits {
		if h.Family == fam {
			return true
		}
	}
	return len(hits) == 0
}

func strengthRank(s string) int {
	switch s {
	case Strong:
		return 3
	case Medium:
		return 2
	case Weak:
		return 1
	}
	return 0
}

// StrengthRank orders strengths: strong 3, medium 2, weak 1.
func StrengthRank(s string) int { return strengthRank(s) }

func lowerASCII(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// sortInts is an insertion sort: candidate lists are short.
func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
