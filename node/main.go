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
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

const usage = `usage: vpnlab-node ROLE [flags]
roles:
  gateway [SPEC]            a VPN device from a contract.GatewaySpec (default ` + contract.SpecFile + `)
  azure [SPEC]              the fake Azure VPN gateway from an contract.AzureSpec
  radius [SPEC]             the lab's RADIUS server (FreeRADIUS) from a contract.RadiusSpec
  router NAME=PREFIX...      the internet router, counting per destination
  host [-gw IP] [-listen ADDR]
  counters                  print the router's counters as JSON
  tunnel [MTU MSS]          print (JSON) or set a gateway's tunnel MTU and MSS clamp
  fault add|del block CLASS PREFIX | fault add|del limit MAX icmp|silent
                            a fault on the router's path
  probe tcp|bulk|pmtu|ike ADDR  data-plane and IKE reachability probes (JSON)
  instance ACTION [REASON]  maintenance|stop|activate this fake gateway instance
  switch                    hold the lab's shared segments (bridges the lab creates)

With ` + contract.LinksEnv + `=NAME,... set, a role starts once those interfaces are up: the
lab wires its segments into the container's namespace after the container starts.`

// Main runs the role named in args.
func Main(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	role, rest := args[0], args[1:]
	if links := os.Getenv(contract.LinksEnv); links != "" && role != "counters" && role != "fault" && role != "tunnel" && role != "probe" && role != "instance" {
		// The lab wires links once all its containers run: on a 2-core
		// machine running 6 labs' bring-ups at once that took 73 s.
		if err := waitLinks(ctx, strings.Split(links, ","), 3*time.Minute); err != nil {
			return err
		}
	}
	spec := func() string {
		if len(rest) > 0 {
			return rest[0]
		}
		return contract.SpecFile
	}
	switch role {
	case "gateway":
		return RunGateway(ctx, spec())
	case "azure":
		return RunAzure(ctx, spec())
	case "radius":
		return RunRadius(ctx, spec())
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
	case "fault":
		return Fault(ctx, rest)
	case "tunnel":
		return Tunnel(ctx, rest, out)
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
	case "switch":
		return RunSwitch(ctx)
	case "instance":
		if len(rest) < 1 {
			return errors.New("usage: vpnlab-node instance maintenance|stop|activate [REASON]")
		}
		a := contract.InstanceAction{Action: rest[0]}
		if len(rest) > 1 {
			a.Reason = strings.Join(rest[1:], " ")
		}
		return postInstance(ctx, a)
	}
	return fmt.Errorf("unknown role %q\n%s", role, usage)
}

const probeUsage = "usage: vpnlab-node probe tcp|bulk|pmtu|ike ADDR [-timeout D] [-bytes N] [-max SIZE] [-port 500|4500]"

func probe(ctx context.Context, args []string, out io.Writer) error {
	if len(args) < 2 {
		return errors.New(probeUsage)
	}
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 2*time.Second, "timeout")
	n := fs.Int64("bytes", 256<<10, "bytes to fetch (bulk)")
	largest := fs.Int("max", 1500, "largest IP packet to try (pmtu)")
	port := fs.Int("port", 500, "UDP port (ike): 500, or 4500 with the non-ESP marker")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	switch args[0] {
	case "tcp":
		rtt, banner, err := ProbeTCP(ctx, args[1], *timeout)
		r := contract.ProbeResult{OK: err == nil, RTTms: float64(rtt.Microseconds()) / 1000, Banner: banner}
		if err != nil {
			r.Error = err.Error()
		}
		return enc.Encode(r)
	case "bulk":
		got, err := ProbeBulk(ctx, args[1], *n, *timeout)
		r := contract.ProbeResult{OK: err == nil && got == *n, Bytes: got, Wanted: *n}
		if err != nil {
			r.Error = err.Error()
		}
		return enc.Encode(r)
	case "pmtu":
		return enc.Encode(SearchPMTU(ctx, args[1], *largest))
	case "ike":
		if *port != 500 && *port != 4500 {
			return errors.New(probeUsage)
		}
		return enc.Encode(ProbeIKE(ctx, args[1], *port, *timeout))
	}
	return errors.New(probeUsage)
}

// postInstance sends an instance action to the local fake gateway daemon
// (over HTTPS when the daemon serves it: the daemon is on this host).
func postInstance(ctx context.Context, a contract.InstanceAction) error {
	b, _ := json.Marshal(a)
	var spec contract.AzureSpec
	scheme, hc := "http", http.DefaultClient
	if readSpec(contract.SpecFile, &spec) == nil && spec.API != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(spec.API.CAPEM))
		scheme = "https"
		hc = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		scheme+"://127.0.0.1:"+strconv.Itoa(contract.APIPort)+"/vpnlab/instance", bytes.NewReader(b))
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
