// Package collect gathers diagnosis evidence from a running lab: both
// charons over vici, both BGP speakers over GoBGP's API, the fake gateway's
// Azure-like API and diagnostic logs, the router's counters, the devices'
// logs and data-plane probes from the on-prem LAN. It knows nothing of
// scenarios: what it collects is what an engineer could see.
//
// It reads through the Lab interface (lab.go), which *lab.Lab satisfies
// and the unit tests fake. Ping output and node events are read by
// offline's parsers (offline.PingSummary, offline.NodeEvent), so live and
// offline evidence cannot drift; the tunnel's MTU and MSS clamp are the
// live ones (`vpnlab-node tunnel`), not the profile's.
package collect
