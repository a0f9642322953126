package kql

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// function is a scalar function: its arity, result type and body.
type function struct {
	min, max int // max -1: any number
	ret      func(args []Type) Type
	fn       func(args []Value) Value
}

func returns(t Type) func([]Type) Type { return func([]Type) Type { return t } }
func sameAs(i int) func([]Type) Type {
	return func(a []Type) Type {
		if i < len(a) {
			return a[i]
		}
		return TypeDynamic
	}
}

// functions is the registry of scalar functions (ago and now are bound to
// the clock in call).
var functions = map[string]function{
	"tostring":   {1, 1, returns(TypeString), func(a []Value) Value { return String(a[0].String()) }},
	"toint":      {1, 1, returns(TypeInt), func(a []Value) Value { return convert(a[0], TypeInt) }},
	"tolong":     {1, 1, returns(TypeLong), func(a []Value) Value { return convert(a[0], TypeLong) }},
	"toreal":     {1, 1, returns(TypeReal), func(a []Value) Value { return convert(a[0], TypeReal) }},
	"todouble":   {1, 1, returns(TypeReal), func(a []Value) Value { return convert(a[0], TypeReal) }},
	"tobool":     {1, 1, returns(TypeBool), func(a []Value) Value { return convert(a[0], TypeBool) }},
	"todatetime": {1, 1, returns(TypeDatetime), func(a []Value) Value { return convert(a[0], TypeDatetime) }},
	"totimespan": {1, 1, returns(TypeTimespan), func(a []Value) Value { return convert(a[0], TypeTimespan) }},
	"toupper":    {1, 1, returns(TypeString), func(a []Value) Value { return String(strings.ToUpper(a[0].String())) }},
	"tolower":    {1, 1, returns(TypeString), func(a []Value) Value { return String(strings.ToLower(a[0].String())) }},
	"strlen": {1, 1, returns(TypeLong), func(a []Value) Value {
		return Long(int64(utf8.RuneCountInString(a[0].String())))
	}},
	"strcat": {1, 64, returns(TypeString), func(a []Value) Value {
		var b strings.Builder
		for _, v := range a {
			b.WriteString(v.String())
		}
		return String(b.String())
	}},
	"strcat_delim": {2, 64, returns(TypeString), func(a []Value) Value {
		parts := make([]string, 0, len(a)-1)
		for _, v := range a[1:] {
			parts = append(parts, v.String())
		}
		return String(strings.Join(parts, a[0].String()))
	}},
	"substring": {2, 3, returns(TypeString), func(a []Value) Value {
		r := []rune(a[0].String())
		start, _ := convert(a[1], TypeLong).V.(int64)
		start = max(0, min(start, int64(len(r))))
		end := int64(len(r))
		if len(a) == 3 {
			if n, ok := convert(a[2], TypeLong).V.(int64); ok {
				end = max(start, min(start+n, end))
			}
		}
		return String(string(r[start:end]))
	}},
	"indexof": {2, 2, returns(TypeLong), func(a []Value) Value {
		i := strings.Index(a[0].String(), a[1].String())
		if i < 0 {
			return Long(-1)
		}
		return Long(int64(utf8.RuneCountInString(a[0].String()[:i])))
	}},
	"trim": {2, 2, returns(TypeString), func(a []Value) Value {
		re, err := regexp.Compile("^(?:" + a[0].String() + ")+|(?:" + a[0].String() + ")+$")
		if err != nil {
			return String(a[1].String())
		}
		return String(re.ReplaceAllString(a[1].String(), ""))
	}},
	"replace_string": {3, 3, returns(TypeString), func(a []Value) Value {
		return String(strings.ReplaceAll(a[0].String(), a[1].String(), a[2].String()))
	}},
	"replace_regex": {3, 3, returns(TypeString), func(a []Value) Value {
		re, err := regexp.Compile(a[1].String())
		if err != nil {
			return String(a[0].String())
		}
		return String(re.ReplaceAllString(a[0].String(), kqlReplacement(a[2].String())))
	}},
	"extract": {3, 4, returns(TypeString), func(a []Value) Value {
		re, err := regexp.Compile(a[0].String())
		if err != nil {
			return String("")
		}
		g, _ := convert(a[1], TypeLong).V.(int64)
		m := re.FindStringSubmatch(a[2].String())
		if m == nil || g < 0 || int(g) >= len(m) {
			return String("")
		}
		if len(a) == 4 {
			return convert(String(m[g]), a[3].Type)
		}
		return String(m[g])
	}},
	"split": {2, 3, returns(TypeDynamic), func(a []Value) Value {
		parts := strings.Split(a[0].String(), a[1].String())
		if len(a) == 3 {
			i, _ := convert(a[2], TypeLong).V.(int64)
			if i < 0 || int(i) >= len(parts) {
				return Value{TypeDynamic, []Value{}}
			}
			parts = parts[i : i+1]
		}
		out := make([]Value, len(parts))
		for i, p := range parts {
			out[i] = String(p)
		}
		return Value{TypeDynamic, out}
	}},
	"isempty":    {1, 1, returns(TypeBool), func(a []Value) Value { return Bool(a[0].IsNull() || a[0].String() == "") }},
	"isnotempty": {1, 1, returns(TypeBool), func(a []Value) Value { return Bool(!a[0].IsNull() && a[0].String() != "") }},
	"isnull":     {1, 1, returns(TypeBool), func(a []Value) Value { return Bool(a[0].IsNull()) }},
	"isnotnull":  {1, 1, returns(TypeBool), func(a []Value) Value { return Bool(!a[0].IsNull()) }},
	"not":        {1, 1, returns(TypeBool), func(a []Value) Value { return Bool(!a[0].truth()) }},
	"iif":        {3, 3, sameAs(1), func(a []Value) Value { return pick(a[0].truth(), a[1], a[2]) }},
	"iff":        {3, 3, sameAs(1), func(a []Value) Value { return pick(a[0].truth(), a[1], a[2]) }},
	"case": {3, 129, sameAs(1), func(a []Value) Value {
		for i := 0; i+1 < len(a); i += 2 {
			if a[i].truth() {
				return a[i+1]
			}
		}
		return a[len(a)-1]
	}},
	"coalesce": {1, 64, sameAs(0), func(a []Value) Value {
		for _, v := range a {
			if !v.IsNull() && !(v.Type == TypeString && v.String() == "") {
				return v
			}
		}
		return a[len(a)-1]
	}},
	"bin":   {2, 2, sameAs(0), binValue},
	"floor": {2, 2, sameAs(0), binValue},
	"round": {1, 2, returns(TypeReal), func(a []Value) Value {
		f, ok := a[0].numeric()
		if !ok {
			return Null(TypeReal)
		}
		p := int64(0)
		if len(a) == 2 {
			p, _ = convert(a[1], TypeLong).V.(int64)
		}
		m := math.Pow(10, float64(p))
		return Real(math.Round(f*m) / m)
	}},
	"abs": {1, 1, sameAs(0), func(a []Value) Value {
		if c, ok := compare(a[0], Long(0)); ok && c < 0 {
			return negate(a[0])
		}
		return a[0]
	}},
	"startofday": {1, 1, returns(TypeDatetime), func(a []Value) Value {
		if t, ok := a[0].V.(time.Time); ok {
			return Datetime(t.Truncate(24 * time.Hour))
		}
		return Null(TypeDatetime)
	}},
	"datetime_diff": {3, 3, returns(TypeLong), datetimeDiff},
	"format_datetime": {2, 2, returns(TypeString), func(a []Value) Value {
		t, ok := a[0].V.(time.Time)
		if !ok {
			return String("")
		}
		return String(formatDatetime(t, a[1].String()))
	}},
	"array_length": {1, 1, returns(TypeLong), func(a []Value) Value {
		if x, ok := a[0].V.([]Value); ok {
			return Long(int64(len(x)))
		}
		return Null(TypeLong)
	}},
	"parse_json": {1, 1, returns(TypeDynamic), parseJSON},
	"todynamic":  {1, 1, returns(TypeDynamic), parseJSON},
	"dynamic":    {0, 64, returns(TypeDynamic), func(a []Value) Value { return Value{TypeDynamic, slices.Clone(a)} }},
	"pack_array": {0, 64, returns(TypeDynamic), func(a []Value) Value { return Value{TypeDynamic, slices.Clone(a)} }},
	"countof": {2, 2, returns(TypeLong), func(a []Value) Value {
		if a[1].String() == "" {
			return Long(0)
		}
		return Long(int64(strings.Count(a[0].String(), a[1].String())))
	}},
	"parse_ipv4": {1, 1, returns(TypeLong), func(a []Value) Value {
		var b [4]int64
		if n, err := fmt.Sscanf(a[0].String(), "%d.%d.%d.%d", &b[0], &b[1], &b[2], &b[3]); err != nil || n != 4 {
			return Null(TypeLong)
		}
		return Long(b[0]<<24 | b[1]<<16 | b[2]<<8 | b[3])
	}},
}

func pick(c bool, a, b Value) Value {
	if c {
		return a
	}
	return b
}

// kqlReplacement turns KQL's \1 group references into Go's ${1}.
func kqlReplacement(s string) string {
	return regexp.MustCompile(`\\(\d)`).ReplaceAllString(s, `$${$1}`)
}

func binValue(a []Value) Value {
	switch x := a[0].V.(type) {
	case time.Time:
		d, ok := a[1].V.(time.Duration)
		if !ok || d <= 0 {
			return Null(TypeDatetime)
		}
		return Datetime(time.Unix(0, 0).UTC().Add(x.Sub(time.Unix(0, 0)).Truncate(d)))
	case time.Duration:
		d, ok := a[1].V.(time.Duration)
		if !ok || d <= 0 {
			return Null(TypeTimespan)
		}
		return Timespan(x.Truncate(d))
	case int64:
		if s, ok := a[1].V.(int64); ok && s > 0 {
			return Long(int64(math.Floor(float64(x)/float64(s))) * s)
		}
	}
	f, ok1 := a[0].numeric()
	s, ok2 := a[1].numeric()
	if !ok1 || !ok2 || s <= 0 {
		return Null(a[0].Type)
	}
	return Real(math.Floor(f/s) * s)
}

func datetimeDiff(a []Value) Value {
	t1, ok1 := a[1].V.(time.Time)
	t2, ok2 := a[2].V.(time.Time)
	if !ok1 || !ok2 {
		return Null(TypeLong)
	}
	d := t1.Sub(t2)
	switch strings.ToLower(a[0].String()) {
	case "year":
		return Long(int64(t1.Year() - t2.Year()))
	case "month":
		return Long(int64((t1.Year()-t2.Year())*12 + int(t1.Month()) - int(t2.Month())))
	case "week":
		return Long(int64(d / (7 * 24 * time.Hour)))
	case "day":
		return Long(int64(d / (24 * time.Hour)))
	case "hour":
		return Long(int64(d / time.Hour))
	case "minute":
		return Long(int64(d / time.Minute))
	case "second":
		return Long(int64(d / time.Second))
	case "millisecond":
		return Long(int64(d / time.Millisecond))
	case "microsecond":
		return Long(int64(d / time.Microsecond))
	case "nanosecond":
		return Long(int64(d))
	}
	return Null(TypeLong)
}

// formatDatetime supports the common .NET-style tokens.
func formatDatetime(t time.Time, f string) string {
	r := strings.NewReplacer("yyyy", "2006", "MM", "01", "dd", "02", "HH", "15", "hh", "03", "mm", "04",
		"ss", "05", "fffffff", "0000000", "ffffff", "000000", "fff", "000", "tt", "PM")
	return t.UTC().Format(r.Replace(f))
}

func parseJSON(a []Value) Value {
	if a[0].Type == TypeDynamic {
		return a[0]
	}
	var x any
	if err := json.Unmarshal([]byte(a[0].String()), &x); err != nil {
		return Null(TypeDynamic)
	}
	return fromJSON(x)
}

func fromJSON(x any) Value {
	switch y := x.(type) {
	case nil:
		return Null(TypeDynamic)
	case string:
		return String(y)
	case bool:
		return Bool(y)
	case float64:
		if y == math.Trunc(y) && math.Abs(y) < 1<<53 {
			return Long(int64(y))
		}
		return Real(y)
	case []any:
		out := make([]Value, len(y))
		for i, e := range y {
			out[i] = fromJSON(e)
		}
		return Value{TypeDynamic, out}
	case map[string]any:
		out := make(map[string]Value, len(y))
		for k, e := range y {
			out[k] = fromJSON(e)
		}
		return Value{TypeDynamic, out}
	}
	return Null(TypeDynamic)
}

// call compiles a scalar function call.
func (s *scope) call(c *callExpr) (evalFn, Type, error) {
	name := c.name
	switch name {
	case "now":
		if len(c.args) > 1 {
			return nil, "", &Error{Pos: c.pos, Op: name, Msg: "takes at most one argument"}
		}
		offset := time.Duration(0)
		if len(c.args) == 1 {
			d, err := s.constDuration(c.args[0], name)
			if err != nil {
				return nil, "", err
			}
			offset = d
		}
		return constant(Datetime(s.env.now.Add(offset))), TypeDatetime, nil
	case "ago":
		if len(c.args) != 1 {
			return nil, "", &Error{Pos: c.pos, Op: name, Msg: "takes one timespan argument"}
		}
		d, err := s.constDuration(c.args[0], name)
		if err != nil {
			return nil, "", err
		}
		return constant(Datetime(s.env.now.Add(-d))), TypeDatetime, nil
	}
	f, ok := functions[name]
	if !ok {
		if _, agg := aggregations[name]; agg {
			return nil, "", &Error{Pos: c.pos, Op: name, Msg: fmt.Sprintf(
				"the aggregation '%s' is allowed only in summarize", name)}
		}
		return nil, "", &Error{Pos: c.pos, Op: name, Msg: fmt.Sprintf("unknown function '%s'", name)}
	}
	if len(c.args) < f.min || f.max >= 0 && len(c.args) > f.max {
		return nil, "", &Error{Pos: c.pos, Op: name, Msg: fmt.Sprintf(
			"expects %s, got %d", arity(f.min, f.max), len(c.args))}
	}
	args := make([]evalFn, len(c.args))
	types := make([]Type, len(c.args))
	for i, a := range c.args {
		fn, t, err := s.compile(a)
		if err != nil {
			return nil, "", err
		}
		args[i], types[i] = fn, t
	}
	ret := f.ret(types)
	return func(row []Value) Value {
		vals := make([]Value, len(args))
		for i, a := range args {
			vals[i] = a(row)
		}
		return f.fn(vals)
	}, ret, nil
}

func arity(lo, hi int) string {
	switch {
	case lo == hi && lo == 1:
		return "1 argument"
	case lo == hi:
		return fmt.Sprintf("%d arguments", lo)
	}
	return fmt.Sprintf("%d to %d arguments", lo, hi)
}

// constDuration evaluates a row-independent timespan argument.
func (s *scope) constDuration(e expr, fn string) (time.Duration, error) {
	f, t, err := newScope(nil, s.env, fn).compile(e)
	if err != nil {
		return 0, err
	}
	if t != TypeTimespan {
		return 0, &Error{Pos: e.position(), Op: fn, Msg: "expects a timespan such as 5m or 1h"}
	}
	d, _ := f(nil).V.(time.Duration)
	return d, nil
}
