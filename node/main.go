package node

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

const usage = `usage: vpnlab-node ROLE [flags]
roles:
  gateway [SPEC]            a VPN device from a GatewaySpec (default ` + SpecFile + `)
  azure [SPEC]              the fake Azure VPN gateway from an AzureSpec
  router                    the internet router with its counters
  host [-gw IP] [-listen ADDR]
  counters                  print the router's counters as JSON
  probe tcp ADDR [-timeout D]`

// Main runs the role named in args.
func Main(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	role, rest := args[0], args[1:]
	spec := func() string {
		if len(rest) > 0 {
			return rest[0]
		}
		return SpecFile
	}
	switch role {
	case "gateway":
		return RunGateway(ctx, spec())
	case "azure":
		return RunAzure(ctx, spec())
	case "router":
		return RunRouter(ctx)
	case "counters":
		return Counters(ctx, out)
	case "host":
		fs := flag.NewFlagSet("host", flag.ContinueOnError)
		gw := fs.String("gw", "", "default gateway")
		listen := fs.String("listen", "", "serve a TCP banner on this address")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		return RunHost(ctx, *gw, *listen)
	case "probe":
		return probe(ctx, rest, out)
	}
	return fmt.Errorf("unknown role %q\n%s", role, usage)
}

// ProbeResult is what a probe prints, one JSON object.
type ProbeResult struct {
	OK     bool    `json:"ok"`
	RTTms  float64 `json:"rtt_ms,omitempty"`
	Banner string  `json:"banner,omitempty"`
	Error  string  `json:"error,omitempty"`
}

func probe(ctx context.Context, args []string, out io.Writer) error {
	if len(args) < 2 || args[0] != "tcp" {
		return errors.New("usage: vpnlab-node probe tcp ADDR [-timeout D]")
	}
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 2*time.Second, "connect timeout")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	rtt, banner, err := ProbeTCP(ctx, args[1], *timeout)
	r := ProbeResult{OK: err == nil, RTTms: float64(rtt.Microseconds()) / 1000, Banner: banner}
	if err != nil {
		r.Error = err.Error()
	}
	return json.NewEncoder(out).Encode(r)
}
