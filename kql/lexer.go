package kql

import (
	"fmt"
	"strings"
)

type tokenKind int

const (
	tEOF tokenKind = iota
	tIdent
	tString
	tNumber
	tTimespan
	tRaw // the text inside datetime(...) / timespan(...)
	tPunct
)

type token struct {
	kind tokenKind
	text string // identifier, punctuation, number text or decoded string
	pos  int    // byte offset in the query
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tString:
		return fmt.Sprintf("%q", t.text)
	}
	return "'" + t.text + "'"
}

// punctuation, longest first.
var punctuation = []string{
	"==", "!=", "=~", "!~", "<=", ">=", "..", "|", ",", "(", ")", "[", "]", "{", "}",
	"<", ">", "=", "+", "-", "*", "/", "%", ";", ":", ".",
}

// lex splits q into tokens.
func lex(q string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && i+1 < len(q) && q[i+1] == '/':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'' || (c == '@' || c == 'h' || c == 'H') && i+1 < len(q) && (q[i+1] == '"' || q[i+1] == '\''):
			s, n, err := lexString(q, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tString, s, i})
			i = n
		case isDigit(c) || c == '.' && i+1 < len(q) && isDigit(q[i+1]) && !(len(toks) > 0 && toks[len(toks)-1].text == "."):
			start := i
			for i < len(q) && (isDigit(q[i]) || q[i] == '.' && i+1 < len(q) && isDigit(q[i+1])) {
				i++
			}
			if i < len(q) && (q[i] == 'e' || q[i] == 'E') && i+1 < len(q) && (isDigit(q[i+1]) || q[i+1] == '-' || q[i+1] == '+') {
				i += 2
				for i < len(q) && isDigit(q[i]) {
					i++
				}
			}
			kind := tNumber
			if j := identEnd(q, i); j > i {
				if _, ok := timespanUnits[strings.ToLower(q[i:j])]; !ok {
					return nil, &Error{Pos: i, Op: "literal", Msg: fmt.Sprintf("unknown timespan unit %q", q[i:j])}
				}
				kind, i = tTimespan, j
			}
			toks = append(toks, token{kind, q[start:i], start})
		case isIdentStart(c):
			start := i
			i = identEnd(q, i)
			word := q[start:i]
			// Operators spelt with a hyphen, and in~.
			if (word == "project" || word == "mv") && i+1 < len(q) && q[i] == '-' && isIdentStart(q[i+1]) {
				i = identEnd(q, i+1)
				word = q[start:i]
			}
			if word == "in" && i < len(q) && q[i] == '~' {
				i++
				word = "in~"
			}
			toks = append(toks, token{tIdent, word, start})
			// datetime(…) and timespan(…) take raw text.
			if lw := strings.ToLower(word); (lw == "datetime" || lw == "timespan" || lw == "time") && !afterDot(toks) {
				j := i
				for j < len(q) && (q[j] == ' ' || q[j] == '\t') {
					j++
				}
				if j < len(q) && q[j] == '(' {
					end := strings.IndexByte(q[j:], ')')
					if end < 0 {
						return nil, &Error{Pos: j, Op: word, Msg: "missing ')'"}
					}
					raw := strings.TrimSpace(q[j+1 : j+end])
					toks = append(toks, token{tPunct, "(", j}, token{tRaw, raw, j + 1}, token{tPunct, ")", j + end})
					i = j + end + 1
				}
			}
		case c == '!' && i+1 < len(q) && isIdentStart(q[i+1]):
			// Negated operators: !has, !contains_cs, !in, !in~, !between ...
			j := identEnd(q, i+1)
			if q[i+1:j] == "in" && j < len(q) && q[j] == '~' {
				j++
			}
			toks = append(toks, token{tPunct, q[i:j], i})
			i = j
		default:
			p := ""
			for _, cand := range punctuation {
				if strings.HasPrefix(q[i:], cand) {
					p = cand
					break
				}
			}
			if p == "" {
				return nil, &Error{Pos: i, Op: "query", Msg: fmt.Sprintf("unexpected character %q", rune(c))}
			}
			toks = append(toks, token{tPunct, p, i})
			i += len(p)
		}
	}
	return append(toks, token{tEOF, "", len(q)}), nil
}

func afterDot(toks []token) bool {
	return len(toks) >= 2 && toks[len(toks)-2].text == "."
}

// lexString reads a string literal at q[i:]: "…" or '…' with backslash
// escapes, @"…" or @'…' verbatim, h"…" obfuscated (treated as plain).
func lexString(q string, i int) (string, int, error) {
	start := i
	verbatim := false
	if q[i] == '@' {
		verbatim = true
		i++
	} else if q[i] == 'h' || q[i] == 'H' {
		i++
	}
	quote := q[i]
	i++
	var b strings.Builder
	for i < len(q) {
		c := q[i]
		switch {
		case c == quote:
			if verbatim && i+1 < len(q) && q[i+1] == quote {
				b.WriteByte(quote)
				i += 2
				continue
			}
			return b.String(), i + 1, nil
		case c == '\\' && !verbatim && i+1 < len(q):
			i++
			switch q[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(q[i])
			}
		case c == '\n' && !verbatim:
			return "", 0, &Error{Pos: start, Op: "literal", Msg: "string literal not terminated before end of line"}
		default:
			b.WriteByte(c)
		}
		i++
	}
	return "", 0, &Error{Pos: start, Op: "literal", Msg: "string literal not terminated"}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) }

func identEnd(q string, i int) int {
	for i < len(q) && isIdentPart(q[i]) {
		i++
	}
	return i
}

// Error is a query that cannot be parsed or evaluated: the operator or
// function concerned and where in the query it is.
type Error struct {
	Pos   int    // byte offset in the query
	Line  int    // 1-based, set by Parse and Run
	Col   int    // 1-based, in bytes
	Op    string // the tabular operator, function or "query"
	Msg   string
	query string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("kql: %s: %s (offset %d)", e.Op, e.Msg, e.Pos)
	}
	return fmt.Sprintf("kql: line %d, column %d: %s: %s", e.Line, e.Col, e.Op, e.Msg)
}

// locate fills Line and Col from the query text.
func (e *Error) locate(q string) *Error {
	if e.Pos > len(q) {
		e.Pos = len(q)
	}
	e.Line = 1 + strings.Count(q[:e.Pos], "\n")
	e.Col = e.Pos - strings.LastIndexByte(q[:e.Pos], '\n')
	e.query = q
	return e
}
