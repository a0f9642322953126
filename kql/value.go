package kql

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Type is a KQL scalar type, named as Log Analytics names column types.
type Type string

// The column types the engine knows.
const (
	TypeString   Type = "string"
	TypeLong     Type = "long"
	TypeInt      Type = "int"
	TypeReal     Type = "real"
	TypeBool     Type = "bool"
	TypeDatetime Type = "datetime"
	TypeTimespan Type = "timespan"
	TypeDynamic  Type = "dynamic"
	TypeGUID     Type = "guid"
)

// Value is one cell: a Go value of the type's representation, or nil for
// null. string and guid hold a string, long and int an int64, real a
// float64, bool a bool, datetime a time.Time (UTC), timespan a
// time.Duration and dynamic a []Value, a map[string]Value or a scalar.
type Value struct {
	Type Type
	V    any
}

// String, Long, Real, Bool, Datetime and Timespan make values.
func String(s string) Value          { return Value{TypeString, s} }
func Long(i int64) Value             { return Value{TypeLong, i} }
func Real(f float64) Value           { return Value{TypeReal, f} }
func Bool(b bool) Value              { return Value{TypeBool, b} }
func Datetime(t time.Time) Value     { return Value{TypeDatetime, t.UTC()} }
func Timespan(d time.Duration) Value { return Value{TypeTimespan, d} }

// Null returns the null value of type t. A null string is the empty
// string, as in KQL.
func Null(t Type) Value {
	if t == TypeString {
		return String("")
	}
	return Value{Type: t}
}

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.V == nil }

// String formats v as KQL's tostring() does; null is "".
func (v Value) String() string {
	switch x := v.V.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case time.Duration:
		return formatTimespan(x)
	default:
		return v.JSON().(string)
	}
}

// JSON returns v as Log Analytics writes a cell in a query answer: strings,
// numbers and booleans as themselves, datetime as an ISO 8601 string in
// UTC, timespan as "[d.]hh:mm:ss[.fffffff]", dynamic as its JSON text,
// null as nil.
func (v Value) JSON() any {
	switch v.V.(type) {
	case []Value, map[string]Value:
		b, _ := json.Marshal(v.raw())
		return string(b)
	}
	return v.raw()
}

// raw is v as plain Go data for encoding/json.
func (v Value) raw() any {
	switch x := v.V.(type) {
	case nil:
		return nil
	case time.Time, time.Duration:
		return v.String()
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case []Value:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e.raw()
		}
		return out
	case map[string]Value:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e.raw()
		}
		return out
	}
	return v.V
}

func formatTimespan(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	s, frac := (d%time.Minute)/time.Second, (d%time.Second)/100
	out := fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	if days > 0 {
		out = fmt.Sprintf("%d.%s", days, out)
	}
	if frac > 0 {
		out += "." + strings.TrimRight(fmt.Sprintf("%07d", frac), "0")
	}
	return sign + out
}

// numeric returns v as a float64 if it is a number.
func (v Value) numeric() (float64, bool) {
	switch x := v.V.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// truth is v as a condition: true only for a non-null true bool.
func (v Value) truth() bool {
	b, ok := v.V.(bool)
	return ok && b
}

// compare orders a and b: -1, 0 or 1, and false if they cannot be compared
// (null, or types that do not mix).
func compare(a, b Value) (int, bool) {
	if a.V == nil || b.V == nil {
		return 0, false
	}
	if fa, ok := a.numeric(); ok {
		if fb, ok := b.numeric(); ok {
			if ia, ok := a.V.(int64); ok {
				if ib, ok := b.V.(int64); ok {
					return cmpOrdered(ia, ib), true
				}
			}
			return cmpOrdered(fa, fb), true
		}
	}
	switch x := a.V.(type) {
	case string:
		if y, ok := b.V.(string); ok {
			return strings.Compare(x, y), true
		}
	case bool:
		if y, ok := b.V.(bool); ok {
			return cmpOrdered(b2i(x), b2i(y)), true
		}
	case time.Time:
		switch y := b.V.(type) {
		case time.Time:
			return x.Compare(y), true
		case string:
			if t, err := parseDatetime(y); err == nil {
				return x.Compare(t), true
			}
		}
	case time.Duration:
		if y, ok := b.V.(time.Duration); ok {
			return cmpOrdered(x, y), true
		}
	}
	if _, ok := b.V.(time.Time); ok {
		if c, ok := compare(b, a); ok {
			return -c, true
		}
	}
	return strings.Compare(a.String(), b.String()), a.Type == b.Type || a.Type == TypeDynamic || b.Type == TypeDynamic
}

func cmpOrdered[T int64 | float64 | time.Duration | int](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// equal reports KQL's ==: false when either side is null.
func equal(a, b Value) bool {
	c, ok := compare(a, b)
	return ok && c == 0
}

// datetimeLayouts are the forms datetime() and todatetime() accept.
var datetimeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02 15:04:05.9999999", "2006-01-02T15:04",
	"2006-01-02 15:04", "2006-01-02", "2006-01-02T15:04:05.9999999Z07:00", time.RFC1123, time.RFC1123Z,
}

func parseDatetime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range datetimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a datetime", s)
}

// timespanUnits maps KQL's timespan literal suffixes to durations.
var timespanUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"microsecond": time.Microsecond, "microseconds": time.Microsecond,
	"tick": 100 * time.Nanosecond, "ticks": 100 * time.Nanosecond,
}

// parseTimespan reads "5m", "1.5h", "00:05:00", "1.02:00:00".
func parseTimespan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	if unit, ok := timespanUnits[strings.ToLower(s[i:])]; ok && i > 0 {
		f, err := strconv.ParseFloat(s[:i], 64)
		if err == nil {
			return time.Duration(f * float64(unit)), nil
		}
	}
	// [d.]hh:mm[:ss[.fffffff]]
	var days int64
	rest := s
	if p := strings.Split(s, ":"); len(p) >= 2 {
		if d, hh, ok := strings.Cut(p[0], "."); ok {
			n, err := strconv.ParseInt(d, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%q is not a timespan", s)
			}
			days, rest = n, hh+s[len(p[0]):]
		}
		p = strings.Split(rest, ":")
		h, e1 := strconv.ParseInt(p[0], 10, 64)
		m, e2 := strconv.ParseInt(p[1], 10, 64)
		var sec float64
		var e3 error
		if len(p) == 3 {
			sec, e3 = strconv.ParseFloat(p[2], 64)
		}
		if e1 == nil && e2 == nil && e3 == nil && len(p) <= 3 {
			return time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
				time.Duration(sec*float64(time.Second)), nil
		}
	}
	return 0, fmt.Errorf("%q is not a timespan", s)
}

// convert casts v to type t for a typed column (parse's Name:type, the
// to*() functions); what does not convert becomes null.
func convert(v Value, t Type) Value {
	if v.V == nil {
		return Null(t)
	}
	switch t {
	case TypeString, TypeGUID:
		return Value{t, v.String()}
	case TypeLong, TypeInt:
		switch x := v.V.(type) {
		case int64:
			return Value{t, x}
		case float64:
			return Value{t, int64(x)}
		case bool:
			return Value{t, int64(b2i(x))}
		case time.Duration:
			return Value{t, int64(x / 100)}
		case string:
			if i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return Value{t, i}
			}
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return Value{t, int64(f)}
			}
		}
	case TypeReal:
		if f, ok := v.numeric(); ok {
			return Real(f)
		}
		if s, ok := v.V.(string); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				return Real(f)
			}
		}
	case TypeBool:
		switch x := v.V.(type) {
		case bool:
			return Bool(x)
		case int64:
			return Bool(x != 0)
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return Bool(b)
			}
		}
	case TypeDatetime:
		switch x := v.V.(type) {
		case time.Time:
			return Datetime(x)
		case string:
			if tm, err := parseDatetime(x); err == nil {
				return Datetime(tm)
			}
		}
	case TypeTimespan:
		switch x := v.V.(type) {
		case time.Duration:
			return Timespan(x)
		case int64:
			return Timespan(time.Duration(x) * 100)
		case string:
			if d, err := parseTimespan(x); err == nil {
				return Timespan(d)
			}
		}
	case TypeDynamic:
		return Value{TypeDynamic, v.V}
	}
	return Null(t)
}

// key is v as a grouping key.
func (v Value) key() string {
	if v.V == nil {
		return "\x00null"
	}
	return string(v.Type[0]) + v.String()
}
