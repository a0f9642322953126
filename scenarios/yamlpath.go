package scenarios

import (
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// valueNode returns the value of key in a mapping node (or a document).
func valueNode(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// lineOf returns the line of a top-level key (1 when absent).
func lineOf(root *yaml.Node, key string) int {
	if v := valueNode(root, key); v != nil {
		return v.Line
	}
	return 1
}

// yamlFields lists the yaml names of a struct pointer's fields.
func yamlFields(p any) []string {
	t := reflect.TypeOf(p).Elem()
	var out []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" {
			out = append(out, name)
		}
	}
	return out
}
