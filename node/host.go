package node

import (
	"context"
	"fmt"
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
				log.Info("tcp connection", "source", "node", "from", c.RemoteAddr().String())
				fmt.Fprintf(c, "vpnlab %s\n", name)
				c.Close()
			}
		}()
	}
	log.Info("host ready", "source", "node", "gateway", gw, "listen", listen)
	<-ctx.Done()
	return nil
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
