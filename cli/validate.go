package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vpnlab/vpnlab/armfile"
	"github.com/vpnlab/vpnlab/compat"
	"github.com/vpnlab/vpnlab/devconf"
	"github.com/vpnlab/vpnlab/validate"
)

// ErrFindings is returned when a validation found something worse than a
// note (exit code 1).
var ErrFindings = errors.New("findings")

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// validateCmd checks a vendor device configuration against the Azure side.
func validateCmd(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(errw)
	var azureFiles stringList
	fs.Var(&azureFiles, "azure", "an Azure resource as JSON (ARM REST, az ... show, or an ARM template); repeat for gateway, vnet, local network gateway, connection")
	syntax := fs.String("syntax", "", "the configuration's syntax (default: detected): "+strings.Join(devconf.Names(), ", "))
	asJSON := fs.Bool("json", false, "print the report as JSON")
	live := fs.Bool("live", false, "also prove it live: bring a lab up with this device and the Azure side, force rekeys, DPD, a large packet and a gateway reset")
	fs.Usage = func() {
		fmt.Fprintln(errw, "usage: vpnlab validate DEVICE-CONFIG [SECRETS-FILE...] [--azure FILE]... [--syntax NAME] [--live] [--json]")
		fmt.Fprintln(errw, "exit status: 0 no findings, 1 findings, 2 unusable input")
		fmt.Fprintln(errw, "\nsyntaxes:")
		for _, s := range devconf.Syntaxes() {
			fmt.Fprintf(errw, "  %-22s %s\n", s.Name, s.Title)
		}
		fmt.Fprintln(errw, "\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(reorder(args)); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usagef("validate: a device configuration file is required")
	}
	files, err := devconf.ReadFiles(fs.Args()...)
	if err != nil {
		return usagef("validate: %v", err)
	}
	az, notes := compat.Assumed(), []string(nil)
	if len(azureFiles) > 0 {
		if az, notes, err = armfile.ReadFiles(azureFiles...); err != nil {
			return usagef("validate: %v", err)
		}
	}
	rep, res, err := validate.Static(files, *syntax, az, notes)
	if err != nil {
		return usagef("validate: %v", err)
	}
	if *live {
		lr, err := validate.Live(ctx, res.Device, res.Syntax, az)
		if err != nil {
			return err
		}
		rep.Live = lr
	}
	if *asJSON {
		if err := rep.WriteJSON(out); err != nil {
			return err
		}
	} else {
		rep.WriteText(out)
	}
	if rep.Blocking() || (rep.Live != nil && !rep.Live.Passed()) {
		return fmt.Errorf("%w: %d down, %d latent, %d degrades", ErrFindings, rep.Summary["down"], rep.Summary["latent"], rep.Summary["degrades"])
	}
	return nil
}

// reorder moves flags after the positional arguments to the front, so
// that "validate FILE --azure X" works like "validate --azure X FILE".
func reorder(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-"):
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && (name == "azure" || name == "syntax") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return append(flags, pos...)
}
