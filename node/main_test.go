package node

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestMainUsageErrors(t *testing.T) {
	roles := []string{"gateway", "azure", "router", "host", "counters", "probe"}
	tests := []struct {
		name  string
		args  []string
		start string // the error starts with this
		roles bool   // and lists every role
	}{
		{name: "no role", args: nil, start: "usage: vpnlab-node ROLE [flags]\nroles:\n", roles: true},
		{name: "unknown role", args: []string{"bogus", "x"}, start: "unknown role \"bogus\"\nusage: vpnlab-node ROLE [flags]\n", roles: true},
		{name: "probe without address", args: []string{"probe", "tcp"}, start: "usage: vpnlab-node probe tcp|bulk|pmtu|ike ADDR "},
		{name: "probe of another kind", args: []string{"probe", "udp", "127.0.0.1:1"}, start: "usage: vpnlab-node probe tcp|bulk|pmtu|ike ADDR "},
		{name: "router direction without prefix", args: []string{"router", "to-azure"}, start: `router: want NAME=PREFIX, got "to-azure"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Main(context.Background(), tt.args, &out)
			if err == nil || !strings.HasPrefix(err.Error(), tt.start) {
				t.Fatalf("error = %v, want it to start with %q", err, tt.start)
			}
			if tt.roles {
				for _, r := range roles {
					if !strings.Contains(err.Error(), "\n  "+r+" ") {
						t.Errorf("error does not list role %q:\n%s", r, err)
					}
				}
			}
			if out.Len() != 0 {
				t.Errorf("wrote %q, want nothing", out.String())
			}
		})
	}
}
