package training

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
)

func TestVerdictReuse(t *testing.T) {
	t.Setenv("VPNLAB_STATE_DIR", t.TempDir())
	t0 := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
	s := Begin("lab1", "", "", Answer{}, t0)
	fault := diagnose.Verdict{Category: "tunnel-setup", Fault: "ike-policy-mismatch"}
	at := t0.Add(time.Minute)
	if err := keepVerdict(s, at, fault); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		s    State
		now  time.Time
		want bool
	}{
		{"the next hint, seconds later", s, at.Add(5 * time.Second), true},
		{"after the reuse period", s, at.Add(VerdictReuse + time.Second), false},
		{"another training on the lab", Begin("lab1", "", "", Answer{}, t0.Add(time.Second)), at.Add(time.Second), false},
		{"a check found the lab healthy since", func() State {
			s := s
			s.Checks = []CheckMark{{At: at.Add(2 * time.Second), Healthy: true}}
			return s
		}(), at.Add(5 * time.Second), false},
		{"a check found symptoms since", func() State {
			s := s
			s.Checks = []CheckMark{{At: at.Add(2 * time.Second), Remaining: 2}}
			return s
		}(), at.Add(5 * time.Second), true},
	}
	for _, c := range cases {
		v, ok := reusable(c.s, c.now)
		if ok != c.want || ok && v.Fault != fault.Fault {
			t.Errorf("%s: reused %v (%+v), want %v", c.name, ok, v, c.want)
		}
	}
	// A verdict that names no fault is not kept: the next hint looks again.
	s2 := Begin("lab2", "", "", Answer{}, t0)
	for _, v := range []diagnose.Verdict{{Category: diagnose.Unknown}, {Category: diagnose.Healthy}} {
		if err := keepVerdict(s2, at, v); err != nil {
			t.Fatal(err)
		}
		if _, ok := reusable(s2, at.Add(time.Second)); ok {
			t.Errorf("a %s verdict was reused", v.Category)
		}
	}
}

// TestAnswerWithoutTheLab: a training that names its answer is graded
// from its state alone; the lab is reached only for a free lab's verdict.
func TestAnswerWithoutTheLab(t *testing.T) {
	t.Setenv("VPNLAB_STATE_DIR", t.TempDir())
	want := Answer{Category: "tunnel-setup", Fault: "shared-key-mismatch"}
	if err := Begin("lab1", "case-1", "", want, time.Now()).Save(); err != nil {
		t.Fatal(err)
	}
	attached := 0
	attach := func() (*lab.Lab, error) { attached++; return nil, errors.New("no lab here") }
	ok, st, err := AnswerOn(context.Background(), "lab1", attach, Answer{Category: "routing", Fault: "route-missing"})
	if err != nil || ok {
		t.Fatalf("wrong answer: ok %v, err %v", ok, err)
	}
	ok, st, err = AnswerOn(context.Background(), "lab1", attach, want)
	if err != nil || !ok {
		t.Fatalf("right answer: ok %v, err %v", ok, err)
	}
	if attached != 0 {
		t.Errorf("the lab was reached %d times", attached)
	}
	if got := st.Score().WrongAnswers; got != 1 {
		t.Errorf("wrong answers %d, want 1", got)
	}
	if _, _, err := AnswerOn(context.Background(), "free", attach, want); err == nil || attached != 1 {
		t.Errorf("a free lab's answer needs its verdict: err %v, attached %d", err, attached)
	}
}
