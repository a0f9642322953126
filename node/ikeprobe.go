package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/vpnlab/vpnlab/contract"
)

// IKEv2 numbers (RFC 7296 §3).
const (
	ikeSA, ikeKE, ikeNonce, ikeNotify = 33, 34, 40, 41
	ikeSAInit                         = 34
	ikeFlagInitiator, ikeFlagResponse = 0x08, 0x20
)

// ikeNotifyNames are the notify types an IKE_SA_INIT response may carry.
var ikeNotifyNames = map[uint16]string{14: "NO_PROPOSAL_CHOSEN", 17: "INVALID_KE_PAYLOAD", 16390: "COOKIE", 7: "INVALID_SYNTAX"}

// ikeSAInitRequest builds an IKEv2 IKE_SA_INIT request with a fresh
// initiator SPI: AES-CBC-256, HMAC-SHA2-256 (PRF and integrity), DH group
// 2, Azure's recommended phase 1. No IKE SA follows it: the responder
// keeps a half-open SA until its timeout and running SAs are untouched.
func ikeSAInitRequest(spi []byte) []byte {
	transform := func(last bool, typ byte, id uint16, attrs []byte) []byte {
		b := make([]byte, 8, 8+len(attrs))
		if !last {
			b[0] = 3
		}
		binary.BigEndian.PutUint16(b[2:], uint16(8+len(attrs)))
		b[4] = typ
		binary.BigEndian.PutUint16(b[6:], id)
		return append(b, attrs...)
	}
	keyLen := []byte{0x80, 14, 0x01, 0x00} // attribute Key Length (TV) = 256
	var ts []byte
	ts = append(ts, transform(false, 1, 12, keyLen)...) // ENCR_AES_CBC 256
	ts = append(ts, transform(false, 2, 5, nil)...)     // PRF_HMAC_SHA2_256
	ts = append(ts, transform(false, 3, 12, nil)...)    // AUTH_HMAC_SHA2_256_128
	ts = append(ts, transform(true, 4, 2, nil)...)      // DH group 2 (modp1024)
	prop := []byte{0, 0, 0, 0, 1, 1, 0, 4}              // last, proposal 1, IKE, no SPI, 4 transforms
	binary.BigEndian.PutUint16(prop[2:], uint16(8+len(ts)))
	prop = append(prop, ts...)

	payload := func(next byte, body []byte) []byte {
		b := []byte{next, 0, 0, 0}
		binary.BigEndian.PutUint16(b[2:], uint16(4+len(body)))
		return append(b, body...)
	}
	ke := make([]byte, 4+128)
	binary.BigEndian.PutUint16(ke, 2) // DH group 2
	_, _ = rand.Read(ke[4:])
	ke[4] = 0x40 // below the modp1024 prime
	nonce := make([]byte, 32)
	_, _ = rand.Read(nonce)

	var body []byte
	body = append(body, payload(ikeKE, prop)...)
	body = append(body, payload(ikeNonce, ke)...)
	body = append(body, payload(0, nonce)...)

	h := make([]byte, 28, 28+len(body))
	copy(h, spi)
	h[16], h[17], h[18], h[19] = ikeSA, 0x20, ikeSAInit, ikeFlagInitiator
	binary.BigEndian.PutUint32(h[24:], uint32(28+len(body)))
	return append(h, body...)
}

// parseIKEReply reads an IKE_SA_INIT response to the request with SPI spi:
// ok when it is one, with the notify it carries first, if any.
func parseIKEReply(b, spi []byte) (ok bool, notify string) {
	if len(b) < 28 || !bytes.Equal(b[:8], spi) || b[18] != ikeSAInit || b[19]&ikeFlagResponse == 0 {
		return false, ""
	}
	if b[16] == ikeNotify && len(b) >= 28+8 {
		t := binary.BigEndian.Uint16(b[28+6:])
		if n, ok := ikeNotifyNames[t]; ok {
			return true, n
		}
		return true, "notify " + strconv.Itoa(int(t))
	}
	return true, ""
}

// ProbeIKE sends an IKE_SA_INIT to addr's port (500, or 4500 with the
// non-ESP marker of RFC 3948) from an ephemeral port and waits for the
// response, the way Network Watcher checks a peer's reachability. It
// retries once within timeout.
func ProbeIKE(ctx context.Context, addr string, port int, timeout time.Duration) contract.IKEProbe {
	r := contract.IKEProbe{Target: addr, Port: port}
	c, err := net.ListenPacket("udp4", ":0")
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer c.Close()
	dst, err := net.ResolveUDPAddr("udp4", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		r.Error = err.Error()
		return r
	}
	spi := make([]byte, 8)
	_, _ = rand.Read(spi)
	msg := ikeSAInitRequest(spi)
	marker := 0
	if port == 4500 {
		msg, marker = append([]byte{0, 0, 0, 0}, msg...), 4
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	start := time.Now()
	buf := make([]byte, 4096)
	for try := 0; try < 2 && time.Now().Before(deadline); try++ {
		if _, err := c.WriteTo(msg, dst); err != nil {
			r.Error = err.Error()
			return r
		}
		r.Sent++
		wait := time.Now().Add(timeout / 2)
		if wait.After(deadline) {
			wait = deadline
		}
		_ = c.SetReadDeadline(wait)
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				break // this try timed out
			}
			if u, ok := from.(*net.UDPAddr); !ok || !u.IP.Equal(dst.IP) || n < marker {
				continue
			}
			if ok, notify := parseIKEReply(buf[marker:n], spi); ok {
				r.Answered, r.Notify = true, notify
				r.RTTms = float64(time.Since(start).Microseconds()) / 1000
				return r
			}
		}
	}
	if r.Error == "" {
		r.Error = fmt.Sprintf("no IKE_SA_INIT response within %s", timeout)
	}
	return r
}
