package swan

import (
	"strings"
	"testing"
	"time"
)

func TestSwanctl(t *testing.T) {
	c := Conn{Name: "azure", Version: 2, LocalAddr: "198.51.100.10", RemoteAddr: "203.0.113.10",
		LocalID: "198.51.100.10", RemoteID: "203.0.113.10", Proposals: []string{"aes256-sha256-modp1024"},
		IKELifetime: 8 * time.Hour, ESPProposals: []string{"aes256gcm16", "aes256-sha1"},
		LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"}, Initiator: true}
	got, err := Swanctl(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"connections {\n  azure {\n", "    remote_addrs = 203.0.113.10\n",
		"    proposals = aes256-sha256-modp1024\n", "    rekey_time = 28800s\n", "    local {\n      auth = psk\n      id = 198.51.100.10\n    }\n",
		"    children {\n      azure {\n", "        esp_proposals = aes256gcm16,aes256-sha1\n", "        start_action = start\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Count(got, "{") != strings.Count(got, "}") {
		t.Errorf("unbalanced braces:\n%s", got)
	}
	c.LocalCert = "-----BEGIN CERTIFICATE-----"
	if _, err := Swanctl(c); err == nil {
		t.Error("a connection holding PEM rendered")
	}
	c.LocalCert, c.RemoteCACerts = "client.pem", []string{"ca.pem"}
	got, err = Swanctl(c)
	if err != nil || !strings.Contains(got, "      auth = pubkey\n      certs = client.pem\n") || !strings.Contains(got, "cacerts = ca.pem") {
		t.Errorf("certificate files: %v\n%s", err, got)
	}
}
