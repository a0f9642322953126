package training

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/collect"
	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/fakes/azure"
	"github.com/vpnlab/vpnlab/lab"
)

// Check is one of the healthy checks: what was tested, whether it passed,
// and the symptom seen when it did not (never its cause).
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Report is a run of the checks.
type Report struct {
	At      time.Time `json:"at"`
	Checks  []Check   `json:"checks"`
	Healthy bool      `json:"healthy"`
	// Window is the history the stability check judged.
	Window Window `json:"window"`
}

// Remaining returns the checks that failed.
func (r Report) Remaining() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// Observed is what the checks judge: the lab's status, the data-plane
// probes from the on-prem LAN, and a ping from the VNet back to it.
type Observed struct {
	Status lab.Status
	Probes *diagnose.Probes
	Back   *diagnose.PingResult // azure-vm -> onprem-host; nil: could not run
	// P2SPing is a ping from the point-to-site client to the Azure VM
	// through its tunnel; nil: could not run (or no client).
	P2SPing *diagnose.PingResult
	// Window is the history the stability check judges; Status.API's
	// TunnelLog and RouteLog are the gateway's records of it.
	Window   Window
	RouteLog []azure.LogRecord
}

// Evaluate runs the healthy checks on what was observed. It is a pure
// function: the same observation gives the same report.
func Evaluate(o Observed, at time.Time) Report {
	s := o.Status
	var cs []Check
	add := func(name string, ok bool, detail string) { cs = append(cs, Check{Name: name, OK: ok, Detail: detail}) }

	gws := []lab.GatewayStatus{s.Onprem, s.Azure}
	if s.AzureIN1 != nil {
		gws = append(gws, *s.AzureIN1)
	}
	ikeOK, childOK, bgpOK := true, true, true
	var ikeD, childD, bgpD string
	for _, g := range gws {
		est, inst := 0, 0
		for _, sa := range g.SAs {
			if sa.State == "ESTABLISHED" {
				est++
			}
			for _, c := range sa.Children {
				if c.Installed() {
					inst++
				}
			}
		}
		if est == 0 {
			ikeOK = false
			ikeD = join(ikeD, fmt.Sprintf("%s has no established IKE SA", g.Node))
		}
		if inst == 0 {
			childOK = false
			childD = join(childD, fmt.Sprintf("%s has no installed CHILD SA", g.Node))
		}
		if !g.BGPUp() {
			bgpOK = false
			if len(g.Peers) == 0 {
				bgpD = join(bgpD, fmt.Sprintf("%s has no BGP peer", g.Node))
			}
			for _, p := range g.Peers {
				if !p.Established() {
					bgpD = join(bgpD, fmt.Sprintf("%s: neighbour %s is %s", g.Node, p.Neighbor, p.State))
				} else if p.Received == 0 {
					bgpD = join(bgpD, fmt.Sprintf("%s: neighbour %s sent no routes", g.Node, p.Neighbor))
				}
			}
		}
	}
	add("tunnel (IKE SA on both ends)", ikeOK, or(ikeD, "established on both ends"))
	add("CHILD SAs", childOK, or(childD, "installed on both ends"))
	if s.StaticRouting {
		add("BGP", true, "none: the device routes statically (the local network gateway lists its prefixes)")
	} else {
		add("BGP", bgpOK, or(bgpD, "established, routes exchanged"))
	}
	ok, d := rekeyPlan(gws)
	add("CHILD SA rekeying", ok, or(d, "each CHILD SA rekeys before it expires"))
	ok, d = stability(s.API.TunnelLog, o.RouteLog, o.Window)
	add("stability (tunnel and BGP losses)", ok, d)
	add("Azure portal: connection status", s.API.ConnectionStatus == "Connected",
		fmt.Sprintf("the connection shows %q", or(s.API.ConnectionStatus, "nothing")))

	p := o.Probes
	switch {
	case p == nil:
		add("data plane on-prem -> Azure", false, "the probes could not run")
	default:
		ok := true
		var d string
		if p.Ping == nil || p.Ping.Received == 0 {
			ok = false
			d = join(d, fmt.Sprintf("ping %s from %s: %s", p.Target, lab.OnpremHost, pingText(p.Ping)))
		} else {
			d = join(d, fmt.Sprintf("ping %s", pingText(p.Ping)))
		}
		if p.TCPConnect == nil || !p.TCPConnect.OK {
			ok = false
			d = join(d, "TCP connect to the VM's web server failed")
		}
		if p.TCPBulk == nil || !p.TCPBulk.OK {
			ok = false
			got := int64(0)
			if p.TCPBulk != nil {
				got = p.TCPBulk.Bytes
			}
			d = join(d, fmt.Sprintf("a bulk TCP transfer stalled (%d bytes arrived)", got))
		}
		if ok {
			d = join(d, "TCP connect and a bulk transfer succeed")
		}
		add("data plane on-prem -> Azure", ok, d)
	}
	add("data plane Azure -> on-prem", o.Back != nil && o.Back.Received > 0,
		fmt.Sprintf("ping %s from %s: %s", lab.OnpremHostIP, lab.AzureVM, pingText(o.Back)))
	if s.P2S != nil {
		add("point-to-site client", s.P2S.TunnelUp(), map[bool]string{true: "connected", false: "not connected"}[s.P2S.TunnelUp()])
		d := "the portal lists no point-to-site session"
		if n := len(s.API.P2SSessions); n > 0 {
			u := s.API.P2SSessions[0]
			d = fmt.Sprintf("%d session(s), e.g. %s from %s with address %s", n, or(u.VpnUserName, "a user"), u.PublicIPAddress, u.PrivateIPAddress)
		}
		add("Azure portal: point-to-site sessions", len(s.API.P2SSessions) > 0, d)
		add("data plane point-to-site -> Azure", o.P2SPing != nil && o.P2SPing.Received > 0,
			fmt.Sprintf("ping %s from %s: %s", lab.AzureVMIP, lab.P2SClient, pingText(o.P2SPing)))
	}
	r := Report{At: at.UTC(), Checks: cs, Healthy: true, Window: o.Window}
	for _, c := range cs {
		r.Healthy = r.Healthy && c.OK
	}
	return r
}

func pingText(p *diagnose.PingResult) string {
	if p == nil {
		return "could not run"
	}
	return fmt.Sprintf("%d of %d answered", p.Received, p.Sent)
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func or(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

var pingRE = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// Observe reads the lab for the checks, its parts in parallel: the status
// (lab.Status, with the gateway's TunnelDiagnosticLog), its
// RouteDiagnosticLog, the data-plane probes (collect.DataPlane: the checks
// judge no other evidence) and a ping back. The window it returns ends when
// the reading began: a record written later belongs to the next check's.
func Observe(ctx context.Context, l *lab.Lab) (Observed, error) {
	var o Observed
	o.Window.To = time.Now().UTC()
	// Azure programs a NIC's routes after a route table or peering
	// change; a fix made through the API reaches the VM here (best effort).
	_ = l.SyncVMRoutes(ctx)
	var wg sync.WaitGroup
	if l.Node(lab.P2SClient) != nil {
		wg.Add(1)
		go func() { defer wg.Done(); o.P2SPing = ping(ctx, l, lab.P2SClient, lab.AzureVMIP.String()) }()
	}
	wg.Add(4)
	go func() { defer wg.Done(); o.Status = l.Status(ctx) }()
	go func() {
		defer wg.Done()
		var err error
		if o.RouteLog, err = l.AzureLogs(ctx, azure.CategoryRoute); err != nil {
			o.RouteLog = nil
		}
	}()
	go func() { defer wg.Done(); o.Probes = collect.DataPlane(ctx, l) }()
	go func() { defer wg.Done(); o.Back = ping(ctx, l, lab.AzureVM, lab.OnpremHostIP.String()) }()
	wg.Wait()
	return o, ctx.Err()
}

// ping sends three echoes from a node to addr; nil when it could not run.
func ping(ctx context.Context, l *lab.Lab, node, addr string) *diagnose.PingResult {
	r, err := l.Exec(ctx, node, "ping", "-c", "3", "-i", "0.25", "-W", "1", addr)
	if err != nil {
		return nil
	}
	m := pingRE.FindStringSubmatch(r.Stdout)
	if m == nil {
		return nil
	}
	sent, _ := strconv.Atoi(m[1])
	recv, _ := strconv.Atoi(m[2])
	return &diagnose.PingResult{Sent: sent, Received: recv}
}
