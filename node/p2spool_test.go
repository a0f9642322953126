package node

import (
	"reflect"
	"testing"
)

// A pool is routed to point-to-site ahead of main: longer main routes
// (a more specific on-prem prefix; the throw route lets the lookup go on)
// first, then the clients' host routes in charon's table, then a
// blackhole for the addresses no client holds.
func TestPoolRules(t *testing.T) {
	got, err := poolRules("198.18.10.7/24")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"route", "replace", "throw", "198.18.10.0/24", "metric", "4242", "proto", "79"},
		{"rule", "add", "to", "198.18.10.0/24", "lookup", "main", "suppress_prefixlength", "24", "pref", "1000"},
		{"rule", "add", "to", "198.18.10.0/24", "lookup", "220", "suppress_prefixlength", "24", "pref", "1001"},
		{"rule", "add", "to", "198.18.10.0/24", "blackhole", "pref", "1002"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("poolRules = %q\nwant %q", got, want)
	}
	// A /32 pool: its client's /32 must not be suppressed.
	got, err = poolRules("198.18.200.9/32")
	if err != nil {
		t.Fatal(err)
	}
	if got[2][7] != "31" {
		t.Errorf("a /32 pool suppresses %s-bit routes, want 31: %q", got[2][7], got[2])
	}
	for _, bad := range []string{"", "198.18.10.0", "2001:db8::/64"} {
		if _, err := poolRules(bad); err == nil {
			t.Errorf("poolRules(%q): no error", bad)
		}
	}
}
