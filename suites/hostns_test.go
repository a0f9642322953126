package suites_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"time"

	"github.com/moby/moby/client"
	. "github.com/onsi/gomega"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/vpnlab/vpnlab/lab"
)

// hostListener is a TCP listener in a network namespace of its own, reached
// from the host through a veth and a /32 host route per address: something
// of the host's own at addresses in the lab's ranges.
type hostListener struct {
	ns    netns.NsHandle
	ln    net.Listener
	link  string
	addrs []netip.Addr
}

const listenerBanner = "vpnlab-host-listener\n"

func startHostListener(addrs []netip.Addr) *hostListener {
	runtime.LockOSThread()
	orig, err := netns.Get()
	Expect(err).NotTo(HaveOccurred())
	ns, err := netns.New() // this thread is now in the new namespace
	Expect(err).NotTo(HaveOccurred())
	h := &hostListener{ns: ns, addrs: addrs}
	lo, err := netlink.LinkByName("lo")
	Expect(err).NotTo(HaveOccurred())
	Expect(netlink.LinkSetUp(lo)).To(Succeed())
	h.ln, err = net.Listen("tcp4", "0.0.0.0:0")
	Expect(err).NotTo(HaveOccurred())
	Expect(netns.Set(orig)).To(Succeed())
	orig.Close()
	runtime.UnlockOSThread()
	go func() {
		for {
			c, err := h.ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(listenerBanner))
			c.Close()
		}
	}()

	b := make([]byte, 3)
	_, _ = rand.Read(b)
	h.link = "vl" + hex.EncodeToString(b)
	Expect(netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: h.link},
		PeerName: "eth0", PeerNamespace: netlink.NsFd(ns)})).To(Succeed())
	in, err := netlink.NewHandleAt(ns)
	Expect(err).NotTo(HaveOccurred())
	defer in.Close()
	peer, err := in.LinkByName("eth0")
	Expect(err).NotTo(HaveOccurred())
	for _, a := range addrs {
		Expect(in.AddrAdd(peer, &netlink.Addr{IPNet: &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(32, 32)}})).To(Succeed())
	}
	Expect(in.LinkSetUp(peer)).To(Succeed())
	Expect(in.RouteAdd(&netlink.Route{LinkIndex: peer.Attrs().Index, Scope: netlink.SCOPE_LINK,
		Dst: &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}})).To(Succeed())
	host, err := netlink.LinkByName(h.link)
	Expect(err).NotTo(HaveOccurred())
	Expect(netlink.LinkSetUp(host)).To(Succeed())
	for _, a := range addrs {
		Expect(netlink.RouteAdd(&netlink.Route{LinkIndex: host.Attrs().Index, Scope: netlink.SCOPE_LINK,
			Dst: &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(32, 32)}})).To(Succeed())
	}
	return h
}

// dialAll connects to every address and says what happened: "ok" when the
// listener's banner came back, else the error.
func (h *hostListener) dialAll() []string {
	port := h.ln.Addr().(*net.TCPAddr).Port
	var out []string
	for _, a := range h.addrs {
		c, err := net.DialTimeout("tcp4", net.JoinHostPort(a.String(), strconv.Itoa(port)), 3*time.Second)
		if err != nil {
			out = append(out, err.Error())
			continue
		}
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		switch {
		case err != nil:
			out = append(out, err.Error())
		case line != listenerBanner:
			out = append(out, "unexpected banner "+strconv.Quote(line))
		default:
			out = append(out, "ok")
		}
	}
	return out
}

// Close removes the veth (its routes go with it) and the namespace.
func (h *hostListener) Close() {
	if l, err := netlink.LinkByName(h.link); err == nil {
		Expect(netlink.LinkDel(l)).To(Succeed())
	}
	h.ln.Close()
	h.ns.Close()
}

// otherLabBridges returns the host interfaces of old-style (bridged) labs
// outside this process's scope: someone else's, which this spec must
// neither count nor touch.
func otherLabBridges(ctx context.Context) map[string]bool {
	cli, err := client.New(client.FromEnv)
	Expect(err).NotTo(HaveOccurred())
	defer cli.Close()
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("label", lab.LabelLab)})
	Expect(err).NotTo(HaveOccurred())
	out := map[string]bool{}
	for _, n := range ns.Items {
		if n.Labels[lab.LabelScope] == "" || n.Labels[lab.LabelScope] != scopeOfProcess() {
			out["br-"+n.ID[:12]] = true
		}
	}
	return out
}
