package training

import (
	"fmt"
	"strings"
	"time"
)

// Grade records an answer and reports whether it is right. With no
// expectation recorded (the lab was not started for training), want is
// the engine's verdict now.
func (s *State) Grade(a Answer, want Answer, at time.Time) bool {
	if s.Want.Category != "" {
		want = s.Want
	}
	ok := Same(a, want)
	s.Answers = append(s.Answers, Attempt{Answer: a, Correct: ok, At: at.UTC()})
	if ok && s.Diagnosed == nil {
		t := at.UTC()
		s.Diagnosed = &t
	}
	return ok
}

// Same says whether answer a names the diagnosis want (case and
// surrounding blanks aside).
func Same(a, want Answer) bool {
	return want.Category != "" && strings.EqualFold(strings.TrimSpace(a.Category), want.Category) &&
		strings.EqualFold(strings.TrimSpace(a.Fault), want.Fault)
}

// GiveUp records that the trainee gave up on the lab (an exam moves on).
func (s *State) GiveUp(at time.Time) {
	if s.GaveUp == nil {
		t := at.UTC()
		s.GaveUp = &t
	}
}

// Window is the history the next check judges: from the end of the
// previous check's, or for the first check from when the lab came up,
// until to.
func (s State) Window(to time.Time) Window {
	if n := len(s.Checks); n > 0 {
		from := s.Checks[n-1].HistoryTo
		if from.IsZero() {
			from = s.Checks[n-1].At
		}
		return Window{From: from, To: to, FromCheck: true}
	}
	if !s.Up.IsZero() {
		return Window{From: s.Up, To: to}
	}
	return Window{From: s.Started, To: to}
}

// Mark records a check.
func (s *State) Mark(r Report) {
	s.Checks = append(s.Checks, CheckMark{At: r.At, Healthy: r.Healthy, Remaining: len(r.Remaining()), HistoryTo: r.Window.To})
	if r.Healthy && s.Fixed == nil {
		t := r.At
		s.Fixed = &t
	}
}

// TakeHint returns the level of the next hint and records it; after the
// last level it repeats the last without counting it again.
func (s *State) TakeHint(at time.Time) int {
	n := len(s.Hints) + 1
	if n > MaxLevel {
		return MaxLevel
	}
	s.Hints = append(s.Hints, HintUse{Level: n, At: at.UTC()})
	return n
}

// Score is the trainee's result on one lab.
type Score struct {
	Lab      string `json:"lab"`
	Scenario string `json:"scenario,omitempty"` // shown once diagnosed
	// Times from the start of training; nil while not reached.
	TimeToDiagnose *Seconds `json:"time_to_diagnose_s"`
	TimeToFix      *Seconds `json:"time_to_fix_s"`
	HintsUsed      int      `json:"hints_used"`
	WrongAnswers   int      `json:"wrong_answers"`
	Checks         int      `json:"checks"`
	Diagnosed      bool     `json:"diagnosed"`
	Fixed          bool     `json:"fixed"`
	Points         int      `json:"points"`
}

// Seconds is a duration in seconds (JSON number).
type Seconds float64

// Points: 100 for a diagnosis and a fix, less 15 per hint and 10 per wrong
// answer; 0 without a correct diagnosis.
func points(diagnosed, fixed bool, hints, wrong int) int {
	if !diagnosed {
		return 0
	}
	p := 60
	if fixed {
		p += 40
	}
	return max(0, p-15*hints-10*wrong)
}

// Score computes the score so far.
func (s State) Score() Score {
	sc := Score{Lab: s.Lab, HintsUsed: len(s.Hints), Checks: len(s.Checks)}
	for _, a := range s.Answers {
		if !a.Correct {
			sc.WrongAnswers++
		}
	}
	since := func(t *time.Time) *Seconds {
		if t == nil {
			return nil
		}
		v := Seconds(t.Sub(s.Started).Round(100 * time.Millisecond).Seconds())
		return &v
	}
	sc.TimeToDiagnose, sc.TimeToFix = since(s.Diagnosed), since(s.Fixed)
	sc.Diagnosed, sc.Fixed = s.Diagnosed != nil, s.Fixed != nil
	if sc.Diagnosed {
		sc.Scenario = s.Scenario
	}
	sc.Points = points(sc.Diagnosed, sc.Fixed, sc.HintsUsed, sc.WrongAnswers)
	return sc
}

func (sc Score) String() string {
	d := func(p *Seconds) string {
		if p == nil {
			return "not yet"
		}
		return fmt.Sprintf("%.1f s", float64(*p))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Score for lab %s", sc.Lab)
	if sc.Scenario != "" {
		fmt.Fprintf(&b, " (scenario %s)", sc.Scenario)
	}
	fmt.Fprintf(&b, "\n  time to diagnose  %s\n  time to fix       %s\n  hints used        %d\n  wrong answers     %d\n  checks run        %d\n  points            %d / 100\n",
		d(sc.TimeToDiagnose), d(sc.TimeToFix), sc.HintsUsed, sc.WrongAnswers, sc.Checks, sc.Points)
	return b.String()
}
