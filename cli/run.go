package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/runner"
	"github.com/vpnlab/vpnlab/scenarios"
)

// scenarioFlags are how a command names its scenario.
type scenarioFlags struct{ name, file *string }

func addScenarioFlags(fs *flag.FlagSet, def string) scenarioFlags {
	return scenarioFlags{
		name: fs.String("scenario", def, "scenario name (see 'vpnlab scenarios list')"),
		file: fs.String("scenario-file", "", "scenario YAML file (instead of --scenario)"),
	}
}

func (s scenarioFlags) load() (scenarios.Scenario, error) {
	if *s.file != "" {
		return scenarios.Load(*s.file)
	}
	sc, err := scenarios.Lookup(*s.name)
	if err != nil {
		return sc, usagef("%v", err)
	}
	return sc, nil
}

func run(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(errw)
	sf := addScenarioFlags(fs, "")
	fix := fs.Bool("fix", false, "apply the fix, then verify the lab is healthy again")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	evOut := fs.String("evidence-out", "", "save the evidence bundle (JSON) to this file")
	keep := fs.Bool("keep", false, "leave the lab running afterwards")
	image := fs.String("image", lab.Image(), "node image (default $"+lab.ImageEnv+" or "+lab.DefaultImage+")")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if *sf.name == "" && *sf.file == "" {
		return usagef("run needs --scenario NAME or --scenario-file FILE")
	}
	sc, err := sf.load()
	if err != nil {
		return err
	}
	logw := out
	if *asJSON {
		logw = errw
	}
	fmt.Fprintf(logw, "vpnlab: running scenario %s\n", sc.Name)
	o := runner.Options{Lab: []lab.Option{lab.WithImage(*image)}, Fix: *fix,
		Progress: func(step string, took time.Duration) { fmt.Fprintf(logw, "  %-12s %6.2fs\n", step, took.Seconds()) }}
	l, res, err := runner.Run(ctx, sc, o)
	if l != nil && (!*keep || ctx.Err() != nil) {
		defer func() { _ = teardown(l, logw) }()
	} else if l != nil {
		defer l.Release()
	}
	if *evOut != "" && !res.Evidence.CollectedAt.IsZero() {
		if werr := writeJSON(*evOut, res.Evidence); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(jsonResult{Scenario: sc.Name, Lab: res.LabID, Verdict: res.Verdict, ExposedVerdict: res.ExposedVerdict, FixedVerdict: res.FixedVerdict,
			Failovers:        res.Failovers,
			LabUpToVerdictMS: res.Timings.LabUpToVerdict.Milliseconds(), EngineMicros: res.Timings.Diagnose.Microseconds()})
	}
	for _, f := range res.Failovers {
		fmt.Fprintf(out, "\nlab: %s\n", f)
	}
	fmt.Fprintf(out, "\n%s\n", res.Verdict)
	fmt.Fprintf(out, "(lab up to verdict %.2fs; evidence %.2fs; engine %s)\n", res.Timings.LabUpToVerdict.Seconds(),
		res.Timings.Collect.Seconds(), res.Timings.Diagnose)
	if res.ExposedVerdict != nil {
		fmt.Fprintf(out, "\nOnce exposed (%s after the verdict):\n%s\n", sc.Expose, res.ExposedVerdict)
	}
	if res.FixedVerdict != nil {
		fmt.Fprintf(out, "\nAfter the fix (healthy again after %.2fs):\n%s\n", res.Timings.FixToHealthy.Seconds(), res.FixedVerdict)
	}
	if *keep {
		fmt.Fprintf(out, "\nLab %s left running: 'vpnlab lab status', 'vpnlab lab down'.\n", res.LabID)
	}
	return nil
}

type jsonResult struct {
	Scenario         string               `json:"scenario"`
	Lab              string               `json:"lab"`
	Verdict          diagnose.Verdict     `json:"verdict"`
	ExposedVerdict   *diagnose.Verdict    `json:"verdict_exposed,omitempty"`
	FixedVerdict     *diagnose.Verdict    `json:"verdict_after_fix,omitempty"`
	Failovers        []lab.FailoverReport `json:"failovers,omitempty"`
	LabUpToVerdictMS int64                `json:"lab_up_to_verdict_ms"`
	EngineMicros     int64                `json:"engine_us"`
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func scenariosList(ctx context.Context, args []string, out, errw io.Writer) error {
	for _, s := range scenarios.All() {
		fmt.Fprintf(out, "%-22s %s\n", s.Name, s.Summary)
	}
	return nil
}
