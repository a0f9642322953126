package kql

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Query is a parsed KQL query: its let statements and the tabular
// expression that gives the result.
type Query struct {
	text string
	lets []let
	body *pipeline
}

type let struct {
	pos    int
	name   string
	scalar expr      // or
	table  *pipeline // a tabular let
}

// pipeline is Source | op | op ...
type pipeline struct {
	pos    int
	source string
	ops    []operator
}

// expression nodes
type (
	expr interface{ position() int }

	litExpr struct {
		pos int
		v   Value
	}
	colExpr struct {
		pos  int
		name string
	}
	starExpr struct{ pos int }
	callExpr struct {
		pos  int
		name string
		args []expr
	}
	unaryExpr struct {
		pos int
		op  string
		x   expr
	}
	binaryExpr struct {
		pos  int
		op   string
		l, r expr
	}
	listExpr struct { // the right side of in / has_any / between
		pos   int
		items []expr
	}
	memberExpr struct { // x.name or x["name"] or x[0]
		pos int
		x   expr
		key expr
	}
)

func (e *litExpr) position() int    { return e.pos }
func (e *colExpr) position() int    { return e.pos }
func (e *starExpr) position() int   { return e.pos }
func (e *callExpr) position() int   { return e.pos }
func (e *unaryExpr) position() int  { return e.pos }
func (e *binaryExpr) position() int { return e.pos }
func (e *listExpr) position() int   { return e.pos }
func (e *memberExpr) position() int { return e.pos }

// named is "Name = expr" or a bare expr (name "").
type named struct {
	name string
	x    expr
}

// Parse parses a query. Errors are [*Error] with line and column.
func Parse(q string) (*Query, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, err.(*Error).locate(q)
	}
	p := &parser{toks: toks}
	query, err := p.query()
	if err != nil {
		if e, ok := err.(*Error); ok {
			return nil, e.locate(q)
		}
		return nil, err
	}
	query.text = q
	return query, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// is reports whether the next token is the word or punctuation s
// (keywords case-sensitively, as KQL does).
func (p *parser) is(s string) bool {
	t := p.peek()
	return (t.kind == tIdent || t.kind == tPunct) && t.text == s
}

func (p *parser) accept(s string) bool {
	if p.is(s) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(op, s string) error {
	if !p.accept(s) {
		return p.errf(op, "expected '%s', found %s", s, p.peek())
	}
	return nil
}

func (p *parser) errf(op, format string, args ...any) *Error {
	return &Error{Pos: p.peek().pos, Op: op, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) query() (*Query, error) {
	q := &Query{}
	for p.is("let") {
		pos := p.next().pos
		name := p.peek()
		if name.kind != tIdent {
			return nil, p.errf("let", "expected a name, found %s", name)
		}
		p.next()
		if err := p.expect("let", "="); err != nil {
			return nil, err
		}
		l := let{pos: pos, name: name.text}
		if p.isTabularStart() {
			t, err := p.pipeline()
			if err != nil {
				return nil, err
			}
			l.table = t
		} else {
			x, err := p.expr("let")
			if err != nil {
				return nil, err
			}
			l.scalar = x
		}
		if err := p.expect("let", ";"); err != nil {
			return nil, err
		}
		q.lets = append(q.lets, l)
	}
	body, err := p.pipeline()
	if err != nil {
		return nil, err
	}
	q.body = body
	for p.accept(";") {
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errf("query", "unexpected %s after the end of the query", t)
	}
	return q, nil
}

// isTabularStart guesses whether a let's value is tabular: a name followed
// by '|' or by ';' where the name is not a function call.
func (p *parser) isTabularStart() bool {
	t := p.peek()
	if t.kind != tIdent {
		return false
	}
	n := p.peekAt(1)
	return n.kind == tPunct && n.text == "|"
}

func (p *parser) pipeline() (*pipeline, error) {
	t := p.peek()
	if t.kind != tIdent {
		return nil, p.errf("query", "expected a table name, found %s", t)
	}
	p.next()
	pl := &pipeline{pos: t.pos, source: t.text}
	for p.accept("|") {
		op, err := p.operator()
		if err != nil {
			return nil, err
		}
		pl.ops = append(pl.ops, op)
	}
	return pl, nil
}

// Operators returns the tabular operators the engine supports.
func Operators() []string {
	return []string{"where", "filter", "project", "project-away", "project-rename", "extend", "summarize",
		"order", "sort", "take", "limit", "top", "distinct", "count", "parse", "getschema", "render"}
}

func (p *parser) operator() (operator, error) {
	t := p.peek()
	if t.kind != tIdent {
		return nil, p.errf("query", "expected a tabular operator after '|', found %s", t)
	}
	p.next()
	name := t.text
	switch name {
	case "where", "filter":
		x, err := p.expr(name)
		if err != nil {
			return nil, err
		}
		return &whereOp{pos: t.pos, cond: x}, nil
	case "project", "extend":
		list, err := p.namedList(name, false)
		if err != nil {
			return nil, err
		}
		return &projectOp{pos: t.pos, extend: name == "extend", cols: list}, nil
	case "project-away":
		var pats []string
		for {
			n, err := p.columnPattern(name)
			if err != nil {
				return nil, err
			}
			pats = append(pats, n)
			if !p.accept(",") {
				break
			}
		}
		return &awayOp{pos: t.pos, patterns: pats}, nil
	case "project-rename":
		list, err := p.namedList(name, true)
		if err != nil {
			return nil, err
		}
		return &renameOp{pos: t.pos, cols: list}, nil
	case "summarize":
		return p.summarize(t.pos)
	case "order", "sort":
		if err := p.expect(name, "by"); err != nil {
			return nil, err
		}
		keys, err := p.sortKeys(name)
		if err != nil {
			return nil, err
		}
		return &sortOp{pos: t.pos, keys: keys}, nil
	case "take", "limit":
		n, err := p.expr(name)
		if err != nil {
			return nil, err
		}
		return &takeOp{pos: t.pos, n: n}, nil
	case "top":
		n, err := p.expr(name)
		if err != nil {
			return nil, err
		}
		if err := p.expect(name, "by"); err != nil {
			return nil, err
		}
		keys, err := p.sortKeys(name)
		if err != nil {
			return nil, err
		}
		return &topOp{pos: t.pos, n: n, keys: keys}, nil
	case "distinct":
		if p.accept("*") {
			return &distinctOp{pos: t.pos, all: true}, nil
		}
		list, err := p.namedList(name, false)
		if err != nil {
			return nil, err
		}
		return &distinctOp{pos: t.pos, cols: list}, nil
	case "count":
		return &countOp{pos: t.pos}, nil
	case "getschema":
		return &schemaOp{pos: t.pos}, nil
	case "parse":
		return p.parseOp(t.pos)
	case "render":
		// A chart hint: the query API returns the table unchanged.
		if k := p.peek(); k.kind == tIdent {
			p.next()
		}
		if p.accept("with") {
			depth := 0
			for {
				tk := p.next()
				if tk.kind == tEOF {
					return nil, p.errf(name, "missing ')'")
				}
				if tk.text == "(" {
					depth++
				} else if tk.text == ")" {
					depth--
					if depth == 0 {
						break
					}
				}
			}
		}
		return &renderOp{pos: t.pos}, nil
	}
	return nil, &Error{Pos: t.pos, Op: name, Msg: fmt.Sprintf(
		"the tabular operator '%s' is not supported by this engine (supported: %s)", name, strings.Join(Operators(), ", "))}
}

// columnPattern reads a column name, possibly with * wildcards.
func (p *parser) columnPattern(op string) (string, error) {
	var b strings.Builder
	for {
		t := p.peek()
		switch {
		case t.kind == tIdent || t.text == "*":
			b.WriteString(t.text)
			p.next()
		case t.kind == tPunct && t.text == "[" && p.peekAt(1).kind == tString:
			p.next()
			b.WriteString(p.next().text)
			if err := p.expect(op, "]"); err != nil {
				return "", err
			}
		default:
			if b.Len() == 0 {
				return "", p.errf(op, "expected a column name, found %s", t)
			}
			return b.String(), nil
		}
		// stop at the end of a name: the next token starts a new one unless adjacent
		if n := p.peek(); n.pos != t.pos+len(t.text) || n.kind != tIdent && n.text != "*" {
			return b.String(), nil
		}
	}
}

// namedList reads "[Name =] expr, ..."; needName requires the name.
func (p *parser) namedList(op string, needName bool) ([]named, error) {
	var out []named
	for {
		var n named
		if name, ok := p.assignName(); ok {
			n.name = name
		} else if needName {
			return nil, p.errf(op, "expected 'NewName = ExistingName', found %s", p.peek())
		}
		x, err := p.expr(op)
		if err != nil {
			return nil, err
		}
		n.x = x
		out = append(out, n)
		if !p.accept(",") {
			return out, nil
		}
	}
}

// assignName consumes "Name =" if it comes next.
func (p *parser) assignName() (string, bool) {
	t, eq := p.peek(), p.peekAt(1)
	if eq.kind == tPunct && eq.text == "=" {
		if t.kind == tIdent {
			p.i += 2
			return t.text, true
		}
	}
	if t.kind == tPunct && t.text == "[" && p.peekAt(1).kind == tString && p.peekAt(2).text == "]" &&
		p.peekAt(3).kind == tPunct && p.peekAt(3).text == "=" {
		name := p.peekAt(1).text
		p.i += 4
		return name, true
	}
	return "", false
}

type sortKey struct {
	x          expr
	asc        bool
	nullsFirst bool
}

func (p *parser) sortKeys(op string) ([]sortKey, error) {
	var keys []sortKey
	for {
		x, err := p.expr(op)
		if err != nil {
			return nil, err
		}
		k := sortKey{x: x}
		if p.accept("asc") {
			k.asc = true
		} else {
			p.accept("desc")
		}
		k.nullsFirst = k.asc
		if p.accept("nulls") {
			switch {
			case p.accept("first"):
				k.nullsFirst = true
			case p.accept("last"):
				k.nullsFirst = false
			default:
				return nil, p.errf(op, "expected 'first' or 'last' after 'nulls', found %s", p.peek())
			}
		}
		keys = append(keys, k)
		if !p.accept(",") {
			return keys, nil
		}
	}
}

func (p *parser) summarize(pos int) (operator, error) {
	op := &summarizeOp{pos: pos}
	if !p.is("by") && !p.atOperatorEnd() {
		list, err := p.namedList("summarize", false)
		if err != nil {
			return nil, err
		}
		op.aggs = list
	}
	if p.accept("by") {
		list, err := p.namedList("summarize", false)
		if err != nil {
			return nil, err
		}
		op.by = list
	}
	if len(op.aggs) == 0 && len(op.by) == 0 {
		return nil, p.errf("summarize", "expected an aggregation or 'by', found %s", p.peek())
	}
	return op, nil
}

func (p *parser) atOperatorEnd() bool {
	t := p.peek()
	return t.kind == tEOF || t.kind == tPunct && (t.text == "|" || t.text == ";")
}

// parseOp reads: parse [kind=simple|regex] Expr with Pattern, where the
// pattern is a sequence of string literals, * and Column[:type].
func (p *parser) parseOp(pos int) (operator, error) {
	op := &parseOp{pos: pos, kind: "simple"}
	if p.is("kind") && p.peekAt(1).text == "=" {
		p.i += 2
		k := p.next()
		if k.text != "simple" && k.text != "regex" {
			return nil, &Error{Pos: k.pos, Op: "parse", Msg: fmt.Sprintf("kind=%s is not supported (simple, regex)", k.text)}
		}
		op.kind = k.text
	}
	x, err := p.expr("parse")
	if err != nil {
		return nil, err
	}
	op.src = x
	if err := p.expect("parse", "with"); err != nil {
		return nil, err
	}
	for !p.atOperatorEnd() {
		t := p.next()
		switch {
		case t.kind == tString:
			op.parts = append(op.parts, parsePart{lit: t.text, isLit: true})
		case t.kind == tPunct && t.text == "*":
			op.parts = append(op.parts, parsePart{star: true})
		case t.kind == tIdent:
			part := parsePart{col: t.text, typ: TypeString}
			if p.accept(":") {
				ty := p.next()
				typ, ok := typeNames[ty.text]
				if !ok {
					return nil, &Error{Pos: ty.pos, Op: "parse", Msg: fmt.Sprintf("unknown type '%s'", ty.text)}
				}
				part.typ = typ
			}
			op.parts = append(op.parts, part)
		default:
			return nil, &Error{Pos: t.pos, Op: "parse", Msg: fmt.Sprintf("unexpected %s in the pattern", t)}
		}
	}
	if len(op.parts) == 0 {
		return nil, p.errf("parse", "empty pattern after 'with'")
	}
	return op, nil
}

var typeNames = map[string]Type{
	"string": TypeString, "long": TypeLong, "int": TypeInt, "real": TypeReal, "double": TypeReal,
	"bool": TypeBool, "boolean": TypeBool, "datetime": TypeDatetime, "date": TypeDatetime,
	"timespan": TypeTimespan, "time": TypeTimespan, "dynamic": TypeDynamic, "guid": TypeGUID,
}

// Expressions, lowest precedence first.

func (p *parser) expr(op string) (expr, error) { return p.orExpr(op) }

func (p *parser) orExpr(op string) (expr, error) {
	l, err := p.andExpr(op)
	for err == nil && p.is("or") {
		t := p.next()
		var r expr
		if r, err = p.andExpr(op); err == nil {
			l = &binaryExpr{t.pos, "or", l, r}
		}
	}
	return l, err
}

func (p *parser) andExpr(op string) (expr, error) {
	l, err := p.cmpExpr(op)
	for err == nil && p.is("and") {
		t := p.next()
		var r expr
		if r, err = p.cmpExpr(op); err == nil {
			l = &binaryExpr{t.pos, "and", l, r}
		}
	}
	return l, err
}

// comparison and string operators
var cmpOps = []string{"==", "!=", "=~", "!~", "<", "<=", ">", ">=",
	"has", "!has", "has_cs", "!has_cs", "contains", "!contains", "contains_cs", "!contains_cs",
	"startswith", "!startswith", "startswith_cs", "!startswith_cs", "endswith", "!endswith",
	"endswith_cs", "!endswith_cs", "in", "!in", "in~", "!in~", "has_any", "has_all", "between", "!between",
	"matches", "hasprefix", "!hasprefix", "hassuffix", "!hassuffix"}

func (p *parser) cmpExpr(op string) (expr, error) {
	l, err := p.addExpr(op)
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if (t.kind != tPunct && t.kind != tIdent) || !slices.Contains(cmpOps, t.text) {
		if t.kind == tPunct && strings.HasPrefix(t.text, "!") && len(t.text) > 1 {
			return nil, &Error{Pos: t.pos, Op: op, Msg: fmt.Sprintf("the operator '%s' is not supported", t.text)}
		}
		return l, nil
	}
	p.next()
	switch t.text {
	case "in", "!in", "in~", "!in~", "has_any", "has_all":
		list, err := p.parenList(op)
		if err != nil {
			return nil, err
		}
		return &binaryExpr{t.pos, t.text, l, list}, nil
	case "between", "!between":
		if err := p.expect(op, "("); err != nil {
			return nil, err
		}
		lo, err := p.addExpr(op)
		if err != nil {
			return nil, err
		}
		if err := p.expect(op, ".."); err != nil {
			return nil, err
		}
		hi, err := p.addExpr(op)
		if err != nil {
			return nil, err
		}
		if err := p.expect(op, ")"); err != nil {
			return nil, err
		}
		return &binaryExpr{t.pos, t.text, l, &listExpr{t.pos, []expr{lo, hi}}}, nil
	case "matches":
		if err := p.expect(op, "regex"); err != nil {
			return nil, err
		}
	}
	r, err := p.addExpr(op)
	if err != nil {
		return nil, err
	}
	return &binaryExpr{t.pos, t.text, l, r}, nil
}

func (p *parser) parenList(op string) (*listExpr, error) {
	t := p.peek()
	if err := p.expect(op, "("); err != nil {
		return nil, err
	}
	list := &listExpr{pos: t.pos}
	if p.accept(")") {
		return list, nil
	}
	for {
		x, err := p.expr(op)
		if err != nil {
			return nil, err
		}
		list.items = append(list.items, x)
		if p.accept(")") {
			return list, nil
		}
		if err := p.expect(op, ","); err != nil {
			return nil, err
		}
	}
}

func (p *parser) addExpr(op string) (expr, error) {
	l, err := p.mulExpr(op)
	for err == nil && (p.is("+") || p.is("-")) {
		t := p.next()
		var r expr
		if r, err = p.mulExpr(op); err == nil {
			l = &binaryExpr{t.pos, t.text, l, r}
		}
	}
	return l, err
}

func (p *parser) mulExpr(op string) (expr, error) {
	l, err := p.unary(op)
	for err == nil && (p.is("*") || p.is("/") || p.is("%")) {
		t := p.next()
		var r expr
		if r, err = p.unary(op); err == nil {
			l = &binaryExpr{t.pos, t.text, l, r}
		}
	}
	return l, err
}

func (p *parser) unary(op string) (expr, error) {
	if p.is("-") || p.is("+") {
		t := p.next()
		x, err := p.unary(op)
		if err != nil {
			return nil, err
		}
		if t.text == "+" {
			return x, nil
		}
		return &unaryExpr{t.pos, "-", x}, nil
	}
	return p.postfix(op)
}

func (p *parser) postfix(op string) (expr, error) {
	x, err := p.primary(op)
	for err == nil {
		switch {
		case p.is(".") && p.peekAt(1).kind == tIdent:
			t := p.next()
			name := p.next()
			x = &memberExpr{t.pos, x, &litExpr{name.pos, String(name.text)}}
		case p.is("["):
			t := p.next()
			var k expr
			if k, err = p.expr(op); err != nil {
				return nil, err
			}
			if err = p.expect(op, "]"); err != nil {
				return nil, err
			}
			x = &memberExpr{t.pos, x, k}
		default:
			return x, nil
		}
	}
	return nil, err
}

func (p *parser) primary(op string) (expr, error) {
	t := p.peek()
	switch t.kind {
	case tString:
		p.next()
		return &litExpr{t.pos, String(t.text)}, nil
	case tNumber:
		p.next()
		if strings.ContainsAny(t.text, ".eE") {
			f, err := strconv.ParseFloat(t.text, 64)
			if err != nil {
				return nil, &Error{Pos: t.pos, Op: op, Msg: fmt.Sprintf("bad number %q", t.text)}
			}
			return &litExpr{t.pos, Real(f)}, nil
		}
		i, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return nil, &Error{Pos: t.pos, Op: op, Msg: fmt.Sprintf("bad number %q", t.text)}
		}
		return &litExpr{t.pos, Long(i)}, nil
	case tTimespan:
		p.next()
		d, err := parseTimespan(t.text)
		if err != nil {
			return nil, &Error{Pos: t.pos, Op: op, Msg: err.Error()}
		}
		return &litExpr{t.pos, Timespan(d)}, nil
	case tPunct:
		switch t.text {
		case "(":
			p.next()
			x, err := p.expr(op)
			if err != nil {
				return nil, err
			}
			if err := p.expect(op, ")"); err != nil {
				return nil, err
			}
			return x, nil
		case "*":
			p.next()
			return &starExpr{t.pos}, nil
		case "[":
			if p.peekAt(1).kind == tString && p.peekAt(2).text == "]" {
				p.i += 3
				return &colExpr{t.pos, p.toks[p.i-2].text}, nil
			}
		}
	case tIdent:
		p.next()
		switch t.text {
		case "true", "false":
			return &litExpr{t.pos, Bool(t.text == "true")}, nil
		case "null":
			return &litExpr{t.pos, Null(TypeDynamic)}, nil
		}
		if p.is("(") {
			switch strings.ToLower(t.text) {
			case "datetime", "timespan", "time":
				p.next()
				raw := p.next()
				if err := p.expect(t.text, ")"); err != nil {
					return nil, err
				}
				return rawLiteral(t, raw)
			}
			p.next()
			call := &callExpr{pos: t.pos, name: t.text}
			if p.accept(")") {
				return call, nil
			}
			for {
				x, err := p.expr(t.text)
				if err != nil {
					return nil, err
				}
				call.args = append(call.args, x)
				if p.accept(")") {
					return call, nil
				}
				if err := p.expect(t.text, ","); err != nil {
					return nil, err
				}
			}
		}
		return &colExpr{t.pos, t.text}, nil
	}
	return nil, p.errf(op, "expected an expression, found %s", t)
}

// rawLiteral makes datetime(...) or timespan(...) from its raw text.
func rawLiteral(fn, raw token) (expr, error) {
	if strings.EqualFold(fn.text, "datetime") {
		if raw.text == "" || strings.EqualFold(raw.text, "null") {
			return &litExpr{fn.pos, Null(TypeDatetime)}, nil
		}
		tm, err := parseDatetime(strings.Trim(raw.text, `"'`))
		if err != nil {
			return nil, &Error{Pos: raw.pos, Op: "datetime", Msg: err.Error()}
		}
		return &litExpr{fn.pos, Datetime(tm)}, nil
	}
	d, err := parseTimespan(strings.Trim(raw.text, `"'`))
	if err != nil {
		return nil, &Error{Pos: raw.pos, Op: fn.text, Msg: err.Error()}
	}
	return &litExpr{fn.pos, Timespan(d)}, nil
}

var _ = time.Second
