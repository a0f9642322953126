package node

import (
	"context"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

// ping outcomes for one size.
const (
	pingPassed = iota
	pingSilent
	pingRefused
)

var mtuRE = regexp.MustCompile(`mtu ?= ?(\d+)`)

// pingDF sends one ICMP echo of an IP packet of size bytes with DF set.
func pingDF(ctx context.Context, addr string, size int, wait time.Duration) (outcome, mtu int) {
	payload := strconv.Itoa(size - 28)
	w := strconv.Itoa(max(int(wait/time.Second), 1))
	out, err := exec.CommandContext(ctx, "ping", "-M", "do", "-c", "1", "-W", w, "-s", payload, addr).CombinedOutput()
	if m := mtuRE.FindSubmatch(out); m != nil {
		mtu, _ = strconv.Atoi(string(m[1]))
		return pingRefused, mtu
	}
	if err == nil && strings.Contains(string(out), " 0% packet loss") {
		return pingPassed, 0
	}
	return pingSilent, 0
}

// SearchPMTU finds the largest packet that crosses to addr with DF set,
// without relying on ICMP: a size that gets no answer is "silent" (too big
// and dropped without a word), one refused with "fragmentation needed" is
// reported. A coarse round of sizes runs in parallel, then a fine one between
// the largest passing and the smallest failing size (RFC 4821/8899 style).
func SearchPMTU(ctx context.Context, addr string, largest int) contract.PMTU {
	coarse := []int{576, 1000, 1100, 1200, 1250, 1300, 1350, 1380, 1400, 1420, 1450, 1472, 1500}
	res := contract.PMTU{LargestTried: largest}
	outcomes := map[int]int{}
	mtus := map[int]int{}
	round := func(sizes []int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, s := range sizes {
			if s > largest {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				o, m := pingDF(ctx, addr, s, time.Second)
				if o == pingSilent { // one retry: a single loss is not a black hole
					o, m = pingDF(ctx, addr, s, time.Second)
				}
				mu.Lock()
				outcomes[s], mtus[s] = o, m
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	round(coarse)
	maxPass, minFail := bounds(outcomes)
	if maxPass > 0 && minFail > maxPass+1 {
		var fine []int
		step := max((minFail-maxPass)/8, 1)
		for s := maxPass + step; s < minFail; s += step {
			fine = append(fine, s)
		}
		round(fine)
	}
	var sizes []int
	for s := range outcomes {
		sizes = append(sizes, s)
	}
	sort.Ints(sizes)
	for _, s := range sizes {
		switch outcomes[s] {
		case pingPassed:
			res.MaxPassing = s
		case pingSilent:
			if res.MinSilent == 0 {
				res.MinSilent = s
			}
		case pingRefused:
			if res.MinRefused == 0 {
				res.MinRefused, res.ReportedMTU = s, mtus[s]
			}
		}
	}
	return res
}

// bounds returns the largest passing size and the smallest failing one above it.
func bounds(outcomes map[int]int) (maxPass, minFail int) {
	for s, o := range outcomes {
		if o == pingPassed && s > maxPass {
			maxPass = s
		}
	}
	for s, o := range outcomes {
		if o != pingPassed && s > maxPass && (minFail == 0 || s < minFail) {
			minFail = s
		}
	}
	return maxPass, minFail
}
