package lab

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// The lab's segments are links between the containers' own network
// namespaces, as containerlab wires its labs: a segment of two nodes is a
// veth pair between them; a segment of more (a shared LAN, where an
// address moves between instances by gratuitous ARP) is a bridge inside the
// Switch node with a veth from each member. The interface in a member is
// named after its segment. Nothing is created on the host: the links go
// with the containers, the host routes none of the lab's subnets, and labs
// with the same addresses run side by side.

// linkEnd is one end of a veth: a node's interface and, for a member, its
// address (a switch port has none and is enslaved to its segment's bridge).
type linkEnd struct {
	node, ifname string
	addr         netip.Prefix
	bridge       string
}

// link is one veth pair to create.
type link struct {
	segment string
	a, b    linkEnd
}

// wiring is what the lab creates at bring-up: bridges in Switch, then links.
type wiring struct {
	bridges []string
	links   []link
}

// segmentOf returns the segment a network name refers to.
func segmentOf(name string) (Segment, bool) {
	for _, s := range Segments {
		if s.Name == name {
			return s, true
		}
	}
	return Segment{}, false
}

// planWiring turns the nodes' attachments into veths and bridges.
func planWiring(plans []nodePlan) (wiring, error) {
	var w wiring
	members := map[string][]linkEnd{}
	var order []string
	for _, p := range plans {
		for _, a := range p.attach {
			seg, ok := segmentOf(a.network)
			if !ok {
				return w, fmt.Errorf("node %s: unknown segment %q", p.name, a.network)
			}
			if !seg.Subnet.Contains(a.addr) {
				return w, fmt.Errorf("node %s: %s is not in segment %s (%s)", p.name, a.addr, seg.Name, seg.Subnet)
			}
			if len(seg.Name) > 15-len("-00") {
				return w, fmt.Errorf("segment name %q is too long for an interface name", seg.Name)
			}
			if _, seen := members[seg.Name]; !seen {
				order = append(order, seg.Name)
			}
			members[seg.Name] = append(members[seg.Name], linkEnd{node: p.name, ifname: seg.Name,
				addr: netip.PrefixFrom(a.addr, seg.Subnet.Bits())})
		}
	}
	for _, s := range order {
		ms := members[s]
		switch {
		case len(ms) < 2:
			return w, fmt.Errorf("segment %s has %d member(s), want 2 or more", s, len(ms))
		case len(ms) == 2:
			w.links = append(w.links, link{segment: s, a: ms[0], b: ms[1]})
		default:
			w.bridges = append(w.bridges, s)
			for i, m := range ms {
				port := linkEnd{node: Switch, ifname: s + "-" + strconv.Itoa(i), bridge: s}
				w.links = append(w.links, link{segment: s, a: m, b: port})
			}
		}
	}
	return w, nil
}

// nodesOf lists the nodes the wiring touches.
func (w wiring) nodes() []string {
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(w.bridges) > 0 {
		add(Switch)
	}
	for _, l := range w.links {
		add(l.a.node)
		add(l.b.node)
	}
	return out
}

// linksOf returns the interfaces a node waits for before its role starts.
func (w wiring) linksOf(nodeName string) []string {
	var out []string
	for _, l := range w.links {
		for _, e := range []linkEnd{l.a, l.b} {
			if e.node == nodeName && e.bridge == "" {
				out = append(out, e.ifname)
			}
		}
	}
	return out
}

// errNotRoot explains what wiring needs.
var errNotRoot = errors.New("wiring a lab needs root: the lab creates veth links in its containers' network namespaces (CAP_NET_ADMIN and CAP_SYS_ADMIN)")

// wire creates the bridges and links in the nodes' namespaces (pids are
// the containers' init processes), sets the members' addresses and brings
// every end up, switch ports first: a member's link is up once it can carry
// traffic, which is what its role waits for.
func wire(w wiring, pids map[string]int) (err error) {
	if os.Geteuid() != 0 {
		return errNotRoot
	}
	type nsh struct {
		ns netns.NsHandle
		h  *netlink.Handle
	}
	hs := map[string]nsh{}
	defer func() {
		for _, x := range hs {
			x.h.Close()
			x.ns.Close()
		}
	}()
	for _, n := range w.nodes() {
		pid, ok := pids[n]
		if !ok || pid == 0 {
			return fmt.Errorf("wire: node %s has no running process", n)
		}
		ns, err := netns.GetFromPid(pid)
		if err != nil {
			return fmt.Errorf("wire: namespace of %s: %w", n, err)
		}
		h, err := netlink.NewHandleAt(ns)
		if err != nil {
			ns.Close()
			return fmt.Errorf("wire: netlink in %s: %w", n, err)
		}
		hs[n] = nsh{ns, h}
	}
	sw := hs[Switch].h
	for _, b := range w.bridges {
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: b}}
		if err := sw.LinkAdd(br); err != nil {
			return fmt.Errorf("wire: bridge %s: %w", b, err)
		}
		if err := sw.LinkSetUp(br); err != nil {
			return fmt.Errorf("wire: bridge %s up: %w", b, err)
		}
	}
	for _, l := range w.links {
		v := &netlink.Veth{
			LinkAttrs:     netlink.LinkAttrs{Name: l.a.ifname, Namespace: netlink.NsFd(hs[l.a.node].ns)},
			PeerName:      l.b.ifname,
			PeerNamespace: netlink.NsFd(hs[l.b.node].ns),
		}
		if err := netlink.LinkAdd(v); err != nil {
			return fmt.Errorf("wire: %s: veth %s/%s - %s/%s: %w", l.segment, l.a.node, l.a.ifname, l.b.node, l.b.ifname, err)
		}
	}
	// Switch ports first, then the members.
	for _, pass := range []bool{true, false} {
		for _, l := range w.links {
			for _, e := range []linkEnd{l.a, l.b} {
				if (e.bridge != "") != pass {
					continue
				}
				if err := setUp(hs[e.node].h, e); err != nil {
					return fmt.Errorf("wire: %s: %s/%s: %w", l.segment, e.node, e.ifname, err)
				}
			}
		}
	}
	return nil
}

// setUp addresses (or enslaves) one end and brings it up.
func setUp(h *netlink.Handle, e linkEnd) error {
	lk, err := h.LinkByName(e.ifname)
	if err != nil {
		return err
	}
	if e.bridge != "" {
		br, err := h.LinkByName(e.bridge)
		if err != nil {
			return err
		}
		if err := h.LinkSetMaster(lk, br); err != nil {
			return err
		}
	}
	if e.addr.IsValid() {
		ipn := &net.IPNet{IP: e.addr.Addr().AsSlice(), Mask: net.CIDRMask(e.addr.Bits(), 32)}
		if err := h.AddrAdd(lk, &netlink.Addr{IPNet: ipn}); err != nil {
			return fmt.Errorf("address %s: %w", e.addr, err)
		}
	}
	return h.LinkSetUp(lk)
}
