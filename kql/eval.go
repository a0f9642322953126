package kql

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Env is what a query runs against: its tables by name and the time ago()
// and now() measure from.
type Env struct {
	Tables map[string]*Table
	Now    time.Time
	// MaxRows bounds every intermediate and final result (default 500000):
	// a query that would exceed it fails instead of exhausting memory.
	MaxRows int
}

type runEnv struct {
	now     time.Time
	tables  map[string]*Table
	scalars map[string]Value
	maxRows int
}

// Run parses and evaluates q.
func Run(q string, env Env) (*Table, error) {
	query, err := Parse(q)
	if err != nil {
		return nil, err
	}
	return query.Eval(env)
}

// Eval evaluates the query against env.
func (q *Query) Eval(env Env) (*Table, error) {
	t, err := q.eval(env)
	if err != nil {
		if e, ok := err.(*Error); ok {
			return nil, e.locate(q.text)
		}
	}
	return t, err
}

func (q *Query) eval(env Env) (*Table, error) {
	re := &runEnv{now: env.Now.UTC(), tables: map[string]*Table{}, scalars: map[string]Value{}, maxRows: env.MaxRows}
	if re.maxRows <= 0 {
		re.maxRows = 500000
	}
	for k, v := range env.Tables {
		re.tables[k] = v
	}
	for _, l := range q.lets {
		if l.table != nil {
			t, err := re.pipeline(l.table)
			if err != nil {
				return nil, err
			}
			re.tables[l.name] = t
			continue
		}
		f, _, err := newScope(nil, re, "let").compile(l.scalar)
		if err != nil {
			return nil, err
		}
		re.scalars[l.name] = f(nil)
	}
	return re.pipeline(q.body)
}

func (re *runEnv) pipeline(p *pipeline) (*Table, error) {
	src, ok := re.tables[p.source]
	if !ok {
		names := make([]string, 0, len(re.tables))
		for n := range re.tables {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, &Error{Pos: p.pos, Op: "query", Msg: fmt.Sprintf(
			"failed to resolve table or column expression named '%s' (tables: %s)", p.source, strings.Join(names, ", "))}
	}
	t := &Table{Name: src.Name, Columns: slices.Clone(src.Columns), Rows: src.Rows}
	for _, op := range p.ops {
		var err error
		if t, err = op.apply(re, t); err != nil {
			return nil, err
		}
		if len(t.Rows) > re.maxRows {
			return nil, &Error{Pos: op.position(), Op: op.name(), Msg: fmt.Sprintf(
				"the result exceeds %d rows", re.maxRows)}
		}
	}
	return t, nil
}

// operator is one tabular operator of a pipeline.
type operator interface {
	apply(re *runEnv, t *Table) (*Table, error)
	name() string
	position() int
}

type (
	whereOp struct {
		pos  int
		cond expr
	}
	projectOp struct {
		pos    int
		extend bool
		cols   []named
	}
	awayOp struct {
		pos      int
		patterns []string
	}
	renameOp struct {
		pos  int
		cols []named
	}
	summarizeOp struct {
		pos      int
		aggs, by []named
	}
	sortOp struct {
		pos  int
		keys []sortKey
	}
	takeOp struct {
		pos int
		n   expr
	}
	topOp struct {
		pos  int
		n    expr
		keys []sortKey
	}
	distinctOp struct {
		pos  int
		all  bool
		cols []named
	}
	countOp  struct{ pos int }
	schemaOp struct{ pos int }
	renderOp struct{ pos int }
	parseOp  struct {
		pos   int
		kind  string
		src   expr
		parts []parsePart
	}
	parsePart struct {
		isLit, star bool
		lit, col    string
		typ         Type
	}
)

func (o *whereOp) name() string { return "where" }
func (o *projectOp) name() string {
	if o.extend {
		return "extend"
	}
	return "project"
}
func (o *awayOp) name() string      { return "project-away" }
func (o *renameOp) name() string    { return "project-rename" }
func (o *summarizeOp) name() string { return "summarize" }
func (o *sortOp) name() string      { return "order by" }
func (o *takeOp) name() string      { return "take" }
func (o *topOp) name() string       { return "top" }
func (o *distinctOp) name() string  { return "distinct" }
func (o *countOp) name() string     { return "count" }
func (o *schemaOp) name() string    { return "getschema" }
func (o *renderOp) name() string    { return "render" }
func (o *parseOp) name() string     { return "parse" }

func (o *whereOp) position() int     { return o.pos }
func (o *projectOp) position() int   { return o.pos }
func (o *awayOp) position() int      { return o.pos }
func (o *renameOp) position() int    { return o.pos }
func (o *summarizeOp) position() int { return o.pos }
func (o *sortOp) position() int      { return o.pos }
func (o *takeOp) position() int      { return o.pos }
func (o *topOp) position() int       { return o.pos }
func (o *distinctOp) position() int  { return o.pos }
func (o *countOp) position() int     { return o.pos }
func (o *schemaOp) position() int    { return o.pos }
func (o *renderOp) position() int    { return o.pos }
func (o *parseOp) position() int     { return o.pos }

func (o *whereOp) apply(re *runEnv, t *Table) (*Table, error) {
	s := newScope(t.Columns, re, "where")
	f, typ, err := s.compile(o.cond)
	if err != nil {
		return nil, err
	}
	if typ != TypeBool && typ != TypeDynamic {
		return nil, s.errf(o.cond.position(), "the condition must be a bool expression, not %s", typ)
	}
	out := &Table{Name: t.Name, Columns: t.Columns}
	for _, row := range t.Rows {
		if f(row).truth() {
			out.Rows = append(out.Rows, row)
		}
	}
	return out, nil
}

// defaultName names an unnamed projected expression: a column keeps its
// name; anything else is Column1, Column2, ...
func defaultName(e expr, n *int) string {
	switch x := e.(type) {
	case *colExpr:
		return x.name
	case *callExpr:
		if (x.name == "bin" || x.name == "floor") && len(x.args) > 0 {
			if c, ok := x.args[0].(*colExpr); ok {
				return c.name
			}
		}
	case *memberExpr:
		if k, ok := x.key.(*litExpr); ok {
			if base := defaultName(x.x, new(int)); !strings.HasPrefix(base, "Column") {
				return base + "_" + k.v.String()
			}
		}
	}
	*n++
	return fmt.Sprintf("Column%d", *n)
}

func (o *projectOp) apply(re *runEnv, t *Table) (*Table, error) {
	s := newScope(t.Columns, re, o.name())
	var (
		cols    []Column
		fns     []evalFn
		unnamed int
	)
	if o.extend {
		cols = slices.Clone(t.Columns)
		for i := range t.Columns {
			fns = append(fns, func(row []Value) Value { return row[i] })
		}
	}
	for _, n := range o.cols {
		if _, star := n.x.(*starExpr); star && !o.extend && n.name == "" {
			for i, c := range t.Columns {
				cols = append(cols, c)
				fns = append(fns, func(row []Value) Value { return row[i] })
			}
			continue
		}
		f, typ, err := s.compile(n.x)
		if err != nil {
			return nil, err
		}
		name := n.name
		if name == "" {
			name = defaultName(n.x, &unnamed)
		}
		if typ == "" {
			typ = TypeDynamic
		}
		if i := slices.IndexFunc(cols, func(c Column) bool { return c.Name == name }); i >= 0 {
			if !o.extend {
				return nil, s.errf(n.x.position(), "the column '%s' is projected twice", name)
			}
			cols[i], fns[i] = Column{name, typ}, f
			continue
		}
		cols = append(cols, Column{name, typ})
		fns = append(fns, f)
	}
	return mapRows(t, cols, fns), nil
}

func mapRows(t *Table, cols []Column, fns []evalFn) *Table {
	out := &Table{Name: t.Name, Columns: cols, Rows: make([][]Value, len(t.Rows))}
	for r, row := range t.Rows {
		nr := make([]Value, len(fns))
		for i, f := range fns {
			v := f(row)
			if v.Type != cols[i].Type && !v.IsNull() && cols[i].Type != TypeDynamic {
				v = convert(v, cols[i].Type)
			} else if v.IsNull() {
				v = Null(cols[i].Type)
			}
			nr[i] = v
		}
		out.Rows[r] = nr
	}
	return out
}

func (o *awayOp) apply(re *runEnv, t *Table) (*Table, error) {
	var (
		cols []Column
		fns  []evalFn
	)
	for _, p := range o.patterns {
		if !slices.ContainsFunc(t.Columns, func(c Column) bool { ok, _ := path.Match(p, c.Name); return ok }) {
			return nil, &Error{Pos: o.pos, Op: "project-away", Msg: fmt.Sprintf("no column matches '%s'", p)}
		}
	}
	for i, c := range t.Columns {
		if slices.ContainsFunc(o.patterns, func(p string) bool { ok, _ := path.Match(p, c.Name); return ok }) {
			continue
		}
		cols = append(cols, c)
		fns = append(fns, func(row []Value) Value { return row[i] })
	}
	return mapRows(t, cols, fns), nil
}

func (o *renameOp) apply(re *runEnv, t *Table) (*Table, error) {
	cols := slices.Clone(t.Columns)
	for _, n := range o.cols {
		c, ok := n.x.(*colExpr)
		if !ok {
			return nil, &Error{Pos: n.x.position(), Op: "project-rename", Msg: "expected an existing column name"}
		}
		i := t.Index(c.name)
		if i < 0 {
			return nil, &Error{Pos: c.pos, Op: "project-rename", Msg: fmt.Sprintf("failed to resolve column '%s'", c.name)}
		}
		cols[i].Name = n.name
	}
	return &Table{Name: t.Name, Columns: cols, Rows: t.Rows}, nil
}

func (o *summarizeOp) apply(re *runEnv, t *Table) (*Table, error) {
	s := newScope(t.Columns, re, "summarize")
	var (
		cols    []Column
		keys    []evalFn
		makers  []func() aggregator
		unnamed int
	)
	for _, n := range o.by {
		f, typ, err := s.compile(n.x)
		if err != nil {
			return nil, err
		}
		name := n.name
		if name == "" {
			name = defaultName(n.x, &unnamed)
		}
		cols = append(cols, Column{name, typ})
		keys = append(keys, f)
		if s.byNames == nil {
			s.byNames = map[string]bool{}
		}
		s.byNames[name] = true
	}
	for _, n := range o.aggs {
		c, mk, err := s.compileAggregation(n)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c...)
		makers = append(makers, mk)
	}
	seen := map[string]bool{}
	for _, c := range cols {
		if seen[c.Name] {
			return nil, s.errf(o.pos, "the column '%s' appears twice in the result; name one with Name = ...", c.Name)
		}
		seen[c.Name] = true
	}
	type group struct {
		key  []Value
		aggs []aggregator
	}
	var (
		order  []*group
		groups = map[string]*group{}
		kb     strings.Builder
	)
	newGroup := func(key []Value) *group {
		g := &group{key: key}
		for _, mk := range makers {
			g.aggs = append(g.aggs, mk())
		}
		order = append(order, g)
		return g
	}
	if len(keys) == 0 {
		groups[""] = newGroup(nil)
	}
	for _, row := range t.Rows {
		key := make([]Value, len(keys))
		kb.Reset()
		for i, f := range keys {
			key[i] = f(row)
			kb.WriteString(key[i].key())
			kb.WriteByte(0)
		}
		g, ok := groups[kb.String()]
		if !ok {
			if len(order) >= re.maxRows {
				return nil, s.errf(o.pos, "more than %d groups", re.maxRows)
			}
			g = newGroup(key)
			groups[kb.String()] = g
		}
		for _, a := range g.aggs {
			a.add(row)
		}
	}
	out := &Table{Name: t.Name, Columns: cols}
	for _, g := range order {
		row := slices.Clone(g.key)
		for _, a := range g.aggs {
			row = append(row, a.result()...)
		}
		for i := range row {
			if row[i].IsNull() {
				row[i] = Null(cols[i].Type)
			}
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

func (re *runEnv) sortRows(t *Table, keys []sortKey, op string) ([][]Value, error) {
	s := newScope(t.Columns, re, op)
	fns := make([]evalFn, len(keys))
	for i, k := range keys {
		f, _, err := s.compile(k.x)
		if err != nil {
			return nil, err
		}
		fns[i] = f
	}
	type keyed struct {
		row  []Value
		keys []Value
	}
	rows := make([]keyed, len(t.Rows))
	for i, row := range t.Rows {
		ks := make([]Value, len(fns))
		for j, f := range fns {
			ks[j] = f(row)
		}
		rows[i] = keyed{row, ks}
	}
	slices.SortStableFunc(rows, func(a, b keyed) int {
		for i, k := range keys {
			x, y := a.keys[i], b.keys[i]
			if x.IsNull() || y.IsNull() {
				if x.IsNull() && y.IsNull() {
					continue
				}
				if x.IsNull() == k.nullsFirst {
					return -1
				}
				return 1
			}
			c, _ := compare(x, y)
			if c == 0 {
				continue
			}
			if !k.asc {
				c = -c
			}
			return c
		}
		return 0
	})
	out := make([][]Value, len(rows))
	for i, r := range rows {
		out[i] = r.row
	}
	return out, nil
}

func (o *sortOp) apply(re *runEnv, t *Table) (*Table, error) {
	rows, err := re.sortRows(t, o.keys, "order by")
	if err != nil {
		return nil, err
	}
	return &Table{Name: t.Name, Columns: t.Columns, Rows: rows}, nil
}

// count evaluates a row-independent count for take and top.
func (re *runEnv) count(e expr, op string) (int, error) {
	f, _, err := newScope(nil, re, op).compile(e)
	if err != nil {
		return 0, err
	}
	n, ok := convert(f(nil), TypeLong).V.(int64)
	if !ok || n < 0 {
		return 0, &Error{Pos: e.position(), Op: op, Msg: "expects a non-negative number of rows"}
	}
	return int(min(n, 1<<31)), nil
}

func (o *takeOp) apply(re *runEnv, t *Table) (*Table, error) {
	n, err := re.count(o.n, "take")
	if err != nil {
		return nil, err
	}
	return &Table{Name: t.Name, Columns: t.Columns, Rows: t.Rows[:min(n, len(t.Rows))]}, nil
}

func (o *topOp) apply(re *runEnv, t *Table) (*Table, error) {
	n, err := re.count(o.n, "top")
	if err != nil {
		return nil, err
	}
	rows, err := re.sortRows(t, o.keys, "top")
	if err != nil {
		return nil, err
	}
	return &Table{Name: t.Name, Columns: t.Columns, Rows: rows[:min(n, len(rows))]}, nil
}

func (o *distinctOp) apply(re *runEnv, t *Table) (*Table, error) {
	if !o.all {
		p, err := (&projectOp{pos: o.pos, cols: o.cols}).apply(re, t)
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.Op = "distinct"
			}
			return nil, err
		}
		t = p
	}
	out := &Table{Name: t.Name, Columns: t.Columns}
	seen := map[string]bool{}
	var kb strings.Builder
	for _, row := range t.Rows {
		kb.Reset()
		for _, v := range row {
			kb.WriteString(v.key())
			kb.WriteByte(0)
		}
		if !seen[kb.String()] {
			seen[kb.String()] = true
			out.Rows = append(out.Rows, row)
		}
	}
	return out, nil
}

func (o *countOp) apply(re *runEnv, t *Table) (*Table, error) {
	return &Table{Name: t.Name, Columns: []Column{{"Count", TypeLong}}, Rows: [][]Value{{Long(int64(len(t.Rows)))}}}, nil
}

func (o *schemaOp) apply(re *runEnv, t *Table) (*Table, error) {
	out := &Table{Name: t.Name, Columns: []Column{{"ColumnName", TypeString}, {"ColumnOrdinal", TypeInt},
		{"DataType", TypeString}, {"ColumnType", TypeString}}}
	for i, c := range t.Columns {
		out.Rows = append(out.Rows, []Value{String(c.Name), {TypeInt, int64(i)}, String(dotnetType(c.Type)), String(string(c.Type))})
	}
	return out, nil
}

func dotnetType(t Type) string {
	switch t {
	case TypeLong:
		return "System.Int64"
	case TypeInt:
		return "System.Int32"
	case TypeReal:
		return "System.Double"
	case TypeBool:
		return "System.SByte"
	case TypeDatetime:
		return "System.DateTime"
	case TypeTimespan:
		return "System.TimeSpan"
	case TypeDynamic:
		return "System.Object"
	case TypeGUID:
		return "System.Guid"
	}
	return "System.String"
}

func (o *renderOp) apply(re *runEnv, t *Table) (*Table, error) { return t, nil }

// apply runs parse: the pattern becomes an anchored regular expression in
// which each column captures lazily (the last greedily) and * skips
// lazily; kind=regex takes the string literals as regular expressions.
// A row that does not match gets empty (null) values.
func (o *parseOp) apply(re *runEnv, t *Table) (*Table, error) {
	s := newScope(t.Columns, re, "parse")
	src, _, err := s.compile(o.src)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("(?s)^")
	var newCols []Column
	for i, p := range o.parts {
		last := i == len(o.parts)-1
		switch {
		case p.isLit:
			if o.kind == "regex" {
				b.WriteString("(?:" + p.lit + ")")
			} else {
				b.WriteString(regexp.QuoteMeta(p.lit))
			}
		case p.star:
			b.WriteString(".*?")
		default:
			if last {
				b.WriteString("(.*)")
			} else {
				b.WriteString("(.*?)")
			}
			newCols = append(newCols, Column{p.col, p.typ})
		}
		if last && (p.isLit || p.star) {
			if p.star {
				b.WriteString(".*")
			}
			b.WriteString("$")
		} else if last {
			b.WriteString("$")
		}
	}
	rx, err := regexp.Compile(b.String())
	if err != nil {
		return nil, s.errf(o.pos, "bad pattern: %v", err)
	}
	cols := slices.Clone(t.Columns)
	idx := make([]int, len(newCols))
	for i, c := range newCols {
		if j := slices.IndexFunc(cols, func(x Column) bool { return x.Name == c.Name }); j >= 0 {
			cols[j], idx[i] = c, j
		} else {
			idx[i] = len(cols)
			cols = append(cols, c)
		}
	}
	out := &Table{Name: t.Name, Columns: cols, Rows: make([][]Value, len(t.Rows))}
	for r, row := range t.Rows {
		nr := make([]Value, len(cols))
		copy(nr, row)
		m := rx.FindStringSubmatch(src(row).String())
		for i, c := range newCols {
			v := Null(c.Type)
			if m != nil {
				v = convert(String(m[i+1]), c.Type)
			}
			nr[idx[i]] = v
		}
		out.Rows[r] = nr
	}
	return out, nil
}
