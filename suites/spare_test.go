package suites_test

import (
	"context"
	"errors"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/vpnlab/vpnlab/lab"
)

// spare keeps one default lab of this process coming up while a scenario
// spec runs, for the process's next scenario spec: a bring-up takes 5-15 s
// of waiting on Docker and the nodes, which the suites would otherwise
// spend idle in every such spec. A spec still gets a lab that nothing
// else used: a spare is handed out once, checked healthy again when taken,
// and removed with the spec (closeAfter). Specs that look at every lab of
// the process drop the spare first (BeforeEach), and so does AfterSuite.
var spare struct {
	mu     sync.Mutex
	next   chan spareLab // the lab coming up, nil when none
	cancel context.CancelFunc
}

type spareLab struct {
	l   *lab.Lab
	t   lab.Timings
	err error
	at  time.Time // when it was healthy
}

// detachSpare takes the spare coming up (nil when none) out of the pool;
// with warm, the next one starts.
func detachSpare(warm bool) (chan spareLab, context.CancelFunc) {
	spare.mu.Lock()
	defer spare.mu.Unlock()
	ch, cancel := spare.next, spare.cancel
	spare.next, spare.cancel = nil, nil
	if warm {
		warmSpare()
	}
	return ch, cancel
}

// warmSpare starts the next spare lab. Called with spare.mu held and no
// spare coming up.
func warmSpare() {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan spareLab, 1)
	spare.next, spare.cancel = ch, cancel
	go func() {
		l, t, _, err := lab.StartHealthy(ctx, lab.WithScenario("spare"))
		ch <- spareLab{l: l, t: t, err: err, at: time.Now()}
	}()
}

// takeSpare is runner.Options.Start for a scenario on a default lab: the
// spare if one is coming up (waiting for it), else a lab of its own; then
// the next spare starts. A spare that failed to come up is removed and
// the spec starts its own lab, saying so. The options are the default
// lab's (runner.DefaultLab) and name the scenario, which a spare started
// before the scenario was known cannot carry (its label reads "spare").
func takeSpare(ctx context.Context, opts ...lab.Option) (*lab.Lab, lab.Timings, lab.Status, error) {
	ch, cancel := detachSpare(true)
	if ch == nil {
		return lab.StartHealthy(ctx, opts...)
	}
	var s spareLab
	select {
	case s = <-ch:
		cancel()
	case <-ctx.Done():
		cancel()
		s = <-ch
		closeInBackground(s.l)
		return nil, lab.Timings{}, lab.Status{}, ctx.Err()
	}
	if s.err != nil {
		GinkgoWriter.Printf("the spare lab did not come up (%v): starting this spec's own\n", s.err)
		closeInBackground(s.l)
		return lab.StartHealthy(ctx, opts...)
	}
	// Healthy when it came up; healthy now? (One status read when it is.)
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	_, st, err := s.l.Wait(wctx)
	GinkgoWriter.Printf("  spare lab %s, healthy %.1f s ago, healthy again: %v\n", s.l.ID(), time.Since(s.at).Seconds(), err == nil)
	return s.l, s.t, st, err
}

// dropSpare removes the spare lab, if any, once it has come up or given up.
func dropSpare() {
	ch, cancel := detachSpare(false)
	if ch == nil {
		return
	}
	cancel()
	s := <-ch
	if s.err != nil && !errors.Is(s.err, context.Canceled) {
		GinkgoWriter.Printf("the spare lab did not come up: %v\n", s.err)
	}
	closeInBackground(s.l)
}
