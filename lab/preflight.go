package lab

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/moby/moby/client"
)

// ErrNoDocker means the Docker daemon could not be reached.
var ErrNoDocker = errors.New("no Docker daemon")

// checkDocker pings the daemon.
func checkDocker(ctx context.Context, cli *client.Client) error {
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("%w: %v (is Docker running, and may this user use it? try 'docker info')", ErrNoDocker, err)
	}
	return nil
}

// checkImage fails fast when the node image is missing: testcontainers would
// otherwise try to pull it for a long time from a registry that may not exist.
func checkImage(ctx context.Context, cli *client.Client, image string) error {
	if _, err := cli.ImageInspect(ctx, image); err != nil {
		return fmt.Errorf("image %s not found: build it with 'make images' (%v)", image, err)
	}
	return nil
}

// hostRoute is one IPv4 route of the host's main table.
type hostRoute struct {
	Iface  string
	Prefix netip.Prefix
}

// hostRoutes reads /proc/net/route.
func hostRoutes() ([]hostRoute, error) {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseRoutes(bufio.NewScanner(f))
}

func parseRoutes(sc *bufio.Scanner) ([]hostRoute, error) {
	var out []hostRoute
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 8 {
			continue
		}
		dst, err1 := strconv.ParseUint(f[1], 16, 32)
		mask, err2 := strconv.ParseUint(f[7], 16, 32)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("/proc/net/route: bad line %q", sc.Text())
		}
		var d, m [4]byte
		binary.LittleEndian.PutUint32(d[:], uint32(dst))
		binary.LittleEndian.PutUint32(m[:], uint32(mask))
		bits := 0
		for _, b := range m {
			for i := 7; i >= 0; i-- {
				if b&(1<<i) != 0 {
					bits++
				}
			}
		}
		out = append(out, hostRoute{Iface: f[0], Prefix: netip.PrefixFrom(netip.AddrFrom4(d), bits)})
	}
	return out, sc.Err()
}

// checkOverlap refuses subnets that overlap a host route other than the
// default route: the lab would shadow or hijack the host's own traffic.
func checkOverlap(nets []Network, routes []hostRoute) error {
	var errs []error
	for _, n := range nets {
		for _, r := range routes {
			if r.Prefix.Bits() == 0 {
				continue
			}
			if n.Subnet.Overlaps(r.Prefix) {
				hint := ""
				if strings.HasPrefix(r.Iface, "br-") {
					hint = " (another lab may be running: 'vpnlab lab down --all')"
				}
				errs = append(errs, fmt.Errorf("lab network %s (%s) overlaps host route %s dev %s%s",
					n.Name, n.Subnet, r.Prefix, r.Iface, hint))
			}
		}
	}
	return errors.Join(errs...)
}
