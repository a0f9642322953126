package training

import (
	"context"
	"errors"
	"time"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/runner"
)

// LoadOrBegin reads the lab's state, or starts one now (the lab was not
// brought up for training: answers are then graded by the engine's verdict).
func LoadOrBegin(id string, now time.Time) (State, error) {
	s, err := Load(id)
	if errors.Is(err, ErrNoState) {
		return Begin(id, "", "", Answer{}, now), nil
	}
	return s, err
}

// RunCheck runs the checks on l and records them. The stability check
// judges the history since the previous check (the first: since the lab
// came up), so each loss is reported once.
func RunCheck(ctx context.Context, l *lab.Lab) (Report, error) {
	s, err := LoadOrBegin(l.ID(), time.Now())
	if err != nil {
		return Report{}, err
	}
	o, err := Observe(ctx, l)
	if err != nil && ctx.Err() != nil {
		return Report{}, err
	}
	o.Window = s.Window(o.Window.To)
	r := Evaluate(o, time.Now())
	// Another check may have been recorded meanwhile (the web view's):
	// record this one on the latest state.
	if s, err = LoadOrBegin(l.ID(), time.Now()); err != nil {
		return r, err
	}
	s.Mark(r)
	return r, s.Save()
}

// verdict collects evidence since training began and asks the engine (or
// reuses the last verdict, see VerdictReuse).
func verdict(ctx context.Context, l *lab.Lab, s State) (diagnose.Verdict, error) {
	if v, ok := reusable(s, time.Now()); ok {
		return v, nil
	}
	since := s.Started.Add(-30 * time.Second)
	if time.Since(since) > 10*time.Minute {
		since = time.Now().Add(-10 * time.Minute)
	}
	var t runner.Timings
	ev, v, err := runner.Diagnose(ctx, l, since, &t)
	if err != nil {
		return v, err
	}
	return v, keepVerdict(s, ev.CollectedAt, v)
}

// RunHint gives the next hint on l and records it.
func RunHint(ctx context.Context, l *lab.Lab, prog string) (Hint, error) {
	s, err := LoadOrBegin(l.ID(), time.Now())
	if err != nil {
		return Hint{}, err
	}
	v, err := verdict(ctx, l, s)
	if err != nil {
		return Hint{}, err
	}
	h := Next(v, s.TakeHint(time.Now()), prog, s.Scenario)
	return h, s.Save()
}

// RunAnswer grades a trainee's answer on l and records it.
func RunAnswer(ctx context.Context, l *lab.Lab, a Answer) (bool, State, error) {
	return AnswerOn(ctx, l.ID(), func() (*lab.Lab, error) { return l, nil }, a)
}

// AnswerOn grades a trainee's answer on lab id and records it. A training
// begun with a scenario names the answer it wants, and grading needs no
// lab; on a lab without one the engine's verdict is the answer, and only
// then is the lab reached (attach).
func AnswerOn(ctx context.Context, id string, attach func() (*lab.Lab, error), a Answer) (bool, State, error) {
	s, err := LoadOrBegin(id, time.Now())
	if err != nil {
		return false, s, err
	}
	at := time.Now()
	var want Answer
	if s.Want.Category == "" {
		l, err := attach()
		if err != nil {
			return false, s, err
		}
		v, err := verdict(ctx, l, s)
		if err != nil {
			return false, s, err
		}
		want = Answer{Category: v.Category, Fault: v.Fault}
	}
	ok := s.Grade(a, want, at)
	return ok, s, s.Save()
}
