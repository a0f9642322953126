package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/training"
)

func attachFlag(fs *flag.FlagSet) *string {
	return fs.String("lab", "", "lab id (default: the only running lab)")
}

// attachJSON parses the flags of a training command that takes --lab and
// --json (plus extra) and attaches the lab; the caller releases it.
func attachJSON(ctx context.Context, name string, args []string, errw io.Writer, extra func(*flag.FlagSet)) (*lab.Lab, bool, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(errw)
	id := attachFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, false, usagef("%v", err)
	}
	l, err := lab.Attach(ctx, *id)
	return l, *asJSON, err
}

func printJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// check runs the healthy checks and names the symptoms that remain.
func check(ctx context.Context, args []string, out, errw io.Writer) error {
	l, asJSON, err := attachJSON(ctx, "check", args, errw, nil)
	if err != nil {
		return err
	}
	defer l.Release()
	r, err := training.RunCheck(ctx, l)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(out, r)
	}
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(out, "  [%s] %-34s %s\n", mark, c.Name, c.Detail)
	}
	if r.Healthy {
		fmt.Fprintf(out, "\nHealthy: every check passes. `%s score` shows your result.\n", progName)
		return nil
	}
	fmt.Fprintf(out, "\n%d symptom(s) remain. Investigate, or take a hint: `%s hint`.\n", len(r.Remaining()), progName)
	return nil
}

// hint gives the next progressive hint.
func hint(ctx context.Context, args []string, out, errw io.Writer) error {
	l, asJSON, err := attachJSON(ctx, "hint", args, errw, nil)
	if err != nil {
		return err
	}
	defer l.Release()
	h, err := training.RunHint(ctx, l, progName)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(out, h)
	}
	fmt.Fprintln(out, h)
	return nil
}

// answer grades the trainee's diagnosis.
func answer(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("answer", flag.ContinueOnError)
	fs.SetOutput(errw)
	id := attachFlag(fs)
	cat := fs.String("category", "", "tunnel-setup | authentication | routing | operations")
	fault := fs.String("fault", "", "the fault id, e.g. shared-key-mismatch")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if *cat == "" || *fault == "" {
		in := bufio.NewScanner(stdin)
		ask := func(q string, v *string) {
			for *v == "" {
				fmt.Fprint(out, q)
				if !in.Scan() {
					return
				}
				*v = strings.TrimSpace(in.Text())
			}
		}
		ask("category (tunnel-setup, authentication, routing, operations): ", cat)
		ask("fault (e.g. shared-key-mismatch): ", fault)
		if *cat == "" || *fault == "" {
			return usagef("answer needs --category C --fault F")
		}
	}
	labID, err := labIDOf(ctx, *id)
	if err != nil {
		return err
	}
	var l *lab.Lab
	defer func() {
		if l != nil {
			l.Release()
		}
	}()
	attach := func() (*lab.Lab, error) {
		var aerr error
		l, aerr = lab.Attach(ctx, labID)
		return l, aerr
	}
	ok, st, err := training.AnswerOn(ctx, labID, attach, training.Answer{Category: *cat, Fault: *fault})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(out, struct {
			Correct bool `json:"correct"`
		}{ok})
	}
	if !ok {
		fmt.Fprintf(out, "Not quite: %s / %s is not what is wrong. (%d wrong so far; `%s hint` helps.)\n", *cat, *fault, st.Score().WrongAnswers, progName)
		return nil
	}
	fmt.Fprintf(out, "Correct: %s / %s.\n", *cat, *fault)
	if st.Fixed == nil {
		fmt.Fprintf(out, "Now fix it (the device's CLI: `%s lab exec onprem-gw -- ...`; the Azure side: `%s ui` or the ARM API), then `%s check`.\n", progName, progName, progName)
	} else {
		fmt.Fprintf(out, "`%s score` shows your result.\n", progName)
	}
	return nil
}

// score prints the trainee's score on the lab.
func score(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(errw)
	id := attachFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	labID, err := labIDOf(ctx, *id)
	if err != nil {
		return err
	}
	st, err := training.Load(labID)
	if err != nil {
		return err
	}
	sc := st.Score()
	if *asJSON {
		return printJSON(out, sc)
	}
	fmt.Fprint(out, sc)
	return nil
}

// labIDOf returns id, or the only running lab's when id is empty.
func labIDOf(ctx context.Context, id string) (string, error) {
	if id != "" {
		return id, nil
	}
	l, err := lab.Attach(ctx, "")
	if err != nil {
		return "", err
	}
	defer l.Release()
	return l.ID(), nil
}
