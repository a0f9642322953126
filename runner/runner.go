// Package runner runs a scenario end to end: bring the lab up, let the
// baseline become healthy, inject the faults, collect evidence, diagnose,
// and optionally apply the fixes and verify.
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/vpnlab/vpnlab/collect"
	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/scenarios"
)

var _ scenarios.Lab = (*lab.Lab)(nil)

// Options tune a run.
type Options struct {
	Lab      []lab.Option
	Fix      bool // apply each fault's fix and verify
	Progress func(step string, took time.Duration)
	Log      *slog.Logger
}

// Result is what a run observed.
type Result struct {
	LabID    string
	Timings  Timings
	Evidence diagnose.Evidence
	Verdict  diagnose.Verdict
	// Failovers the lab went through (maintenance faults), with the
	// measured outage.
	Failovers []lab.FailoverReport
	// After the fix (Options.Fix).
	FixedEvidence *diagnose.Evidence
	FixedVerdict  *diagnose.Verdict
}

// Timings of a run; LabUpToVerdict is the headline figure.
type Timings struct {
	LabUp          time.Duration // containers running
	Baseline       time.Duration // healthy before the faults
	Collect        time.Duration // evidence collection
	Diagnose       time.Duration // the engine alone
	LabUpToVerdict time.Duration // from the healthy baseline (faults injected) to the verdict
	FixToHealthy   time.Duration
}

// Start brings up a lab for sc and injects its faults once the baseline is
// healthy. The lab is returned even on error: the caller closes it.
func Start(ctx context.Context, sc scenarios.Scenario, o Options) (*lab.Lab, time.Time, Timings, error) {
	var t Timings
	progress := o.Progress
	if progress == nil {
		progress = func(string, time.Duration) {}
	}
	start := time.Now()
	l, err := lab.Start(ctx, append(slices.Clone(o.Lab), lab.WithScenario(sc.Name), lab.WithProgress(progress))...)
	if err != nil {
		return l, time.Time{}, t, err
	}
	t.LabUp = time.Since(start)
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	step := time.Now()
	wt, st, err := l.Wait(wctx)
	if err != nil {
		return l, time.Time{}, t, fmt.Errorf("the healthy baseline did not come up, so no fault was injected: %w (%s)", err, brief(st))
	}
	t.Baseline = time.Since(step)
	progress("tunnel up", wt.TunnelUp)
	progress("bgp up", wt.BGPUp)
	progress("healthy", wt.Healthy)
	since := time.Now()
	step = since
	for _, f := range sc.Faults {
		if err := f.Inject(ctx, l); err != nil {
			return l, since, t, fmt.Errorf("inject %s: %w", f.Kind(), err)
		}
	}
	if len(sc.Faults) > 0 {
		progress("inject", time.Since(step))
	}
	return l, since, t, nil
}

// Run runs sc to a verdict (and through the fix with o.Fix). The lab is
// returned for the caller to close or keep.
func Run(ctx context.Context, sc scenarios.Scenario, o Options) (*lab.Lab, Result, error) {
	progress := o.Progress
	if progress == nil {
		progress = func(string, time.Duration) {}
	}
	l, since, t, err := Start(ctx, sc, o)
	res := Result{Timings: t}
	if l != nil {
		res.LabID = l.ID()
	}
	if err != nil {
		return l, res, err
	}
	if err := sleep(ctx, sc.Settle); err != nil {
		return l, res, err
	}
	res.Failovers = l.Failovers()
	ev, v, err := Diagnose(ctx, l, since, &res.Timings)
	res.Evidence, res.Verdict = ev, v
	if err != nil {
		return l, res, err
	}
	res.Timings.LabUpToVerdict = time.Since(since)
	progress("verdict", res.Timings.Collect)
	if !o.Fix {
		return l, res, nil
	}
	fixAt := time.Now()
	for i := len(sc.Faults) - 1; i >= 0; i-- {
		if err := sc.Faults[i].Fix(ctx, l); err != nil {
			return l, res, fmt.Errorf("fix %s: %w", sc.Faults[i].Kind(), err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, st, err := l.Wait(wctx); err != nil {
		return l, res, fmt.Errorf("after the fix the lab did not become healthy: %w (%s)", err, brief(st))
	}
	res.Timings.FixToHealthy = time.Since(fixAt)
	progress("fixed", res.Timings.FixToHealthy)
	var ft Timings
	fev, fv, err := Diagnose(ctx, l, fixAt, &ft)
	res.FixedEvidence, res.FixedVerdict = &fev, &fv
	return l, res, err
}

// Diagnose collects evidence from a running lab since a time and runs the engine on it.
func Diagnose(ctx context.Context, l *lab.Lab, since time.Time, t *Timings) (diagnose.Evidence, diagnose.Verdict, error) {
	step := time.Now()
	ev, err := collect.Evidence(ctx, l, since)
	t.Collect = time.Since(step)
	if err != nil {
		return ev, diagnose.Verdict{}, err
	}
	step = time.Now()
	v := diagnose.Diagnose(ev)
	t.Diagnose = time.Since(step)
	return ev, v, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func brief(s lab.Status) string {
	return fmt.Sprintf("on-prem tunnel %v, Azure tunnel %v, on-prem BGP %v, Azure BGP %v, Azure status %q",
		s.Onprem.TunnelUp(), s.Azure.TunnelUp(), s.Onprem.BGPUp(), s.Azure.BGPUp(), s.API.ConnectionStatus)
}

// ErrUnexpected marks a verdict that differs from a scenario's expectation.
var ErrUnexpected = errors.New("unexpected verdict")
