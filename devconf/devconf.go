package devconf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vpnlab/vpnlab/compat"
)

// File is one configuration file: its name as the user gave it and its bytes.
type File struct {
	Name string
	Data []byte
}

// ReadFiles reads files from disk.
func ReadFiles(paths ...string) ([]File, error) {
	var out []File
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: p, Data: b})
	}
	return out, nil
}

// Result is what an import found.
type Result struct {
	Syntax  string
	Device  compat.Device
	Unknown []Line // configuration lines the importer did not understand
	Skipped []Span // blocks skipped on purpose, with the reason
}

// Line is one line of a file.
type Line struct {
	compat.Source
	Text string `json:"text"`
}

// Span is a run of lines skipped for one reason.
type Span struct {
	File     string `json:"file"`
	From, To int    `json:"-"`
	Why      string `json:"why"`
}

// SyntaxError is a file the importer cannot read: it names the file and line.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Import reads one device's configuration files. syntax names the syntax
// ("" detects it from the first file). Secrets files (ipsec.secrets,
// swanctl secrets) may follow the main file.
func Import(syntax string, files ...File) (*Result, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("no configuration file")
	}
	for _, f := range files {
		if err := checkText(f); err != nil {
			return nil, err
		}
	}
	var s Syntax
	if syntax != "" {
		var ok bool
		if s, ok = Lookup(syntax); !ok {
			return nil, fmt.Errorf("unknown syntax %q (known: %s)", syntax, strings.Join(Names(), ", "))
		}
	} else {
		var err error
		if s, err = Detect(files[0]); err != nil {
			return nil, err
		}
	}
	r := &Result{Syntax: s.Name}
	if err := s.Import(r, files); err != nil {
		return nil, err
	}
	r.Device.Name = cmpOr(r.Device.Name, filepath.Base(files[0].Name))
	return r, nil
}

// checkText refuses binary files and UTF-16, naming the file.
func checkText(f File) error {
	if len(f.Data) >= 2 && (bytes.HasPrefix(f.Data, []byte{0xff, 0xfe}) || bytes.HasPrefix(f.Data, []byte{0xfe, 0xff})) {
		return &SyntaxError{File: f.Name, Line: 1, Msg: "UTF-16 text; convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)"}
	}
	if i := bytes.IndexByte(f.Data, 0); i >= 0 || !utf8.Valid(f.Data) {
		line := 1 + bytes.Count(f.Data[:max(i, 0)], []byte("\n"))
		return &SyntaxError{File: f.Name, Line: line, Msg: "not a text file"}
	}
	return nil
}

// Detect names the syntax of f, or says why it cannot.
func Detect(f File) (Syntax, error) {
	text := string(f.Data)
	best, score := Syntax{}, 0
	for _, s := range Syntaxes() {
		if n := s.Sniff(text); n > score {
			best, score = s, n
		}
	}
	if score == 0 {
		ln, first := firstSignificant(text)
		msg := "unknown configuration syntax"
		if first != "" {
			msg += fmt.Sprintf(": %q", first)
		} else {
			msg += ": the file is empty"
		}
		return Syntax{}, &SyntaxError{File: f.Name, Line: ln, Msg: msg + " (known: " + strings.Join(Names(), ", ") + "; name one with --syntax)"}
	}
	return best, nil
}

func firstSignificant(text string) (int, string) {
	for i, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "!") {
			if len(t) > 60 {
				t = t[:60] + "..."
			}
			return i + 1, t
		}
	}
	return 0, ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// src makes a compat.Source.
func src(file string, line int) compat.Source { return compat.Source{File: file, Line: line} }

// unknown records a line the importer did not understand.
func (r *Result) unknown(file string, line int, text string) {
	r.Unknown = append(r.Unknown, Line{Source: src(file, line), Text: strings.TrimSpace(text)})
}

// skip records a span skipped on purpose.
func (r *Result) skip(file string, from, to int, why string) {
	if n := len(r.Skipped); n > 0 && r.Skipped[n-1].File == file && r.Skipped[n-1].Why == why && r.Skipped[n-1].To >= from-1 {
		r.Skipped[n-1].To = max(to, r.Skipped[n-1].To)
		return
	}
	r.Skipped = append(r.Skipped, Span{File: file, From: from, To: to, Why: why})
}

// note records something the device does that compat cannot check.
func (r *Result) note(s compat.Source, format string, args ...any) {
	r.Device.Notes = append(r.Device.Notes, compat.At(fmt.Sprintf(format, args...), s))
}

// Lines returns "12" or "12-40".
func (s Span) Lines() string {
	if s.From == s.To {
		return fmt.Sprint(s.From)
	}
	return fmt.Sprintf("%d-%d", s.From, s.To)
}

func addUnique(list []compat.Value[string], v compat.Value[string]) []compat.Value[string] {
	if slices.ContainsFunc(list, func(x compat.Value[string]) bool { return x.V == v.V }) {
		return list
	}
	return append(list, v)
}

// lineStarts reports whether a line of text starts with prefix after
// optional blanks; it is the sniffers' cheap test on large files.
func lineStarts(text, prefix string) bool {
	for off := 0; off < len(text); {
		i := strings.Index(text[off:], prefix)
		if i < 0 {
			return false
		}
		i += off
		j := i
		for j > 0 && (text[j-1] == ' ' || text[j-1] == '\t') {
			j--
		}
		if j == 0 || text[j-1] == '\n' {
			return true
		}
		off = i + 1
	}
	return false
}

// anyLineStarts is lineStarts for any of prefixes.
func anyLineStarts(text string, prefixes ...string) bool {
	for _, p := range prefixes {
		if lineStarts(text, p) {
			return true
		}
	}
	return false
}
