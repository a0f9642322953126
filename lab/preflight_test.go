package lab

import (
	"bufio"
	"context"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// procRoute is /proc/net/route as a host running Docker shows it: a default
// route, the docker0 bridge, a lab's leftover br- bridge on 198.51.100.0/24
// and a LAN. Addresses and masks are little-endian hex.
const procRoute = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	0101A8C0	0003	0	0	100	00000000	0	0	0
docker0	000011AC	00000000	0001	0	0	0	0000FFFF	0	0	0
br-3f2a9c1d7e4b	006433C6	00000000	0001	0	0	0	00FFFFFF	0	0	0
eth0	0001A8C0	00000000	0001	0	0	100	00FFFFFF	0	0	0
`

func TestParseRoutes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []hostRoute
		err  string
	}{
		{
			name: "docker host",
			in:   procRoute,
			want: []hostRoute{
				{"eth0", netip.MustParsePrefix("0.0.0.0/0")},
				{"docker0", netip.MustParsePrefix("172.17.0.0/16")},
				{"br-3f2a9c1d7e4b", netip.MustParsePrefix("198.51.100.0/24")},
				{"eth0", netip.MustParsePrefix("192.168.1.0/24")},
			},
		},
		{
			name: "host route and short lines",
			in:   "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n\nwg0\t0A0A0A0A\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0\nshort line\n",
			want: []hostRoute{{"wg0", netip.MustParsePrefix("10.10.10.10/32")}},
		},
		{
			name: "header only",
			in:   "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n",
			want: nil,
		},
		{
			name: "bad destination",
			in:   "Iface\tDestination\n" + "eth0\tZZZZZZZZ\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
			err:  `/proc/net/route: bad line "eth0\tZZZZZZZZ`,
		},
		{
			name: "bad mask",
			in:   "Iface\tDestination\n" + "eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t1FFFFFFFF\t0\t0\t0\n",
			err:  `/proc/net/route: bad line "eth0\t0001A8C0`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRoutes(bufio.NewScanner(strings.NewReader(tt.in)))
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("error = %v, want it to start with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestCheckOverlap(t *testing.T) {
	routes := func(rs ...string) []hostRoute {
		var out []hostRoute
		for _, r := range rs {
			iface, prefix, _ := strings.Cut(r, " ")
			out = append(out, hostRoute{Iface: iface, Prefix: netip.MustParsePrefix(prefix)})
		}
		return out
	}
	tests := []struct {
		name   string
		routes []hostRoute
		want   []string // each error line, in order; nil = no error
	}{
		{
			name:   "no overlap",
			routes: routes("eth0 0.0.0.0/0", "docker0 172.17.0.0/16", "eth0 192.168.1.0/24"),
		},
		{
			name:   "default route ignored",
			routes: routes("eth0 0.0.0.0/0", "tun0 0.0.0.0/0"),
		},
		{
			name:   "no routes",
			routes: nil,
		},
		{
			name:   "leftover lab bridge",
			routes: routes("eth0 0.0.0.0/0", "docker0 172.17.0.0/16", "br-3f2a9c1d7e4b 198.51.100.0/24"),
			want: []string{
				"lab network onprem-wan (198.51.100.0/24) overlaps host route 198.51.100.0/24 dev br-3f2a9c1d7e4b" +
					" (another lab may be running: 'vpnlab lab down --all')",
			},
		},
		{
			name:   "several overlaps",
			routes: routes("eth0 0.0.0.0/0", "eth1 198.18.0.0/15", "vpn0 203.0.113.64/26"),
			want: []string{
				"lab network onprem-lan (198.18.10.0/24) overlaps host route 198.18.0.0/15 dev eth1",
				"lab network azure-wan (203.0.113.0/24) overlaps host route 203.0.113.64/26 dev vpn0",
				"lab network azure-vnet (198.19.0.0/16) overlaps host route 198.18.0.0/15 dev eth1",
			},
		},
		{
			name:   "other bridge: no hint",
			routes: routes("bridge0 203.0.113.0/24"),
			want:   []string{"lab network azure-wan (203.0.113.0/24) overlaps host route 203.0.113.0/24 dev bridge0"},
		},
		{
			name:   "host route inside a lab network",
			routes: routes("wg0 198.19.1.4/32"),
			want:   []string{"lab network azure-vnet (198.19.0.0/16) overlaps host route 198.19.1.4/32 dev wg0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkOverlap(Networks, tt.routes)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("error = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("error = nil, want %q", tt.want)
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("error lines:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

// The routes parsed from a Docker host's table refuse the lab when a
// leftover lab bridge holds one of its subnets.
func TestParseRoutesThenCheckOverlap(t *testing.T) {
	rs, err := parseRoutes(bufio.NewScanner(strings.NewReader(procRoute)))
	if err != nil {
		t.Fatal(err)
	}
	err = checkOverlap(Networks, rs)
	want := "lab network onprem-wan (198.51.100.0/24) overlaps host route 198.51.100.0/24 dev br-3f2a9c1d7e4b" +
		" (another lab may be running: 'vpnlab lab down --all')"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestCheckDockerNoDaemon(t *testing.T) {
	cli, err := client.New(client.WithHost("unix:///nonexistent/docker.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = checkDocker(ctx, cli)
	if !errors.Is(err, ErrNoDocker) {
		t.Fatalf("error = %v, want it to wrap ErrNoDocker", err)
	}
	if !strings.HasPrefix(err.Error(), "no Docker daemon: ") || !strings.Contains(err.Error(), "try 'docker info'") {
		t.Errorf("error = %q, want it to start with %q and suggest %q", err, "no Docker daemon: ", "try 'docker info'")
	}
}
