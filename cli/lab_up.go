package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/profile"
	"github.com/vpnlab/vpnlab/scenarios"
)

func labUp(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("lab up", flag.ContinueOnError)
	fs.SetOutput(errw)
	scenario := fs.String("scenario", "healthy", "scenario to run (see 'vpnlab scenarios list')")
	profilePath := fs.String("profile", "", "device profile YAML for the on-prem gateway (default: built-in)")
	image := fs.String("image", lab.DefaultImage, "node image")
	waitFor := fs.Duration("wait", 60*time.Second, "how long to wait for the tunnel and BGP")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	sc, err := scenarios.Lookup(*scenario)
	if err != nil {
		return usagef("%v", err)
	}
	opts := []lab.Option{lab.WithImage(*image), lab.WithScenario(sc.Name)}
	if *profilePath != "" {
		p, err := profile.Load(*profilePath)
		if err != nil {
			return err
		}
		opts = append(opts, lab.WithProfile(p))
	}
	total := time.Now()
	opts = append(opts, lab.WithProgress(func(step string, took time.Duration) {
		fmt.Fprintf(out, "  %-12s %6.2fs\n", step, took.Seconds())
	}))
	fmt.Fprintf(out, "vpnlab: bringing up scenario %s\n", sc.Name)
	l, err := lab.Start(ctx, opts...)
	if err != nil {
		return errors.Join(err, teardown(l, out))
	}
	if ctx.Err() != nil {
		return errors.Join(ctx.Err(), teardown(l, out))
	}
	wctx, cancel := context.WithTimeout(ctx, *waitFor)
	defer cancel()
	t, st, err := l.Wait(wctx)
	if ctx.Err() != nil {
		return errors.Join(ctx.Err(), teardown(l, out))
	}
	if t.TunnelUp > 0 {
		fmt.Fprintf(out, "  %-12s %6.2fs\n", "tunnel up", t.TunnelUp.Seconds())
	}
	if t.BGPUp > 0 {
		fmt.Fprintf(out, "  %-12s %6.2fs\n", "bgp up", t.BGPUp.Seconds())
	}
	fmt.Fprintf(out, "  %-12s %6.2fs\n", "total", time.Since(total).Seconds())
	printStatus(out, st)
	if err != nil {
		fmt.Fprintf(out, "\nThe lab is NOT healthy after %s; it is left running to investigate.\n", *waitFor)
	}
	fmt.Fprintf(out, "\nLab %s is running. Explore it:\n", l.ID())
	fmt.Fprintf(out, "  vpnlab lab status            # the device's and the Azure portal's view\n")
	fmt.Fprintf(out, "  vpnlab lab exec %s -- ping -c3 %s\n", lab.OnpremHost, lab.AzureVMIP)
	fmt.Fprintf(out, "  vpnlab lab down              # or: make lab-down\n")
	l.Release()
	return nil
}

// teardown removes a lab that failed or was interrupted during bring-up.
func teardown(l *lab.Lab, out io.Writer) error {
	if l == nil {
		return nil
	}
	fmt.Fprintf(out, "vpnlab: removing lab %s\n", l.ID())
	return l.Close(context.Background())
}
