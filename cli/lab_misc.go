package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/vpnlab/vpnlab/lab"
)

func labExec(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("lab exec", flag.ContinueOnError)
	fs.SetOutput(errw)
	id := fs.String("lab", "", "lab id (default: the only running lab)")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	rest := fs.Args()
	if len(rest) < 2 {
		return usagef("lab exec NODE -- CMD [ARGS...]")
	}
	nodeName, cmd := rest[0], rest[1:]
	if cmd[0] == "--" {
		cmd = cmd[1:]
	}
	if len(cmd) == 0 {
		return usagef("lab exec NODE -- CMD [ARGS...]")
	}
	l, err := lab.Attach(ctx, *id)
	if err != nil {
		return err
	}
	defer l.Release()
	r, err := l.Exec(ctx, nodeName, cmd...)
	if err != nil {
		return err
	}
	fmt.Fprint(out, r.Stdout)
	fmt.Fprint(errw, r.Stderr)
	if r.ExitCode != 0 {
		return fmt.Errorf("%s: %v exited with %d", nodeName, cmd, r.ExitCode)
	}
	return nil
}

// labReset resets the gateway as Reset-AzVirtualNetworkGateway does,
// through the lab's Azure-like API, and shows what the on-prem LAN saw.
func labReset(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("lab reset", flag.ContinueOnError)
	fs.SetOutput(errw)
	id := fs.String("lab", "", "lab id (default: the only running lab)")
	vip := fs.String("gateway-vip", "", "the public IP of the instance to reset (active-active)")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	l, err := lab.Attach(ctx, *id)
	if err != nil {
		return err
	}
	defer l.Release()
	what := l.Model.Gateway.Name
	if *vip != "" {
		what += " instance " + *vip
	}
	fmt.Fprintf(out, "vpnlab: resetting gateway %s (onprem-host pings azure-vm meanwhile)\n", what)
	r, err := l.ResetGateway(ctx, *vip)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  reset operation %.1fs; tunnel and BGP back after %.1fs; longest ping gap %.1fs (%d echoes lost); primary instance now %s\n",
		r.Operation.Seconds(), r.Restored.Seconds(), r.Outage.Seconds(), r.Lost, r.Primary)
	printStatus(out, l.Status(ctx))
	return nil
}

func labDown(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("lab down", flag.ContinueOnError)
	fs.SetOutput(errw)
	id := fs.String("lab", "", "lab id (default: the only running lab)")
	all := fs.Bool("all", false, "remove every lab")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	switch {
	case fs.NArg() == 1 && *id == "" && !*all:
		*id = fs.Arg(0) // lab down <id>
	case fs.NArg() > 0:
		return usagef("lab down: unexpected %q (name a lab with --lab ID or as the only argument)", fs.Args())
	}
	ids := []string{*id}
	if *all || *id == "" {
		found, err := lab.List(ctx)
		if err != nil {
			return err
		}
		if !*all && len(found) > 1 {
			return usagef("%d labs are running (%v): name one with --lab or use --all", len(found), found)
		}
		ids = found
	}
	if len(ids) == 0 {
		fmt.Fprintln(out, "vpnlab: no lab is running")
		return nil
	}
	for _, i := range ids {
		if err := lab.Down(ctx, i); err != nil {
			return err
		}
		fmt.Fprintf(out, "vpnlab: lab %s removed\n", i)
	}
	return nil
}

func labList(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("lab list", flag.ContinueOnError)
	fs.SetOutput(errw)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	labs, err := lab.Labs(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(labs)
	}
	if len(labs) == 0 {
		fmt.Fprintln(out, "vpnlab: no lab is running")
		return nil
	}
	fmt.Fprintf(out, "%-8s %-22s %-10s %-9s %s\n", "LAB", "SCENARIO", "RUNNING", "AGE", "SCOPE")
	for _, l := range labs {
		fmt.Fprintf(out, "%-8s %-22s %-10s %-9s %s\n", l.ID, l.Scenario, fmt.Sprintf("%d/%d", l.Running, l.Total),
			time.Since(l.Created).Round(time.Second), l.Scope)
	}
	return nil
}
