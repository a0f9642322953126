package kql

import "fmt"

// Column is a table column: its name and type.
type Column struct {
	Name string
	Type Type
}

// Table is a named table of typed columns; each row has one Value per
// column.
type Table struct {
	Name    string
	Columns []Column
	Rows    [][]Value
}

// Index returns the position of the named column, or -1.
func (t *Table) Index(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Append adds a row, converting each value to its column's type; it
// panics if the row's length differs from the columns'.
func (t *Table) Append(row ...Value) {
	if len(row) != len(t.Columns) {
		panic(fmt.Sprintf("kql: Append: %d values for %d columns", len(row), len(t.Columns)))
	}
	out := make([]Value, len(row))
	for i, v := range row {
		if v.Type != t.Columns[i].Type {
			v = convert(v, t.Columns[i].Type)
		}
		out[i] = v
	}
	t.Rows = append(t.Rows, out)
}
