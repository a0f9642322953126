package diagnose

import (
	"fmt"
	"math"
	"slices"

	"github.com/vpnlab/vpnlab/diagnose/kb"
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
	{"wrong-peer-address", domainS2S, wrongPeerAddress},               // config: the peer is not Azure's IP
	{"ike-version-mismatch", domainS2S, ikeVersionMismatch},           // config: IKEv1 against IKEv2
	{"ike-identity-mismatch", domainS2S, ikeIdentityMismatch},         // config: ID is not the LNG's IP
	{"shared-key-mismatch", domainS2S, sharedKeyMismatch},             // fix ①
	{"ike-policy-mismatch", domainS2S, ikePolicyMismatch},             // fixes ②③, phase 1
	{"pfs-mismatch", domainS2S, pfsMismatch},                          // config: PFS at the rekey (latent)
	{"traffic-selector-mismatch", domainS2S, trafficSelectorMismatch}, // config: selectors leave out the VNet/LAN
	{"ipsec-policy-mismatch", domainS2S, ipsecPolicyMismatch},         // fixes ②③, phase 2
	{"ike-ports-blocked", domainS2S, ikePortsBlocked},                 // fix ④, IKE filtered on the path
	{"peer-unreachable", domainS2S, peerUnreachable},                  // fix ④, IKE
	{"keepalive-nat-timeout", domainS2S, keepaliveNATTimeout},         // config: a NAT forgets idle mappings (latent)
	{"esp-blocked", domainS2S, espBlocked},                            // fix ④, ESP
	// ② authentication (seed 000 §5.4)
	{"radius-secret-mismatch", domainP2S, radiusSecretMismatch}, // seed 003 812: the RADIUS server drops the gateway's requests
	{"radius-unreachable", domainP2S, radiusUnreachable},        // seed 003 812: no answer, the server never sees them
	{"client-certificate-missing", domainP2S, clientCertificateMissing},
	{"client-certificate-revoked", domainP2S, clientCertificateRevoked}, // chains, valid, thumbprint on the revoked list
	{"client-certificate-eku", domainP2S, clientCertificateEKU},         // chains, valid, no EKU clientAuth
	{"certificate-untrusted", domainP2S, certificateUntrusted},
	// ③ routing (seed 000 §5.5)
	{"p2s-pool-overlap", domainP2S, p2sPoolOverlap}, // config: the P2S pool shares the VNet's or on-prem's addresses
	{"bgp-peer-address-mismatch", domainS2S, bgpPeerAddressMismatch},
	{"bgp-asn-mismatch", domainS2S, bgpASNMismatch},
	{"lng-prefix-missing", domainS2S, lngPrefixMissing},
	{"bgp-prefix-not-advertised", domainS2S, bgpPrefixNotAdvertised},
	{"address-space-overlap", domainS2S, addressSpaceOverlap}, // Azure (VNet, peered VNet) and on-prem ranges overlap
	{"udr-override", domainS2S, udrOverride},                  // ⑤ a user route takes on-prem traffic from the gateway
	{"return-route-missing", domainS2S, returnRouteMissing},   // ② one-way: on-prem routes the VNet elsewhere
	{"route-missing", domainS2S, routeMissing},
	// ④ operations (seed 000 §5.6)
	{"sa-lifetime-mismatch", domainS2S, saLifetimeMismatch}, // config: expiry without rekey (latent)
	{"config-change", domainS2S, configChange},              // Activity Log write, then a drop
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
	s2s := true
	switch {
	case matched < 0:
		out = healthyOrUnknown(v)
		if out.Category == Healthy {
			// A healthy site-to-site tunnel says nothing of a P2S client
			// whose own log ends in a failure (its DPD gave up, its
			// request went unanswered): that client's lines decide.
			if lv, ok := v.clientTrouble(); ok {
				lv.Facts = append(lv.Facts, out.Facts...)
				out = lv
				s2s = false
			}
		}
		if out.Category == Unknown {
			// No rule on the structured evidence: the lines decide.
			if lv, ok := v.fromLines(); ok {
				lv.Facts = append(lv.Facts, out.Facts...)
				lv.Missing = out.Missing
				out = lv
				s2s = scopeS2S(out.Fault)
			}
		}
	case v.outweighs(rules[matched].fault):
		// The structured rule rests on a symptom the lines explain better.
		lv, _ := v.fromLines()
		lv.Candidates = append([]Candidate{{Category: out.Category, Fault: out.Fault, Confidence: out.Confidence, Why: "the structured evidence: " + out.Summary}}, lv.Candidates...)
		lv.Facts = append(lv.Facts, out.Facts...)
		out = lv
		s2s = scopeS2S(out.Fault)
	default:
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
		s2s = rules[matched].domain != domainP2S
	}
	if f := kb.Default().Fault(out.Fault); f != nil {
		out.Category = f.Category // the knowledge base is the one place a fault's category lives
	}
	finish(v, &out, s2s)
	v.cite(&out)
	v.families(&out)
	if out.Category == Unknown {
		v.unknownNext(&out)
		if !v.hasS2S() && len(v.ev.Text) > 0 && len(v.findings) == 0 {
			out.Summary = fmt.Sprintf("No line matches a signature of a known fault: %d lines read, %d of them in a recognised log family", out.Lines, out.Lines-out.Unplaced)
		}
	}
	if out.Fault != "" && out.Fault != "config-change" {
		// Recent changes on the Azure side are worth knowing whatever the fault.
		for _, w := range v.writes() {
			out.Facts = append(out.Facts, activityFact(w))
		}
	}
	if out.UserError == "" && !s2s {
		out.UserError = userErrorFor(out.Fault, out.Facts)
	}
	return out
}

// outweighs reports whether the lines name a cause that a structured
// verdict for fault only shows the symptoms of: peer-unreachable rests on
// unanswered requests, which a certificate, identity or proposal problem
// of the same exchange also produces.
func (v *view) outweighs(fault string) bool {
	if fault != "peer-unreachable" {
		return false
	}
	sus := v.suspects()
	return len(sus) > 0 && sus[0].fault.ID != fault && sus[0].level >= 2 && sus[0].explained == ""
}

// clientTrouble is the verdict of a P2S client's lines when a client's
// log, in the window, ends with a line that is a finding (its last word
// is a failure, not a success): the lines of the P2S clients alone decide,
// not the site-to-site evidence. ok is false otherwise.
func (v *view) clientTrouble() (Verdict, bool) {
	last := map[string]int{} // client -> index of its last line
	for i, l := range v.lines {
		if l.side == sideClient {
			last[l.owner] = i
		}
	}
	trouble := false
	var client []finding
	for _, f := range v.findings {
		if v.lines[f.line].side != sideClient {
			continue
		}
		client = append(client, f)
		if last[v.lines[f.line].owner] == f.line {
			trouble = true
		}
	}
	if !trouble {
		return Verdict{}, false
	}
	all := v.findings
	v.findings = client
	out, ok := v.fromLines()
	v.findings = all
	if ok {
		out.Facts = append(out.Facts, "the P2S client's log ends in a failure, whatever the site-to-site tunnel's state")
	}
	return out, ok
}

// scopeS2S reports whether a fault is judged on the site-to-site sides
// (whose absence caps the confidence).
func scopeS2S(fault string) bool {
	f := kb.Default().Fault(fault)
	return f == nil || f.Scope != "p2s"
}

// unknownNext gives an unknown verdict its nearest candidates and what to
// collect next.
func (v *view) unknownNext(out *Verdict) {
	for _, s := range v.suspects() {
		if len(out.Candidates) == 3 {
			break
		}
		out.Candidates = append(out.Candidates, Candidate{Category: s.fault.Category, Fault: s.fault.ID, Confidence: s.confidence, Why: s.why()})
	}
	if len(out.Candidates) > 0 {
		if f := kb.Default().Fault(out.Candidates[0].Fault); f != nil {
			out.CollectNext = append(out.CollectNext, f.CollectNext...)
		}
	}
	if v.dev == nil || len(v.devLog) == 0 {
		out.CollectNext = append(out.CollectNext, collectDevice)
	}
	if v.az == nil || len(v.azLog) == 0 {
		out.CollectNext = append(out.CollectNext, collectAzure)
	}
	out.CollectNext = slices.Compact(out.CollectNext)
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
