package offline

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/vpnlab/vpnlab/diagnose"
)

// FileReport says what was made of one input file.
type FileReport struct {
	Path    string `json:"path"`
	Format  string `json:"format"` // e.g. "strongswan-log", "swanctl-list-sas", "azure-diagnostics-json"
	Lines   int    `json:"lines"`  // non-blank lines (records, for JSON and CSV)
	Used    int    `json:"used"`   // lines that contributed evidence
	Ignored int    `json:"ignored"`
}

// Report says what was made of every input file, in the order read.
type Report struct {
	Files []FileReport `json:"files"`
}

// ErrNotLog is wrapped by the error for a file whose format is not
// recognised at all: "not a log vpnlab can read: <path>: <why>".
var ErrNotLog = errors.New("not a log vpnlab can read")

// Limits on what is read: a file (or an archive member, decompressed) and
// how deep archives may nest.
const (
	maxFileSize  = 1 << 30
	maxNestDepth = 3
)

// Evidence builds evidence from files and directories (walked recursively,
// hidden entries skipped, .zip and .gz opened). A file whose format cannot
// be recognised gets an error naming it; the evidence of the other files is
// still returned with it. Inside a recognised file, unrecognised lines are
// ignored and counted.
//
// Times without a year (syslog) take the year of the latest dated time
// among the inputs, else of the newest file's modification time.
func Evidence(paths ...string) (diagnose.Evidence, Report, error) {
	p := newParser()
	var errs []error
	read := func(path string) {
		fi, err := os.Stat(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", path, err))
			return
		}
		if fi.Size() > maxFileSize {
			errs = append(errs, fmt.Errorf("read %s: larger than %d bytes", path, maxFileSize))
			return
		}
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", path, err))
			return
		}
		if mt := fi.ModTime().UTC(); mt.After(p.b.mtime) {
			p.b.mtime = mt
		}
		p.file(path, data, 0)
	}
	for _, root := range paths {
		fi, err := os.Stat(root)
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", root, err))
			continue
		}
		if !fi.IsDir() {
			read(root)
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, fmt.Errorf("read %s: %w", path, err))
				return nil
			}
			if path != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				read(path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("walk %s: %w", root, err))
		}
	}
	p.settleEmpty()
	ev, rep := p.finish()
	return ev, rep, errors.Join(append(errs, p.errs...)...)
}

// Parse is Evidence for in-memory inputs (name → content), read in name
// order. It is deterministic: times come from the inputs only.
func Parse(inputs map[string][]byte) (diagnose.Evidence, Report, error) {
	p := newParser()
	names := make([]string, 0, len(inputs))
	for n := range inputs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p.file(n, inputs[n], 0)
	}
	p.settleEmpty()
	ev, rep := p.finish()
	return ev, rep, errors.Join(p.errs...)
}

// parser reads files into a builder.
type parser struct {
	b     *builder
	rep   []FileReport
	errs  []error
	empty []string // empty files: refused only when nothing else was read
}

// settleEmpty refuses empty files when they are all the input holds; beside
// other files (an export whose command printed nothing) they are reported.
func (p *parser) settleEmpty() {
	for _, name := range p.empty {
		if len(p.rep) == 0 {
			p.notLog(name, "empty input")
		} else {
			p.rep = append(p.rep, FileReport{Path: name, Format: "empty"})
		}
	}
}

func newParser() *parser { return &parser{b: newBuilder()} }

func (p *parser) notLog(name, why string) {
	p.errs = append(p.errs, fmt.Errorf("%w: %s: %s (any text is read; `vpnlab diagnose -formats` lists the formats read structurally)", ErrNotLog, name, why))
}

// file reads one input: an archive, a compressed file or a log.
func (p *parser) file(name string, data []byte, depth int) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")):
		p.archive(name, data, depth)
		return
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		if depth >= maxNestDepth {
			p.notLog(name, "compressed files nested too deep")
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			p.notLog(name, "broken gzip data: "+err.Error())
			return
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxFileSize+1))
		if err != nil {
			p.notLog(name, "broken gzip data: "+err.Error())
			return
		}
		if len(out) > maxFileSize {
			p.notLog(name, "decompresses to more than 1 GiB")
			return
		}
		p.file(strings.TrimSuffix(name, ".gz"), out, depth+1)
		return
	}
	text, why := decodeText(data)
	if why != "" {
		if ci, ok := derCertificate(data); ok {
			fr := FileReport{Path: name, Format: fmtCertificate, Lines: 1, Used: 1}
			p.b.certificate(ci)
			p.rep = append(p.rep, fr)
			return
		}
		p.notLog(name, why)
		return
	}
	if strings.TrimSpace(text) == "" {
		p.empty = append(p.empty, name)
		return
	}
	f := classify(name, text)
	src := &source{name: name, text: text, b: p.b, rep: FileReport{Path: name, Format: f.name}}
	p.b.ref = name
	f.parse(p.b, src)
	if src.fail != "" {
		// Not the format it looked like after all: its lines are text.
		src = &source{name: name, text: text, b: p.b, rep: FileReport{Path: name, Format: fmtText}}
		parseText(p.b, src)
	}
	p.rep = append(p.rep, src.rep)
}

// archive reads every member of a zip archive, named "archive.zip!/member".
func (p *parser) archive(name string, data []byte, depth int) {
	if depth >= maxNestDepth {
		p.notLog(name, "archives nested too deep")
		return
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		p.notLog(name, "broken zip archive: "+err.Error())
		return
	}
	files := slices.Clone(zr.File)
	slices.SortStableFunc(files, func(a, b *zip.File) int { return strings.Compare(a.Name, b.Name) })
	for _, zf := range files {
		base := zf.Name[strings.LastIndexByte(zf.Name, '/')+1:]
		if zf.FileInfo().IsDir() || base == "" || strings.HasPrefix(base, ".") || strings.HasPrefix(zf.Name, "__MACOSX/") {
			continue
		}
		member := name + "!/" + zf.Name
		if zf.UncompressedSize64 > maxFileSize {
			p.notLog(member, "larger than 1 GiB")
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			p.notLog(member, "cannot open archive member: "+err.Error())
			continue
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxFileSize+1))
		rc.Close()
		if err != nil {
			p.notLog(member, "cannot read archive member: "+err.Error())
			continue
		}
		if mt := zf.Modified.UTC(); mt.Year() > 1980 && mt.After(p.b.mtime) {
			p.b.mtime = mt
		}
		p.file(member, b, depth+1)
	}
}

// decodeText returns data as UTF-8 text (UTF-16 with a byte-order mark, as
// Windows PowerShell writes files, is converted; a UTF-8 BOM is dropped),
// or why it is not text.
func decodeText(data []byte) (string, string) {
	switch {
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		le := data[0] == 0xff
		data = data[2:]
		u := make([]uint16, len(data)/2)
		for i := range u {
			if le {
				u[i] = uint16(data[2*i]) | uint16(data[2*i+1])<<8
			} else {
				u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
			}
		}
		return string(utf16.Decode(u)), ""
	}
	head := data[:min(len(data), 8192)]
	if bytes.IndexByte(head, 0) >= 0 {
		return "", "binary data (NUL bytes)"
	}
	bad := 0
	for i := 0; i < len(head); {
		r, n := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && n == 1 && len(head)-i >= utf8.UTFMax {
			bad++
		}
		i += n
	}
	if bad*20 > len(head) {
		return "", "binary data (not UTF-8 text)"
	}
	return string(data), ""
}

// source is one text input being parsed.
type source struct {
	name   string
	text   string
	b      *builder
	n      int  // the line being read, 1-based
	secret bool // a secrets file: no line of it goes anywhere
	rep    FileReport
	fail   string // set by a parser that finds nothing it reads after all: its lines are read as text
}

// at records the line being read: the builder cites it.
func (s *source) at(n int) {
	s.n = n
	s.b.ref = s.name + ":" + strconv.Itoa(n)
}

// unused passes a line no structured reader took to the evidence as text,
// where the knowledge base's signatures read it.
func (s *source) unused(line string) {
	if !s.secret {
		s.b.textLine(s.b.ref, line)
	}
}

func baseName(name string) string {
	i := strings.LastIndexAny(name, `/\!`)
	return name[i+1:]
}

// allLines calls fn with each line (line ending and trailing blanks
// removed), blank lines as "". Non-blank lines are counted in Lines; the
// caller counts Used and Ignored. Lines of a PEM private key block are
// skipped unseen and counted as ignored.
func (s *source) allLines(fn func(line string)) {
	t := s.text
	inKey := false
	n := 0
	for len(t) > 0 {
		n++
		s.at(n)
		var line string
		if i := strings.IndexByte(t, '\n'); i >= 0 {
			line, t = t[:i], t[i+1:]
		} else {
			line, t = t, ""
		}
		line = trimRight(line)
		if line == "" || isBlank(line) {
			fn("")
			continue
		}
		s.rep.Lines++
		if inKey || isKeyBegin(line) {
			inKey = !isKeyEnd(line)
			s.rep.Ignored++
			continue
		}
		fn(line)
	}
}

// lines calls fn with each non-blank line (line ending and trailing blanks
// removed) and counts it as used or ignored by fn's answer. Lines of a PEM
// private key block are skipped unseen and counted as ignored.
func (s *source) lines(fn func(line string) bool) {
	t := s.text
	inKey := false
	n := 0
	for len(t) > 0 {
		n++
		s.at(n)
		var line string
		if i := strings.IndexByte(t, '\n'); i >= 0 {
			line, t = t[:i], t[i+1:]
		} else {
			line, t = t, ""
		}
		line = trimRight(line)
		if line == "" || isBlank(line) {
			continue
		}
		s.rep.Lines++
		if inKey || isKeyBegin(line) {
			inKey = !isKeyEnd(line)
			s.rep.Ignored++
			continue
		}
		if fn(line) {
			s.rep.Used++
		} else {
			s.rep.Ignored++
			s.unused(line)
		}
	}
}

func trimRight(s string) string {
	for len(s) > 0 {
		switch s[len(s)-1] {
		case '\r', ' ', '\t':
			s = s[:len(s)-1]
			continue
		}
		break
	}
	return s
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '\t' {
			return false
		}
	}
	return true
}

// timeZero is the zero time, for readability.
var timeZero time.Time
