package suites_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/diagnose"
	"github.com/vpnlab/vpnlab/lab"
	"github.com/vpnlab/vpnlab/runner"
	"github.com/vpnlab/vpnlab/scenarios"
)

// Every shipped fault scenario: inject into the real components, diagnose
// from evidence, assert the verdict, apply the fix, assert healthy.
var _ = Describe("fault scenarios", Label("lab", "scenario"), func() {
	for _, sc := range scenarios.All() {
		if len(sc.Faults) == 0 {
			continue
		}
		It(sc.Name+": "+sc.Summary, Label(sc.Expect.Category, sc.Expect.Fault, sc.Name), func(ctx SpecContext) {
			res, l := run(ctx, sc, true)
			// The engine sees evidence only, and the scenario's name is
			// nowhere in it (the spec below also runs some disguised).
			bundle, err := json.Marshal(res.Evidence)
			Expect(err).NotTo(HaveOccurred())
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
			assertHealthyAfterFix(ctx, res)
			if sc.P2SAuth == "radius" {
				assertRadiusLogin(ctx, l, res)
			}
			for _, f := range res.Failovers {
				GinkgoWriter.Printf("%s\n", f)
				Expect(f.Outage).To(BeNumerically(">", 0), "the failover interrupted traffic")
				Expect(f.Outage).To(BeNumerically("<", 60*time.Second), "and traffic came back")
			}
		}, NodeTimeout(5*time.Minute))
	}

	It("diagnoses from evidence alone: scenarios run with their names hidden", Label("hidden"), func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		for i, name := range []string{"psk-mismatch", "bgp-asn-mismatch", "ike-identity-mismatch", "return-route-missing", "p2s-pool-overlap", "udr-to-appliance"} {
			sc, err := scenarios.Lookup(name)
			Expect(err).NotTo(HaveOccurred())
			b, err := os.ReadFile(filepath.Join("..", "scenarios", name+".yaml"))
			Expect(err).NotTo(HaveOccurred())
			hidden := "case-" + string(rune('a'+i))
			text := strings.Replace(string(b), "name: "+name, "name: "+hidden, 1)
			text = strings.ReplaceAll(text, name, hidden)
			path := filepath.Join(dir, hidden+".yaml")
			Expect(os.WriteFile(path, []byte(text), 0o644)).To(Succeed())
			disguised, err := scenarios.Load(path)
			Expect(err).NotTo(HaveOccurred())
			Expect(disguised.Name).To(Equal(hidden))

			res, l := run(ctx, disguised, false)
			Expect(l.Close(ctx)).To(Succeed()) // one lab at a time
			assertVerdict(res.Verdict, sc.Expect)
			bundle, err := json.Marshal(res.Evidence)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(bundle)).NotTo(ContainSubstring(hidden), "the evidence must not carry the scenario's name")
			Expect(string(bundle)).NotTo(ContainSubstring(name))
		}
	}, NodeTimeout(10*time.Minute))
})

// run runs sc (with the fix when fix is set); the lab is closed after the
// spec at the latest.
func run(ctx SpecContext, sc scenarios.Scenario, fix bool) (runner.Result, *lab.Lab) {
	l, res, err := runner.Run(ctx, sc, runner.Options{Fix: fix,
		Progress: func(step string, took time.Duration) { GinkgoWriter.Printf("  %-12s %6.2fs\n", step, took.Seconds()) }})
	closeAfter(l)
	GinkgoWriter.Printf("verdict:\n%s\n", res.Verdict)
	if res.FixedVerdict != nil {
		GinkgoWriter.Printf("after the fix:\n%s\n", res.FixedVerdict)
	}
	Expect(err).NotTo(HaveOccurred())
	GinkgoWriter.Printf("lab up to verdict %s (evidence %s, engine %s)\n", res.Timings.LabUpToVerdict, res.Timings.Collect, res.Timings.Diagnose)
	return res, l
}

func assertVerdict(v diagnose.Verdict, want scenarios.Expectation) {
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
