package exam

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/vpnlab/vpnlab/scenarios"
	"github.com/vpnlab/vpnlab/training"
)

// Outcome is how a case ended.
type Outcome string

const (
	Pending  Outcome = "pending"   // not reached yet
	Running  Outcome = "running"   // its lab is up, the trainee works on it
	Fixed    Outcome = "fixed"     // the trainee's check found the lab healthy
	GaveUp   Outcome = "gave-up"   // the trainee skipped it
	TimedOut Outcome = "timed-out" // the case's time ran out
	Failed   Outcome = "failed"    // the lab could not be brought up
	NotRun   Outcome = "not-run"   // the exam ended before it
)

// Done says whether a case with this outcome is over.
func (o Outcome) Done() bool { return o != Pending && o != Running }

// Case is one scenario of an exam.
type Case struct {
	N        int             `json:"n"`
	Scenario string          `json:"scenario"` // shown in the report, never while the exam runs
	Want     training.Answer `json:"want"`
	Lab      string          `json:"lab,omitempty"`
	Outcome  Outcome         `json:"outcome"`
	Error    string          `json:"error,omitempty"`
	Started  *time.Time      `json:"started,omitempty"`
	Ended    *time.Time      `json:"ended,omitempty"`
	// Training is the trainee's state on the case's lab when it ended.
	Training *training.State `json:"training,omitempty"`
}

// State is an exam's progress, saved after every change so that a report
// can be written whatever happens.
type State struct {
	Seed     uint64     `json:"seed"`
	Category string     `json:"category,omitempty"`
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"finished,omitempty"`
	Cases    []Case     `json:"cases"`
}

// New starts an exam over the picked scenarios.
func New(seed uint64, category string, picks []scenarios.Scenario, now time.Time) State {
	s := State{Seed: seed, Category: category, Started: now.UTC()}
	for i, sc := range picks {
		s.Cases = append(s.Cases, Case{N: i + 1, Scenario: sc.Name, Outcome: Pending,
			Want: training.Answer{Category: sc.Expect.Category, Fault: sc.Expect.Fault}})
	}
	return s
}

// Next returns the index of the first case not over, or -1.
func (s *State) Next() int {
	for i, c := range s.Cases {
		if !c.Outcome.Done() {
			return i
		}
	}
	return -1
}

// Begin marks case i as running on lab id.
func (s *State) Begin(i int, labID string, now time.Time) {
	t := now.UTC()
	c := &s.Cases[i]
	c.Lab, c.Outcome, c.Started = labID, Running, &t
}

// End closes case i with an outcome and the trainee's state on its lab
// (nil when the lab never came up); a fixed case is fixed only if the
// trainee's state says so.
func (s *State) End(i int, o Outcome, tr *training.State, err error, now time.Time) {
	t := now.UTC()
	c := &s.Cases[i]
	if c.Started == nil {
		c.Started = &t
	}
	if o == Fixed && (tr == nil || tr.Fixed == nil) {
		o = GaveUp
	}
	c.Outcome, c.Training, c.Ended = o, tr, &t
	if err != nil {
		c.Error = err.Error()
	}
}

// Stop ends the exam: every case not over is not run.
func (s *State) Stop(now time.Time) {
	for i := range s.Cases {
		if s.Cases[i].Outcome == Running {
			s.End(i, GaveUp, s.Cases[i].Training, nil, now)
		}
		if !s.Cases[i].Outcome.Done() {
			s.Cases[i].Outcome = NotRun
		}
	}
	t := now.UTC()
	s.Finished = &t
}

// Save writes the state to path atomically.
func (s State) Save(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return training.WriteAtomic(path, b)
}

// Load reads a state Save wrote.
func Load(path string) (State, error) {
	var s State
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
