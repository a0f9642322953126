package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"

	"github.com/vpnlab/vpnlab/contract"
)

// The router's chains: faults are inserted into FaultChain, which FORWARD
// consults before CountChain counts what is forwarded.
const (
	FaultChain = "VPNLAB-FAULT"
	CountChain = "VPNLAB-COUNT"
)

// u32 matches on the first four bytes of a UDP payload: zero is the non-ESP
// marker of IKE on port 4500, anything else an ESP SPI (RFC 3948).
const (
	u32IKE = "0>>22&0x3C@8=0"
	u32ESP = "0>>22&0x3C@8=1:0xFFFFFFFF"
)

// classMatch is the iptables match of a traffic class: the one place the
// router's counters and its faults take it from.
func classMatch(c contract.Class) ([]string, error) {
	switch c {
	case contract.IKE500:
		return []string{"-p", "udp", "-m", "multiport", "--ports", "500"}, nil
	case contract.IKE4500:
		return []string{"-p", "udp", "-m", "multiport", "--ports", "4500", "-m", "u32", "--u32", u32IKE}, nil
	case contract.ESP4500:
		return []string{"-p", "udp", "-m", "multiport", "--ports", "4500", "-m", "u32", "--u32", u32ESP}, nil
	case contract.ESP:
		return []string{"-p", "esp"}, nil
	case contract.Other:
		return nil, nil
	}
	return nil, fmt.Errorf("unknown traffic class %q (classes: %s)", c, classList())
}

func classList() string {
	var n []string
	for _, c := range contract.Classes {
		n = append(n, string(c))
	}
	return strings.Join(n, ", ")
}

// Direction names traffic by its destination prefix, e.g. "to-azure" =
// 203.0.113.0/24.
type Direction struct{ Name, Prefix string }

// RunRouter sets up forwarding and the counters, one set per direction,
// then waits for ctx.
func RunRouter(ctx context.Context, dirs []Direction) error {
	log, closer, err := newLogger("router")
	if err != nil {
		return err
	}
	defer closer.Close()
	if err := isolate(ctx); err != nil {
		return err
	}
	rules := [][]string{
		{"-N", FaultChain}, {"-N", CountChain},
		{"-A", "FORWARD", "-j", FaultChain}, {"-A", "FORWARD", "-j", CountChain},
	}
	for _, d := range dirs {
		for _, c := range contract.CounterClasses {
			m, _ := classMatch(c)
			r := append([]string{"-A", CountChain, "-d", d.Prefix}, m...)
			r = append(r, "-m", "comment", "--comment", contract.CounterName(contract.Direction(d.Name), c), "-j", "RETURN")
			rules = append(rules, r)
		}
	}
	for _, r := range rules {
		if err := run(ctx, "iptables", r...); err != nil {
			return err
		}
	}
	log.Info("router ready", "source", "node")
	<-ctx.Done()
	return nil
}

// Counters reads the router's counters (run inside the router).
func Counters(ctx context.Context, w io.Writer) error {
	out, err := exec.CommandContext(ctx, "iptables", "-nvxL", CountChain).Output()
	if err != nil {
		return fmt.Errorf("iptables -L %s: %w", CountChain, err)
	}
	c, err := ParseCounters(out)
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(c)
}

// ParseCounters reads `iptables -nvxL VPNLAB-COUNT` output into counters
// named "<direction>/<class>".
func ParseCounters(out []byte) (map[string]contract.Counter, error) {
	res := map[string]contract.Counter{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, "/* ")
		if i < 0 {
			continue
		}
		name := strings.TrimSuffix(strings.TrimSpace(line[i+3:]), " */")
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		p, err1 := strconv.ParseUint(f[0], 10, 64)
		b, err2 := strconv.ParseUint(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("counters: bad line %q", line)
		}
		res[name] = contract.Counter{Packets: p, Bytes: b}
	}
	if len(res) == 0 || len(res)%len(contract.CounterClasses) != 0 {
		return nil, fmt.Errorf("counters: found %d counters, want %d per direction", len(res), len(contract.CounterClasses))
	}
	return res, nil
}

// A fault on the router's path, inserted into (add) or deleted from the
// fault chain; the lab runs `vpnlab-node fault` in the router:
//
//	fault add|del block CLASS PREFIX     drop a class of traffic to PREFIX
//	fault add|del limit MAX icmp|silent  drop UDP packets above MAX bytes,
//	                                     with or without "fragmentation needed"
const faultUsage = "usage: vpnlab-node fault add|del block CLASS PREFIX | fault add|del limit MAX icmp|silent"

// faultRule builds a fault's iptables rule (without chain and operation).
func faultRule(args []string) ([]string, error) {
	if len(args) != 3 {
		return nil, errors.New(faultUsage)
	}
	switch args[0] {
	case "block":
		m, err := classMatch(contract.Class(args[1]))
		if err != nil || args[1] == string(contract.Other) {
			return nil, fmt.Errorf("block: unknown traffic class %q (classes: %s)", args[1], classList())
		}
		return append(append([]string{"-d", args[2]}, m...), "-j", "DROP"), nil
	case "limit":
		max, err := strconv.Atoi(args[1])
		if err != nil || max < 68 || max > 65534 {
			return nil, fmt.Errorf("limit: want a packet size 68..65534, got %q", args[1])
		}
		r := []string{"-p", "udp", "-m", "length", "--length", strconv.Itoa(max+1) + ":65535"}
		switch args[2] {
		case "icmp":
			return append(r, "-j", "REJECT", "--reject-with", "icmp-host-unreachable"), nil
		case "silent":
			return append(r, "-j", "DROP"), nil
		}
		return nil, fmt.Errorf("limit: want icmp or silent, got %q", args[2])
	}
	return nil, errors.New(faultUsage)
}

// Fault adds or deletes a fault in the router's fault chain (run inside the router).
func Fault(ctx context.Context, args []string) error {
	if len(args) < 1 || (args[0] != "add" && args[0] != "del") {
		return errors.New(faultUsage)
	}
	r, err := faultRule(args[1:])
	if err != nil {
		return err
	}
	op := "-I"
	if args[0] == "del" {
		op = "-D"
	}
	return run(ctx, "iptables", append([]string{op, FaultChain}, r...)...)
}
