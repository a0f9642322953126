package node

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const usage = `usage: vpnlab-node ROLE [flags]
roles:
  gateway [SPEC]            a VPN device from a GatewaySpec (default ` + SpecFile + `)
  azure [SPEC]              the fake Azure VPN gateway from an AzureSpec
  router NAME=PREFIX...      the internet router, counting per destination
  host [-gw IP] [-listen ADDR]
  counters                  print the router's counters as JSON
  probe tcp|bulk|pmtu ADDR  data-plane probes (JSON)
  instance ACTION [REASON]  maintenance|stop|activate this fake gateway instance`

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
		var dirs []Direction
		for _, a := range rest {
			name, prefix, ok := strings.Cut(a, "=")
			if !ok {
				return fmt.Errorf("router: want NAME=PREFIX, got %q", a)
			}
			dirs = append(dirs, Direction{name, prefix})
		}
		return RunRouter(ctx, dirs)
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
	case "instance":
		if len(rest) < 1 {
			return errors.New("usage: vpnlab-node instance maintenance|stop|activate [REASON]")
		}
		a := InstanceAction{Action: rest[0]}
		if len(rest) > 1 {
			a.Reason = strings.Join(rest[1:], " ")
		}
		return postInstance(ctx, a)
	}
	return fmt.Errorf("unknown role %q\n%s", role, usage)
}

// ProbeResult is what a probe prints, one JSON object.
type ProbeResult struct {
	OK     bool    `json:"ok"`
	RTTms  float64 `json:"rtt_ms,omitempty"`
	Banner string  `json:"banner,omitempty"`
	Bytes  int64   `json:"bytes,omitempty"`
	Wanted int64   `json:"wanted,omitempty"`
	Error  string  `json:"error,omitempty"`
}

const probeUsage = "usage: vpnlab-node probe tcp|bulk|pmtu ADDR [-timeout D] [-bytes N] [-max SIZE]"

func probe(ctx context.Context, args []string, out io.Writer) error {
	if len(args) < 2 {
		return errors.New(probeUsage)
	}
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 2*time.Second, "timeout")
	n := fs.Int64("bytes", 256<<10, "bytes to fetch (bulk)")
	largest := fs.Int("max", 1500, "largest IP packet to try (pmtu)")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	switch args[0] {
	case "tcp":
		rtt, banner, err := ProbeTCP(ctx, args[1], *timeout)
		r := ProbeResult{OK: err == nil, RTTms: float64(rtt.Microseconds()) / 1000, Banner: banner}
		if err != nil {
			r.Error = err.Error()
		}
		return enc.Encode(r)
	case "bulk":
		got, err := ProbeBulk(ctx, args[1], *n, *timeout)
		r := ProbeResult{OK: err == nil && got == *n, Bytes: got, Wanted: *n}
		if err != nil {
			r.Error = err.Error()
		}
		return enc.Encode(r)
	case "pmtu":
		return enc.Encode(SearchPMTU(ctx, args[1], *largest))
	}
	return errors.New(probeUsage)
}

// postInstance sends an instance action to the local fake gateway daemon
// (over HTTPS when the daemon serves it: the daemon is on this host).
func postInstance(ctx context.Context, a InstanceAction) error {
	b, _ := json.Marshal(a)
	var spec AzureSpec
	scheme, hc := "http", http.DefaultClient
	if readSpec(SpecFile, &spec) == nil && spec.API != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(spec.API.CAPEM))
		scheme = "https"
		hc = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		scheme+"://127.0.0.1:"+strconv.Itoa(APIPort)+"/vpnlab/instance", bytes.NewReader(b))
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("instance %s: %s: %s", a.Action, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
