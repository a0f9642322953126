package suites_test

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"sync"
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
	closeAfter(l)
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

// closing tracks the labs removed in the background (closeAfter).
var closing struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
	n    int
	took time.Duration // the longest removal
}

// closeAfter removes l once the spec (or the Ordered container) is over,
// in the background: the process's next spec brings its lab up while
// Docker removes this one's containers (8-20 s under load). Close bounds
// itself (60 s); AfterSuite waits for every removal and fails on any
// error before it looks for leftovers. l may be nil or half built.
func closeAfter(l *lab.Lab) {
	DeferCleanup(func() {
		if l == nil {
			return
		}
		id := l.ID()
		closing.wg.Add(1)
		go func() {
			defer closing.wg.Done()
			start := time.Now()
			err := l.Close(context.Background())
			closing.mu.Lock()
			defer closing.mu.Unlock()
			closing.n++
			closing.took = max(closing.took, time.Since(start))
			if err != nil {
				closing.errs = append(closing.errs, fmt.Errorf("close lab %s: %w", id, err))
			}
		}()
	})
}

// awaitClosed waits for the background removals and returns their errors.
func awaitClosed() error {
	closing.wg.Wait()
	closing.mu.Lock()
	defer closing.mu.Unlock()
	GinkgoWriter.Printf("%d lab(s) removed in the background, the longest in %.1f s\n", closing.n, closing.took.Seconds())
	return errors.Join(closing.errs...)
}
