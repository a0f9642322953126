package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/armfile"
	"github.com/vpnlab/vpnlab/compat"
	"github.com/vpnlab/vpnlab/devconf"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/pause"
	"github.com/vpnlab/vpnlab/profile"
	"github.com/vpnlab/vpnlab/runner"
	"github.com/vpnlab/vpnlab/training"
	"github.com/vpnlab/vpnlab/validate"
)

func labUp(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("lab up", flag.ContinueOnError)
	fs.SetOutput(errw)
	sf := addScenarioFlags(fs, "healthy")
	profilePath := fs.String("profile", "", "device profile YAML for the on-prem gateway (default: built-in)")
	image := fs.String("image", lab.Image(), "node image (default $"+lab.ImageEnv+" or "+lab.DefaultImage+")")
	withUI := fs.Bool("ui", false, "then serve the lab's web view on 127.0.0.1 (see 'ui')")
	uiAddr := fs.String("ui-addr", "127.0.0.1:8080", "the web view's address with --ui")
	aa := fs.Bool("active-active", false, "run the Azure gateway active-active: a tunnel and a BGP session to each instance")
	device := fs.String("device", "", "a vendor device configuration (as vpnlab validate reads it) for the on-prem gateway, instead of --profile")
	var azureFiles stringList
	fs.Var(&azureFiles, "azure", "an Azure resource as JSON (ARM REST, az ... show, ARM template) whose connection settings the fake gateway takes; repeatable")
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
	var dev compat.Device
	if *device != "" {
		files, err := devconf.ReadFiles(*device)
		if err != nil {
			return usagef("lab up: %v", err)
		}
		res, err := devconf.Import("", files...)
		if err != nil {
			return usagef("lab up: %v", err)
		}
		p, notes := devconf.ToProfile(res.Device, res.Syntax)
		for _, n := range notes {
			fmt.Fprintf(out, "  device: %s\n", n)
		}
		dev = res.Device
		opts = append(opts, lab.WithProfile(p))
	}
	az := compat.Assumed()
	if len(azureFiles) > 0 {
		var notes []string
		if az, notes, err = armfile.ReadFiles(azureFiles...); err != nil {
			return usagef("lab up: %v", err)
		}
		for _, n := range notes {
			fmt.Fprintf(out, "  azure: %s\n", n)
		}
	}
	total := time.Now()
	fmt.Fprintf(out, "vpnlab: bringing up scenario %s\n", sc.Name)
	l, since, _, err := runner.Start(ctx, sc, runner.Options{Lab: opts,
		Progress: func(step string, took time.Duration) { fmt.Fprintf(out, "  %-12s %6.2fs\n", step, took.Seconds()) }})
	if err == nil && len(azureFiles) > 0 {
		var what string
		if what, err = validate.ApplyAzure(ctx, l, dev, az); err == nil {
			fmt.Fprintf(out, "  azure side from %s: %s\n", strings.Join(azureFiles, ", "), what)
		}
	}
	if err == nil {
		err = pause.For(ctx, sc.Settle)
	}
	if err != nil || ctx.Err() != nil {
		return errors.Join(err, ctx.Err(), teardown(l, out))
	}
	fmt.Fprintf(out, "  %-12s %6.2fs\n", "total", time.Since(total).Seconds())
	printStatus(out, l.Status(ctx))
	if sc.Briefing != "" {
		fmt.Fprintf(out, "\nBriefing:\n  %s\n", strings.ReplaceAll(sc.Briefing, "\n", "\n  "))
	}
	if len(sc.Faults) > 0 {
		st := training.Begin(l.ID(), sc.Name, sc.Briefing,
			training.Answer{Category: sc.Expect.Category, Fault: sc.Expect.Fault}, time.Now())
		st.Up = since.UTC() // the first check's history starts with the fault
		if err := st.Save(); err != nil {
			fmt.Fprintf(errw, "warning: training state not saved: %v\n", err)
		}
	}
	p := progName
	fmt.Fprintf(out, "\nLab %s is running. Explore it:\n", l.ID())
	fmt.Fprintf(out, "  %s lab status            # the device's and the Azure portal's view\n", p)
	fmt.Fprintf(out, "  %s ui                    # the same in a browser: topology, portal blades, device\n", p)
	fmt.Fprintf(out, "  %s lab exec %s -- ping -c3 %s\n", p, lab.OnpremHost, lab.AzureVMIP)
	fmt.Fprintf(out, "  %s lab exec %s -- swanctl --list-sas --uri tcp://127.0.0.1:4502\n", p, lab.OnpremGW)
	if len(sc.Faults) > 0 {
		fmt.Fprintf(out, "  %s check                 # which symptoms remain\n", p)
		fmt.Fprintf(out, "  %s hint                  # where to look, what is wrong there, the fix\n", p)
		fmt.Fprintf(out, "  %s answer --category C --fault F\n", p)
		fmt.Fprintf(out, "  %s score\n", p)
	}
	fmt.Fprintf(out, "  %s lab down\n", p)
	if *withUI {
		defer l.Release()
		return serveUI(ctx, l, *uiAddr, out)
	}
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
