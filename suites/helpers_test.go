package suites_test

import (
	"context"
	"encoding/pem"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/vpnlab/vpnlab/lab"
)

func itoa(n int) string { return strconv.Itoa(n) }

func pemCert(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// startHealthyLab starts a lab for an Ordered container's BeforeAll,
// registers its removal, and waits (lab.StartHealthy) for it to be healthy.
func startHealthyLab(ctx context.Context, opts ...lab.Option) *lab.Lab {
	l, _, st, err := lab.StartHealthy(ctx, opts...)
	DeferCleanup(func(ctx SpecContext) { Expect(l.Close(ctx)).To(Succeed()) }, NodeTimeout(time.Minute))
	Expect(err).NotTo(HaveOccurred(), "lab status when giving up: %+v", st)
	return l
}

// phases times a spec's phases and prints each as it ends, for the
// README's figures (where a spec's time goes).
type phases struct{ start, last time.Time }

func newPhases() *phases { now := time.Now(); return &phases{start: now, last: now} }

func (p *phases) mark(name string) {
	now := time.Now()
	GinkgoWriter.Printf("phase %-16s %6.1f s (at %6.1f s)\n", name, now.Sub(p.last).Seconds(), now.Sub(p.start).Seconds())
	p.last = now
}

// closeLab closes l and prints how long that took.
func closeLab(ctx context.Context, l *lab.Lab) error {
	start := time.Now()
	err := l.Close(ctx)
	GinkgoWriter.Printf("phase %-16s %6.1f s\n", "close", time.Since(start).Seconds())
	return err
}
