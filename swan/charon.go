package swan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/strongswan/govici/vici"
)

// CharonPath is where Debian installs the IKE daemon.
const CharonPath = "/usr/lib/ipsec/charon"

// Charon is a running charon daemon.
type Charon struct {
	cmd  *exec.Cmd
	done chan error
}

// StartCharon writes conf to confPath, starts charon with it and waits until
// vici answers. Charon's stderr goes to logw. Cancelling ctx stops charon.
func StartCharon(ctx context.Context, confPath, conf string, logw io.Writer) (*Charon, error) {
	if err := os.MkdirAll(filepath.Dir(confPath), 0o755); err != nil {
		return nil, fmt.Errorf("charon config: %w", err)
	}
	// 0600: it may hold a RADIUS shared secret.
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, fmt.Errorf("charon config: %w", err)
	}
	// A stale pid file from an earlier run stops charon from starting.
	_ = os.Remove("/var/run/charon.pid")
	cmd := exec.CommandContext(ctx, CharonPath)
	cmd.Env = append(os.Environ(), "STRONGSWAN_CONF="+confPath)
	cmd.Stdout, cmd.Stderr = logw, logw
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 3 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start charon: %w", err)
	}
	c := &Charon{cmd: cmd, done: make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ViciPort))
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, err := Dial(ctx, addr)
		if err == nil {
			_ = s.Close()
			return c, nil
		}
		select {
		case err := <-c.done:
			return nil, fmt.Errorf("charon exited during start-up: %v", err)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, errors.New("charon did not open vici within 15s")
		}
	}
}

// Done is closed with charon's exit status when it exits.
func (c *Charon) Done() <-chan error { return c.done }

// Dial opens a vici session to addr ("host:port" over TCP, or a unix socket path).
func Dial(ctx context.Context, addr string) (*vici.Session, error) {
	network := "tcp"
	if filepath.IsAbs(addr) {
		network = "unix"
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	s, err := vici.NewSession(vici.WithAddr(network, addr), vici.WithDialContext(
		func(_ context.Context, n, a string) (net.Conn, error) { return d.DialContext(ctx, n, a) }))
	if err != nil {
		return nil, fmt.Errorf("vici %s: %w", addr, err)
	}
	return s, nil
}
