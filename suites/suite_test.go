package suites_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// Each spec process (Ginkgo's parallel mode: `ginkgo -p`) runs its own labs
// side by side with the others' and only ever lists or removes labs of its
// own scope (label vpnlab.scope): never another process's, another run's or
// another user's.
var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	run := make([]byte, 3)
	_, _ = rand.Read(run)
	bin := *vpnlabBin
	if bin == "" {
		bin = filepath.Join(os.TempDir(), "vpnlab-suite-"+hex.EncodeToString(run))
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "../cmd/vpnlab")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
	}
	return []byte(hex.EncodeToString(run) + " " + bin)
}, func(data []byte) {
	var run string
	run, *vpnlabBin, _ = strings.Cut(string(data), " ")
	// The scope reaches the vpnlab binaries the specs run, too.
	Expect(os.Setenv(lab.ScopeEnv, "suite-"+run+"-p"+strconv.Itoa(GinkgoParallelProcess()))).To(Succeed())
}, NodeTimeout(3*time.Minute))

// Most specs read only their own lab; those that look at every lab of the
// process (leftovers, `lab up` without --lab, `lab down --all`) start once
// the earlier specs' labs are gone. Scenario and walk specs start while
// Docker still removes the previous spec's lab (closeAfter).
var _ = BeforeEach(func() {
	labels := CurrentSpecReport().Labels()
	if slices.Contains(labels, "scenario") || slices.Contains(labels, "walk") {
		return
	}
	dropSpare()
	closing.wg.Wait()
})

var _ = AfterSuite(func(ctx SpecContext) {
	dropSpare()
	closeErr := awaitClosed() // the specs' labs, removed in the background
	left := leftovers(ctx)
	Expect(lab.Down(ctx, "")).To(Succeed()) // never leave a lab of this process behind, even on failure
	Expect(closeErr).NotTo(HaveOccurred(), "removing the specs' labs")
	Expect(left).To(BeEmpty(), "labelled lab objects remain after the suite")
})

// leftovers lists this process's labs that still have containers or networks.
func leftovers(ctx context.Context) []string {
	ids, err := lab.List(ctx)
	Expect(err).NotTo(HaveOccurred())
	return ids
}

func scopeOfProcess() string { return os.Getenv(lab.ScopeEnv) }
