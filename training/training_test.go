package training

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/bgp"
	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/swan"
)

func gw(name string, up, bgpUp bool) lab.GatewayStatus {
	g := lab.GatewayStatus{Node: name}
	if up {
		g.SAs = []swan.IKESA{{Conn: "c", State: "ESTABLISHED", Children: []swan.ChildSA{{Name: "c", UniqueID: "3", State: "INSTALLED",
			RekeyTime: "25000", LifeTime: "27000"}}}}
	} else {
		g.SAs = []swan.IKESA{{Conn: "c", State: "CONNECTING"}}
	}
	p := bgp.PeerStatus{Neighbor: "169.254.21.1", State: "ACTIVE"}
	if bgpUp {
		p.State, p.Received = "ESTABLISHED", 1
	}
	g.Peers = []bgp.PeerStatus{p}
	return g
}

func healthy() Observed {
	return Observed{
		Status: lab.Status{Onprem: gw("onprem-gw", true, true), Azure: gw("azure-gw", true, true),
			API: lab.AzureView{ConnectionStatus: "Connected"}},
		Probes: &diagnose.Probes{Target: "198.19.1.4", Ping: &diagnose.PingResult{Sent: 4, Received: 4},
			TCPConnect: &diagnose.TCPResult{OK: true}, TCPBulk: &diagnose.TCPResult{OK: true}},
		Back: &diagnose.PingResult{Sent: 3, Received: 3},
	}
}

func p2sUp() *lab.GatewayStatus {
	g := gw("p2s-client", true, false)
	return &g
}

func p2sSessions() []azure.VpnClientConnectionHealthDetail {
	return []azure.VpnClientConnectionHealthDetail{{VpnConnectionID: "IKEv2_1", PublicIPAddress: "198.51.100.20",
		PrivateIPAddress: "198.18.200.1", VpnUserName: "p2s-client"}}
}

func TestEvaluate(t *testing.T) {
	now := time.Unix(1e9, 0)
	if r := Evaluate(healthy(), now); !r.Healthy || len(r.Remaining()) != 0 {
		t.Fatalf("healthy lab judged %+v", r)
	}
	withP2S := healthy()
	withP2S.Status.P2S, withP2S.Status.API.P2SSessions = p2sUp(), p2sSessions()
	withP2S.P2SPing = &diagnose.PingResult{Sent: 3, Received: 3}
	if r := Evaluate(withP2S, now); !r.Healthy || len(r.Checks) != 11 {
		t.Fatalf("healthy lab with a P2S client judged %+v", r)
	}
	tests := []struct {
		name   string
		change func(*Observed)
		fail   []string
	}{
		{"tunnel down", func(o *Observed) {
			o.Status.Onprem = gw("onprem-gw", false, false)
			o.Status.Azure = gw("azure-gw", false, false)
			o.Status.API.ConnectionStatus = "NotConnected"
			o.Probes.Ping.Received, o.Probes.TCPConnect.OK, o.Probes.TCPBulk.OK = 0, false, false
			o.Back.Received = 0
		}, []string{"tunnel (IKE SA on both ends)", "CHILD SAs", "BGP", "Azure portal: connection status", "data plane on-prem -> Azure", "data plane Azure -> on-prem"}},
		{"bgp only", func(o *Observed) { o.Status.Onprem = gw("onprem-gw", true, false) }, []string{"BGP"}},
		{"static routing: no BGP needed, the tunnel still is", func(o *Observed) {
			o.Status.StaticRouting = true
			o.Status.Onprem, o.Status.Azure = gw("onprem-gw", true, false), gw("azure-gw", false, false)
			o.Status.Onprem.Peers, o.Status.Azure.Peers = nil, nil
		}, []string{"tunnel (IKE SA on both ends)", "CHILD SAs"}},
		{"bulk stalls", func(o *Observed) { o.Probes.TCPBulk = &diagnose.TCPResult{Bytes: 1200} }, []string{"data plane on-prem -> Azure"}},
		{"no probes", func(o *Observed) { o.Probes, o.Back = nil, nil }, []string{"data plane on-prem -> Azure", "data plane Azure -> on-prem"}},
		{"p2s down", func(o *Observed) { o.Status.P2S = &lab.GatewayStatus{Node: "p2s-client"} },
			[]string{"point-to-site client", "Azure portal: point-to-site sessions", "data plane point-to-site -> Azure"}},
		{"p2s up, the portal lists no session", func(o *Observed) {
			o.Status.P2S, o.P2SPing = p2sUp(), &diagnose.PingResult{Sent: 3, Received: 3}
		}, []string{"Azure portal: point-to-site sessions"}},
		{"p2s up, no data through it", func(o *Observed) {
			o.Status.P2S, o.Status.API.P2SSessions = p2sUp(), p2sSessions()
			o.P2SPing = &diagnose.PingResult{Sent: 3}
		}, []string{"data plane point-to-site -> Azure"}},
		{"p2s ping could not run", func(o *Observed) {
			o.Status.P2S, o.Status.API.P2SSessions = p2sUp(), p2sSessions()
		}, []string{"data plane point-to-site -> Azure"}},
		// A latent fault: everything works now, but the device's CHILD SA
		// will expire with no rekey ahead of it (swanctl: "rekeying in
		// -43s, expires in 15s", as charon shows rekey_time = 0).
		{"a CHILD SA expires, its rekey long overdue", func(o *Observed) {
			o.Status.Onprem.SAs[0].Children[0].RekeyTime, o.Status.Onprem.SAs[0].Children[0].LifeTime = "-43", "15"
		}, []string{"CHILD SA rekeying"}},
		{"a CHILD SA expires with no rekey time", func(o *Observed) {
			o.Status.Azure.SAs[0].Children[0].RekeyTime = ""
		}, []string{"CHILD SA rekeying"}},
		{"a CHILD SA expires before its rekey", func(o *Observed) {
			o.Status.Onprem.SAs[0].Children[0].RekeyTime, o.Status.Onprem.SAs[0].Children[0].LifeTime = "40", "30"
		}, []string{"CHILD SA rekeying"}},
		{"a tunnel loss in the window, healed", func(o *Observed) {
			o.Status.API.TunnelLog = tunnelLog(now.Add(-30*time.Second), 4*time.Second)
		}, []string{"stability (tunnel and BGP losses)"}},
		{"a BGP loss in the window", func(o *Observed) {
			o.RouteLog = []azure.LogRecord{
				{TimeGenerated: now.Add(-20 * time.Second), OperationName: "BgpDisconnectedEvent", Message: "BGP peer 169.254.21.2 (AS 65010) disconnected"},
				{TimeGenerated: now.Add(-18 * time.Second), OperationName: "BgpConnectedEvent", Message: "BGP peer 169.254.21.2 (AS 65010) connected"},
			}
		}, []string{"stability (tunnel and BGP losses)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := healthy()
			tc.change(&o)
			r := Evaluate(o, now)
			var got []string
			for _, c := range r.Remaining() {
				got = append(got, c.Name)
				if c.Detail == "" {
					t.Errorf("%s failed without a symptom", c.Name)
				}
			}
			if r.Healthy || strings.Join(got, "|") != strings.Join(tc.fail, "|") {
				t.Errorf("remaining %q, want %q", got, tc.fail)
			}
		})
	}
}

// tunnelLog is the gateway's record of one loss at down, back after d
// on the other instance (a failover); d 0: not back.
func tunnelLog(down time.Time, d time.Duration) []azure.LogRecord {
	recs := []azure.LogRecord{
		{TimeGenerated: down.Add(-time.Hour), OperationName: "TunnelConnected", RemoteIP: "198.51.100.10", Instance: "GatewayTenantWorker_IN_0"},
		{TimeGenerated: down, OperationName: "TunnelDisconnected", RemoteIP: "198.51.100.10", Instance: "GatewayTenantWorker_IN_0"},
	}
	if d > 0 {
		recs = append(recs, azure.LogRecord{TimeGenerated: down.Add(d), OperationName: "TunnelConnected", RemoteIP: "198.51.100.10", Instance: "GatewayTenantWorker_IN_1"})
	}
	return recs
}

func TestStabilityWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 32, 5, 0, time.UTC)
	check := func(o Observed) Check {
		t.Helper()
		for _, c := range Evaluate(o, t0.Add(time.Hour)).Checks {
			if strings.HasPrefix(c.Name, "stability") {
				return c
			}
		}
		t.Fatal("no stability check")
		return Check{}
	}
	o := healthy()
	o.Status.API.TunnelLog = tunnelLog(t0, 4*time.Second)
	for _, tc := range []struct {
		name   string
		w      Window
		ok     bool
		detail string
	}{
		{"first check: since the lab came up", Window{From: t0.Add(-time.Minute), To: t0.Add(time.Minute)}, false,
			"since the lab came up at 10:31:05: the tunnel to 198.51.100.10 was down once: at 10:32:05 for 4 s (the gateway's TunnelDiagnosticLog)"},
		{"the loss was before the previous check", Window{From: t0.Add(time.Second), To: t0.Add(time.Minute), FromCheck: true}, true,
			"no tunnel or BGP loss since your previous check at 10:32:06"},
		{"the loss came after the logs were read: the next check's", Window{From: t0.Add(-time.Minute), To: t0.Add(-time.Second)}, true, ""},
		{"the loss ended the previous window: this one has only the reconnect", Window{From: t0, To: t0.Add(time.Minute), FromCheck: true}, true, ""},
	} {
		o.Window = tc.w
		c := check(o)
		if c.OK != tc.ok || (tc.detail != "" && c.Detail != tc.detail) {
			t.Errorf("%s: %+v", tc.name, c)
		}
	}
	o.Window = Window{From: t0.Add(-time.Minute), To: t0.Add(time.Minute)}
	o.Status.API.TunnelLog = tunnelLog(t0, 0)
	if c := check(o); c.OK || !strings.Contains(c.Detail, "at 10:32:05, not back yet") {
		t.Errorf("an outage not over: %+v", c)
	}
	// A flapping tunnel: every loss listed up to a bound, each under a second.
	var flaps []azure.LogRecord
	for i := range 6 {
		at := t0.Add(time.Duration(i) * 30 * time.Second)
		flaps = append(flaps, azure.LogRecord{TimeGenerated: at, OperationName: "TunnelDisconnected", RemoteIP: "198.51.100.10"},
			azure.LogRecord{TimeGenerated: at.Add(300 * time.Millisecond), OperationName: "TunnelConnected", RemoteIP: "198.51.100.10"})
	}
	o.Status.API.TunnelLog = flaps
	o.Window.To = t0.Add(10 * time.Minute)
	want := "the tunnel to 198.51.100.10 was down 6 times: at 10:32:05 for <1 s, at 10:32:35 for <1 s, at 10:33:05 for <1 s, at 10:33:35 for <1 s, and 2 more"
	if c := check(o); c.OK || !strings.Contains(c.Detail, want) {
		t.Errorf("flaps: %+v\nwant %s", c, want)
	}
}

// A latent fault shows to a check made before it bites: a trainee who
// checks early is not scored as having fixed it.
func TestLatentFaultNotFixedByAnEarlyCheck(t *testing.T) {
	t0 := time.Unix(1e9, 0).UTC()
	s := Begin("lab1", "x", "brief", Answer{"operations", "f"}, t0)
	o := healthy() // traffic flows, the tunnel is up, no loss yet
	o.Status.Onprem.SAs[0].Children[0].RekeyTime, o.Status.Onprem.SAs[0].Children[0].LifeTime = "-30", "25"
	o.Window = s.Window(t0.Add(5 * time.Second))
	r := Evaluate(o, t0.Add(5*time.Second))
	s.Mark(r)
	if r.Healthy || s.Fixed != nil || s.Score().Fixed {
		t.Fatalf("an early check of a latent fault scored as fixed: %+v", r.Remaining())
	}
	if got := r.Remaining()[0].Detail; got != "onprem-gw: CHILD SA c #3 expires in 25 s and no rekey is scheduled (swanctl --list-sas: rekeying in -30s, expires in 25s)" {
		t.Errorf("detail %q", got)
	}
	// Fixed the real way: the new SA rekeys before it expires, and the
	// loss the fix caused was reported by the check after it.
	o = healthy()
	o.Status.API.TunnelLog = tunnelLog(t0.Add(time.Minute), time.Second)
	o.Window = s.Window(t0.Add(2 * time.Minute))
	if r := Evaluate(o, t0.Add(2*time.Minute)); r.Healthy || !r.Window.FromCheck || !r.Window.From.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("the fix's loss: %+v", r)
	} else {
		s.Mark(r)
	}
	o.Window = s.Window(t0.Add(3 * time.Minute))
	r = Evaluate(o, t0.Add(3*time.Minute))
	s.Mark(r)
	if !r.Healthy || s.Fixed == nil || !s.Fixed.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("the check after: %+v, fixed %v", r.Remaining(), s.Fixed)
	}
}

func TestWindowStartsWhenTheLabCameUp(t *testing.T) {
	t0 := time.Unix(1e9, 0).UTC()
	s := Begin("lab1", "x", "", Answer{}, t0)
	if w := s.Window(t0.Add(time.Second)); !w.From.Equal(t0) || w.FromCheck {
		t.Errorf("no lab_up: %+v", w)
	}
	s.Up = t0.Add(-10 * time.Second)
	if w := s.Window(t0.Add(time.Second)); !w.From.Equal(s.Up) || w.FromCheck {
		t.Errorf("lab_up: %+v", w)
	}
	s.Mark(Report{At: t0.Add(30 * time.Second), Window: Window{To: t0.Add(20 * time.Second)}})
	if w := s.Window(t0.Add(time.Minute)); !w.From.Equal(t0.Add(20*time.Second)) || !w.FromCheck {
		t.Errorf("after a check: %+v", w)
	}
}

func verdictPSK() diagnose.Verdict {
	return diagnose.Verdict{Category: diagnose.TunnelSetup, Fault: "shared-key-mismatch",
		Summary: "The pre-shared key differs (scenario psk-mismatch would be a leak)",
		Facts:   []string{"azure charon: MAC mismatched", "fact 2", "fact 3", "fact 4"},
		Fix:     []diagnose.Step{{N: 1, Text: "Set the same key", Source: "seed 000 §5.3", Azure: "az network vpn-connection shared-key update"}}}
}

func TestNextProgressive(t *testing.T) {
	v := verdictPSK()
	var all []string
	for level := 1; level <= MaxLevel; level++ {
		h := Next(v, level, "bin/vpnlab", "psk-mismatch")
		if h.Level != level || h.Title == "" || len(h.Lines) == 0 {
			t.Fatalf("level %d: %+v", level, h)
		}
		s := h.String()
		if strings.Contains(strings.ToLower(s), "psk-mismatch") {
			t.Errorf("level %d reveals the scenario name: %s", level, s)
		}
		all = append(all, s)
	}
	if strings.Contains(all[0], "shared-key-mismatch") || strings.Contains(all[0], "seed 000") {
		t.Errorf("first hint gives the answer away: %s", all[0])
	}
	if !strings.Contains(all[0], "IKE_AUTH") || !strings.Contains(all[0], "bin/vpnlab lab status") {
		t.Errorf("first hint does not say where to look: %s", all[0])
	}
	if !strings.Contains(all[1], "MAC mismatched") || strings.Contains(all[1], "fact 4") {
		t.Errorf("second hint: %s", all[1])
	}
	if !strings.Contains(all[2], "seed 000 §5.3") || !strings.Contains(all[2], "shared-key update") {
		t.Errorf("third hint has no fix: %s", all[2])
	}
	if h := Next(diagnose.Verdict{Category: diagnose.Healthy}, 1, "vpnlab"); !strings.Contains(h.String(), "vpnlab check") {
		t.Errorf("healthy hint: %s", h)
	}
	if h := Next(diagnose.Verdict{Category: diagnose.Routing, Fault: "new-fault"}, 1, "vpnlab"); !strings.Contains(h.String(), "BGP") {
		t.Errorf("category fallback: %s", h)
	}
}

func TestScoreLoop(t *testing.T) {
	t0 := time.Unix(1e9, 0).UTC()
	s := Begin("lab1", "psk-mismatch", "brief", Answer{"tunnel-setup", "shared-key-mismatch"}, t0)
	if sc := s.Score(); sc.Diagnosed || sc.Points != 0 || sc.Scenario != "" {
		t.Fatalf("fresh score %+v", sc)
	}
	if s.TakeHint(t0) != 1 || s.TakeHint(t0) != 2 || s.TakeHint(t0) != 3 || s.TakeHint(t0) != 3 {
		t.Fatal("hint levels do not progress to 3 and stay")
	}
	if s.Grade(Answer{"routing", "bgp-asn-mismatch"}, Answer{}, t0.Add(time.Minute)) {
		t.Fatal("a wrong answer graded right")
	}
	if !s.Grade(Answer{" Tunnel-Setup", "shared-key-mismatch "}, Answer{}, t0.Add(2*time.Minute)) {
		t.Fatal("the right answer graded wrong")
	}
	s.Mark(Report{At: t0.Add(3 * time.Minute), Healthy: false, Checks: []Check{{Name: "x"}}})
	s.Mark(Report{At: t0.Add(4 * time.Minute), Healthy: true})
	sc := s.Score()
	if *sc.TimeToDiagnose != 120 || *sc.TimeToFix != 240 || sc.HintsUsed != 3 || sc.WrongAnswers != 1 ||
		sc.Checks != 2 || !sc.Fixed || sc.Scenario != "psk-mismatch" || sc.Points != 100-45-10 {
		t.Errorf("score %+v", sc)
	}
	// Without an expectation the engine's verdict grades.
	e := Begin("lab2", "", "", Answer{}, t0)
	if !e.Grade(Answer{"routing", "bgp-asn-mismatch"}, Answer{"routing", "bgp-asn-mismatch"}, t0) {
		t.Error("fallback grading")
	}
}

func TestStateRoundTrip(t *testing.T) {
	t.Setenv("VPNLAB_STATE_DIR", t.TempDir())
	if _, err := Load("abc"); !errors.Is(err, ErrNoState) {
		t.Fatalf("no state: %v", err)
	}
	s := Begin("abc", "x", "b", Answer{"routing", "f"}, time.Unix(5, 0))
	s.TakeHint(time.Unix(6, 0))
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	got, err := Load("abc")
	if err != nil || got.Scenario != "x" || len(got.Hints) != 1 || !got.Started.Equal(time.Unix(5, 0)) {
		t.Fatalf("load: %+v %v", got, err)
	}
	if err := Forget("abc"); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("abc"); !errors.Is(err, ErrNoState) {
		t.Fatalf("after Forget: %v", err)
	}
	if _, err := Dir(""); err == nil {
		t.Error("empty id accepted")
	}
}
