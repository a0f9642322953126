package cli

import "testing"

func TestProg(t *testing.T) {
	for arg0, want := range map[string]string{
		"bin/vpnlab":   "bin/vpnlab",
		"./vpnlab":     "./vpnlab",
		"vpnlab":       "vpnlab",
		"/tmp/x.test":  "vpnlab",
		"/opt/vpnlab1": "/opt/vpnlab1",
	} {
		if got := prog(arg0); got != want {
			t.Errorf("prog(%q) = %q, want %q", arg0, got, want)
		}
	}
}
