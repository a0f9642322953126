package kql

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
)

// evalFn computes an expression for one row.
type evalFn func(row []Value) Value

// scope is what an expression can see: the input columns, the let
// bindings and the clock.
type scope struct {
	cols  []Column
	index map[string]int
	env   *runEnv
	op    string // the tabular operator, for errors
	// byNames are summarize's group columns, which arg_max(x, *) leaves out.
	byNames map[string]bool
}

func newScope(cols []Column, env *runEnv, op string) *scope {
	s := &scope{cols: cols, index: make(map[string]int, len(cols)), env: env, op: op}
	for i, c := range cols {
		s.index[c.Name] = i
	}
	return s
}

func (s *scope) errf(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Op: s.op, Msg: fmt.Sprintf(format, args...)}
}

func constant(v Value) evalFn { return func([]Value) Value { return v } }

// compile turns e into a function of a row and its static type.
func (s *scope) compile(e expr) (evalFn, Type, error) {
	switch x := e.(type) {
	case *litExpr:
		return constant(x.v), x.v.Type, nil
	case *colExpr:
		if i, ok := s.index[x.name]; ok {
			return func(row []Value) Value { return row[i] }, s.cols[i].Type, nil
		}
		if v, ok := s.env.scalars[x.name]; ok {
			return constant(v), v.Type, nil
		}
		return nil, "", s.errf(x.pos, "failed to resolve scalar expression named '%s'", x.name)
	case *starExpr:
		return nil, "", s.errf(x.pos, "'*' is not allowed here")
	case *unaryExpr:
		f, t, err := s.compile(x.x)
		if err != nil {
			return nil, "", err
		}
		return func(row []Value) Value { return negate(f(row)) }, t, nil
	case *memberExpr:
		f, _, err := s.compile(x.x)
		if err != nil {
			return nil, "", err
		}
		k, _, err := s.compile(x.key)
		if err != nil {
			return nil, "", err
		}
		return func(row []Value) Value { return member(f(row), k(row)) }, TypeDynamic, nil
	case *callExpr:
		return s.call(x)
	case *binaryExpr:
		return s.binary(x)
	case *listExpr:
		return nil, "", s.errf(x.pos, "a list is not allowed here")
	}
	return nil, "", s.errf(e.position(), "unsupported expression")
}

func negate(v Value) Value {
	switch x := v.V.(type) {
	case int64:
		return Value{v.Type, -x}
	case float64:
		return Real(-x)
	case time.Duration:
		return Timespan(-x)
	}
	return Null(v.Type)
}

func member(v, k Value) Value {
	switch x := v.V.(type) {
	case map[string]Value:
		if r, ok := x[k.String()]; ok {
			return r
		}
	case []Value:
		if i, ok := k.V.(int64); ok {
			if i < 0 {
				i += int64(len(x))
			}
			if i >= 0 && i < int64(len(x)) {
				return x[i]
			}
		}
	}
	return Null(TypeDynamic)
}

func (s *scope) binary(x *binaryExpr) (evalFn, Type, error) {
	l, lt, err := s.compile(x.l)
	if err != nil {
		return nil, "", err
	}
	if list, ok := x.r.(*listExpr); ok {
		return s.listOp(x, l, list)
	}
	r, rt, err := s.compile(x.r)
	if err != nil {
		return nil, "", err
	}
	switch x.op {
	case "and":
		return func(row []Value) Value { return Bool(l(row).truth() && r(row).truth()) }, TypeBool, nil
	case "or":
		return func(row []Value) Value { return Bool(l(row).truth() || r(row).truth()) }, TypeBool, nil
	case "+", "-", "*", "/", "%":
		return func(row []Value) Value { return arith(x.op, l(row), r(row)) }, arithType(x.op, lt, rt), nil
	case "==":
		return func(row []Value) Value { return Bool(equal(l(row), r(row))) }, TypeBool, nil
	case "!=":
		return func(row []Value) Value {
			a, b := l(row), r(row)
			c, ok := compare(a, b)
			return Bool(ok && c != 0)
		}, TypeBool, nil
	case "<", "<=", ">", ">=":
		return func(row []Value) Value {
			c, ok := compare(l(row), r(row))
			if !ok {
				return Bool(false)
			}
			switch x.op {
			case "<":
				return Bool(c < 0)
			case "<=":
				return Bool(c <= 0)
			case ">":
				return Bool(c > 0)
			}
			return Bool(c >= 0)
		}, TypeBool, nil
	case "matches":
		lit, ok := x.r.(*litExpr)
		if !ok {
			return nil, "", s.errf(x.pos, "matches regex needs a string literal")
		}
		re, err := regexp.Compile(lit.v.String())
		if err != nil {
			return nil, "", s.errf(lit.pos, "bad regular expression: %v", err)
		}
		return func(row []Value) Value { return Bool(re.MatchString(l(row).String())) }, TypeBool, nil
	}
	neg := strings.HasPrefix(x.op, "!")
	name := strings.TrimPrefix(x.op, "!")
	cs := strings.HasSuffix(name, "_cs")
	name = strings.TrimSuffix(name, "_cs")
	var test func(a, b string) bool
	switch name {
	case "=~", "~":
		test, neg = strings.EqualFold, x.op == "!~"
	case "has":
		test = func(a, b string) bool { return hasTerm(a, b, cs) }
	case "hasprefix":
		test = func(a, b string) bool { return hasPrefixTerm(a, b) }
	case "hassuffix":
		test = func(a, b string) bool { return hasSuffixTerm(a, b) }
	case "contains":
		test = func(a, b string) bool { return strings.Contains(fold(a, cs), fold(b, cs)) }
	case "startswith":
		test = func(a, b string) bool { return strings.HasPrefix(fold(a, cs), fold(b, cs)) }
	case "endswith":
		test = func(a, b string) bool { return strings.HasSuffix(fold(a, cs), fold(b, cs)) }
	default:
		return nil, "", s.errf(x.pos, "the operator '%s' is not supported", x.op)
	}
	return func(row []Value) Value { return Bool(test(l(row).String(), r(row).String()) != neg) }, TypeBool, nil
}

func fold(s string, cs bool) string {
	if cs {
		return s
	}
	return strings.ToLower(s)
}

func isTermChar(c byte) bool { return isIdentPart(c) && c != '$' || c >= 0x80 }

// hasTerm is KQL's has: needle occurs in s as whole terms (runs of letters
// and digits), case-insensitively unless cs.
func hasTerm(s, needle string, cs bool) bool {
	s, needle = fold(s, cs), fold(needle, cs)
	if needle == "" {
		return true
	}
	return anyOccurrence(s, needle, func(j, end int) bool {
		startOK := j == 0 || !isTermChar(s[j-1]) || !isTermChar(needle[0])
		endOK := end == len(s) || !isTermChar(s[end]) || !isTermChar(needle[len(needle)-1])
		return startOK && endOK
	})
}

func hasPrefixTerm(s, needle string) bool {
	s, needle = strings.ToLower(s), strings.ToLower(needle)
	return anyOccurrence(s, needle, func(j, _ int) bool { return j == 0 || !isTermChar(s[j-1]) })
}

func hasSuffixTerm(s, needle string) bool {
	s, needle = strings.ToLower(s), strings.ToLower(needle)
	return anyOccurrence(s, needle, func(_, end int) bool { return end == len(s) || !isTermChar(s[end]) })
}

// anyOccurrence reports whether ok holds for some occurrence s[j:end] of
// needle in s.
func anyOccurrence(s, needle string, ok func(j, end int) bool) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], needle)
		if j < 0 {
			return false
		}
		j += i
		if ok(j, j+len(needle)) {
			return true
		}
		i = j + 1
	}
}

// listOp serves in, !in, in~, !in~, has_any, has_all, between, !between.
func (s *scope) listOp(x *binaryExpr, l evalFn, list *listExpr) (evalFn, Type, error) {
	items := make([]evalFn, len(list.items))
	for i, it := range list.items {
		f, _, err := s.compile(it)
		if err != nil {
			return nil, "", err
		}
		items[i] = f
	}
	values := func(row []Value) []Value {
		var out []Value
		for _, f := range items {
			v := f(row)
			if a, ok := v.V.([]Value); ok { // a dynamic array spreads
				out = append(out, a...)
			} else {
				out = append(out, v)
			}
		}
		return out
	}
	switch x.op {
	case "in", "!in", "in~", "!in~":
		neg, ci := strings.HasPrefix(x.op, "!"), strings.HasSuffix(x.op, "~")
		return func(row []Value) Value {
			v := l(row)
			if v.IsNull() {
				return Bool(neg)
			}
			for _, it := range values(row) {
				if ci && strings.EqualFold(v.String(), it.String()) || !ci && equal(v, it) {
					return Bool(!neg)
				}
			}
			return Bool(neg)
		}, TypeBool, nil
	case "has_any", "has_all":
		all := x.op == "has_all"
		return func(row []Value) Value {
			v := l(row).String()
			for _, it := range values(row) {
				if hasTerm(v, it.String(), false) != all {
					return Bool(!all)
				}
			}
			return Bool(all)
		}, TypeBool, nil
	case "between", "!between":
		neg := x.op == "!between"
		return func(row []Value) Value {
			v := l(row)
			lo, hi := items[0](row), items[1](row)
			if d, ok := hi.V.(time.Duration); ok && lo.Type == TypeDatetime {
				hi = arith("+", lo, Timespan(d))
			}
			c1, ok1 := compare(v, lo)
			c2, ok2 := compare(v, hi)
			if !ok1 || !ok2 {
				return Bool(false)
			}
			return Bool((c1 >= 0 && c2 <= 0) != neg)
		}, TypeBool, nil
	}
	return nil, "", s.errf(x.pos, "the operator '%s' does not take a list", x.op)
}

func arithType(op string, a, b Type) Type {
	switch {
	case a == TypeDatetime && b == TypeDatetime && op == "-":
		return TypeTimespan
	case a == TypeDatetime || b == TypeDatetime:
		return TypeDatetime
	case a == TypeTimespan && b == TypeTimespan && op == "/":
		return TypeReal
	case a == TypeTimespan || b == TypeTimespan:
		return TypeTimespan
	case a == TypeReal || b == TypeReal:
		return TypeReal
	case (a == TypeLong || a == TypeInt) && (b == TypeLong || b == TypeInt):
		return TypeLong
	}
	return TypeReal
}

// arith applies + - * / % with KQL's typing; anything undefined is null.
func arith(op string, a, b Value) Value {
	if a.IsNull() || b.IsNull() {
		return Null(arithType(op, a.Type, b.Type))
	}
	switch x := a.V.(type) {
	case time.Time:
		switch y := b.V.(type) {
		case time.Time:
			if op == "-" {
				return Timespan(x.Sub(y))
			}
		case time.Duration:
			switch op {
			case "+":
				return Datetime(x.Add(y))
			case "-":
				return Datetime(x.Add(-y))
			}
		}
		return Null(TypeDatetime)
	case time.Duration:
		switch y := b.V.(type) {
		case time.Duration:
			switch op {
			case "+":
				return Timespan(x + y)
			case "-":
				return Timespan(x - y)
			case "/":
				if y != 0 {
					return Real(float64(x) / float64(y))
				}
			}
		case time.Time:
			if op == "+" {
				return Datetime(y.Add(x))
			}
		case int64, float64:
			f, _ := b.numeric()
			switch op {
			case "*":
				return Timespan(time.Duration(float64(x) * f))
			case "/":
				if f != 0 {
					return Timespan(time.Duration(float64(x) / f))
				}
			}
		}
		return Null(TypeTimespan)
	}
	if d, ok := b.V.(time.Duration); ok && op == "*" {
		return arith("*", Timespan(d), a)
	}
	ia, aInt := a.V.(int64)
	ib, bInt := b.V.(int64)
	if aInt && bInt {
		switch op {
		case "+":
			return Long(ia + ib)
		case "-":
			return Long(ia - ib)
		case "*":
			return Long(ia * ib)
		case "/":
			if ib != 0 {
				return Long(ia / ib)
			}
		case "%":
			if ib != 0 {
				return Long(ia % ib)
			}
		}
		return Null(TypeLong)
	}
	fa, ok1 := a.numeric()
	fb, ok2 := b.numeric()
	if !ok1 || !ok2 {
		return Null(TypeReal)
	}
	switch op {
	case "+":
		return Real(fa + fb)
	case "-":
		return Real(fa - fb)
	case "*":
		return Real(fa * fb)
	case "/":
		if fb == 0 {
			return Null(TypeReal)
		}
		return Real(fa / fb)
	case "%":
		return Real(math.Mod(fa, fb))
	}
	return Null(TypeReal)
}
