package suites_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/lab"
)

var vpnlabBin = flag.String("vpnlab.bin", "", "path to the vpnlab binary (built when empty)")

func TestSuites(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "vpnlab end-to-end suites")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	// One lab at a time: a leftover would make every spec fail on overlap.
	Expect(lab.Down(ctx, "")).To(Succeed())
	if *vpnlabBin == "" {
		dir := GinkgoT().TempDir()
		*vpnlabBin = filepath.Join(dir, "vpnlab")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", *vpnlabBin, "../cmd/vpnlab")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
	}
}, NodeTimeout(3*time.Minute))

var _ = AfterSuite(func(ctx SpecContext) {
	left := leftovers(ctx)
	Expect(lab.Down(ctx, "")).To(Succeed()) // never leave a lab behind, even on failure
	Expect(left).To(BeEmpty(), "labelled lab objects remain after the suite")
})

// leftovers lists the labs that still have containers or networks.
func leftovers(ctx context.Context) []string {
	ids, err := lab.List(ctx)
	Expect(err).NotTo(HaveOccurred())
	return ids
}
