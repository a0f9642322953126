package exam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"path/filepath"
	"time"

	"github.com/vpnlab/vpnlab/training"
)

// Result is the trainee's result on one case.
type Result struct {
	N        int     `json:"n"`
	Scenario string  `json:"scenario"`
	Outcome  Outcome `json:"outcome"`
	// Want is the right diagnosis; Answered the trainee's (the right one
	// once given, else the last), nil when they gave none.
	Want     training.Answer  `json:"want"`
	Answered *training.Answer `json:"answered"`
	Correct  bool             `json:"correct"`
	Wrong    int              `json:"wrong_answers"`
	// Times from the case's start; nil when not reached.
	TimeToDiagnose *training.Seconds `json:"time_to_diagnose_s"`
	TimeToFix      *training.Seconds `json:"time_to_fix_s"`
	Hints          int               `json:"hints_used"`
	Checks         int               `json:"checks"`
	Points         int               `json:"points"`
	Duration       training.Seconds  `json:"duration_s"`
	Error          string            `json:"error,omitempty"`
}

// Report is an exam's results.
type Report struct {
	Seed      uint64     `json:"seed"`
	Category  string     `json:"category,omitempty"`
	Started   time.Time  `json:"started"`
	Finished  *time.Time `json:"finished,omitempty"`
	Results   []Result   `json:"results"`
	Diagnosed int        `json:"diagnosed"`
	Fixed     int        `json:"fixed"`
	Points    int        `json:"points"`
	MaxPoints int        `json:"max_points"`
}

// MaxPointsPerCase is a diagnosis and a fix with no hint and no wrong answer.
const MaxPointsPerCase = 100

// Report computes the results so far.
func (s State) Report() Report {
	r := Report{Seed: s.Seed, Category: s.Category, Started: s.Started, Finished: s.Finished}
	for _, c := range s.Cases {
		res := Result{N: c.N, Scenario: c.Scenario, Outcome: c.Outcome, Want: c.Want, Error: c.Error}
		if c.Started != nil && c.Ended != nil {
			res.Duration = training.Seconds(c.Ended.Sub(*c.Started).Round(100 * time.Millisecond).Seconds())
		}
		if t := c.Training; t != nil {
			sc := t.Score()
			res.Correct, res.Wrong = sc.Diagnosed, sc.WrongAnswers
			res.TimeToDiagnose, res.TimeToFix = sc.TimeToDiagnose, sc.TimeToFix
			res.Hints, res.Checks, res.Points = sc.HintsUsed, sc.Checks, sc.Points
			for _, a := range t.Answers {
				a := a.Answer
				res.Answered = &a
				if res.Correct && training.Same(a, c.Want) {
					break
				}
			}
		}
		if res.Correct {
			r.Diagnosed++
		}
		if res.TimeToFix != nil {
			r.Fixed++
		}
		r.Points += res.Points
		r.MaxPoints += MaxPointsPerCase
		r.Results = append(r.Results, res)
	}
	return r
}

// JSON is the report as indented JSON.
func (r Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	return append(b, '\n'), err
}

// HTML renders the report as one self-contained page (inline style, no
// script, nothing fetched).
func (r Report) HTML() ([]byte, error) {
	var b bytes.Buffer
	err := page.Execute(&b, r)
	return b.Bytes(), err
}

// Write writes exam.json and exam.html into dir and returns their paths.
func (r Report) Write(dir string) (jsonPath, htmlPath string, err error) {
	j, err := r.JSON()
	if err != nil {
		return "", "", err
	}
	h, err := r.HTML()
	if err != nil {
		return "", "", err
	}
	jsonPath, htmlPath = filepath.Join(dir, "exam.json"), filepath.Join(dir, "exam.html")
	if err := training.WriteAtomic(jsonPath, j); err != nil {
		return "", "", err
	}
	return jsonPath, htmlPath, training.WriteAtomic(htmlPath, h)
}

func secs(p *training.Seconds) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f s", float64(*p))
}

var page = template.Must(template.New("exam").Funcs(template.FuncMap{
	"secs": secs,
	"answer": func(a *training.Answer) string {
		if a == nil {
			return "—"
		}
		return a.Category + " / " + a.Fault
	},
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vpnlab exam report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}table{border-collapse:collapse;margin-top:1em}
th,td{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.ok{color:#107c10;font-weight:600}.bad{color:#a4262c;font-weight:600}
.muted{color:#777}.sum{font-size:1.1em}
</style></head><body>
<h1>vpnlab exam report</h1>
<p class="muted">seed {{.Seed}}{{if .Category}} · category {{.Category}}{{end}} · started {{when .Started}}{{with .Finished}} · finished {{when .}}{{end}}</p>
<p class="sum" id="summary">{{.Diagnosed}} of {{len .Results}} diagnosed, {{.Fixed}} fixed · <b>{{.Points}} / {{.MaxPoints}}</b> points</p>
<table id="results"><thead><tr><th>#</th><th>scenario</th><th>expected (category / fault)</th><th>answered</th><th>right?</th>
<th>wrong answers</th><th>time to diagnose</th><th>time to fix</th><th>hints</th><th>outcome</th><th>points</th></tr></thead><tbody>
{{range .Results}}<tr data-outcome="{{.Outcome}}"><td>{{.N}}</td><td>{{.Scenario}}</td><td>{{.Want.Category}} / {{.Want.Fault}}</td>
<td>{{answer .Answered}}</td><td>{{if .Correct}}<span class="ok">right</span>{{else if .Answered}}<span class="bad">wrong</span>{{else}}<span class="muted">no answer</span>{{end}}</td>
<td>{{.Wrong}}</td><td>{{secs .TimeToDiagnose}}</td><td>{{secs .TimeToFix}}</td><td>{{.Hints}}</td>
<td>{{.Outcome}}{{with .Error}}<br><span class="muted">{{.}}</span>{{end}}</td><td>{{.Points}}</td></tr>
{{end}}</tbody></table>
<p class="muted">Points per case: 60 for the right diagnosis, 40 more for a fix, less 15 per hint and 10 per wrong answer.</p>
</body></html>
`))
