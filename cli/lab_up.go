package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/profile"
	"github.com/vpnlab/vpnlab/runner"
)

func labUp(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("lab up", flag.ContinueOnError)
	fs.SetOutput(errw)
	sf := addScenarioFlags(fs, "healthy")
	profilePath := fs.String("profile", "", "device profile YAML for the on-prem gateway (default: built-in)")
	image := fs.String("image", lab.DefaultImage, "node image")
	aa := fs.Bool("active-active", false, "run the Azure gateway active-active: a tunnel and a BGP session to each instance")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	sc, err := sf.load()
	if err != nil {
		return err
	}
	opts := []lab.Option{lab.WithImage(*image)}
	if *aa {
		opts = append(opts, lab.WithActiveActive())
	}
	if *profilePath != "" {
		p, err := profile.Load(*profilePath)
		if err != nil {
			return err
		}
		opts = append(opts, lab.WithProfile(p))
	}
	total := time.Now()
	fmt.Fprintf(out, "vpnlab: bringing up scenario %s\n", sc.Name)
	l, _, _, err := runner.Start(ctx, sc, runner.Options{Lab: opts,
		Progress: func(step string, took time.Duration) { fmt.Fprintf(out, "  %-12s %6.2fs\n", step, took.Seconds()) }})
	if err == nil {
		err = sleepCtx(ctx, sc.Settle)
	}
	if err != nil || ctx.Err() != nil {
		return errors.Join(err, ctx.Err(), teardown(l, out))
	}
	fmt.Fprintf(out, "  %-12s %6.2fs\n", "total", time.Since(total).Seconds())
	printStatus(out, l.Status(ctx))
	if sc.Briefing != "" {
		fmt.Fprintf(out, "\nBriefing (%s):\n  %s\n", sc.Name, strings.ReplaceAll(sc.Briefing, "\n", "\n  "))
	}
	fmt.Fprintf(out, "\nLab %s is running. Explore it:\n", l.ID())
	fmt.Fprintf(out, "  vpnlab lab status            # the device's and the Azure portal's view\n")
	fmt.Fprintf(out, "  vpnlab lab exec %s -- ping -c3 %s\n", lab.OnpremHost, lab.AzureVMIP)
	fmt.Fprintf(out, "  vpnlab lab exec %s -- swanctl --list-sas --uri tcp://127.0.0.1:4502\n", lab.OnpremGW)
	fmt.Fprintf(out, "  vpnlab diagnose              # ask the engine\n")
	fmt.Fprintf(out, "  vpnlab lab down              # or: make lab-down\n")
	l.Release()
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// teardown removes a lab that failed or was interrupted during bring-up.
func teardown(l *lab.Lab, out io.Writer) error {
	if l == nil {
		return nil
	}
	fmt.Fprintf(out, "vpnlab: removing lab %s\n", l.ID())
	return l.Close(context.Background())
}
