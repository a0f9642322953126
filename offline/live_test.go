package offline

import "testing"

func TestPingSummary(t *testing.T) {
	s, r, ok := PingSummary("PING x\n\n--- x ping statistics ---\n4 packets transmitted, 0 received, 100% packet loss, time 3ms\n")
	if !ok || s != 4 || r != 0 {
		t.Errorf("got %d %d %v", s, r, ok)
	}
	if _, _, ok := PingSummary("ping: connect: Network is unreachable\n"); ok {
		t.Error("no statistics line read as one")
	}
}

func TestNodeEvent(t *testing.T) {
	tm, src, msg, ok := NodeEvent([]byte(`{"time":"2026-12-01T11:00:00Z","msg":"sent notification","source":"gobgp","level":"WARN","Code":2}`))
	if !ok || src != "gobgp" || msg != "sent notification Code=2" || tm.IsZero() {
		t.Errorf("got %v %q %q %v", tm, src, msg, ok)
	}
	if _, _, _, ok := NodeEvent([]byte("not json")); ok {
		t.Error("a line that is no JSON was read")
	}
}
