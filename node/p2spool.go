package node

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/vpnlab/vpnlab/contract"
	"github.com/vpnlab/vpnlab/swan"
)

// Point-to-site pool routing, as Azure's gateway does it: the client
// address pool is the gateway's point-to-site route (the VNet's effective
// routes carry it with next hop VirtualNetworkGateway). An address of the
// pool goes to the client that holds it and is dropped when no client
// does, even when a site-to-site route (the local network gateway's
// prefixes, BGP) covers it with a prefix no longer than the pool's: a pool
// that overlaps the branch takes the branch's addresses (seed 002 「VPN
// Gateway側の設定確認 (IPアドレス範囲、ルート)」: 重複しているとルーティ
// ングの問題が発生). Only a longer on-prem prefix still wins.
//
// kernel-libipsec sends everything routed into ipsec0 to the SA whose
// policy matches best, and the site-to-site SA's is 0.0.0.0/0: routing
// alone decides which pool addresses reach ipsec0. Three rules per pool
// prefix, ahead of main:
//  1. main, but only routes longer than the pool (a longer on-prem
//     prefix). A throw route for the pool in main (behind any route of
//     the same prefix) makes the lookup go on instead of ending at the
//     node's unreachable default: suppress_prefixlength does not skip an
//     unreachable route, it fails the lookup;
//  2. charon's table (swan.RoutingTable), longer routes only: the host
//     route charon installs to each connected client's virtual IP;
//  3. blackhole: no client holds the address, dropped without a word, as
//     Azure drops it.

// poolRulePrefs are the preferences of the three rules.
var poolRulePrefs = [3]int{1000, 1001, 1002}

// poolThrow tags the pool's throw routes in main (proto) and puts them
// behind a route of the same prefix (metric).
const (
	poolThrowProto  = "79"
	poolThrowMetric = "4242"
)

// poolRules returns the `ip` arguments that route pool prefix to
// point-to-site: its throw route, then its rules.
func poolRules(pool string) ([][]string, error) {
	p, err := netip.ParsePrefix(pool)
	if err != nil || !p.Addr().Is4() {
		return nil, fmt.Errorf("point-to-site pool %q is not an IPv4 prefix", pool)
	}
	to := p.Masked().String()
	// suppress_prefixlength N ignores routes of length N or shorter; a
	// client's /32 must stay visible even in a /32 pool.
	longer := strconv.Itoa(min(p.Bits(), 31))
	return [][]string{
		{"route", "replace", "throw", to, "metric", poolThrowMetric, "proto", poolThrowProto},
		{"rule", "add", "to", to, "lookup", "main", "suppress_prefixlength", longer, "pref", strconv.Itoa(poolRulePrefs[0])},
		{"rule", "add", "to", to, "lookup", strconv.Itoa(swan.RoutingTable), "suppress_prefixlength", longer, "pref", strconv.Itoa(poolRulePrefs[1])},
		{"rule", "add", "to", to, "blackhole", "pref", strconv.Itoa(poolRulePrefs[2])},
	}, nil
}

// routePools replaces the point-to-site pool rules and throw routes with
// those of pools.
func routePools(ctx context.Context, pools []contract.Pool) error {
	var add [][]string
	for _, p := range pools {
		rs, err := poolRules(p.Addrs)
		if err != nil {
			return err
		}
		add = append(add, rs...)
	}
	for _, pref := range poolRulePrefs {
		// One rule a call; a pool has at most a few prefixes.
		for range 64 {
			if ip(ctx, "rule", "del", "pref", strconv.Itoa(pref)) != nil {
				break
			}
		}
	}
	_ = ip(ctx, "route", "flush", "proto", poolThrowProto)
	for _, a := range add {
		if err := ip(ctx, a...); err != nil {
			return err
		}
	}
	return nil
}
