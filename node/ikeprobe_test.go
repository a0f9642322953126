package node

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestIKESAInitRequest(t *testing.T) {
	spi := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	m := ikeSAInitRequest(spi)
	if !bytes.Equal(m[:8], spi) || !bytes.Equal(m[8:16], make([]byte, 8)) {
		t.Fatalf("SPIs % x", m[:16])
	}
	if m[16] != ikeSA || m[17] != 0x20 || m[18] != ikeSAInit || m[19] != ikeFlagInitiator {
		t.Errorf("header % x", m[16:20])
	}
	if got := binary.BigEndian.Uint32(m[24:]); int(got) != len(m) {
		t.Errorf("length field %d, message %d bytes", got, len(m))
	}
	// Walk the payload chain: SA, KE, Nonce, each length inside the message.
	next, off := m[16], 28
	var chain []byte
	for next != 0 {
		if off+4 > len(m) {
			t.Fatalf("payload %d runs past the end", next)
		}
		chain = append(chain, next)
		l := int(binary.BigEndian.Uint16(m[off+2:]))
		next, off = m[off], off+l
	}
	if off != len(m) || !bytes.Equal(chain, []byte{ikeSA, ikeKE, ikeNonce}) {
		t.Errorf("payloads %v end at %d of %d", chain, off, len(m))
	}
}

func TestParseIKEReply(t *testing.T) {
	spi := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	reply := func(next byte, body ...byte) []byte {
		h := make([]byte, 28)
		copy(h, spi)
		copy(h[8:], []byte{9, 9, 9, 9, 9, 9, 9, 9})
		h[16], h[17], h[18], h[19] = next, 0x20, ikeSAInit, ikeFlagResponse
		return append(h, body...)
	}
	if ok, n := parseIKEReply(reply(ikeSA), spi); !ok || n != "" {
		t.Errorf("a response: %v %q", ok, n)
	}
	if ok, n := parseIKEReply(reply(ikeNotify, 0, 0, 0, 8, 0, 0, 0, 14), spi); !ok || n != "NO_PROPOSAL_CHOSEN" {
		t.Errorf("NO_PROPOSAL_CHOSEN: %v %q", ok, n)
	}
	if ok, _ := parseIKEReply(reply(ikeSA), []byte{8, 7, 6, 5, 4, 3, 2, 1}); ok {
		t.Error("another SPI's response taken")
	}
	req := ikeSAInitRequest(spi)
	if ok, _ := parseIKEReply(req, spi); ok {
		t.Error("our own request taken for a response")
	}
	if ok, _ := parseIKEReply(req[:20], spi); ok {
		t.Error("a short packet taken")
	}
}
