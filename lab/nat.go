package lab

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/vpnlab/vpnlab/contract"
)

// NAT on the path: the internet router translates the on-prem device's UDP
// source ports (NAPT; it keeps the address, which the local network gateway
// registers) with a UDP mapping timeout, and drops what arrives for the
// device outside a mapping, as a NAT does.

// natPorts is the port range the router maps the device's UDP ports to.
const natPorts = "20000-29999"

func natRules() [][]string {
	dev := OnpremPublic.String()
	return [][]string{
		{"-t", "nat", "POSTROUTING", "-s", dev, "-p", "udp", "-j", "SNAT", "--to-source", dev + ":" + natPorts, "--random"},
		{routerFaultChain, "-d", dev, "-p", "udp", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP"},
	}
}

// routerFaultChain is the router's fault chain (node.FaultChain).
const routerFaultChain = "VPNLAB-FAULT"

// The router's conntrack UDP timeouts: unreplied and assured (stream) flows.
var udpTimeouts = []string{"nf_conntrack_udp_timeout", "nf_conntrack_udp_timeout_stream"}

// NATPath puts the NAT on the path with the given UDP mapping timeout. The
// flows already running are forgotten, so their next packet gets a mapping.
func (l *Lab) NATPath(ctx context.Context, udpTimeout time.Duration) error {
	for _, r := range natRules() {
		if err := l.iptables(ctx, "-A", r); err != nil {
			return err
		}
	}
	s := strconv.Itoa(int(udpTimeout / time.Second))
	return l.inRouterNetns(ctx, func(h *netlink.Handle) error {
		for _, k := range udpTimeouts {
			if err := os.WriteFile("/proc/sys/net/netfilter/"+k, []byte(s), 0); err != nil {
				return fmt.Errorf("router: %s: %w", k, err)
			}
		}
		return h.ConntrackTableFlush(netlink.ConntrackTable)
	})
}

// UnNATPath takes the NAT off the path again (Linux's UDP timeouts back).
func (l *Lab) UnNATPath(ctx context.Context) error {
	for _, r := range natRules() {
		if err := l.iptables(ctx, "-D", r); err != nil {
			return err
		}
	}
	return l.inRouterNetns(ctx, func(h *netlink.Handle) error {
		for k, v := range map[string]string{udpTimeouts[0]: "30", udpTimeouts[1]: "120"} {
			if err := os.WriteFile("/proc/sys/net/netfilter/"+k, []byte(v), 0); err != nil {
				return fmt.Errorf("router: %s: %w", k, err)
			}
		}
		return h.ConntrackTableFlush(netlink.ConntrackTable)
	})
}

// iptables runs one rule operation in the router: r is [-t table] CHAIN rule...
func (l *Lab) iptables(ctx context.Context, op string, r []string) error {
	args := []string{"iptables"}
	if r[0] == "-t" {
		args, r = append(args, r[0], r[1]), r[2:]
	}
	args = append(append(args, op, r[0]), r[1:]...)
	return l.routerExec(ctx, args...)
}

// inRouterNetns runs fn on a thread in the router's network namespace (see
// inNetns).
func (l *Lab) inRouterNetns(ctx context.Context, fn func(h *netlink.Handle) error) error {
	return l.inNetns(ctx, Internet, fn)
}

// inNetns runs fn on a thread in a node's network namespace: its
// netlink handle, and /proc/sys/net as the node sees it (which the
// container mounts read-only).
func (l *Lab) inNetns(ctx context.Context, node string, fn func(h *netlink.Handle) error) error {
	n := l.nodes[node]
	if n == nil {
		return fmt.Errorf("no node %s", node)
	}
	pid := n.proc.pid // as inspected, unless its process is gone since
	if pid <= 0 || procStart(pid) != n.proc.start {
		res, err := l.cli.ContainerInspect(ctx, n.ContainerID, client.ContainerInspectOptions{})
		if err != nil {
			return err
		}
		if res.Container.State == nil || res.Container.State.Pid == 0 {
			return fmt.Errorf("%s is not running", node)
		}
		pid = res.Container.State.Pid
	}
	target, err := netns.GetFromPid(pid)
	if err != nil {
		return fmt.Errorf("%s's namespace: %w (needs root)", node, err)
	}
	defer target.Close()
	h, err := netlink.NewHandleAt(target)
	if err != nil {
		return err
	}
	defer h.Close()
	done := make(chan error, 1)
	go func() {
		// A thread of its own: it is dropped afterwards, never reused.
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			done <- err
			return
		}
		defer orig.Close()
		if err := netns.Set(target); err != nil {
			done <- err
			return
		}
		err = fn(h)
		if rerr := netns.Set(orig); rerr == nil {
			runtime.UnlockOSThread()
		}
		done <- err
	}()
	return <-done
}

// keepAliveConf is where a node's charon settings live.
const keepAliveConf = "/etc/vpnlab/strongswan.conf"

// SetNATKeepalive sets a side's NAT-T keepalive interval (charon's
// keep_alive; 0 sends none) and reloads charon's settings; IKE SAs made
// from then on use it.
func (l *Lab) SetNATKeepalive(ctx context.Context, side contract.Side, every time.Duration) error {
	name, _, err := l.gatewayOf(side)
	if err != nil {
		return err
	}
	line := "  keep_alive = " + strconv.Itoa(int(every/time.Second)) + "s"
	script := fmt.Sprintf(`sed -i '/^  keep_alive = /d; s/^charon {$/charon {\n%s/' %s && swanctl --reload-settings --uri tcp://127.0.0.1:%d`,
		line, keepAliveConf, 4502)
	return l.execOK(name, "sh", "-c", script)()
}

// NATKeepalive reads a side's configured NAT-T keepalive interval (charon's
// default, 20 s, when none is set).
func NATKeepalive(conf string) time.Duration {
	for _, line := range strings.Split(conf, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "keep_alive = "); ok {
			if d, err := time.ParseDuration(v); err == nil {
				return d
			}
		}
	}
	return 20 * time.Second
}
