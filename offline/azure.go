package offline

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vpnlab/vpnlab/diagnose"
)

// Azure diagnostic log exports, as AzureDiagnostics rows: JSON (an array of
// rows, {"value": [...]}, Azure Monitor's {"records": [...]} as a storage
// account or event hub receives them, one record a line, or the Log
// Analytics query API's {"tables": [{"columns": [...], "rows": [[...]]}]})
// and CSV exported from Log Analytics. Column names are matched without
// case and without the "_s" / " [UTC]" suffixes, so "TimeGenerated [UTC]",
// "instance_s" and "properties.instance" all work.
//
// JSON files are also read for Azure objects (azureconn.go) and for JSON
// log lines (the lab's node events, gobgpd's JSON log).

// colName normalises a column name: "TimeGenerated [UTC]" → "timegenerated",
// "remoteIP_s" → "remoteip".
func colName(k string) string {
	k = strings.ToLower(strings.TrimSpace(k))
	if i := strings.IndexByte(k, ' '); i >= 0 {
		k = k[:i]
	}
	k = strings.TrimPrefix(k, "properties.")
	for _, suf := range []string{"_s", "_d", "_g", "_b"} {
		if strings.HasSuffix(k, suf) && len(k) > len(suf) {
			return k[:len(k)-len(suf)]
		}
	}
	return k
}

// row is one record with normalised column names.
type row map[string]any

// str returns the first of keys that holds a value, as text.
func (r row) str(keys ...string) string {
	for _, k := range keys {
		if v, ok := r[k]; ok && v != nil {
			switch x := v.(type) {
			case string:
				return x
			case json.Number:
				return x.String()
			case bool, float64, int64:
				return fmt.Sprint(x)
			}
		}
	}
	return ""
}

// flatRow normalises m's keys and merges its "properties" object.
func flatRow(m map[string]any) row {
	r := make(row, len(m))
	for k, v := range m {
		r[colName(k)] = v
	}
	if p, ok := m["properties"].(map[string]any); ok {
		for k, v := range p {
			if _, dup := r[colName(k)]; !dup {
				r[colName(k)] = v
			}
		}
	}
	return r
}

// isDiagRow reports an AzureDiagnostics row.
func (r row) isDiagRow() bool {
	return r.str("category") != "" && (r.str("operationname") != "" || r.str("message") != "")
}

// diagRow adds an AzureDiagnostics row.
func diagRow(b *builder, r row) {
	t, _ := anyTime(r.str("timegenerated", "time", "timestamp"))
	b.azureLog(diagnose.AzureLog{
		Time: t, Category: r.str("category"), Operation: r.str("operationname"), Level: r.str("level"),
		Message: r.str("message"), Instance: r.str("instance"), Status: r.str("status"),
		RemoteIP: r.str("remoteip"), Reason: r.str("statechangereason"),
	})
}

// --- JSON ---

// jsonDoc parses text as one JSON document, or as JSON lines; nil if it is
// neither.
func jsonDoc(text string) (docs []any, lines bool) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil {
		if _, err := dec.Token(); err == io.EOF {
			return []any{v}, false
		}
	}
	// JSON lines: every non-blank line an object. A record a paste wrapped
	// over a few lines (`..."time":"..."` then `}`) is joined back, with a
	// blank where it was cut.
	all := strings.Split(text, "\n")
	for i := 0; i < len(all); i++ {
		line := strings.TrimSpace(all[i])
		if line == "" {
			continue
		}
		x, ok := jsonLine(line)
		if !ok && strings.HasPrefix(line, "{") {
			joined := line
			for k := i + 1; k < len(all) && k <= i+jsonWrapLines; k++ {
				joined += " " + strings.TrimSpace(all[k])
				if y, ok2 := jsonLine(joined); ok2 {
					x, ok, i = y, true, k
					break
				}
			}
		}
		if !ok {
			docs = append(docs, nil) // counted as an ignored line
			continue
		}
		docs = append(docs, x)
	}
	if len(docs) == 0 || docs[0] == nil {
		return nil, false
	}
	return docs, true
}

// jsonWrapLines is how many following lines a wrapped JSON record may take.
const jsonWrapLines = 4

// jsonLine decodes one line holding a single JSON value.
func jsonLine(line string) (any, bool) {
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return nil, false
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, false
	}
	return x, true
}

// jsonReader reads JSON documents.
type jsonReader struct {
	b     *builder
	s     *source
	kinds map[string]int
}

func parseJSON(b *builder, s *source, docs []any) {
	j := &jsonReader{b: b, s: s, kinds: map[string]int{}}
	for _, d := range docs {
		j.doc(d)
	}
	if s.rep.Used == 0 {
		s.fail = "a JSON document holding no AzureDiagnostics row, Azure connection, gateway or BGP peer, and no log record"
		return
	}
	best := ""
	for k, n := range j.kinds {
		if best == "" || n > j.kinds[best] || (n == j.kinds[best] && k < best) {
			best = k
		}
	}
	if best != "" {
		s.rep.Format = best
	}
}

func (j *jsonReader) count(kind string) {
	j.s.rep.Lines++
	if kind == "" {
		j.s.rep.Ignored++
		return
	}
	j.s.rep.Used++
	j.kinds[kind]++
}

func (j *jsonReader) doc(v any) {
	switch x := v.(type) {
	case []any:
		for _, it := range x {
			j.doc(it)
		}
	case map[string]any:
		if t, ok := x["tables"].([]any); ok {
			for _, tb := range t {
				j.table(tb)
			}
			return
		}
		for _, k := range []string{"value", "records"} {
			if items, ok := x[k].([]any); ok {
				for _, it := range items {
					j.doc(it)
				}
				return
			}
		}
		j.count(j.item(x))
	default:
		j.count("")
	}
}

// table reads a Log Analytics query API table.
func (j *jsonReader) table(v any) {
	tb, ok := v.(map[string]any)
	if !ok {
		j.count("")
		return
	}
	cols, _ := tb["columns"].([]any)
	rows, _ := tb["rows"].([]any)
	names := make([]string, len(cols))
	for i, c := range cols {
		if cm, ok := c.(map[string]any); ok {
			names[i], _ = cm["name"].(string)
		}
	}
	for _, rv := range rows {
		vals, ok := rv.([]any)
		if !ok {
			j.count("")
			continue
		}
		m := map[string]any{}
		for i, v := range vals {
			if i < len(names) && names[i] != "" {
				m[names[i]] = v
			}
		}
		j.count(j.item(m))
	}
}

// item reads one object and returns the format it belongs to.
func (j *jsonReader) item(m map[string]any) string {
	r := flatRow(m)
	switch {
	case r.isDiagRow():
		diagRow(j.b, r)
		return fmtAzureDiagJSON
	case r.str("msg") != "" && r.str("time") != "":
		jsonLogLine(j.b, m)
		return fmtJSONLog
	case azureObject(j.b, r):
		return fmtAzureConnection
	}
	return ""
}

// jsonLogLine reads a JSON log record (the lab's node events, slog; gobgpd
// with a JSON formatter): the message is msg followed by the other
// fields, sorted, as the lab's collector builds it. A record of a node or
// source naming a point-to-site client goes to the client.
func jsonLogLine(b *builder, m map[string]any) {
	kv := jsonFields(m)
	t, _ := anyTime(kv["time"])
	msg := nodeEventMessage(kv)
	src := kv["source"]
	_, topic := m["Topic"]
	switch {
	case src == "":
		if topic {
			src = srcBGP
		} else {
			src = "log"
		}
	case strings.EqualFold(src, "gobgp"):
		src = srcBGP
	}
	if node := strings.ToLower(kv["node"]); strings.Contains(node, "p2s") || strings.Contains(node, "client") {
		b.clientLog(t, src, msg, "")
		return
	}
	b.deviceLog(t, src, msg, "")
}

// --- CSV ---

// isDiagCSVHeader reports a Log Analytics CSV header: columns for the
// time and the category or operation.
func isDiagCSVHeader(line string) bool {
	sep := ","
	switch {
	case strings.Count(line, ";") > strings.Count(line, ","):
		sep = ";"
	case strings.Count(line, "\t") > strings.Count(line, ","):
		sep = "\t"
	}
	var tm, cat bool
	for _, c := range strings.Split(line, sep) {
		switch colName(strings.Trim(c, `"`)) {
		case "timegenerated", "time":
			tm = true
		case "category", "operationname":
			cat = true
		}
	}
	return tm && cat
}

// parseDiagCSV reads AzureDiagnostics rows exported as CSV.
func parseDiagCSV(b *builder, s *source) {
	first, _, _ := strings.Cut(s.text, "\n")
	r := csv.NewReader(strings.NewReader(s.text))
	r.LazyQuotes, r.FieldsPerRecord = true, -1
	switch {
	case strings.Count(first, ";") > strings.Count(first, ","):
		r.Comma = ';'
	case strings.Count(first, "\t") > strings.Count(first, ","):
		r.Comma = '\t'
	}
	var cols []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.rep.Lines++
			s.rep.Ignored++
			continue
		}
		if cols == nil {
			cols = make([]string, len(rec))
			for i, c := range rec {
				cols[i] = colName(c)
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		s.rep.Lines++
		rw := row{}
		for i, v := range rec {
			if i < len(cols) {
				rw[cols[i]] = v
			}
		}
		if !rw.isDiagRow() || slices.ContainsFunc(rec, isKeyBegin) {
			s.rep.Ignored++
			continue
		}
		diagRow(b, rw)
		s.rep.Used++
	}
}

// looksJSON reports whether text starts like a JSON document.
func looksJSON(text string) bool {
	t := bytes.TrimLeft([]byte(text[:min(len(text), 64)]), " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}
