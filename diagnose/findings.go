package diagnose

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/vpnlab/vpnlab/diagnose/kb"
)

// Sides of a line: who printed it.
const (
	sideDevice = "device"
	sideAzure  = "azure"
	sideClient = "client"
	sideText   = "" // unstructured input: the printer is not known
)

// ownerRadius owns the RADIUS server's log lines.
const ownerRadius = "RADIUS server"

// line is one line of evidence as the signatures see it.
type line struct {
	ref    string
	text   string
	side   string
	family string
	owner  string // the P2S client whose log it is; Azure's log category
	quote  string // how a fact names its printer: "on-prem charon", "Azure IKEDiagnosticLog"
}

// sourceFamily is the log family of a structured reader's source: the
// source says it better than any recogniser.
var sourceFamily = map[string]string{
	"charon": "strongswan", "pluto": "libreswan", "bgp": "bgp", "windows": "windows", "freeradius": "freeradius",
}

// finding is one signature matched by one line.
type finding struct {
	sig  *kb.Signature
	line int // index in view.lines
}

// scanLines matches every log line of the window and every text line
// against the knowledge base: the live lab's charon, GoBGP and
// AzureDiagnostics lines and a real incident's lines go through the same
// signatures. A large input is matched by GOMAXPROCS workers, each with
// its own scanner, over consecutive ranges of lines; the findings are then
// made in line order, so the result does not depend on the workers.
func (v *view) scanLines() {
	n := len(v.devLog) + len(v.azLog) + len(v.ev.Text)
	for _, cl := range v.ev.P2S {
		n += len(cl.Log)
	}
	if v.ev.Radius != nil {
		n += len(v.ev.Radius.Log)
	}
	v.lines = slices.Grow(v.lines, n) // one line each: grown once, not log2(n) times
	fam0s := make([]string, 0, n)     // the family a structured reader gives, else ""
	add := func(ref, text, side, owner, quote, fam0 string) {
		v.lines = append(v.lines, line{ref: ref, text: text, side: side, owner: owner, quote: quote})
		fam0s = append(fam0s, fam0)
	}
	quotes := map[string]string{} // source -> "on-prem <source>", made once a source, not once a line
	for i, l := range v.devLog {
		q, ok := quotes[l.Source]
		if !ok {
			q = "on-prem " + orLog(l.Source)
			quotes[l.Source] = q
		}
		ref := l.Ref
		if ref == "" {
			ref = orRef("", "on-prem "+orDash(l.Source), i)
		}
		add(ref, l.Message, sideDevice, "", q, sourceFamily[l.Source])
	}
	for i, l := range v.azLog {
		t := strings.TrimSpace(strings.Join(nonEmpty(l.Operation, l.Message, l.Reason), " "))
		add(orRef(l.Ref, "Azure "+orDash(l.Category), i), t, sideAzure, l.Category, "Azure "+orDefault(l.Category, "diagnostic log"), "azure-diagnostics")
	}
	for _, cl := range v.ev.P2S {
		for i, l := range cl.Log {
			if v.inWindow(l.Time) {
				add(orRef(l.Ref, "P2S client "+orDash(cl.Name), i), l.Message, sideClient, cl.Name, "P2S client "+orDash(cl.Name)+" log", sourceFamily[l.Source])
			}
		}
	}
	if r := v.ev.Radius; r != nil {
		for i, l := range r.Log {
			if v.inWindow(l.Time) {
				add(orRef(l.Ref, "RADIUS server", i), l.Message, sideAzure, ownerRadius, "RADIUS server log", sourceFamily[l.Source])
			}
		}
	}
	for _, l := range v.ev.Text {
		if v.inWindow(l.Time) {
			add(l.Ref, l.Text, sideText, "", "", "")
		}
	}

	// Match: redact each line, then its family and signatures.
	hits := make([][]*kb.Signature, len(v.lines))
	match := func(lo, hi int) {
		sc := kb.Default().NewScanner()
		var buf []*kb.Signature // the workers' hits, one backing array per worker
		for i := lo; i < hi; i++ {
			l := &v.lines[i]
			l.text = Redact(l.text)
			var h []*kb.Signature
			if fam0s[i] != "" {
				l.family, h = fam0s[i], sc.Signatures(l.text)
			} else {
				l.family, h = sc.Scan(l.text)
			}
			if len(h) > 0 { // the scanner's slice is reused: keep a copy
				start := len(buf)
				buf = append(buf, h...)
				hits[i] = buf[start:len(buf):len(buf)]
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(v.lines)/parallelLines)
	if workers <= 1 {
		match(0, len(v.lines))
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := w*len(v.lines)/workers, (w+1)*len(v.lines)/workers
			wg.Add(1)
			go func() {
				defer wg.Done()
				match(lo, hi)
			}()
		}
		wg.Wait()
	}

	// Findings, in line order: a context signature needs the line before.
	for i := range v.lines {
		l := &v.lines[i]
		own := ownFamily(l.family, hits[i])
		prev := ""
		if i > 0 && v.lines[i-1].side == l.side && v.lines[i-1].owner == l.owner && sameFile(v.lines[i-1].ref, l.ref) {
			prev = v.lines[i-1].text
		}
		ctx := inContext(hits[i], prev)
		for _, h := range hits[i] {
			if own && h.Family != l.family {
				continue // the line's own family reads it: other vendors' look-alike messages do not
			}
			if h.After != nil && !h.After.MatchString(prev) || ctx && h.After == nil {
				continue // a context signature reads the line when its context is there, and alone
			}
			v.findings = append(v.findings, finding{sig: h, line: i})
		}
	}
}

// parallelLines is the number of lines a worker must have at least for
// scanLines to use more than one: below it, starting workers costs more
// than it saves (the engine's budget is 1 ms a bundle).
const parallelLines = 4096

// sameFile reports whether two "file:line" references name one file.
func sameFile(a, b string) bool {
	i, j := strings.LastIndexByte(a, ':'), strings.LastIndexByte(b, ':')
	return i >= 0 && j >= 0 && a[:i] == b[:j]
}

// inContext reports whether one of hits needs a context (After) that
// prev, the line before, gives.
func inContext(hits []*kb.Signature, prev string) bool {
	for _, h := range hits {
		if h.After != nil && h.After.MatchString(prev) {
			return true
		}
	}
	return false
}

// ownFamily reports whether one of hits is a signature of fam, the
// line's family: then that family's signatures alone read the line.
func ownFamily(fam string, hits []*kb.Signature) bool {
	if fam == "" {
		return false
	}
	for _, h := range hits {
		if h.Family == fam {
			return true
		}
	}
	return false
}

func orRef(ref, src string, i int) string {
	if ref != "" {
		return ref
	}
	return fmt.Sprintf("%s #%d", src, i+1)
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// fact quotes a finding's line: who printed it, the line, and where it
// came from when an input file says so.
func (v *view) fact(f finding) string {
	l := v.lines[f.line]
	if l.quote == "" {
		return fmt.Sprintf("%s: %q", l.ref, clip(l.text))
	}
	s := fmt.Sprintf("%s: %q", l.quote, clip(l.text))
	if !strings.HasPrefix(l.ref, l.quote) && !strings.HasPrefix(l.ref, "on-prem ") && !strings.HasPrefix(l.ref, "Azure ") {
		s += " (" + l.ref + ")"
	}
	return s
}

func orLog(s string) string { return orDefault(s, "log") }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// cite adds the lines of the verdict's fault (and of any fault it
// explains) to the verdict, latest first, at most 8.
func (v *view) cite(out *Verdict) {
	if out.Fault == "" {
		return
	}
	related := []string{out.Fault}
	if f := kb.Default().Fault(out.Fault); f != nil {
		related = append(related, f.Explains...)
	}
	seen := map[int]bool{}
	for pass := 0; pass < 2; pass++ {
		for i := len(v.findings) - 1; i >= 0 && len(out.Cited) < 8; i-- {
			f := v.findings[i]
			own := f.sig.Fault == out.Fault
			if (pass == 0) != own || !slices.Contains(related, f.sig.Fault) || seen[f.line] {
				continue
			}
			seen[f.line] = true
			l := v.lines[f.line]
			out.Cited = append(out.Cited, Citation{Ref: l.ref, Line: clip(l.text), Signature: f.sig.ID, Fault: f.sig.Fault, Strength: f.sig.Strength})
		}
	}
}

// families states which log families the lines were recognised as and
// how many lines nothing recognised.
func (v *view) families(out *Verdict) {
	count := map[string]int{}
	out.Lines, out.Unplaced = len(v.lines), 0
	for _, l := range v.lines {
		if l.family == "" {
			out.Unplaced++
			continue
		}
		count[l.family]++
	}
	out.Families = nil
	for _, f := range kb.Families {
		if count[f] > 0 {
			out.Families = append(out.Families, FamilyCount{Family: f, Lines: count[f]})
		}
	}
}

// --- judgement from the lines alone ---

// suspect is one fault the lines point at, with its support.
type suspect struct {
	fault      *kb.Fault
	level      int // strongest non-consequence signature: 3 strong, 2 medium, 1 weak, 0 only consequences
	lines      int // distinct lines
	sides      map[string]bool
	sigs       map[string]bool
	explained  string // a better-supported fault that explains this one
	confidence float64
}

func (s *suspect) category() int { return slices.Index(kb.Categories, s.fault.Category) }

// suspects weighs the findings per fault and orders them: the strongest
// support first; among equal support, the isolation order of seed 000 §5.2
// (tunnel setup → authentication → routing → operations); a fault whose
// lines another, better-supported fault explains (kb explains), and a
// fault seen only through consequences (a DPD timeout, retransmits) while
// another has a cause of its own, go last.
func (v *view) suspects() []*suspect {
	k := kb.Default()
	by := map[string]*suspect{}
	var out []*suspect
	lineSeen := map[string]map[int]bool{}
	for _, f := range v.findings {
		s := by[f.sig.Fault]
		if s == nil {
			s = &suspect{fault: k.Fault(f.sig.Fault), sides: map[string]bool{}, sigs: map[string]bool{}}
			by[f.sig.Fault] = s
			lineSeen[f.sig.Fault] = map[int]bool{}
			out = append(out, s)
		}
		if !f.sig.Consequence {
			s.level = max(s.level, kb.StrengthRank(f.sig.Strength))
		}
		if !lineSeen[f.sig.Fault][f.line] {
			lineSeen[f.sig.Fault][f.line] = true
			s.lines++
		}
		if sd := v.lines[f.line].side; sd != sideText {
			s.sides[sd] = true
		}
		s.sigs[f.sig.ID] = true
	}
	if len(out) == 0 {
		return nil
	}
	// Explained faults: a fault with a cause of its own (medium or
	// strong) explains the symptoms it produces.
	for _, s := range out {
		for _, e := range s.fault.Explains {
			if x := by[e]; x != nil && s.level >= 2 && s.level >= x.level && x.explained == "" {
				x.explained = s.fault.ID
			}
		}
	}
	causes := false
	for _, s := range out {
		if s.level > 0 && s.explained == "" {
			causes = true
		}
	}
	rank := func(s *suspect) int {
		r := s.level
		if s.explained != "" || (causes && s.level == 0) {
			r = -1
		}
		return r
	}
	slices.SortStableFunc(out, func(a, b *suspect) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return rb - ra
		}
		if ca, cb := a.category(), b.category(); ca != cb {
			return ca - cb
		}
		if a.lines != b.lines {
			return min(b.lines, 5) - min(a.lines, 5)
		}
		return 0
	})
	for i, s := range out {
		s.confidence = s.support()
		if i == 0 && len(out) > 1 {
			r := out[1]
			if rank(r) == rank(s) && rank(s) >= 0 {
				if r.fault.Category != s.fault.Category {
					s.confidence -= 0.15
				} else {
					s.confidence -= 0.1
				}
			}
		}
		if rank(s) < 0 {
			s.confidence = min(s.confidence, 0.3)
		}
		s.confidence = math.Round(max(0.1, s.confidence)*100) / 100
	}
	return out
}

// support is the confidence the lines alone give a fault: one strong line
// says much, one ambiguous line little; more lines and both sides add.
func (s *suspect) support() float64 {
	more := s.lines >= 2
	both := len(s.sides) >= 2
	switch s.level {
	case 3:
		c := 0.8
		if more || both {
			c = 0.9
		}
		if more && both {
			c = 0.95
		}
		return c
	case 2:
		c := 0.6
		if more {
			c += 0.1
		}
		if both {
			c += 0.05
		}
		return c
	case 1:
		return 0.4 + 0.05*float64(min(s.lines-1, 2))
	}
	return 0.3
}

// why says in a few words what supports a suspect.
func (s *suspect) why() string {
	lvl := map[int]string{3: "a strong signature", 2: "a signature that points at it", 1: "a weak symptom", 0: "only consequences"}[s.level]
	w := fmt.Sprintf("%d line(s), %s", s.lines, lvl)
	if s.explained != "" {
		w += ", explained by " + s.explained
	}
	return w
}

// fromLines is the verdict the lines alone give: the first suspect, with
// the others as candidates. ok is false when no line matched a signature.
func (v *view) fromLines() (Verdict, bool) {
	sus := v.suspects()
	if len(sus) == 0 {
		return Verdict{}, false
	}
	top := sus[0]
	f := top.fault
	out := Verdict{
		Category:       f.Category,
		Fault:          f.ID,
		Summary:        f.Title,
		NetworkWatcher: f.NWFault,
		Confidence:     top.confidence,
		Fix:            kbSteps(f),
	}
	if top.level == 0 {
		out.Summary += " — but only its consequences were seen, not a cause"
	}
	out.Facts = append(out.Facts, fmt.Sprintf("%s is supported by %s", f.ID, top.why()))
	for i := len(v.findings) - 1; i >= 0 && len(out.Facts) < 6; i-- {
		fd := v.findings[i]
		if fd.sig.Fault == f.ID {
			fact := v.fact(fd)
			if fd.sig.Note != "" {
				fact += " — " + fd.sig.Note
			}
			if !slices.Contains(out.Facts, fact) {
				out.Facts = append(out.Facts, fact)
			}
		}
	}
	for _, s := range sus[1:] {
		if len(out.Candidates) == 3 {
			break
		}
		out.Candidates = append(out.Candidates, Candidate{Category: s.fault.Category, Fault: s.fault.ID, Confidence: s.confidence, Why: s.why()})
	}
	if out.Confidence < 0.7 {
		out.CollectNext = append(out.CollectNext, f.CollectNext...)
	}
	return out, true
}

// kbSteps is a fault's fix as numbered steps.
func kbSteps(f *kb.Fault) []Step {
	out := make([]Step, 0, len(f.Fix))
	for i, s := range f.Fix {
		out = append(out, Step{N: i + 1, Text: s.Text, Source: s.Source, Azure: s.Azure, Device: s.Device})
	}
	return out
}
