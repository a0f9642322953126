package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/exam"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/pause"
	"github.com/vpnlab/vpnlab/runner"
	"github.com/vpnlab/vpnlab/scenarios"
	"github.com/vpnlab/vpnlab/training"
)

// examFlags are exam's options.
type examFlags struct {
	count          int
	seed           uint64
	category, pool string
	report, image  string
	nonInteractive bool
	caseTimeout    time.Duration
}

// examCmd runs an exam: scenarios picked at random with their names
// hidden, one lab after another; the trainee works on each in another
// terminal (check, hint, answer, the device's CLI, the portal) and the exam
// moves on once they have answered and their check finds the lab healthy
// (a lab that recovers by itself must be diagnosed too), or they give up.
func examCmd(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("exam", flag.ContinueOnError)
	fs.SetOutput(errw)
	var f examFlags
	fs.IntVar(&f.count, "count", 5, "how many scenarios")
	fs.Uint64Var(&f.seed, "seed", 0, "the draw's seed (default: from the clock; printed to reproduce the exam)")
	fs.StringVar(&f.category, "category", "", "only scenarios of this category: tunnel-setup | authentication | routing | operations")
	fs.StringVar(&f.pool, "pool", "", "only these scenarios (comma-separated names; an instructor's choice)")
	fs.StringVar(&f.report, "report", "", "where the report goes (default reports/exam-<time>)")
	fs.StringVar(&f.image, "image", lab.Image(), "node image (default $"+lab.ImageEnv+" or "+lab.DefaultImage+")")
	fs.BoolVar(&f.nonInteractive, "non-interactive", false, "do not read the terminal: a case ends when the lab is fixed, skipped or timed out")
	fs.DurationVar(&f.caseTimeout, "case-timeout", 30*time.Minute, "give up a case after this long")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("exam takes no arguments (got %q)", fs.Args())
	}
	seedSet := false
	fs.Visit(func(fl *flag.Flag) { seedSet = seedSet || fl.Name == "seed" })
	if !seedSet {
		f.seed = uint64(time.Now().UnixNano() % 1e9)
	}
	var pool []string
	for p := range strings.SplitSeq(f.pool, ",") {
		if p = strings.TrimSpace(p); p != "" {
			pool = append(pool, p)
		}
	}
	cands, err := exam.Candidates(scenarios.All(), exam.Filter{Category: f.category, Pool: pool})
	if err != nil {
		return usagef("%v", err)
	}
	picks, err := exam.Pick(cands, f.count, f.seed)
	if err != nil {
		return usagef("%v", err)
	}
	if f.report == "" {
		f.report = filepath.Join("reports", "exam-"+time.Now().UTC().Format("20060102-150405"))
	}
	st := exam.New(f.seed, f.category, picks, time.Now())
	statePath := filepath.Join(f.report, "state.json")
	if err := st.Save(statePath); err != nil {
		return err
	}
	fmt.Fprintf(out, "vpnlab exam: %d scenario(s) drawn from %d (seed %d; `%s exam --seed %d ...` draws the same)\n",
		len(picks), len(cands), f.seed, progName, f.seed)

	lines := make(chan string)
	if !f.nonInteractive {
		go func() {
			in := bufio.NewScanner(stdin)
			for in.Scan() {
				lines <- strings.TrimSpace(in.Text())
			}
			close(lines)
		}()
	}
	quit := false
	for i := st.Next(); i >= 0 && !quit && ctx.Err() == nil; i = st.Next() {
		quit = runCase(ctx, &st, i, picks[i], f, lines, out)
		if err := st.Save(statePath); err != nil {
			return err
		}
	}
	st.Stop(time.Now())
	if err := st.Save(statePath); err != nil {
		return err
	}
	rep := st.Report()
	jp, hp, err := rep.Write(f.report)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nExam over: %d of %d diagnosed, %d fixed, %d / %d points.\n", rep.Diagnosed, len(rep.Results), rep.Fixed, rep.Points, rep.MaxPoints)
	for _, r := range rep.Results {
		fmt.Fprintf(out, "  %d. %-28s %-10s %s\n", r.N, r.Scenario, r.Outcome, resultLine(r))
	}
	fmt.Fprintf(out, "Report: %s and %s\n", jp, hp)
	return ctx.Err()
}

func resultLine(r exam.Result) string {
	d := func(p *training.Seconds) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf("%.0fs", float64(*p))
	}
	right := "no answer"
	if r.Correct {
		right = "right"
	} else if r.Answered != nil {
		right = "wrong"
	}
	return fmt.Sprintf("answer %s, diagnosed %s, fixed %s, %d hint(s), %d point(s)", right, d(r.TimeToDiagnose), d(r.TimeToFix), r.Hints, r.Points)
}

// runCase brings case i's lab up, waits for the trainee and removes the
// lab; it reports whether the trainee ended the exam.
func runCase(ctx context.Context, st *exam.State, i int, sc scenarios.Scenario, f examFlags, lines <-chan string, out io.Writer) (quit bool) {
	n := len(st.Cases)
	fmt.Fprintf(out, "\n=== Case %d of %d: bringing its lab up ...\n", i+1, n)
	l, since, _, err := runner.Start(ctx, sc, runner.Options{Lab: []lab.Option{lab.WithImage(f.image)}})
	if err == nil {
		err = pause.For(ctx, sc.Settle)
	}
	closeLab := func() {
		if l == nil {
			return
		}
		if cerr := l.Close(context.WithoutCancel(ctx)); cerr != nil {
			fmt.Fprintf(out, "warning: removing lab %s: %v\n", l.ID(), cerr)
		}
		_ = training.Forget(l.ID())
	}
	if err != nil {
		st.End(i, exam.Failed, nil, errors.Join(err, ctx.Err()), time.Now())
		fmt.Fprintf(out, "exam: case %d of %d could not start: %v\n", i+1, n, err)
		closeLab()
		return ctx.Err() != nil
	}
	defer closeLab()
	tr := training.Begin(l.ID(), sc.Name, sc.Briefing, st.Cases[i].Want, time.Now())
	tr.Up = since.UTC() // the first check's history starts with the fault
	if err := tr.Save(); err != nil {
		st.End(i, exam.Failed, nil, err, time.Now())
		return false
	}
	st.Begin(i, l.ID(), time.Now())
	p := progName
	fmt.Fprintf(out, "\nBriefing:\n  %s\n", strings.ReplaceAll(strings.TrimSpace(hideName(sc.Briefing, sc.Name)), "\n", "\n  "))
	fmt.Fprintf(out, "\nIn another terminal: `%s check`, `%s hint`, `%s answer --category C --fault F`, the device's CLI (`%s lab exec %s -- ...`), `%s ui` or the ARM API (`%s lab env`).\n",
		p, p, p, p, lab.OnpremGW, p, p)
	fmt.Fprintf(out, "The exam moves on when you have answered and `%s check` finds the lab healthy; `%s skip` (or typing skip here) gives up this case, quit ends the exam.\n", p, p)
	fmt.Fprintf(out, "exam: case %d of %d ready: lab %s\n", i+1, n, l.ID())

	outcome := exam.TimedOut
	deadline := time.NewTimer(f.caseTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last training.State
wait:
	for {
		if s, err := training.Load(l.ID()); err == nil {
			last = s
			switch {
			case s.Fixed != nil && len(s.Answers) > 0:
				outcome = exam.Fixed
				break wait
			case s.GaveUp != nil:
				outcome = exam.GaveUp
				break wait
			}
		}
		select {
		case <-ctx.Done():
			outcome, quit = exam.GaveUp, true
			break wait
		case <-deadline.C:
			break wait
		case line, ok := <-lines:
			switch {
			case !ok:
				lines = nil // the terminal closed: wait for the lab or the time
			case line == "skip" || line == "s":
				last.GiveUp(time.Now())
				outcome = exam.GaveUp
				break wait
			case line == "quit" || line == "q":
				last.GiveUp(time.Now())
				outcome, quit = exam.GaveUp, true
				break wait
			case line != "":
				fmt.Fprintln(out, "exam: type skip to give up this case, quit to end the exam")
			}
		case <-tick.C:
		}
	}
	st.End(i, outcome, &last, nil, time.Now())
	sc1 := last.Score()
	fmt.Fprintf(out, "exam: case %d of %d %s (%d hint(s), %d wrong answer(s), %d point(s))\n", i+1, n, outcome, sc1.HintsUsed, sc1.WrongAnswers, sc1.Points)
	return quit
}

// hideName scrubs a scenario's name (in any case) from text shown during
// the exam.
func hideName(text, name string) string {
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(name))
	return re.ReplaceAllString(text, "[hidden]")
}

// skip records that the trainee gives up on the lab (an exam moves on).
func skip(ctx context.Context, args []string, out, errw io.Writer) error {
	fs := flag.NewFlagSet("skip", flag.ContinueOnError)
	fs.SetOutput(errw)
	id := attachFlag(fs)
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	labID, err := labIDOf(ctx, *id)
	if err != nil {
		return err
	}
	s, err := training.LoadOrBegin(labID, time.Now())
	if err != nil {
		return err
	}
	s.GiveUp(time.Now())
	if err := s.Save(); err != nil {
		return err
	}
	fmt.Fprintf(out, "Gave up on lab %s. `%s score` shows your result.\n", labID, progName)
	return nil
}
