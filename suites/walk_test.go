package suites_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/runner"
	"github.com/vpnlab/vpnlab/scenarios"
	"github.com/vpnlab/vpnlab/training"
)

// The trainee's path for the original scenarios: the faulty lab with its
// briefing, check (symptoms), a hint, the answer, the fix made through
// the device's CLI, the edge's CLI or the ARM API (never the runner's
// fix), check healthy, the score.
var _ = Describe("the trainee's walk", Label("lab", "walk"), func() {
	for _, name := range []string{"psk-mismatch", "esp-blocked", "phase2-mismatch", "mtu-blackhole", "bgp-asn-mismatch", "cert-expired", "maintenance-failover"} {
		It(name+": check, hint, answer, fix the real way, check healthy, score", Label("walk-"+name), func(ctx SpecContext) {
			sc, err := scenarios.Lookup(name)
			Expect(err).NotTo(HaveOccurred())
			stateDir := GinkgoT().TempDir()
			GinkgoT().Setenv("VPNLAB_STATE_DIR", stateDir)
			ph := newPhases()
			l, since, _, err := runner.Start(ctx, sc, runner.Options{})
			closeAfter(l)
			Expect(err).NotTo(HaveOccurred())
			ph.mark("bring-up")
			time.Sleep(sc.Settle)
			ph.mark("settle")
			want := training.Answer{Category: sc.Expect.Category, Fault: sc.Expect.Fault}
			Expect(training.Begin(l.ID(), sc.Name, sc.Briefing, want, since).Save()).To(Succeed())
			t := trainee{l: l, stateDir: stateDir}
			fix, ok := realFixes[sc.Expect.Fault]

			first := t.check(ctx)
			GinkgoWriter.Printf("first check: %d symptom(s): %+v\n", len(first.Remaining()), first.Remaining())
			ph.mark("first check")
			// A lab that recovered by itself still shows what happened: the
			// first check reads the losses since the lab came up.
			Expect(first.Healthy).To(BeFalse(), "the faulty lab's check names symptoms")
			h := t.hint(ctx)
			Expect(h.Level).To(Equal(1))
			Expect(h.Lines).NotTo(BeEmpty())
			Expect(strings.ToLower(strings.Join(h.Lines, "\n"))).NotTo(ContainSubstring(sc.Name), "a hint names the scenario")
			Expect(t.answer(ctx, training.Answer{Category: "routing", Fault: "no-such-fault"})).To(BeFalse(), "a wrong answer is graded wrong")
			Expect(t.answer(ctx, want)).To(BeTrue(), "the right answer is graded right")
			ph.mark("hints+answers")

			if !ok {
				Fail("no real-way fix for " + sc.Expect.Fault)
			}
			GinkgoWriter.Printf("fix the real way: %s\n", fix.how)
			fixed := time.Now()
			fix.fix(ctx, t)
			ph.mark("fix")
			t.awaitHealthy(ctx, 3*time.Minute)
			GinkgoWriter.Printf("healthy %.1f s after the fix\n", time.Since(fixed).Seconds())
			ph.mark("await healthy")

			t.expectScore(ctx, sc.Name, 1)
			ph.mark("score")
		}, NodeTimeout(8*time.Minute))
	}
})

// The trainee's path for every other scenario, from the real-way fix its
// file records (walk:): the faulty lab (after the exposing event for a
// latent fault), check (symptoms), the three hints (where, what, the fix;
// none naming the scenario), a wrong and a right answer, the recorded fix
// (the device's CLI, the edge, the P2S client, the ARM API), check until
// healthy (and still healthy after the exposing event again), the score.
var _ = Describe("the trainee's recorded walk", Label("lab", "walk"), func() {
	for _, sc := range scenarios.All() {
		if len(sc.Walk.Steps) == 0 {
			continue
		}
		It(sc.Name+": check, hints 1-3, answer, the recorded real-way fix, check healthy, score", Label("walk-"+sc.Name, sc.Name), func(ctx SpecContext) {
			stateDir := GinkgoT().TempDir()
			GinkgoT().Setenv("VPNLAB_STATE_DIR", stateDir)
			ph := newPhases()
			l, since, _, err := runner.Start(ctx, sc, runner.Options{})
			closeAfter(l)
			Expect(err).NotTo(HaveOccurred())
			ph.mark("bring-up")
			time.Sleep(sc.Settle + sc.Expose)
			ph.mark("settle+expose")
			want := training.Answer{Category: sc.Expect.Category, Fault: sc.Expect.Fault}
			Expect(training.Begin(l.ID(), sc.Name, sc.Briefing, want, since).Save()).To(Succeed())
			t := trainee{l: l, stateDir: stateDir}

			first := t.check(ctx)
			// A latent fault shows between its exposing events (an expiry, a
			// rekey): check again until it does, within two of them.
			for end := time.Now().Add(2 * sc.Expose); first.Healthy && time.Now().Before(end); {
				time.Sleep(3 * time.Second)
				first = t.check(ctx)
			}
			GinkgoWriter.Printf("first check: %d symptom(s): %+v\n", len(first.Remaining()), first.Remaining())
			ph.mark("first check")
			// A lab that recovered by itself still shows what happened: the
			// first check reads the losses since the lab came up.
			Expect(first.Healthy).To(BeFalse(), "the faulty lab's check names symptoms")
			titles := []string{"where to look", "what is wrong there", "the fix"}
			for level := 1; level <= training.MaxLevel; level++ {
				h := t.hint(ctx)
				text := strings.Join(h.Lines, "\n")
				GinkgoWriter.Printf("hint %d (%s):\n%s\n", h.Level, h.Title, text)
				Expect(h.Level).To(Equal(level))
				Expect(h.Title).To(Equal(titles[level-1]), "hint %d: %s", level, text)
				Expect(strings.ToLower(text)).NotTo(ContainSubstring(sc.Name), "hint %d names the scenario", level)
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
			t.walk(ctx, sc.Walk)
			ph.mark("fix")
			t.awaitHealthy(ctx, 3*time.Minute)
			GinkgoWriter.Printf("healthy %.1f s after the fix\n", time.Since(fixed).Seconds())
			ph.mark("await healthy")
			if sc.Expose > 0 {
				time.Sleep(sc.Expose)
				again := t.check(ctx)
				Expect(again.Healthy).To(BeTrue(), "after the exposing event again: %+v", again.Remaining())
				ph.mark("exposed again")
			}

			t.expectScore(ctx, sc.Name, 3)
			ph.mark("score")
		}, NodeTimeout(8*time.Minute))
	}
})
