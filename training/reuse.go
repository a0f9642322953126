package training

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/vpnlab/vpnlab/diagnose"
)

// VerdictReuse is how long a verdict that names a fault serves the next
// hint (or an answer graded by the engine) without a new collection: hints
// taken one after another read the same evidence, so they describe one
// fault, and a collection (probes, logs, both sides' state) is not repeated
// seconds after the last one. A check that finds the lab healthy since ends
// the reuse (the trainee has fixed something), as does a new training.
const VerdictReuse = 60 * time.Second

const verdictFile = "verdict.json"

// lastVerdict is the engine's last verdict on a lab: for which training
// (its start) and when its evidence was collected.
type lastVerdict struct {
	Started   time.Time        `json:"started"`
	Collected time.Time        `json:"collected"`
	Verdict   diagnose.Verdict `json:"verdict"`
}

// reusable returns the last verdict when it may stand for a new one now.
func reusable(s State, now time.Time) (diagnose.Verdict, bool) {
	dir, err := Dir(s.Lab)
	if err != nil {
		return diagnose.Verdict{}, false
	}
	b, err := os.ReadFile(filepath.Join(dir, verdictFile))
	if err != nil {
		return diagnose.Verdict{}, false
	}
	var lv lastVerdict
	if json.Unmarshal(b, &lv) != nil || !lv.Started.Equal(s.Started) || !namesFault(lv.Verdict) {
		return diagnose.Verdict{}, false
	}
	if age := now.Sub(lv.Collected); age < 0 || age > VerdictReuse {
		return diagnose.Verdict{}, false
	}
	for _, c := range s.Checks {
		if c.Healthy && !c.At.Before(lv.Collected) {
			return diagnose.Verdict{}, false
		}
	}
	return lv.Verdict, true
}

// keepVerdict records v, from evidence collected at collected, for reuse.
func keepVerdict(s State, collected time.Time, v diagnose.Verdict) error {
	if !namesFault(v) {
		return nil
	}
	dir, err := Dir(s.Lab)
	if err != nil {
		return err
	}
	b, err := json.Marshal(lastVerdict{Started: s.Started, Collected: collected.UTC(), Verdict: v})
	if err != nil {
		return err
	}
	return WriteAtomic(filepath.Join(dir, verdictFile), b)
}

func namesFault(v diagnose.Verdict) bool {
	return v.Category != "" && v.Category != diagnose.Healthy && v.Category != diagnose.Unknown
}
