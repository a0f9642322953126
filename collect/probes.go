package collect

import (
	"context"
	"encoding/json"
	"net"
	"regexp"
	"strconv"
	"sync"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/node"
)

var pingRE = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// probes runs the data-plane tests from onprem-host to azure-vm, in parallel:
// small pings, a TCP connect, a bulk TCP transfer and a DF sweep for the path MTU.
func probes(ctx context.Context, l *lab.Lab) *diagnose.Probes {
	target := lab.AzureVMIP.String()
	svc := net.JoinHostPort(target, strconv.Itoa(lab.VMPort))
	p := &diagnose.Probes{Target: target}
	var wg sync.WaitGroup
	run := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
	run(func() {
		r, err := l.Exec(ctx, lab.OnpremHost, "ping", "-c", "4", "-i", "0.25", "-W", "1", target)
		if err != nil {
			return
		}
		if m := pingRE.FindStringSubmatch(r.Stdout); m != nil {
			sent, _ := strconv.Atoi(m[1])
			recv, _ := strconv.Atoi(m[2])
			p.Ping = &diagnose.PingResult{Sent: sent, Received: recv}
		}
	})
	run(func() { p.TCPConnect = tcpProbe(ctx, l, "tcp", svc, "-timeout", "2s") })
	run(func() { p.TCPBulk = tcpProbe(ctx, l, "bulk", svc, "-timeout", "3s", "-bytes", "262144") })
	run(func() {
		r, err := l.Exec(ctx, lab.OnpremHost, "vpnlab-node", "probe", "pmtu", target, "-max", "1500")
		if err != nil || r.ExitCode != 0 {
			return
		}
		var m node.PMTU
		if json.Unmarshal([]byte(r.Stdout), &m) == nil {
			p.PMTU = &diagnose.PMTUResult{MaxPassing: m.MaxPassing, MinSilent: m.MinSilent, MinRefused: m.MinRefused,
				ReportedMTU: m.ReportedMTU, LargestTried: m.LargestTried}
		}
	})
	wg.Wait()
	return p
}

func tcpProbe(ctx context.Context, l *lab.Lab, kind, addr string, flags ...string) *diagnose.TCPResult {
	args := append([]string{"vpnlab-node", "probe", kind, addr}, flags...)
	r, err := l.Exec(ctx, lab.OnpremHost, args...)
	if err != nil {
		return &diagnose.TCPResult{Error: err.Error()}
	}
	var pr node.ProbeResult
	if err := json.Unmarshal([]byte(r.Stdout), &pr); err != nil {
		return &diagnose.TCPResult{Error: "probe: " + r.Stderr}
	}
	return &diagnose.TCPResult{OK: pr.OK, Bytes: pr.Bytes, Wanted: pr.Wanted, Error: pr.Error}
}
