// Package collect gathers diagnosis evidence from a running lab: both
// charons over vici, both BGP speakers over GoBGP's API, the fake gateway's
// Azure-like API and diagnostic logs, the router's counters, the devices'
// logs and data-plane probes from the on-prem LAN. It knows nothing of
// scenarios: what it collects is what an engineer could see.
package collect
