package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/strongswan/govici/vici"

	"github.com/vpnlab/vpnlab/swan"
)

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

// waitLinks waits until every named interface is up: the lab brings a link
// up once its address is set.
func waitLinks(ctx context.Context, names []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, name := range names {
		up := func() bool {
			ifi, err := net.InterfaceByName(name)
			return err == nil && ifi.Flags&net.FlagUp != 0
		}
		if err := waitUntil(ctx, deadline, up); err != nil {
			return fmt.Errorf("link %s was not wired within %s: %w", name, timeout, err)
		}
	}
	return nil
}

// waitUntil polls ok every 10 ms until it holds, the deadline passes or ctx ends.
func waitUntil(ctx context.Context, deadline time.Time, ok func() bool) error {
	for !ok() {
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// RunSwitch holds a lab's shared segments: the lab creates a bridge per
// segment in this container's namespace and plugs the nodes into it, so
// nothing of the lab lives on the host. It waits for ctx.
func RunSwitch(ctx context.Context) error {
	log, closer, err := newLogger("switch")
	if err != nil {
		return err
	}
	defer closer.Close()
	if err := isolate(ctx); err != nil {
		return err
	}
	log.Info("switch ready", "source", "node")
	<-ctx.Done()
	return nil
}

// waitLink waits until the interface exists.
func waitLink(ctx context.Context, name string, timeout time.Duration) error {
	exists := func() bool { _, err := net.InterfaceByName(name); return err == nil }
	if err := waitUntil(ctx, time.Now().Add(timeout), exists); err != nil {
		return fmt.Errorf("interface %s did not appear within %s: %w", name, timeout, err)
	}
	return nil
}

// localVici opens a vici session to this node's charon.
func localVici(ctx context.Context) (*vici.Session, error) {
	return swan.Dial(ctx, "127.0.0.1:"+strconv.Itoa(swan.ViciPort))
}
