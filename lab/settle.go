package lab

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vpnlab/vpnlab/pause"
)

// WaitSettled waits until the lab is healthy (Wait) and settled: traffic
// crosses the tunnel both ways (the VM answers every echo of the on-prem
// host, the host every echo of the VM), and the CHILD SAs and BGP sessions
// seen healthy at the start of that check are still the same at its end.
// Right after a re-establishment the control plane can look up while the
// data plane is not (routes learned but not yet installed), or while an IKE
// SA that was superseded is still being torn down and takes the BGP session
// over the tunnel with it (node gateway.resetSession); Wait alone then
// reports a moment that does not last. It returns the settled status.
func (l *Lab) WaitSettled(ctx context.Context) (Status, error) {
	for {
		_, before, err := l.Wait(ctx)
		if err != nil {
			return before, err
		}
		if l.trafficBothWays(ctx) {
			after := l.health(ctx)
			if after.Healthy() && after.sameSessions(before) {
				return after, nil
			}
		}
		if err := pause.For(ctx, 200*time.Millisecond); err != nil {
			return before, errors.Join(errors.New("lab did not settle: traffic does not cross both ways, or its SAs or BGP sessions changed"), err)
		}
	}
}

// trafficBothWays reports whether every echo crosses the tunnel from the
// on-prem host to the VM and back, and from the VM to the host and back.
func (l *Lab) trafficBothWays(ctx context.Context) bool {
	var wg sync.WaitGroup
	ok := [2]bool{}
	for i, p := range [][2]string{{OnpremHost, AzureVMIP.String()}, {AzureVM, OnpremHostIP.String()}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := l.Exec(ctx, p[0], "ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", p[1])
			ok[i] = err == nil && r.ExitCode == 0 && allAnswered(r.Stdout)
		}()
	}
	wg.Wait()
	return ok[0] && ok[1]
}

// allAnswered reads ping's summary: every echo sent was answered.
func allAnswered(out string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[1] == "packets" && f[2] == "transmitted," {
			sent, err1 := strconv.Atoi(f[0])
			recv, err2 := strconv.Atoi(f[3])
			return err1 == nil && err2 == nil && sent > 0 && recv == sent
		}
	}
	return false
}

// sameSessions reports whether s still has every CHILD SA that earlier had
// installed and no BGP session established in earlier went down since.
func (s Status) sameSessions(earlier Status) bool {
	pairs := [][2]GatewayStatus{{s.Onprem, earlier.Onprem}, {s.Azure, earlier.Azure}}
	if s.AzureIN1 != nil && earlier.AzureIN1 != nil {
		pairs = append(pairs, [2]GatewayStatus{*s.AzureIN1, *earlier.AzureIN1})
	}
	for _, p := range pairs {
		if p[0].Node != p[1].Node || !p[0].keeps(p[1]) {
			return false
		}
	}
	return true
}

// keeps reports whether g has the installed CHILD SAs and the established
// BGP sessions that earlier had.
func (g GatewayStatus) keeps(earlier GatewayStatus) bool {
	installed := map[string]bool{}
	for _, sa := range g.SAs {
		for _, c := range sa.Children {
			if sa.Established() && c.Installed() {
				installed[sa.UniqueID+"/"+c.UniqueID] = true
			}
		}
	}
	for _, sa := range earlier.SAs {
		for _, c := range sa.Children {
			if sa.Established() && c.Installed() && !installed[sa.UniqueID+"/"+c.UniqueID] {
				return false
			}
		}
	}
	for _, old := range earlier.Peers {
		if !old.Established() {
			continue
		}
		found := false
		for _, p := range g.Peers {
			if p.Neighbor == old.Neighbor {
				// A reset sends or receives a NOTIFICATION (the counters
				// outlive the session); the uptime (whole seconds) of a
				// session that went down and came back goes back.
				found = p.Established() && p.Uptime >= old.Uptime &&
					p.NotificationsSent == old.NotificationsSent && p.NotificationsRcvd == old.NotificationsRcvd
			}
		}
		if !found {
			return false
		}
	}
	return true
}
