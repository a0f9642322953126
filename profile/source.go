package profile

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// source maps the fields of a parsed profile to the lines that set them.
// Field paths are dotted yaml names with list indexes: "ike.proposals[1]".
type source struct {
	file  string
	lines map[string]int  // field → line of its key or list item; "" is the document
	set   map[string]bool // fields given a non-null value
	bad   map[string]bool // fields that did not decode; validation skips them
}

// line returns the line of field or, when the file leaves it out, of its
// nearest enclosing field.
func (s *source) line(field string) int {
	for {
		if n, ok := s.lines[field]; ok {
			return n
		}
		if field == "" {
			return 0
		}
		field = parent(field)
	}
}

// broken reports whether field or an enclosing field did not decode.
func (s *source) broken(field string) bool {
	for {
		if s.bad[field] {
			return true
		}
		if field == "" {
			return false
		}
		field = parent(field)
	}
}

func parent(field string) string {
	i := strings.LastIndexAny(field, ".[")
	if i < 0 {
		return ""
	}
	return field[:i]
}

// index walks the YAML document against the Profile type: it records the
// line of every field and reports unknown fields, duplicate keys and values
// of the wrong type, each with its field path.
func index(file string, doc *yaml.Node) (*source, []*FieldError) {
	w := &walker{src: &source{
		file:  file,
		lines: map[string]int{},
		set:   map[string]bool{},
		bad:   map[string]bool{},
	}}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root := doc.Content[0]
		w.src.lines[""] = root.Line
		w.walk(root, reflect.TypeFor[Profile](), "")
	}
	return w.src, w.errs
}

type walker struct {
	src  *source
	errs []*FieldError
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

func (w *walker) walk(n *yaml.Node, t reflect.Type, field string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	w.src.set[field] = true
	switch {
	case reflect.PointerTo(t).Implements(unmarshalerType):
		w.decode(n, t, field)
	case t.Kind() == reflect.Pointer:
		w.walk(n, t.Elem(), field)
	case t.Kind() == reflect.Struct:
		w.mapping(n, t, field)
	case t.Kind() == reflect.Slice:
		w.sequence(n, t, field)
	case n.Kind != yaml.ScalarNode:
		w.errorf(n.Line, field, "want %s, got %s", describe(t), got(n))
	default:
		w.decode(n, t, field)
	}
}

func (w *walker) mapping(n *yaml.Node, t reflect.Type, field string) {
	if n.Kind != yaml.MappingNode {
		w.errorf(n.Line, field, "want a mapping, got %s", got(n))
		return
	}
	types, names := yamlFields(t)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := k.Value
		if field != "" {
			f = field + "." + k.Value
		}
		if prev, ok := seen[k.Value]; ok {
			w.errorf(k.Line, f, "already set at line %d", prev)
			w.src.bad[field] = true // yaml.v3 decodes no key of such a mapping
			continue
		}
		seen[k.Value] = k.Line
		w.src.lines[f] = k.Line
		ft, ok := types[k.Value]
		if !ok {
			w.errorf(k.Line, f, "unknown field (known: %s)", strings.Join(names, ", "))
			continue
		}
		w.walk(v, ft, f)
	}
}

func (w *walker) sequence(n *yaml.Node, t reflect.Type, field string) {
	if n.Kind != yaml.SequenceNode {
		w.errorf(n.Line, field, "want a list, got %s", got(n))
		return
	}
	for i, item := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		w.src.lines[f] = item.Line
		w.walk(item, t.Elem(), f)
	}
}

// decode decodes a leaf on its own, to pin a type error to its field.
func (w *walker) decode(n *yaml.Node, t reflect.Type, field string) {
	err := n.Decode(reflect.New(t).Interface())
	if err == nil {
		return
	}
	msg := fmt.Sprintf("want %s, got %s", describe(t), got(n))
	var te *yaml.TypeError
	if reflect.PointerTo(t).Implements(unmarshalerType) && errors.As(err, &te) && len(te.Errors) > 0 {
		_, msg = splitLine(te.Errors[0]) // the type's own message
	}
	w.errorf(n.Line, field, "%s", msg)
}

func (w *walker) errorf(line int, field, format string, args ...any) {
	w.src.bad[field] = true
	w.errs = append(w.errs, &FieldError{
		File:  w.src.file,
		Line:  line,
		Field: field,
		Msg:   fmt.Sprintf(format, args...),
	})
}

// yamlFields returns a struct's fields by yaml name, and the names in order.
func yamlFields(t reflect.Type) (map[string]reflect.Type, []string) {
	types := map[string]reflect.Type{}
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		types[name] = f.Type
		names = append(names, name)
	}
	return types, names
}

func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprintf("an integer in 0..%d", uint64(1)<<t.Bits()-1)
	}
	return t.String()
}

// got describes what a node holds, for error messages.
func got(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "an alias"
}
