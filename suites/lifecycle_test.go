package suites_test

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/lab"
)

var _ = Describe("lab lifecycle", Label("lab", "lifecycle"), func() {
	It("tears everything down when bring-up is interrupted with Ctrl-C", func(ctx SpecContext) {
		for _, delay := range []time.Duration{300 * time.Millisecond, 1500 * time.Millisecond} {
			var out bytes.Buffer
			cmd := exec.Command(*vpnlabBin, "lab", "up", "--scenario", "healthy")
			cmd.Stdout, cmd.Stderr = &out, &out
			Expect(cmd.Start()).To(Succeed())
			DeferCleanup(func() { _ = cmd.Process.Kill() }) // should this spec fail before it interrupts
			// Interrupt once the lab has created something, plus delay.
			Eventually(func() []string { return leftovers(ctx) }).WithContext(ctx).
				WithTimeout(60 * time.Second).WithPolling(20 * time.Millisecond).ShouldNot(BeEmpty())
			time.Sleep(delay)
			Expect(cmd.Process.Signal(syscall.SIGINT)).To(Succeed())
			err := cmd.Wait()
			GinkgoWriter.Printf("vpnlab lab up interrupted after %s:\n%s\n", delay, out.String())
			Expect(err).To(HaveOccurred(), "an interrupted bring-up exits non-zero")
			Expect(out.String()).To(ContainSubstring("removing lab"))
			Expect(leftovers(ctx)).To(BeEmpty(), "no labelled container or network remains")
		}
	}, NodeTimeout(2*time.Minute))

	It("refuses an unknown scenario, listing the known ones, and starts nothing", func(ctx SpecContext) {
		out, err := exec.CommandContext(ctx, *vpnlabBin, "lab", "up", "--scenario", "no-such-fault").CombinedOutput()
		Expect(err).To(HaveOccurred())
		Expect(string(out)).To(ContainSubstring(`unknown scenario "no-such-fault"`))
		Expect(string(out)).To(ContainSubstring("healthy"))
		Expect(leftovers(ctx)).To(BeEmpty())
	})

	It("refuses a missing image, saying how to build it, and starts nothing", func(ctx SpecContext) {
		l, err := lab.Start(ctx, lab.WithImage("vpnlab/no-such-image:latest"))
		Expect(l.Close(ctx)).To(Succeed())
		Expect(err).To(MatchError(ContainSubstring("make images")))
		Expect(leftovers(ctx)).To(BeEmpty())
	})

	It("leaves nothing behind after kill -9 once 'lab down --all' ran (in this scope only)", func(ctx SpecContext) {
		var out bytes.Buffer
		cmd := exec.Command(*vpnlabBin, "lab", "up", "--scenario", "healthy")
		cmd.Stdout, cmd.Stderr = &out, &out
		Expect(cmd.Start()).To(Succeed())
		DeferCleanup(func() { _ = cmd.Process.Kill() })
		// Kill it once its containers are being wired.
		Eventually(func() int { return len(leftovers(ctx)) }).WithContext(ctx).
			WithTimeout(20 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(1))
		time.Sleep(2 * time.Second)
		Expect(cmd.Process.Kill()).To(Succeed())
		_ = cmd.Wait()
		GinkgoWriter.Printf("vpnlab lab up killed:\n%s\n", out.String())
		Expect(leftovers(ctx)).To(HaveLen(1), "a killed bring-up cannot clean up")
		down, err := exec.CommandContext(ctx, *vpnlabBin, "lab", "down", "--all").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(down))
		Expect(leftovers(ctx)).To(BeEmpty(), "no labelled container or network remains")
	}, NodeTimeout(2*time.Minute))

	It("takes nothing from the host: no lab subnet in its routes, its own addresses in the lab's ranges still answer", func(ctx SpecContext) {
		// A listener of our own in a namespace of its own, at addresses in
		// the lab's public ranges that no lab uses.
		addrs := []netip.Addr{netip.MustParseAddr("203.0.113.241"), netip.MustParseAddr("198.51.100.241")}
		ln := startHostListener(addrs)
		DeferCleanup(ln.Close)
		without := ln.dialAll()
		Expect(without).To(HaveEach("ok"), "with no lab, the host reaches its own listener")

		l := startHealthyLab(ctx, lab.WithScenario("isolation"))
		out, err := exec.CommandContext(ctx, "ip", "-4", "route").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		GinkgoWriter.Printf("host routes with lab %s running:\n%s", l.ID(), out)
		others := otherLabBridges(ctx)
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			dst, err := netip.ParsePrefix(f[0])
			if err != nil {
				if a, err2 := netip.ParseAddr(f[0]); err2 == nil {
					dst = netip.PrefixFrom(a, 32)
				} else {
					continue // default and the like
				}
			}
			dev := ""
			if i := slices.Index(f, "dev"); i >= 0 && i+1 < len(f) {
				dev = f[i+1]
			}
			if others[dev] || slices.Contains(addrs, dst.Addr()) {
				continue // an old-style lab of someone else's, or our own listener's route
			}
			for _, seg := range lab.Segments {
				Expect(dst.Overlaps(seg.Subnet)).To(BeFalse(), "host route %q overlaps lab segment %s (%s)", line, seg.Name, seg.Subnet)
			}
		}
		Expect(ln.dialAll()).To(Equal(without), "the host's own addresses behave as with no lab")
	}, NodeTimeout(3*time.Minute))

	It("says clearly when there is no Docker daemon", func(ctx SpecContext) {
		cmd := exec.CommandContext(ctx, *vpnlabBin, "lab", "up")
		cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent/docker.sock")
		out, err := cmd.CombinedOutput()
		Expect(err).To(HaveOccurred())
		Expect(string(out)).To(ContainSubstring("no Docker daemon"))
		Expect(leftovers(context.WithoutCancel(ctx))).To(BeEmpty())
	})
})
