package node

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
)

func TestGARPFrame(t *testing.T) {
	mac := net.HardwareAddr{0x02, 0x42, 0xcb, 0x00, 0x71, 0x05}
	f := garpFrame(mac, netip.MustParseAddr("203.0.113.10"), arpRequest)
	if len(f) != 42 {
		t.Fatalf("frame is %d bytes, want 42 (14 Ethernet + 28 ARP)", len(f))
	}
	want := []byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x42, 0xcb, 0x00, 0x71, 0x05, 0x08, 0x06, // Ethernet
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01, // Ethernet/IPv4, request
		0x02, 0x42, 0xcb, 0x00, 0x71, 0x05, 203, 0, 113, 10, // sender
		0, 0, 0, 0, 0, 0, 203, 0, 113, 10, // target: the same address (gratuitous)
	}
	if !bytes.Equal(f, want) {
		t.Errorf("frame\n% x\nwant\n% x", f, want)
	}
	r := garpFrame(mac, netip.MustParseAddr("198.19.255.30"), arpReply)
	if r[21] != 2 || !bytes.Equal(r[32:38], broadcastMAC) {
		t.Errorf("reply: op %d, target MAC % x; want 2 and broadcast", r[21], r[32:38])
	}
}
