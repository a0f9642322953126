package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/runner"
	"github.com/vpnlab/vpnlab/scenarios"
)

// benchRun is one measured bring-up.
type benchRun struct {
	topology, tunnel, bgp, total, teardown time.Duration
	memory                                 []lab.NodeMemory
}

func bench(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(errw)
	runs := fs.Int("runs", 3, "number of bring-ups to measure")
	image := fs.String("image", lab.Image(), "node image (default $"+lab.ImageEnv+" or "+lab.DefaultImage+")")
	withScenarios := fs.Bool("scenarios", false, "also run every fault scenario once: lab up to verdict, failover outage")
	sideBySide := fs.String("side-by-side", "", "also bring N labs up at once, for each N of a comma-separated list (e.g. 1,2,4)")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	var ns []int
	for _, f := range strings.Split(*sideBySide, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 16 {
			return usagef("--side-by-side: want numbers 1..16, got %q", f)
		}
		ns = append(ns, n)
	}
	if *runs < 1 || *runs > 20 {
		return usagef("--runs must be 1..20")
	}
	defer func() {
		if len(ns) > 0 && ctx.Err() == nil {
			_ = benchSideBySide(ctx, *image, ns, out)
		}
		if *withScenarios && ctx.Err() == nil {
			_ = benchScenarios(ctx, *image, out)
			_ = benchResets(ctx, *image, out)
		}
	}()
	fmt.Fprintf(out, "vpnlab bench: %d warm bring-ups of the healthy lab (images already built)\n", *runs)
	fmt.Fprintf(out, "%-4s %10s %10s %10s %10s %10s %10s\n", "run", "topology", "tunnel", "bgp", "total", "teardown", "memory")
	var all []benchRun
	for i := 1; i <= *runs; i++ {
		r, err := benchOnce(ctx, *image)
		if err != nil {
			return fmt.Errorf("run %d: %w", i, err)
		}
		all = append(all, r)
		fmt.Fprintf(out, "%-4d %9.2fs %9.2fs %9.2fs %9.2fs %9.2fs %8.1fMiB\n", i, r.topology.Seconds(), r.tunnel.Seconds(),
			r.bgp.Seconds(), r.total.Seconds(), r.teardown.Seconds(), mib(sum(r.memory)))
	}
	med := func(f func(benchRun) time.Duration) float64 {
		v := make([]time.Duration, len(all))
		for i, r := range all {
			v[i] = f(r)
		}
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		return v[len(v)/2].Seconds()
	}
	fmt.Fprintf(out, "%-4s %9.2fs %9.2fs %9.2fs %9.2fs %9.2fs\n", "med",
		med(func(r benchRun) time.Duration { return r.topology }), med(func(r benchRun) time.Duration { return r.tunnel }),
		med(func(r benchRun) time.Duration { return r.bgp }), med(func(r benchRun) time.Duration { return r.total }),
		med(func(r benchRun) time.Duration { return r.teardown }))
	last := all[len(all)-1]
	fmt.Fprintf(out, "memory per container (last run, healthy, like docker stats):\n")
	for _, m := range last.memory {
		fmt.Fprintf(out, "  %-12s %6.1f MiB\n", m.Node, mib(m.Bytes))
	}
	fmt.Fprintf(out, "  %-12s %6.1f MiB   (target <= 200 MiB)\n", "whole lab", mib(sum(last.memory)))
	fmt.Fprintf(out, "lab up to BGP established (median): %.2fs (target <= 6s warm)\n", med(func(r benchRun) time.Duration { return r.bgp }))
	return nil
}

func benchOnce(ctx context.Context, image string) (r benchRun, err error) {
	l, t, _, err := lab.StartHealthy(ctx, lab.WithImage(image), lab.WithScenario("bench"))
	defer func() {
		t0 := time.Now()
		err = errors.Join(err, l.Close(context.Background()))
		r.teardown = time.Since(t0)
	}()
	if err != nil {
		return r, err
	}
	r.topology = t.Up
	r.tunnel, r.bgp, r.total = r.topology+t.TunnelUp, r.topology+t.BGPUp, r.topology+t.Healthy
	r.memory, err = l.Memory(ctx)
	return r, err
}

func sum(ms []lab.NodeMemory) uint64 {
	var s uint64
	for _, m := range ms {
		s += m.Bytes
	}
	return s
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// benchScenarios runs every fault scenario once and prints the time from the
// healthy lab to the verdict (target: 10 s; failover: outage + 5 s).
func benchScenarios(ctx context.Context, image string, out io.Writer) error {
	fmt.Fprintf(out, "\nscenarios: from the healthy lab (faults injected) to the verdict\n")
	fmt.Fprintf(out, "%-22s %-36s %9s %9s %9s  %s\n", "scenario", "verdict", "verdict", "evidence", "engine", "notes")
	for _, sc := range scenarios.All() {
		if len(sc.Faults) == 0 {
			continue
		}
		l, res, err := runner.Run(ctx, sc, runner.Options{Lab: []lab.Option{lab.WithImage(image)}})
		cerr := l.Close(context.Background())
		if err = errors.Join(err, cerr); err != nil {
			fmt.Fprintf(out, "%-22s error: %v\n", sc.Name, err)
			continue
		}
		note := ""
		for _, f := range res.Failovers {
			target := f.Outage + 5*time.Second
			note = fmt.Sprintf("outage %.1fs (documented 10–15 s); target verdict <= outage+5s = %.1fs", f.Outage.Seconds(), target.Seconds())
		}
		if note == "" {
			note = "target <= 10s"
		}
		fmt.Fprintf(out, "%-22s %-36s %8.2fs %8.2fs %8s  %s\n", sc.Name, res.Verdict.Category+"/"+res.Verdict.Fault,
			res.Timings.LabUpToVerdict.Seconds(), res.Timings.Collect.Seconds(), res.Timings.Diagnose.Round(time.Microsecond), note)
	}
	return nil
}

// benchResets resets the gateway through the API, active-standby (twice:
// IN_0 fails over to IN_1, then back) and active-active (each instance by
// its VIP), and prints what onprem-host's ping saw.
func benchResets(ctx context.Context, image string, out io.Writer) error {
	fmt.Fprintf(out, "\ngateway reset through the API, seen from onprem-host (ping every 200 ms)\n")
	fmt.Fprintf(out, "%-15s %-14s %10s %10s %10s %6s  %s\n", "gateway", "gatewayVip", "operation", "restored", "outage", "lost", "primary after")
	for _, tc := range []struct {
		name string
		opts []lab.Option
		vips []string
	}{
		{"active-standby", nil, []string{"", ""}},
		{"active-active", []lab.Option{lab.WithActiveActive()}, []string{lab.AzurePublic2.String(), lab.AzurePublic.String()}},
	} {
		l, _, _, err := lab.StartHealthy(ctx, append([]lab.Option{lab.WithImage(image), lab.WithScenario("bench-reset")}, tc.opts...)...)
		for _, vip := range tc.vips {
			if err != nil {
				break
			}
			var r lab.ResetReport
			if r, err = l.ResetGateway(ctx, vip); err == nil {
				fmt.Fprintf(out, "%-15s %-14s %9.2fs %9.2fs %9.2fs %6d  %s\n", tc.name, cmp.Or(vip, "(none)"),
					r.Operation.Seconds(), r.Restored.Seconds(), r.Outage.Seconds(), r.Lost, r.Primary)
			}
		}
		if err = errors.Join(err, l.Close(context.Background())); err != nil {
			fmt.Fprintf(out, "%-15s error: %v\n", tc.name, err)
		}
	}
	fmt.Fprintf(out, "(Azure documents 10–15 s for a planned active-standby failover; active-active shifts traffic to the other tunnel)\n")
	return nil
}

// benchSideBySide brings n labs of identical addressing up at once, for
// each n, and prints the time until all are healthy and their memory.
func benchSideBySide(ctx context.Context, image string, ns []int, out io.Writer) error {
	fmt.Fprintf(out, "\nlabs side by side (identical addressing), brought up at once\n")
	fmt.Fprintf(out, "%-4s %14s %14s %14s %16s %14s\n", "N", "first healthy", "all healthy", "teardown", "memory per lab", "memory total")
	for _, n := range ns {
		start := time.Now()
		labs := make([]*lab.Lab, n)
		healthy := make([]time.Duration, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l, _, _, err := lab.StartHealthy(ctx, lab.WithImage(image), lab.WithScenario("bench-side-by-side"),
					lab.WithHealthyTimeout(3*time.Minute))
				labs[i] = l
				healthy[i], errs[i] = time.Since(start), err
			}()
		}
		wg.Wait()
		var mem uint64
		err := errors.Join(errs...)
		if err == nil {
			for _, l := range labs {
				m, merr := l.Memory(ctx)
				err = errors.Join(err, merr)
				mem += sum(m)
			}
		}
		t := time.Now()
		for _, l := range labs {
			err = errors.Join(err, l.Close(context.Background()))
		}
		teardown := time.Since(t)
		if err != nil {
			fmt.Fprintf(out, "%-4d error: %v\n", n, err)
			continue
		}
		sort.Slice(healthy, func(i, j int) bool { return healthy[i] < healthy[j] })
		fmt.Fprintf(out, "%-4d %13.2fs %13.2fs %13.2fs %12.1f MiB %10.1f MiB\n", n, healthy[0].Seconds(), healthy[n-1].Seconds(),
			teardown.Seconds(), mib(mem)/float64(n), mib(mem))
	}
	return nil
}
