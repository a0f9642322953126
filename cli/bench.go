package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/vpnlab/vpnlab/lab"
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
	image := fs.String("image", lab.DefaultImage, "node image")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if *runs < 1 || *runs > 20 {
		return usagef("--runs must be 1..20")
	}
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
	start := time.Now()
	l, err := lab.Start(ctx, lab.WithImage(image), lab.WithScenario("bench"))
	defer func() {
		t := time.Now()
		err = errors.Join(err, l.Close(context.Background()))
		r.teardown = time.Since(t)
	}()
	if err != nil {
		return r, err
	}
	r.topology = time.Since(start)
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	t, _, err := l.Wait(wctx)
	if err != nil {
		return r, err
	}
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
