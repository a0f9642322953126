package suites_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/offline"
	"github.com/vpnlab/vpnlab/runner"
	"github.com/vpnlab/vpnlab/scenarios"
	"github.com/vpnlab/vpnlab/training"
)

// Every shipped fault scenario, one lab each, run under a disguised name
// (its file with every occurrence of the name replaced), so that nothing
// the engine, the hints or the evidence see can carry it:
//
//  1. the engine: inject into the real components, diagnose from evidence,
//     assert the verdict (and, for a latent fault, again once exposed);
//  2. offline: the files an engineer would export, diagnosed offline, give
//     the live verdict (scenarios marked offline);
//  3. the runner's fix: each fault's fix, the lab healthy and settled, the
//     engine's verdict healthy, ping and bulk transfer through the tunnel;
//  4. the trainee: the fault injected again, check (symptoms), hints, a
//     wrong and a right answer, the fix made the real way (the device's
//     CLI, the edge, the P2S client, the ARM API; never the runner's fix),
//     check healthy, the score.
//
// Steps 3 and 4 also prove that a fault's fix restores what its injection
// needs: the same injection works again on the repaired lab.
var _ = Describe("fault scenarios", Label("lab", "scenario"), func() { scenarioSpecs(false) })

// A latent fault's spec sleeps through its exposing event four times: such
// long specs start first (SpecPriority orders top-level containers), so
// that none is the last one running while the other processes sit idle.
var _ = Describe("latent fault scenarios", Label("lab", "scenario"), SpecPriority(1), func() { scenarioSpecs(true) })

// scenarioSpecs defines the spec of every fault scenario that is latent
// (or not).
func scenarioSpecs(latent bool) {
	for i, sc := range scenarios.All() {
		if len(sc.Faults) == 0 || (sc.Expose > 0) != latent {
			continue
		}
		It(sc.Name+": "+sc.Summary, Label(sc.Expect.Category, sc.Expect.Fault, sc.Name, "walk-"+sc.Name), func(ctx SpecContext) {
			ph := newPhases()
			hidden := disguise(sc, "case-"+itoa(100+i))
			res, l := run(ctx, hidden)
			ph.mark("verdict")

			// 1. The engine sees evidence only, and neither name is in it.
			bundle, err := json.Marshal(res.Evidence)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(bundle)).NotTo(ContainSubstring(hidden.Name), "the evidence must not carry the scenario's name")
			Expect(string(bundle)).NotTo(ContainSubstring(sc.Name), "the evidence must not carry the scenario's name")
			assertVerdict(res.Verdict, sc.Expect)
			if sc.Expose > 0 {
				// A latent fault: named while the tunnel is up, then again
				// once the rekey or expiry the scenario hastened has bitten.
				Expect(res.Verdict.Latent).To(ContainSubstring("up now"), "the first verdict names the fault as latent")
				Expect(res.ExposedVerdict).NotTo(BeNil())
				assertVerdict(*res.ExposedVerdict, sc.Expect)
				Expect(res.ExposedVerdict.Latent).To(BeEmpty(), "once exposed the fault is no longer latent:\n%s", res.ExposedVerdict)
			}

			// 2. The same incident from exported files.
			if sc.Offline {
				roundTrip(ctx, l, res.Verdict)
				ph.mark("offline")
			}

			// 3. The runner's fix.
			Expect(runner.FixAndVerify(ctx, l, hidden, &res, progress)).To(Succeed())
			GinkgoWriter.Printf("after the fix:\n%s\n", res.FixedVerdict)
			assertHealthyAfterFix(ctx, res)
			if sc.P2SAuth == "radius" {
				assertRadiusLogin(ctx, l, res)
			}
			for _, f := range res.Failovers {
				GinkgoWriter.Printf("%s\n", f)
				Expect(f.Outage).To(BeNumerically(">", 0), "the failover interrupted traffic")
				Expect(f.Outage).To(BeNumerically("<", 60*time.Second), "and traffic came back")
			}
			ph.mark("runner's fix")

			// 4. The trainee's walk on the fault injected again.
			traineeWalk(ctx, l, hidden, sc, ph)
		}, NodeTimeout(12*time.Minute))
	}
}

// disguise loads sc's file with its name replaced by name everywhere.
func disguise(sc scenarios.Scenario, name string) scenarios.Scenario {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join("..", "scenarios", sc.Name+".yaml"))
	Expect(err).NotTo(HaveOccurred())
	text := strings.ReplaceAll(string(b), sc.Name, name)
	path := filepath.Join(GinkgoT().TempDir(), name+".yaml")
	Expect(os.WriteFile(path, []byte(text), 0o644)).To(Succeed())
	d, err := scenarios.Load(path)
	Expect(err).NotTo(HaveOccurred())
	Expect(d.Name).To(Equal(name))
	return d
}

func progress(step string, took time.Duration) {
	GinkgoWriter.Printf("  %-12s %6.2fs\n", step, took.Seconds())
}

// run brings up a lab for sc, injects its faults and takes the verdict
// (and the exposed verdict of a latent fault); the lab is closed after the
// spec at the latest.
func run(ctx SpecContext, sc scenarios.Scenario) (runner.Result, *lab.Lab) {
	o := runner.Options{Progress: progress}
	if runner.DefaultLab(sc) {
		o.Start = takeSpare
	}
	l, res, err := runner.Run(ctx, sc, o)
	closeAfter(l)
	GinkgoWriter.Printf("verdict:\n%s\n", res.Verdict)
	Expect(err).NotTo(HaveOccurred())
	GinkgoWriter.Printf("lab up to verdict %s (evidence %s, engine %s)\n", res.Timings.LabUpToVerdict, res.Timings.Collect, res.Timings.Diagnose)
	return res, l
}

// roundTrip exports the incident's files as an engineer would collect them
// (charon's log file, swanctl and gobgpd output, ping runs, an
// AzureDiagnostics export and the connection resource), diagnoses them
// offline and expects the live engine's category and fault.
func roundTrip(ctx SpecContext, l *lab.Lab, live diagnose.Verdict) {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	export(ctx, l, dir)
	ev, rep, err := offline.Evidence(dir)
	for _, f := range rep.Files {
		GinkgoWriter.Printf("offline: %s as %s: %d lines, %d used, %d ignored\n", f.Path, f.Format, f.Lines, f.Used, f.Ignored)
	}
	Expect(err).NotTo(HaveOccurred())
	v := diagnose.Diagnose(ev)
	GinkgoWriter.Printf("offline verdict:\n%s\n", v)
	Expect(v.Category).To(Equal(live.Category), "offline category; live verdict:\n%s", live)
	Expect(v.Fault).To(Equal(live.Fault), "offline fault; live verdict:\n%s", live)
	exported, err := os.ReadFile(filepath.Join(dir, "azure", "AzureDiagnostics.json"))
	Expect(err).NotTo(HaveOccurred())
	Expect(string(exported)).NotTo(ContainSubstring("PRIVATE KEY"))
}

// traineeWalk injects hidden's faults into the repaired lab again and
// walks the trainee's path: the scenario's recorded walk (walk:) with all
// three hints, or, for the original seven, the real-way fix the trainee's
// diagnosis names with one hint.
func traineeWalk(ctx context.Context, l *lab.Lab, hidden, sc scenarios.Scenario, ph *phases) {
	GinkgoHelper()
	stateDir := GinkgoT().TempDir()
	GinkgoT().Setenv("VPNLAB_STATE_DIR", stateDir)
	since, err := runner.Reinject(ctx, l, hidden)
	Expect(err).NotTo(HaveOccurred(), "the fault injected again after the runner's fix")
	recorded := len(hidden.Walk.Steps) > 0
	settle := hidden.Settle
	if recorded {
		settle += hidden.Expose
	}
	time.Sleep(settle)
	ph.mark("inject again")
	want := training.Answer{Category: sc.Expect.Category, Fault: sc.Expect.Fault}
	Expect(training.Begin(l.ID(), hidden.Name, hidden.Briefing, want, since).Save()).To(Succeed())
	t := trainee{l: l, stateDir: stateDir}

	first := t.check(ctx)
	// A latent fault shows between its exposing events (an expiry, a
	// rekey): check again until it does, within two of them.
	for end := time.Now().Add(2 * hidden.Expose); recorded && first.Healthy && time.Now().Before(end); {
		time.Sleep(3 * time.Second)
		first = t.check(ctx)
	}
	GinkgoWriter.Printf("first check: %d symptom(s): %+v\n", len(first.Remaining()), first.Remaining())
	ph.mark("first check")
	// A lab that recovered by itself still shows what happened: the first
	// check reads the losses since the fault was injected.
	Expect(first.Healthy).To(BeFalse(), "the faulty lab's check names symptoms")
	hints := 1
	if recorded {
		hints = training.MaxLevel
	}
	titles := []string{"where to look", "what is wrong there", "the fix"}
	for level := 1; level <= hints; level++ {
		h := t.hint(ctx)
		text := strings.Join(h.Lines, "\n")
		GinkgoWriter.Printf("hint %d (%s):\n%s\n", h.Level, h.Title, text)
		Expect(h.Level).To(Equal(level))
		Expect(h.Lines).NotTo(BeEmpty())
		Expect(h.Title).To(Equal(titles[level-1]), "hint %d: %s", level, text)
		for _, name := range []string{sc.Name, hidden.Name} {
			Expect(strings.ToLower(text)).NotTo(ContainSubstring(name), "hint %d names the scenario", level)
		}
		switch level {
		case training.LevelWhat:
			Expect(len(h.Lines)).To(BeNumerically(">=", 2), "what is wrong: a summary and the facts")
		case training.LevelFix:
			Expect(text).To(MatchRegexp(`(?m)^1\. .+\[.+\]`), "the fix's first step cites its source")
		}
	}
	Expect(t.answer(ctx, training.Answer{Category: "routing", Fault: "no-such-fault"})).To(BeFalse(), "a wrong answer is graded wrong")
	Expect(t.answer(ctx, want)).To(BeTrue(), "the right answer is graded right")
	ph.mark("hints+answers")

	fixed := time.Now()
	if recorded {
		t.walk(ctx, hidden.Walk)
	} else {
		fix, ok := realFixes[sc.Expect.Fault]
		if !ok {
			Fail("no real-way fix for " + sc.Expect.Fault)
		}
		GinkgoWriter.Printf("fix the real way: %s\n", fix.how)
		fix.fix(ctx, t)
	}
	ph.mark("fix")
	t.awaitHealthy(ctx, 3*time.Minute)
	GinkgoWriter.Printf("healthy %.1f s after the fix\n", time.Since(fixed).Seconds())
	ph.mark("await healthy")
	if recorded && hidden.Expose > 0 {
		time.Sleep(hidden.Expose)
		again := t.check(ctx)
		Expect(again.Healthy).To(BeTrue(), "after the exposing event again: %+v", again.Remaining())
		ph.mark("exposed again")
	}
	t.expectScore(ctx, hidden.Name, hints)
	ph.mark("score")
}

func assertVerdict(v diagnose.Verdict, want scenarios.Expectation) {
	GinkgoHelper()
	Expect(v.Category).To(Equal(want.Category), "category; verdict:\n%s", v)
	Expect(v.Fault).To(Equal(want.Fault), "fault; verdict:\n%s", v)
	if want.NetworkWatcher != "" {
		Expect(v.NetworkWatcher).To(Equal(want.NetworkWatcher))
	}
	Expect(v.Facts).NotTo(BeEmpty())
	Expect(v.Fix).NotTo(BeEmpty(), "a fault verdict names its fix")
	for _, s := range v.Fix {
		Expect(s.Source).To(Or(HavePrefix("seed "), HavePrefix("Azure")), "every fix step cites its source")
	}
}

// assertRadiusLogin checks that a RADIUS lab's user is connected again
// after the fix and that the RADIUS server itself accepted them: the fix
// went through the real server, not around it.
func assertRadiusLogin(ctx SpecContext, l *lab.Lab, res runner.Result) {
	ev := res.FixedEvidence
	Expect(ev.P2S).To(HaveLen(1))
	Expect(ev.P2S[0].Connected).To(BeTrue(), "the P2S user is connected after the fix")
	Expect(ev.P2S[0].EAP).To(Equal("eap-mschapv2"))
	Expect(ev.Radius).NotTo(BeNil(), "the evidence has the RADIUS server")
	text, err := l.RadiusLog(ctx)
	Expect(err).NotTo(HaveOccurred())
	faultSeen := res.Evidence.CollectedAt.Truncate(time.Second)
	var after []string
	for _, line := range strings.Split(text, "\n") {
		stamp, msg, ok := strings.Cut(line, " : ")
		t, err := time.Parse("Mon Jan _2 15:04:05 2006", stamp)
		if ok && err == nil && !t.Before(faultSeen) && strings.Contains(msg, "Login OK") {
			after = append(after, line)
		}
	}
	Expect(after).NotTo(BeEmpty(), "FreeRADIUS logged the user's login after the fault's evidence was taken (the fix):\n%s", text)
}

// assertHealthyAfterFix checks the engine's verdict after the fix and that
// traffic flows through the tunnel again.
func assertHealthyAfterFix(ctx SpecContext, res runner.Result) {
	Expect(res.FixedVerdict).NotTo(BeNil())
	Expect(res.FixedVerdict.Category).To(Equal(diagnose.Healthy), "after the fix:\n%s", res.FixedVerdict)
	p := res.FixedEvidence.Probes
	Expect(p).NotTo(BeNil())
	Expect(p.Ping).NotTo(BeNil())
	Expect(p.Ping.Received).To(Equal(p.Ping.Sent), "ping %s after the fix", lab.AzureVMIP)
	Expect(p.TCPBulk).NotTo(BeNil())
	Expect(p.TCPBulk.OK).To(BeTrue(), "bulk transfer after the fix: %s", p.TCPBulk.Error)
}
