package suites_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/exam"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/training"
)

// `vpnlab exam` end to end: three scenarios drawn at random, their names
// hidden; a trainee in "another terminal" works each lab the exam brings up
// (check, the engine's diagnosis, answer, a real-way fix, check healthy)
// and the exam moves on and writes its report.
var _ = Describe("vpnlab exam", Label("lab", "exam"), func() {
	// The longest specs start first (SpecPriority), so that none of them
	// is the last one running while the other processes sit idle.
	It("runs 3 random scenarios end to end and writes its report", SpecPriority(2), func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		stateDir := GinkgoT().TempDir()
		report := filepath.Join(dir, "report")
		// The pool: the seven original scenarios (`vpnlab exam` without
		// --pool draws from every fault scenario); seed 40 draws
		// cert-expired, maintenance-failover (a lab that recovers by itself:
		// the case ends only once answered) and psk-mismatch.
		pool := "psk-mismatch,esp-blocked,phase2-mismatch,mtu-blackhole,bgp-asn-mismatch,cert-expired,maintenance-failover"
		c, cancel := context.WithCancel(ctx)
		defer cancel()
		cmd := exec.CommandContext(c, *vpnlabBin, "exam", "--count", "3", "--seed", "40", "--pool", pool,
			"--non-interactive", "--case-timeout", "6m", "--report", report)
		cmd.Env = append(os.Environ(), "VPNLAB_STATE_DIR="+stateDir)
		cmd.Stderr = GinkgoWriter
		stdout, err := cmd.StdoutPipe()
		Expect(err).NotTo(HaveOccurred())
		Expect(cmd.Start()).To(Succeed())
		lines := make(chan string)
		var transcript strings.Builder
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(io.TeeReader(stdout, GinkgoWriter))
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		ready := regexp.MustCompile(`^exam: case (\d) of 3 ready: lab (\S+)$`)
		next := func(re *regexp.Regexp, within time.Duration) []string {
			GinkgoHelper()
			deadline := time.After(within)
			for {
				select {
				case line, ok := <-lines:
					Expect(ok).To(BeTrue(), "the exam ended early:\n%s", transcript.String())
					transcript.WriteString(line + "\n")
					if m := re.FindStringSubmatch(line); m != nil {
						return m
					}
				case <-deadline:
					Fail("no line matching " + re.String() + " within " + within.String() + ":\n" + transcript.String())
				}
			}
		}
		for i := 1; i <= 3; i++ {
			m := next(ready, 5*time.Minute)
			Expect(m[1]).To(Equal(string(rune('0' + i))))
			l, err := lab.Attach(ctx, m[2])
			Expect(err).NotTo(HaveOccurred())
			t := trainee{l: l, stateDir: stateDir}
			// The trainee asks the engine (vpnlab diagnose), checks, answers
			// with what the engine names, and fixes that fault the real way.
			var v diagnose.Verdict
			Expect(json.Unmarshal([]byte(t.vpnlab(ctx, "diagnose", "--json")), &v)).To(Succeed())
			fix, ok := fixFor(v.Fault)
			Expect(ok).To(BeTrue(), "no real-way fix for %s", v.Fault)
			if !fix.selfHealing {
				Expect(t.check(ctx).Healthy).To(BeFalse(), "case %d starts faulty", i)
			} else {
				// A lab that recovers by itself: healthy or not, the exam
				// waits for the answer (it looks every second).
				healthy := t.check(ctx).Healthy
				GinkgoWriter.Printf("case %d: check healthy %v before the answer\n", i, healthy)
				if healthy {
					time.Sleep(3 * time.Second)
					b, err := os.ReadFile(filepath.Join(report, "state.json"))
					Expect(err).NotTo(HaveOccurred())
					var st exam.State
					Expect(json.Unmarshal(b, &st)).To(Succeed())
					Expect(st.Cases[i-1].Outcome.Done()).To(BeFalse(), "case %d ended healthy before any answer", i)
				}
			}
			Expect(t.answer(ctx, training.Answer{Category: v.Category, Fault: v.Fault})).To(BeTrue(), "case %d: the engine's diagnosis %s/%s", i, v.Category, v.Fault)
			fix.fix(ctx, t)
			t.awaitHealthy(ctx, 3*time.Minute)
			l.Release()
			next(regexp.MustCompile(`^exam: case `+m[1]+` of 3 fixed`), 2*time.Minute)
		}
		next(regexp.MustCompile(`^Report: `), 3*time.Minute)
		Expect(cmd.Wait()).To(Succeed())

		b, err := os.ReadFile(filepath.Join(report, "exam.json"))
		Expect(err).NotTo(HaveOccurred())
		var r exam.Report
		Expect(json.Unmarshal(b, &r)).To(Succeed())
		Expect(r.Results).To(HaveLen(3))
		Expect(r.Seed).To(BeNumerically("==", 40))
		for _, res := range r.Results {
			Expect(res.Outcome).To(Equal(exam.Fixed), "%+v", res)
			Expect(res.Correct).To(BeTrue())
			Expect(res.TimeToDiagnose).NotTo(BeNil())
			Expect(res.TimeToFix).NotTo(BeNil())
			Expect(strings.Split(pool, ",")).To(ContainElement(res.Scenario))
		}
		Expect(r.Diagnosed).To(Equal(3))
		Expect(r.Fixed).To(Equal(3))
		page, err := os.ReadFile(filepath.Join(report, "exam.html"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(page)).To(ContainSubstring(r.Results[0].Scenario))
		Expect(string(page)).NotTo(ContainSubstring("<script"))
		// The names stay hidden while the exam runs.
		before, _, _ := strings.Cut(transcript.String(), "Exam over")
		for _, res := range r.Results {
			Expect(before).NotTo(ContainSubstring(res.Scenario))
		}
		GinkgoWriter.Printf("exam report: %d / %d points\n", r.Points, r.MaxPoints)
		if reports, err := filepath.Abs("../reports"); err == nil && os.MkdirAll(reports, 0o755) == nil {
			_ = os.WriteFile(filepath.Join(reports, "exam.html"), page, 0o644)
			_ = os.WriteFile(filepath.Join(reports, "exam.json"), b, 0o644)
		}
	}, NodeTimeout(25*time.Minute))
})
