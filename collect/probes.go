package collect

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/offline"
)

// probes runs the data-plane tests from onprem-host to azure-vm, in parallel:
// small pings, a TCP connect, a bulk TCP transfer and a DF sweep for the path
// MTU; and from the device an IKE_SA_INIT to each of ike (public IPs) on UDP
// 500 and 4500.
func probes(ctx context.Context, l Lab, ike []string) *diagnose.Probes {
	return probeSet(ctx, l, ike, true)
}

// DataPlane runs only the probes that say whether traffic flows from the
// on-prem LAN to the Azure VM (what the trainee's healthy checks judge), in
// parallel: the small pings, the TCP connect and the bulk transfer, as
// Evidence runs them.
func DataPlane(ctx context.Context, l Lab) *diagnose.Probes {
	return probeSet(ctx, l, nil, false)
}

// probeSet runs the data-plane probes, with full also the path MTU sweep,
// the route lookup, the IKE probes and (when the pings got no answer) the
// ping back from the VM.
func probeSet(ctx context.Context, l Lab, ike []string, full bool) *diagnose.Probes {
	target := lab.AzureVMIP.String()
	svc := net.JoinHostPort(target, strconv.Itoa(lab.VMPort))
	p := &diagnose.Probes{Target: target, Gateway: lab.OnpremLANGW.String()}
	var wg sync.WaitGroup
	run := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
	run(func() {
		p.Ping = ping(ctx, l, lab.OnpremHost, target)
		if full && p.Ping != nil && p.Ping.Received == 0 {
			// The LAN cannot reach the VM: does the VM reach the LAN?
			p.Reverse = ping(ctx, l, lab.AzureVM, lab.OnpremHostIP.String())
		}
	})
	run(func() { p.TCPConnect = tcpProbe(ctx, l, "tcp", svc, "-timeout", "2s") })
	run(func() { p.TCPBulk = tcpProbe(ctx, l, "bulk", svc, "-timeout", "3s", "-bytes", "262144") })
	if !full {
		wg.Wait()
		return p
	}
	run(func() {
		r, err := l.Exec(ctx, lab.OnpremHost, "vpnlab-node", "probe", "pmtu", target, "-max", "1500")
		if err != nil || r.ExitCode != 0 {
			return
		}
		var m contract.PMTU
		if json.Unmarshal([]byte(r.Stdout), &m) == nil {
			p.PMTU = &diagnose.PMTUResult{MaxPassing: m.MaxPassing, MinSilent: m.MinSilent, MinRefused: m.MinRefused,
				ReportedMTU: m.ReportedMTU, LargestTried: m.LargestTried}
		}
	})
	run(func() {
		if r, err := l.Exec(ctx, lab.OnpremHost, "ip", "-o", "-4", "route", "get", target); err == nil && r.ExitCode == 0 {
			route, _, _ := strings.Cut(r.Stdout, "\\") // -o folds the cache line behind a backslash
			p.Route = strings.TrimSpace(route)
		}
	})
	results := make([]*diagnose.IKEProbe, 2*len(ike))
	for i, ip := range ike {
		for j, port := range []int{500, 4500} {
			run(func() { results[2*i+j] = ikeProbe(ctx, l, ip, port) })
		}
	}
	wg.Wait()
	for _, r := range results {
		if r != nil { // a probe that could not run says nothing
			p.IKE = append(p.IKE, *r)
		}
	}
	return p
}

// ping runs a few small echoes from a node.
func ping(ctx context.Context, l Lab, node, target string) *diagnose.PingResult {
	r, err := l.Exec(ctx, node, "ping", "-c", "4", "-i", "0.2", "-W", "1", target)
	if err != nil {
		return nil
	}
	if sent, recv, ok := offline.PingSummary(r.Stdout); ok {
		return &diagnose.PingResult{Sent: sent, Received: recv}
	}
	return nil
}

func tcpProbe(ctx context.Context, l Lab, kind, addr string, flags ...string) *diagnose.TCPResult {
	args := append([]string{"vpnlab-node", "probe", kind, addr}, flags...)
	r, err := l.Exec(ctx, lab.OnpremHost, args...)
	if err != nil {
		return &diagnose.TCPResult{Error: err.Error()}
	}
	var pr contract.ProbeResult
	if err := json.Unmarshal([]byte(r.Stdout), &pr); err != nil {
		return &diagnose.TCPResult{Error: "probe: " + r.Stderr}
	}
	return &diagnose.TCPResult{OK: pr.OK, Bytes: pr.Bytes, Wanted: pr.Wanted, Error: pr.Error}
}

// ikeProbe sends an IKE_SA_INIT from the device to ip:port; nil when the
// probe could not run.
func ikeProbe(ctx context.Context, l Lab, ip string, port int) *diagnose.IKEProbe {
	r, err := l.Exec(ctx, lab.OnpremGW, "vpnlab-node", "probe", "ike", ip, "-port", strconv.Itoa(port), "-timeout", "2s")
	if err != nil || r.ExitCode != 0 {
		return nil
	}
	var pr contract.IKEProbe
	if json.Unmarshal([]byte(r.Stdout), &pr) != nil || pr.Error != "" && pr.Sent == 0 {
		return nil
	}
	return &diagnose.IKEProbe{Target: ip, Port: port, Answered: pr.Answered, Notify: pr.Notify}
}
