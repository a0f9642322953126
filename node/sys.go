package node

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/strongswan/govici/vici"

	"github.com/vpnlab/vpnlab/swan"
)

// EventsFile is where a node keeps its structured event log.
const EventsFile = "/var/log/vpnlab/events.jsonl"

// run runs a command and folds its output into the error.
func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ip runs an iproute2 command.
func ip(ctx context.Context, args ...string) error { return run(ctx, "ip", args...) }

// isolate replaces the default route Docker installs (towards the host) with
// an unreachable one: lab traffic must never leave the lab, and a gateway
// must forward only what its routes send into the tunnel.
func isolate(ctx context.Context) error {
	_ = ip(ctx, "route", "del", "default")
	return ip(ctx, "route", "replace", "unreachable", "default")
}

// waitLink waits until the interface exists.
func waitLink(ctx context.Context, name string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if _, err := net.InterfaceByName(name); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("interface %s did not appear within %s", name, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// localVici opens a vici session to this node's charon.
func localVici(ctx context.Context) (*vici.Session, error) {
	return swan.Dial(ctx, "127.0.0.1:"+strconv.Itoa(swan.ViciPort))
}
