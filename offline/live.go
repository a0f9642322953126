package offline

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// What a live lab and a saved incident have in common is read by the same
// code: collect (live evidence) calls these, so the two cannot drift.

// PingSummary reads the statistics line of a `ping` run ("4 packets
// transmitted, 3 received, ..."), as the offline ping parser does.
func PingSummary(out string) (sent, received int, ok bool) {
	for _, line := range strings.Split(out, "\n") {
		if s, r, _, ok := pingStats(strings.TrimSpace(line)); ok {
			return s, r, true
		}
	}
	return 0, 0, false
}

// NodeEvent reads one line of a vpnlab node's event log (a JSON object a
// line): its time, its source and its message followed by the other fields,
// sorted, as the offline JSON log reader builds it (a NOTIFICATION's reason
// is in those fields).
func NodeEvent(line []byte) (t time.Time, source, msg string, ok bool) {
	var m map[string]any
	if json.Unmarshal(line, &m) != nil {
		return time.Time{}, "", "", false
	}
	kv := jsonFields(m)
	t, _ = anyTime(kv["time"])
	return t, kv["source"], nodeEventMessage(kv), true
}

// jsonFields renders a JSON log record's values as text.
func jsonFields(m map[string]any) map[string]string {
	kv := make(map[string]string, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case string:
			kv[k] = x
		case nil:
			kv[k] = "<nil>"
		default:
			kv[k] = fmt.Sprint(x)
		}
	}
	return kv
}

// nodeEventMessage is a node event's message with its structured fields.
func nodeEventMessage(kv map[string]string) string {
	return withFields(kv["msg"], kv, "time", "level", "msg", "source", "node", "group", "conn")
}
