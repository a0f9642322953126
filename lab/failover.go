package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/pause"
)

// FailoverReport is what a gateway instance switch looked like from the
// on-prem LAN.
type FailoverReport struct {
	From, To string // instances, e.g. IN_0 and IN_1
	Planned  bool
	// Outage is the longest gap between answers of a continuous ping from
	// onprem-host to azure-vm across the event (RFC 6349-style availability).
	Outage time.Duration
	// Restored is the time from the event's start until the tunnel and BGP
	// were up again on the new instance.
	Restored time.Duration
	Lost     int // echo requests that got no answer
}

func (r FailoverReport) String() string {
	kind, doc := "unplanned", "1–3 min"
	if r.Planned {
		kind, doc = "planned", "10–15 s"
	}
	return fmt.Sprintf("%s failover %s → %s: measured outage %.1fs (%d echoes lost), tunnel and BGP restored after %.1fs; Azure documents %s for a %s failover",
		kind, r.From, r.To, r.Outage.Seconds(), r.Lost, r.Restored.Seconds(), doc, kind)
}

func instanceOf(nodeName string) string {
	if nodeName == AzureGW1 {
		return "IN_1"
	}
	return "IN_0"
}

// Failover moves the gateway's public IP from the active instance to the
// other, as Azure does in maintenance (planned) or after a host failure
// (unplanned): the old instance goes away, switch later the standby takes
// the IP, becomes primary and initiates the connection. The on-prem device
// recovers by its own IKE and BGP logic; the outage is measured.
func (l *Lab) Failover(ctx context.Context, planned bool, switchTime time.Duration) error {
	r, err := l.failover(ctx, planned, switchTime)
	l.failovers = append(l.failovers, r)
	return err
}

// ActiveInstance asks the instances which one is active and returns its
// node name (AzureGW or AzureGW1).
func (l *Lab) ActiveInstance(ctx context.Context) (string, error) {
	err := l.findActive(ctx)
	return l.active, err
}

// Failovers reports the failovers this lab went through, oldest first.
func (l *Lab) Failovers() []FailoverReport { return l.failovers }

func (l *Lab) failover(ctx context.Context, planned bool, switchTime time.Duration) (FailoverReport, error) {
	if l.Model.Gateway.ActiveActive {
		return FailoverReport{}, errors.New("a failover moves an active-standby gateway's public IP; this gateway is active-active " +
			"(each instance keeps its own): reset one instance instead (ResetGateway with its gatewayVip)")
	}
	if err := l.findActive(ctx); err != nil {
		return FailoverReport{}, err
	}
	from := l.active
	to := AzureGW1
	if from == AzureGW1 {
		to = AzureGW
	}
	r := FailoverReport{From: instanceOf(from), To: instanceOf(to), Planned: planned}
	if l.nodes[to] == nil {
		return r, fmt.Errorf("lab %s has no standby instance %s", l.id, to)
	}
	pr, err := l.startProbe(ctx)
	if err != nil {
		return r, err
	}
	start := time.Now()
	steps := []func() error{}
	if planned {
		steps = append(steps, l.instanceAction(from, "maintenance", "planned maintenance, failing over to the standby instance"))
	}
	reason := "host failure"
	if planned {
		reason = "planned maintenance"
	}
	// The instance goes away with the public IP and the VNet's next hop;
	// switch later the standby takes them, announces them (gratuitous ARP:
	// the internet's router and the VNet follow) and initiates.
	steps = append(steps,
		l.instanceAction(from, "stop", reason),
		func() error { return pause.For(ctx, switchTime) },
		l.instanceAction(to, "activate", "failover from GatewayTenantWorker_"+instanceOf(from)),
	)
	for _, step := range steps {
		if err := step(); err != nil {
			_, _, _ = pr.stop()
			return r, fmt.Errorf("failover %s → %s: %w", r.From, r.To, err)
		}
	}
	l.active = to
	if err := l.awaitTunnelAndBGP(ctx); err != nil {
		_, _, _ = pr.stop()
		return r, errors.Join(errors.New("the tunnel did not come back on the new instance"), err)
	}
	r.Restored = time.Since(start)
	r.Outage, r.Lost, err = pr.stop()
	return r, err
}

// awaitTunnelAndBGP waits (90 s at most) until the tunnel and BGP (unless
// the device routes statically) are up on both sides, every instance of an
// active-active gateway included.
func (l *Lab) awaitTunnelAndBGP(ctx context.Context) error {
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for {
		s := l.health(wctx)
		bgpUp := func(g GatewayStatus) bool { return s.StaticRouting || g.BGPUp() }
		up := s.Onprem.TunnelUp() && s.Azure.TunnelUp() && bgpUp(s.Onprem) && bgpUp(s.Azure)
		if s.AzureIN1 != nil {
			up = up && s.AzureIN1.TunnelUp() && bgpUp(*s.AzureIN1)
		}
		if up {
			return nil
		}
		if err := pause.For(wctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// probe is a continuous ping from onprem-host to azure-vm, every 200 ms.
type probe struct {
	l   *Lab
	ctx context.Context
	wg  sync.WaitGroup
	out string
	err error
}

// startProbe starts the probe and returns once it has had a moment to get
// an answer before the event (-c, not -w: with a deadline ping quits at
// the first ICMP error).
func (l *Lab) startProbe(ctx context.Context) (*probe, error) {
	p := &probe{l: l, ctx: ctx}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		res, err := l.Exec(ctx, OnpremHost, "ping", "-D", "-n", "-i", "0.2", "-W", "1", "-c", "1200", AzureVMIP.String())
		p.out, p.err = res.Stdout+res.Stderr, err
	}()
	if err := pause.For(ctx, 250*time.Millisecond); err != nil {
		_, _, _ = p.stop()
		return nil, err
	}
	return p, nil
}

// stop lets a few more answers close the gap, stops the probe and returns
// the longest gap between answers and the echoes lost. Call it once.
func (p *probe) stop() (time.Duration, int, error) {
	_ = pause.For(p.ctx, 400*time.Millisecond)
	_, _ = p.l.Exec(context.WithoutCancel(p.ctx), OnpremHost, "pkill", "-INT", "ping")
	p.wg.Wait()
	if p.err != nil || !strings.Contains(p.out, "bytes from") {
		return 0, 0, fmt.Errorf("the outage probe failed: %v: %q", p.err, clipText(p.out, 300))
	}
	gap, lost := outage(p.out, 200*time.Millisecond)
	return gap, lost, nil
}

// ResetReport is what a gateway reset through the API looked like from the
// on-prem LAN.
type ResetReport struct {
	VIP       string        // the gatewayVip asked for ("" = the gateway's)
	Primary   string        // the primary instance afterwards (AzureGW or AzureGW1)
	Operation time.Duration // the long-running operation, from POST to Succeeded
	Restored  time.Duration // from the POST until tunnel(s) and BGP were up again
	Outage    time.Duration // the longest gap between ping answers
	Lost      int
}

// ResetGateway resets the gateway through the Azure-like API (as
// Reset-AzVirtualNetworkGateway [-GatewayVip] does) while onprem-host
// pings azure-vm, and waits until the tunnel(s) and BGP are up again.
func (l *Lab) ResetGateway(ctx context.Context, vip string) (ResetReport, error) {
	r := ResetReport{VIP: vip}
	a, err := l.AzureAPI()
	if err != nil {
		return r, err
	}
	p, err := l.startProbe(ctx)
	if err != nil {
		return r, err
	}
	start := time.Now()
	q := url.Values{}
	if vip != "" {
		q.Set("gatewayVip", vip)
	}
	var res json.RawMessage
	if err := a.do(ctx, http.MethodPost, a.armURL("virtualNetworkGateways", a.Model.Gateway.Name, "reset", q), &res); err != nil {
		_, _, _ = p.stop()
		return r, fmt.Errorf("reset: %w", err)
	}
	r.Operation = time.Since(start)
	if err := l.awaitTunnelAndBGP(ctx); err != nil {
		_, _, _ = p.stop()
		return r, errors.Join(errors.New("the tunnel did not come back after the reset"), err)
	}
	r.Restored = time.Since(start)
	if r.Outage, r.Lost, err = p.stop(); err != nil {
		return r, err
	}
	r.Primary, err = l.ActiveInstance(ctx)
	return r, err
}

func (l *Lab) instanceAction(nodeName, action, reason string) func() error {
	return l.execOK(nodeName, "vpnlab-node", "instance", action, reason)
}

func (l *Lab) execOK(nodeName string, cmd ...string) func() error {
	return func() error {
		r, err := l.Exec(context.Background(), nodeName, cmd...)
		if err != nil {
			return err
		}
		if r.ExitCode != 0 {
			return fmt.Errorf("%s: %v: %s", nodeName, cmd, strings.TrimSpace(r.Stderr))
		}
		return nil
	}
}

var replyRE = regexp.MustCompile(`^\[(\d+\.\d+)\] \d+ bytes from .* icmp_seq=(\d+)`)

// outage finds the longest gap between echo replies in `ping -D` output.
func outage(out string, interval time.Duration) (time.Duration, int) {
	var last float64
	var lastSeq, lost int
	var longest time.Duration
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := replyRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		t, _ := strconv.ParseFloat(m[1], 64)
		seq, _ := strconv.Atoi(m[2])
		if last != 0 {
			gap := time.Duration((t-last)*float64(time.Second)) - interval
			if gap > longest {
				longest = gap
			}
			if seq > lastSeq+1 {
				lost += seq - lastSeq - 1
			}
		}
		last, lastSeq = t, seq
	}
	return max(longest, 0), lost
}

// findActive asks the Azure instances which one is active (after a
// failover or a reset through the API, it is not IN_0).
func (l *Lab) findActive(ctx context.Context) error {
	if l.active == "" {
		l.active = AzureGW
	}
	var errs []error
	for _, name := range []string{AzureGW, AzureGW1} {
		if l.nodes[name] == nil {
			continue
		}
		a, err := l.instanceAPI(name)
		if err == nil {
			var st contract.InstanceState
			if st, err = a.Instance(ctx); err == nil && st.Primary {
				l.active = name
				return nil
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("which gateway instance is active: %w", errors.Join(errs...))
	}
	return nil // none active now (between a stop and an activation): keep the last known
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
