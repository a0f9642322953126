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
