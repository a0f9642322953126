package suites_test

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
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
			// Interrupt once the lab has created something, plus delay.
			Eventually(func() []string { return leftovers(ctx) }).WithContext(ctx).
				WithTimeout(20 * time.Second).WithPolling(20 * time.Millisecond).ShouldNot(BeEmpty())
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

	It("refuses a subnet that overlaps a host route and starts nothing", func(ctx SpecContext) {
		cli, err := client.New(client.FromEnv)
		Expect(err).NotTo(HaveOccurred())
		defer cli.Close()
		// A foreign bridge on one of the lab's subnets puts a route on the host.
		res, err := cli.NetworkCreate(ctx, "vpnlab-overlap-test", client.NetworkCreateOptions{Driver: "bridge",
			IPAM: &network.IPAM{Config: []network.IPAMConfig{{Subnet: netip.MustParsePrefix("198.51.100.0/25")}}}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx SpecContext) {
			_, err := cli.NetworkRemove(ctx, res.ID, client.NetworkRemoveOptions{})
			Expect(err).NotTo(HaveOccurred())
		})
		l, err := lab.Start(ctx)
		Expect(l.Close(ctx)).To(Succeed())
		Expect(err).To(MatchError(ContainSubstring("overlaps host route 198.51.100.0/25")))
		Expect(leftovers(ctx)).To(BeEmpty())
	})

	It("says clearly when there is no Docker daemon", func(ctx SpecContext) {
		cmd := exec.CommandContext(ctx, *vpnlabBin, "lab", "up")
		cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent/docker.sock")
		out, err := cmd.CombinedOutput()
		Expect(err).To(HaveOccurred())
		Expect(string(out)).To(ContainSubstring("no Docker daemon"))
		Expect(leftovers(context.WithoutCancel(ctx))).To(BeEmpty())
	})
})
