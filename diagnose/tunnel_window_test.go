package diagnose

import "testing"

// An exported connection resource read once gives Azure's counters since
// the connection came up, the device's two listings a few seconds of
// counters: Azure's egress then says nothing about an idle window (BGP
// down for its own reasons, no route for the pings), only about a window
// in which the device sent and got nothing back.
func TestESPBlockedCountersSinceStart(t *testing.T) {
	for _, tc := range []struct {
		name    string
		out     uint64
		blocked bool
	}{
		{"idle window", 0, false},
		{"the device sent, nothing came back", 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := with(func(ev *Evidence) {
				c := &ev.Onprem.IKE[0].Children[0]
				c.PacketsInDelta, c.PacketsOutDelta = 0, tc.out
				ev.Azure.IngressDelta, ev.Azure.EgressDelta = 2400, 1098
				ev.Azure.CountersSinceStart = true
				ev.Path = nil
				bgpDown(ev)
				noData(ev)
			})
			v := Diagnose(ev)
			if got := v.Fault == "esp-blocked"; got != tc.blocked {
				t.Errorf("esp-blocked %v, want %v:\n%s", got, tc.blocked, v)
			}
		})
	}
}
