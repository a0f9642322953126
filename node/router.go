package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
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

// Counter classes the router counts, in rule order.
var counters = []struct{ name, match string }{
	{"ike-udp500", "-p udp -m multiport --ports 500"},
	{"ike-udp4500", "-p udp -m multiport --ports 4500 -m u32 --u32 " + u32IKE},
	{"esp-udp4500", "-p udp -m multiport --ports 4500 -m u32 --u32 " + u32ESP},
	{"esp", "-p esp"},
	{"other", ""},
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
		for _, c := range counters {
			r := []string{"-A", CountChain, "-d", d.Prefix}
			if c.match != "" {
				r = append(r, strings.Fields(c.match)...)
			}
			r = append(r, "-m", "comment", "--comment", d.Name+"/"+c.name, "-j", "RETURN")
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

// Counter is what the router forwarded of one class.
type Counter struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
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
func ParseCounters(out []byte) (map[string]Counter, error) {
	res := map[string]Counter{}
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
		res[name] = Counter{Packets: p, Bytes: b}
	}
	if len(res) == 0 || len(res)%len(counters) != 0 {
		return nil, fmt.Errorf("counters: found %d counters, want %d per direction", len(res), len(counters))
	}
	return res, nil
}
