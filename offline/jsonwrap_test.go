package offline

import "testing"

// TestJSONLinesWrappedRecord: a JSON log record that a paste wrapped onto
// the next line ("...,\"time\":\"...\"" then "}") is read, not ignored.
func TestJSONLinesWrappedRecord(t *testing.T) {
	text := `{"level":"info","msg":"Peer 192.0.2.1 is added","time":"2015-09-02T00:26:25+03:00"}
{"Data":"hold timer expired","Key":"192.0.2.1","Topic":"Peer","level":"warning","msg":"sent notification","time":"2015-09-02T00:30:31+03:00"
}
{"Key":"192.0.2.1","Topic":"Peer","level":"warning","msg":"Closed an accepted connection","time":"2015-09-02T00:31:11+03:00"}
`
	docs, lines := jsonDoc(text)
	if !lines || len(docs) != 3 {
		t.Fatalf("jsonDoc: lines=%v, %d docs, want 3 records", lines, len(docs))
	}
	for i, d := range docs {
		if d == nil {
			t.Errorf("record %d not read", i)
		}
	}
}
