// Package runner runs a scenario end to end: bring the lab up, let the
// baseline become healthy, inject the faults, collect evidence, diagnose,
// and optionally apply the fixes and verify.
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vpnlab/vpnlab/collect"
	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/pause"
	"github.com/vpnlab/vpnlab/scenarios"
)

var (
	_ scenarios.Lab     = (*lab.Lab)(nil)
	_ scenarios.PathLab = (*lab.Lab)(nil)
)

// Options tune a run.
type Options struct {
	Lab      []lab.Option
	Fix      bool // apply each fault's fix and verify
	Progress func(step string, took time.Duration)
	Log      *slog.Logger
	// Start brings the lab up and waits until it is healthy; nil is
	// lab.StartHealthy. A caller can hand over a lab it started ahead
	// (the suites keep one default lab warm for their next spec).
	Start func(ctx context.Context, opts ...lab.Option) (*lab.Lab, lab.Timings, lab.Status, error)
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
	// A latent fault once the event that exposes it has happened
	// (Scenario.Expose after the verdict).
	ExposedEvidence *diagnose.Evidence
	ExposedVerdict  *diagnose.Verdict
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
	go diagnose.Prepare() // the knowledge base compiles while the lab comes up
	start := o.Start
	if start == nil {
		start = lab.StartHealthy
	}
	l, wt, st, err := start(ctx, append(scenarioOptions(sc, o.Lab), lab.WithScenario(sc.Name), lab.WithProgress(progress))...)
	t.LabUp, t.Baseline = wt.Up, wt.Healthy
	if err != nil {
		if wt.Up == 0 {
			return l, time.Time{}, t, err // the lab did not start
		}
		return l, time.Time{}, t, fmt.Errorf("the healthy baseline did not come up, so no fault was injected: %w (%s)", err, brief(st))
	}
	progress("tunnel up", wt.TunnelUp)
	progress("bgp up", wt.BGPUp)
	progress("healthy", wt.Healthy)
	since, err := inject(ctx, l, sc)
	if err != nil {
		return l, since, t, err
	}
	if len(sc.Faults) > 0 {
		progress("inject", time.Since(since))
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
	if err := pause.For(ctx, sc.Settle); err != nil {
		return l, res, err
	}
	if sc.Expose > 0 {
		// A latent fault leaves the tunnel up, and its first verdict says
		// so: it is taken once the re-establishment that the injection
		// caused has settled, not while the new SAs, BGP and routes are
		// still coming up (with 4 labs side by side that took seconds, and
		// the probes run in that gap lost traffic no fault explains).
		wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		st, err := l.WaitSettled(wctx)
		cancel()
		if err != nil {
			return l, res, fmt.Errorf("with the latent fault injected the lab did not settle: %w (%s)", err, brief(st))
		}
		progress("settled", time.Since(since))
	}
	res.Failovers = l.Failovers()
	ev, v, err := Diagnose(ctx, l, since, &res.Timings)
	res.Evidence, res.Verdict = ev, v
	if err != nil {
		return l, res, err
	}
	res.Timings.LabUpToVerdict = time.Since(since)
	progress("verdict", res.Timings.Collect)
	if sc.Expose > 0 {
		if err := pause.For(ctx, sc.Expose); err != nil {
			return l, res, err
		}
		var et Timings
		eev, ev, err := Diagnose(ctx, l, since, &et)
		res.ExposedEvidence, res.ExposedVerdict = &eev, &ev
		if err != nil {
			return l, res, err
		}
		progress("exposed", sc.Expose+et.Collect)
	}
	if !o.Fix {
		return l, res, nil
	}
	return l, res, FixAndVerify(ctx, l, sc, &res, progress)
}

// FixAndVerify applies sc's fixes to a lab its faults were injected into,
// waits until the lab is healthy and settled, and records the verdict
// after the fix in res.
func FixAndVerify(ctx context.Context, l *lab.Lab, sc scenarios.Scenario, res *Result, progress func(step string, took time.Duration)) error {
	if progress == nil {
		progress = func(string, time.Duration) {}
	}
	fixAt := time.Now()
	for i := len(sc.Faults) - 1; i >= 0; i-- {
		if err := sc.Faults[i].Fix(ctx, l); err != nil {
			return fmt.Errorf("fix %s: %w", sc.Faults[i].Kind(), err)
		}
	}
	// Healthy means settled: a restored connection is re-established by a
	// new IKE SA while the old one is torn down, and BGP and the routes
	// follow; the verdict after the fix must not catch that moment.
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if st, err := l.WaitSettled(wctx); err != nil {
		return fmt.Errorf("after the fix the lab did not become healthy: %w (%s)", err, brief(st))
	}
	healthyAt := time.Now()
	res.Timings.FixToHealthy = healthyAt.Sub(fixAt)
	progress("fixed", res.Timings.FixToHealthy)
	// The verdict after the fix judges the lab from when it was healthy
	// again: a fix that interrupts the tunnel itself (a reverted Azure
	// change is reapplied) or a reconnect the fix waited for is not taken
	// for a fault.
	var ft Timings
	fev, fv, err := Diagnose(ctx, l, healthyAt, &ft)
	res.FixedEvidence, res.FixedVerdict = &fev, &fv
	return err
}

// Reinject injects sc's faults again into a lab FixAndVerify repaired,
// first taking back the workarounds of the fixes that did not undo their
// fault (scenarios.Reverter), and returns when it did.
func Reinject(ctx context.Context, l *lab.Lab, sc scenarios.Scenario) (time.Time, error) {
	for i := len(sc.Faults) - 1; i >= 0; i-- {
		if r, ok := sc.Faults[i].(scenarios.Reverter); ok {
			if err := r.Revert(ctx, l); err != nil {
				return time.Now(), fmt.Errorf("revert the fix of %s: %w", sc.Faults[i].Kind(), err)
			}
		}
	}
	return inject(ctx, l, sc)
}

// inject injects sc's faults into a running, healthy lab and returns when
// it did.
func inject(ctx context.Context, l *lab.Lab, sc scenarios.Scenario) (time.Time, error) {
	since := time.Now()
	for _, f := range sc.Faults {
		if err := f.Inject(ctx, l); err != nil {
			return since, fmt.Errorf("inject %s: %w", f.Kind(), err)
		}
	}
	return since, nil
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

func brief(s lab.Status) string {
	return fmt.Sprintf("on-prem tunnel %v, Azure tunnel %v, on-prem BGP %v, Azure BGP %v, Azure status %q",
		s.Onprem.TunnelUp(), s.Azure.TunnelUp(), s.Onprem.BGPUp(), s.Azure.BGPUp(), s.API.ConnectionStatus)
}

// ErrUnexpected marks a verdict that differs from a scenario's expectation.
var ErrUnexpected = errors.New("unexpected verdict")
