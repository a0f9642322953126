package training

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// State is one trainee's progress on one lab.
type State struct {
	Lab string `json:"lab"`
	// Scenario is the scenario the lab runs. It grades answers and is never
	// shown to the trainee before the end.
	Scenario string    `json:"scenario,omitempty"`
	Briefing string    `json:"briefing,omitempty"`
	Want     Answer    `json:"want,omitzero"`
	Started  time.Time `json:"started"`
	// Up is when the faulty lab came up (its fault injected), when that
	// was before Started: the first check's history starts there.
	Up time.Time `json:"lab_up,omitzero"`
	// Diagnosed is the first correct answer, Fixed the first healthy check.
	Diagnosed *time.Time `json:"diagnosed,omitempty"`
	Fixed     *time.Time `json:"fixed,omitempty"`
	// GaveUp is when the trainee gave up (vpnlab skip).
	GaveUp  *time.Time  `json:"gave_up,omitempty"`
	Hints   []HintUse   `json:"hints,omitempty"`
	Answers []Attempt   `json:"answers,omitempty"`
	Checks  []CheckMark `json:"checks,omitempty"`
}

// Answer is a diagnosis: category and fault.
type Answer struct {
	Category string `json:"category"`
	Fault    string `json:"fault"`
}

// HintUse records one hint the trainee took.
type HintUse struct {
	Level int       `json:"level"`
	At    time.Time `json:"at"`
}

// Attempt is one answer the trainee gave.
type Attempt struct {
	Answer
	Correct bool      `json:"correct"`
	At      time.Time `json:"at"`
}

// CheckMark is one check the trainee ran.
type CheckMark struct {
	At        time.Time `json:"at"`
	Healthy   bool      `json:"healthy"`
	Remaining int       `json:"remaining"`
	// HistoryTo is where the history it judged ended: the next check's
	// starts there.
	HistoryTo time.Time `json:"history_to,omitzero"`
}

// Begin starts training on a lab.
func Begin(labID, scenario, briefing string, want Answer, now time.Time) State {
	return State{Lab: labID, Scenario: scenario, Briefing: briefing, Want: want, Started: now.UTC()}
}

// Dir is where the state of lab id is kept: $VPNLAB_STATE_DIR/labs/<id>, by
// default under $XDG_STATE_HOME/vpnlab or ~/.local/state/vpnlab.
func Dir(id string) (string, error) {
	if id == "" {
		return "", errors.New("training state: empty lab id")
	}
	base := os.Getenv("VPNLAB_STATE_DIR")
	if base == "" {
		if x := os.Getenv("XDG_STATE_HOME"); x != "" {
			base = filepath.Join(x, "vpnlab")
		} else {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("training state: %w", err)
			}
			base = filepath.Join(home, ".local", "state", "vpnlab")
		}
	}
	return filepath.Join(base, "labs", id), nil
}

const stateFile = "training.json"

// ErrNoState means no training was started on the lab.
var ErrNoState = errors.New("no training state")

// Load reads the state of lab id; ErrNoState when there is none.
func Load(id string) (State, error) {
	dir, err := Dir(id)
	if err != nil {
		return State{}, err
	}
	p := filepath.Join(dir, stateFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, fmt.Errorf("lab %s: %w", id, ErrNoState)
	}
	if err != nil {
		return State{}, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return State{}, fmt.Errorf("%s: %w", p, err)
	}
	return s, nil
}

// Save writes the state (atomically: a reader never sees half a file).
func (s State) Save() error {
	dir, err := Dir(s.Lab)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return WriteAtomic(filepath.Join(dir, stateFile), b)
}

// WriteAtomic writes b to path through a temporary file in the same
// directory (made when missing), so that a reader never sees half a file.
func WriteAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Forget removes the state of lab id (when the lab goes).
func Forget(id string) error {
	dir, err := Dir(id)
	if err != nil {
		return err
	}
	return os.RemoveAll(dir)
}
