package diagnose

import (
	"fmt"
	"strings"
	"time"
)

// changeWindow bounds how long after an Activity Log write a tunnel drop is
// taken as its effect (Azure reapplies a connection within seconds).
const changeWindow = 2 * time.Minute

// writes returns the successful Activity Log writes of the window.
func (v *view) writes() []ActivityEvent {
	if v.az == nil {
		return nil
	}
	var out []ActivityEvent
	for _, e := range v.az.Activity {
		if v.inWindow(e.Time) && !strings.EqualFold(e.Status, "Failed") &&
			(strings.HasSuffix(strings.ToLower(e.Operation), "/write") || strings.HasSuffix(strings.ToLower(e.Operation), "/action")) {
			out = append(out, e)
		}
	}
	return out
}

// activityFact states one Activity Log entry.
func activityFact(e ActivityEvent) string {
	s := fmt.Sprintf("Activity Log: %s by %s at %s on %s", e.Operation, orDash(e.Caller), fmtTime(e.Time), lastSegment(e.Resource))
	if len(e.Changed) > 0 {
		s += " (changed: " + strings.Join(e.Changed, ", ") + ")"
	}
	return s
}

func lastSegment(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return orDash(id)
}

// configChange: a change made on the Azure side (Activity Log) is followed
// by a tunnel drop, while no fault of the tunnel, authentication or routing
// is left: the drop was the change being applied (seed 000 §5.6 設定変更;
// Azure reapplies a connection and drops it for a few seconds).
func configChange(v *view) (Verdict, bool) {
	ws := v.writes()
	if len(ws) == 0 {
		return Verdict{}, false
	}
	var drops []AzureLog
	for _, l := range v.azLog {
		if strings.EqualFold(l.Operation, "TunnelDisconnected") {
			drops = append(drops, l)
		}
	}
	var facts []string
	var change *ActivityEvent
	for i := range ws {
		for _, d := range drops {
			if gap := d.Time.Sub(ws[i].Time); gap >= -5*time.Second && gap <= changeWindow {
				if change == nil {
					change = &ws[i]
					facts = append(facts, activityFact(ws[i]),
						fmt.Sprintf("TunnelDisconnected on %s at %s, %s after the change%s", orDash(d.Instance), fmtTime(d.Time),
							gap.Round(time.Second), reasonSuffix(d)))
				}
			}
		}
	}
	if change == nil {
		return Verdict{}, false
	}
	st, _ := v.tunnel()
	c := 0.85
	if st.up() {
		facts = append(facts, "the tunnel is up again at collection time: the interruption was the change being applied")
	} else {
		facts = append(facts, "the tunnel is still down at collection time")
		c = 0.7
	}
	for _, w := range ws {
		if !w.equal(*change) {
			facts = append(facts, activityFact(w))
		}
	}
	return Verdict{
		Category:   Operations,
		Fault:      "config-change",
		Summary:    fmt.Sprintf("A change on the Azure side (%s by %s) made Azure reapply the connection and interrupt the tunnel", change.Operation, orDash(change.Caller)),
		Facts:      facts,
		Confidence: c,
		Fix: steps(
			step{"Review the changes made just before the interruption: Azure portal > the gateway / connection / local network gateway > Activity log (operation, caller, time).", srcActivity},
			step{fmt.Sprintf("Ask %s whether the change (%s) was intended; revert it if not, and schedule such changes in a maintenance window (Azure drops the tunnel for a few seconds when it reapplies a connection).", orDash(change.Caller), strings.Join(change.Changed, ", ")), srcChange},
			step{"Keep the Activity Log and diagnostic logs to tell a change from a fault the next time.", srcMaintFAQ},
		),
	}, true
}

// equal compares two activity events by value.
func (e ActivityEvent) equal(o ActivityEvent) bool {
	return e.Time.Equal(o.Time) && e.Operation == o.Operation && e.Caller == o.Caller && e.Resource == o.Resource
}
