package node

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"

	"github.com/vpnlab/vpnlab/contract"
)

// setTunnel sets the tunnel interface's MTU (and brings it up) and clamps
// the MSS of TCP through it (0: no clamp), replacing any earlier clamp.
func setTunnel(ctx context.Context, mtu, mss int) error {
	if err := ip(ctx, "link", "set", contract.TunnelIf, "mtu", strconv.Itoa(mtu), "up"); err != nil {
		return err
	}
	if err := run(ctx, "iptables", "-t", "mangle", "-F", "FORWARD"); err != nil {
		return err
	}
	if mss <= 0 {
		return nil
	}
	for _, dir := range []string{"-o", "-i"} {
		if err := run(ctx, "iptables", "-t", "mangle", "-A", "FORWARD", dir, contract.TunnelIf, "-p", "tcp",
			"--tcp-flags", "SYN,RST", "SYN", "-j", "TCPMSS", "--set-mss", strconv.Itoa(mss)); err != nil {
			return err
		}
	}
	return nil
}

// readTunnel reads the tunnel's MTU and the MSS clamp in force.
func readTunnel(ctx context.Context) (contract.Tunnel, error) {
	ifi, err := net.InterfaceByName(contract.TunnelIf)
	if err != nil {
		return contract.Tunnel{}, err
	}
	out, err := exec.CommandContext(ctx, "iptables", "-t", "mangle", "-S", "FORWARD").Output()
	if err != nil {
		return contract.Tunnel{}, fmt.Errorf("iptables -t mangle -S FORWARD: %w", err)
	}
	return contract.Tunnel{MTU: ifi.MTU, MSSClamp: parseMSSClamp(string(out))}, nil
}

// parseMSSClamp finds the MSS a TCPMSS --set-mss rule sets (0: none).
func parseMSSClamp(rules string) int {
	sc := bufio.NewScanner(strings.NewReader(rules))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "--set-mss" {
				if n, err := strconv.Atoi(f[i+1]); err == nil {
					return n
				}
			}
		}
	}
	return 0
}

const tunnelUsage = "usage: vpnlab-node tunnel [MTU MSS]"

// Tunnel prints the tunnel's MTU and MSS clamp as JSON, or with MTU and MSS
// given, sets them (run inside a gateway).
func Tunnel(ctx context.Context, args []string, out io.Writer) error {
	switch len(args) {
	case 0:
		t, err := readTunnel(ctx)
		if err != nil {
			return err
		}
		return json.NewEncoder(out).Encode(t)
	case 2:
		mtu, err1 := strconv.Atoi(args[0])
		mss, err2 := strconv.Atoi(args[1])
		if err1 != nil || err2 != nil || mtu < 576 || mtu > 9000 || mss < 0 || mss >= mtu {
			return fmt.Errorf("tunnel: want MTU 576..9000 and MSS 0..MTU-1, got %q %q", args[0], args[1])
		}
		return setTunnel(ctx, mtu, mss)
	}
	return errors.New(tunnelUsage)
}
