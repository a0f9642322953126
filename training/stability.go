package training

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/swan"
)

// Window is the stretch of the lab's history a check judges: from the
// trainee's previous check (or, for the first, from when the lab came up)
// to when the lab's logs were read. A zero bound is open.
type Window struct {
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// FromCheck: From is the trainee's previous check.
	FromCheck bool `json:"from_check,omitempty"`
}

func (w Window) holds(t time.Time) bool {
	return (w.From.IsZero() || t.After(w.From)) && (w.To.IsZero() || !t.After(w.To))
}

func (w Window) String() string {
	switch {
	case w.From.IsZero():
		return "in the lab's logs"
	case w.FromCheck:
		return "since your previous check at " + clock(w.From)
	}
	return "since the lab came up at " + clock(w.From)
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05") }

// overdue is how far in the past the rekey time of a CHILD SA that is
// still installed (not rekeying) may be before the rekey is taken as not
// coming: charon starts a due rekey within a second.
const overdue = 5

// rekeyPlan checks each gateway's installed CHILD SAs as `swanctl
// --list-sas` shows them ("rekeying in R s, expires in E s"): one that
// will expire with no rekey ahead of its expiry drops its traffic then.
func rekeyPlan(gws []lab.GatewayStatus) (bool, string) {
	var d string
	for _, g := range gws {
		for _, sa := range g.SAs {
			if !sa.Established() {
				continue
			}
			for _, c := range sa.Children {
				if p := unplanned(c); p != "" {
					d = join(d, fmt.Sprintf("%s: CHILD SA %s #%s %s", g.Node, c.Name, c.UniqueID, p))
				}
			}
		}
	}
	return d == "", d
}

// unplanned says how a CHILD SA will expire without a rekey; "" when its
// rekey comes first (or it never expires). SAs being rekeyed or replaced
// are judged through their successor.
func unplanned(c swan.ChildSA) string {
	if c.State != "INSTALLED" {
		return ""
	}
	life, err := strconv.Atoi(c.LifeTime)
	if err != nil {
		return "" // no hard expiry
	}
	rekey, err := strconv.Atoi(c.RekeyTime)
	switch {
	case err != nil:
		return fmt.Sprintf("expires in %d s and no rekey is scheduled (swanctl --list-sas: expires in %ds)", life, life)
	case rekey < -overdue:
		return fmt.Sprintf("expires in %d s and no rekey is scheduled (swanctl --list-sas: rekeying in %ds, expires in %ds)", life, rekey, life)
	case rekey >= life:
		return fmt.Sprintf("expires in %d s, before its rekey (swanctl --list-sas: rekeying in %ds, expires in %ds)", life, rekey, life)
	}
	return ""
}

// outage is one loss the lab recorded: down, and up again (zero: not yet).
type outage struct {
	down, up time.Time
}

func (o outage) String() string {
	if o.up.IsZero() {
		return "at " + clock(o.down) + ", not back yet"
	}
	d := o.up.Sub(o.down)
	if d < time.Second {
		return "at " + clock(o.down) + " for <1 s"
	}
	return fmt.Sprintf("at %s for %d s", clock(o.down), int(d.Round(time.Second).Seconds()))
}

// outages pairs each record named down in the window with the next record
// named up for the same key (a failover's reconnect may come from the
// other instance); keys are listed in the order of their first loss.
func outages(recs []azure.LogRecord, down, up string, key func(azure.LogRecord) string, w Window) ([]string, map[string][]outage) {
	recs = slices.Clone(recs)
	slices.SortStableFunc(recs, func(a, b azure.LogRecord) int { return a.TimeGenerated.Compare(b.TimeGenerated) })
	var keys []string
	byKey := map[string][]outage{}
	for i, r := range recs {
		if !strings.EqualFold(r.OperationName, down) || !w.holds(r.TimeGenerated) {
			continue
		}
		k := key(r)
		o := outage{down: r.TimeGenerated}
		for _, n := range recs[i+1:] {
			if strings.EqualFold(n.OperationName, up) && key(n) == k {
				o.up = n.TimeGenerated
				break
			}
		}
		if _, seen := byKey[k]; !seen {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], o)
	}
	return keys, byKey
}

// maxListed bounds the outages listed per tunnel or peer.
const maxListed = 4

func describe(what string, os []outage) string {
	times := "once"
	if len(os) > 1 {
		times = fmt.Sprintf("%d times", len(os))
	}
	var parts []string
	for i, o := range os {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(os)-maxListed))
			break
		}
		parts = append(parts, o.String())
	}
	return fmt.Sprintf("%s was down %s: %s", what, times, strings.Join(parts, ", "))
}

var bgpPeerRE = regexp.MustCompile(`BGP peer (\S+)`)

// stability reads the losses the gateway logged in the window: tunnels
// (TunnelDiagnosticLog: TunnelDisconnected, then TunnelConnected) and BGP
// sessions (RouteDiagnosticLog: BgpDisconnectedEvent, then
// BgpConnectedEvent). Each counts once: the next window starts where this
// one ends.
func stability(tunnel, route []azure.LogRecord, w Window) (bool, string) {
	var d string
	var logs []string
	keys, byKey := outages(tunnel, azure.OperationTunnelDisconnected, azure.OperationTunnelConnected,
		func(r azure.LogRecord) string { return r.RemoteIP }, w)
	for _, k := range keys {
		what := "the tunnel"
		if k != "" {
			what += " to " + k
		}
		d = join(d, describe(what, byKey[k]))
	}
	if len(keys) > 0 {
		logs = append(logs, azure.CategoryTunnel)
	}
	keys, byKey = outages(route, azure.OperationBgpDisconnectedEvent, azure.OperationBgpConnectedEvent,
		func(r azure.LogRecord) string {
			if m := bgpPeerRE.FindStringSubmatch(r.Message); m != nil {
				return m[1]
			}
			return ""
		}, w)
	for _, k := range keys {
		d = join(d, describe("the BGP session with "+or(k, "a peer"), byKey[k]))
	}
	if len(keys) > 0 {
		logs = append(logs, azure.CategoryRoute)
	}
	if d == "" {
		return true, "no tunnel or BGP loss " + w.String()
	}
	return false, fmt.Sprintf("%s: %s (the gateway's %s)", w.String(), d, strings.Join(logs, ", "))
}
