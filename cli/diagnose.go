package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/offline"
	"github.com/vpnlab/vpnlab/runner"
)

// stdin is what `diagnose --from -` reads.
var stdin io.Reader = os.Stdin

// maxStdin bounds a paste.
const maxStdin = 256 << 20

// diagnoseCmd diagnoses a running lab (evidence collected now) or a saved
// evidence bundle.
func diagnoseCmd(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("diagnose", flag.ContinueOnError)
	fs.SetOutput(errw)
	id := fs.String("lab", "", "lab id (default: the only running lab)")
	bundle := fs.String("evidence", "", "diagnose a saved evidence bundle (JSON) instead of a running lab")
	from := fs.String("from", "", "diagnose what a real incident left behind: a file, a directory, a zip, or - for standard input (a paste); any text is read, see `vpnlab diagnose -formats`")
	window := fs.Duration("window", 5*time.Minute, "how far back logs count (running lab)")
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	formats := fs.Bool("formats", false, "list the formats --from reads structurally (any other text is read line by line)")
	evOut := fs.String("evidence-out", "", "save the collected evidence (JSON) to this file")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if *formats {
		fmt.Fprint(out, "vpnlab diagnose --from reads any text; these formats it reads structurally:\n"+offline.FormatHelp())
		return nil
	}
	var ev diagnose.Evidence
	switch {
	case *from != "":
		var rep offline.Report
		var err error
		if *from == "-" {
			data, rerr := io.ReadAll(io.LimitReader(stdin, maxStdin+1))
			if rerr != nil {
				return fmt.Errorf("read standard input: %w", rerr)
			}
			if len(data) > maxStdin {
				return fmt.Errorf("read standard input: larger than %d bytes; save it to a file", maxStdin)
			}
			ev, rep, err = offline.Parse(map[string][]byte{"stdin": data})
		} else {
			ev, rep, err = offline.Evidence(*from)
		}
		for _, f := range rep.Files {
			fmt.Fprintf(errw, "read %s as %s: %d lines, %d used by a structured reader, %d read as text\n", f.Path, f.Format, f.Lines, f.Used, f.Ignored)
		}
		if err != nil && ev.Onprem == nil && ev.Azure == nil && len(ev.P2S) == 0 && len(ev.Text) == 0 && ev.Probes == nil {
			return err
		}
		if err != nil {
			fmt.Fprintf(errw, "warning: %v\n", err)
		}
	case *bundle != "":
		b, err := os.ReadFile(*bundle)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			return fmt.Errorf("%s: not an evidence bundle: %w", *bundle, err)
		}
	default:
		l, err := lab.Attach(ctx, *id)
		if err != nil {
			return err
		}
		defer l.Release()
		// Route tables and peerings changed through the API (by the
		// trainee, the web view or another client) reach the VM as Azure
		// programs a NIC; best effort: the evidence names what it lacks.
		_ = l.SyncVMRoutes(ctx)
		var t runner.Timings
		ev, _, err = runner.Diagnose(ctx, l, time.Now().Add(-*window), &t)
		if err != nil {
			return err
		}
	}
	if *evOut != "" {
		if err := writeJSON(*evOut, ev); err != nil {
			return err
		}
	}
	v := diagnose.Diagnose(ev)
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	fmt.Fprintln(out, v)
	return nil
}
