package kql

import (
	"fmt"
	"slices"
)

// aggregator accumulates one aggregation over a group's rows.
type aggregator interface {
	add(row []Value)
	result() []Value
}

// aggregation is a summarize function: it checks and compiles its
// arguments against the input and names its output columns.
type aggregation struct {
	min, max int
	// build returns the output columns (default names) and a factory of
	// per-group aggregators.
	build func(s *scope, c *callExpr, args []evalFn, types []Type) ([]Column, func() aggregator, error)
}

var aggregations map[string]aggregation

func init() {
	aggregations = map[string]aggregation{
		"count":     {0, 1, buildCount},
		"countif":   {1, 1, buildCountIf},
		"dcount":    {1, 2, buildDcount},
		"sum":       {1, 1, buildNumeric("sum")},
		"avg":       {1, 1, buildNumeric("avg")},
		"min":       {1, 1, buildExtreme("min", -1)},
		"max":       {1, 1, buildExtreme("max", 1)},
		"arg_max":   {2, 64, buildArg(1)},
		"arg_min":   {2, 64, buildArg(-1)},
		"make_set":  {1, 2, buildMake("set", true)},
		"make_list": {1, 2, buildMake("list", false)},
		"any":       {1, 1, buildAny},
		"take_any":  {1, 1, buildAny},
		"sumif":     {2, 2, buildSumIf},
	}
}

// Aggregations returns the names of the summarize functions.
func Aggregations() []string {
	var names []string
	for n := range aggregations {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

type aggFunc struct {
	addFn    func(row []Value)
	resultFn func() []Value
}

func (a *aggFunc) add(row []Value) { a.addFn(row) }
func (a *aggFunc) result() []Value { return a.resultFn() }

// argName is the name of a column argument, for default output names.
func argName(e expr) string {
	if c, ok := e.(*colExpr); ok {
		return c.name
	}
	return ""
}

func suffixed(prefix string, e expr) string {
	if n := argName(e); n != "" {
		return prefix + "_" + n
	}
	return prefix + "_"
}

func buildCount(s *scope, c *callExpr, args []evalFn, _ []Type) ([]Column, func() aggregator, error) {
	return []Column{{"count_", TypeLong}}, func() aggregator {
		var n int64
		return &aggFunc{func(row []Value) {
			if len(args) == 0 || !args[0](row).IsNull() {
				n++
			}
		}, func() []Value { return []Value{Long(n)} }}
	}, nil
}

func buildCountIf(s *scope, c *callExpr, args []evalFn, _ []Type) ([]Column, func() aggregator, error) {
	return []Column{{"countif_", TypeLong}}, func() aggregator {
		var n int64
		return &aggFunc{func(row []Value) {
			if args[0](row).truth() {
				n++
			}
		}, func() []Value { return []Value{Long(n)} }}
	}, nil
}

func buildDcount(s *scope, c *callExpr, args []evalFn, _ []Type) ([]Column, func() aggregator, error) {
	return []Column{{suffixed("dcount", c.args[0]), TypeLong}}, func() aggregator {
		seen := map[string]bool{}
		return &aggFunc{func(row []Value) {
			if v := args[0](row); !v.IsNull() {
				seen[v.key()] = true
			}
		}, func() []Value { return []Value{Long(int64(len(seen)))} }}
	}, nil
}

func buildNumeric(kind string) func(*scope, *callExpr, []evalFn, []Type) ([]Column, func() aggregator, error) {
	return func(s *scope, c *callExpr, args []evalFn, types []Type) ([]Column, func() aggregator, error) {
		t := types[0]
		switch {
		case kind == "avg" && t != TypeTimespan:
			t = TypeReal
		case t == TypeInt:
			t = TypeLong
		case t != TypeLong && t != TypeReal && t != TypeTimespan:
			if t != TypeDynamic {
				return nil, nil, s.errf(c.pos, "%s() needs a numeric or timespan argument, not %s", kind, t)
			}
			t = TypeReal
		}
		return []Column{{suffixed(kind, c.args[0]), t}}, func() aggregator {
			var (
				total Value = Null(t)
				n     int64
			)
			return &aggFunc{func(row []Value) {
				v := args[0](row)
				if v.IsNull() {
					return
				}
				n++
				if total.IsNull() {
					total = convert(v, t)
				} else {
					total = arith("+", total, v)
				}
			}, func() []Value {
				if kind == "avg" && n > 0 {
					return []Value{arith("/", convert(total, t), Real(float64(n)))}
				}
				if kind == "sum" && total.IsNull() {
					return []Value{convert(Long(0), t)}
				}
				return []Value{convert(total, t)}
			}}
		}, nil
	}
}

func buildSumIf(s *scope, c *callExpr, args []evalFn, types []Type) ([]Column, func() aggregator, error) {
	cols, mk, err := buildNumeric("sum")(s, c, args[:1], types[:1])
	if err != nil {
		return nil, nil, err
	}
	cols[0].Name = suffixed("sumif", c.args[0])
	return cols, func() aggregator {
		inner := mk()
		return &aggFunc{func(row []Value) {
			if args[1](row).truth() {
				inner.add(row)
			}
		}, inner.result}
	}, nil
}

func buildExtreme(kind string, sign int) func(*scope, *callExpr, []evalFn, []Type) ([]Column, func() aggregator, error) {
	return func(s *scope, c *callExpr, args []evalFn, types []Type) ([]Column, func() aggregator, error) {
		return []Column{{suffixed(kind, c.args[0]), types[0]}}, func() aggregator {
			best := Null(types[0])
			return &aggFunc{func(row []Value) {
				v := args[0](row)
				if v.IsNull() {
					return
				}
				if cmp, ok := compare(v, best); best.IsNull() || ok && cmp*sign > 0 {
					best = v
				}
			}, func() []Value { return []Value{best} }}
		}, nil
	}
}

// buildArg is arg_max / arg_min: the row where the first argument is
// greatest (least), returning it and the other arguments (* for all
// columns).
func buildArg(sign int) func(*scope, *callExpr, []evalFn, []Type) ([]Column, func() aggregator, error) {
	return func(s *scope, c *callExpr, args []evalFn, types []Type) ([]Column, func() aggregator, error) {
		cols := []Column{{argOrColumn(c.args[0], 1), types[0]}}
		outs := []evalFn{args[0]}
		for i, a := range c.args[1:] {
			if _, star := a.(*starExpr); star {
				for j, col := range s.cols {
					if col.Name == argName(c.args[0]) || s.byNames[col.Name] {
						continue
					}
					cols = append(cols, col)
					outs = append(outs, func(row []Value) Value { return row[j] })
				}
				continue
			}
			cols = append(cols, Column{argOrColumn(a, i+2), types[i+1]})
			outs = append(outs, args[i+1])
		}
		return cols, func() aggregator {
			var (
				best Value
				row  []Value
			)
			return &aggFunc{func(r []Value) {
				v := args[0](r)
				if v.IsNull() {
					return
				}
				if cmp, ok := compare(v, best); row == nil || ok && cmp*sign > 0 {
					best, row = v, r
				}
			}, func() []Value {
				out := make([]Value, len(outs))
				for i, f := range outs {
					if row == nil {
						out[i] = Null(cols[i].Type)
					} else {
						out[i] = f(row)
					}
				}
				return out
			}}
		}, nil
	}
}

func argOrColumn(e expr, i int) string {
	if n := argName(e); n != "" {
		return n
	}
	return fmt.Sprintf("Column%d", i)
}

func buildMake(kind string, set bool) func(*scope, *callExpr, []evalFn, []Type) ([]Column, func() aggregator, error) {
	return func(s *scope, c *callExpr, args []evalFn, types []Type) ([]Column, func() aggregator, error) {
		limit := int64(1048576)
		if len(args) == 2 {
			v := args[1](nil)
			n, ok := v.V.(int64)
			if !ok || n <= 0 {
				return nil, nil, s.errf(c.pos, "make_%s's second argument must be a positive constant", kind)
			}
			limit = n
		}
		return []Column{{suffixed(kind, c.args[0]), TypeDynamic}}, func() aggregator {
			var (
				out  []Value
				seen = map[string]bool{}
			)
			return &aggFunc{func(row []Value) {
				v := args[0](row)
				if v.IsNull() || int64(len(out)) >= limit {
					return
				}
				if set {
					if seen[v.key()] {
						return
					}
					seen[v.key()] = true
				}
				out = append(out, v)
			}, func() []Value { return []Value{{TypeDynamic, nonNilValues(out)}} }}
		}, nil
	}
}

func nonNilValues(v []Value) []Value {
	if v == nil {
		return []Value{}
	}
	return v
}

func buildAny(s *scope, c *callExpr, args []evalFn, types []Type) ([]Column, func() aggregator, error) {
	return []Column{{suffixed("any", c.args[0]), types[0]}}, func() aggregator {
		v := Null(types[0])
		seen := false
		return &aggFunc{func(row []Value) {
			if !seen {
				v, seen = args[0](row), true
			}
		}, func() []Value { return []Value{v} }}
	}, nil
}

// compileAggregation compiles one summarize aggregation.
func (s *scope) compileAggregation(n named) ([]Column, func() aggregator, error) {
	c, ok := n.x.(*callExpr)
	if !ok {
		return nil, nil, s.errf(n.x.position(), "expected an aggregation function such as count() or max(Column)")
	}
	a, ok := aggregations[c.name]
	if !ok {
		return nil, nil, &Error{Pos: c.pos, Op: "summarize", Msg: fmt.Sprintf(
			"'%s' is not a supported aggregation (supported: %v)", c.name, Aggregations())}
	}
	if len(c.args) < a.min || len(c.args) > a.max {
		return nil, nil, &Error{Pos: c.pos, Op: c.name, Msg: fmt.Sprintf("expects %s, got %d", arity(a.min, a.max), len(c.args))}
	}
	args := make([]evalFn, len(c.args))
	types := make([]Type, len(c.args))
	for i, e := range c.args {
		if _, star := e.(*starExpr); star && (c.name == "arg_max" || c.name == "arg_min") && i > 0 {
			continue
		}
		if _, star := e.(*starExpr); star && c.name == "count" {
			args, types = nil, nil
			break
		}
		f, t, err := s.compile(e)
		if err != nil {
			return nil, nil, err
		}
		args[i], types[i] = f, t
	}
	cols, mk, err := a.build(s, c, args, types)
	if err != nil {
		return nil, nil, err
	}
	if n.name != "" {
		cols[0].Name = n.name
	}
	return cols, mk, nil
}
