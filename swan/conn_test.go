package swan

import (
	"reflect"
	"testing"
	"time"

	"github.com/strongswan/govici/vici"
)

func testConn(initiator bool) Conn {
	return Conn{
		Name: "azure", Version: 2,
		LocalAddr: "198.51.100.10", RemoteAddr: "203.0.113.10",
		LocalID: "198.51.100.10", RemoteID: "203.0.113.10",
		Proposals:   []string{"aes256-sha256-modp1024", "aes256-sha1-modp1024"},
		IKELifetime: 8 * time.Hour, DPDDelay: 45 * time.Second,
		ESPProposals:  []string{"aes256gcm16", "aes256-sha256"},
		ChildLifetime: 27000 * time.Second, ChildLifeKB: 102400000,
		LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"},
		Initiator: initiator,
	}
}

func section(t *testing.T, m *vici.Message, key string) *vici.Message {
	t.Helper()
	s, ok := m.Get(key).(*vici.Message)
	if !ok {
		t.Fatalf("%q is %T, want a section", key, m.Get(key))
	}
	return s
}

func TestConnMessage(t *testing.T) {
	tests := []struct {
		name  string
		c     Conn
		conn  map[string]any // expected values in the connection section; nil = absent
		child map[string]any // expected values in the CHILD_SA section; nil = absent
		local map[string]any
		remot map[string]any
	}{
		{
			name: "initiator",
			c:    testConn(true),
			conn: map[string]any{
				"version": "2", "local_addrs": []string{"198.51.100.10"}, "remote_addrs": []string{"203.0.113.10"},
				"proposals":  []string{"aes256-sha256-modp1024", "aes256-sha1-modp1024"},
				"rekey_time": "28800s", "dpd_delay": "45s", "dpd_timeout": nil,
				"mobike": "no", "encap": "yes", "keyingtries": "0",
			},
			child: map[string]any{
				"local_ts": []string{"0.0.0.0/0"}, "remote_ts": []string{"0.0.0.0/0"},
				"esp_proposals": []string{"aes256gcm16", "aes256-sha256"},
				"rekey_time":    "27000s", "rekey_bytes": "104857600000",
				"start_action": "start", "dpd_action": "restart", "close_action": "start",
			},
			local: map[string]any{"auth": "psk", "id": "198.51.100.10"},
			remot: map[string]any{"auth": "psk", "id": "203.0.113.10"},
		},
		{
			name: "responder",
			c: func() Conn {
				c := testConn(false)
				c.Version, c.RemoteAddr, c.RemoteID = 1, "%any", ""
				c.DPDTimeout = 150 * time.Second
				c.IKELifetime, c.ChildLifetime, c.ChildLifeKB = 90*time.Minute+500*time.Millisecond, 0, 0
				return c
			}(),
			conn: map[string]any{
				"version": "1", "remote_addrs": []string{"%any"},
				"rekey_time": "5400s", "dpd_delay": "45s", "dpd_timeout": "150s", "keyingtries": nil,
			},
			child: map[string]any{
				"esp_proposals": []string{"aes256gcm16", "aes256-sha256"},
				"rekey_time":    nil, "rekey_bytes": nil,
				"start_action": nil, "dpd_action": "clear", "close_action": nil,
			},
			local: map[string]any{"auth": "psk", "id": "198.51.100.10"},
			remot: map[string]any{"auth": "psk", "id": nil},
		},
		{
			name: "EAP-TLS client: the method's certificate and the AAA server's identity",
			c: func() Conn {
				c := testConn(true)
				c.LocalEAP, c.EAPID, c.LocalCert, c.AAAID = "eap-tls", "p2s-client.vpnlab.example", "client.pem", "azure-radius.vpnlab.example"
				return c
			}(),
			local: map[string]any{"auth": "eap-tls", "eap_id": "p2s-client.vpnlab.example",
				"certs": []string{"client.pem"}, "aaa_id": "azure-radius.vpnlab.example"},
		},
		{
			name: "EAP-MSCHAPv2 client: no certificate",
			c: func() Conn {
				c := testConn(true)
				c.LocalEAP, c.EAPID = "eap-mschapv2", "p2s-user"
				return c
			}(),
			local: map[string]any{"auth": "eap-mschapv2", "eap_id": "p2s-user", "certs": nil, "aaa_id": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.c.message()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := m.Keys(), []string{"azure"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("top-level keys %q, want %q", got, want)
			}
			conn := section(t, m, "azure")
			child := section(t, section(t, conn, "children"), "azure")
			check := func(where string, s *vici.Message, want map[string]any) {
				for k, w := range want {
					if got := s.Get(k); !reflect.DeepEqual(got, w) {
						t.Errorf("%s %s = %#v, want %#v", where, k, got, w)
					}
				}
			}
			check("conn", conn, tt.conn)
			check("child", child, tt.child)
			check("local", section(t, conn, "local"), tt.local)
			check("remote", section(t, conn, "remote"), tt.remot)
		})
	}
}

// A child lifetime of 1 TiB, given in kilobytes, is rendered in bytes.
func TestConnMessageRekeyBytes(t *testing.T) {
	c := testConn(true)
	c.ChildLifeKB = 1 << 30 // 1 TiB
	m, err := c.message()
	if err != nil {
		t.Fatal(err)
	}
	child := section(t, section(t, section(t, m, "azure"), "children"), "azure")
	if got, want := child.Get("rekey_bytes"), "1099511627776"; got != want {
		t.Errorf("rekey_bytes = %v, want %s", got, want)
	}
}
