package node

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
)

// An active-standby gateway's addresses follow the active instance: the
// public IP on the internet side and, in the GatewaySubnet, the next hop
// the VNet routes on-prem traffic to (Azure's SDN reprograms it at a
// failover; here the instance that becomes active takes the address and
// announces it by gratuitous ARP, so the router and the VMs switch at once).

// takeVIPs adds each address to the interface whose subnet holds it and
// announces it.
func takeVIPs(ctx context.Context, vips []string) error {
	for _, v := range vips {
		ifname, bits, err := interfaceFor(v)
		if err != nil {
			return err
		}
		if err := ip(ctx, "addr", "replace", v+"/"+strconv.Itoa(bits), "dev", ifname); err != nil {
			return err
		}
		if err := announce(ifname, netip.MustParseAddr(v)); err != nil {
			return fmt.Errorf("announce %s on %s: %w", v, ifname, err)
		}
	}
	return nil
}

// releaseVIPs removes the addresses this instance holds.
func releaseVIPs(ctx context.Context, vips []string) error {
	var errs []error
	for _, v := range vips {
		ifname, bits, err := interfaceFor(v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if onInterface(ifname, v) {
			errs = append(errs, ip(ctx, "addr", "del", v+"/"+strconv.Itoa(bits), "dev", ifname))
		}
	}
	return errors.Join(errs...)
}

// onInterface reports whether the interface has the address.
func onInterface(ifname, addr string) bool {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return false
	}
	addrs, _ := ifi.Addrs()
	for _, x := range addrs {
		if n, ok := x.(*net.IPNet); ok && n.IP.String() == addr {
			return true
		}
	}
	return false
}

// interfaceFor finds the interface with a subnet that holds addr (the
// order of interfaces in a container is not stable) and the subnet's length.
func interfaceFor(addr string) (string, int, error) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: %w", addr, err)
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return "", 0, err
	}
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifi.Addrs()
		for _, x := range addrs {
			n, ok := x.(*net.IPNet)
			if !ok {
				continue
			}
			p, err := netip.ParsePrefix(n.String())
			if err == nil && p.Bits() < 32 && p.Masked().Contains(a) {
				return ifi.Name, p.Bits(), nil
			}
		}
	}
	return "", 0, fmt.Errorf("no interface is on a subnet holding %s", addr)
}

// announce broadcasts a gratuitous ARP request and reply for addr from
// ifname's hardware address (RFC 5227 §3), twice.
func announce(ifname string, addr netip.Addr) error {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return err
	}
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, int(htons(syscall.ETH_P_ARP)))
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	to := &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_ARP), Ifindex: ifi.Index, Halen: 6}
	copy(to.Addr[:], broadcastMAC)
	for range 2 {
		for _, op := range []uint16{arpRequest, arpReply} {
			if err := syscall.Sendto(fd, garpFrame(ifi.HardwareAddr, addr, op), 0, to); err != nil {
				return err
			}
		}
	}
	return nil
}

const (
	arpRequest = 1
	arpReply   = 2
)

var broadcastMAC = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// garpFrame builds an Ethernet frame holding a gratuitous ARP packet: the
// sender and target protocol addresses are both addr.
func garpFrame(mac net.HardwareAddr, addr netip.Addr, op uint16) []byte {
	f := make([]byte, 0, 42)
	f = append(f, broadcastMAC...)
	f = append(f, mac...)
	f = binary.BigEndian.AppendUint16(f, syscall.ETH_P_ARP)
	f = binary.BigEndian.AppendUint16(f, 1)      // hardware type: Ethernet
	f = binary.BigEndian.AppendUint16(f, 0x0800) // protocol type: IPv4
	f = append(f, 6, 4)
	f = binary.BigEndian.AppendUint16(f, op)
	ip4 := addr.As4()
	f = append(f, mac...)
	f = append(f, ip4[:]...)
	if op == arpReply {
		f = append(f, broadcastMAC...)
	} else {
		f = append(f, make([]byte, 6)...)
	}
	return append(f, ip4[:]...)
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
