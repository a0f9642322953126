package node

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// RunHost routes the host through its gateway and, with listen set, serves a
// TCP banner there; it waits for ctx.
func RunHost(ctx context.Context, gw, listen string) error {
	log, closer, err := newLogger("host")
	if err != nil {
		return err
	}
	defer closer.Close()
	if err := isolate(ctx); err != nil {
		return err
	}
	if gw != "" {
		if err := ip(ctx, "route", "replace", "default", "via", gw); err != nil {
			return err
		}
	}
	if listen != "" {
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return err
		}
		defer ln.Close()
		name, _ := os.Hostname()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go serveConn(c, name)
			}
		}()
	}
	log.Info("host ready", "source", "node", "gateway", gw, "listen", listen)
	<-ctx.Done()
	return nil
}

// serveConn writes the banner and, when asked with "BULK n", n bytes: a
// transfer of full-size segments for MTU problems to show.
func serveConn(c net.Conn, name string) {
	defer c.Close()
	fmt.Fprintf(c, "vpnlab %s\n", name)
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	var n int64
	if _, err := fmt.Sscanf(line, "BULK %d", &n); err != nil || n <= 0 || n > 64<<20 {
		return
	}
	_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	_, _ = io.CopyN(c, zeros{}, n)
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// ProbeBulk fetches n bytes over TCP within timeout and returns how many arrived.
func ProbeBulk(ctx context.Context, addr string, n int64, timeout time.Duration) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := net.Dialer{}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	_ = c.SetDeadline(deadline)
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil {
		return 0, fmt.Errorf("banner: %w", err)
	}
	if _, err := fmt.Fprintf(c, "BULK %d\n", n); err != nil {
		return 0, err
	}
	got, err := io.Copy(io.Discard, r)
	if got < n && err == nil {
		err = fmt.Errorf("connection closed after %d of %d bytes", got, n)
	}
	return got, err
}

// ProbeTCP connects to addr and reads the banner, as PsPing -t would.
func ProbeTCP(ctx context.Context, addr string, timeout time.Duration) (time.Duration, string, error) {
	start := time.Now()
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	rtt := time.Since(start)
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 128)
	n, _ := c.Read(buf)
	return rtt, string(buf[:n]), nil
}
