package diagnose

import (
	"math"
	"slices"
)

// A rule recognises one fault. It returns ok false when its signature is
// absent or its preconditions (for example "the tunnel is up") do not hold;
// rules read the evidence only through the view and never change it.
type rule struct {
	fault  string
	domain string // s2s, p2s or gateway: findings of another domain are reported as "also"
	match  func(v *view) (Verdict, bool)
}

// Rule domains.
const (
	domainS2S     = "s2s"
	domainP2S     = "p2s"
	domainGateway = "gateway"
)

// rules in the isolation order of seed 000 §5.2: ① tunnel setup,
// ② authentication, ③ routing, ④ operations. Within ① they follow the
// numbered fixes of §5.3, and the tunnel state decides: no IKE SA (key,
// IKE policy, reachability), IKE SA without CHILD SA (IPsec policy), both
// up but ESP not crossing (ESP blocked) — which therefore wins over the
// BGP and routing rules its outage causes.
// Maintenance comes last: a past failover explains nothing a current
// fault does.
var rules = []rule{
	// ① tunnel setup (seed 000 §5.3)
	{"shared-key-mismatch", domainS2S, sharedKeyMismatch},     // fix ①
	{"ike-policy-mismatch", domainS2S, ikePolicyMismatch},     // fixes ②③, phase 1
	{"ipsec-policy-mismatch", domainS2S, ipsecPolicyMismatch}, // fixes ②③, phase 2
	{"peer-unreachable", domainS2S, peerUnreachable},          // fix ④, IKE
	{"esp-blocked", domainS2S, espBlocked},                    // fix ④, ESP
	// ② authentication (seed 000 §5.4)
	{"certificate-untrusted", domainP2S, certificateUntrusted},
	// ③ routing (seed 000 §5.5)
	{"bgp-asn-mismatch", domainS2S, bgpASNMismatch},
	{"route-missing", domainS2S, routeMissing},
	// ④ operations (seed 000 §5.6)
	{"mtu-blackhole", domainS2S, mtuBlackhole},
	{"certificate-expired", domainP2S, certificateExpired},
	{"maintenance-failover", domainGateway, maintenanceFailover},
}

// Diagnose isolates the fault the evidence shows. It applies the rules in
// the order of seed 000 §5.2 (tunnel setup, authentication, routing,
// operations); the first that matches gives the verdict, and the first
// match of each other domain (site-to-site, point-to-site, gateway
// maintenance) is added as an "also:" fact. With no match the verdict is
// healthy when every check passes, else unknown with what is missing or
// contradictory. Diagnose is pure: it reads no clock (time comes from
// ev.CollectedAt), does no I/O and returns the same verdict for the same
// evidence.
func Diagnose(ev Evidence) Verdict {
	v := newView(ev)
	var out Verdict
	matched := -1
	for i, r := range rules {
		if vd, ok := r.match(v); ok {
			out, matched = vd, i
			if out.Fault == "" {
				out.Fault = r.fault
			}
			break
		}
	}
	if matched < 0 {
		out = healthyOrUnknown(v)
	} else {
		seen := []string{rules[matched].domain}
		for _, r := range rules[matched+1:] {
			if slices.Contains(seen, r.domain) {
				continue
			}
			if vd, ok := r.match(v); ok {
				seen = append(seen, r.domain)
				f := vd.Fault
				if f == "" {
					f = r.fault
				}
				out.Facts = append(out.Facts, "also: "+vd.Category+"/"+f+" — "+vd.Summary)
			}
		}
	}
	finish(v, &out, matched < 0 || rules[matched].domain != domainP2S)
	return out
}

// finish names the missing evidence and bounds the confidence. s2s says
// the verdict rests on the site-to-site sides, whose absence caps it.
func finish(v *view, out *Verdict, s2s bool) {
	var miss []string
	if v.dev == nil {
		miss = append(miss, missingOnprem)
	}
	if v.az == nil {
		miss = append(miss, missingAzure)
	}
	miss = append(miss, out.Missing...)
	miss = append(miss, v.ev.Missing...)
	out.Missing = nil
	for _, m := range miss {
		if m != "" && !slices.Contains(out.Missing, m) {
			out.Missing = append(out.Missing, m)
		}
	}

	c := out.Confidence
	if s2s && out.Category != Unknown && (v.dev == nil || v.az == nil) {
		c = min(c, 0.8)
	}
	if out.Category == Unknown {
		c = min(c, 0.5)
	}
	c = max(0, min(1, c))
	out.Confidence = math.Round(c*100) / 100
	if out.Facts == nil {
		out.Facts = []string{}
	}
}

// sided is the confidence of a signature seen on the device (dev) and/or
// the Azure side (az): explicit on both, on one with the other silent, on
// one with the other absent.
func (v *view) sided(dev, az bool) float64 {
	switch {
	case dev && az:
		return 0.95
	case dev && v.az != nil:
		return 0.8
	case dev:
		return 0.75
	case az && v.dev != nil:
		return 0.75
	case az:
		return 0.7
	}
	return 0.5
}

// step is one fix step before numbering.
type step struct{ text, source string }

// steps numbers fix steps from 1.
func steps(s ...step) []Step {
	out := make([]Step, 0, len(s))
	for i, x := range s {
		out = append(out, Step{N: i + 1, Text: x.text, Source: x.source})
	}
	return out
}
