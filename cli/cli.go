package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ErrUsage marks a mistake in the command line (exit code 2).
var ErrUsage = errors.New("usage")

func usagef(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, a...))
}

// ExitCode maps an error from Run to a process exit code.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	}
	return 1
}

type command struct {
	summary string
	run     func(ctx context.Context, args []string, out, errw io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"lab up":         {"bring a lab up and leave it running", labUp},
		"lab status":     {"show tunnel, CHILD SAs, BGP and the Azure-side view", labStatus},
		"lab env":        {"endpoints and sign-in for your own Azure tools (--json), as a custom cloud", labEnv},
		"lab exec":       {"run a command in a node: lab exec NODE -- CMD...", labExec},
		"lab reset":      {"reset the Azure gateway through its API (--gateway-vip: one instance of active-active)", labReset},
		"lab down":       {"remove a lab (ID or --lab ID; --all: every lab in this scope)", labDown},
		"lab list":       {"list running labs", labList},
		"bench":          {"measure warm bring-ups: topology, tunnel, BGP, total, memory", bench},
		"run":            {"run a scenario: lab up, inject, collect evidence, diagnose (--fix: and verify)", run},
		"diagnose":       {"diagnose the running lab, or a saved evidence bundle (--evidence FILE)", diagnoseCmd},
		"scenarios list": {"list the scenarios", scenariosList},
		"check":          {"training: run the healthy checks and name the symptoms that remain", check},
		"hint":           {"training: the next hint (where to look, what is wrong there, the fix)", hint},
		"answer":         {"training: give your diagnosis: answer --category C --fault F", answer},
		"score":          {"training: your score on the lab (--json)", score},
		"skip":           {"training: give up on the lab (an exam moves on to the next case)", skip},
		"exam":           {"training: an exam of random scenarios, names hidden: exam [--count 5] [--seed N] [--category C]; writes a JSON and HTML report", examCmd},
		"ui":             {"serve the lab's web view on 127.0.0.1: topology, Azure portal and blades, device, training", ui},
		"validate":       {"check a vendor VPN configuration against Azure: validate DEVICE-CONFIG [--azure FILE]... [--live] [--json]", validateCmd},
	}
}

// Run runs the vpnlab command line args.
func Run(ctx context.Context, args []string, out, errw io.Writer) error {
	cmds := commands()
	for n := 2; n >= 1; n-- {
		if len(args) >= n {
			if c, ok := cmds[strings.Join(args[:n], " ")]; ok {
				return c.run(ctx, args[n:], out, errw)
			}
		}
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(out, cmds)
		return nil
	}
	var names []string
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	return usagef("unknown command %q (commands: %s)", strings.Join(args, " "), strings.Join(names, ", "))
}

func printUsage(w io.Writer, cmds map[string]command) {
	var names []string
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: vpnlab COMMAND [flags]")
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, cmds[n].summary)
	}
}
