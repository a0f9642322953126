package offline

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vpnlab/vpnlab/diagnose"
)

// pingOut renders one iputils ping run: its header for data bytes
// (IPv4), the given lines, and its statistics.
func pingOut(data int, stats string, lines ...string) string {
	s := "PING 198.19.1.4 (198.19.1.4) " + itoa(data) + "(" + itoa(data+28) + ") bytes of data.\n"
	for _, l := range lines {
		s += l + "\n"
	}
	if stats != "" {
		s += "\n--- 198.19.1.4 ping statistics ---\n" + stats + "\n"
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

const (
	stats3ok     = "3 packets transmitted, 3 received, 0% packet loss, time 2003ms"
	stats3silent = "3 packets transmitted, 0 received, 100% packet loss, time 2040ms"
	stats3errors = "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2019ms"
	reply1       = "1380 bytes from 198.19.1.4: icmp_seq=1 ttl=63 time=1.34 ms"
	localTooLong = "ping: local error: message too long, mtu=1230"
)

// TestPing: ping runs become Probes.Ping (default-size runs, summed) and
// Probes.PMTU (sized runs: passing, silent, refused).
func TestPing(t *testing.T) {
	small := pingOut(56, "4 packets transmitted, 4 received, 0% packet loss, time 3004ms",
		"64 bytes from 198.19.1.4: icmp_seq=1 ttl=63 time=1.02 ms")
	tests := []struct {
		name          string
		text          string
		want          *diagnose.Probes
		used, ignored int // 0, 0: not checked
	}{
		{
			name: "plain runs are summed", used: 7,
			text: small + pingOut(56, "5 packets transmitted, 3 received, 40% packet loss, time 4005ms"),
			want: &diagnose.Probes{Target: "198.19.1.4", Ping: &diagnose.PingResult{Sent: 9, Received: 7}},
		},
		{
			name: "command lines are ignored", used: 4, ignored: 1,
			text: "$ ping -c 4 198.19.1.4\n" + small,
			want: &diagnose.Probes{Target: "198.19.1.4", Ping: &diagnose.PingResult{Sent: 4, Received: 4}},
		},
		{
			name: "passing, silent and locally refused sizes",
			text: small +
				pingOut(1172, stats3ok, reply1) + // 1200 passes
				pingOut(1202, stats3ok, reply1) + // 1230 passes
				pingOut(1203, stats3silent) + // 1231 silent
				pingOut(1372, stats3silent) + // 1400 silent
				pingOut(1472, stats3errors, localTooLong, localTooLong, localTooLong), // 1500 refused
			want: &diagnose.Probes{Target: "198.19.1.4", Ping: &diagnose.PingResult{Sent: 4, Received: 4},
				PMTU: &diagnose.PMTUResult{MaxPassing: 1230, MinSilent: 1231, MinRefused: 1500, ReportedMTU: 1230, LargestTried: 1500}},
		},
		{
			name: "a router's Frag needed; silent sizes below a passing one do not count",
			text: pingOut(1072, stats3silent) + // 1100 silent (loss), yet 1400 passes
				pingOut(1372, stats3ok, reply1) +
				pingOut(1473, "3 packets transmitted, 0 received, +1 errors, 100% packet loss, time 2019ms",
					"From 198.18.10.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)") +
				pingOut(1373, stats3errors, "ping: local error: Message too long, mtu=1400"),
			want: &diagnose.Probes{Target: "198.19.1.4",
				PMTU: &diagnose.PMTUResult{MaxPassing: 1400, MinRefused: 1401, ReportedMTU: 1400, LargestTried: 1501}},
		},
		{
			name: "errors that are no refusal make a run neither silent nor refused",
			text: pingOut(1372, "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2002ms",
				"From 198.18.10.1 icmp_seq=1 Destination Host Unreachable"),
			want: &diagnose.Probes{Target: "198.19.1.4", PMTU: &diagnose.PMTUResult{LargestTried: 1400}},
		},
		{
			name: "sendmsg refusal without an MTU takes another refusal's",
			text: pingOut(1472, stats3errors, "ping: sendmsg: Message too long") +
				pingOut(1572, stats3errors, "ping: local error: message too long, mtu=1500"),
			want: &diagnose.Probes{Target: "198.19.1.4", PMTU: &diagnose.PMTUResult{MinRefused: 1500, ReportedMTU: 1500, LargestTried: 1600}},
		},
		{
			name: "ping -D timestamps and a truncated run (no statistics)", used: 5,
			text: "PING 198.19.1.4 (198.19.1.4) 56(84) bytes of data.\n" +
				"[1795315784.511203] 64 bytes from 198.19.1.4: icmp_seq=1 ttl=63 time=1.07 ms\n" +
				"[1795315785.512660] 64 bytes from 198.19.1.4: icmp_seq=2 ttl=63 time=1.01 ms\n" +
				"[1795315787.100000] no answer yet for icmp_seq=3\n" +
				"[1795315787.515603] 64 bytes from 198.19.1.4: icmp_seq=4 ttl=63 time=1.03 ms\n",
			want: &diagnose.Probes{Target: "198.19.1.4", Ping: &diagnose.PingResult{Sent: 4, Received: 3}},
		},
		{
			name: "a truncated sized run is not silent",
			text: pingOut(1372, ""),
			want: &diagnose.Probes{Target: "198.19.1.4", PMTU: &diagnose.PMTUResult{LargestTried: 1400}},
		},
		{
			name: "source address, host name, old icmp_req",
			text: "PING vm1.corp (198.19.1.4) from 198.18.10.10 eth0: 1372(1400) bytes of data.\n" +
				"1380 bytes from 198.19.1.4: icmp_req=1 ttl=63 time=1.3 ms\n" +
				"\n--- vm1.corp ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\n",
			want: &diagnose.Probes{Target: "vm1.corp (198.19.1.4)", PMTU: &diagnose.PMTUResult{MaxPassing: 1400, LargestTried: 1400}},
		},
		{
			name: "IPv6: data bytes only, Packet too big",
			text: "PING 2001:db8::4(2001:db8::4) 56 data bytes\n64 bytes from 2001:db8::4: icmp_seq=1 ttl=63 time=1.1 ms\n" +
				"\n--- 2001:db8::4 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\n" +
				"PING 2001:db8::4(2001:db8::4) 1452 data bytes\nFrom 2001:db8:1::1 icmp_seq=1 Packet too big: mtu=1400\n" +
				"\n--- 2001:db8::4 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n",
			want: &diagnose.Probes{Target: "2001:db8::4", Ping: &diagnose.PingResult{Sent: 1, Received: 1},
				PMTU: &diagnose.PMTUResult{MinRefused: 1500, ReportedMTU: 1400, LargestTried: 1500}},
		},
		{
			name: "BusyBox/BSD header and statistics",
			text: "PING 198.19.1.4 (198.19.1.4): 56 data bytes\n64 bytes from 198.19.1.4: seq=0 ttl=63 time=1.1 ms\n" +
				"\n--- 198.19.1.4 ping statistics ---\n2 packets transmitted, 2 packets received, 0% packet loss\n",
			want: &diagnose.Probes{Target: "198.19.1.4", Ping: &diagnose.PingResult{Sent: 2, Received: 2}},
		},
		{
			name: "truncated BusyBox run: sequence numbers from 0", used: 4,
			text: "PING 198.19.1.4 (198.19.1.4): 56 data bytes\n64 bytes from 198.19.1.4: seq=0 ttl=63 time=1.1 ms\n" +
				"64 bytes from 198.19.1.4: seq=2 ttl=63 time=1.1 ms\n64 bytes from 198.19.1.4: seq=3 ttl=63 time=1.1 ms\n",
			want: &diagnose.Probes{Target: "198.19.1.4", Ping: &diagnose.PingResult{Sent: 4, Received: 3}},
		},
		{
			name: "several targets",
			text: small + strings.ReplaceAll(small, "198.19.1.4", "198.18.10.1"),
			want: &diagnose.Probes{Target: "198.19.1.4, 198.18.10.1", Ping: &diagnose.PingResult{Sent: 8, Received: 8}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, rep := parse(t, map[string][]byte{"ping.txt": []byte(tt.text)})
			fr := rep.Files[0]
			if fr.Format != fmtPing || fr.Used+fr.Ignored != fr.Lines {
				t.Fatalf("report %+v", fr)
			}
			if (tt.used != 0 || tt.ignored != 0) && (fr.Used != tt.used || fr.Ignored != tt.ignored) {
				t.Errorf("used %d, ignored %d; want %d, %d", fr.Used, fr.Ignored, tt.used, tt.ignored)
			}
			if !reflect.DeepEqual(ev.Probes, tt.want) {
				t.Errorf("probes\n got %s\nwant %s", probesString(ev.Probes), probesString(tt.want))
			}
			if ev.Onprem != nil || ev.Azure != nil || len(ev.Missing) != 0 {
				t.Errorf("ping output alone is no device or Azure evidence: %+v", ev)
			}
		})
	}
}

func probesString(p *diagnose.Probes) string {
	if p == nil {
		return "<nil>"
	}
	s := "target " + p.Target
	if p.Ping != nil {
		s += " ping " + itoa(p.Ping.Received) + "/" + itoa(p.Ping.Sent)
	}
	if m := p.PMTU; m != nil {
		s += " pmtu pass " + itoa(m.MaxPassing) + " silent " + itoa(m.MinSilent) + " refused " + itoa(m.MinRefused) +
			" mtu " + itoa(m.ReportedMTU) + " largest " + itoa(m.LargestTried)
	}
	return s
}

// Ping sniffing takes ping output and nothing else.
func TestPingSniff(t *testing.T) {
	// A charon log with a ping run pasted into it stays a charon log.
	charon := string(read(t, "mtu-blackhole/charon.log")["mtu-blackhole/charon.log"])
	mixed := pingOut(56, "4 packets transmitted, 4 received, 0% packet loss, time 3004ms") + charon
	_, rep := parse(t, map[string][]byte{"charon.log": []byte(mixed)})
	if f := rep.Files[0].Format; f != fmtStrongswan {
		t.Errorf("charon log with a ping run: %s", f)
	}
	// Notes that mention ping are no ping output.
	ev, rep, _ := Parse(map[string][]byte{"notes.txt": []byte("PING the ISP (again) about the router.\nping 198.19.1.4 worked, 4 packets transmitted, 4 received\n")})
	if rep.Files[0].Format == fmtPing || ev.Probes != nil {
		t.Errorf("notes read as ping output: %s", rep.Files[0].Format)
	}
	// Every testdata file keeps its format, and the ping files are ping output.
	for _, f := range []string{"mtu-blackhole/ping.txt", "mtu-blackhole/ping-pmtud-works.txt"} {
		_, rep := parse(t, read(t, f))
		if rep.Files[0].Format != fmtPing {
			t.Errorf("%s: %s", f, rep.Files[0].Format)
		}
	}
}

// End to end: a healthy tunnel (charon log, AzureDiagnostics: Connected,
// BGP up) whose ping probes show a PMTU black hole, and the same tunnel
// whose probes show path MTU discovery working.
func TestPingEndToEnd(t *testing.T) {
	tunnel := []string{"mtu-blackhole/charon.log", "mtu-blackhole/AzureDiagnostics.json"}

	ev, _ := parse(t, read(t, append(tunnel, "mtu-blackhole/ping.txt")...))
	v := diagnose.Diagnose(ev)
	if v.Category != diagnose.Operations || v.Fault != "mtu-blackhole" || v.Confidence < 0.8 {
		t.Fatalf("black hole: got %s/%s %.2f\n%s", v.Category, v.Fault, v.Confidence, v)
	}
	if !strings.Contains(v.Summary, "at most 1230 bytes") {
		t.Errorf("summary %q", v.Summary)
	}
	if !ev.CollectedAt.Equal(date("2026-11-22T02:49:47.515603Z")) || !ev.WindowStart.Equal(date("2026-11-22T02:49:18Z")) {
		t.Errorf("window %v .. %v: the ping -D times end it", ev.WindowStart, ev.CollectedAt)
	}

	ev, _ = parse(t, read(t, append(tunnel, "mtu-blackhole/ping-pmtud-works.txt")...))
	v = diagnose.Diagnose(ev)
	if v.Fault == "mtu-blackhole" {
		t.Fatalf("PMTUD works, yet:\n%s", v)
	}
	if !strings.Contains(v.String(), "path MTU discovery works") {
		t.Errorf("the PMTU probe should be a good fact:\n%s", v)
	}
	// With the SA's counters the same evidence is healthy.
	in := read(t, append(tunnel, "mtu-blackhole/ping-pmtud-works.txt")...)
	in["swanctl-list-sas.txt"] = listSAs(120, 118)
	ev, _ = parse(t, in)
	if v = diagnose.Diagnose(ev); v.Category != diagnose.Healthy {
		t.Errorf("with SA counters: %s/%s\n%s", v.Category, v.Fault, v)
	}
}
